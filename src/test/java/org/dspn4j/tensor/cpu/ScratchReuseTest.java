package org.dspn4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.Function;

import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The ops that keep their temporaries in {@link CpuBackend}'s scratch arrays (the convolutions'
 * gradients and the F64 convolution through im2col matrices, matmulBatchSum's chunk of products) give
 * the same bits when the arrays they are handed are NaN-filled leftovers as on a fresh backend: no op
 * reads a scratch element it did not write first.
 */
class ScratchReuseTest {
    private static double[] gaussian(Random r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextGaussian();
        }
        return v;
    }

    /** op on a fresh backend, and on one whose kept scratch arrays (larger than the op needs) were filled with NaN. */
    private static void check(String what, int threads, Function<CpuBackend, Tensor> warm, Function<CpuBackend, Tensor> op) {
        double[] want;
        try (CpuBackend fresh = new CpuBackend(threads)) {
            want = op.apply(fresh).toDoubles();
        }
        try (CpuBackend be = new CpuBackend(threads)) {
            warm.apply(be); // leaves scratch arrays behind
            assertTrue(be.scratchKept() > 0, what + ": the warm-up op kept no scratch");
            be.poisonScratch();
            double[] got = op.apply(be).toDoubles();
            assertEquals(want.length, got.length, what);
            for (int i = 0; i < want.length; i++) {
                if (Double.doubleToLongBits(want[i]) != Double.doubleToLongBits(got[i])) {
                    throw new AssertionError(what + ": element " + i + " differs: " + want[i] + " vs " + got[i]);
                }
            }
            // and again, now with the op's own leftovers
            be.poisonScratch();
            assertArrayEquals(want, op.apply(be).toDoubles(), what + " (second call)");
        }
    }

    @Test
    void opsOnLeftoverScratchGiveTheFreshBits() {
        Random r = new Random(3);
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            // a larger convolution first, so that its scratch arrays are handed to the smaller ones
            double[] bigX = gaussian(r, 8 * 16 * 12 * 12);
            double[] bigW = gaussian(r, 16 * 16 * 3 * 3);
            double[] bigG = gaussian(r, 8 * 16 * 12 * 12);
            Function<CpuBackend, Tensor> warm = be -> {
                Tensor x = be.fromHost(bigX, dt, 8, 16, 12, 12);
                Tensor w = be.fromHost(bigW, dt, 16, 16, 3, 3);
                Tensor g = be.fromHost(bigG, dt, 8, 16, 12, 12);
                be.conv2dBackwardInput(g, w, x.shape(), 1, 1);
                return be.conv2dBackwardWeight(x, g, w.shape(), 1, 1);
            };
            double[] x = gaussian(r, 5 * 6 * 9 * 9);
            double[] w = gaussian(r, 7 * 6 * 3 * 3);
            double[] g = gaussian(r, 5 * 7 * 5 * 5); // stride 2, pad 1: 9x9 -> 5x5
            double[] a = gaussian(r, 40 * 30 * 50);
            double[] b = gaussian(r, 40 * 20 * 50);
            for (int threads : new int[] {1, 3}) {
                String at = dt + ", " + threads + " threads";
                check("conv2dBackwardInput " + at, threads, warm,
                        be -> be.conv2dBackwardInput(be.fromHost(g, dt, 5, 7, 5, 5), be.fromHost(w, dt, 7, 6, 3, 3), new int[] {5, 6, 9, 9}, 2, 1));
                check("conv2dBackwardWeight " + at, threads, warm,
                        be -> be.conv2dBackwardWeight(be.fromHost(x, dt, 5, 6, 9, 9), be.fromHost(g, dt, 5, 7, 5, 5), new int[] {7, 6, 3, 3}, 2, 1));
                check("conv2d " + at, threads, warm,
                        be -> be.conv2d(be.fromHost(x, dt, 5, 6, 9, 9), be.fromHost(w, dt, 7, 6, 3, 3), null, 2, 1));
                check("matmulBatchSum " + at, threads, warm,
                        be -> be.matmulBatchSum(be.fromHost(a, dt, 40, 30, 50), false, be.fromHost(b, dt, 40, 20, 50), true));
            }
        }
    }
}
