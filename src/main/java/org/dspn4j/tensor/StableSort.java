package org.dspn4j.tensor;

/**
 * A stable sort of indices by primitive keys, for {@link CpuBackend#argsort}: a merge sort (insertion
 * sort within runs of 16, then merging runs bottom-up) that never boxes. Equal keys keep their
 * order, which is argsort's tie rule in both directions.
 */
final class StableSort {
    private StableSort() {
    }

    private static final int RUN = 16;

    /**
     * Reorders {@code order[0, len)} so that {@code keys[order[i]]} ascends (signed long order), ties
     * in their incoming order. {@code order} is modified; {@code tmp} is scratch of at least len.
     */
    static void sort(int[] order, int[] tmp, long[] keys, int len) {
        for (int lo = 0; lo < len; lo += RUN) {
            int hi = Math.min(lo + RUN, len);
            for (int i = lo + 1; i < hi; i++) {
                int v = order[i];
                long kv = keys[v];
                int j = i - 1;
                while (j >= lo && keys[order[j]] > kv) { // strictly greater: ties stay put
                    order[j + 1] = order[j];
                    j--;
                }
                order[j + 1] = v;
            }
        }
        int[] src = order;
        int[] dst = tmp;
        for (int width = RUN; width < len; width *= 2) {
            for (int lo = 0; lo < len; lo += 2 * width) {
                int mid = Math.min(lo + width, len);
                int hi = Math.min(lo + 2 * width, len);
                int i = lo;
                int j = mid;
                int o = lo;
                while (i < mid && j < hi) {
                    dst[o++] = keys[src[j]] < keys[src[i]] ? src[j++] : src[i++]; // the left run wins ties
                }
                while (i < mid) {
                    dst[o++] = src[i++];
                }
                while (j < hi) {
                    dst[o++] = src[j++];
                }
            }
            int[] t = src;
            src = dst;
            dst = t;
        }
        if (src != order) {
            System.arraycopy(src, 0, order, 0, len);
        }
    }
}
