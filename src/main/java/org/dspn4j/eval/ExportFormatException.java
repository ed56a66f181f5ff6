package org.dspn4j.eval;

import java.io.IOException;
import java.nio.file.Path;
import org.dspn4j.text.OneLine;

/**
 * An export folder or file that {@link ExportReader} cannot read: a missing folder, unmatched
 * file names, a file over {@link ExportReader#MAX_FILE_BYTES}, invalid UTF-8, or a line that is
 * not {@code box} followed by enough numbers. The message is one line naming the file and, for a
 * line's content, the line number.
 */
public final class ExportFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final int line;

    /**
     * @param file    the file or folder
     * @param line    1-based line number, or 0 when the problem is not on one line
     * @param message the whole message
     */
    ExportFormatException(Path file, int line, String message) {
        super(OneLine.escape(message));
        this.file = file;
        this.line = line;
    }

    /** @return the file or folder the problem is in */
    public Path file() {
        return file;
    }

    /** @return the 1-based line number, or 0 when the problem is not on one line */
    public int line() {
        return line;
    }

}
