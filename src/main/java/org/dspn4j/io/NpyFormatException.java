package org.dspn4j.io;

import java.io.IOException;
import org.dspn4j.text.OneLine;

/**
 * A {@code .npy} or {@code .npz} file that this package cannot read: truncated, wrong magic,
 * an unsupported dtype or layout, or a malformed header. The message starts with the source
 * (file name, and for an archive the entry) so that the bad file is obvious in a log.
 */
public final class NpyFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String source;

    /**
     * @param source the file, and for an archive the entry, e.g. {@code "ckpt.npz, entry 'w'"}
     * @param problem what is wrong, e.g. {@code "unsupported dtype '<c16'"}
     */
    public NpyFormatException(String source, String problem) {
        super(OneLine.escape(source + ": " + problem));
        this.source = source;
    }

    public NpyFormatException(String source, String problem, Throwable cause) {
        super(OneLine.escape(source + ": " + problem), cause);
        this.source = source;
    }

    /** The file (and entry) that the problem is in. */
    public String source() {
        return source;
    }

}
