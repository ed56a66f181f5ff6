package org.dspn4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.apache.commons.math3.random.MersenneTwister;
import org.apache.commons.math3.stat.descriptive.SummaryStatistics;
import org.dspn4j.nn.Parameter;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.DType;
import org.junit.jupiter.api.Test;

/**
 * Initialisation as the authors' ({@code dspn/model.py:Net.__init__} at be3703b;
 * docs/reference-behaviour.md §4): Xavier-uniform weights, zero biases, FSPool N(0,1),
 * Ŷ(0) ~ U[0,1), m(0) = 0.5.
 */
class InitTest {
    @Test
    void mnistDspnIsInitialisedAsTheAuthors() {
        try (CpuBackend be = new CpuBackend(1)) {
            Net net = new Net(be, ModelConfig.paper(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.DSPN).withDtype(DType.F64),
                    new MersenneTwister(3), null);
            Map<String, Parameter> p = net.namedParameters();
            // conv.2: 256 -> 256, Xavier bound sqrt(6/512)
            double bound = Math.sqrt(6.0 / 512);
            SummaryStatistics w = stats(p.get("set_encoder.conv.2.weight"));
            assertTrue(w.getMax() <= bound && w.getMin() >= -bound, "Xavier bound");
            assertEquals(bound / Math.sqrt(3), w.getStandardDeviation(), 0.02 * bound, "uniform spread");
            for (String b : new String[] {"set_encoder.conv.0.bias", "set_encoder.conv.2.bias", "set_encoder.conv.4.bias"}) {
                assertEquals(0.0, Math.max(Math.abs(stats(p.get(b)).getMax()), Math.abs(stats(p.get(b)).getMin())), 0.0, b);
            }
            SummaryStatistics fs = stats(p.get("set_encoder.pool.weight"));
            assertEquals(0.0, fs.getMean(), 0.15);
            assertEquals(1.0, fs.getStandardDeviation(), 0.15);
            SummaryStatistics s0 = stats(p.get("set_decoder.starting_set"));
            assertTrue(s0.getMin() >= 0 && s0.getMax() < 1 && Math.abs(s0.getMean() - 0.5) < 0.05);
            SummaryStatistics m0 = stats(p.get("set_decoder.starting_mask"));
            assertEquals(0.5, m0.getMin(), 0.0);
            assertEquals(0.5, m0.getMax(), 0.0);
        }
    }

    private static SummaryStatistics stats(Parameter p) {
        SummaryStatistics s = new SummaryStatistics();
        for (double v : p.value().toDoubles()) {
            s.addValue(v);
        }
        return s;
    }
}
