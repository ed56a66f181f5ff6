package org.dspn4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;

import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * {@link AdamVector}, the F32 Adam update on vectors, against the scalar loop it stands for
 * ({@link CpuBackend#adamF32}; {@code AdamOnePassTest} ties that loop to Adam's composition of ops):
 * the same bits of the parameters and both moments, for lengths around the vector length (the tail
 * runs the scalar loop) and for every kind of float — zeros of both signs, subnormals, huge values
 * whose squares overflow, ±∞ and NaN — in gradients, moments and parameters.
 */
class AdamVectorTest {
    private static final CpuBackend BE = new CpuBackend(3);

    @AfterAll
    static void close() {
        BE.close();
    }

    private static final float[] SPECIAL = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-40f, 3e38f, -3e38f, 1e20f,
        Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1f, -1f};

    private static double[] values(Random r, int n, boolean nonNegative) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            double x = r.nextInt(4) == 0 ? SPECIAL[r.nextInt(SPECIAL.length)]
                    : r.nextGaussian() * new double[] {1e-30, 1e-4, 1, 1e6}[r.nextInt(4)];
            v[i] = nonNegative ? Math.abs(x) : x;
        }
        return v;
    }

    @Test
    void theVectorLoopGivesTheScalarLoopsBits() {
        assumeTrue(Gemm.VECTOR, "jdk.incubator.vector not present");
        Random r = new Random(3);
        double[][] coefficients = {{0.3, 1e-8, -0.0003, 0.0}, {1.0, 1e-8, -0.01, 0.0}, {31.6, 1e-3, -1e-4, 2e-5}};
        for (int n : new int[] {0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 40, 1000, 100_003}) {
            for (double[] c : coefficients) {
                Tensor p = BE.fromHost(values(r, n, false), DType.F32, n);
                Tensor g = BE.fromHost(values(r, n, false), DType.F32, n);
                Tensor m = BE.fromHost(values(r, n, false), DType.F32, n);
                Tensor v = BE.fromHost(values(r, n, true), DType.F32, n);
                Tensor[] want = BE.adamUpdate(p, g, m, v, 0.9, 0.999, c, false);
                Tensor[] got = BE.adamUpdate(p, g, m, v, 0.9, 0.999, c, true);
                for (int k = 0; k < 3; k++) {
                    float[] a = (float[]) want[k].storage();
                    float[] b = (float[]) got[k].storage();
                    String what = "n " + n + ", " + new String[] {"parameter", "first moment", "second moment"}[k];
                    for (int i = 0; i < n; i++) {
                        int at = i;
                        assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), () -> what + " [" + at + "]");
                    }
                }
            }
        }
    }
}
