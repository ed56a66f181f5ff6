package org.dspn4j.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
