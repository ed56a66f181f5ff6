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
}
