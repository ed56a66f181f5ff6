package org.dspn4j.experiment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

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
}
