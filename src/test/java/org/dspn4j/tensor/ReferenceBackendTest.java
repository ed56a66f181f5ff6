package org.dspn4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.stream.Stream;

import org.dspn4j.tensor.Backend.Binary;
import org.dspn4j.tensor.Backend.Unary;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The definition's precise semantics on hand-worked inputs whose answer depends on them — the order
 * of a sum's additions, one fma chain in float, rounding once after double accumulation, where NaN
 * wins, padding taps inside the chain — on {@link ReferenceBackend} and, since it promises the same
 * bits, on {@link CpuBackend}; and the F32 product against the exact one.
 */
class ReferenceBackendTest {
    private static final double P53 = Math.pow(2, 53);
    private static final CpuBackend CPU = new CpuBackend(1);

    @AfterAll
    static void close() {
        CPU.close();
    }

    static Stream<Backend> backends() {
        return Stream.of(new ReferenceBackend(), CPU);
    }

    private static double[] values(Tensor t) {
        return t.toDoubles();
    }

    /**
     * Summed along its last dimension, [2^53, 1, 1, 1, −2^53] is one run of four chains: s0 = 2^53 − 2^53,
     * s1 = s2 = s3 = 1, (s0 + s1) + (s2 + s3) = 3. Down a column (a kept dimension after the reduced
     * one) the same values add sequentially: 2^53 + 1 rounds to 2^53 three times, then 0.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void aSumAddsRunsOfFourChainsOrSequentially(Backend be) {
        double[] x = {P53, 1, 1, 1, -P53};
        assertArrayEquals(new double[] {3}, values(be.sum(be.fromHost(x, DType.F64, 5), new int[] {0}, false)), 0.0);
        double[] cols = {P53, P53, 1, 1, 1, 1, 1, 1, -P53, -P53};
        assertArrayEquals(new double[] {0, 0}, values(be.sum(be.fromHost(cols, DType.F64, 5, 2), new int[] {0}, false)), 0.0);
        // summed over both dimensions of (5, 2) the run is all ten in row-major order: chains over the first
        // eight (s0 = 2^53 + 1, s1 = 2^53 + 1, both rounding to 2^53; s2 = s3 = 2), the last two into s0
        // (2^53 − 2^53 − 2^53), so (−2^53 + 2^53) + (2 + 2) = 4, where the exact sum is 6
        assertArrayEquals(new double[] {4}, values(be.sum(be.fromHost(cols, DType.F64, 5, 2), new int[] {0, 1}, false)), 0.0);
        // over a size-1 dimension only: a copy, −0 stays −0
        assertEquals(Double.doubleToLongBits(-0.0),
                Double.doubleToLongBits(values(be.sum(be.fromHost(new double[] {-0.0}, DType.F64, 1, 1), new int[] {1}, false))[0]));
    }

    /** F32 sums and scatters accumulate in double and round once: 2^24 + 1 + 1 is 2^24 + 2 (float steps give 2^24). */
    @ParameterizedTest
    @MethodSource("backends")
    void f32AccumulatesInDoubleAndRoundsOnce(Backend be) {
        double p24 = Math.pow(2, 24);
        Tensor x = be.fromHost(new double[] {p24, 1, 1}, DType.F32, 3);
        assertArrayEquals(new double[] {p24 + 2}, values(be.sum(x, new int[] {0}, false)), 0.0);
        Tensor s = be.scatterAdd(be.full(0, DType.F32, 2), 0, be.fromHost(new double[] {0, 0, 0}, DType.I64, 3), x);
        assertArrayEquals(new double[] {p24 + 2, 0}, values(s), 0.0);
    }

    /**
     * F32 matmul is one fma chain in float: (−1)·1 + (1 + 2^-12)² is exactly 2^-11 + 2^-24, a float; a
     * float product (rounded to 1 + 2^-11) then a sum would give 2^-11.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void f32MatmulIsOneFusedChainInFloat(Backend be) {
        double u = 1 + Math.pow(2, -12);
        Tensor a = be.fromHost(new double[] {-1, u}, DType.F32, 1, 2);
        Tensor b = be.fromHost(new double[] {1, u}, DType.F32, 2, 1);
        assertArrayEquals(new double[] {Math.pow(2, -11) + Math.pow(2, -24)}, values(be.matmul(a, b)), 0.0);
        // conv2d is the same chain over (c, ky, kx)
        Tensor x = be.fromHost(new double[] {-1, u}, DType.F32, 1, 2, 1, 1);
        Tensor w = be.fromHost(new double[] {1, u}, DType.F32, 1, 2, 1, 1);
        assertArrayEquals(new double[] {Math.pow(2, -11) + Math.pow(2, -24)}, values(be.conv2d(x, w, null, 1, 0)), 0.0);
    }

    /** Padding taps are part of the convolution's chain: an infinite weight on a padding tap gives ∞·0 = NaN. */
    @ParameterizedTest
    @MethodSource("backends")
    void paddingTapsArePartOfTheChain(Backend be) {
        double[] w = new double[9];
        w[4] = 1;
        Tensor x = be.fromHost(new double[] {2}, DType.F64, 1, 1, 1, 1);
        assertArrayEquals(new double[] {2}, values(be.conv2d(x, be.fromHost(w, DType.F64, 1, 1, 3, 3), null, 1, 1)), 0.0);
        w[0] = Double.POSITIVE_INFINITY; // reads the padding above-left of the only pixel
        assertTrue(Double.isNaN(values(be.conv2d(x, be.fromHost(w, DType.F64, 1, 1, 3, 3), null, 1, 1))[0]));
    }

    /** argmax: the first maximum, and the first NaN over numbers; max-pooling: the first maximum, the last NaN. */
    @ParameterizedTest
    @MethodSource("backends")
    void whereTiesAndNanGo(Backend be) {
        Tensor x = be.fromHost(new double[] {1, 3, 3, Double.NaN, 0, Double.NaN}, DType.F64, 2, 3);
        assertArrayEquals(new double[] {1, 0}, values(be.argmax(x, 1)), 0.0);
        Tensor p = be.fromHost(new double[] {1, Double.NaN, 4, Double.NaN}, DType.F64, 1, 1, 2, 2);
        assertArrayEquals(new double[] {3}, values(be.maxPool2dIndices(p, 2, 2, 0)), 0.0);
        Tensor q = be.fromHost(new double[] {4, 1, 4, 2}, DType.F64, 1, 1, 2, 2);
        assertArrayEquals(new double[] {0}, values(be.maxPool2dIndices(q, 2, 2, 0)), 0.0);
        // argsort: Double.compare's order (−0 before +0, NaN last), stable in both directions
        Tensor s = be.fromHost(new double[] {0.0, Double.NaN, -0.0, 1, 0.0, Double.NaN}, DType.F64, 6);
        assertArrayEquals(new double[] {2, 0, 4, 3, 1, 5}, values(be.argsort(s, 0, false)), 0.0);
        assertArrayEquals(new double[] {1, 5, 3, 0, 4, 2}, values(be.argsort(s, 0, true)), 0.0);
        // the Chamfer argmin: the first minimum wins (pred slots 0 and 1 are equally near target 0)
        Tensor pred = be.fromHost(new double[] {0, 0, 5}, DType.F64, 1, 3);
        Tensor target = be.fromHost(new double[] {0, 5, 9}, DType.F64, 1, 3);
        assertArrayEquals(new double[] {0, 2, 2, 0, 0, 1}, values(be.chamferArgmin(pred, target)), 0.0);
    }

    /** The F32 product is within k·2^-24·Σ|a·b| of the exact (double) product: a float fma chain of k terms. */
    @Test
    void f32MatmulIsCloseToTheExactProduct() {
        ReferenceBackend be = new ReferenceBackend();
        Random r = new Random(11);
        int m = 9, k = 200, n = 11;
        double[] a = new double[m * k];
        double[] b = new double[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) r.nextGaussian();
        }
        double[] c = be.matmul(be.fromHost(a, DType.F32, m, k), be.fromHost(b, DType.F32, k, n)).toDoubles();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double exact = 0;
                double abs = 0;
                for (int p = 0; p < k; p++) {
                    exact += a[i * k + p] * b[p * n + j];
                    abs += Math.abs(a[i * k + p] * b[p * n + j]);
                }
                assertTrue(Math.abs(c[i * n + j] - exact) <= k * Math.pow(2, -24) * abs, i + "," + j);
            }
        }
    }

    /** Binary ops broadcast like numpy; integer division truncates toward zero; F32 results are floats. */
    @ParameterizedTest
    @MethodSource("backends")
    void elementwiseBasics(Backend be) {
        Tensor a = be.fromHost(new double[] {1, 2, 3, 4, 5, 6}, DType.F64, 2, 3);
        Tensor col = be.fromHost(new double[] {100, 200}, DType.F64, 2, 1);
        assertArrayEquals(new double[] {-99, -98, -97, -196, -195, -194}, values(be.binary(Binary.SUB, a, col)), 0.0);
        Tensor i = be.fromHost(new double[] {7, -7, 9}, DType.I64, 3);
        assertArrayEquals(new double[] {3, -3, 4}, values(be.binary(Binary.DIV, i, be.full(2, DType.I64, 1))), 0.0);
        Tensor f = be.fromHost(new double[] {0.1}, DType.F32, 1);
        assertEquals((double) (0.1f + 0.1f), values(be.binary(Binary.ADD, f, f))[0]);
        assertArrayEquals(new double[] {0, 0, 0, 1.5}, values(be.unary(Unary.RELU,
                be.fromHost(new double[] {-2, -0.0, Double.NaN, 1.5}, DType.F64, 4))), 0.0);
        assertEquals(Double.doubleToLongBits(0.0), Double.doubleToLongBits(values(be.unary(Unary.RELU,
                be.fromHost(new double[] {-0.0}, DType.F64, 1)))[0]), "RELU(−0) is +0");
    }
}
