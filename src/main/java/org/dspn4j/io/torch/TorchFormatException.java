package org.dspn4j.io.torch;

import java.io.IOException;

/**
 * A file written by {@code torch.save} that this package will not read: truncated, malformed, too
 * large for the file it is in, or asking for a Python global outside the allowed set. The message
 * is one line and starts with the file (and, in a zip archive, the entry), e.g.
 * {@code logs/dspn-mnist: refused global 'posix.system' ...}.
 */
public final class TorchFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String source;

    /**
     * @param source  the file, e.g. {@code "logs/dspn-mnist"}, or file and entry
     * @param problem what is wrong; line breaks are replaced so that the message stays one line
     */
    public TorchFormatException(String source, String problem) {
        super(oneLine(source + ": " + problem));
        this.source = source;
    }

    /** The file (and entry) the problem is in. */
    public String source() {
        return source;
    }

    private static String oneLine(String s) {
        return s.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
    }
}
