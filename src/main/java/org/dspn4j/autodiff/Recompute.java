package org.dspn4j.autodiff;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Shape;
import org.dspn4j.tensor.Tensor;

/**
 * Recomputation instead of storage (PyTorch's {@code torch.utils.checkpoint}): a function whose
 * recorded graph would keep many tensors alive is recorded as <em>one</em> node that keeps only the
 * function's inputs. Its backward rule runs the function again, recording, and differentiates that
 * fresh graph; the graph is garbage again as soon as the rule returns. Memory: one call's graph at a
 * time instead of every call's graph at once. Time: the function runs twice.
 *
 * <p>DSPN's training step is the case in point: the outer loss differentiates through all T inner
 * gradient steps, and each step's recorded graph (the encoder's forward and its createGraph backward)
 * holds the encoder's activations and their gradients — most of the step's memory. With each inner
 * step recorded through {@link #call}, only the sets and masks between the steps are kept
 * ({@code org.dspn4j.set.Dspn}).
 *
 * <p>The values are those of calling {@code f} directly, bit for bit. The gradients are the same
 * sums with the terms grouped per call (a parameter's gradient adds up each call's total instead of
 * every term in one sequence), so they agree with the directly recorded graph to rounding, not
 * always to the bit. A rule run while recording (a createGraph backward) records the recomputation
 * too, linked to the real inputs, so higher derivatives are right.
 *
 * <p>Sort orders need not be computed twice: with {@code keepSortOrders}, each {@link Ops#argsort} of
 * f's first run is kept by the node and handed back, in the same order, to the same call of the
 * second run ({@link #indices}), whose input is the same tensor bit for bit, so the result would be
 * too (FSPool sorts in every inner step of DSPN). The kept orders cost the memory of one index tensor
 * per sort until the backward. With a product {@link Budget} the same holds for the results of the
 * layers' products that take at least {@link #KEPT_PRODUCT_K} multiply-adds per element ({@link
 * #product}; MNIST's set encoder's layers after the first, not the first, which reads a point's three channels):
 * the second run records them without computing them again, for the memory of those results until
 * the node's backward has run.
 *
 * <p>Contract: {@code f} is deterministic and has no side effects (it runs twice), and every tensor
 * it reads that requires gradients is among {@code inputs} or {@code captured} (the parameters it
 * uses). A recomputation that reaches any other such tensor is refused rather than giving it no
 * gradient.
 */
public final class Recompute {
    private Recompute() {
    }

    /**
     * Results of one kind that a run of a recomputed function keeps (its first run) or is handed back
     * (its second), in the order of the calls.
     */
    private static final class Kept {
        final List<Tensor> results;
        /** How the messages name the kind: "sort orders", "sorts a tensor". */
        final String plural;
        final String computing;
        /** Whether each result is handed out as a fresh tensor (for a caller that records it as an op's output). */
        final boolean fresh;
        /** What may still be kept (null: no limit); a result that does not fit is an empty slot, computed again. */
        final Budget budget;
        int next;

        Kept(List<Tensor> results, String plural, String computing, boolean fresh, Budget budget) {
            this.results = results;
            this.plural = plural;
            this.computing = computing;
            this.fresh = fresh;
            this.budget = budget;
        }

        /**
         * compute's result, kept when the budget allows (a first run), or the next kept one (a second run;
         * computed again where its slot is empty), refused where the runs differ.
         */
        Tensor take(boolean replay, int[] shape, Supplier<Tensor> compute) {
            if (!replay) {
                Tensor t = compute.get();
                boolean keep = budget == null || budget.spend((t.dtype() == DType.F32 ? 4L : 8L) * t.numel());
                results.add(!keep ? null : fresh ? t.detach() : t);
                return t;
            }
            if (next >= results.size()) {
                throw new IllegalStateException("Recompute: the function's second run computes more " + plural
                        + " than its first (" + results.size() + "): it is not deterministic");
            }
            Tensor t = results.get(next++);
            if (t == null) {
                return compute.get();
            }
            if (!Arrays.equals(t.shape(), shape)) {
                throw new IllegalStateException("Recompute: the function's second run " + computing + " of shape "
                        + Shape.str(shape) + " where its first did one of shape " + Shape.str(t.shape()) + ": it is not deterministic");
            }
            return fresh ? t.detach() : t;
        }

        /** Refuses a second run that took fewer results than the first kept. */
        void requireAllTaken() {
            if (next != results.size()) {
                throw new IllegalStateException("Recompute: the function's second run computes " + next + " " + plural
                        + " where its first computed " + results.size() + ": it is not deterministic");
            }
        }
    }

    /**
     * The memory that the product results kept by recomputed calls may take, shared by the calls of one
     * training step (DSPN's T inner steps): each result is kept only while the bytes it takes (4 an
     * element in F32, 8 in the other dtypes) fit in what is left, first come first kept.
     */
    public static final class Budget {
        private long left;

        /** @param bytes the most the kept results may take */
        public Budget(long bytes) {
            this.left = bytes;
        }

        boolean spend(long bytes) {
            if (bytes > left) {
                return false;
            }
            left -= bytes;
            return true;
        }
    }

    /** What one run of a recomputed function keeps or is handed back: sort orders, product results (null: not kept). */
    private record Run(Kept orders, Kept products, boolean replay) {
    }

    /** The innermost recomputed function running on this thread, or null. */
    private static final ThreadLocal<Run> RUNNING = new ThreadLocal<>();

    /** Multiply-adds per element from which {@link #product} keeps a product's result. */
    static final int KEPT_PRODUCT_K = 32;

    /**
     * An index result of shape {@code shape} that no gradient flows through (a sort order): {@code
     * compute}'s, kept when a recomputed function runs for its values, and the kept values when it runs
     * again in the backward. A second run that asks for a result its first did not compute, or for
     * one of another shape, is refused: the function was not deterministic.
     */
    static Tensor indices(int[] shape, Supplier<Tensor> compute) {
        Run run = RUNNING.get();
        return run == null || run.orders() == null ? compute.get() : run.orders().take(run.replay(), shape, compute);
    }

    /**
     * A product's result of shape {@code shape}, each element k multiply-adds: {@code compute}'s, kept
     * when a recomputed function that keeps products runs for its values and k ≥ {@link
     * #KEPT_PRODUCT_K}, and the kept values (a fresh tensor, for the caller to record) when it runs
     * again in the backward. Refused as in {@link #indices} when the second run differs from the first.
     */
    static Tensor product(int[] shape, int k, Supplier<Tensor> compute) {
        Run run = RUNNING.get();
        return run == null || run.products() == null || k < KEPT_PRODUCT_K ? compute.get()
                : run.products().take(run.replay(), shape, compute);
    }

    /** The keeping of sort orders (budget null) or of products in {@code results}, or null where results is null. */
    private static Kept kept(List<Tensor> results, boolean products, Budget budget) {
        return results == null ? null : products ? new Kept(results, "products", "computes a product", true, budget)
                : new Kept(results, "sort orders", "sorts a tensor", false, null);
    }

    /** {@code f(in)} with {@code run} as what the running function keeps or is handed back (null: nothing). */
    private static Tensor[] running(Run run, Function<Tensor[], Tensor[]> f, Tensor[] in) {
        Run outer = RUNNING.get();
        RUNNING.set(run);
        try {
            return f.apply(in);
        } finally {
            RUNNING.set(outer);
        }
    }

    /**
     * {@code f(inputs)}, recorded as one node that recomputes {@code f} in its backward.
     *
     * @param f        floating outputs of any shapes; called with tensors that hold the inputs' values
     * @param inputs   the tensors {@code f} is a function of (kept by the node)
     * @param captured leaves that {@code f} reads without taking them as arguments, such as the
     *                 parameters of the modules it runs; they get their gradients through the node
     * @return f's outputs (the values of a direct call); differentiable while recording
     */
    public static Tensor[] call(Function<Tensor[], Tensor[]> f, Tensor[] inputs, List<Tensor> captured) {
        return call(f, inputs, captured, false);
    }

    /**
     * As {@link #call(Function, Tensor[], List)}, and with {@code keepSortOrders} the node keeps the
     * sort orders of f's first run for its second, which then sorts nothing.
     */
    public static Tensor[] call(Function<Tensor[], Tensor[]> f, Tensor[] inputs, List<Tensor> captured,
                                boolean keepSortOrders) {
        return call(f, inputs, captured, keepSortOrders, null);
    }

    /**
     * As {@link #call(Function, Tensor[], List, boolean)}, and with a {@code budget} for products (null: none)
     * the node also keeps the results of f's costlier products ({@link #product}) that fit in it for its
     * second run, which then records them without computing them; they are let go once that run is over.
     */
    public static Tensor[] call(Function<Tensor[], Tensor[]> f, Tensor[] inputs, List<Tensor> captured,
                                boolean keepSortOrders, Budget budget) {
        if (!Autograd.isRecording()) {
            return f.apply(inputs);
        }
        // the values: f on copies without history, recorded as it would be (so the same kernels run), then let go
        Tensor[] detached = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            detached[i] = inputs[i].detach().requiresGrad(inputs[i].requiresGrad());
        }
        List<Tensor> orders = keepSortOrders ? new ArrayList<>() : null;
        List<Tensor> products = budget != null ? new ArrayList<>() : null;
        Tensor[] values = running(orders != null || products != null
                ? new Run(kept(orders, false, null), kept(products, true, budget), false) : null, f, detached);
        int[][] shapes = new int[values.length][];
        Tensor[] flat = new Tensor[values.length];
        Backend be = inputs[0].backend();
        for (int i = 0; i < values.length; i++) {
            shapes[i] = values[i].shape();
            flat[i] = be.reshape(values[i].detach(), values[i].numel());
        }
        // one node stands for all outputs: their values side by side in one vector, each output a slice of it
        Tensor packed = be.concat(0, flat);
        Tensor[] nodeInputs = new Tensor[inputs.length + captured.size()];
        System.arraycopy(inputs, 0, nodeInputs, 0, inputs.length);
        for (int i = 0; i < captured.size(); i++) {
            nodeInputs[inputs.length + i] = captured.get(i);
        }
        Tensor[] keptInputs = inputs.clone();
        Tensor[] keptCaptured = captured.toArray(new Tensor[0]);
        packed = Ops.record(packed, "recompute", nodeInputs,
                (g, needed) -> backward(f, keptInputs, keptCaptured, orders, products, shapes, g));
        return unpack(packed, shapes);
    }

    /** The tensors of these shapes that lie side by side in the vector {@code flat}, each a (recorded) slice of it. */
    private static Tensor[] unpack(Tensor flat, int[][] shapes) {
        Tensor[] out = new Tensor[shapes.length];
        int at = 0;
        for (int i = 0; i < shapes.length; i++) {
            int n = Shape.numel(shapes[i]);
            out[i] = Ops.reshape(Ops.slice(flat, 0, at, at + n), shapes[i]);
            at += n;
        }
        return out;
    }

    /**
     * The rule: f again, recording, with its first run's sort orders and products, and the gradient of
     * its outputs against g's slices. The products are let go after this run: a later run of the rule
     * (a graph's backward taken twice) computes them again.
     */
    private static Tensor[] backward(Function<Tensor[], Tensor[]> f, Tensor[] inputs, Tensor[] captured, List<Tensor> orders,
                                     List<Tensor> products, int[][] shapes, Tensor g) {
        boolean createGraph = Autograd.isRecording();
        Tensor[] gradOutputs = unpack(g, shapes);
        Tensor[] wrt = new Tensor[inputs.length + captured.length];
        Tensor[] outputs;
        try (Autograd.Scope s = Autograd.enableGrad()) {
            for (int i = 0; i < inputs.length; i++) {
                // a fresh node per input: the gradient stops there (the inputs themselves may depend on each other);
                // when this backward is recorded it links to the real input, so the result can be differentiated again
                wrt[i] = !inputs[i].requiresGrad() ? inputs[i]
                        : createGraph ? Ops.reshape(inputs[i], inputs[i].shape()) : inputs[i].detach().requiresGrad(true);
            }
            // products already let go by an earlier run of this rule are computed again
            List<Tensor> handed = products == null || products.isEmpty() ? null : products;
            Run again = orders == null && handed == null ? null : new Run(kept(orders, false, null), kept(handed, true, null), true);
            outputs = running(again, f, wrt.clone());
            if (again != null && again.orders() != null) {
                again.orders().requireAllTaken();
            }
            if (handed != null) {
                again.products().requireAllTaken();
                handed.clear();
            }
        }
        System.arraycopy(captured, 0, wrt, inputs.length, captured.length);
        requireDeclared(outputs, wrt);
        return Autograd.grad(outputs, wrt, gradOutputs, createGraph, createGraph);
    }

    /** Refuses a recomputed graph that reaches a tensor requiring gradients other than {@code declared}. */
    private static void requireDeclared(Tensor[] outputs, Tensor[] declared) {
        Set<Node> stop = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Tensor t : declared) {
            Node n = Node.of(t);
            if (n != null) {
                stop.add(n);
            }
        }
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Node> todo = new ArrayDeque<>();
        for (Tensor o : outputs) {
            Node n = Node.of(o);
            if (n != null && seen.add(n)) {
                todo.push(n);
            }
        }
        while (!todo.isEmpty()) {
            Node n = todo.pop();
            if (stop.contains(n)) {
                continue;
            }
            if (n.isLeaf()) {
                throw new IllegalStateException("Recompute: the function reads a tensor of shape " + Shape.str(n.shape)
                        + " that requires gradients but is neither an input nor captured: it would get no gradient");
            }
            for (Node p : n.inputs) {
                if (p != null && seen.add(p)) {
                    todo.push(p);
                }
            }
        }
    }
}
