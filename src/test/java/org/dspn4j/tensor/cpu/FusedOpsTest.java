package org.dspn4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.Random;

import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.ReferenceBackend;
import org.dspn4j.tensor.Shape;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The CPU backend's one-pass versions of compositions against the compositions, bit for bit:
 * {@link CpuBackend#mulStep} (ReLU's backward) against MUL(g, STEP(y)), with signed zeros,
 * infinities, NaN and subnormals on both sides, F32 and F64, 1 and 3 threads; and
 * {@link CpuBackend#linear} (bias and ReLU applied to each finished tile of the product) against
 * RELU(ADD(matmul(w, x), bias)) on every path of the product; {@link CpuBackend#matmulStep} (the
 * product multiplied in place by STEP(y)) against mulStep(matmul(a, b), y), both operands transposed
 * or not; {@link CpuBackend#matmulBatchSum} (problem by problem into a double accumulator) against the
 * sum of the batched product over its batch dimensions, in problem order; {@link CpuBackend#scaleTwice}
 * against two affine scalings.
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
    void scaleTwiceIsTwoScalings() {
        double[] special = {0.0, -0.0, 1.5, -2.25, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN,
            Float.MIN_VALUE, -Float.MIN_VALUE, 1e-40, -3e38, 3.4e38, 7.0, 0.3};
        double[][] scales = {{0.1, 0.1}, {1.0 / 3, 1.0 / 7}, {-2.5, 1e-30}, {1e30, 1e10}, {0.0, -1.0}, {-0.0, 2.0}};
        for (int threads : new int[] {1, 3}) {
            try (CpuBackend be = new CpuBackend(threads)) {
                for (DType dt : new DType[] {DType.F32, DType.F64}) {
                    Random r = new Random(5);
                    int len = special.length + 3 * 1024 + 517; // whole blocks, a partial one, split between threads
                    double[] x = new double[len];
                    for (int i = 0; i < len; i++) {
                        x[i] = i < special.length ? special[i] : r.nextGaussian() * Math.pow(10, r.nextInt(20) - 10);
                    }
                    Tensor t = be.fromHost(x, dt, len);
                    for (double[] s : scales) {
                        assertSameBits(be.affine(be.affine(t, s[0], 0.0), s[1], 0.0), be.scaleTwice(t, s[0], s[1]),
                                dt + " scales " + s[0] + ", " + s[1] + ", " + threads + " threads");
                    }
                }
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

    @Test
    void linearIsTheCompositionOnEveryPathOfTheProduct() {
        ReferenceBackend ref = new ReferenceBackend();
        // {batch…, m, k, n}: the plain loop (under Gemm.SMALL multiply-adds), few rows (m <= 4), few columns
        // computed as C transposed (n small), the packed tiles with edge tiles, no batch, two batch dimensions
        int[][] shapes = {{3, 5, 4}, {2, 3, 50, 200}, {3, 40, 30, 5}, {2, 70, 45, 90}, {70, 45, 90}, {2, 2, 20, 17, 33},
            {2, 40, 3, 342}}; // the last of depth 3: row by row, the epilogue on blocks of rows
        double[] special = {0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e-40, 3e38};
        for (int threads : new int[] {1, 3}) {
            try (CpuBackend be = new CpuBackend(threads)) {
                for (int[] spec : shapes) {
                    int r = spec.length;
                    int m = spec[r - 3];
                    int k = spec[r - 2];
                    int n = spec[r - 1];
                    int[] xs = Arrays.copyOf(spec, r - 1); // {batch…, k, n}
                    xs[r - 3] = k;
                    xs[r - 2] = n;
                    for (DType dt : new DType[] {DType.F32, DType.F64}) {
                        Random rnd = new Random(31L * r + m);
                        double[] w = values(rnd, m * k, special, 2000);
                        double[] x = values(rnd, Shape.numel(xs), special, 2000);
                        double[] b = values(rnd, m, special, 8);
                        for (boolean relu : new boolean[] {false, true}) {
                            String what = dt + " " + Shape.str(xs) + " m=" + m + " relu=" + relu + ", " + threads + " threads";
                            Tensor want = ref.linear(ref.fromHost(w, dt, m, k), ref.fromHost(x, dt, xs), ref.fromHost(b, dt, m), relu);
                            Tensor sum = be.binary(Backend.Binary.ADD, be.matmul(be.fromHost(w, dt, m, k), be.fromHost(x, dt, xs)),
                                    be.fromHost(b, dt, m, 1));
                            Tensor composed = relu ? be.unary(Backend.Unary.RELU, sum) : sum;
                            // the tail by the scalar loop, and on vectors where the Vector API is present
                            for (boolean vector : Gemm.VECTOR ? new boolean[] {false, true} : new boolean[] {false}) {
                                Tensor got = be.linear(be.fromHost(w, dt, m, k), be.fromHost(x, dt, xs), be.fromHost(b, dt, m),
                                        relu, vector);
                                assertSameBits(want, got, what + " vector=" + vector);
                                assertSameBits(composed, got, what + " vector=" + vector + " (CPU composition)");
                            }
                        }
                    }
                }
            }
        }
    }

    /** Gaussians (about half the sums negative) with about one value in {@code every} special. */
    private static double[] values(Random r, int n, double[] special, int every) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextInt(every) == 0 ? special[r.nextInt(special.length)] : r.nextGaussian();
        }
        return v;
    }

    @Test
    void matmulStepIsTheCompositionOnEveryPathOfTheProduct() {
        ReferenceBackend ref = new ReferenceBackend();
        // {batch…, m, k, n} as for linear, and the weight shared by the batch (a 1x1 convolution's input gradient)
        int[][] shapes = {{3, 5, 4}, {2, 3, 50, 200}, {3, 40, 30, 5}, {2, 70, 45, 90}, {70, 45, 90}, {2, 2, 20, 17, 33},
            {2, 40, 3, 342}}; // the last of depth 3: row by row, the epilogue on blocks of rows
        double[] special = {0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e-40, 3e38};
        for (int threads : new int[] {1, 3}) {
            try (CpuBackend be = new CpuBackend(threads)) {
                for (int[] spec : shapes) {
                    int r = spec.length;
                    int m = spec[r - 3];
                    int k = spec[r - 2];
                    int n = spec[r - 1];
                    int[] batch = Arrays.copyOf(spec, r - 3);
                    for (boolean ta : new boolean[] {false, true}) {
                        for (boolean tb : new boolean[] {false, true}) {
                            boolean sharedA = r > 3 && ta && !tb;
                            int[] as = sharedA ? new int[] {k, m} : concat(batch, ta ? k : m, ta ? m : k);
                            int[] bs = concat(batch, tb ? n : k, tb ? k : n);
                            int[] ys = concat(batch, m, n);
                            for (DType dt : new DType[] {DType.F32, DType.F64}) {
                                Random rnd = new Random(17L * r + m + (ta ? 1 : 0) + (tb ? 2 : 0));
                                double[] a = values(rnd, Shape.numel(as), special, 2000);
                                double[] b = values(rnd, Shape.numel(bs), special, 2000);
                                double[] y = values(rnd, Shape.numel(ys), special, 8);
                                String what = dt + " " + Shape.str(as) + (ta ? "T" : "") + " " + Shape.str(bs) + (tb ? "T" : "")
                                        + ", " + threads + " threads";
                                Tensor want = ref.matmulStep(ref.fromHost(a, dt, as), ta, ref.fromHost(b, dt, bs), tb,
                                        ref.fromHost(y, dt, ys));
                                Tensor composed = be.mulStep(be.matmul(be.fromHost(a, dt, as), ta, be.fromHost(b, dt, bs), tb),
                                        be.fromHost(y, dt, ys));
                                for (boolean vector : Gemm.VECTOR ? new boolean[] {false, true} : new boolean[] {false}) {
                                    Tensor got = be.matmulStep(be.fromHost(a, dt, as), ta, be.fromHost(b, dt, bs), tb,
                                            be.fromHost(y, dt, ys), vector);
                                    assertSameBits(want, got, what + " vector=" + vector);
                                    assertSameBits(composed, got, what + " vector=" + vector + " (CPU composition)");
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static int[] concat(int[] lead, int... tail) {
        int[] out = Arrays.copyOf(lead, lead.length + tail.length);
        System.arraycopy(tail, 0, out, lead.length, tail.length);
        return out;
    }

    @Test
    void matmulBatchSumIsTheSumOfTheBatchedProduct() {
        ReferenceBackend ref = new ReferenceBackend();
        // {a shape, b shape}: a weight's gradient over one or two batch dimensions, an operand broadcast
        int[][][] cases = {
            {{4, 6, 9}, {4, 7, 9}}, {{3, 40, 50}, {3, 33, 50}}, {{2, 3, 5, 8}, {2, 3, 6, 8}}, {{5, 12, 70}, {12, 70}},
            {{32, 3, 20}, {32, 17, 20}}, {{5, 300, 20}, {5, 700, 20}}, // the last in chunks of 4 problems and 1, 103 blocks
            // one output element: the batch is the sum's single contiguous run, added as four chains
            {{9, 1, 13}, {9, 1, 13}}, {{2, 1, 5}, {3, 2, 1, 5}}, {{64, 1, 3}, {64, 1, 3}},
        };
        double[] special = {0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, 1e-40, 3e38};
        for (int threads : new int[] {1, 3}) {
            try (CpuBackend be = new CpuBackend(threads)) {
                for (int[][] c : cases) {
                    for (boolean transposed : new boolean[] {false, true}) {
                        // as written: a·bᵀ (the weight gradient G·Xᵀ); transposed: the same operands stored transposed, read as op(a)·op(b)
                        int[] as = c[0];
                        int[] bs = c[1];
                        for (DType dt : new DType[] {DType.F32, DType.F64}) {
                            Random rnd = new Random(Arrays.hashCode(as) + Arrays.hashCode(bs));
                            double[] a = values(rnd, Shape.numel(as), special, 3000);
                            double[] b = values(rnd, Shape.numel(bs), special, 3000);
                            String what = dt + " " + Shape.str(as) + " " + Shape.str(bs) + (transposed ? " stored transposed" : "") + ", "
                                    + threads + " threads";
                            Tensor ta = transposed ? be.permute(be.fromHost(a, dt, as), swapLast(as.length)) : be.fromHost(a, dt, as);
                            Tensor tb = transposed ? be.permute(be.fromHost(b, dt, bs), swapLast(bs.length)) : be.fromHost(b, dt, bs);
                            Tensor ra = transposed ? ref.permute(ref.fromHost(a, dt, as), swapLast(as.length)) : ref.fromHost(a, dt, as);
                            Tensor rb = transposed ? ref.permute(ref.fromHost(b, dt, bs), swapLast(bs.length)) : ref.fromHost(b, dt, bs);
                            Tensor want = transposed ? ref.matmulBatchSum(ra, true, rb, false) : ref.matmulBatchSum(ra, false, rb, true);
                            Tensor got = transposed ? be.matmulBatchSum(ta, true, tb, false) : be.matmulBatchSum(ta, false, tb, true);
                            assertSameBits(want, got, what);
                            Tensor product = transposed ? be.matmul(ta, true, tb, false) : be.matmul(ta, false, tb, true);
                            int[] dims = new int[product.rank() - 2];
                            for (int d = 0; d < dims.length; d++) {
                                dims[d] = d;
                            }
                            assertSameBits(be.sum(product, dims, false), got, what + " (CPU composition)");
                        }
                    }
                }
            }
        }
    }

    /**
     * Problems whose products are +2^60·u, −2^60·u and then small, element by element: added in problem
     * order the small products survive, in any other order they are absorbed into a large partial sum
     * (its ulp in double is 2^8), so the bits show the order (sums of products of Gaussians would add
     * exactly in double in any order). (300, 700) products, so that the problems are added in chunks of 4.
     */
    @Test
    void matmulBatchSumAddsTheProblemsInOrder() {
        ReferenceBackend ref = new ReferenceBackend();
        int nb = 12; // ends with a small problem
        int m = 300;
        int n = 700;
        int k = 3;
        Random rnd = new Random(3);
        double[] a = new double[nb * m * k];
        double[] b = new double[nb * n * k];
        for (int p = 0; p < nb; p++) {
            double scale = p % 3 == 2 ? 1.0 : Math.scalb(1.0, 30); // products ±2^60 in two of every three problems
            double sign = p % 3 == 1 ? -1.0 : 1.0;
            for (int i = 0; i < m * k; i++) {
                a[p * m * k + i] = p % 3 == 2 ? rnd.nextGaussian() : scale * sign * (i % k == 0 ? 1.0 : 0.0);
            }
            for (int i = 0; i < n * k; i++) {
                b[p * n * k + i] = p % 3 == 2 ? rnd.nextGaussian() : scale * (i % k == 0 ? 1.0 : 0.0);
            }
        }
        int[] as = {nb, m, k};
        int[] bs = {nb, n, k};
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            Tensor want = ref.matmulBatchSum(ref.fromHost(a, dt, as), false, ref.fromHost(b, dt, bs), true);
            // the same problems in reverse order sum to other values
            double[] ra = new double[a.length];
            double[] rb = new double[b.length];
            for (int p = 0; p < nb; p++) {
                System.arraycopy(a, p * m * k, ra, (nb - 1 - p) * m * k, m * k);
                System.arraycopy(b, p * n * k, rb, (nb - 1 - p) * n * k, n * k);
            }
            double[] back = ref.matmulBatchSum(ref.fromHost(ra, dt, as), false, ref.fromHost(rb, dt, bs), true).toDoubles();
            double[] w = want.toDoubles();
            int differing = 0;
            for (int i = 0; i < w.length; i++) {
                differing += Double.doubleToLongBits(w[i]) != Double.doubleToLongBits(back[i]) ? 1 : 0;
            }
            org.junit.jupiter.api.Assertions.assertTrue(differing > w.length / 2, dt + ": order-sensitive elements " + differing);
            for (int threads : new int[] {1, 3}) {
                try (CpuBackend be = new CpuBackend(threads)) {
                    Tensor got = be.matmulBatchSum(be.fromHost(a, dt, as), false, be.fromHost(b, dt, bs), true);
                    assertSameBits(want, got, dt + ", " + threads + " threads");
                }
            }
        }
    }

    /** The permutation that swaps the last two of {@code rank} dimensions. */
    private static int[] swapLast(int rank) {
        int[] p = new int[rank];
        for (int i = 0; i < rank; i++) {
            p[i] = i;
        }
        p[rank - 2] = rank - 1;
        p[rank - 1] = rank - 2;
        return p;
    }
}
