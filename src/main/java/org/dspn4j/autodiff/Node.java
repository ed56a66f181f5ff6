package org.dspn4j.autodiff;

import org.dspn4j.tensor.GraphNode;
import org.dspn4j.tensor.Tensor;

/** One recorded op: its name, its differentiable inputs and its backward rule. */
final class Node implements GraphNode {
    final String op;
    final Tensor[] inputs;
    final Rule rule;

    Node(String op, Tensor[] inputs, Rule rule) {
        this.op = op;
        this.inputs = inputs;
        this.rule = rule;
    }

    /**
     * A backward rule: given the gradient of the op's output, the gradients of its inputs (null
     * where {@code needed[i]} is false). Rules are written with {@link Ops}, so when autodiff records
     * (createGraph) they can themselves be differentiated.
     */
    interface Rule {
        Tensor[] apply(Tensor grad, boolean[] needed);
    }
}
