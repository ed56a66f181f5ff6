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
     * ({@link CpuBackend.Conv#copyTaps}), and the input gradient is added a strip of rows at a time
     * ({@link ConvPanels#backwardInput}): the forward and both gradients against the definition,
     * bit for bit, F32 and F64, 1 × 1, 3 × 3 and 5 × 5 kernels, on images narrower and shorter than
     * the kernel's reach (every tap of some rows and columns outside) and on rows of whole vectors, on
     * 1 and 3 threads.
     */
    @Test
    void sameWidthConvolutionsAreTheDefinition() {
        Random r = new Random(23);
        // {k, pad, H, W}; rows of 8, 16 and 32 pixels: the backend's forward reads whole vectors of them where they lie
        // in the padded images (ConvPanels.forwardShifted)
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

    /**
     * One backend convolving one shape after another, F32, F64 and F32 again, the first (the largest) on
     * NaNs: the im2col matrices, their companions and the packed panels are scratch arrays kept between
     * calls, so a smaller convolution finds a larger array written by the last one. Its padding taps must still read as zeros, and nothing of the last
     * call may show: every op against the definition, bit for bit, on 1 and 3 threads.
     */
    @Test
    void convolutionsAfterLargerOnesOnTheSameBackendAreTheDefinition() {
        Random r = new Random(29);
        // {B, Cin, H, W, Cout, k, stride, pad}: the largest first
        int[][] cases = {{4, 8, 12, 12, 6, 3, 1, 1}, {3, 2, 7, 5, 4, 3, 2, 1}, {2, 3, 6, 6, 5, 1, 2, 0},
            {2, 2, 4, 4, 3, 5, 1, 2}, {5, 1, 3, 9, 2, 3, 2, 1}};
        double[][][] data = new double[cases.length][][];
        for (int i = 0; i < cases.length; i++) {
            int[] c = cases[i];
            int ho = (c[2] + 2 * c[7] - c[5]) / c[6] + 1;
            int wo = (c[3] + 2 * c[7] - c[5]) / c[6] + 1;
            data[i] = new double[][] {new double[c[0] * c[1] * c[2] * c[3]], new double[c[4] * c[1] * c[5] * c[5]],
                new double[c[0] * c[4] * ho * wo]};
            for (double[] v : data[i]) {
                for (int j = 0; j < v.length; j++) {
                    // the largest all NaN, so that what it leaves in the scratch arrays shows; the others nonzero
                    v[j] = i == 0 ? Double.NaN : r.nextInt(40) == 0 ? -0.0 : 1 + r.nextGaussian();
                }
            }
        }
        for (int threads : new int[] {1, 3}) {
            try (CpuBackend be = new CpuBackend(threads)) {
                for (DType dt : new DType[] {DType.F32, DType.F64, DType.F32}) {
                    for (int i = 0; i < cases.length; i++) {
                        int[] c = cases[i];
                        int ho = (c[2] + 2 * c[7] - c[5]) / c[6] + 1;
                        int wo = (c[3] + 2 * c[7] - c[5]) / c[6] + 1;
                        int[] xs = {c[0], c[1], c[2], c[3]};
                        int[] ws = {c[4], c[1], c[5], c[5]};
                        int[] gs = {c[0], c[4], ho, wo};
                        double[] x = data[i][0];
                        double[] w = data[i][1];
                        double[] g = data[i][2];
                        int st = c[6];
                        int pad = c[7];
                        String what = dt + " case " + i + ", " + threads + " threads";
                        sameBits(REF.conv2d(REF.fromHost(x, dt, xs), REF.fromHost(w, dt, ws), null, st, pad).toDoubles(),
                                be.conv2d(be.fromHost(x, dt, xs), be.fromHost(w, dt, ws), null, st, pad).toDoubles(),
                                "forward " + what);
                        sameBits(REF.conv2dBackwardWeight(REF.fromHost(x, dt, xs), REF.fromHost(g, dt, gs), ws, st, pad).toDoubles(),
                                be.conv2dBackwardWeight(be.fromHost(x, dt, xs), be.fromHost(g, dt, gs), ws, st, pad).toDoubles(),
                                "weight gradient " + what);
                        sameBits(REF.conv2dBackwardInput(REF.fromHost(g, dt, gs), REF.fromHost(w, dt, ws), xs, st, pad).toDoubles(),
                                be.conv2dBackwardInput(be.fromHost(g, dt, gs), be.fromHost(w, dt, ws), xs, st, pad).toDoubles(),
                                "input gradient " + what);
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
