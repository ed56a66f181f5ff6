package org.dspn4j.gpu;

import java.util.Arrays;

import org.dspn4j.tensor.Shape;

/**
 * A row-major index space of at most {@link #MAX_RANK} dimensions and, for each operand, the
 * element strides that map an index of that space to the operand's arena offset. The engine
 * kernel decomposes a flat index {@code i} over {@link #sizes} and adds {@code i_d * stride_d}
 * (see {@code EngineKernel.offsetOf}); a stride of 0 broadcasts.
 *
 * <p>{@link #of} merges what the kernel need not see: size-1 dimensions are dropped, and two
 * neighbouring dimensions are merged whenever every operand walks them as one (stride of the outer
 * = size × stride of the inner). A (B, C, N) + (B, C, N) sum becomes one dimension; a (B, C, N) +
 * (1, C, 1) broadcast stays three. The result is padded in front with size-1 dimensions to exactly
 * {@link #MAX_RANK}.
 */
final class Geometry {

    /** Dimensions the kernel's index decomposition handles. */
    static final int MAX_RANK = 6;

    /** Sizes, length {@link #MAX_RANK}, leading dimensions 1. */
    final int[] sizes;
    /** Per operand, strides of length {@link #MAX_RANK} (0 on the padding). */
    final int[][] strides;

    private Geometry(int[] sizes, int[][] strides) {
        this.sizes = sizes;
        this.strides = strides;
    }

    /**
     * Merges and pads the index space {@code sizes} walked by operands with the given strides.
     *
     * @throws UnsupportedOperationException when more than {@link #MAX_RANK} dimensions remain
     */
    static Geometry of(int[] sizes, int[]... operandStrides) {
        for (int[] st : operandStrides) {
            if (st.length != sizes.length) {
                throw new IllegalArgumentException("strides " + Arrays.toString(st) + " do not fit sizes " + Shape.str(sizes));
            }
        }
        int ops = operandStrides.length;
        int[] sz = new int[sizes.length];
        int[][] st = new int[ops][sizes.length];
        int rank = 0;
        for (int d = 0; d < sizes.length; d++) {
            if (sizes[d] == 1) {
                continue;
            }
            boolean merge = rank > 0;
            for (int o = 0; merge && o < ops; o++) {
                merge = st[o][rank - 1] == (long) operandStrides[o][d] * sizes[d];
            }
            if (merge) {
                sz[rank - 1] *= sizes[d];
                for (int o = 0; o < ops; o++) {
                    st[o][rank - 1] = operandStrides[o][d];
                }
            } else {
                sz[rank] = sizes[d];
                for (int o = 0; o < ops; o++) {
                    st[o][rank] = operandStrides[o][d];
                }
                rank++;
            }
        }
        if (rank > MAX_RANK) {
            throw new UnsupportedOperationException("the OpenCL backend indexes at most " + MAX_RANK
                    + " dimensions after merging contiguous ones; " + Shape.str(sizes) + " needs " + rank);
        }
        int pad = MAX_RANK - rank;
        int[] outSizes = new int[MAX_RANK];
        Arrays.fill(outSizes, 1);
        System.arraycopy(sz, 0, outSizes, pad, rank);
        int[][] outStrides = new int[ops][MAX_RANK];
        for (int o = 0; o < ops; o++) {
            System.arraycopy(st[o], 0, outStrides[o], pad, rank);
        }
        return new Geometry(outSizes, outStrides);
    }

    /** Number of indices of the space. */
    int numel() {
        return Shape.numel(sizes);
    }

    /**
     * Floats an operand can touch: 1 + Σ (size_d − 1)·stride_d (strides ≥ 0), or 0 for an empty
     * space. Used to check that a strided operand stays inside the arena.
     */
    static long extent(int[] sizes, int[] strides) {
        long e = 1;
        for (int d = 0; d < sizes.length; d++) {
            if (sizes[d] == 0) {
                return 0;
            }
            if (strides[d] < 0) {
                throw new IllegalArgumentException("negative stride in " + Arrays.toString(strides));
            }
            e += (long) (sizes[d] - 1) * strides[d];
        }
        return e;
    }

    /** Row-major strides of {@code shape} aligned to the right of {@code out}, 0 where broadcast (size 1). */
    static int[] broadcastStrides(int[] shape, int[] out) {
        int[] st = Shape.strides(shape);
        int[] r = new int[out.length];
        int off = out.length - shape.length;
        for (int i = 0; i < shape.length; i++) {
            r[i + off] = shape[i] == 1 ? 0 : st[i];
        }
        return r;
    }

    /** Index decomposition of the kernel, in plain Java: the offset of flat index i. */
    static int offsetOf(int i, int[] sizes, int[] strides) {
        int off = 0;
        int r = i;
        for (int d = sizes.length - 1; d > 0; d--) {
            off += (r % sizes[d]) * strides[d];
            r /= sizes[d];
        }
        return off + r * strides[0];
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("Geometry").append(Arrays.toString(sizes));
        for (int[] s : strides) {
            b.append(' ').append(Arrays.toString(s));
        }
        return b.toString();
    }
}
