package org.dspn4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.io.NdArray;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/** {@link Weights#load(org.dspn4j.nn.Module, Map)}'s refusal: every problem named, in one line. */
class WeightsLoadTest {
    @Test
    void weightsThatDoNotFitAreRefusedInOneLineWhateverTheirNames() {
        try (CpuBackend be = new CpuBackend(1)) {
            Net net = Net.create(be, ModelConfig.paper(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.DSPN).withSizes(4, 8)
                    .withSetSize(6), new MersenneTwister(1));
            Map<String, NdArray> arrays = new LinkedHashMap<>(Weights.toArrays(net));
            arrays.put("bad\nname\u2028", NdArray.of(new double[] {1}));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Weights.load(net, arrays));
            assertEquals("weights do not fit the model: unknown (1): bad\\u000aname\\u2028", e.getMessage());
            assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\u2028"), e.getMessage());
        }
    }
}
