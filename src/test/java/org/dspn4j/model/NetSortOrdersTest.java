package org.dspn4j.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.set.Dspn;
import org.dspn4j.tensor.ReferenceBackend;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/**
 * Which models' DSPN keeps its recomputed steps' sort orders and costlier products' results (trades of
 * memory for time, docs/measurements.md): MNIST's, whose step saves half its sorting and a pass of its
 * encoder's layers after the first, and not CLEVR's, whose step gained no measurable time from the sort orders.
 */
class NetSortOrdersTest {
    @Test
    void mnistKeepsTheSortOrdersAndProductsAndClevrDoesNot() {
        try (CpuBackend be = new CpuBackend(1)) {
            Net mnist = Net.create(be, ModelConfig.paper(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.DSPN), new MersenneTwister(1));
            assertTrue(((Dspn) mnist.decoder()).keepSortOrders());
            assertTrue(((Dspn) mnist.decoder()).keepProducts());
            // on another backend (OpenCL's arena has no room for them at its default size) the products are computed again
            Net elsewhere = Net.create(new ReferenceBackend(), ModelConfig.paper(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.DSPN),
                    new MersenneTwister(1));
            assertTrue(((Dspn) elsewhere.decoder()).keepSortOrders());
            assertFalse(((Dspn) elsewhere.decoder()).keepProducts());
            for (ModelConfig.Task task : new ModelConfig.Task[] {ModelConfig.Task.CLEVR_STATE, ModelConfig.Task.CLEVR_BOX}) {
                Net clevr = Net.create(be, ModelConfig.paper(task, ModelConfig.DecoderKind.DSPN), new MersenneTwister(1));
                assertFalse(((Dspn) clevr.decoder()).keepSortOrders(), task.toString());
                assertFalse(((Dspn) clevr.decoder()).keepProducts(), task.toString());
            }
        }
    }
}
