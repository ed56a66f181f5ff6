package org.dspn4j.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The allocator over several arena arrays, and how an arena is split into arrays (plain Java; runs
 * without OpenCL): addresses {@code (array << 29) | offset}, placement in the first array with
 * room, freeing into the block's own array, merging inside each array, refusal of blocks larger
 * than an array.
 */
class ClArenaArraysTest {

    private static final int A1 = 1 << ClArena.ARRAY_SHIFT;

    @Test
    void addressesCarryTheArrayInTheHighBits() {
        for (int a = 0; a < ClArena.MAX_ARRAYS; a++) {
            for (int off : new int[] {0, 1, 1024, ClEngine.MAX_ARRAY_FLOATS - 1}) {
                int address = ClArena.address(a, off);
                assertTrue(address >= 0, "addresses are non-negative ints: " + address);
                assertEquals(a, ClArena.arrayOf(address));
                assertEquals(off, ClArena.offsetOf(address));
            }
        }
        assertEquals(1024, ClArena.address(0, 1024), "array 0's addresses are plain offsets");
        assertTrue((long) ClArena.address(3, ClEngine.MAX_ARRAY_FLOATS) < Integer.MAX_VALUE,
                "the end of the last array is still an int");
    }

    @Test
    void blocksGoToTheFirstArrayWithRoomAndNeverStraddle() {
        ClArena arena = new ClArena(new int[] {1024 + 160, 100, 320}, 1024, 16);
        assertEquals(3, arena.arrays());
        assertEquals(160 + 96 + 320, arena.capacity(), "array 1's end rounded down to the alignment");
        int a = arena.alloc(100);           // array 0: [1024, 1136)
        int b = arena.alloc(60);            // 48 left in array 0, so array 1 at 0
        int c = arena.alloc(40);            // fits the rest of array 0
        int d = arena.alloc(100);           // array 1 has 32 left: array 2
        int e = arena.alloc(32);            // array 1's rest
        assertEquals(1024, a);
        assertEquals(A1, b);
        assertEquals(1024 + 112, c);
        assertEquals(2 * A1, d);
        assertEquals(A1 + 64, e);
        assertEquals(112 + 48, arena.liveFloats(0));
        assertEquals(64 + 32, arena.liveFloats(1));
        assertEquals(112, arena.liveFloats(2));
        assertEquals(208, arena.largestFreeBlock(), "array 2's rest");
        IllegalStateException full = assertThrows(IllegalStateException.class, () -> arena.alloc(300));
        assertTrue(full.getMessage().contains("in 3 arrays") && full.getMessage().contains("largest free block is 208"),
                full.getMessage());
    }

    @Test
    void freeingReturnsABlockToItsArray() {
        ClArena arena = new ClArena(new int[] {1024 + 64, 64, 64}, 1024, 16);
        int a = arena.alloc(64);
        int b = arena.alloc(64);
        int c = arena.alloc(64);
        assertEquals(List.of(1024, A1, 2 * A1), List.of(a, b, c));
        arena.free(b);
        assertEquals(0, arena.liveFloats(1));
        assertEquals(64, arena.largestFreeBlock());
        assertEquals(b, arena.alloc(50), "the freed block of array 1 is the only room");
        arena.free(a);
        arena.free(c);
        assertEquals(a, arena.alloc(64), "array 0 first again");
        assertThrows(IllegalArgumentException.class, () -> arena.free(c), "double free");
        assertThrows(IllegalArgumentException.class, () -> arena.free(c + 16), "not a block start");
        assertEquals(c, arena.allocIn(2, 16));
        assertThrows(IllegalStateException.class, () -> arena.allocIn(1, 16), "array 1 is full");
    }

    @Test
    void blocksLargerThanAnyArrayAreRefusedNamingSizeAndLimit() {
        ClArena arena = new ClArena(new int[] {1 << 16, 1 << 16, 1 << 16}, 1024, 16);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> arena.alloc(70_000));
        String m = e.getMessage();
        assertTrue(m.contains("70,000 floats") && m.contains("does not fit one arena array"), m);
        assertTrue(m.contains("holds 65,536 floats (0.3 MB)"), m);
        assertTrue(m.contains(String.format(java.util.Locale.ROOT, "per-array limit: %,d floats, 2044.0 MB",
                ClEngine.MAX_ARRAY_FLOATS)), m);
        assertEquals(0, arena.liveFloats(), "nothing reserved");
        assertEquals(A1, arena.alloc(65_000), "fits array 1 but not array 0 (its reserved floats): array 1");
    }

    @Test
    void randomAllocFreeOverFourArraysMergesBackInEveryArray() {
        Random rnd = new Random(20261204L);
        int[] lengths = {5000, 3000, 4096, 2500};
        ClArena arena = new ClArena(lengths, 64, 16);
        List<int[]> live = new ArrayList<>();
        int[] used = new int[4];
        for (int step = 0; step < 20_000; step++) {
            if (!live.isEmpty() && (rnd.nextInt(3) == 0 || arena.largestFreeBlock() < 1024)) {
                int[] blk = live.remove(rnd.nextInt(live.size()));
                arena.free(blk[0]);
            } else {
                int n = rnd.nextInt(1024);
                int address = arena.alloc(n);
                int r = (int) arena.reserved(n);
                int a = ClArena.arrayOf(address);
                int off = ClArena.offsetOf(address);
                used[a]++;
                assertEquals(0, off % 16);
                assertTrue(off >= (a == 0 ? 64 : 0) && off + r <= lengths[a], "inside its array: " + a + "+" + off);
                for (int[] other : live) {
                    assertTrue(address + r <= other[0] || other[0] + other[1] <= address, "blocks overlap");
                }
                live.add(new int[] {address, r});
            }
            long sum = 0;
            for (int[] blk : live) {
                sum += blk[1];
            }
            assertEquals(sum, arena.liveFloats());
        }
        for (int a = 0; a < 4; a++) {
            assertTrue(used[a] > 100, "array " + a + " was used " + used[a] + " times");
        }
        for (int[] blk : live) {
            arena.free(blk[0]);
        }
        assertEquals(0, arena.liveFloats());
        assertEquals(0, arena.liveBlocks());
        // every array merged back into one block: the whole of each array fits again, in order
        assertEquals(64, arena.alloc(5000 - 64 - 8));
        assertEquals(A1, arena.alloc(3000 - 8));
        assertEquals(2 * A1, arena.alloc(4096));
        assertEquals(3 * A1, arena.alloc(2496));
    }

    @Test
    void badArrayListsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ClArena(new int[0], 0, 16));
        assertThrows(IllegalArgumentException.class, () -> new ClArena(new int[] {64, 64, 64, 64, 64}, 0, 16));
        assertThrows(IllegalArgumentException.class, () -> new ClArena(new int[] {64, (1 << 29) + 16}, 0, 16));
        assertThrows(IllegalArgumentException.class, () -> new ClArena(new int[] {512, 64}, 1024, 16));
    }

    @Test
    void anArenaIsSplitIntoTheFewestEqualArrays() {
        int min = ClEngine.MIN_ARENA_FLOATS;
        int max = ClEngine.MAX_ARRAY_FLOATS;
        assertArrayEquals(new int[] {min}, ClEngine.splitArena(min, max));
        assertArrayEquals(new int[] {max}, ClEngine.splitArena(max, max));
        assertArrayEquals(new int[] {min, min, min}, ClEngine.splitArena(3L * min, min));
        assertArrayEquals(new int[] {max / 2 + 1, max / 2}, ClEngine.splitArena(max + 1L, max));
        assertArrayEquals(new int[] {max, max, max, max}, ClEngine.splitArena(ClEngine.MAX_ARENA_FLOATS, max));
        assertEquals(8176, ClEngine.MAX_ARENA_FLOATS >> 18, "MB");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClEngine.splitArena(5L * min, min));
        assertTrue(e.getMessage().contains("needs 5 arrays") && e.getMessage().contains("at most 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ClEngine.splitArena(min + 16, min));
        assertTrue(e.getMessage().contains("below the 64 MB minimum"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ClEngine.splitArena(min, min - 1));
        assertThrows(IllegalArgumentException.class, () -> ClEngine.splitArena(min, max + 1));
    }
}
