package org.dspn4j.data.mnist;

import java.io.IOException;
import java.nio.file.Path;
import org.dspn4j.text.OneLine;

/**
 * An IDX file that cannot be read: wrong magic, truncated, trailing bytes, a corrupt gzip
 * stream, or dimensions that do not fit. The message names the file and the byte offset; for a
 * gzip'd file the offset counts bytes of the decompressed IDX data.
 */
public final class IdxFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long offset;

    public IdxFormatException(Path file, long offset, String problem) {
        this(file, offset, problem, null);
    }

    public IdxFormatException(Path file, long offset, String problem, Throwable cause) {
        super(OneLine.escape(file + ": " + problem + " (at byte offset " + offset + ")"), cause);
        this.file = file;
        this.offset = offset;
    }

    /** The file that failed. */
    public Path file() {
        return file;
    }

    /** Byte offset in the (decompressed) IDX data where the problem was found. */
    public long offset() {
        return offset;
    }

}
