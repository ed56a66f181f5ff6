package org.dspn4j.io.torch;

import org.dspn4j.io.NdArray;

/**
 * A tensor of a {@code torch.save} file ({@code torch._utils._rebuild_tensor_v2}), or an
 * {@code nn.Parameter} ({@code _rebuild_parameter}): a view of a {@link TorchStorage} given by an
 * element offset, a shape and strides. {@link #array()} holds its elements in C order, copied out of
 * the storage with the offset and strides applied, so views, transposes and expanded (stride 0)
 * tensors read as PyTorch shows them.
 */
public final class TorchTensor {
    private final TorchStorage storage;
    private final long offset;
    private final int[] shape;
    private final long[] stride;
    private final boolean requiresGrad;
    private final boolean parameter;
    private NdArray array;

    TorchTensor(TorchStorage storage, long offset, int[] shape, long[] stride, boolean requiresGrad, boolean parameter) {
        this.storage = storage;
        this.offset = offset;
        this.shape = shape;
        this.stride = stride;
        this.requiresGrad = requiresGrad;
        this.parameter = parameter;
    }

    /** The same view as an {@code nn.Parameter}. */
    TorchTensor asParameter(boolean grad) {
        return new TorchTensor(storage, offset, shape, stride, grad, true);
    }

    /** The elements in C order (dtype as {@link TorchStorage} describes). Not a copy: do not write to it. */
    public NdArray array() {
        if (array == null) {
            throw new IllegalStateException("tensor read before its storage");
        }
        return array;
    }

    /** A copy of the shape. */
    public int[] shape() {
        return shape.clone();
    }

    /** Strides in elements, as saved. */
    public long[] stride() {
        return stride.clone();
    }

    /** The element offset into the storage, as saved. */
    public long storageOffset() {
        return offset;
    }

    public TorchStorage storage() {
        return storage;
    }

    /** PyTorch's dtype name, e.g. {@code float32}. */
    public String dtype() {
        return storage.type().dtype();
    }

    /** The device the file names for the storage (read onto the host regardless). */
    public String location() {
        return storage.location();
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Whether it was saved as an {@code nn.Parameter}. */
    public boolean parameter() {
        return parameter;
    }

    /** Number of elements. */
    public long numel() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /**
     * Checks that every element the view reaches lies inside its storage.
     *
     * @return null if so, else the problem
     */
    String checkBounds() {
        long last = offset;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 0) {
                return null; // no elements
            }
        }
        try {
            for (int i = 0; i < shape.length; i++) {
                last = Math.addExact(last, Math.multiplyExact((long) shape[i] - 1, stride[i]));
            }
        } catch (ArithmeticException e) {
            return "offset and strides overflow";
        }
        if (last >= storage.size()) {
            return "reaches element " + last + " of a storage of " + storage.size();
        }
        return null;
    }

    /** Copies the elements out of the (loaded) storage. */
    void materialize() {
        array = gather(storage, offset, shape, stride);
    }

    /** The elements of a view of a loaded storage, in C order; bounds must have been checked. */
    static NdArray gather(TorchStorage s, long offset, int[] shape, long[] stride) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        Object src = s.rootData();
        long base = s.rootOffset() + offset;
        int[] idx = new int[shape.length];
        long at = base;
        switch (s.type().held()) {
            case F4: {
                float[] a = (float[]) src;
                float[] out = new float[n];
                for (int i = 0; i < n; i++) {
                    out[i] = a[(int) at];
                    at = step(idx, shape, stride, at);
                }
                return NdArray.of(out, shape);
            }
            case F8: {
                double[] a = (double[]) src;
                double[] out = new double[n];
                for (int i = 0; i < n; i++) {
                    out[i] = a[(int) at];
                    at = step(idx, shape, stride, at);
                }
                return NdArray.of(out, shape);
            }
            case I8: {
                long[] a = (long[]) src;
                long[] out = new long[n];
                for (int i = 0; i < n; i++) {
                    out[i] = a[(int) at];
                    at = step(idx, shape, stride, at);
                }
                return NdArray.of(out, shape);
            }
            case I4: {
                int[] a = (int[]) src;
                int[] out = new int[n];
                for (int i = 0; i < n; i++) {
                    out[i] = a[(int) at];
                    at = step(idx, shape, stride, at);
                }
                return NdArray.of(out, shape);
            }
            case B1: {
                boolean[] a = (boolean[]) src;
                boolean[] out = new boolean[n];
                for (int i = 0; i < n; i++) {
                    out[i] = a[(int) at];
                    at = step(idx, shape, stride, at);
                }
                return NdArray.of(out, shape);
            }
            default: {
                byte[] a = (byte[]) src;
                byte[] out = new byte[n];
                for (int i = 0; i < n; i++) {
                    out[i] = a[(int) at];
                    at = step(idx, shape, stride, at);
                }
                return NdArray.ofUnsignedBytes(out, shape);
            }
        }
    }

    /** Advances the multi-index {@code idx} in C order and returns the storage position of the next element. */
    private static long step(int[] idx, int[] shape, long[] stride, long at) {
        for (int d = idx.length - 1; d >= 0; d--) {
            if (++idx[d] < shape[d]) {
                return at + stride[d];
            }
            at -= stride[d] * (shape[d] - 1);
            idx[d] = 0;
        }
        return at;
    }

    @Override
    public String toString() {
        return Py.repr(this);
    }
}
