package org.dspn4j.data.clevr;

/**
 * Heuristic 2-D bounding boxes from the scene JSON ({@code dspn/data.py:CLEVR.extract_bounding_boxes} at
 * be3703b; docs/reference-behaviour.md §6), the formula the authors took from larchen/clevr-vqa
 * {@code bounding_box.py}. The box is built around the projected object origin
 * {@code pixel_coords} with extents from the object's size and a rough depth coordinate; it is not
 * clipped to the image. Arithmetic follows the Python expression order so that values match the
 * authors' float64 computation bit for bit (they then store float32).
 */
public final class BoxHeuristic {

    /** C for the box task: x_min, y_min, x_max, y_max. */
    public static final int CHANNELS = 4;
    /** Width and height of CLEVR v1.0 images, the normalisers of the box coordinates. */
    static final double IMAGE_WIDTH = 480.0;
    static final double IMAGE_HEIGHT = 320.0;
    /**
     * The largest magnitude of a box coordinate, in pixels, that {@link ClevrDataset#open} accepts:
     * 10^25. The boxes of coordinates within {@link SceneReader#MAX_COORDINATE} stay below it unless
     * the object sits near a pole of the heuristic ({@code 10 + y'} or {@code 9.4 + y'} near 0); a set
     * loss cost, a sum of 5 Huber terms of (prediction − target), each target at most 10^25 / 320,
     * then stays some 10^7 times below the 2^100 the Hungarian assignment accepts.
     */
    public static final double MAX_PIXELS = 1e25;

    private BoxHeuristic() {
    }

    /**
     * The box of one object in pixels of the 480×320 image.
     *
     * @param right the scene's {@code directions.right}, read as (cos θ, sin θ, ·)
     * @return {x_min, y_min, x_max, y_max} in pixels (x right, y down), not clipped
     */
    public static double[] pixelBox(ClevrObject o, Vec3 right, BoxFormula formula) {
        double x = o.pixelCoords().x();
        double y = o.pixelCoords().y();
        double x1 = o.coords().x();
        double y1 = o.coords().y();
        double z1 = o.coords().z();
        double cos = right.x();
        double sin = right.y();

        double x1r = x1 * cos + y1 * sin;
        // NOTE: the authors' code overwrites x1 before computing y1', so the "depth" uses the rotated
        // x1' (docs/deviations-clevr-boxes.md); BoxFormula.CORRECTED uses the original x1.
        double y1r = formula == BoxFormula.AUTHORS ? x1r * -sin + y1 * cos : x1 * -sin + y1 * cos;

        double down = 6.9 * z1 * (15 - y1r) / 2.0;
        double up = down;
        double left = down;
        double right_ = down;
        switch (o.shape()) {
            case CYLINDER -> {
                double d = 9.4 + y1r;
                double h = 6.4;
                double s = z1;
                up *= (s * (h / d + 1)) / ((s * (h / d + 1)) - (s * (h - s) / d));
                down = up * (h - s + d) / (h + s + d);
                left *= 11 / (10 + y1r);
                right_ = left;
            }
            case CUBE -> {
                up *= 1.3 * 10 / (10 + y1r);
                down = up;
                left = up;
                right_ = up;
            }
            case SPHERE -> {
                // all four extents stay at the base half-size
            }
        }
        return new double[] {x - left, y - down, x + right_, y + up};
    }

    /**
     * @return the scene's padded box set, shape (C = 4, N = 10), channels-first:
     *     {@code [0][n]} = x_min/480, {@code [1][n]} = y_min/320, {@code [2][n]} = x_max/480,
     *     {@code [3][n]} = y_max/320 of object n (JSON order); padding slots are 0
     * @throws IllegalArgumentException if the scene has more than 10 objects
     */
    public static double[][] encode(Scene scene, BoxFormula formula) {
        int n = Slots.checkedCount(scene);
        double[][] out = new double[CHANNELS][Slots.MAX_OBJECTS];
        for (int j = 0; j < n; j++) {
            double[] b = pixelBox(scene.objects().get(j), scene.right(), formula);
            out[0][j] = b[0] / IMAGE_WIDTH;
            out[1][j] = b[1] / IMAGE_HEIGHT;
            out[2][j] = b[2] / IMAGE_WIDTH;
            out[3][j] = b[3] / IMAGE_HEIGHT;
        }
        return out;
    }
}
