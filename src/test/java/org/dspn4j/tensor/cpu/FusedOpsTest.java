package org.dspn4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;

import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The CPU backend's one-pass versions of compositions against the compositions, bit for bit:
 * {@link CpuBackend#mulStep} (ReLU's backward) against MUL(g, STEP(y)), with signed zeros,
 * infinities, NaN and subnormals on both sides, F32 and F64, 1 and 3 threads.
 */
class FusedOpsTest {
    private static void assertSameBits(Tensor want, Tensor got, String what) {
        assertArrayEquals(want.shape(), got.shape(), what);
        double[] w = want.toDoubles();
        double[] g = got.toDoubles();
        for (int i = 0; i < w.length; i++) {
            if (Double.doubleToRawLongBits(w[i]) != Double.doubleToRawLongBits(g[i])) {
                throw new AssertionError(what + ": element " + i + " differs: " + w[i] + " vs " + g[i]);
            }
        }
    }

    @Test
    void mulStepIsTheProductWithTheStep() {
        double[] special = {0.0, -0.0, 1.5, -2.25, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN,
            Float.MIN_VALUE, -Float.MIN_VALUE, 1e-40, -3e38};
        int n = special.length * special.length;
        for (int threads : new int[] {1, 3}) {
            try (CpuBackend be = new CpuBackend(threads)) {
                for (DType dt : new DType[] {DType.F32, DType.F64}) {
                    // every (g, y) pair of special values, then a long random stretch (split between threads)
                    Random r = new Random(11);
                    int len = n + 200_001; // even
                    double[] g = new double[len];
                    double[] y = new double[len];
                    for (int i = 0; i < n; i++) {
                        g[i] = special[i / special.length];
                        y[i] = special[i % special.length];
                    }
                    for (int i = n; i < len; i++) {
                        g[i] = r.nextGaussian();
                        y[i] = r.nextGaussian();
                    }
                    Tensor tg = be.fromHost(g, dt, 2, len / 2);
                    Tensor ty = be.fromHost(y, dt, 2, len / 2);
                    Tensor want = be.binary(Backend.Binary.MUL, tg, be.unary(Backend.Unary.STEP, ty));
                    assertSameBits(want, be.mulStep(tg, ty), dt + ", " + threads + " threads");
                }
            }
        }
    }
}
