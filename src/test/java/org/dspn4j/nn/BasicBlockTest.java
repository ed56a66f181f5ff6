package org.dspn4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.autodiff.Ops;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * BasicBlock: torchvision's names with and without a projection shortcut, the identity shortcut's
 * value, and first and second derivatives in both batch-norm modes against finite differences.
 */
class BasicBlockTest {
    private static final CpuBackend BE = new CpuBackend(1);

    @AfterAll
    static void close() {
        BE.close();
    }

    /** Every parameter to seeded N(0, 1)·0.7, so that no ReLU sits exactly at a kink and γ, β are not 1, 0. */
    private static void randomise(Module m, long seed) {
        long s = seed;
        for (Parameter p : m.namedParameters().values()) {
            p.set(Ops.scale(ModuleGradCheck.normal(BE, s++, p.shape()), 0.7));
        }
    }

    @Test
    void namesAndShapesWithAndWithoutDownsample() {
        BasicBlock down = new BasicBlock(BE, DType.F32, new MersenneTwister(1), 64, 128, 2);
        assertTrue(down.hasDownsample());
        assertEquals(List.of("conv1.weight", "bn1.weight", "bn1.bias", "conv2.weight", "bn2.weight", "bn2.bias",
                "downsample.0.weight", "downsample.1.weight", "downsample.1.bias"), List.copyOf(down.namedParameters().keySet()));
        Map<String, Parameter> p = down.namedParameters();
        assertArrayEquals(new int[] {128, 64, 3, 3}, p.get("conv1.weight").shape());
        assertArrayEquals(new int[] {128, 128, 3, 3}, p.get("conv2.weight").shape());
        assertArrayEquals(new int[] {128, 64, 1, 1}, p.get("downsample.0.weight").shape());
        assertEquals(9, down.namedBuffers().size()); // three batch norms
        assertArrayEquals(new int[] {1, 128, 5, 5}, down.forward(BE.full(0.1, DType.F32, 1, 64, 9, 9)).shape());

        BasicBlock same = new BasicBlock(BE, DType.F32, new MersenneTwister(1), 64, 64, 1);
        assertFalse(same.hasDownsample());
        assertEquals(6, same.namedParameters().size());
        assertTrue(new BasicBlock(BE, DType.F32, new MersenneTwister(1), 32, 64, 1).hasDownsample(), "channel change");
    }

    @Test
    void identityShortcutAddsTheInputBeforeTheLastRelu() {
        // with γ2 = 0 and β2 = 0 the residual branch is zero, so the block is relu(x)
        BasicBlock b = new BasicBlock(BE, DType.F64, new MersenneTwister(2), 3, 3, 1);
        b.namedParameters().get("bn2.weight").set(BE.full(0.0, DType.F64, 3));
        Tensor x = ModuleGradCheck.normal(BE, 3, 2, 3, 4, 4);
        assertArrayEquals(Ops.relu(x).toDoubles(), b.forward(x).toDoubles(), 0.0);
    }

    @Test
    void derivativesWithDownsampleInTrainingMode() {
        BasicBlock b = new BasicBlock(BE, DType.F64, new MersenneTwister(4), 2, 3, 2);
        randomise(b, 40);
        Tensor x = ModuleGradCheck.normal(BE, 5, 2, 2, 5, 5);
        ModuleGradCheck check = new ModuleGradCheck(b, x, t -> ModuleGradCheck.cubic(b.forward(t), 6));
        check.first("block train", 1e-6);
        check.second("block train", 1e-6, 7);
    }

    @Test
    void derivativesWithIdentityInEvaluationMode() {
        BasicBlock b = new BasicBlock(BE, DType.F64, new MersenneTwister(8), 2, 2, 1);
        randomise(b, 80);
        b.forward(ModuleGradCheck.normal(BE, 9, 2, 2, 3, 3)); // running statistics off their initial values
        b.train(false);
        Tensor x = ModuleGradCheck.normal(BE, 10, 2, 2, 3, 3);
        ModuleGradCheck check = new ModuleGradCheck(b, x, t -> ModuleGradCheck.cubic(b.forward(t), 11));
        check.first("block eval", 1e-6);
        check.second("block eval", 1e-6, 12);
    }
}
