package org.dspn4j.tensor.cpu;

import java.util.Arrays;

/**
 * A stable sort of indices by 64-bit keys, for {@link CpuBackend#argsort}: a least-significant-digit
 * radix sort, one pass per key byte (passes where all keys share the byte are skipped). It never
 * boxes and never branches on comparisons of the data, and equal keys keep their index order, which
 * is argsort's tie rule in both directions.
 */
final class StableSort {
    /** The keys to sort by (set by the caller, then reordered along with the indices). */
    final long[] keys;
    private final long[] keys2;
    private int[] order;
    private int[] order2;
    private final int[] count = new int[257];

    /** A sorter for up to {@code capacity} keys, reusable. */
    StableSort(int capacity) {
        keys = new long[capacity];
        keys2 = new long[capacity];
        order = new int[capacity];
        order2 = new int[capacity];
    }

    /**
     * The indices 0 … len−1 ordered by ascending {@code keys} (signed order, considering only the low
     * {@code bytes} bytes as a sign-extended integer of that width), ties in index order. The
     * returned array is internal: read it before the next call. {@link #keys} is overwritten.
     */
    int[] sort(int len, int bytes) {
        long[] k = keys;
        long[] k2 = keys2;
        int[] o = order;
        int[] o2 = order2;
        long flip = 1L << (8 * bytes - 1); // the key's sign bit: flipped, unsigned byte order is signed order
        for (int i = 0; i < len; i++) {
            k[i] ^= flip;
            o[i] = i;
        }
        for (int pass = 0; pass < bytes; pass++) {
            int shift = 8 * pass;
            Arrays.fill(count, 0);
            for (int i = 0; i < len; i++) {
                count[(int) (k[i] >>> shift) & 0xff]++;
            }
            if (len == 0 || count[(int) (k[0] >>> shift) & 0xff] == len) {
                continue; // every key has this byte: the pass would not move anything
            }
            for (int b = 0, at = 0; b < 256; b++) {
                int c = count[b];
                count[b] = at;
                at += c;
            }
            for (int i = 0; i < len; i++) {
                int pos = count[(int) (k[i] >>> shift) & 0xff]++;
                k2[pos] = k[i];
                o2[pos] = o[i];
            }
            long[] tk = k;
            k = k2;
            k2 = tk;
            int[] to = o;
            o = o2;
            o2 = to;
        }
        return o;
    }

    /**
     * A long whose signed order is {@link Double#compare}'s order of the doubles (−0 before +0, NaN
     * last); its bitwise complement gives the reverse order.
     */
    static long orderedBits(double v) {
        long bits = Double.doubleToLongBits(v);
        return bits ^ ((bits >> 63) & Long.MAX_VALUE);
    }

    /**
     * As {@link #orderedBits(double)} for a float, as a 32-bit key: the same order as the float's
     * double value ({@link Float#compare} agrees with {@link Double#compare} on floats).
     */
    static long orderedBits(float v) {
        int bits = Float.floatToIntBits(v);
        return bits ^ ((bits >> 31) & Integer.MAX_VALUE);
    }
}
