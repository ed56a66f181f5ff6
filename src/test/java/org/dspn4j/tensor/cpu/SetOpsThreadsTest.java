package org.dspn4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.Function;

import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.ReferenceBackend;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The ops of a set encoder's pooling and of a layer's bias gradient at the sizes DSPN runs them — FSPool's
 * argsort, gather and scatterAdd along the set axis of (B, C, N) and the sum over B and N — against
 * {@link ReferenceBackend}, bit for bit, on one thread and on three (their loops split rows or channels
 * between threads). The random property tests reach these sizes rarely.
 */
class SetOpsThreadsTest {
    private static final ReferenceBackend REF = new ReferenceBackend();

    private static void sameBits(Tensor want, Tensor got, String what) {
        assertArrayEquals(want.shape(), got.shape(), what);
        assertEquals(want.dtype(), got.dtype(), what);
        double[] w = want.toDoubles();
        double[] g = got.toDoubles();
        for (int i = 0; i < w.length; i++) {
            if (Double.doubleToLongBits(w[i]) != Double.doubleToLongBits(g[i])) {
                throw new AssertionError(what + ": element " + i + ": " + g[i] + ", definition " + w[i]);
            }
        }
    }

    /** Gaussians, with ties (values rounded to a coarse grid in some rows) and a few special values. */
    private static double[] values(Random r, int n) {
        double[] v = new double[n];
        double[] special = {0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        for (int i = 0; i < n; i++) {
            v[i] = r.nextInt(500) == 0 ? special[r.nextInt(special.length)]
                    : (i / 100) % 3 == 0 ? Math.rint(r.nextGaussian() * 2) : r.nextGaussian();
        }
        return v;
    }

    private static void onEveryBackend(String what, Function<Backend, Tensor> op) {
        Tensor want = op.apply(REF);
        for (int threads : new int[] {1, 3}) {
            try (CpuBackend be = new CpuBackend(threads)) {
                sameBits(want, op.apply(be), what + ", " + threads + " threads");
            }
        }
    }

    @Test
    void poolingOpsAlongTheSetAxisAreTheDefinition() {
        int[][] shapes = {{32, 64, 342}, {8, 512, 100}, {3, 5, 7}};
        for (int[] s : shapes) {
            for (DType dt : new DType[] {DType.F32, DType.F64}) {
                Random r = new Random(s[1]);
                int n = s[0] * s[1] * s[2];
                double[] x = values(r, n);
                double[] src = values(r, n);
                // scatterAdd's index rows: some permutations (argsort's), some with repeated and missing positions
                double[] repeats = new double[n];
                for (int i = 0; i < n; i++) {
                    repeats[i] = r.nextInt(s[2]);
                }
                String what = dt + " " + java.util.Arrays.toString(s);
                for (boolean descending : new boolean[] {true, false}) {
                    onEveryBackend("argsort " + what + " descending=" + descending,
                            be -> be.argsort(be.fromHost(x, dt, s), 2, descending));
                }
                onEveryBackend("gather of the sort " + what, be -> {
                    Tensor t = be.fromHost(x, dt, s);
                    return be.gather(t, 2, be.argsort(t, 2, true));
                });
                onEveryBackend("gather, repeated indices " + what,
                        be -> be.gather(be.fromHost(x, dt, s), 2, be.fromHost(repeats, DType.I64, s)));
                onEveryBackend("scatterAdd of the sort " + what, be -> {
                    Tensor t = be.fromHost(x, dt, s);
                    return be.scatterAdd(be.fromHost(src, dt, s), 2, be.argsort(t, 2, true), t);
                });
                onEveryBackend("scatterAdd, repeated indices " + what,
                        be -> be.scatterAdd(be.fromHost(src, dt, s), 2, be.fromHost(repeats, DType.I64, s),
                                be.fromHost(x, dt, s)));
                onEveryBackend("sum over B and N " + what, be -> be.sum(be.fromHost(x, dt, s), new int[] {0, 2}, false));
            }
        }
    }

    /**
     * A bias's gradient, the sum over B and N, on Gaussian values with a pair ±2^60·u at the start of
     * every run of N (so in two of the four chains): the Gaussians that meet a large value first are
     * absorbed into it (its ulp in double is 2^8), so another order of the additions or grouping of
     * the chains gives another value even after rounding to float. (Gaussian floats alone add exactly
     * in double in any order, and NaN ends most long sums.)
     */
    @Test
    void theSumOverBatchAndSetKeepsTheDefinitionsOrder() {
        int[][] shapes = {{32, 64, 342}, {4, 7, 13}, {3, 5, 4}};
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            int differing = 0;
            for (int[] s : shapes) {
                Random r = new Random(s[2]);
                int n = s[0] * s[1] * s[2];
                double[] x = new double[n];
                for (int i = 0; i < n; i += s[2]) {
                    for (int j = 2; j < s[2]; j++) {
                        x[i + j] = r.nextGaussian();
                    }
                    double big = Math.scalb(1.0 + r.nextInt(1 << 20) / (double) (1 << 20), 60);
                    x[i] = big;
                    x[i + 1] = -big;
                }
                String what = dt + " " + java.util.Arrays.toString(s);
                onEveryBackend("sum over B and N, absorbing values " + what, be -> be.sum(be.fromHost(x, dt, s), new int[] {0, 2}, false));
                // the check above can tell orders apart: the values in reverse order sum to other bits
                double[] reversed = new double[n];
                for (int i = 0; i < n; i++) {
                    reversed[i] = x[n - 1 - i];
                }
                double[] want = REF.sum(REF.fromHost(x, dt, s), new int[] {0, 2}, false).toDoubles();
                double[] back = REF.sum(REF.fromHost(reversed, dt, s), new int[] {0, 2}, false).toDoubles();
                for (int c = 0; c < s[1]; c++) {
                    // reversed, channel C−1−c holds channel c's values in reverse order
                    differing += Double.doubleToLongBits(back[s[1] - 1 - c]) != Double.doubleToLongBits(want[c]) ? 1 : 0;
                }
            }
            assertTrue(differing > 32, dt + ": channels whose sum depends on the order: " + differing);
        }
    }

    @Test
    void aBadIndexIsReportedAsTheFirstOneInOrder() {
        int[] s = {16, 64, 342};
        int n = s[0] * s[1] * s[2];
        double[] idx = new double[n];
        idx[n - 5] = 342; // out of range, late
        idx[40_000] = -1; // out of range, earlier
        for (int threads : new int[] {1, 3}) {
            try (CpuBackend be = new CpuBackend(threads)) {
                Tensor x = be.full(1.0, DType.F32, s);
                Tensor ix = be.fromHost(idx, DType.I64, s);
                String g = assertThrows(IndexOutOfBoundsException.class, () -> be.gather(x, 2, ix)).getMessage();
                String sa = assertThrows(IndexOutOfBoundsException.class, () -> be.scatterAdd(x, 2, ix, x)).getMessage();
                assertEquals("gather: index -1 out of range for dimension 2 of size 342", g);
                // a dimension of size 0 has no position to read for a bad index
                Tensor empty = be.full(1.0, DType.F32, 2, 3, 0);
                Tensor zeros = be.full(0.0, DType.I64, 2, 3, 1);
                assertEquals("gather: index 0 out of range for dimension 2 of size 0",
                        assertThrows(IndexOutOfBoundsException.class, () -> be.gather(empty, 2, zeros)).getMessage());
                assertEquals("scatterAdd: index -1 out of range for dimension 2 of size 342", sa);
            }
        }
    }
}
