package org.dspn4j.experiment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.dspn4j.text.FileErrors;

/**
 * Input/output errors that name their file. The JDK's {@link IOException}s from reads and writes on an
 * open stream ("No space left on device", "Stream closed", a parser's complaint) do not say which file
 * they concern; every read and write of a run's files goes through {@link #naming}, so the one-line
 * error a user sees names it.
 */
public final class IoErrors {
    private IoErrors() {
    }

    /** Work on one file that may fail with an {@link IOException}. */
    @FunctionalInterface
    public interface IoAction<T> {
        T run() throws IOException;
    }

    /** Work on one file without a result. */
    @FunctionalInterface
    public interface IoVoid {
        void run() throws IOException;
    }

    /** Runs {@code action}; an {@link IOException} that does not name {@code file} is rethrown naming it. */
    public static <T> T naming(Path file, IoAction<T> action) throws IOException {
        try {
            return action.run();
        } catch (UncheckedIOException e) {
            throw FileErrors.named(file, e.getCause());
        } catch (IOException e) {
            throw FileErrors.named(file, e);
        }
    }

    /** {@link #naming(Path, IoAction)} without a result. */
    public static void naming(Path file, IoVoid action) throws IOException {
        naming(file, () -> {
            action.run();
            return null;
        });
    }

    /**
     * Writes {@code text} (UTF-8) to {@code file} atomically: to {@code <name>.tmp} beside it, then renamed over
     * it, so that a reader sees the old file or the new one, never a part. A failed write (a full disk, a
     * read-only folder) names {@code file}, the name the user knows, leaves the old file as it was and removes
     * the temporary file (one that a killed process left is overwritten by the next write).
     */
    public static void writeAtomic(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            naming(file, () -> {
                try {
                    Files.writeString(tmp, text, StandardCharsets.UTF_8);
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileSystemException e) {
                    throw FileErrors.namedAs(e, tmp, file);
                }
            });
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the error that stopped the write stays the one reported
            }
            throw e;
        }
    }
}
