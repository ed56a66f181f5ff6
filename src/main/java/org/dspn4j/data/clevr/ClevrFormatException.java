package org.dspn4j.data.clevr;

import java.nio.file.Path;
import org.dspn4j.text.OneLine;

/**
 * A scene file that cannot be read as CLEVR v1.0 scenes: invalid or truncated JSON, a schema
 * violation, or a read error. The message is one line naming the file, the scene's position in the
 * {@code scenes} array (0-based), its {@code image_index} when it was already read, the offending
 * field (e.g. {@code objects[2].3d_coords}) and the JSON line/column.
 *
 * <p>An {@link IllegalArgumentException}: bad input, which the command line reports as one line.
 */
public final class ClevrFormatException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final int sceneIndex;
    private final String field;

    ClevrFormatException(Path file, int sceneIndex, String field, String message, Throwable cause) {
        super(OneLine.escape(file + (sceneIndex >= 0 ? ": scene " + sceneIndex : "")
                + (field != null ? ": field '" + field + "'" : "") + ": " + message), cause);
        this.file = file;
        this.sceneIndex = sceneIndex;
        this.field = field;
    }

    /** @return the scene file */
    public Path file() {
        return file;
    }

    /** @return the scene's 0-based position in the {@code scenes} array, or -1 outside any scene */
    public int sceneIndex() {
        return sceneIndex;
    }

    /** @return the offending field's path inside the scene, or {@code null} */
    public String field() {
        return field;
    }
}
