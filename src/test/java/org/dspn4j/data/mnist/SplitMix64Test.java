package org.dspn4j.data.mnist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SplitMix64Test {

    @Test
    void sameStreamAsSplittableRandom() {
        for (long seed : new long[] {0, 1, -1, 42, Long.MIN_VALUE, 0x123456789abcdefL}) {
            SplitMix64 ours = new SplitMix64(seed);
            SplittableRandom jdk = new SplittableRandom(seed);
            for (int k = 0; k < 100; k++) {
                assertEquals(jdk.nextLong(), ours.nextLong(), "seed " + seed + ", draw " + k);
            }
        }
    }

    /**
     * Pins the documented stream. These values were also produced by an independent Python
     * transcription of the class Javadoc; if this fails, resumed runs would no longer match old ones.
     */
    @Test
    void pinnedValues() {
        assertEquals(2391539541053276776L, SplitMix64.streamSeed(0, 0, 0, 0));
        assertEquals(-3766566201637961270L, SplitMix64.streamSeed(42, 1, 3, 7));
        assertArrayEquals(new int[] {6, 1, 7, 2, 8, 5, 9, 4, 3, 0},
                SplitMix64.forStream(42, 1, 3, 7).permutation(10));
    }

    @Test
    void streamSeedSeparatesItsArguments() {
        long base = SplitMix64.streamSeed(5, 1, 2, 3);
        assertNotEquals(base, SplitMix64.streamSeed(6, 1, 2, 3));
        assertNotEquals(base, SplitMix64.streamSeed(5, 2, 2, 3));
        assertNotEquals(base, SplitMix64.streamSeed(5, 1, 3, 3));
        assertNotEquals(base, SplitMix64.streamSeed(5, 1, 2, 4));
        assertNotEquals(SplitMix64.streamSeed(5, 1, 2, 3), SplitMix64.streamSeed(5, 1, 3, 2), "order matters");
    }

    @Test
    void nextIntIsInRangeAndRoughlyUniform() {
        SplitMix64 r = new SplitMix64(7);
        int[] counts = new int[7];
        for (int k = 0; k < 70_000; k++) {
            counts[r.nextInt(7)]++;
        }
        for (int c : counts) {
            assertTrue(Math.abs(c - 10_000) < 500, Arrays.toString(counts));
        }
        assertEquals(0, r.nextInt(1));
        assertThrows(IllegalArgumentException.class, () -> r.nextInt(0));
    }

    @Test
    void permutationIsAPermutation() {
        int[] p = new SplitMix64(3).permutation(342);
        int[] sorted = p.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i]);
        }
    }
}
