package org.dspn4j.text;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * File errors as the commands quote them, naming the file. The JDK's {@link IOException}s from reads and
 * writes on an open stream ("Input/output error", "No space left on device") do not say which file they
 * concern; and a file written atomically is first written beside its target under a temporary name the
 * user never gave, so an error there is reported under the target.
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

    /** {@code e} if its message names {@code file} (or it is a file-system error naming a file), else a wrapper naming it. */
    public static IOException named(Path file, IOException e) {
        String m = e.getMessage();
        if (e instanceof FileSystemException f && f.getFile() != null) {
            return e;
        }
        if (m != null && (m.contains(file.toString()) || m.contains(file.toAbsolutePath().toString()))) {
            return e;
        }
        return new IOException(file + ": " + (m == null ? e.getClass().getSimpleName() : m), e);
    }
}
