package org.dspn4j.io;

import java.io.IOException;

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
        super(oneLine(source + ": " + problem));
        this.source = source;
    }

    public NpyFormatException(String source, String problem, Throwable cause) {
        super(oneLine(source + ": " + problem), cause);
        this.source = source;
    }

    /** The file (and entry) that the problem is in. */
    public String source() {
        return source;
    }

    /** Control characters (a quoted header's line break, say) escaped, so that the message is one line. */
    static String oneLine(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || c == 0x85 || c == 0x2028 || c == 0x2029) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
