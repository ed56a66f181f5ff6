package org.dspn4j.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link LossCurveFigure#logYWhenWide}: the one y-axis rule of train's loss.png and show --curves. */
class LossCurveAxisAuditTest {
    private static LossCurveFigure figure(double[]... ys) {
        LossCurveFigure f = new LossCurveFigure("t", "step", "loss");
        for (int k = 0; k < ys.length; k++) {
            double[] x = new double[ys[k].length];
            for (int i = 0; i < x.length; i++) {
                x[i] = i;
            }
            f.addSeries("s" + k, x, ys[k]);
        }
        return f.logYWhenWide();
    }

    @Test
    void logOnlyWhereTheLargestValueIsMoreThanAHundredTimesTheSmallest() {
        assertFalse(figure(new double[] {0.09, 0.05, 0.02}).isLogY(), "a factor of 4.5");
        assertFalse(figure(new double[] {0.1, 0.01, 0.001}).isLogY(), "a factor of 100 exactly");
        assertTrue(figure(new double[] {0.1, 0.01, 0.000999}).isLogY(), "just over 100");
        // the span is over all series together: neither alone spans 100
        assertFalse(figure(new double[] {0.09, 0.01}).isLogY());
        assertTrue(figure(new double[] {0.09, 0.01}, new double[] {0.005, 0.0008}).isLogY());
    }

    @Test
    void zeroOrNegativeValuesKeepItLinearAndNonFiniteOnesAreLeftOut() {
        assertFalse(figure(new double[] {0.09, 0.0, 0.0002}).isLogY(), "a zero has no place on a log axis");
        assertFalse(figure(new double[] {0.09, -1e-3, 0.0002}).isLogY());
        assertTrue(figure(new double[] {0.09, Double.NaN, Double.POSITIVE_INFINITY, 0.0002}).isLogY());
        assertFalse(figure(new double[] {Double.NaN}).isLogY(), "nothing to draw");
        assertFalse(figure().isLogY());
    }

    @Test
    void theChosenAxisIsTheOneDrawn() {
        LossCurveFigure log = figure(new double[] {0.09, 0.02, 0.0002});
        double a = log.pixelOf(1, 0.08)[1] - log.pixelOf(1, 0.04)[1];
        double b = log.pixelOf(1, 0.04)[1] - log.pixelOf(1, 0.02)[1];
        assertEquals(a, b, 1e-6, "equal ratios at equal heights");
        LossCurveFigure lin = figure(new double[] {0.09, 0.05, 0.02});
        double c = lin.pixelOf(1, 0.08)[1] - lin.pixelOf(1, 0.04)[1];
        double d = lin.pixelOf(1, 0.04)[1] - lin.pixelOf(1, 0.02)[1];
        assertEquals(c, 2 * d, 1e-6, "equal differences at equal heights");
    }
}
