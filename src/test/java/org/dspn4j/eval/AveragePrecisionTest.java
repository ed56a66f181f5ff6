package org.dspn4j.eval;

import static org.dspn4j.eval.Scenes.det;
import static org.dspn4j.eval.Scenes.gts;
import static org.dspn4j.eval.Scenes.image;
import static org.dspn4j.eval.Scenes.state;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class AveragePrecisionTest {

    private static final double EPS = 1e-9;
    private static final double[] FAR = {0.8, 0.8, 0.9, 0.9};

    // ------------------------------------------------------------------- every-point AP itself

    @Test
    void everyPointByHand() {
        // Ranked: TP, FP, TP with G = 2.
        //   precision 1, 1/2, 2/3; recall 1/2, 1/2, 1.
        //   With end points: recall 0, .5, .5, 1, 1; precision 0, 1, .5, 2/3, 0.
        //   Envelope from the right: 1, 1, 2/3, 2/3, 0.
        //   Recall changes at indices 1 (0 -> .5) and 3 (.5 -> 1): AP = .5 * 1 + .5 * 2/3 = 5/6.
        assertEquals(5.0 / 6, AveragePrecision.everyPoint(new boolean[] {true, false, true}, 2), EPS);
    }

    @Test
    void everyPointEdgeCases() {
        assertEquals(0.0, AveragePrecision.everyPoint(new boolean[0], 3));
        assertEquals(0.0, AveragePrecision.everyPoint(new boolean[] {false, false}, 1));
        assertEquals(1.0, AveragePrecision.everyPoint(new boolean[] {true, true}, 2));
        // One of two objects found first: recall .5 at precision 1, never more. AP = .5.
        assertEquals(0.5, AveragePrecision.everyPoint(new boolean[] {true, false, false}, 2));
        // FP first: precision 0 then 1/2 at recall 1/2; the envelope lifts the first point: AP = .5 * .5.
        assertEquals(0.25, AveragePrecision.everyPoint(new boolean[] {false, true}, 2));
    }

    // ---------------------------------------------------------------------------------- box

    @Test
    void threeDetectionsTwoGroundTruths() {
        double[] g0 = {0.0, 0.0, 0.1, 0.1};
        double[] g1 = {0.5, 0.5, 0.6, 0.6};
        List<ImageDetections> images = List.of(image("0", gts(g0, g1),
                det(0.7, g1),        // rank 3: IoU 1 with g1 -> TP
                det(0.9, g0),        // rank 1: IoU 1 with g0 -> TP
                det(0.8, FAR)));     // rank 2: touches nothing -> FP
        // TP, FP, TP over G = 2: AP = 5/6 (see everyPointByHand).
        for (IouVariant v : IouVariant.values()) {
            assertEquals(500.0 / 6, AveragePrecision.box(images, v, 0.5), EPS, v.name());
        }
    }

    @Test
    void greedyMatchingHasNoFallbackToTheSecondBest() {
        double[] g0 = {0.00, 0.0, 0.10, 0.1};
        double[] g1 = {0.02, 0.0, 0.12, 0.1};
        List<ImageDetections> images = List.of(image("0", gts(g0, g1),
                det(0.9, g0.clone()),                  // IoU 1 with g0 -> TP, g0 taken
                det(0.8, 0.005, 0.0, 0.105, 0.1)));   // IoU .905 with g0 (taken), .739 with g1
        // The second detection's best ground truth is g0, already matched: FP, although g1 would
        // pass 0.5. TP, FP over G = 2: AP = .5 (a fallback would have given 1).
        assertEquals(50.0, AveragePrecision.box(images, IouVariant.FIXED, 0.5), EPS);
    }

    @Test
    void firstGroundTruthInFileOrderWinsIouTies() {
        // Dyadic coordinates, so both IoUs below are exactly equal in doubles, in both variants.
        double[] g0 = {0.00, 0, 0.50, 0.5};
        double[] g1 = {0.25, 0, 0.75, 0.5};
        double[] between = {0.125, 0, 0.625, 0.5}; // fixed IoU .1875/.3125 = .6 with each
        List<ImageDetections> images = List.of(image("0", gts(g0, g1),
                det(0.9, between),      // tie: strict '>' keeps g0 -> TP, g0 taken
                det(0.8, g0.clone()))); // best is g0 (IoU 1), taken -> FP
        // TP, FP over G = 2: AP = .5. Had the tie gone to g1, the second would be a TP: AP = 1.
        assertEquals(0.6, IouVariant.FIXED.iou(between, g0), 0.0);
        for (IouVariant v : IouVariant.values()) {
            assertEquals(v.iou(between, g0), v.iou(between, g1), 0.0);
            assertEquals(50.0, AveragePrecision.box(images, v, 0.5), EPS, v.name());
        }
    }

    @Test
    void iouOfExactlyZeroNeverMatches() {
        double[] g = {0.0, 0.0, 0.1, 0.1};
        double[] touching = {0.1, 0.0, 0.2, 0.1}; // fixed IoU exactly 0
        List<ImageDetections> images = List.of(image("0", gts(g), det(1.0, touching)));
        // Even with a threshold below every positive IoU, 0 is not > the starting best.
        assertEquals(0.0, AveragePrecision.box(images, IouVariant.FIXED, 1e-300), 0.0);
        // With +1 the same boxes overlap (IoU 5/6).
        assertEquals(100.0, AveragePrecision.box(images, IouVariant.PAPER_PLUS_ONE, 0.5), 0.0);
    }

    @Test
    void thresholdIsInclusive() {
        double[] g = {0.10, 0.10, 0.20, 0.20};
        double[] d = {0.15, 0.10, 0.25, 0.20};
        List<ImageDetections> images = List.of(image("0", gts(g), det(1.0, d)));
        double iou = IouVariant.FIXED.iou(d, g);
        assertEquals(100.0, AveragePrecision.box(images, IouVariant.FIXED, iou), 0.0);
        assertEquals(0.0, AveragePrecision.box(images, IouVariant.FIXED, Math.nextUp(iou)), 0.0);
    }

    @Test
    void imagesAreReadInStringOrderSoTenComesBeforeTwo() {
        double[] g = {0.2, 0.2, 0.3, 0.3};
        // Equal confidences, so only the reading order ranks them. Passed in numeric order.
        List<ImageDetections> images = List.of(
                image("2", gts(g), det(1.0, FAR)),          // FP
                image("10", gts(g.clone()), det(1.0, g)));  // TP
        // String order "10" < "2": TP, FP over G = 2 -> AP = .5.
        // (Numeric order would give FP, TP -> AP = .25.)
        assertEquals(50.0, AveragePrecision.box(images, IouVariant.FIXED, 0.5), EPS);
    }

    @Test
    void slotOrderBreaksTiesWithinAnImage() {
        double[] g0 = {0.2, 0.2, 0.3, 0.3};
        double[] g1 = {0.6, 0.6, 0.7, 0.7};
        List<ImageDetections> images = List.of(image("0", gts(g0, g1), det(1.0, FAR), det(1.0, g1)));
        // Slot 0 (FP) ranks before slot 1 (TP): FP, TP over G = 2 -> AP = .5 * .5 = .25.
        assertEquals(25.0, AveragePrecision.box(images, IouVariant.FIXED, 0.5), EPS);
    }

    @Test
    void negativeZeroConfidenceTiesWithZero() {
        double[] g = {0.2, 0.2, 0.3, 0.3};
        List<ImageDetections> images = List.of(
                image("0", gts(g), det(-0.0, FAR)),       // FP
                image("1", gts(g.clone()), det(0.0, g))); // TP
        // Python compares -0.0 == 0.0, so file order decides: FP, TP -> AP = .25.
        // (Double.compare would put 0.0 first and give .5.)
        assertEquals(25.0, AveragePrecision.box(images, IouVariant.FIXED, 0.5), EPS);
    }

    @Test
    void missedGroundTruthsInOtherImagesLowerRecall() {
        double[] g = {0.2, 0.2, 0.3, 0.3};
        List<ImageDetections> images = List.of(
                image("0", gts(g), det(0.5, g.clone())),
                image("1", gts(g.clone(), FAR.clone())));
        // One TP; G = 3 over both images -> recall 1/3 at precision 1: AP = 1/3.
        assertEquals(100.0 / 3, AveragePrecision.box(images, IouVariant.FIXED, 0.5), EPS);
    }

    // -------------------------------------------------------------------------------- state

    @Test
    void stateNearestTieGoesToTheFirstGroundTruth() {
        double[] g0 = state(0.0, 0, 0.1, 0, 1, 2, 0);
        double[] g1 = state(0.2, 0, 0.1, 0, 1, 2, 0);
        // d0 sits half way: 3 * |0 - 0.1| == 3 * |0.2 - 0.1| exactly in doubles. Strict '<' keeps g0.
        // d1 is nearest to g0 (0.3 vs 0.9), which is taken: FP with no fallback.
        List<ImageDetections> images = List.of(image("0", gts(g0, g1),
                det(0.9, state(0.1, 0, 0.1, 0, 1, 2, 0)),
                det(0.8, state(-0.1, 0, 0.1, 0, 1, 2, 0))));
        // TP, FP over G = 2 -> AP = .5. (Had d0 taken g1, d1 would be a TP and AP = 1.)
        assertEquals(50.0, AveragePrecision.state(images, 1.0), EPS);
    }

    @Test
    void stateArgmaxTakesTheFirstIndexOnTies() {
        double[] d = state(0.1, 0.1, 0.1, 0, 0, 0, 0);
        d[5] = 0.5; // colour scores: cyan 0.5, blue 0.5 -> argmax cyan (index 0)
        d[6] = 0.5;
        List<ImageDetections> cyan = List.of(image("0", gts(state(0.1, 0.1, 0.1, 0, 0, 0, 0)), det(1.0, d)));
        List<ImageDetections> blue = List.of(image("0", gts(state(0.1, 0.1, 0.1, 0, 1, 0, 0)), det(1.0, d)));
        assertEquals(100.0, AveragePrecision.state(cyan, Double.POSITIVE_INFINITY), 0.0);
        assertEquals(0.0, AveragePrecision.state(blue, Double.POSITIVE_INFINITY), 0.0);
    }

    @Test
    void stateDistanceThresholdIsInclusiveAndInWorldUnits() {
        // Offset 0.25 in normalised units = 0.75 world units (both exact in binary).
        List<ImageDetections> images = List.of(image("0", gts(state(0, 0, 0.1, 1, 3, 1, 1)),
                det(1.0, state(0.25, 0, 0.1, 1, 3, 1, 1))));
        assertEquals(100.0, AveragePrecision.state(images, 0.75), 0.0);
        assertEquals(0.0, AveragePrecision.state(images, 0.5), 0.0);
        assertEquals(100.0, AveragePrecision.state(images, Double.POSITIVE_INFINITY), 0.0);
    }

    @Test
    void stateWithoutAMatchingAttributeTupleIsFalseEvenAtInfinity() {
        List<ImageDetections> images = List.of(image("0", gts(state(0, 0, 0.1, 0, 0, 0, 0)),
                det(1.0, state(0, 0, 0.1, 0, 0, 0, 1)))); // same place, wrong size
        assertEquals(0.0, AveragePrecision.state(images, Double.POSITIVE_INFINITY), 0.0);
    }

    @Test
    void stateDefaultThresholds() {
        assertArrayEquals(new double[] {Double.POSITIVE_INFINITY, 1, 0.5, 0.25, 0.125}, AveragePrecision.stateThresholds());
    }

    // ---------------------------------------------------------------------------- rejection

    @Test
    void rejectsBadInput() {
        double[] g = {0.2, 0.2, 0.3, 0.3};
        assertMessage("image name '3' appears twice", () -> AveragePrecision.box(
                List.of(image("3", gts(g)), image("3", gts(g))), IouVariant.FIXED, 0.5));
        assertMessage("image '3': detection 0 has confidence NaN", () -> AveragePrecision.box(
                List.of(image("3", gts(g), det(Double.NaN, g))), IouVariant.FIXED, 0.5));
        assertMessage("image '3': detection 0 has 3 features; the box task needs 4", () -> AveragePrecision.box(
                List.of(image("3", gts(g), det(1, 0, 0, 0))), IouVariant.FIXED, 0.5));
        assertMessage("image '3': ground truth 0 has 4 features; the state task needs 18", () -> AveragePrecision.state(
                List.of(image("3", gts(g))), 1));
        assertMessage("image '3': ground truth 0 has NaN at feature 2; features must be finite", () -> AveragePrecision.box(
                List.of(image("3", gts(new double[] {0, 0, Double.NaN, 1}))), IouVariant.FIXED, 0.5));
        assertMessage("no ground-truth objects in 1 images; recall (TP / number of ground truths) is undefined",
                () -> AveragePrecision.box(List.of(image("3", gts(), det(1, g))), IouVariant.FIXED, 0.5));
        assertMessage("IoU threshold must be a finite number > 0; got 0.0",
                () -> AveragePrecision.box(List.of(image("3", gts(g))), IouVariant.FIXED, 0));
        assertMessage("distance threshold must be >= 0 (Infinity allowed); got NaN",
                () -> AveragePrecision.state(List.of(), Double.NaN));
        assertMessage("image '3': 1 confidences but 0 detections",
                () -> new ImageDetections("3", new double[1], new double[0][], new double[0][]));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(expected, e.getMessage());
    }
}
