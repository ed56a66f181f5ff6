package org.dspn4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.ReferenceBackend;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.testing.OpCases;
import org.junit.jupiter.api.Test;

/**
 * The CPU backend's one-pass FSPool ops against their definitions, the compositions of gather, MUL,
 * sum, expand and scatterAdd that {@link Backend}'s defaults spell out (run here by the reference
 * backend), bit for bit: {@link CpuBackend#sortedPool}, {@link CpuBackend#sortedPoolGradX} and
 * {@link CpuBackend#sortedPoolGradW}, with shared (C, N) and per-sample (B, C, N) weights, F32 and
 * F64, 1 and 3 threads, ties, signed zeros, infinities and NaN among the values, and the shapes where
 * the compositions copy instead of adding (N = 1, a batch of one) or add in four chains (C = N = 1). All NaNs
 * count as one value.
 */
class SortedPoolTest {
    /** Values with many ties (a few levels), some special values, and a random remainder. */
    private static double[] values(Random r, int n) {
        double[] special = {0.0, -0.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, 1e-40, -3e38, 3e38};
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            int kind = r.nextInt(10);
            v[i] = kind == 0 ? special[r.nextInt(special.length)] : kind < 4 ? r.nextInt(3) - 1.0 : r.nextGaussian();
        }
        return v;
    }

    @Test
    void theOnePassOpsAreTheirCompositions() {
        ReferenceBackend ref = new ReferenceBackend();
        // {B, C, N}: small, N = 1 (sum copies), a batch of one (the shared weight's sum over B copies), big enough to split
        // between threads, and C = N = 1 (the shared weight's sum over B is one run of B added as four chains)
        int[][] shapes = {{3, 4, 7}, {2, 3, 1}, {1, 5, 9}, {4, 64, 342}, {2, 1, 2}, {5, 1, 1}, {9, 1, 1}};
        for (int threads : new int[] {1, 3}) {
            try (CpuBackend be = new CpuBackend(threads)) {
                for (DType dt : new DType[] {DType.F32, DType.F64}) {
                    Random r = new Random(5 + threads);
                    for (int[] s : shapes) {
                        int b = s[0];
                        int c = s[1];
                        int n = s[2];
                        double[] x = values(r, b * c * n);
                        double[] g = values(r, b * c);
                        for (int[] ws : new int[][] {{c, n}, {b, c, n}}) {
                            double[] w = values(r, ws.length == 2 ? c * n : b * c * n);
                            String what = dt + " " + java.util.Arrays.toString(s) + " w " + java.util.Arrays.toString(ws) + ", " + threads + " threads";
                            Tensor rx = ref.fromHost(x, dt, s);
                            Tensor rw = ref.fromHost(w, dt, ws);
                            Tensor rg = ref.fromHost(g, dt, b, c);
                            Tensor perm = ref.argsort(rx, 2, true);
                            Tensor cx = be.fromHost(x, dt, s);
                            Tensor cw = be.fromHost(w, dt, ws);
                            Tensor cg = be.fromHost(g, dt, b, c);
                            Tensor cperm = be.fromHost(perm.toDoubles(), DType.I64, s);
                            OpCases.assertSameBits("sortedPool " + what, ref.sortedPool(rx, perm, rw), be.sortedPool(cx, cperm, cw));
                            OpCases.assertSameBits("gradX " + what, ref.sortedPoolGradX(rg, rw, perm), be.sortedPoolGradX(cg, cw, cperm));
                            OpCases.assertSameBits("gradW " + what, ref.sortedPoolGradW(rg, rx, perm, ws), be.sortedPoolGradW(cg, cx, cperm, ws));
                        }
                    }
                }
            }
        }
    }

    @Test
    void theDefinitionIsFsPoolsSortedWeightedSum() {
        // by hand: x = [3, 1, 2] sorted descending is [3, 2, 1]; weights [1, 10, 100] give 3 + 20 + 100
        ReferenceBackend ref = new ReferenceBackend();
        Tensor x = ref.fromHost(new double[] {3, 1, 2}, DType.F64, 1, 1, 3);
        Tensor w = ref.fromHost(new double[] {1, 10, 100}, DType.F64, 1, 3);
        Tensor perm = ref.argsort(x, 2, true);
        assertArrayEquals(new double[] {123}, ref.sortedPool(x, perm, w).toDoubles());
        Tensor g = ref.fromHost(new double[] {2}, DType.F64, 1, 1);
        // dx: each element gets g times the weight of the position it sorted to
        assertArrayEquals(new double[] {2, 200, 20}, ref.sortedPoolGradX(g, w, perm).toDoubles());
        // dw: g times the sorted values
        assertArrayEquals(new double[] {6, 4, 2}, ref.sortedPoolGradW(g, x, perm, new int[] {1, 3}).toDoubles());
    }

    @Test
    void badOperandsAreRefusedInOneLine() {
        try (CpuBackend be = new CpuBackend(1)) {
            Tensor x = be.fromHost(new double[6], DType.F32, 1, 2, 3);
            Tensor perm = be.fromHost(new double[] {0, 1, 2, 2, 1, 0}, DType.I64, 1, 2, 3);
            Tensor w = be.fromHost(new double[6], DType.F32, 2, 3);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> be.sortedPool(x, perm, be.fromHost(new double[4], DType.F32, 2, 2)));
            assertTrue(e.getMessage().startsWith("sortedPool: weights (2, 2)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> be.sortedPool(x, be.fromHost(new double[3], DType.I64, 1, 1, 3), w));
            assertTrue(e.getMessage().contains("the order (1, 1, 3) is not of x's shape (1, 2, 3)"), e.getMessage());
            Tensor badPerm = be.fromHost(new double[] {0, 1, 3, 2, 1, 0}, DType.I64, 1, 2, 3);
            IndexOutOfBoundsException oob = assertThrows(IndexOutOfBoundsException.class, () -> be.sortedPool(x, badPerm, w));
            assertTrue(oob.getMessage().contains("index 3 out of range for dimension 2 of size 3"), oob.getMessage());
        }
    }
}
