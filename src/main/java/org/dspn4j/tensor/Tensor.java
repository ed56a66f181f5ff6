package org.dspn4j.tensor;

import java.util.Arrays;

/**
 * An n-dimensional array living on a {@link Backend}. Tensors are immutable values: every op
 * returns a new tensor, and optimisers replace a parameter's tensor instead of writing into it. A
 * tensor must never assume that a host copy is current: the data lives wherever its backend keeps it
 * (a Java array for {@link ReferenceBackend}, the op set's definition, and for the fast CPU backend; a device arena
 * for the OpenCL backend); {@link #toDoubles()} asks the backend for a host copy.
 *
 * <p>The autodiff fields ({@code requiresGrad}, its vertex in the graph, a {@link GraphNode}, an accumulated
 * {@code grad}) are set by {@code org.dspn4j.autodiff}.
 */
public final class Tensor {
    private final Backend backend;
    private final DType dtype;
    private final int[] shape;
    private final Object storage;

    private boolean requiresGrad;
    private GraphNode node;
    private Tensor grad;

    /** For backends only: wraps storage the backend allocated. */
    public Tensor(Backend backend, DType dtype, int[] shape, Object storage) {
        this.backend = backend;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.storage = storage;
    }

    public Backend backend() {
        return backend;
    }

    public DType dtype() {
        return dtype;
    }

    /** A copy of the shape. */
    public int[] shape() {
        return shape.clone();
    }

    /** Size of dimension {@code d} (negative counts from the end). */
    public int size(int d) {
        return shape[Shape.dim("size", d, shape.length)];
    }

    public int rank() {
        return shape.length;
    }

    public int numel() {
        return Shape.numel(shape);
    }

    /** Backend-owned storage; only backends may interpret it. */
    public Object storage() {
        return storage;
    }

    /** A host copy of the values in row-major order. */
    public double[] toDoubles() {
        return backend.toHost(this);
    }

    /** A host copy rounded to float. */
    public float[] toFloats() {
        double[] d = toDoubles();
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    /** The single value of a one-element tensor. */
    public double item() {
        if (numel() != 1) {
            throw new IllegalStateException("item() needs a one-element tensor, got shape " + Shape.str(shape));
        }
        return toDoubles()[0];
    }

    // ---- autodiff bookkeeping (used by org.dspn4j.autodiff) ----

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf as needing gradients; returns this. */
    public Tensor requiresGrad(boolean value) {
        if (value && !dtype.isFloating()) {
            throw new IllegalArgumentException("only floating tensors can require gradients, got " + dtype);
        }
        this.requiresGrad = value;
        return this;
    }

    public GraphNode node() {
        return node;
    }

    /** Records this tensor's vertex in the autodiff graph (autodiff only); it then requires gradients. */
    public void setNode(GraphNode node) {
        this.node = node;
        this.requiresGrad = node != null || requiresGrad;
    }

    /** The gradient accumulated by {@code backward()}, or null. */
    public Tensor grad() {
        return grad;
    }

    public void setGrad(Tensor grad) {
        this.grad = grad;
    }

    /** A tensor with the same data and no autodiff history. */
    public Tensor detach() {
        return new Tensor(backend, dtype, shape, storage);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("Tensor").append(Shape.str(shape)).append(' ').append(dtype);
        if (numel() <= 16) {
            b.append(' ').append(Arrays.toString(toDoubles()));
        }
        return b.toString();
    }
}
