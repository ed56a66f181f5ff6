package org.dspn4j.autodiff;

import org.dspn4j.tensor.GraphNode;
import org.dspn4j.tensor.Tensor;

/**
 * A vertex of the autodiff graph: the graph's identity of one tensor, holding none of that tensor's
 * data.
 *
 * <p>A tensor computed by a recorded op points to the op's node ({@link Tensor#node()}), and the node
 * points to the <em>nodes</em> of the op's inputs, never to the input tensors. The graph's links
 * therefore keep no values alive: each backward rule captures just the tensors its formula reads
 * (PyTorch's "saved tensors") — matmul's rule keeps the other factor, relu's its own output, add's
 * only the shapes. Once nothing else refers to an intermediate value, the garbage collector frees it
 * even though the graph that led through it is still recorded.
 *
 * <p>A leaf — a tensor that requires gradients but was not computed by a recorded op, such as a
 * parameter — gets a node without a rule the first time an op records it as an input (as PyTorch's
 * AccumulateGrad). That node keeps the leaf tensor, to which {@link Autograd#backward} adds its
 * gradient.
 */
final class Node implements GraphNode {
    /** The op's name, or "leaf". */
    final String op;
    /** The shape of the tensor this node stands for; its gradient has the same shape. */
    final int[] shape;
    /** One per op input: that input's node, or null where the input was a constant (did not require gradients). */
    final Node[] inputs;
    /** The backward rule; null for a leaf; {@link #RELEASED} once a backward that does not retain the graph has used it. */
    Rule rule;
    /** The leaf tensor itself; null for an op. */
    final Tensor leaf;

    Node(String op, int[] shape, Node[] inputs, Rule rule) {
        this(op, shape, inputs, rule, null);
    }

    private Node(String op, int[] shape, Node[] inputs, Rule rule, Tensor leaf) {
        this.op = op;
        this.shape = shape;
        this.inputs = inputs;
        this.rule = rule;
        this.leaf = leaf;
    }

    boolean isLeaf() {
        return rule == null;
    }

    /**
     * The rule of a node whose saved tensors a backward without {@code retainGraph} has let go (as
     * PyTorch frees its graph): differentiating through it again is an error, not a wrong gradient.
     */
    static final Rule RELEASED = (g, needed) -> {
        throw new IllegalStateException("the graph was freed by an earlier backward that did not retain it "
                + "(Autograd.grad with retainGraph false): record the forward again to differentiate it again");
    };

    /** Drops the rule, and with it the tensors it saved (they are garbage once nothing else holds them). */
    void release() {
        if (rule != null) {
            rule = RELEASED;
        }
    }

    /**
     * The node of {@code t}: the op that computed it, the leaf node (created on first use) if {@code t}
     * is a leaf that requires gradients, or null if {@code t} does not require gradients (a constant).
     */
    static Node of(Tensor t) {
        if (t == null || !t.requiresGrad()) {
            return null;
        }
        if (t.node() instanceof Node n) {
            return n;
        }
        Node leaf = new Node("leaf", t.shape(), new Node[0], null, t);
        t.setNode(leaf);
        return leaf;
    }

    /**
     * A backward rule: given the gradient of the op's output, the gradients of its inputs (null
     * where {@code needed[i]} is false). Rules are written with {@link Ops}, so when autodiff records
     * (createGraph) they can themselves be differentiated. A rule captures only what its formula
     * reads — shapes, and the tensors it multiplies the gradient with — never more.
     */
    interface Rule {
        Tensor[] apply(Tensor grad, boolean[] needed);
    }
}
