package org.dspn4j.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The arena allocator alone (plain Java; runs without OpenCL). */
class ClArenaTest {

    @Test
    void blocksAreAlignedAndRoundedUp() {
        ClArena arena = new ClArena(1024, 1024 + 1000, 16);
        assertEquals(992, arena.capacity(), "end rounded down to the alignment");
        int a = arena.alloc(1);
        int b = arena.alloc(17);
        int c = arena.alloc(0);
        assertEquals(1024, a);
        assertEquals(1040, b);
        assertEquals(1072, c, "b reserves 32 floats");
        assertEquals(16 + 32 + 16, arena.liveFloats());
        assertEquals(3, arena.liveBlocks());
        assertEquals(32, arena.blockSize(b));
    }

    @Test
    void peakLiveFloatsIsTheHighWaterMark() {
        ClArena arena = new ClArena(0, 1 << 12, 16);
        assertEquals(0, arena.peakLiveFloats());
        int a = arena.alloc(100);   // 112 reserved
        int b = arena.alloc(40);    // 48
        assertEquals(160, arena.peakLiveFloats());
        arena.free(a);
        arena.free(b);
        assertEquals(0, arena.liveFloats());
        assertEquals(160, arena.peakLiveFloats(), "freeing leaves the high-water mark");
        arena.alloc(16);
        assertEquals(160, arena.peakLiveFloats(), "less than the mark: unchanged");
        arena.alloc(200);           // 208, with 16 live: 224
        assertEquals(224, arena.peakLiveFloats());
    }

    @Test
    void freedBlocksAreReusedFirstFit() {
        ClArena arena = new ClArena(0, 1 << 12, 16);
        int a = arena.alloc(100);
        int b = arena.alloc(100);
        arena.alloc(100);
        arena.free(a);
        assertEquals(a, arena.alloc(50), "first fit takes the hole a left");
        arena.free(b);
        assertEquals(64, arena.alloc(112), "the rest of a's hole (48 floats) merged with b's (112)");
    }

    @Test
    void largeBlocksArePlacedFromTheTopAndSmallOnesFromTheBottom() {
        int large = ClArena.LARGE_BLOCK;
        ClArena arena = new ClArena(0, 4 * large, 16);
        assertEquals(3 * large, arena.alloc(large), "the end of the only free block");
        assertEquals(0, arena.alloc(large - 16), "one aligned step less is small: the start");
        assertEquals(2 * large, arena.alloc(large), "the end of what is left between them");
        arena.free(3 * large);
        assertEquals(3 * large, arena.alloc(large), "the highest free block that holds it");
        assertEquals(large - 16, arena.alloc(100), "small blocks take the lowest free block");
    }

    @Test
    void smallBlocksThatOutliveLargeOnesLeaveTheRoomOfTheLargeOnesInOnePiece() {
        // what a step leaves after a collection: large intermediates dead, small ones (biases,
        // statistics) alive; allocated in turn, the small ones would split the room under first fit
        int large = ClArena.LARGE_BLOCK;
        ClArena arena = new ClArena(0, 8 * large, 16);
        List<Integer> dead = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            dead.add(arena.alloc(large));
            arena.alloc(64);
        }
        dead.forEach(arena::free);
        assertTrue(arena.largestFreeBlock() >= 7 * large, "free: " + arena.largestFreeBlock());
        arena.alloc(7 * large);
    }

    @Test
    void exhaustionSaysWhenTheFreeFloatsAreSplit() {
        int large = ClArena.LARGE_BLOCK;
        ClArena arena = new ClArena(0, 3 * large, 16);
        int top = arena.alloc(large);
        arena.alloc(large);
        int bottom = arena.alloc(large);
        arena.free(top);
        arena.free(bottom);
        // 2 × large free, in two blocks of large with a live block between them
        String split = assertThrows(IllegalStateException.class, () -> arena.alloc(large * 3 / 2)).getMessage();
        assertTrue(split.contains("enough floats are free, but not in one block"), split);
        String small = assertThrows(IllegalStateException.class, () -> arena.alloc(large * 5 / 2)).getMessage();
        assertTrue(small.contains("the arena is too small for this workload"), small);
    }

    @Test
    void neighbouringFreeBlocksMerge() {
        ClArena arena = new ClArena(0, 64 * 16, 16);
        List<Integer> blocks = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            blocks.add(arena.alloc(16));
        }
        assertEquals(0, arena.largestFreeBlock());
        for (int i = 0; i < 64; i += 2) {
            arena.free(blocks.get(i));
        }
        assertEquals(16, arena.largestFreeBlock(), "holes only");
        for (int i = 1; i < 64; i += 2) {
            arena.free(blocks.get(i));
        }
        assertEquals(64 * 16, arena.largestFreeBlock(), "everything merged back into one block");
        assertEquals(0, arena.liveFloats());
        assertEquals(0, arena.alloc(64 * 16));
    }

    @Test
    void exhaustionSaysHowBigTheArenaIsAndWhatWasAsked() {
        ClArena arena = new ClArena(0, 1 << 20, 16);
        arena.alloc(1 << 19);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> arena.alloc(600_000));
        String m = e.getMessage();
        assertTrue(m.contains("600,000 floats"), m);
        assertTrue(m.contains("1,048,576 floats (4.0 MB)"), m);
        assertTrue(m.contains("largest free block is 524,288"), m);
        assertEquals(1 << 19, arena.liveFloats(), "a failed alloc changes nothing");
    }

    @Test
    void doubleFreeAndForeignOffsetsAreRejected() {
        ClArena arena = new ClArena(0, 1 << 10, 16);
        int a = arena.alloc(10);
        arena.free(a);
        assertThrows(IllegalArgumentException.class, () -> arena.free(a));
        assertThrows(IllegalArgumentException.class, () -> arena.free(3));
        assertThrows(IllegalArgumentException.class, () -> arena.alloc(-1));
        assertThrows(IllegalArgumentException.class, () -> new ClArena(0, 100, 12));
        assertThrows(IllegalArgumentException.class, () -> new ClArena(8, 100, 16));
    }

    @ParameterizedTest(name = "blocks up to {0} floats")
    @ValueSource(ints = {2048, 3 * ClArena.LARGE_BLOCK})
    void randomAllocFreeKeepsBlocksDisjointAndReturnsToZero(int largest) {
        Random rnd = new Random(20261127L);
        int end = 32 * largest;
        ClArena arena = new ClArena(64, end, 16);
        List<int[]> live = new ArrayList<>();
        for (int step = 0; step < 5000; step++) {
            if (!live.isEmpty() && (rnd.nextInt(3) == 0 || arena.largestFreeBlock() < largest)) {
                int[] blk = live.remove(rnd.nextInt(live.size()));
                arena.free(blk[0]);
            } else {
                int n = rnd.nextInt(largest);
                int off = arena.alloc(n);
                int r = (int) arena.reserved(n);
                assertEquals(0, off % 16);
                assertTrue(off >= 64 && off + r <= end);
                for (int[] other : live) {
                    assertTrue(off + r <= other[0] || other[0] + other[1] <= off, "blocks overlap");
                }
                live.add(new int[] {off, r});
            }
            long sum = 0;
            for (int[] blk : live) {
                sum += blk[1];
            }
            assertEquals(sum, arena.liveFloats());
        }
        for (int[] blk : live) {
            arena.free(blk[0]);
        }
        assertEquals(0, arena.liveFloats());
        assertEquals(0, arena.liveBlocks());
        assertEquals(arena.capacity(), arena.largestFreeBlock());
    }
}
