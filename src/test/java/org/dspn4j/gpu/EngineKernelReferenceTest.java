package org.dspn4j.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The normative plain-Java references against the maths (double precision); no OpenCL needed. */
class EngineKernelReferenceTest {

    private final Random rnd = new Random(11L);

    @Test
    void matmulReferenceAgreesWithDoublePrecision() {
        int m = 9, k = 200, n = 11;
        float[] a = randoms(m * k);
        float[] b = randoms(k * n);
        float[] c = new float[m * n];
        EngineKernel.matmulReference(a, 0, k, 1, b, 0, n, 1, c, 0, m, k, n);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double d = 0;
                double abs = 0;
                for (int p = 0; p < k; p++) {
                    d += (double) a[i * k + p] * b[p * n + j];
                    abs += Math.abs((double) a[i * k + p] * b[p * n + j]);
                }
                // Float fma chain: at most k roundings of 2^-24 relative to the running |sum|.
                assertTrue(Math.abs(c[i * n + j] - d) <= k * 6e-8 * abs, i + "," + j);
            }
        }
    }

    @Test
    void transposedStridesReadTheTranspose() {
        // A stored as (k, m) read through strides equals the plain product with A transposed by hand.
        int m = 3, k = 4, n = 2;
        float[] at = randoms(k * m);
        float[] a = new float[m * k];
        for (int r = 0; r < m; r++) {
            for (int p = 0; p < k; p++) {
                a[r * k + p] = at[p * m + r];
            }
        }
        float[] b = randoms(k * n);
        float[] viaStrides = new float[m * n];
        float[] plain = new float[m * n];
        EngineKernel.matmulReference(at, 0, 1, m, b, 0, n, 1, viaStrides, 0, m, k, n);
        EngineKernel.matmulReference(a, 0, k, 1, b, 0, n, 1, plain, 0, m, k, n);
        EngineKernelTest.assertBits(plain, viaStrides, "transA through strides");
    }

    @Test
    void sumReferenceIsCloseToTheDoubleSumForEveryShape() {
        for (int local : new int[] {1, 8, 256}) {
            for (int n : new int[] {0, 1, 5, 1000, 300_001}) {
                float[] x = randoms(n);
                double exact = 0;
                double abs = 0;
                for (float v : x) {
                    exact += v;
                    abs += Math.abs(v);
                }
                float s = EngineKernel.sumReference(x, 0, n, local, ClEngine.MAX_SUM_GROUPS);
                assertTrue(Math.abs(s - exact) <= 1e-6 * abs + 1e-30, "n=" + n + " local=" + local);
            }
        }
        assertEquals(1, EngineKernel.sumGroups(0, 256, 1024));
        assertEquals(2, EngineKernel.sumGroups(257, 256, 1024));
        assertEquals(1024, EngineKernel.sumGroups(1 << 30, 256, 1024));
    }

    private float[] randoms(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }
}
