package org.dspn4j.data.clevr;

/**
 * Fixed-size set padding for CLEVR (the authors' {@code dspn/data.py:CLEVR.prepare_scenes} at be3703b;
 * docs/reference-behaviour.md §6): at most {@link #MAX_OBJECTS} objects, kept in JSON
 * order, zero-padded at the end, with a mask that is 1 for real objects.
 *
 * <p>A scene with more than 10 objects is rejected with {@link IllegalArgumentException}: the
 * authors' loader has no branch for it (its padding step is skipped and the oversized set breaks
 * batching), and CLEVR v1.0 never has more than 10 (its generator places 3 to 10 objects: the
 * {@code --min_objects}/{@code --max_objects} defaults of {@code image_generation/render_images.py}).
 */
public final class Slots {

    /** N, the maximum set size. */
    public static final int MAX_OBJECTS = 10;

    private Slots() {
    }

    /**
     * @return the mask, shape (N): 1 for slots {@code 0..n-1} holding the scene's n objects, 0 after
     * @throws IllegalArgumentException if the scene has more than {@link #MAX_OBJECTS} objects
     */
    public static double[] mask(Scene scene) {
        int n = checkedCount(scene);
        double[] m = new double[MAX_OBJECTS];
        java.util.Arrays.fill(m, 0, n, 1.0);
        return m;
    }

    static int checkedCount(Scene scene) {
        int n = scene.objects().size();
        if (n > MAX_OBJECTS) {
            throw new IllegalArgumentException(scene.imageFilename() + " (image_index " + scene.imageIndex()
                    + ") has " + n + " objects; at most " + MAX_OBJECTS + " are supported");
        }
        return n;
    }
}
