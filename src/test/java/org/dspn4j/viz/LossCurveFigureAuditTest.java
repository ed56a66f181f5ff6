package org.dspn4j.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@link LossCurveFigure#logYWhenWide}: the one y-axis rule of train's loss.png and show --curves; and a title longer
 * than the plot (show --curves --compare names two runs) drawn whole inside the figure, or cut with "…".
 */
class LossCurveFigureAuditTest {
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

    /** Whether any pixel of columns [x0, x1) above the plot (the title's band) is not white. */
    private static boolean inkInTitleBand(BufferedImage img, int x0, int x1) {
        for (int y = 0; y < LossCurveFigure.TOP - 2; y++) {
            for (int x = x0; x < x1; x++) {
                if ((img.getRGB(x, y) & 0xFFFFFF) != 0xFFFFFF) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void aTitleLongerThanThePlotIsDrawnWholeInsideTheFigure() {
        String title = "run mnist-dspn vs run a-really-long-run-folder-name-given-to-compare-seed-12345678";
        LossCurveFigure f = new LossCurveFigure(title, "epoch", "loss").addSeries("run train", new double[] {0, 1},
                new double[] {0.09, 0.02}).addSeries("a-really-long-run-folder-name-given-to-compare-seed-12345678 train",
                        new double[] {0, 1}, new double[] {0.08, 0.03});
        BufferedImage img = f.render();
        Assumptions.assumeTrue(inkInTitleBand(img, 0, img.getWidth()), "this machine draws no text (no fonts)");
        assertEquals(title, f.titleText(), "it fits the figure's width");
        int pad = LossCurveFigure.TITLE_PAD - 2; // a glyph's bounds may reach a pixel or two past its advance
        assertFalse(inkInTitleBand(img, 0, pad), "the title's start is cut at the figure's left edge");
        assertFalse(inkInTitleBand(img, img.getWidth() - pad, img.getWidth()), "the title runs off the right edge");
        // a short title stays centred over the plot
        LossCurveFigure shortTitle = new LossCurveFigure("run mnist-dspn", "epoch", "loss").addSeries("a",
                new double[] {0, 1}, new double[] {1, 2});
        assertEquals((LossCurveFigure.LEFT + shortTitle.width() - shortTitle.right()) / 2.0, shortTitle.titleCentre(), 1e-9);
    }

    @Test
    void aTitleWiderThanTheFigureIsCutWithAnEllipsis() {
        String title = "x".repeat(400);
        LossCurveFigure f = new LossCurveFigure(title, "epoch", "loss");
        String drawn = f.titleText();
        assertTrue(drawn.length() < title.length() && (drawn.endsWith("\u2026") || drawn.endsWith("...")), drawn);
        assertTrue(drawn.startsWith("xxxxxxxxxx"), drawn);
    }
}
