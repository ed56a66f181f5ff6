package org.dspn4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.dspn4j.model.ModelConfig;
import org.junit.jupiter.api.Test;

/** The heap as the out-of-memory lines and train's heap warning name it. */
class HeapWarningAuditTest {

    /** One decimal of a GiB called 64 and 128 MiB both "0.1 GiB": below 1 GiB the heap is named in MiB. */
    @Test
    void aHeapBelowOneGibIsNamedInMib() {
        assertEquals("64 MiB", Heap.describe(64L << 20));
        assertEquals("128 MiB", Heap.describe(128L << 20));
        assertEquals("1023 MiB", Heap.describe(1023L << 20));
        assertEquals("1.0 GiB", Heap.describe(1L << 30));
        assertEquals("1.5 GiB", Heap.describe(1536L << 20));
        assertEquals("2.0 GiB", Heap.describe(2L << 30));
    }

    /**
     * At the paper's batch 32 the warning said "Use a smaller --batch (32 needs about 1.8 GiB)", as if 32 were
     * smaller than itself; it names the heap this JVM may use as a reader would write it.
     */
    @Test
    void theWarningAtBatch32DoesNotOfferBatch32AsTheSmallerOne() {
        ModelConfig paper = ModelConfig.paper(ModelConfig.Task.CLEVR_BOX, ModelConfig.DecoderKind.DSPN);
        ClevrSource src = ClevrSource.generated(Path.of("x"), 1, 1, 1);
        String w = ClevrExperiment.heapWarning(paper, src, 32, true, 256L << 20);
        assertTrue(w != null && w.startsWith("a training step at batch 32 with the inner steps kept needs about 1.8 GiB "
                + "of heap on the CPU backend, this JVM may use 256 MiB; expect an OutOfMemoryError. Use a smaller --batch "
                + "or a larger heap, e.g. DSPN4J_JAVA_OPTS=-Xmx3g"), w);
        assertFalse(w.contains("32 needs"), w);
        String big = ClevrExperiment.heapWarning(paper, src, 64, false, 1L << 30);
        assertTrue(big != null && big.contains("this JVM may use 1.0 GiB") && big.contains("(32 needs about 1.3 GiB)"), big);
    }
}
