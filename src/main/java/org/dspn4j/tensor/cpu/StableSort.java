package org.dspn4j.tensor.cpu;

import java.util.Arrays;

/**
 * A stable sort of indices by 64-bit keys, for {@link CpuBackend#argsort}: a least-significant-digit
 * radix sort, one pass per key byte (passes where all keys share the byte are skipped), or for short
 * rows of 32-bit keys, each index placed by its count of smaller keys ({@link #sortByRank}). Neither
 * boxes nor branches on comparisons of the data, and equal keys keep their index order, which is
 * argsort's tie rule in both directions.
 */
final class StableSort {
    /**
     * Rows of float keys up to this length are sorted by {@link #sortByRank}: ten vectors of keys (160
     * with 512-bit vectors, 80 with 256-bit ones), none without the Vector API. Counting grows with the
     * square of the row, the radix sort with the row plus 256 buckets a pass. At 100 keys (the CLEVR
     * relation encoder's pairs) the buckets are most of the radix sort's time, and counting on 512-bit
     * vectors took about 0.6 µs a row against 0.9–1.1; with 256-bit vectors the two were even there
     * (docs/measurements.md). MNIST's rows of 342 keep the radix sort.
     */
    static final int RANK_MAX = Gemm.VECTOR ? 10 * RankVector.LANES : 0;

    /** The keys to sort by (set by the caller, then reordered along with the indices). */
    final long[] keys;
    /**
     * The 32-bit keys {@link #sortByRank} sorts by (set by the caller): room for the row and for
     * padding up to a multiple of any vector's lane count.
     */
    final int[] ints;
    private final long[] keys2;
    private int[] order;
    private int[] order2;
    private final int[] count = new int[257];
    private final int[] less;

    /** A sorter for up to {@code capacity} keys, reusable. */
    StableSort(int capacity) {
        keys = new long[capacity];
        keys2 = new long[capacity];
        order = new int[capacity];
        order2 = new int[capacity];
        boolean rank = capacity <= RANK_MAX;
        ints = new int[rank ? (capacity + 63) / 64 * 64 : 0];
        less = new int[rank ? capacity : 0];
    }

    /** Whether a row of {@code len} float keys is sorted by {@link #sortByRank}. */
    static boolean byRank(int len) {
        return Gemm.VECTOR && len <= RANK_MAX;
    }

    /**
     * The indices 0 … len−1 ordered by ascending {@link #ints} (signed order), ties in index order: the
     * same order as {@link #sort} of the same keys with 4 bytes. Index i goes to position
     * {@code less(i) + (the number of j < i with the same key)}, where less(i) counts the smaller keys
     * ({@link RankVector#countLess}): equal keys share less(i), and a larger key's count exceeds it
     * by at least the number of keys equal to it, so the positions are a permutation, in key order,
     * with equal keys in index order. The returned array is internal: read it before the next call.
     * Only when the Vector API is present ({@link #byRank}).
     */
    int[] sortByRank(int len) {
        int[] k = ints;
        int[] o = order;
        int[] counted = less;
        for (int i = len; i < k.length; i++) {
            k[i] = Integer.MAX_VALUE;
        }
        RankVector.countLess(k, len, counted);
        int[] seen = order2;
        Arrays.fill(seen, 0, len, 0);
        for (int i = 0; i < len; i++) {
            int r = counted[i];
            o[r + seen[r]++] = i;
        }
        return o;
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
