package org.dspn4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.dspn4j.tensor.ReferenceBackend;
import org.junit.jupiter.api.Test;

/** The lines a run prints about where it computes, as a reader takes them. */
class BackendLineTest {

    @Test
    void oneThreadIsOneThread() throws Exception {
        String arch = System.getProperty("os.arch");
        try (Compute one = Compute.cpu(1); Compute two = Compute.cpu(2)) {
            assertEquals("1 thread, " + arch, one.deviceLine());
            assertEquals("2 threads, " + arch, two.deviceLine());
        }
        try (Compute ref = Compute.reference()) {
            assertEquals("1 thread, " + arch, ref.deviceLine());
        }
    }

    @Test
    void replayOnTheReferenceBackendNamesIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RecordedTrainStep.graphMode("replay", new ReferenceBackend()));
        assertEquals("--graph replay needs the OpenCL backend (the CPU and reference backends run eagerly)", e.getMessage());
    }
}
