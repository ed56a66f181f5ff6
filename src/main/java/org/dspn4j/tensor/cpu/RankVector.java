package org.dspn4j.tensor.cpu;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link StableSort#sortByRank}'s count on the JDK Vector API (jdk.incubator.vector): for every key
 * of a short row, how many keys of the row are smaller. Four keys are broadcast at a time and
 * compared with the whole row, one row key per lane; each lane counts its smaller keys, and the
 * lanes' counts are added at the end. Integer compares and counts are exact, so the visiting order
 * changes nothing.
 *
 * <p>How a lane tests {@code a < b} depends on the vector width. With 512-bit vectors JDK 17
 * compiles a compare into a mask register and a conversion back to a vector, and the count ran
 * faster without masks, as the sign of {@code a − b} corrected for overflow (Hacker's Delight,
 * §2–12): {@code ((a − b) ^ ((a ^ b) & ((a − b) ^ a))) >>> 31} is 1 exactly when a &lt; b, for all
 * ints. With 256-bit or narrower vectors (AVX2) the compare's mask is a vector already, and the
 * count subtracts it (−1 in a true lane), which ran faster there than the sign (docs/measurements.md).
 * Only loaded when the module is present.
 */
final class RankVector {
    private RankVector() {
    }

    private static final VectorSpecies<Integer> S = IntVector.SPECIES_PREFERRED;

    /** Keys per vector. */
    static final int LANES = S.length();

    /** Whether lanes test {@code a < b} by the sign of the difference instead of a compare's mask. */
    private static final boolean BY_SIGN = S.vectorBitSize() >= 512;

    /**
     * {@code less[i]} = the number of j &lt; len with {@code keys[j] < keys[i]}, for i &lt; len. The keys
     * from len up to the next multiple of {@link #LANES} are read and must be {@link Integer#MAX_VALUE}
     * (no key is greater, so they are never counted).
     */
    static void countLess(int[] keys, int len, int[] less) {
        count(keys, len, less, BY_SIGN);
    }

    /** {@link #countLess} with either test of {@code a < b} (tests run both on any machine). */
    static void count(int[] keys, int len, int[] less, boolean bySign) {
        int padded = (len + LANES - 1) / LANES * LANES;
        int i = 0;
        for (; i + 4 <= len; i += 4) {
            IntVector k0 = IntVector.broadcast(S, keys[i]);
            IntVector k1 = IntVector.broadcast(S, keys[i + 1]);
            IntVector k2 = IntVector.broadcast(S, keys[i + 2]);
            IntVector k3 = IntVector.broadcast(S, keys[i + 3]);
            IntVector c0 = IntVector.zero(S);
            IntVector c1 = IntVector.zero(S);
            IntVector c2 = IntVector.zero(S);
            IntVector c3 = IntVector.zero(S);
            for (int j = 0; j < padded; j += LANES) {
                IntVector v = IntVector.fromArray(S, keys, j);
                if (bySign) {
                    c0 = c0.add(lessBySign(v, k0));
                    c1 = c1.add(lessBySign(v, k1));
                    c2 = c2.add(lessBySign(v, k2));
                    c3 = c3.add(lessBySign(v, k3));
                } else {
                    c0 = c0.sub((IntVector) v.compare(VectorOperators.LT, k0).toVector());
                    c1 = c1.sub((IntVector) v.compare(VectorOperators.LT, k1).toVector());
                    c2 = c2.sub((IntVector) v.compare(VectorOperators.LT, k2).toVector());
                    c3 = c3.sub((IntVector) v.compare(VectorOperators.LT, k3).toVector());
                }
            }
            less[i] = c0.reduceLanes(VectorOperators.ADD);
            less[i + 1] = c1.reduceLanes(VectorOperators.ADD);
            less[i + 2] = c2.reduceLanes(VectorOperators.ADD);
            less[i + 3] = c3.reduceLanes(VectorOperators.ADD);
        }
        for (; i < len; i++) {
            IntVector k0 = IntVector.broadcast(S, keys[i]);
            IntVector c0 = IntVector.zero(S);
            for (int j = 0; j < padded; j += LANES) {
                c0 = c0.add(lessBySign(IntVector.fromArray(S, keys, j), k0));
            }
            less[i] = c0.reduceLanes(VectorOperators.ADD);
        }
    }

    /** 1 in the lanes where {@code a < b} (signed), else 0: the sign bit of a − b, corrected where it overflows. */
    private static IntVector lessBySign(IntVector a, IntVector b) {
        IntVector d = a.sub(b);
        IntVector overflow = a.lanewise(VectorOperators.XOR, b).lanewise(VectorOperators.AND, d.lanewise(VectorOperators.XOR, a));
        return d.lanewise(VectorOperators.XOR, overflow).lanewise(VectorOperators.LSHR, 31);
    }
}
