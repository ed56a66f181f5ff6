package org.dspn4j.tensor;

import java.util.Arrays;

/** Static helpers on shapes ({@code int[]}, row-major / C order). */
public final class Shape {
    private Shape() {
    }

    /** Number of elements. */
    public static int numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + str(shape));
            }
            n *= d;
        }
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("shape " + str(shape) + " has more than 2^31-1 elements");
        }
        return (int) n;
    }

    /** Row-major strides (in elements). */
    public static int[] strides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    /** "(2, 3, 4)". */
    public static String str(int[] shape) {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                b.append(", ");
            }
            b.append(shape[i]);
        }
        return b.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /**
     * Numpy broadcasting of two shapes.
     *
     * @throws IllegalArgumentException naming the op and both shapes when they do not broadcast
     */
    public static int[] broadcast(String op, int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int da = i < n - a.length ? 1 : a[i - (n - a.length)];
            int db = i < n - b.length ? 1 : b[i - (n - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + str(a) + " and " + str(b) + " do not broadcast");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Normalises a possibly negative dimension index against a rank. */
    public static int dim(String op, int dim, int rank) {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= rank) {
            throw new IllegalArgumentException(op + ": dimension " + dim + " out of range for rank " + rank);
        }
        return d;
    }

    /** Shape with dimension {@code d} removed. */
    public static int[] drop(int[] shape, int d) {
        int[] out = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != d) {
                out[j++] = shape[i];
            }
        }
        return out;
    }

    /** Shape with dimension {@code d} set to {@code size}. */
    public static int[] with(int[] shape, int d, int size) {
        int[] out = shape.clone();
        out[d] = size;
        return out;
    }

    /** Shape equality. */
    public static boolean same(int[] a, int[] b) {
        return Arrays.equals(a, b);
    }
}
