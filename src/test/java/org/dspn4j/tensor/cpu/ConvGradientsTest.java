package org.dspn4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.ReferenceBackend;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The convolution's weight gradient at sizes where {@link CpuBackend#conv2dBackwardWeight} splits its
 * product over blocks of pixels (images of 480 pixels, three to an im2col matrix: more pixels than
 * a block, so the chains run on over blocks and images) against the definition, bit for bit, F32 and F64, strides 1
 * and 2, on 1 and 3 threads. The random property tests rarely reach these sizes.
 */
class ConvGradientsTest {
    private static final ReferenceBackend REF = new ReferenceBackend();

    @Test
    void theWeightGradientOverBlocksOfPixelsIsTheDefinition() {
        Random r = new Random(19);
        int[] xs = {3, 4, 24, 20};
        int[] ws = {6, 4, 3, 3};
        double[] x = new double[3 * 4 * 24 * 20];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextInt(300) == 0 ? -0.0 : r.nextGaussian();
        }
        for (int stride = 1; stride <= 2; stride++) {
            int ho = (24 + 2 - 3) / stride + 1;
            int wo = (20 + 2 - 3) / stride + 1;
            int[] gs = {3, 6, ho, wo};
            double[] g = new double[3 * 6 * ho * wo];
            for (int i = 0; i < g.length; i++) {
                g[i] = r.nextGaussian();
            }
            for (DType dt : new DType[] {DType.F32, DType.F64}) {
                int st = stride;
                Tensor want = REF.conv2dBackwardWeight(REF.fromHost(x, dt, xs), REF.fromHost(g, dt, gs), ws, st, 1);
                for (int threads : new int[] {1, 3}) {
                    try (CpuBackend be = new CpuBackend(threads)) {
                        Tensor got = be.conv2dBackwardWeight(be.fromHost(x, dt, xs), be.fromHost(g, dt, gs), ws, st, 1);
                        assertArrayEquals(want.shape(), got.shape());
                        double[] wv = want.toDoubles();
                        double[] gv = got.toDoubles();
                        for (int i = 0; i < wv.length; i++) {
                            assertEquals(Double.doubleToLongBits(wv[i]), Double.doubleToLongBits(gv[i]),
                                    dt + " stride " + st + ", " + threads + " threads, element " + i);
                        }
                    }
                }
            }
        }
    }

    /**
     * The stride-1 convolutions whose output rows are as wide as the input's, where im2col and the
     * packed panels copy shifted runs of pixels and zero the taps outside the image
     * ({@link CpuBackend.Conv#copyTaps}), and the input gradient is added tile by tile
     * ({@link ConvPanels#backwardInput}): the forward and both gradients against the definition,
     * bit for bit, F32 and F64, 1 × 1, 3 × 3 and 5 × 5 kernels, on images narrower and shorter than
     * the kernel's reach (every tap of some rows and columns outside) and on rows of whole vectors, on
     * 1 and 3 threads.
     */
    @Test
    void sameWidthConvolutionsAreTheDefinition() {
        Random r = new Random(23);
        // {k, pad, H, W}; the forward's panels of rows of 8, 16 and 32 pixels are copied a vector at a time where
        // they hold whole vectors (ConvVector.packRows), the first and the last row of x from a shifted copy at either end
        int[][] cases = {{1, 0, 6, 5}, {3, 1, 5, 7}, {3, 1, 1, 1}, {5, 2, 3, 4}, {5, 2, 2, 2}, {5, 2, 9, 1},
            {3, 1, 4, 16}, {3, 1, 3, 32}, {5, 2, 5, 16}, {1, 0, 2, 16}, {3, 1, 6, 8}};
        for (int[] c : cases) {
            int k = c[0];
            int pad = c[1];
            int[] xs = {3, 2, c[2], c[3]};
            int[] ws = {4, 2, k, k};
            int[] gs = {3, 4, c[2], c[3]};
            double[] x = new double[3 * 2 * c[2] * c[3]];
            double[] w = new double[4 * 2 * k * k];
            double[] g = new double[3 * 4 * c[2] * c[3]];
            for (double[] v : new double[][] {x, w, g}) {
                for (int i = 0; i < v.length; i++) {
                    v[i] = r.nextInt(50) == 0 ? -0.0 : r.nextGaussian();
                }
            }
            for (DType dt : new DType[] {DType.F32, DType.F64}) {
                double[] wantY = REF.conv2d(REF.fromHost(x, dt, xs), REF.fromHost(w, dt, ws), null, 1, pad).toDoubles();
                double[] wantW = REF.conv2dBackwardWeight(REF.fromHost(x, dt, xs), REF.fromHost(g, dt, gs), ws, 1, pad)
                        .toDoubles();
                double[] wantX = REF.conv2dBackwardInput(REF.fromHost(g, dt, gs), REF.fromHost(w, dt, ws), xs, 1, pad)
                        .toDoubles();
                for (int threads : new int[] {1, 3}) {
                    try (CpuBackend be = new CpuBackend(threads)) {
                        String what = dt + " " + k + "x" + k + " on " + c[2] + "x" + c[3] + ", " + threads + " threads";
                        sameBits(wantY, be.conv2d(be.fromHost(x, dt, xs), be.fromHost(w, dt, ws), null, 1, pad).toDoubles(),
                                "forward " + what);
                        sameBits(wantW, be.conv2dBackwardWeight(be.fromHost(x, dt, xs), be.fromHost(g, dt, gs), ws, 1, pad)
                                .toDoubles(), "weight gradient " + what);
                        sameBits(wantX, be.conv2dBackwardInput(be.fromHost(g, dt, gs), be.fromHost(w, dt, ws), xs, 1, pad)
                                .toDoubles(), "input gradient " + what);
                    }
                }
            }
        }
    }

    private static void sameBits(double[] want, double[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(Double.doubleToLongBits(want[i]), Double.doubleToLongBits(got[i]), what + ", element " + i);
        }
    }
}
