package org.dspn4j.data.clevr;

/**
 * The 18-dimensional object state used for CLEVR state prediction (the authors'
 * {@code dspn/data.py:CLEVR.object_to_fv} at be3703b; docs/reference-behaviour.md §6). Channels, in this order:
 * <pre>
 *   0..2    3d_coords x, y, z, each divided by 3
 *   3..4    material one-hot  [rubber, metal]
 *   5..12   colour one-hot    [cyan, blue, yellow, purple, red, green, gray, brown]
 *   13..15  shape one-hot     [sphere, cube, cylinder]
 *   16..17  size one-hot      [large, small]
 * </pre>
 * The authors store the result as float32; these arrays are double and the model layer rounds.
 */
public final class StateVector {

    /** C for the state task. */
    public static final int CHANNELS = 18;

    static final int MATERIAL = 3;
    static final int COLOR = MATERIAL + Material.values().length;
    static final int SHAPE = COLOR + Color.values().length;
    static final int SIZE = SHAPE + Shape.values().length;

    private StateVector() {
    }

    /** @return the state of one object, shape (C = 18) */
    public static double[] of(ClevrObject o) {
        double[] v = new double[CHANNELS];
        v[0] = o.coords().x() / 3;
        v[1] = o.coords().y() / 3;
        v[2] = o.coords().z() / 3;
        v[MATERIAL + o.material().ordinal()] = 1;
        v[COLOR + o.color().ordinal()] = 1;
        v[SHAPE + o.shape().ordinal()] = 1;
        v[SIZE + o.size().ordinal()] = 1;
        return v;
    }

    /**
     * @return the scene's padded state set, shape (C = 18, N = 10), channels-first: {@code [c][n]} is
     *     channel c of object n (JSON order); slots past the object count are 0 (see {@link Slots})
     * @throws IllegalArgumentException if the scene has more than 10 objects
     */
    public static double[][] encode(Scene scene) {
        int n = Slots.checkedCount(scene);
        double[][] out = new double[CHANNELS][Slots.MAX_OBJECTS];
        for (int j = 0; j < n; j++) {
            double[] v = of(scene.objects().get(j));
            for (int c = 0; c < CHANNELS; c++) {
                out[c][j] = v[c];
            }
        }
        return out;
    }
}
