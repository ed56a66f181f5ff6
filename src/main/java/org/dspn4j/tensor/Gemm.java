package org.dspn4j.tensor;

/**
 * Row-major matrix-product kernels for {@link CpuBackend}: C[M, N] = A[M, K] · B[K, N] for rows
 * [from, to) of C. Four rows of C are computed together so every row of B read from memory serves
 * four outputs (the inner loops are simple enough for the JIT to vectorise). Each C element
 * accumulates over k in increasing order, whatever the row range, so results do not depend on how
 * rows are split between threads.
 */
final class Gemm {
    private Gemm() {
    }

    /** Double precision; C rows [from, to) are overwritten. */
    static void f64(double[] a, int ao, double[] b, int bo, double[] c, int co, int k, int n, int from, int to) {
        int i = from;
        for (; i + 4 <= to; i += 4) {
            int c0 = co + i * n;
            int c1 = c0 + n;
            int c2 = c1 + n;
            int c3 = c2 + n;
            java.util.Arrays.fill(c, c0, c0 + 4 * n, 0.0);
            int a0 = ao + i * k;
            for (int t = 0; t < k; t++) {
                double x0 = a[a0 + t];
                double x1 = a[a0 + k + t];
                double x2 = a[a0 + 2 * k + t];
                double x3 = a[a0 + 3 * k + t];
                int bt = bo + t * n;
                for (int j = 0; j < n; j++) {
                    double y = b[bt + j];
                    c[c0 + j] += x0 * y;
                    c[c1 + j] += x1 * y;
                    c[c2 + j] += x2 * y;
                    c[c3 + j] += x3 * y;
                }
            }
        }
        for (; i < to; i++) {
            int c0 = co + i * n;
            java.util.Arrays.fill(c, c0, c0 + n, 0.0);
            int a0 = ao + i * k;
            for (int t = 0; t < k; t++) {
                double x0 = a[a0 + t];
                int bt = bo + t * n;
                for (int j = 0; j < n; j++) {
                    c[c0 + j] += x0 * b[bt + j];
                }
            }
        }
    }

    /** Single precision (float arithmetic, as a float32 library); C rows [from, to) are overwritten. */
    static void f32(float[] a, int ao, float[] b, int bo, float[] c, int co, int k, int n, int from, int to) {
        int i = from;
        for (; i + 4 <= to; i += 4) {
            int c0 = co + i * n;
            int c1 = c0 + n;
            int c2 = c1 + n;
            int c3 = c2 + n;
            java.util.Arrays.fill(c, c0, c0 + 4 * n, 0f);
            int a0 = ao + i * k;
            for (int t = 0; t < k; t++) {
                float x0 = a[a0 + t];
                float x1 = a[a0 + k + t];
                float x2 = a[a0 + 2 * k + t];
                float x3 = a[a0 + 3 * k + t];
                int bt = bo + t * n;
                for (int j = 0; j < n; j++) {
                    float y = b[bt + j];
                    c[c0 + j] += x0 * y;
                    c[c1 + j] += x1 * y;
                    c[c2 + j] += x2 * y;
                    c[c3 + j] += x3 * y;
                }
            }
        }
        for (; i < to; i++) {
            int c0 = co + i * n;
            java.util.Arrays.fill(c, c0, c0 + n, 0f);
            int a0 = ao + i * k;
            for (int t = 0; t < k; t++) {
                float x0 = a[a0 + t];
                int bt = bo + t * n;
                for (int j = 0; j < n; j++) {
                    c[c0 + j] += x0 * b[bt + j];
                }
            }
        }
    }
}
