package org.dspn4j.experiment;

import java.io.IOException;
import java.io.UncheckedIOException;

import org.dspn4j.data.clevr.ClevrFormatException;
import org.dspn4j.gpu.ArenaExhaustedException;

/**
 * Which exceptions mean bad input (exit code 2 on the command line) rather than a bug: the refusals of
 * this program ({@link IllegalArgumentException}), unreadable or unwritable files ({@link IOException},
 * also wrapped in an {@link UncheckedIOException}), malformed CLEVR scene files, requests the backend
 * does not support, and memory the input asks for that is not there. A new run that stops on one of
 * these before its first checkpoint removes what it wrote ({@link RunFolder#undoNewRun}).
 */
public final class BadInput {
    private BadInput() {
    }

    /** Whether {@code e} (or, for an {@link UncheckedIOException}, its cause) is bad input. */
    public static boolean is(Throwable e) {
        Throwable t = e instanceof UncheckedIOException && e.getCause() != null ? e.getCause() : e;
        return t instanceof IllegalArgumentException || t instanceof IOException || t instanceof ClevrFormatException
                || t instanceof UnsupportedOperationException || t instanceof OutOfMemoryError
                || t instanceof ArenaExhaustedException;
    }
}
