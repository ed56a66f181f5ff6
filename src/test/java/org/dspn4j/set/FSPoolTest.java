package org.dspn4j.set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * FSPool's piecewise-linear weight function (docs/reference-behaviour.md §4) and its pooling on
 * hand-worked cases.
 */
class FSPoolTest {
    private static final CpuBackend BE = new CpuBackend(1);

    @AfterAll
    static void close() {
        BE.close();
    }

    private static FSPool pool(int channels, int pieces, double... w) {
        FSPool p = new FSPool(BE, DType.F64, new MersenneTwister(1), channels, pieces);
        if (w.length > 0) {
            p.weight().set(BE.fromHost(w, DType.F64, channels, pieces + 1));
        }
        return p;
    }

    /** Column j of the coefficient matrix: the weights of the knots for position j. */
    private static double[] column(double[] c, int n, int j, int knots) {
        double[] out = new double[knots];
        for (int i = 0; i < knots; i++) {
            out[i] = c[i * n + j];
        }
        return out;
    }

    @Test
    void weightsAtTheEndsAndAtTheKnotsAreTheKnotValues() {
        int k = 4;
        FSPool p = pool(1, k);
        // n = 5 puts r_j = j/4 exactly on the knots
        double[] c = p.coefficients(5, 5);
        for (int j = 0; j < 5; j++) {
            double[] expected = new double[k + 1];
            expected[j] = 1.0;
            assertArrayEquals(expected, column(c, 5, j, k + 1), 1e-15, "position " + j);
        }
    }

    @Test
    void betweenKnotsTheWeightIsTheHatFunctionSum() {
        int k = 20;
        int n = 7;
        FSPool p = pool(1, k);
        double[] c = p.coefficients(n, n);
        for (int j = 0; j < n; j++) {
            double r = j / (double) (n - 1);
            for (int i = 0; i <= k; i++) {
                assertEquals(Math.max(0, 1 - Math.abs(k * r - i)), c[i * n + j], 1e-12, "knot " + i + " position " + j);
            }
        }
    }

    @Test
    void aSizeOfOneOrZeroPoolsTwoPositionsAsTheAuthorsFillSizes() {
        // fspool.py:fill_sizes: ratios arange(N) / clamp(n - 1, min=1), mask ratio <= 1; for n = 1 and 0 the
        // divisor is 1, so positions 0 (r = 0, knot 0) and 1 (r = 1, knot k) are pooled, the rest masked
        FSPool p = pool(1, 3);
        for (int size : new int[] {0, 1}) {
            double[] c = p.coefficients(size, 4);
            assertArrayEquals(new double[] {1, 0, 0, 0}, column(c, 4, 0, 4), 0.0, "size " + size);
            assertArrayEquals(new double[] {0, 0, 0, 1}, column(c, 4, 1, 4), 0.0, "size " + size);
            for (int j = 2; j < 4; j++) {
                assertArrayEquals(new double[4], column(c, 4, j, 4), 0.0, "size " + size);
            }
        }
        // one slot: nothing past it
        assertArrayEquals(new double[] {1, 0, 0, 0}, column(p.coefficients(1, 1), 1, 0, 4), 0.0);
    }

    @Test
    void aSizeOfOnePoolsTheTwoLargestAsTheAuthorsForward() {
        // k = 1, W = (10, 1): fspool.py:FSPool.forward with n = 1 masks slots 0 and 1, adds -99999 to slot 2
        // (the 5), sorts 7, 2, 5 - 99999 and weighs 7 by W0 and 2 by W1: 70 + 2
        FSPool p = pool(1, 1, 10.0, 1.0);
        Tensor x = BE.fromHost(new double[] {2, 7, 5}, DType.F64, 1, 1, 3);
        assertEquals(72.0, p.forward(x, new int[] {1}).item(), 1e-12);
        assertEquals(72.0, p.forward(x, new int[] {0}).item(), 1e-12);
    }

    @Test
    void equalKnotWeightsMakeSumPoolingTimesThatConstant() {
        Random r = new Random(2);
        double[] x = new double[2 * 3 * 6];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextGaussian();
        }
        double[] w = new double[3 * 21];
        java.util.Arrays.fill(w, 2.5);
        Tensor y = pool(3, 20, w).forward(BE.fromHost(x, DType.F64, 2, 3, 6));
        for (int b = 0; b < 2; b++) {
            for (int ch = 0; ch < 3; ch++) {
                double s = 0;
                for (int j = 0; j < 6; j++) {
                    s += x[(b * 3 + ch) * 6 + j];
                }
                assertEquals(2.5 * s, y.toDoubles()[b * 3 + ch], 1e-12);
            }
        }
    }

    @Test
    void handWorkedPoolSortsEachChannelDescendingAndWeighs() {
        // one channel, k = 1: weights interpolate W0 (largest element) to W1 (smallest)
        FSPool p = pool(1, 1, 10.0, 1.0);
        Tensor x = BE.fromHost(new double[] {2, 7, 5}, DType.F64, 1, 1, 3);
        // sorted 7, 5, 2 at r = 0, 0.5, 1: weights 10, 5.5, 1 -> 70 + 27.5 + 2
        assertEquals(99.5, p.forward(x).item(), 1e-12);
        // with size 2 the third slot is padding: sorted 7, 5 at r = 0, 1 -> 70 + 5
        Tensor padded = BE.fromHost(new double[] {5, 7, 0}, DType.F64, 1, 1, 3);
        assertEquals(75.0, p.forward(padded, new int[] {2}).item(), 1e-12);
    }

    @Test
    void float32RatiosRoundAsTheAuthorsCode() {
        FSPool p = pool(1, 20).float32Ratios(true);
        double[] c = p.coefficients(342, 342);
        int j = 100;
        float r = 100f / 341f;
        float u = 20 * r;
        int i = (int) u;
        float frac = u - i;
        assertEquals((double) (1f - frac), c[i * 342 + j], 0.0);
        assertEquals((double) frac, c[(i + 1) * 342 + j], 0.0);
    }
}
