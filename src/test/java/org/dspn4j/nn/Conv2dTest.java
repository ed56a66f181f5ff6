package org.dspn4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Conv2d: state names and shapes, the authors' Xavier initialisation, the output size, values against
 * a direct loop, and first and second derivatives — alone and followed by a training-mode
 * BatchNorm2d — against finite differences.
 */
class Conv2dTest {
    private static final CpuBackend BE = new CpuBackend(1);

    @AfterAll
    static void close() {
        BE.close();
    }

    @Test
    void stateAndXavierInitialisation() {
        Conv2d c = new Conv2d(BE, DType.F32, new MersenneTwister(1), 16, 32, 3, 1, 1, true);
        assertEquals(List.of("weight", "bias"), List.copyOf(c.namedParameters().keySet()));
        assertArrayEquals(new int[] {32, 16, 3, 3}, c.namedParameters().get("weight").shape());
        assertArrayEquals(new double[32], c.namedParameters().get("bias").value().toDoubles());
        double a = Math.sqrt(6.0 / (16 * 9 + 32 * 9));
        double[] w = c.namedParameters().get("weight").value().toDoubles();
        double sq = 0;
        for (double v : w) {
            assertTrue(Math.abs(v) <= a);
            sq += v * v;
        }
        assertEquals(a * a / 3, sq / w.length, 0.1 * a * a / 3);
        Conv2d noBias = new Conv2d(BE, DType.F32, new MersenneTwister(1), 3, 64, 7, 2, 3, false);
        assertEquals(List.of("weight"), List.copyOf(noBias.namedParameters().keySet()));
        assertArrayEquals(new int[] {2, 64, 64, 64}, noBias.forward(BE.full(0.5, DType.F32, 2, 3, 128, 128)).shape());
    }

    @Test
    void rejectsBadConfigurations() {
        assertThrows(IllegalArgumentException.class, () -> new Conv2d(BE, DType.F32, new MersenneTwister(1), 0, 1, 1, 1, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new Conv2d(BE, DType.F32, new MersenneTwister(1), 1, 1, 3, 0, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new Conv2d(BE, DType.F32, new MersenneTwister(1), 1, 1, 3, 1, -1, false));
    }

    @Test
    void valuesMatchADirectLoop() {
        Conv2d c = new Conv2d(BE, DType.F64, new MersenneTwister(2), 2, 3, 3, 2, 1, true);
        c.namedParameters().get("bias").set(ModuleGradCheck.normal(BE, 3, 3));
        Tensor x = ModuleGradCheck.normal(BE, 4, 2, 2, 5, 4);
        double[] y = c.forward(x).toDoubles();
        double[] xd = x.toDoubles();
        double[] w = c.namedParameters().get("weight").value().toDoubles();
        double[] bias = c.namedParameters().get("bias").value().toDoubles();
        int ho = 3;
        int wo = 2;
        for (int b = 0; b < 2; b++) {
            for (int o = 0; o < 3; o++) {
                for (int oy = 0; oy < ho; oy++) {
                    for (int ox = 0; ox < wo; ox++) {
                        double s = bias[o];
                        for (int i = 0; i < 2; i++) {
                            for (int ky = 0; ky < 3; ky++) {
                                for (int kx = 0; kx < 3; kx++) {
                                    int iy = 2 * oy + ky - 1;
                                    int ix = 2 * ox + kx - 1;
                                    if (iy >= 0 && iy < 5 && ix >= 0 && ix < 4) {
                                        s += w[((o * 2 + i) * 3 + ky) * 3 + kx] * xd[((b * 2 + i) * 5 + iy) * 4 + ix];
                                    }
                                }
                            }
                        }
                        assertEquals(s, y[((b * 3 + o) * ho + oy) * wo + ox], 1e-13);
                    }
                }
            }
        }
    }

    @Test
    void derivativesFirstAndSecondOrder() {
        Conv2d c = new Conv2d(BE, DType.F64, new MersenneTwister(5), 2, 3, 3, 2, 1, true);
        c.namedParameters().get("bias").set(ModuleGradCheck.normal(BE, 6, 3));
        Tensor x = ModuleGradCheck.normal(BE, 7, 2, 2, 5, 5);
        ModuleGradCheck check = new ModuleGradCheck(c, x, t -> ModuleGradCheck.cubic(c.forward(t), 8));
        check.first("conv", 1e-6);
        check.second("conv", 1e-6, 9);
    }

    @Test
    void derivativesThroughConvolutionThenTrainingModeBatchNorm() {
        // the ConvEncoder head's pattern: a biased convolution feeding batch statistics
        Container m = new Container();
        Conv2d c = m.add("conv", new Conv2d(BE, DType.F64, new MersenneTwister(10), 2, 3, 3, 2, 1, true));
        BatchNorm2d bn = m.add("bn", new BatchNorm2d(BE, DType.F64, 3));
        c.namedParameters().get("bias").set(ModuleGradCheck.normal(BE, 11, 3));
        bn.namedParameters().get("weight").set(ModuleGradCheck.normal(BE, 12, 3));
        bn.namedParameters().get("bias").set(ModuleGradCheck.normal(BE, 13, 3));
        Tensor x = ModuleGradCheck.normal(BE, 14, 2, 2, 5, 5);
        ModuleGradCheck check = new ModuleGradCheck(m, x, t -> ModuleGradCheck.cubic(bn.forward(c.forward(t)), 15));
        check.first("conv+bn", 1e-6);
        check.second("conv+bn", 1e-6, 16);
    }
}
