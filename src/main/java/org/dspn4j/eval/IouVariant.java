package org.dspn4j.eval;

/**
 * Intersection over union of two axis-aligned boxes, in the two forms the authors' box evaluator
 * has had ({@code dspn/Object-Detection-Metrics/lib/Evaluator.py:Evaluator.iou}, {@code _getArea};
 * docs/reference-behaviour.md §8).
 *
 * <p>Boxes are {@code (x1, y1, x2, y2)} — the first four entries of the array; later entries are
 * ignored. Both forms first test whether the boxes intersect, with non-strict comparisons, so
 * boxes that only touch do intersect; boxes that do not intersect get IoU 0. Otherwise
 * IoU = I / (A + B − I), with I the intersection area and A, B the box areas, evaluated in that
 * order as the Python evaluator does, so results agree to the last bit.
 *
 * <p>The function is symmetric in its two boxes: every step is (max, min, +, ×) on the pair.
 */
public enum IouVariant {

    /**
     * The evaluator as used for the paper (before commit be3703b, 2020-09-18): the pixel
     * convention width = x2 − x1 + 1, height = y2 − y1 + 1, also for the intersection. On the
     * normalised [0, 1] coordinates of the CLEVR boxes this inflates IoU hugely (two 0.1 × 0.1 boxes
     * offset by 0.05 score 21/23 ≈ 0.913 instead of 1/3), which is why the paper's thresholds are
     * 0.5, 0.9, 0.95, 0.98, 0.99. Like that evaluator, a negative (or NaN) result is an error: it
     * asserts IoU ≥ 0; here that throws {@link IllegalStateException}.
     */
    PAPER_PLUS_ONE(new double[] {0.5, 0.9, 0.95, 0.98, 0.99}),

    /**
     * The corrected evaluator (commit be3703b): continuous widths x2 − x1, results below 0 (from
     * inverted predicted boxes) clipped to 0. Thresholds 0.5, 0.6, 0.7, 0.8, 0.9.
     */
    FIXED(new double[] {0.5, 0.6, 0.7, 0.8, 0.9});

    private final double[] thresholds;

    IouVariant(double[] thresholds) {
        this.thresholds = thresholds;
    }

    /** The IoU thresholds the authors' scripts evaluate with this variant (a fresh copy). */
    public double[] defaultThresholds() {
        return thresholds.clone();
    }

    /**
     * IoU of two boxes.
     *
     * @param a (x1, y1, x2, y2, …), length ≥ 4
     * @param b (x1, y1, x2, y2, …), length ≥ 4
     * @return IoU; 0 for boxes that do not intersect
     * @throws ArithmeticException   if the boxes intersect but the union area is 0 (two
     *                               degenerate boxes in {@link #FIXED}); the Python evaluator
     *                               divides by zero there
     * @throws IllegalStateException in {@link #PAPER_PLUS_ONE}, if the result is negative or NaN,
     *                               where the paper-era evaluator's assertion fails
     */
    public double iou(double[] a, double[] b) {
        if (a.length < 4 || b.length < 4) {
            throw new IllegalArgumentException("a box needs 4 coordinates (x1, y1, x2, y2); got "
                    + a.length + " and " + b.length);
        }
        if (!intersect(a, b)) {
            return 0.0;
        }
        double xA = Math.max(a[0], b[0]);
        double yA = Math.max(a[1], b[1]);
        double xB = Math.min(a[2], b[2]);
        double yB = Math.min(a[3], b[3]);
        double inter;
        double areaA;
        double areaB;
        if (this == PAPER_PLUS_ONE) {
            // NOTE: the +1 is the pixel-grid convention of the original toolkit, kept on purpose:
            // the paper's box AP numbers were computed with it (docs/reference-behaviour.md §8).
            inter = (xB - xA + 1) * (yB - yA + 1);
            areaA = (a[2] - a[0] + 1) * (a[3] - a[1] + 1);
            areaB = (b[2] - b[0] + 1) * (b[3] - b[1] + 1);
        } else {
            inter = (xB - xA) * (yB - yA);
            areaA = (a[2] - a[0]) * (a[3] - a[1]);
            areaB = (b[2] - b[0]) * (b[3] - b[1]);
        }
        double union = areaA + areaB - inter;
        if (union == 0.0) {
            throw new ArithmeticException("IoU undefined: boxes " + box(a) + " and " + box(b)
                    + " intersect but their union area is 0");
        }
        double iou = inter / union;
        if (this == PAPER_PLUS_ONE) {
            if (!(iou >= 0)) {
                throw new IllegalStateException("the paper-era evaluator asserts IoU >= 0, but boxes "
                        + box(a) + " and " + box(b) + " give " + iou);
            }
            return iou;
        }
        // Python's max(0, iou): anything not above 0 (including NaN) becomes 0.
        return iou > 0 ? iou : 0.0;
    }

    /** Overlap or touch; each test is the negation of a strict separation. */
    private static boolean intersect(double[] a, double[] b) {
        if (a[0] > b[2]) {
            return false; // a is right of b
        }
        if (b[0] > a[2]) {
            return false; // a is left of b
        }
        if (a[3] < b[1]) {
            return false; // a is above b
        }
        return !(a[1] > b[3]); // a is below b
    }

    private static String box(double[] b) {
        return "(" + b[0] + ", " + b[1] + ", " + b[2] + ", " + b[3] + ")";
    }
}
