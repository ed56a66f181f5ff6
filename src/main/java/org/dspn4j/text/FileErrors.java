package org.dspn4j.text;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * File-system errors as the commands quote them. A file written atomically is first written beside
 * its target under a temporary name the user never gave; an error there is reported under the target.
 */
public final class FileErrors {
    private FileErrors() {
    }

    /**
     * {@code e} named by {@code target} where it names {@code tmp} (with its reason in words: "permission
     * denied", "no such file or folder"), else {@code e} itself.
     */
    public static FileSystemException namedAs(FileSystemException e, Path tmp, Path target) {
        if (e.getFile() == null || !e.getFile().equals(tmp.toString())) {
            return e;
        }
        String reason = e instanceof AccessDeniedException ? "permission denied"
                : e instanceof NoSuchFileException ? "no such file or folder" : e.getReason();
        return new FileSystemException(target.toString(), null, reason);
    }
}
