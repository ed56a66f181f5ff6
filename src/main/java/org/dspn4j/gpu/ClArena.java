package org.dspn4j.gpu;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * First-fit allocator over a range of the engine's resident arena: hands out aligned float
 * offsets, takes them back, merges neighbouring free blocks, and counts what is live.
 *
 * <p>It only does bookkeeping (plain Java, no OpenCL): the floats themselves live in the device
 * arena of {@link ClEngine}. Every block starts at a multiple of {@link #alignment()} floats and
 * spans a multiple of it, so a request of n floats reserves {@code roundUp(max(n, 1), alignment)}.
 * Thread-safe (all methods synchronized).
 */
public final class ClArena {

    /** Default alignment: 16 floats = 64 bytes (a cache line; a 512-bit vector). */
    public static final int DEFAULT_ALIGNMENT = 16;

    private final int base;
    private final int end;
    private final int alignment;
    /** Free blocks: offset -> length (floats); never two adjacent ones. */
    private final TreeMap<Integer, Integer> free = new TreeMap<>();
    /** Live blocks: offset -> reserved length (floats). */
    private final Map<Integer, Integer> live = new HashMap<>();
    private long liveFloats;

    /**
     * @param base first float offset this allocator may hand out (a multiple of alignment)
     * @param end one past the last float offset it may use
     * @param alignment block alignment and granularity in floats, a power of two
     */
    public ClArena(int base, int end, int alignment) {
        if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two, got " + alignment);
        }
        if (base < 0 || base % alignment != 0 || end < base) {
            throw new IllegalArgumentException("bad arena range [" + base + ", " + end + ") for alignment "
                    + alignment + ": base must be a non-negative multiple of the alignment and end >= base");
        }
        this.base = base;
        this.alignment = alignment;
        this.end = base + (end - base) / alignment * alignment;
        if (this.end > base) {
            free.put(base, this.end - base);
        }
    }

    /**
     * Reserves a block of at least n floats.
     *
     * @return its float offset in the arena (a multiple of {@link #alignment()})
     * @throws IllegalStateException when no free block is large enough; the message gives the
     *     arena's size, what is live and the largest free block
     */
    public synchronized int alloc(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("cannot allocate a negative number of floats: " + n);
        }
        long size = reserved(n);
        for (Map.Entry<Integer, Integer> block : free.entrySet()) {
            if (block.getValue() >= size) {
                int offset = block.getKey();
                int rest = block.getValue() - (int) size;
                free.remove(offset);
                if (rest > 0) {
                    free.put(offset + (int) size, rest);
                }
                live.put(offset, (int) size);
                liveFloats += size;
                return offset;
            }
        }
        throw new IllegalStateException(String.format(
                "OpenCL arena exhausted: asked for %,d floats (%s, %,d after %d-float alignment); the arena "
                        + "holds %,d floats (%s) of which %,d are live in %,d blocks and the largest free block "
                        + "is %,d floats. Open the engine with a larger arena.",
                n, mb(n), size, alignment, capacity(), mb(capacity()), liveFloats, live.size(), largestFreeBlock()));
    }

    /**
     * Returns a block to the free list.
     *
     * @param offset an offset returned by {@link #alloc} and not yet freed
     * @throws IllegalArgumentException for an offset that is not live (double free, or never allocated)
     */
    public synchronized void free(int offset) {
        Integer size = live.remove(offset);
        if (size == null) {
            throw new IllegalArgumentException("offset " + offset
                    + " is not a live arena block (freed twice, or never returned by alloc)");
        }
        liveFloats -= size;
        int start = offset;
        int length = size;
        Map.Entry<Integer, Integer> before = free.floorEntry(offset);
        if (before != null && before.getKey() + before.getValue() == offset) {
            start = before.getKey();
            length += before.getValue();
            free.remove(start);
        }
        Integer after = free.get(offset + size);
        if (after != null) {
            free.remove(offset + size);
            length += after;
        }
        free.put(start, length);
    }

    /** The number of floats a request of n floats reserves. */
    public long reserved(int n) {
        long m = Math.max(n, 1);
        return (m + alignment - 1) / alignment * alignment;
    }

    /** Size of the live block at offset (as reserved), or -1 when offset is not live. */
    public synchronized int blockSize(int offset) {
        Integer size = live.get(offset);
        return size == null ? -1 : size;
    }

    /** Floats reserved by live blocks (alignment padding included). */
    public synchronized long liveFloats() {
        return liveFloats;
    }

    /** Number of live blocks. */
    public synchronized int liveBlocks() {
        return live.size();
    }

    /** Floats this allocator manages (live + free). */
    public long capacity() {
        return (long) end - base;
    }

    /** First float offset it may hand out. */
    public int base() {
        return base;
    }

    /** Block alignment and granularity in floats. */
    public int alignment() {
        return alignment;
    }

    /** Length of the largest free block in floats (0 when full). */
    public synchronized int largestFreeBlock() {
        int best = 0;
        for (int length : free.values()) {
            best = Math.max(best, length);
        }
        return best;
    }

    private static String mb(long floats) {
        return String.format("%.1f MB", floats * 4.0 / (1 << 20));
    }

    @Override
    public synchronized String toString() {
        return String.format("ClArena[%,d floats, %,d live in %d blocks, largest free %,d]",
                capacity(), liveFloats, live.size(), largestFreeBlock());
    }
}
