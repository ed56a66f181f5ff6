package org.dspn4j.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * An n-dimensional array as numpy stores it: a dtype, a shape and the elements flat in C order
 * (row-major: for shape {@code (d0, d1, d2)} element {@code [i][j][k]} is at
 * {@code (i*d1 + j)*d2 + k}). A shape of length 0 is a scalar with one element.
 *
 * <p><b>Storage.</b> The elements live in one primitive array whose type matches the dtype:
 * <pre>
 *   F4 float[]    F8 double[]    I4 int[]    I8 long[]    U1 byte[] (read as unsigned)    B1 boolean[]
 * </pre>
 * so every value round-trips exactly. The factories take ownership of the array they are given
 * (no copy), and the typed accessors ({@link #doubles()}, {@link #floats()}, ...) return that same
 * array: writing to it changes this NdArray. {@link #getDouble(int)} and {@link #toDoubles()} read
 * any dtype. The shape is copied in and out, so it cannot change.
 */
public final class NdArray {

    /** Element types, with their numpy descriptor as written to a {@code .npy} header. */
    public enum DType {
        F4("<f4", 4), F8("<f8", 8), I4("<i4", 4), I8("<i8", 8), U1("|u1", 1), B1("|b1", 1);

        private final String descr;
        private final int itemSize;

        DType(String descr, int itemSize) {
            this.descr = descr;
            this.itemSize = itemSize;
        }

        /** numpy's descriptor, e.g. {@code "<f8"}. */
        public String descr() {
            return descr;
        }

        /** Bytes per element. */
        public int itemSize() {
            return itemSize;
        }
    }

    private final DType dtype;
    private final int[] shape;
    private final Object data;
    private final int size;

    private NdArray(DType dtype, int[] shape, Object data, int dataLength) {
        this.dtype = dtype;
        this.shape = shape.clone();
        this.data = data;
        this.size = checkedSize(this.shape);
        if (size != dataLength) {
            throw new IllegalArgumentException("shape " + Arrays.toString(this.shape) + " needs " + size
                    + " elements but the " + dtype + " data has " + dataLength);
        }
    }

    // ---------------------------------------------------------------- factories

    /** A {@code <f4} array; takes ownership of {@code data}. */
    public static NdArray of(float[] data, int... shape) {
        return new NdArray(DType.F4, shape, Objects.requireNonNull(data, "data"), data.length);
    }

    /** A {@code <f8} array; takes ownership of {@code data}. */
    public static NdArray of(double[] data, int... shape) {
        return new NdArray(DType.F8, shape, Objects.requireNonNull(data, "data"), data.length);
    }

    /** A {@code <i4} array; takes ownership of {@code data}. */
    public static NdArray of(int[] data, int... shape) {
        return new NdArray(DType.I4, shape, Objects.requireNonNull(data, "data"), data.length);
    }

    /** A {@code <i8} array; takes ownership of {@code data}. */
    public static NdArray of(long[] data, int... shape) {
        return new NdArray(DType.I8, shape, Objects.requireNonNull(data, "data"), data.length);
    }

    /** A {@code |u1} array (bytes read as 0..255); takes ownership of {@code data}. */
    public static NdArray ofUnsignedBytes(byte[] data, int... shape) {
        return new NdArray(DType.U1, shape, Objects.requireNonNull(data, "data"), data.length);
    }

    /** A {@code |b1} array; takes ownership of {@code data}. */
    public static NdArray of(boolean[] data, int... shape) {
        return new NdArray(DType.B1, shape, Objects.requireNonNull(data, "data"), data.length);
    }

    /** A zero-filled array of the given dtype and shape. */
    public static NdArray zeros(DType dtype, int... shape) {
        int n = checkedSize(shape);
        switch (dtype) {
            case F4: return of(new float[n], shape);
            case F8: return of(new double[n], shape);
            case I4: return of(new int[n], shape);
            case I8: return of(new long[n], shape);
            case U1: return ofUnsignedBytes(new byte[n], shape);
            case B1: return of(new boolean[n], shape);
            default: throw new AssertionError(dtype);
        }
    }

    /** Number of elements of a shape; rejects negative dimensions and more than 2^31 - 1 elements. */
    static int checkedSize(int[] shape) {
        Objects.requireNonNull(shape, "shape");
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= d;
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape)
                        + " has more elements than a Java array can hold");
            }
        }
        return (int) n;
    }

    // ---------------------------------------------------------------- accessors

    public DType dtype() {
        return dtype;
    }

    /** A copy of the shape. */
    public int[] shape() {
        return shape.clone();
    }

    public int ndim() {
        return shape.length;
    }

    /** Number of elements (1 for a scalar). */
    public int size() {
        return size;
    }

    /** The backing array of an F4 array (not a copy). */
    public float[] floats() {
        return (float[]) typed(DType.F4);
    }

    /** The backing array of an F8 array (not a copy). */
    public double[] doubles() {
        return (double[]) typed(DType.F8);
    }

    /** The backing array of an I4 array (not a copy). */
    public int[] ints() {
        return (int[]) typed(DType.I4);
    }

    /** The backing array of an I8 array (not a copy). */
    public long[] longs() {
        return (long[]) typed(DType.I8);
    }

    /** The backing array of a U1 array (not a copy); read elements as {@code b & 0xFF}. */
    public byte[] unsignedBytes() {
        return (byte[]) typed(DType.U1);
    }

    /** The backing array of a B1 array (not a copy). */
    public boolean[] booleans() {
        return (boolean[]) typed(DType.B1);
    }

    private Object typed(DType wanted) {
        if (dtype != wanted) {
            throw new IllegalStateException("array has dtype " + dtype + " (" + dtype.descr + "), not " + wanted);
        }
        return data;
    }

    /**
     * Element {@code i} in C order as a double, for any dtype. I8 values beyond 2^53 in magnitude
     * are rounded; booleans read as 0 or 1.
     */
    public double getDouble(int i) {
        switch (dtype) {
            case F4: return ((float[]) data)[i];
            case F8: return ((double[]) data)[i];
            case I4: return ((int[]) data)[i];
            case I8: return ((long[]) data)[i];
            case U1: return ((byte[]) data)[i] & 0xFF;
            case B1: return ((boolean[]) data)[i] ? 1 : 0;
            default: throw new AssertionError(dtype);
        }
    }

    /** A new double[] with every element, converted as by {@link #getDouble(int)}. */
    public double[] toDoubles() {
        double[] out = new double[size];
        for (int i = 0; i < size; i++) {
            out[i] = getDouble(i);
        }
        return out;
    }

    /** Package-private raw access for the writer. */
    Object data() {
        return data;
    }

    // ---------------------------------------------------------------- value semantics

    /** Equal when dtype, shape and every element are equal (floats compared bitwise, as {@link Arrays#equals}). */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof NdArray)) {
            return false;
        }
        NdArray other = (NdArray) o;
        return dtype == other.dtype && Arrays.equals(shape, other.shape)
                && Arrays.deepEquals(new Object[] {data}, new Object[] {other.data});
    }

    @Override
    public int hashCode() {
        return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape)) + Arrays.deepHashCode(new Object[] {data});
    }

    /** E.g. {@code NdArray(<f8, shape (2, 3))}. */
    @Override
    public String toString() {
        return "NdArray(" + dtype.descr + ", shape " + Npy.shapeRepr(shape) + ")";
    }
}
