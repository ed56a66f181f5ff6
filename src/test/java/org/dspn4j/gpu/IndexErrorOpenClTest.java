package org.dspn4j.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Out-of-range gather and scatter indices on OpenCL ({@link ClBackend#checkIndices}): the kernels
 * cannot throw, so they raise the engine's index-error flag; the host reads it at its next read of
 * device data (or before a task graph replays again, or at a host step) and throws the exception
 * every backend throws for that input — in eager mode and in replays of a recorded graph, which never
 * read the flag while recording. The flag is cleared by the read: later ops run normally.
 */
class IndexErrorOpenClTest {
    private static final double[] X = {10, 11, 12, 20, 21, 22};

    @Test
    void eagerGatherThrowsAtTheNextReadThenTheEngineCarriesOn() {
        ClBackend be = new ClBackend(SharedEngine.get());
        Tensor x = be.fromHost(X, DType.F32, 2, 3);
        Tensor bad = be.gather(x, 1, be.fromHost(new double[] {0, 3, 2, -1}, DType.I64, 2, 2));
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, bad::toDoubles);
        assertEquals("gather: index 3 out of range for dimension 1 of size 3", e.getMessage());
        Tensor good = be.gather(x, 1, be.fromHost(new double[] {2, 0, 1, 1}, DType.I64, 2, 2));
        assertArrayEquals(new double[] {12, 10, 21, 21}, good.toDoubles(), 0.0);
    }

    @Test
    void aHostStepChecksFirst() {
        ClBackend be = new ClBackend(SharedEngine.get());
        Tensor x = be.fromHost(X, DType.F32, 6);
        Tensor sum = be.scatterAdd(be.full(0.0, DType.F32, 3), 0, be.fromHost(new double[] {0, 1, 2, 3, 0, 1}, DType.I64, 6), x);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> be.hostStep(sum, in -> in, DType.F32, 3));
        assertEquals("scatterAdd: index 3 out of range for dimension 0 of size 3", e.getMessage());
    }

    @Test
    void aReplayedGatherReportsItsIndexAtTheNextReadOrBeforeTheNextReplay() {
        ClBackend be = new ClBackend(SharedEngine.get());
        Tensor x = be.fromHost(X, DType.F32, 2, 3);
        // the index is an input of the graph (F32, cast to I64 inside): each replay gathers with new indices
        try (ClTaskGraph graph = be.record(in -> new Tensor[] {be.gather(x, 1, be.cast(in[0], DType.I64))}, new int[] {2, 2})) {
            Tensor[] out = graph.replay(be.fromHost(new double[] {2, 1, 0, 2}, DType.F32, 2, 2));
            assertArrayEquals(new double[] {12, 11, 20, 22}, out[0].toDoubles(), 0.0);

            Tensor[] bad = graph.replay(be.fromHost(new double[] {1, 1, 7, 0}, DType.F32, 2, 2));
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, bad[0]::toDoubles);
            assertEquals("gather: index 7 out of range for dimension 1 of size 3", e.getMessage());

            out = graph.replay(be.fromHost(new double[] {0, 0, 1, 1}, DType.F32, 2, 2));
            assertArrayEquals(new double[] {10, 10, 21, 21}, out[0].toDoubles(), 0.0);

            // two replays without a read between: the second checks the first before overwriting its indices
            graph.replay(be.fromHost(new double[] {0, -4, 1, 1}, DType.F32, 2, 2));
            e = assertThrows(IndexOutOfBoundsException.class,
                    () -> graph.replay(be.fromHost(new double[] {0, 0, 0, 0}, DType.F32, 2, 2)));
            assertEquals("gather: index -4 out of range for dimension 1 of size 3", e.getMessage());
            out = graph.replay(be.fromHost(new double[] {1, 2, 2, 1}, DType.F32, 2, 2));
            assertArrayEquals(new double[] {11, 12, 22, 21}, out[0].toDoubles(), 0.0);
        }
    }
}
