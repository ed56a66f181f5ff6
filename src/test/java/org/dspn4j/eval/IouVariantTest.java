package org.dspn4j.eval;

import static org.dspn4j.eval.IouVariant.FIXED;
import static org.dspn4j.eval.IouVariant.PAPER_PLUS_ONE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IouVariantTest {

    @Test
    void plusOneInflatesTheIouOfSmallNormalisedBoxes() {
        // Two 0.1 x 0.1 boxes, the second shifted right by 0.05 (docs/reference-behaviour.md §8).
        double[] a = {0.10, 0.10, 0.20, 0.20};
        double[] b = {0.15, 0.10, 0.25, 0.20};
        // Fixed: I = 0.05 * 0.1 = 0.005, U = 0.01 + 0.01 - 0.005 = 0.015, IoU = 1/3.
        assertEquals(1.0 / 3, FIXED.iou(a, b), 1e-12);
        // +1: I = 1.05 * 1.1 = 1.155, each area 1.1 * 1.1 = 1.21, U = 2.42 - 1.155 = 1.265,
        // IoU = 1.155 / 1.265 = 21/23 = 0.91304...
        assertEquals(21.0 / 23, PAPER_PLUS_ONE.iou(a, b), 1e-12);
        assertEquals(0.913, PAPER_PLUS_ONE.iou(a, b), 5e-4);
    }

    @Test
    void touchingBoxesIntersectButOnlyThePaperFormGivesOverlap() {
        double[] a = {0.0, 0.0, 0.1, 0.1};
        double[] b = {0.1, 0.0, 0.2, 0.1}; // shares the edge x = 0.1
        assertEquals(0.0, FIXED.iou(a, b));
        // +1: I = (0 + 1) * (0.1 + 1) = 1.1, U = 1.21 + 1.21 - 1.1 = 1.32, IoU = 5/6.
        assertEquals(5.0 / 6, PAPER_PLUS_ONE.iou(a, b), 1e-12);
    }

    @Test
    void disjointBoxesScoreZero() {
        double[] a = {0.0, 0.0, 0.1, 0.1};
        double[] right = {0.1000001, 0.0, 0.2, 0.1};
        double[] below = {0.0, 0.3, 0.1, 0.4};
        for (IouVariant v : IouVariant.values()) {
            assertEquals(0.0, v.iou(a, right), v.name());
            assertEquals(0.0, v.iou(right, a), v.name());
            assertEquals(0.0, v.iou(a, below), v.name());
            assertEquals(0.0, v.iou(below, a), v.name());
        }
    }

    @Test
    void identicalBoxesScoreExactlyOne() {
        double[] a = {0.123, 0.456, 0.234, 0.567};
        assertEquals(1.0, FIXED.iou(a, a.clone()));
        assertEquals(1.0, PAPER_PLUS_ONE.iou(a, a.clone()));
    }

    @Test
    void extraColumnsAreIgnored() {
        double[] a = {0.10, 0.10, 0.20, 0.20, 1.0};
        double[] b = {0.15, 0.10, 0.25, 0.20};
        assertEquals(FIXED.iou(new double[] {0.10, 0.10, 0.20, 0.20}, b), FIXED.iou(a, b));
    }

    @Test
    void invertedBoxIsClippedByFixedAndFailsThePaperAssertion() {
        // b has x2 < x1 by more than 1, yet passes the non-strict intersection test with a.
        double[] a = {0, 0, 5, 5};
        double[] b = {4, 0, 1, 5};
        // Fixed: I = (1 - 4) * 5 = -15, U = 25 + (-15) - (-15) = 25, IoU = -0.6 -> clipped to 0.
        assertEquals(0.0, FIXED.iou(a, b));
        // +1: I = (1 - 4 + 1) * 6 = -12, U = 36 + (-12) - (-12) = 36, IoU = -1/3 < 0.
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> PAPER_PLUS_ONE.iou(a, b));
        assertTrue(e.getMessage().contains("asserts IoU >= 0"), e.getMessage());
        assertTrue(e.getMessage().contains("-0.333"), e.getMessage());
    }

    @Test
    void zeroUnionIsAnError() {
        double[] p = {0.3, 0.3, 0.3, 0.3};
        ArithmeticException e = assertThrows(ArithmeticException.class, () -> FIXED.iou(p, p.clone()));
        assertEquals("IoU undefined: boxes (0.3, 0.3, 0.3, 0.3) and (0.3, 0.3, 0.3, 0.3) intersect but their union area is 0",
                e.getMessage());
        assertEquals(1.0, PAPER_PLUS_ONE.iou(p, p.clone())); // the +1 gives each point an area of 1
    }

    @Test
    void shortBoxIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FIXED.iou(new double[] {0, 0, 1}, new double[] {0, 0, 1, 1}));
        assertEquals("a box needs 4 coordinates (x1, y1, x2, y2); got 3 and 4", e.getMessage());
    }

    @Test
    void defaultThresholdsAreTheScriptsAndCopied() {
        assertArrayEquals(new double[] {0.5, 0.9, 0.95, 0.98, 0.99}, PAPER_PLUS_ONE.defaultThresholds());
        assertArrayEquals(new double[] {0.5, 0.6, 0.7, 0.8, 0.9}, FIXED.defaultThresholds());
        FIXED.defaultThresholds()[0] = 7;
        assertEquals(0.5, FIXED.defaultThresholds()[0]);
    }
}
