package org.dspn4j.tensor.cpu;

import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.dspn4j.tensor.Backend.Binary;
import org.dspn4j.tensor.Backend.Unary;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Values of every backend op on small hand-worked cases. */
class CpuBackendTest {
    private static final CpuBackend BE = new CpuBackend(2);

    @AfterAll
    static void close() {
        BE.close();
    }

    private static Tensor t(int[] shape, double... v) {
        return BE.fromHost(v, DType.F64, shape);
    }

    private static int[] s(int... d) {
        return d;
    }

    private static void eq(Tensor actual, int[] shape, double... expected) {
        assertArrayEquals(shape, actual.shape(), "shape");
        assertArrayEquals(expected, actual.toDoubles(), 1e-12);
    }

    @Test
    void binaryOpsBroadcastLikeNumpy() {
        Tensor a = t(s(2, 3), 1, 2, 3, 4, 5, 6);
        Tensor row = t(s(3), 10, 20, 30);
        Tensor col = t(s(2, 1), 100, 200);
        eq(BE.binary(Binary.ADD, a, row), s(2, 3), 11, 22, 33, 14, 25, 36);
        eq(BE.binary(Binary.SUB, a, col), s(2, 3), -99, -98, -97, -196, -195, -194);
        eq(BE.binary(Binary.MUL, col, row), s(2, 3), 1000, 2000, 3000, 2000, 4000, 6000);
        eq(BE.binary(Binary.DIV, a, t(s(), 2)), s(2, 3), 0.5, 1, 1.5, 2, 2.5, 3);
    }

    /** A fresh array is +0; full fills any other value, −0 and values that round to −0 in the dtype included. */
    @Test
    void fullKeepsTheSignOfZero() {
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            for (double v : new double[] {0.0, -0.0, -1e-50, 1e-50, -1e-320, 2.5}) {
                double want = dt == DType.F32 ? (double) (float) v : v;
                for (double got : BE.full(v, dt, 3, 70000).toDoubles()) { // large enough to matter, one value throughout
                    if (Double.doubleToRawLongBits(got) != Double.doubleToRawLongBits(want)) {
                        throw new AssertionError(dt + " full(" + v + ") holds " + got + ", not " + want);
                    }
                }
            }
        }
    }

    @Test
    void shapeMismatchNamesOpAndBothShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BE.binary(Binary.ADD, t(s(2, 3), new double[6]), t(s(4), new double[4])));
        assertTrue(e.getMessage().contains("add") && e.getMessage().contains("(2, 3)") && e.getMessage().contains("(4,)"),
                e.getMessage());
        IllegalArgumentException m = assertThrows(IllegalArgumentException.class,
                () -> BE.matmul(t(s(2, 3), new double[6]), t(s(2, 3), new double[6])));
        assertTrue(m.getMessage().contains("matmul") && m.getMessage().contains("(2, 3) and (2, 3)"), m.getMessage());
    }

    @Test
    void unaryOps() {
        Tensor x = t(s(4), -2, -0.5, 0, 1.5);
        eq(BE.unary(Unary.NEG, x), s(4), 2, 0.5, 0, -1.5);
        eq(BE.unary(Unary.ABS, x), s(4), 2, 0.5, 0, 1.5);
        eq(BE.unary(Unary.RELU, x), s(4), 0, 0, 0, 1.5);
        eq(BE.unary(Unary.STEP, x), s(4), 0, 0, 0, 1);
        eq(BE.unary(Unary.SIGN, x), s(4), -1, -1, 0, 1);
        // Huber beta=1: 0.5 r^2 inside |r| < 1, |r| - 0.5 outside
        eq(BE.unary(Unary.SMOOTH_L1, x), s(4), 1.5, 0.125, 0, 1.0);
        eq(BE.unary(Unary.EXP, t(s(2), 0, 1)), s(2), 1, Math.E);
        eq(BE.unary(Unary.LOG, t(s(2), 1, Math.E)), s(2), 0, 1);
        eq(BE.unary(Unary.SQRT, t(s(2), 4, 9)), s(2), 2, 3);
        eq(BE.unary(Unary.SIGMOID, t(s(2), 0, -1000)), s(2), 0.5, 0);
        eq(BE.unary(Unary.TANH, t(s(1), 0)), s(1), 0);
        eq(BE.pow(t(s(2), 2, 3), 3), s(2), 8, 27);
        eq(BE.affine(t(s(2), 1, 2), 2, -1), s(2), 1, 3);
        eq(BE.clamp(x, -1, 1), s(4), -1, -0.5, 0, 1);
        eq(BE.inRange(t(s(5), -1.5, -1, 0, 1, 1.5), -1, 1), s(5), 0, 1, 1, 1, 0);
    }

    @Test
    void reductions() {
        Tensor a = t(s(2, 3), 1, 2, 3, 4, 5, 6);
        eq(BE.sum(a, s(0), false), s(3), 5, 7, 9);
        eq(BE.sum(a, s(1), true), s(2, 1), 6, 15);
        eq(BE.sum(a, s(0, 1), false), s(), 21);
        eq(BE.argmax(t(s(2, 3), 1, 5, 5, 7, 2, 7), 1), s(2, 1), 1, 0); // first maximum wins
    }

    @Test
    void argsortIsStableInBothDirections() {
        Tensor a = t(s(1, 5), 3, 1, 3, 2, 1);
        eq(BE.argsort(a, 1, true), s(1, 5), 0, 2, 3, 1, 4);
        eq(BE.argsort(a, 1, false), s(1, 5), 1, 4, 3, 0, 2);
        Tensor cols = t(s(3, 2), 1, 9, 3, 8, 2, 7);
        eq(BE.argsort(cols, 0, true), s(3, 2), 1, 0, 2, 1, 0, 2);
    }

    /**
     * The radix sort (F64, and F32 rows longer than {@link StableSort#RANK_MAX}) and the count of smaller
     * keys (F32 rows up to it, with the Vector API) against a boxed stable sort with Double.compare, ties,
     * ±0, NaN and both infinities included.
     */
    @Test
    void argsortMatchesABoxedStableSort() {
        Random r = new Random(9);
        double[] pool = {-1.5, -0.0, 0.0, 2.0, Double.NaN, Double.NEGATIVE_INFINITY, 3.25, Double.POSITIVE_INFINITY};
        for (DType dt : new DType[] {DType.F64, DType.F32}) {
            for (int len : new int[] {1, 2, 3, 4, 5, 7, 15, 16, 17, 33, 63, 79, 80, 81, 100, 159, 160, 161, 342}) {
                double[] v = new double[len];
                for (int i = 0; i < len; i++) {
                    v[i] = r.nextInt(3) == 0 ? r.nextGaussian() : pool[r.nextInt(pool.length)];
                    if (dt == DType.F32) {
                        v[i] = (float) v[i];
                    }
                }
                for (boolean desc : new boolean[] {false, true}) {
                    Integer[] order = new Integer[len];
                    for (int i = 0; i < len; i++) {
                        order[i] = i;
                    }
                    java.util.Arrays.sort(order, (p, q) -> desc ? Double.compare(v[q], v[p]) : Double.compare(v[p], v[q]));
                    double[] want = new double[len];
                    for (int i = 0; i < len; i++) {
                        want[i] = order[i];
                    }
                    assertArrayEquals(want, BE.argsort(BE.fromHost(v, dt, 1, len), 1, desc).toDoubles(), 0.0,
                            dt + " len " + len + " desc " + desc);
                }
            }
        }
    }

    /** The count of smaller keys on its own, over the whole int range: extremes, all equal, every length up to its limit. */
    @Test
    void sortByRankIsTheStableOrderOfTheKeys() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Gemm.VECTOR, "the count runs on the Vector API");
        Random r = new Random(11);
        int[] pool = {Integer.MIN_VALUE, Integer.MIN_VALUE + 1, -1, 0, 1, Integer.MAX_VALUE - 1, Integer.MAX_VALUE};
        StableSort sorter = new StableSort(StableSort.RANK_MAX);
        for (int len = 0; len <= StableSort.RANK_MAX; len++) {
            for (int kind = 0; kind < 3; kind++) {
                int[] keys = new int[len];
                for (int i = 0; i < len; i++) {
                    keys[i] = kind == 0 ? pool[r.nextInt(pool.length)] : kind == 1 ? r.nextInt() : 42;
                }
                Integer[] order = new Integer[len];
                for (int i = 0; i < len; i++) {
                    order[i] = i;
                }
                java.util.Arrays.sort(order, (p, q) -> Integer.compare(keys[p], keys[q]));
                System.arraycopy(keys, 0, sorter.ints, 0, len);
                int[] got = java.util.Arrays.copyOf(sorter.sortByRank(len), len);
                for (int i = 0; i < len; i++) {
                    assertEquals(order[i], got[i], "len " + len + " kind " + kind + " position " + i);
                }
                // each key's count of smaller keys
                int[] padded = java.util.Arrays.copyOf(keys, (len + 63) / 64 * 64);
                java.util.Arrays.fill(padded, len, padded.length, Integer.MAX_VALUE);
                int[] less = new int[len];
                RankVector.countLess(padded, len, less);
                for (int i = 0; i < len; i++) {
                    int smaller = 0;
                    for (int key : keys) {
                        smaller += key < keys[i] ? 1 : 0;
                    }
                    assertEquals(smaller, less[i], "len " + len + " kind " + kind + " key " + i);
                }
            }
        }
    }

    @Test
    void matmulPlainAndBroadcast() {
        Tensor a = t(s(2, 2), 1, 2, 3, 4);
        Tensor b = t(s(2, 2), 5, 6, 7, 8);
        eq(BE.matmul(a, b), s(2, 2), 19, 22, 43, 50);
        Tensor xb = t(s(2, 2, 1), 1, 1, 2, 0);
        eq(BE.matmul(a, xb), s(2, 2, 1), 3, 7, 2, 6);
    }

    @Test
    void transposedProductsEqualProductsOfPermutedCopies() {
        Random r = new Random(4);
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            for (int[] mkn : new int[][] {{3, 4, 5}, {37, 41, 70}}) {
                int m = mkn[0], k = mkn[1], n = mkn[2];
                Tensor a = BE.fromHost(gauss(r, 2 * m * k), dt, 2, m, k);
                Tensor b = BE.fromHost(gauss(r, k * n), dt, k, n);
                Tensor at = BE.permute(a, 0, 2, 1);
                Tensor bt = BE.permute(b, 1, 0);
                double[] want = BE.matmul(a, b).toDoubles();
                assertArrayEquals(want, BE.matmul(at, true, b, false).toDoubles(), 0.0, dt + " Aᵀ·B");
                assertArrayEquals(want, BE.matmul(a, false, bt, true).toDoubles(), 0.0, dt + " A·Bᵀ");
                assertArrayEquals(want, BE.matmul(at, true, bt, true).toDoubles(), 0.0, dt + " Aᵀ·Bᵀ");
                assertArrayEquals(want, BE.matmul(a, false, b, false).toDoubles(), 0.0, dt + " A·B");
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BE.matmul(t(s(2, 3), new double[6]), true, t(s(3, 2), new double[6]), false));
        assertTrue(e.getMessage().contains("(2, 3) transposed and (3, 2)"), e.getMessage());
    }

    private static double[] gauss(Random r, int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = r.nextGaussian();
        }
        return d;
    }

    @Test
    void shapeOps() {
        Tensor a = t(s(2, 3), 1, 2, 3, 4, 5, 6);
        eq(BE.permute(a, 1, 0), s(3, 2), 1, 4, 2, 5, 3, 6);
        eq(BE.reshape(a, 3, -1), s(3, 2), 1, 2, 3, 4, 5, 6);
        eq(BE.expand(t(s(2, 1), 7, 8), 2, 3), s(2, 3), 7, 7, 7, 8, 8, 8);
        eq(BE.concat(1, a, t(s(2, 1), 9, 10)), s(2, 4), 1, 2, 3, 9, 4, 5, 6, 10);
        eq(BE.slice(a, 1, 1, 3), s(2, 2), 2, 3, 5, 6);
        eq(BE.padSlice(t(s(2, 1), 9, 10), 1, 1, 3), s(2, 3), 0, 9, 0, 0, 10, 0);
        Tensor idx = BE.fromHost(new double[] {2, 0, 0, 1}, DType.I64, 2, 2);
        eq(BE.gather(a, 1, idx), s(2, 2), 3, 1, 4, 5);
        eq(BE.scatterAdd(BE.full(0, DType.F64, 2, 3), 1, idx, t(s(2, 2), 1, 2, 3, 4)), s(2, 3), 2, 0, 1, 3, 4, 0);
        assertThrows(IndexOutOfBoundsException.class,
                () -> BE.gather(a, 1, BE.fromHost(new double[] {3}, DType.I64, 1, 1)));
    }

    @Test
    void conv2dHandWorked() {
        // 1 image, 1 channel 3x3 = 1..9, kernel 2x2 of ones, stride 1, no pad: window sums
        Tensor x = t(s(1, 1, 3, 3), 1, 2, 3, 4, 5, 6, 7, 8, 9);
        Tensor w = t(s(1, 1, 2, 2), 1, 1, 1, 1);
        eq(BE.conv2d(x, w, t(s(1), 0.5), 1, 0), s(1, 1, 2, 2), 12.5, 16.5, 24.5, 28.5);
        // pad 1, stride 2: windows at (-1,-1),(−1,1),(1,−1),(1,1)
        eq(BE.conv2d(x, w, null, 2, 1), s(1, 1, 2, 2), 1, 5, 11, 28);
        // backward input of all-ones gy: how often each pixel is covered by a window
        Tensor gy = BE.full(1, DType.F64, 1, 1, 2, 2);
        eq(BE.conv2dBackwardInput(gy, w, s(1, 1, 3, 3), 1, 0), s(1, 1, 3, 3), 1, 2, 1, 2, 4, 2, 1, 2, 1);
        // backward weight of all-ones gy: sums of the shifted 2x2 sub-images
        eq(BE.conv2dBackwardWeight(x, gy, s(1, 1, 2, 2), 1, 0), s(1, 1, 2, 2), 12, 16, 24, 28);
    }

    @Test
    void maxPoolIndicesPickFirstMaximumAndNeverPadding() {
        Tensor x = t(s(1, 1, 3, 3), -1, -2, -3, -4, -5, -6, -7, -8, -9);
        // 3x3 window stride 2 pad 1 -> 2x2 output; padding counts as -inf
        eq(BE.maxPool2dIndices(x, 3, 2, 1), s(1, 1, 2, 2), 0, 1, 3, 4);
        Tensor ties = t(s(1, 1, 2, 2), 1, 1, 1, 1);
        eq(BE.maxPool2dIndices(ties, 2, 2, 0), s(1, 1, 1, 1), 0);
    }

    @Test
    void maxPoolOfF32PlanesIsTheDefinitions() {
        // F32 planes without a NaN take the two passes over order-preserving keys, planes with one the
        // compare chain: ties, infinities and signed zeros, every kernel size, stride and padding, against
        // the reference backend's loop over each window
        Random r = new Random(7);
        double[] specials = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0, 1.0, 1.0};
        org.dspn4j.tensor.ReferenceBackend ref = new org.dspn4j.tensor.ReferenceBackend();
        int planesWithNaN = 0;
        int planes = 0;
        for (int k = 1; k <= 4; k++) {
            for (int stride = 1; stride <= 3; stride++) {
                for (int pad = 0; pad <= k / 2; pad++) {
                    for (int[] hw : new int[][] {{7, 7}, {8, 8}, {12, 5}, {k, 9}, {64, 64}}) {
                        int[] shape = {2, 3, hw[0], hw[1]};
                        int plane = hw[0] * hw[1];
                        double[] v = new double[6 * plane];
                        for (int i = 0; i < v.length; i++) {
                            // small non-positive integers: many windows whose largest value is a zero of either sign
                            v[i] = r.nextInt(5) == 0 ? specials[r.nextInt(specials.length)] : -r.nextInt(4);
                        }
                        for (int p = 0; p < 6; p++) {
                            if (r.nextInt(3) == 0) {
                                // two NaNs side by side (the chain takes the last one in a window), one of them negative
                                int at = p * plane + r.nextInt(plane - 1);
                                v[at] = Double.NaN;
                                v[at + 1] = Double.longBitsToDouble(0xfff8000000000000L);
                                planesWithNaN++;
                            }
                            planes++;
                        }
                        Tensor expected = ref.maxPool2dIndices(ref.fromHost(v, DType.F32, shape), k, stride, pad);
                        Tensor actual = BE.maxPool2dIndices(BE.fromHost(v, DType.F32, shape), k, stride, pad);
                        assertArrayEquals(expected.shape(), actual.shape());
                        assertArrayEquals(expected.toDoubles(), actual.toDoubles(), 0.0,
                                "k " + k + " stride " + stride + " pad " + pad + " " + hw[0] + " x " + hw[1]);
                    }
                }
            }
        }
        assertTrue(planesWithNaN > planes / 5 && planesWithNaN < planes / 2, planesWithNaN + " of " + planes);
        // −0 before +0 as the largest value: the first of the two, as the compare chain keeps it
        double[] zeros = new double[25];
        java.util.Arrays.fill(zeros, -1.0);
        zeros[6] = -0.0;
        zeros[7] = 0.0;
        Tensor x = BE.fromHost(zeros, DType.F32, 1, 1, 5, 5);
        assertArrayEquals(new double[] {6, 6, 7, 6, 6, 7, 10, 11, 12}, BE.maxPool2dIndices(x, 3, 1, 0).toDoubles(), 0.0);
    }

    @Test
    void f32ResultsAreRoundedToFloat() {
        Tensor a = BE.fromHost(new double[] {0.1}, DType.F32, 1);
        assertEquals((double) 0.1f, a.toDoubles()[0]);
        Tensor b = BE.binary(Binary.ADD, a, a);
        assertEquals((double) (float) (2 * (double) 0.1f), b.toDoubles()[0]);
        assertThrows(IllegalArgumentException.class,
                () -> BE.binary(Binary.ADD, a, BE.fromHost(new double[] {0.1}, DType.F64, 1)));
    }

    @Test
    void sameBitsWhateverTheThreadCount() {
        Random r = new Random(3);
        double[] x = new double[2 * 8 * 9 * 9];
        double[] w = new double[16 * 8 * 3 * 3];
        double[] m = new double[37 * 53];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextGaussian();
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = r.nextGaussian();
        }
        for (int i = 0; i < m.length; i++) {
            m[i] = r.nextGaussian();
        }
        double[][] ref = null;
        for (int threads : new int[] {1, 2, 3, 7}) {
            try (CpuBackend be = new CpuBackend(threads)) {
                Tensor xt = be.fromHost(x, DType.F64, 2, 8, 9, 9);
                Tensor wt = be.fromHost(w, DType.F64, 16, 8, 3, 3);
                Tensor y = be.conv2d(xt, wt, null, 1, 1);
                Tensor gx = be.conv2dBackwardInput(y, wt, xt.shape(), 1, 1);
                Tensor gw = be.conv2dBackwardWeight(xt, y, wt.shape(), 1, 1);
                Tensor mt = be.fromHost(m, DType.F64, 37, 53);
                Tensor mm = be.matmul(mt, be.permute(mt, 1, 0));
                double[][] got = {y.toDoubles(), gx.toDoubles(), gw.toDoubles(), mm.toDoubles(),
                        be.argsort(mt, 1, true).toDoubles()};
                if (ref == null) {
                    ref = got;
                } else {
                    for (int k = 0; k < got.length; k++) {
                        assertArrayEquals(ref[k], got[k], 0.0, "threads=" + threads + " output " + k);
                    }
                }
            }
        }
    }

    /** Larger F32 and F64 cases: packed products with edge tiles, convolutions in several image groups, big elementwise ops. */
    @Test
    void sameBitsWhateverTheThreadCountAtSize() {
        Random r = new Random(8);
        double[] x = gauss(r, 3 * 5 * 40 * 40);
        double[] w = gauss(r, 7 * 5 * 3 * 3);
        double[] a = gauss(r, 4 * 67 * 45);
        double[] b = gauss(r, 45 * 70);
        double[] big = gauss(r, 3 * 100 * 300);
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            double[][] ref = null;
            for (int threads : new int[] {1, 2, 5}) {
                try (CpuBackend be = new CpuBackend(threads)) {
                    Tensor xt = be.fromHost(x, dt, 3, 5, 40, 40); // 40x40 output: one image per group
                    Tensor xs = be.slice(be.slice(xt, 2, 0, 9), 3, 0, 9); // 9x9, stride 2: several images per group
                    Tensor wt = be.fromHost(w, dt, 7, 5, 3, 3);
                    Tensor y = be.conv2d(xt, wt, be.full(0.5, dt, 7), 1, 1);
                    Tensor ys = be.conv2d(xs, wt, null, 2, 1);
                    Tensor at = be.fromHost(a, dt, 4, 67, 45);
                    Tensor bt = be.fromHost(b, dt, 45, 70);
                    Tensor bg = be.fromHost(big, dt, 3, 100, 300);
                    double[][] got = {y.toDoubles(), ys.toDoubles(),
                            be.conv2dBackwardInput(y, wt, xt.shape(), 1, 1).toDoubles(),
                            be.conv2dBackwardInput(ys, wt, xs.shape(), 2, 1).toDoubles(),
                            be.conv2dBackwardWeight(xt, y, wt.shape(), 1, 1).toDoubles(),
                            be.conv2dBackwardWeight(xs, ys, wt.shape(), 2, 1).toDoubles(),
                            be.matmul(at, bt).toDoubles(),
                            be.matmul(at, true, at, false).toDoubles(),
                            be.binary(Binary.MUL, bg, be.slice(bg, 2, 0, 1)).toDoubles(),
                            be.sum(bg, new int[] {0}, false).toDoubles(),
                            be.sum(bg, new int[] {2}, false).toDoubles(),
                            be.unary(Unary.TANH, bg).toDoubles(),
                            be.permute(bg, 2, 0, 1).toDoubles(),
                            be.argsort(bg, 2, false).toDoubles()};
                    if (ref == null) {
                        ref = got;
                    } else {
                        for (int k = 0; k < got.length; k++) {
                            assertArrayEquals(ref[k], got[k], 0.0, dt + " threads=" + threads + " output " + k);
                        }
                    }
                }
            }
        }
    }
}
