package org.dspn4j.autodiff;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.dspn4j.tensor.Shape;
import org.dspn4j.tensor.Tensor;

/**
 * Reverse-mode differentiation over the graph that {@link Ops} records, with PyTorch's meaning.
 *
 * <p>Recording is on by default and per thread; {@link #noGrad()} switches it off for a scope.
 * With {@code createGraph = true} the backward pass itself is recorded (every rule is written with
 * {@link Ops}), so the returned gradients can be differentiated again — DSPN's training step needs
 * exactly this: the outer loss differentiates through the inner gradient steps ({@code create_graph=True}
 * in the authors' {@code dspn.py:DSPN.forward} at be3703b; docs/reference-behaviour.md §2).
 */
public final class Autograd {
    private static final ThreadLocal<boolean[]> RECORDING = ThreadLocal.withInitial(() -> new boolean[] {true});

    private Autograd() {
    }

    /** Whether ops record their backward rules on this thread. */
    public static boolean isRecording() {
        return RECORDING.get()[0];
    }

    /** A scope in which nothing is recorded: {@code try (var s = Autograd.noGrad()) { ... }}. */
    public static Scope noGrad() {
        return setRecording(false);
    }

    /** A scope in which recording is on again (e.g. DSPN's decoder inside an evaluation). */
    public static Scope enableGrad() {
        return setRecording(true);
    }

    private static Scope setRecording(boolean on) {
        boolean[] flag = RECORDING.get();
        boolean before = flag[0];
        flag[0] = on;
        return () -> flag[0] = before;
    }

    /** Restores the previous recording state when closed. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Gradients of {@code sum_i <outputs[i], gradOutputs[i]>} with respect to each input.
     *
     * @param outputs     tensors to differentiate
     * @param inputs      tensors to differentiate with respect to (leaves or intermediates)
     * @param gradOutputs one per output, same shapes; null entries mean "ones" (for scalars)
     * @param createGraph record the backward pass so the result can be differentiated again
     * @return one gradient per input; an input the outputs do not depend on, or one that does not
     *         require gradients (a constant to the graph), gets zeros
     */
    public static Tensor[] grad(Tensor[] outputs, Tensor[] inputs, Tensor[] gradOutputs, boolean createGraph) {
        return grad(outputs, inputs, gradOutputs, createGraph, true);
    }

    /**
     * As {@link #grad(Tensor[], Tensor[], Tensor[], boolean)}; with {@code retainGraph} false each node's
     * backward rule — and the tensors it saved — is let go as soon as the pass has used it, as
     * PyTorch's {@code retain_graph=False}: the recorded graph's memory is freed while the gradients
     * are being computed instead of after, and the graph cannot be differentiated again. The
     * gradients are the same either way.
     */
    public static Tensor[] grad(Tensor[] outputs, Tensor[] inputs, Tensor[] gradOutputs, boolean createGraph,
                                boolean retainGraph) {
        if (gradOutputs != null && gradOutputs.length != outputs.length) {
            throw new IllegalArgumentException("grad: " + outputs.length + " outputs but " + gradOutputs.length + " gradOutputs");
        }
        // the graph is walked node by node; a tensor that does not require gradients has no node (null)
        Node[] inputNodes = new Node[inputs.length];
        Set<Node> inputSet = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < inputs.length; i++) {
            inputNodes[i] = Node.of(inputs[i]);
            if (inputNodes[i] != null) {
                inputSet.add(inputNodes[i]);
            }
        }
        Node[] outputNodes = new Node[outputs.length];
        for (int i = 0; i < outputs.length; i++) {
            outputNodes[i] = Node.of(outputs[i]);
        }
        List<Node> order = topologicalOrder(outputNodes, inputSet);
        Map<Node, Tensor> grads = new IdentityHashMap<>();
        Set<Node> relevant = Collections.newSetFromMap(new IdentityHashMap<>());
        relevant.addAll(order);
        try (Scope s = setRecording(createGraph)) {
            for (int i = 0; i < outputs.length; i++) {
                Tensor o = outputs[i];
                Tensor g = gradOutputs == null ? null : gradOutputs[i];
                if (g == null) {
                    if (o.numel() != 1) {
                        throw new IllegalArgumentException("grad: output " + i + " has shape " + Shape.str(o.shape())
                                + "; a gradOutput is needed for non-scalar outputs");
                    }
                    g = Ops.onesLike(o);
                } else if (!Shape.same(g.shape(), o.shape())) {
                    throw new IllegalArgumentException("grad: gradOutput " + Shape.str(g.shape()) + " does not match output "
                            + Shape.str(o.shape()));
                }
                if (relevant.contains(outputNodes[i])) {
                    accumulate(grads, outputNodes[i], g);
                }
            }
            for (int i = order.size() - 1; i >= 0; i--) {
                Node n = order.get(i);
                Tensor g = grads.get(n);
                if (g == null || n.isLeaf()) {
                    continue;
                }
                boolean[] needed = new boolean[n.inputs.length];
                boolean any = false;
                for (int k = 0; k < needed.length; k++) {
                    needed[k] = n.inputs[k] != null && relevant.contains(n.inputs[k]);
                    any |= needed[k];
                }
                if (!any) {
                    continue;
                }
                Tensor[] gi = n.rule.apply(g, needed);
                if (!retainGraph) {
                    n.release();
                }
                for (int k = 0; k < needed.length; k++) {
                    if (needed[k] && (gi.length <= k || gi[k] == null)) {
                        throw new UnsupportedOperationException("no backward rule of '" + n.op + "' for its input " + k);
                    }
                    if (needed[k]) {
                        if (!Shape.same(gi[k].shape(), n.inputs[k].shape)) {
                            throw new IllegalStateException("backward of " + n.op + " gave gradient " + Shape.str(gi[k].shape())
                                    + " for input " + k + " of shape " + Shape.str(n.inputs[k].shape));
                        }
                        accumulate(grads, n.inputs[k], gi[k]);
                    }
                }
                if (!inputSet.contains(n)) {
                    grads.remove(n); // free intermediate gradients as soon as they are consumed
                }
            }
            Tensor[] out = new Tensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                Tensor g = inputNodes[i] == null ? null : grads.get(inputNodes[i]);
                out[i] = g != null ? g : Ops.zerosLike(inputs[i]);
            }
            return out;
        }
    }

    /** Gradient of one scalar output with respect to the inputs. */
    public static Tensor[] grad(Tensor output, Tensor[] inputs, boolean createGraph) {
        return grad(new Tensor[] {output}, inputs, null, createGraph);
    }

    /** Gradient of one scalar output; {@code retainGraph} false frees the graph as it goes (see above). */
    public static Tensor[] grad(Tensor output, Tensor[] inputs, boolean createGraph, boolean retainGraph) {
        return grad(new Tensor[] {output}, inputs, null, createGraph, retainGraph);
    }

    /**
     * Accumulates d(output)/d(leaf) into the {@code grad()} of every leaf that requires gradients,
     * as PyTorch's {@code backward()}; the graph is not recorded.
     */
    public static void backward(Tensor output) {
        List<Tensor> leaves = new ArrayList<>();
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Node> stack = new ArrayDeque<>();
        Node root = Node.of(output);
        if (root != null) {
            stack.push(root);
            seen.add(root);
        }
        while (!stack.isEmpty()) {
            Node n = stack.pop();
            if (n.isLeaf()) {
                leaves.add(n.leaf);
            }
            for (Node in : n.inputs) {
                if (in != null && seen.add(in)) {
                    stack.push(in);
                }
            }
        }
        Tensor[] gs = grad(output, leaves.toArray(new Tensor[0]), false);
        for (int i = 0; i < gs.length; i++) {
            Tensor leaf = leaves.get(i);
            leaf.setGrad(leaf.grad() == null ? gs[i] : Ops.add(leaf.grad(), gs[i]));
        }
    }

    private static void accumulate(Map<Node, Tensor> grads, Node n, Tensor g) {
        Tensor prev = grads.get(n);
        grads.put(n, prev == null ? g : Ops.add(prev, g));
    }

    /**
     * Nodes that lie on a path from an input to an output, in an order where every node comes after
     * the nodes it was computed from.
     */
    private static List<Node> topologicalOrder(Node[] outputs, Set<Node> inputs) {
        Map<Node, Boolean> dependsOnInput = new IdentityHashMap<>();
        List<Node> order = new ArrayList<>();
        // iterative post-order DFS; the graph of a 10-step DSPN unroll is far too deep for recursion
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        for (Node o : outputs) {
            if (o == null || dependsOnInput.containsKey(o)) {
                continue;
            }
            stack.push(new Object[] {o, 0});
            while (!stack.isEmpty()) {
                Object[] top = stack.peek();
                Node n = (Node) top[0];
                int next = (Integer) top[1];
                if (next < n.inputs.length) {
                    top[1] = next + 1;
                    Node p = n.inputs[next];
                    if (p != null && !dependsOnInput.containsKey(p)) {
                        dependsOnInput.put(p, Boolean.FALSE); // on the stack
                        stack.push(new Object[] {p, 0});
                    }
                    continue;
                }
                stack.pop();
                boolean dep = inputs.contains(n);
                for (Node p : n.inputs) {
                    dep |= p != null && Boolean.TRUE.equals(dependsOnInput.get(p));
                }
                dependsOnInput.put(n, dep);
                if (dep) {
                    order.add(n);
                }
            }
        }
        return order;
    }
}
