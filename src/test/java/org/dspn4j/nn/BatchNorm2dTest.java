package org.dspn4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.dspn4j.autodiff.Autograd;
import org.dspn4j.autodiff.Ops;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * BatchNorm2d against PyTorch's semantics written out by hand (biased variance to normalise, unbiased
 * variance in the running average, momentum 0.1, eps 1e-5, running statistics in evaluation mode),
 * and its first and second derivatives in both modes against finite differences.
 */
class BatchNorm2dTest {
    private static final CpuBackend BE = new CpuBackend(1);

    @AfterAll
    static void close() {
        BE.close();
    }

    /** x (2, 2, 1, 3): channel c of sample b holds X[b][c]. */
    private static final double[][][] X = {
        {{1.0, 2.0, 4.0}, {-1.0, 0.5, 3.0}},
        {{0.0, -2.0, 7.0}, {2.0, 2.5, -0.5}}};

    private static Tensor x() {
        double[] d = new double[12];
        for (int b = 0; b < 2; b++) {
            for (int c = 0; c < 2; c++) {
                for (int j = 0; j < 3; j++) {
                    d[(b * 2 + c) * 3 + j] = X[b][c][j];
                }
            }
        }
        return BE.fromHost(d, DType.F64, 2, 2, 1, 3);
    }

    private static BatchNorm2d withAffine(double[] gamma, double[] beta) {
        BatchNorm2d bn = new BatchNorm2d(BE, DType.F64, 2);
        bn.namedParameters().get("weight").set(BE.fromHost(gamma, DType.F64, 2));
        bn.namedParameters().get("bias").set(BE.fromHost(beta, DType.F64, 2));
        return bn;
    }

    @Test
    void stateMatchesPyTorchNamesShapesAndInitialValues() {
        BatchNorm2d bn = new BatchNorm2d(BE, DType.F32, 5);
        assertEquals(List.of("weight", "bias"), List.copyOf(bn.namedParameters().keySet()));
        assertEquals(List.of("running_mean", "running_var", "num_batches_tracked"), List.copyOf(bn.namedBuffers().keySet()));
        assertArrayEquals(new double[] {1, 1, 1, 1, 1}, bn.namedParameters().get("weight").value().toDoubles());
        assertArrayEquals(new double[5], bn.namedParameters().get("bias").value().toDoubles());
        assertArrayEquals(new double[5], bn.namedBuffers().get("running_mean").value().toDoubles());
        assertArrayEquals(new double[] {1, 1, 1, 1, 1}, bn.namedBuffers().get("running_var").value().toDoubles());
        Tensor count = bn.namedBuffers().get("num_batches_tracked").value();
        assertEquals(DType.I64, count.dtype());
        assertArrayEquals(new int[0], count.shape());
        assertEquals(DType.F32, bn.namedBuffers().get("running_var").value().dtype());
    }

    @Test
    void trainingNormalisesWithBatchStatisticsAndUpdatesTheRunningAverages() {
        double[] gamma = {1.5, -0.5};
        double[] beta = {0.25, 2.0};
        BatchNorm2d bn = withAffine(gamma, beta);
        double[] y = bn.forward(x()).toDoubles();
        double[] rm = bn.namedBuffers().get("running_mean").value().toDoubles();
        double[] rv = bn.namedBuffers().get("running_var").value().toDoubles();
        for (int c = 0; c < 2; c++) {
            double mean = 0;
            for (int b = 0; b < 2; b++) {
                for (double v : X[b][c]) {
                    mean += v / 6;
                }
            }
            double ss = 0;
            for (int b = 0; b < 2; b++) {
                for (double v : X[b][c]) {
                    ss += (v - mean) * (v - mean);
                }
            }
            double biased = ss / 6;
            double unbiased = ss / 5;
            for (int b = 0; b < 2; b++) {
                for (int j = 0; j < 3; j++) {
                    double expected = (X[b][c][j] - mean) / Math.sqrt(biased + 1e-5) * gamma[c] + beta[c];
                    assertEquals(expected, y[(b * 2 + c) * 3 + j], 1e-14);
                }
            }
            assertEquals(0.9 * 0.0 + 0.1 * mean, rm[c], 1e-15);
            assertEquals(0.9 * 1.0 + 0.1 * unbiased, rv[c], 1e-15);
        }
        assertEquals(1.0, bn.namedBuffers().get("num_batches_tracked").value().item());
        bn.forward(x());
        assertEquals(2.0, bn.namedBuffers().get("num_batches_tracked").value().item());
    }

    @Test
    void evaluationUsesTheRunningStatisticsAndLeavesThemAlone() {
        double[] gamma = {1.5, -0.5};
        double[] beta = {0.25, 2.0};
        BatchNorm2d bn = withAffine(gamma, beta);
        double[] rm = {0.3, -1.2};
        double[] rv = {2.0, 0.04};
        bn.namedBuffers().get("running_mean").set(BE.fromHost(rm, DType.F64, 2));
        bn.namedBuffers().get("running_var").set(BE.fromHost(rv, DType.F64, 2));
        bn.train(false);
        double[] y = bn.forward(x()).toDoubles();
        for (int b = 0; b < 2; b++) {
            for (int c = 0; c < 2; c++) {
                for (int j = 0; j < 3; j++) {
                    double expected = (X[b][c][j] - rm[c]) / Math.sqrt(rv[c] + 1e-5) * gamma[c] + beta[c];
                    assertEquals(expected, y[(b * 2 + c) * 3 + j], 1e-14);
                }
            }
        }
        assertArrayEquals(rm, bn.namedBuffers().get("running_mean").value().toDoubles());
        assertArrayEquals(rv, bn.namedBuffers().get("running_var").value().toDoubles());
        assertEquals(0.0, bn.namedBuffers().get("num_batches_tracked").value().item());
    }

    @Test
    void runningStatisticsCarryNoAutodiffHistory() {
        BatchNorm2d bn = new BatchNorm2d(BE, DType.F64, 2);
        bn.forward(x().requiresGrad(true));
        assertNull(bn.namedBuffers().get("running_mean").value().node());
        assertNull(bn.namedBuffers().get("running_var").value().node());
    }

    @Test
    void rejectsOneValuePerChannelInTrainingAndWrongShapes() {
        BatchNorm2d bn = new BatchNorm2d(BE, DType.F64, 2);
        Tensor single = BE.full(1.0, DType.F64, 1, 2, 1, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bn.forward(single));
        assertTrue(e.getMessage().contains("more than 1 value per channel"), e.getMessage());
        assertEquals(0.0, bn.namedBuffers().get("num_batches_tracked").value().item());
        bn.train(false);
        assertArrayEquals(new int[] {1, 2, 1, 1}, bn.forward(single).shape());
        e = assertThrows(IllegalArgumentException.class, () -> bn.forward(BE.full(1.0, DType.F64, 2, 3, 2, 2)));
        assertTrue(e.getMessage().contains("(2, 3, 2, 2)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> bn.forward(BE.full(1.0, DType.F64, 2, 2, 4)));
    }

    private static BatchNorm2d randomised(long seed) {
        BatchNorm2d bn = new BatchNorm2d(BE, DType.F64, 3);
        Tensor g = ModuleGradCheck.normal(BE, seed, 3);
        bn.namedParameters().get("weight").set(g);
        bn.namedParameters().get("bias").set(ModuleGradCheck.normal(BE, seed + 1, 3));
        return bn;
    }

    @Test
    void trainingModeDerivativesFirstAndSecondOrder() {
        BatchNorm2d bn = randomised(10);
        Tensor x = ModuleGradCheck.normal(BE, 12, 2, 3, 3, 2);
        ModuleGradCheck check = new ModuleGradCheck(bn, x, t -> ModuleGradCheck.cubic(bn.forward(t), 13));
        check.first("bn train", 1e-6);
        check.second("bn train", 1e-6, 14);
    }

    @Test
    void evaluationModeDerivativesFirstAndSecondOrder() {
        BatchNorm2d bn = randomised(20);
        bn.forward(ModuleGradCheck.normal(BE, 21, 2, 3, 2, 2)); // move the running statistics off 0 and 1
        bn.train(false);
        Tensor x = ModuleGradCheck.normal(BE, 22, 2, 3, 2, 2);
        ModuleGradCheck check = new ModuleGradCheck(bn, x, t -> ModuleGradCheck.cubic(bn.forward(t), 23));
        check.first("bn eval", 1e-6);
        check.second("bn eval", 1e-6, 24);
    }

    @Test
    void secondOrderFlowsThroughTheBatchStatistics() {
        // with batch statistics, y_i depends on every x_j of its channel: d²f/dx_i dx_j ≠ 0 across samples
        BatchNorm2d bn = randomised(30);
        Tensor x = ModuleGradCheck.normal(BE, 31, 2, 3, 2, 1).requiresGrad(true);
        Tensor g = Autograd.grad(ModuleGradCheck.cubic(bn.forward(x), 32), new Tensor[] {x}, true)[0];
        // d/dx of the gradient's entry for sample 0, channel 0
        Tensor g00 = Ops.slice(Ops.slice(g, 0, 0, 1), 1, 0, 1);
        double[] h = Autograd.grad(Ops.sum(g00), new Tensor[] {x}, false)[0].toDoubles();
        assertTrue(Math.abs(h[6]) > 1e-3, "sample 1, channel 0 couples to sample 0, channel 0: " + h[6]);
        assertEquals(0.0, h[2], 0.0, "channels do not couple");
    }
}
