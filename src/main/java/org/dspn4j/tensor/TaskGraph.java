package org.dspn4j.tensor;

import java.util.function.Function;

/**
 * A sequence of backend ops with fixed input shapes, recorded once and replayed with new inputs —
 * the DSPN inner loop and a whole training step have static shapes. A device backend keeps the
 * replayed graph's data resident and may fuse its ops; on {@link org.dspn4j.tensor.cpu.CpuBackend} a replay simply runs
 * the ops again ({@link #eager}).
 */
public interface TaskGraph {

    /** Runs the graph on new inputs of the recorded shapes. */
    Tensor[] replay(Tensor... inputs);

    /** The input shapes the graph was recorded with. */
    int[][] inputShapes();

    /**
     * A graph that re-runs {@code body} on every replay, after checking the inputs against the
     * fixed shapes.
     */
    static TaskGraph eager(Function<Tensor[], Tensor[]> body, int[]... inputShapes) {
        int[][] shapes = inputShapes.clone();
        return new TaskGraph() {
            @Override
            public Tensor[] replay(Tensor... inputs) {
                if (inputs.length != shapes.length) {
                    throw new IllegalArgumentException("task graph: " + inputs.length + " inputs, recorded with " + shapes.length);
                }
                for (int i = 0; i < inputs.length; i++) {
                    if (!Shape.same(inputs[i].shape(), shapes[i])) {
                        throw new IllegalArgumentException("task graph: input " + i + " has shape " + Shape.str(inputs[i].shape())
                                + ", the graph was recorded with " + Shape.str(shapes[i]));
                    }
                }
                return body.apply(inputs);
            }

            @Override
            public int[][] inputShapes() {
                return shapes.clone();
            }
        };
    }
}
