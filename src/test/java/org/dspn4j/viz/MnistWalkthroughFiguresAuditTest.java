package org.dspn4j.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The figures of a newcomer's MNIST session (see {@code cli.MnistWalkthroughAuditTest}): what their axes say. */
class MnistWalkthroughFiguresAuditTest {

    /**
     * The log axis of {@code show --curves} on a 3,000-step run has its floor at 1e-4: labelled in the same form as
     * 1e-5 ("1.00e-05"), not "0.000100".
     */
    @Test
    void theDecadeBelowAThousandthIsLabelledAsAPowerOfTen() {
        assertEquals("1.00e-04", LossCurveFigure.label(1e-4));
        assertEquals("2.50e-04", LossCurveFigure.label(2.5e-4));
        assertEquals("0.001", LossCurveFigure.label(1e-3));
    }

    /**
     * A legend name too long for half the figure (two runs compared by long paths) is cut and ends in an ellipsis;
     * short names are drawn whole.
     */
    @Test
    void aLegendNameLongerThanHalfTheFigureIsCut() {
        String longName = "runs/an-experiment-with-a-long-name/seed-1/run train";
        LossCurveFigure fig = new LossCurveFigure("t", "epoch", "loss").size(400, 300)
                .addSeries(longName, new double[] {0, 1}, new double[] {0.2, 0.1});
        String drawn = fig.legendName(longName);
        assertTrue(drawn.length() < longName.length() && (drawn.endsWith("\u2026") || drawn.endsWith("...")), drawn);
        assertTrue(longName.startsWith(drawn.replace("\u2026", "").replace("...", "")), drawn);
        assertEquals(200, fig.right(), "the legend's column stops at half the figure");
        assertEquals("train", fig.legendName("train"));
    }

    /** {@code show --curves} of a run of one epoch: its epoch axis is ticked at 0 and 1, not at 0.2, 0.4, …. */
    @Test
    void epochsAreTickedAtWholeNumbers() {
        LossCurveFigure epochs = new LossCurveFigure("t", "epoch", "loss").addSeries("test", new double[] {0, 1},
                new double[] {0.2, 0.1});
        assertArrayEquals(new double[] {0, 1}, epochs.xTicks(0, 1));
        assertArrayEquals(new double[] {0, 1, 2, 3}, epochs.xTicks(0, 3));
        assertArrayEquals(new double[] {0, 2, 4, 6, 8, 10, 12}, epochs.xTicks(0, 11), "whole steps already");
        // an x that is not whole keeps the nice ticks between whole numbers
        LossCurveFigure fractions = new LossCurveFigure("t", "x", "loss").addSeries("s", new double[] {0, 0.5, 1},
                new double[] {0.2, 0.15, 0.1});
        assertArrayEquals(new double[] {0, 0.2, 0.4, 0.6, 0.8, 1}, fractions.xTicks(0, 1), 1e-12);
    }
}
