package org.dspn4j.data.clevr;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One CLEVR scene as stored in {@code scenes/CLEVR_<split>_scenes.json} (schema: see {@link org.dspn4j.data.clevr}).
 * {@code relationships} is not kept: it follows from the coordinates and the directions.
 *
 * @param split          the scene's {@code split} field, or {@code null} when the file has none
 * @param imageIndex     {@code image_index}
 * @param imageFilename  {@code image_filename}, e.g. {@code CLEVR_val_000000.png}
 * @param objects        {@code objects} in JSON order (the order the set targets keep)
 * @param directions     {@code directions}: name ({@code right}, {@code behind}, ...) to vector, in
 *                       file order; always contains {@code right}
 */
public record Scene(String split, int imageIndex, String imageFilename,
                    List<ClevrObject> objects, Map<String, Vec3> directions) {

    public Scene {
        Objects.requireNonNull(imageFilename, "imageFilename");
        objects = List.copyOf(objects);
        directions = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(directions));
        if (!directions.containsKey("right")) {
            throw new IllegalArgumentException("directions must contain 'right'");
        }
    }

    /** @return the camera's horizontal right axis, {@code directions.right} (used by the box heuristic) */
    public Vec3 right() {
        return directions.get("right");
    }
}
