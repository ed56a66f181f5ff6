package org.dspn4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * AP sanity properties on seeded random scenes (see {@link Scenes}): perfect predictions score 100,
 * false positives ranked after every true positive leave the every-point AP unchanged, and at
 * threshold ∞ the state AP depends only on the attributes.
 */
class AveragePrecisionProperties {

    @Property(tries = 200)
    void perfectBoxPredictionsScore100(@ForAll long seed, @ForAll IouVariant variant) {
        List<ImageDetections> images = Scenes.perfect(seed, true);
        for (double t : variant.defaultThresholds()) {
            assertEquals(100.0, AveragePrecision.box(images, variant, t), 0.0, "threshold " + t);
        }
    }

    @Property(tries = 200)
    void perfectStatePredictionsScore100(@ForAll long seed) {
        List<ImageDetections> images = Scenes.perfect(seed, false);
        for (double t : AveragePrecision.stateThresholds()) {
            assertEquals(100.0, AveragePrecision.state(images, t), 0.0, "threshold " + t);
        }
    }

    /**
     * Extra detections ranked below all others and matching nothing leave every-point AP
     * unchanged, to the bit: they add points at the final recall with lower precision, which the
     * envelope ignores and where recall does not change.
     */
    @Property(tries = 200)
    void lowRankedFalsePositivesDoNotChangeBoxAp(@ForAll long seed, @ForAll IouVariant variant) {
        List<ImageDetections> images = Scenes.noisy(seed, true);
        List<ImageDetections> extended = withExtras(images, new Random(~seed), true);
        for (double t : variant.defaultThresholds()) {
            assertEquals(AveragePrecision.box(images, variant, t), AveragePrecision.box(extended, variant, t), 0.0,
                    "threshold " + t);
        }
    }

    @Property(tries = 200)
    void lowRankedFalsePositivesDoNotChangeStateAp(@ForAll long seed) {
        List<ImageDetections> images = Scenes.noisy(seed, false);
        List<ImageDetections> extended = withExtras(images, new Random(~seed), false);
        for (double t : AveragePrecision.stateThresholds()) {
            assertEquals(AveragePrecision.state(images, t), AveragePrecision.state(extended, t), 0.0, "threshold " + t);
        }
    }

    @Property(tries = 200)
    void apIsAPercentageAndFallsAsThresholdsTighten(@ForAll long seed, @ForAll IouVariant variant) {
        List<ImageDetections> boxes = Scenes.noisy(seed, true);
        double previous = 100;
        for (double t : variant.defaultThresholds()) { // increasing IoU: stricter
            double ap = AveragePrecision.box(boxes, variant, t);
            assertTrue(ap >= 0 && ap <= 100, "AP " + ap);
            assertTrue(ap <= previous + 1e-9, "AP rose from " + previous + " to " + ap + " at " + t);
            previous = ap;
        }
        List<ImageDetections> states = Scenes.noisy(seed, false);
        previous = 100;
        for (double t : AveragePrecision.stateThresholds()) { // decreasing distance: stricter
            double ap = AveragePrecision.state(states, t);
            assertTrue(ap >= 0 && ap <= 100, "AP " + ap);
            assertTrue(ap <= previous + 1e-9, "AP rose from " + previous + " to " + ap + " at " + t);
            previous = ap;
        }
    }

    /**
     * At threshold ∞ state AP depends only on attribute agreement — provided no image has two
     * ground truths with the same attributes (otherwise coordinates still pick which one a
     * detection claims). Moving every predicted coordinate then leaves AP∞ unchanged.
     */
    @Property(tries = 200)
    void stateApAtInfinityIgnoresCoordinatesWhenAttributesAreUnique(@ForAll long seed) {
        List<ImageDetections> images = new ArrayList<>();
        for (ImageDetections img : Scenes.noisy(seed, false)) {
            images.add(withUniqueAttributes(img));
        }
        Random rnd = new Random(seed ^ 0xC0FFEE);
        List<ImageDetections> moved = new ArrayList<>();
        for (ImageDetections img : images) {
            double[][] f = new double[img.features().length][];
            for (int s = 0; s < f.length; s++) {
                f[s] = img.features()[s].clone();
                for (int c = 0; c < 3; c++) {
                    f[s][c] = rnd.nextGaussian() * 5;
                }
            }
            moved.add(new ImageDetections(img.name(), img.confidences(), f, img.groundTruths()));
        }
        double inf = Double.POSITIVE_INFINITY;
        assertEquals(AveragePrecision.state(images, inf), AveragePrecision.state(moved, inf), 0.0);
    }

    // ------------------------------------------------------------------------------ helpers

    /**
     * Adds, with confidences in [-2, -1) (below the scenes' [0, 1]), far-away boxes to each
     * image (box only: a far box overlaps nothing) and a new image without ground truths, where
     * any detection is a false positive.
     */
    private static List<ImageDetections> withExtras(List<ImageDetections> images, Random rnd, boolean boxes) {
        List<ImageDetections> out = new ArrayList<>();
        for (ImageDetections img : images) {
            if (!boxes) {
                out.add(img);
                continue;
            }
            int extra = 1 + rnd.nextInt(3);
            double[] conf = java.util.Arrays.copyOf(img.confidences(), img.confidences().length + extra);
            double[][] f = java.util.Arrays.copyOf(img.features(), img.features().length + extra);
            for (int e = 0; e < extra; e++) {
                conf[img.confidences().length + e] = -2 + rnd.nextDouble();
                double x = 5 + rnd.nextDouble();
                f[img.features().length + e] = new double[] {x, x, x + 0.1, x + 0.1};
            }
            out.add(new ImageDetections(img.name(), conf, f, img.groundTruths()));
        }
        int extra = 1 + rnd.nextInt(5);
        double[] conf = new double[extra];
        double[][] f = new double[extra][];
        for (int e = 0; e < extra; e++) {
            conf[e] = -2 + rnd.nextDouble();
            f[e] = boxes ? Scenes.randomBox(rnd) : Scenes.randomState(rnd);
        }
        out.add(new ImageDetections("extra", conf, f, new double[0][]));
        return out;
    }

    /** Drops ground truths whose attribute one-hots repeat an earlier one in the same image. */
    private static ImageDetections withUniqueAttributes(ImageDetections img) {
        List<double[]> kept = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (double[] g : img.groundTruths()) {
            if (seen.add(java.util.Arrays.toString(java.util.Arrays.copyOfRange(g, 3, 18)))) {
                kept.add(g);
            }
        }
        return new ImageDetections(img.name(), img.confidences(), img.features(), kept.toArray(new double[0][]));
    }
}
