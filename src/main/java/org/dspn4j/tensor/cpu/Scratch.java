package org.dspn4j.tensor.cpu;

/**
 * Each thread's scratch arrays, by slot, kept between calls instead of allocated (and zeroed by the JVM)
 * on every call: the products' packed panels, the convolutions' im2col matrices, matmulBatchSum's chunk
 * of products. An array is reused where it is of the type and at least the length asked for, and it is
 * not zeroed, so its user writes every element it reads; the padding rows of a packed A panel, left as
 * the last product wrote them, reach only the rows of an edge tile that are not stored (a tile's row i
 * reads only A's row i, its column j only B's column j). One slot is held by one user at a time: a
 * product's tasks hold {@link #B_PANEL} only while they compute their own tiles, the caller holds
 * {@link #A_PANELS} across its product, and the ops that call products hold {@link #MATRIX} and
 * {@link #REGROUPED} around them; no tile computation starts another product.
 */
final class Scratch {
    /** A product task's packed B panel (panels, for the convolution's input gradient; a task's tile sums, for its weight gradient on vectors). */
    static final int B_PANEL = 0;
    /** A product's packed A panels (a convolution's packed weights). */
    static final int A_PANELS = 1;
    /** An op's matrix around its products: an im2col matrix, matmulBatchSum's chunk of products, the convolution's gyᵀ. */
    static final int MATRIX = 2;
    /** A convolution's images regrouped as one matrix (its output's or its gradient's), or its input with zeros around each plane. */
    static final int REGROUPED = 3;

    private static final ThreadLocal<Object[]> HELD = ThreadLocal.withInitial(() -> new Object[4]);

    private Scratch() {
    }

    /** The calling thread's array in this slot: a float[] (f32) or double[] of at least {@code length} elements. */
    static Object of(int slot, boolean f32, int length) {
        Object[] held = HELD.get();
        Object a = held[slot];
        boolean fits = f32 ? a instanceof float[] f && f.length >= length : a instanceof double[] d && d.length >= length;
        if (!fits) {
            a = f32 ? new float[length] : new double[length];
            held[slot] = a;
        }
        return a;
    }

    /** Lets the calling thread's arrays go (a pool's threads let theirs go when they end). */
    static void release() {
        HELD.remove();
    }
}
