package org.dspn4j.tensor.cpu;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link StableSort#sortByRank}'s count on the JDK Vector API (jdk.incubator.vector): for every key
 * of a short row, how many keys of the row are smaller. Four keys are broadcast at a time and
 * compared with the whole row, one row key per lane, and the true lanes of each compare are counted
 * into an int. Integer compares and counts are exact, so the visiting order changes nothing.
 *
 * <p>The counts are kept in ints, not in vectors of per-lane counts: counting in vectors (adding the
 * compare's mask as a vector, or the sign of a − b) was faster alone ({@code OpTimes}) but, in the
 * CLEVR step, C2's code for it allocated its vectors on the heap (docs/measurements.md). Only loaded
 * when the module is present.
 */
final class RankVector {
    private RankVector() {
    }

    private static final VectorSpecies<Integer> S = IntVector.SPECIES_PREFERRED;

    /** Keys per vector. */
    static final int LANES = S.length();

    /**
     * {@code less[i]} = the number of j &lt; len with {@code keys[j] < keys[i]}, for i &lt; len. The keys
     * from len up to the next multiple of {@link #LANES} are read and must be {@link Integer#MAX_VALUE}
     * (no key is greater, so they are never counted).
     */
    static void countLess(int[] keys, int len, int[] less) {
        int padded = (len + LANES - 1) / LANES * LANES;
        int i = 0;
        for (; i + 4 <= len; i += 4) {
            IntVector k0 = IntVector.broadcast(S, keys[i]);
            IntVector k1 = IntVector.broadcast(S, keys[i + 1]);
            IntVector k2 = IntVector.broadcast(S, keys[i + 2]);
            IntVector k3 = IntVector.broadcast(S, keys[i + 3]);
            int c0 = 0;
            int c1 = 0;
            int c2 = 0;
            int c3 = 0;
            for (int j = 0; j < padded; j += LANES) {
                IntVector v = IntVector.fromArray(S, keys, j);
                c0 += v.compare(VectorOperators.LT, k0).trueCount();
                c1 += v.compare(VectorOperators.LT, k1).trueCount();
                c2 += v.compare(VectorOperators.LT, k2).trueCount();
                c3 += v.compare(VectorOperators.LT, k3).trueCount();
            }
            less[i] = c0;
            less[i + 1] = c1;
            less[i + 2] = c2;
            less[i + 3] = c3;
        }
        for (; i < len; i++) { // the last len mod 4 keys
            IntVector k0 = IntVector.broadcast(S, keys[i]);
            int c0 = 0;
            for (int j = 0; j < padded; j += LANES) {
                c0 += IntVector.fromArray(S, keys, j).compare(VectorOperators.LT, k0).trueCount();
            }
            less[i] = c0;
        }
    }
}
