package org.dspn4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * IoU properties for both variants (docs/reference-behaviour.md §8): symmetric, 1 for a box with
 * itself, 0 for disjoint boxes, and the "+1" form at least the fixed one on small normalised boxes.
 */
class IouProperties {

    /**
     * Boxes on a coarse grid of 0.05 so that shared edges, touching corners and identical boxes
     * are common, plus occasional inverted (x2 < x1) small boxes as an unclamped model may emit.
     */
    private static double[] gridBox(Random rnd) {
        double x1 = rnd.nextInt(20) * 0.05;
        double y1 = rnd.nextInt(20) * 0.05;
        double x2 = x1 + (rnd.nextInt(8) - (rnd.nextInt(10) == 0 ? 3 : 0)) * 0.05;
        double y2 = y1 + (rnd.nextInt(8) - (rnd.nextInt(10) == 0 ? 3 : 0)) * 0.05;
        return new double[] {x1, y1, x2, y2};
    }

    @Property(tries = 500)
    void symmetric(@ForAll long seed) {
        Random rnd = new Random(seed);
        double[] a = gridBox(rnd);
        double[] b = gridBox(rnd);
        for (IouVariant v : IouVariant.values()) {
            double ab = safeIou(v, a, b);
            double ba = safeIou(v, b, a);
            assertEquals(Double.doubleToLongBits(ab), Double.doubleToLongBits(ba), v + " " + ab + " vs " + ba);
        }
    }

    @Property(tries = 300)
    void selfIouIsOne(@ForAll long seed) {
        double[] b = Scenes.randomBox(new Random(seed));
        for (IouVariant v : IouVariant.values()) {
            assertEquals(1.0, v.iou(b, b.clone()), 0.0, v.name());
        }
    }

    @Property(tries = 300)
    void disjointIsZero(@ForAll long seed) {
        Random rnd = new Random(seed);
        double[] a = Scenes.randomBox(rnd);
        double gap = 1e-9 + rnd.nextDouble() * 0.2;
        double w = 0.01 + rnd.nextDouble() * 0.2;
        double[] b = rnd.nextBoolean()
                ? new double[] {a[2] + gap, a[1], a[2] + gap + w, a[3]}  // to the right
                : new double[] {a[0], a[3] + gap, a[2], a[3] + gap + w}; // below
        for (IouVariant v : IouVariant.values()) {
            assertEquals(0.0, v.iou(a, b), v.name());
            assertEquals(0.0, v.iou(b, a), v.name());
        }
    }

    /** On well-formed boxes inside the unit square, adding 1 to every side only raises IoU. */
    @Property(tries = 500)
    void plusOneIsAtLeastFixedOnSmallNormalisedBoxes(@ForAll long seed) {
        Random rnd = new Random(seed);
        double[] a = Scenes.randomBox(rnd);
        double[] b = rnd.nextBoolean() ? Scenes.randomBox(rnd) : jitter(a, rnd);
        double fixed = IouVariant.FIXED.iou(a, b);
        double paper = IouVariant.PAPER_PLUS_ONE.iou(a, b);
        assertTrue(fixed >= 0 && fixed <= 1, "fixed " + fixed);
        assertTrue(paper >= 0 && paper <= 1 + 1e-15, "paper " + paper);
        assertTrue(paper >= fixed - 1e-12, "paper " + paper + " < fixed " + fixed);
    }

    private static double[] jitter(double[] a, Random rnd) {
        double dx = rnd.nextGaussian() * 0.03;
        double dy = rnd.nextGaussian() * 0.03;
        return new double[] {a[0] + dx, a[1] + dy, a[2] + dx, a[3] + dy};
    }

    /** Degenerate pairs (both of zero area) divide by zero in FIXED; map that to NaN for comparison. */
    private static double safeIou(IouVariant v, double[] a, double[] b) {
        try {
            return v.iou(a, b);
        } catch (ArithmeticException | IllegalStateException e) {
            return Double.NaN;
        }
    }
}
