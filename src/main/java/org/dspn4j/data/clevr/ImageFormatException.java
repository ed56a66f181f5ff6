package org.dspn4j.data.clevr;

import java.io.IOException;
import java.nio.file.Path;
import org.dspn4j.text.OneLine;

/**
 * An image file that cannot be read as a CLEVR image: not a PNG, a malformed or corrupt PNG, a
 * size over {@link RgbImage#MAX_PIXELS} or {@link RgbImage#MAX_FILE_BYTES}, or a sample format
 * other than 8-bit. The message is one line that starts with the file.
 */
public final class ImageFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String problem;

    /**
     * @param file    the image
     * @param problem what is wrong, e.g. {@code "not a PNG file"}
     */
    public ImageFormatException(Path file, String problem) {
        this(file, problem, null);
    }

    public ImageFormatException(Path file, String problem, Throwable cause) {
        super(OneLine.escape(file + ": " + problem), cause);
        this.file = file;
        this.problem = problem;
    }

    /** @return the image file */
    public Path file() {
        return file;
    }

    /** @return the problem, without the file name */
    public String problem() {
        return problem;
    }

}
