package org.dspn4j.gpu;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Allocator over the engine's resident arena arrays: hands out aligned float addresses, takes them
 * back, merges neighbouring free blocks, and counts what is live.
 *
 * <p>The arena is one to {@link #MAX_ARRAYS} arrays (each a separate {@code float[]} of the kernel,
 * docs/gpu.md "Arena"). An <b>address</b> is an int {@code (array << ARRAY_SHIFT) |
 * offset}: array 0's addresses are plain offsets, so a one-array arena is addressed exactly as
 * before. Each array has its own free list; a block is placed in the first array with a free
 * block large enough and never straddles two arrays, so {@code address + i} stays inside the
 * block's array for every i &lt; its length. Freeing returns a block to its array.
 *
 * <p>Within an array, blocks under {@link #LARGE_BLOCK} floats go first fit from the bottom (the
 * start of the lowest free block that holds them), larger ones from the top (the end of the highest
 * such block). Tensors are freed only when the collector finds them unreachable, so between
 * collections the arena fills with dead tensors, and what survives a collection lies scattered
 * through it: first fit alone left a CLEVR step at batch 8 no room for an 18 MB tensor in a 1024 MB
 * arena more than half free, in blocks of 15.75 MB at most; with the large blocks from the top, the
 * same run trains in that arena (docs/gpu.md "Arena").
 *
 * <p>It only does bookkeeping (plain Java, no OpenCL): the floats themselves live in the device
 * arrays of {@link ClEngine}. Every block starts at a multiple of {@link #alignment()} floats and
 * spans a multiple of it, so a request of n floats reserves {@code roundUp(max(n, 1), alignment)}.
 * Thread-safe (all methods synchronized).
 */
public final class ClArena {

    /** Default alignment: 16 floats = 64 bytes (a cache line; a 512-bit vector). */
    public static final int DEFAULT_ALIGNMENT = 16;
    /** Bit position of the array index in an address; offsets inside an array are below {@code 1 << ARRAY_SHIFT}. */
    public static final int ARRAY_SHIFT = 29;
    /** Mask of the offset bits of an address. */
    public static final int OFFSET_MASK = (1 << ARRAY_SHIFT) - 1;
    /** Most arena arrays: addresses of array 3 are still non-negative ints (below 2^31). */
    public static final int MAX_ARRAYS = 4;
    /** Blocks of at least this many floats (1 MB) are placed from the top of an array, smaller ones from the bottom. */
    public static final int LARGE_BLOCK = 1 << 18;

    private final int base;
    private final int[] ends;
    private final int alignment;
    /** Per array: free blocks, offset -> length (floats); never two adjacent ones. */
    private final TreeMap<Integer, Integer>[] free;
    /** Live blocks: address -> reserved length (floats). */
    private final Map<Integer, Integer> live = new HashMap<>();
    private final long[] liveInArray;
    private long liveFloats;
    private long peakLiveFloats;

    /**
     * One array.
     *
     * @param base first float offset this allocator may hand out (a multiple of alignment)
     * @param end one past the last float offset it may use (at most {@code 1 << ARRAY_SHIFT})
     * @param alignment block alignment and granularity in floats, a power of two
     */
    public ClArena(int base, int end, int alignment) {
        this(new int[] {end}, base, alignment);
    }

    /**
     * Several arrays: array a holds floats {@code [0, arrayFloats[a])}; array 0's first
     * {@code reserved} floats are not handed out (the engine's own).
     *
     * @param arrayFloats the length of each array, 1 .. {@link #MAX_ARRAYS} of them, each at most
     *     {@code 1 << ARRAY_SHIFT}
     * @param reserved floats at the start of array 0 this allocator leaves alone (a multiple of alignment)
     * @param alignment block alignment and granularity in floats, a power of two
     */
    @SuppressWarnings("unchecked")
    public ClArena(int[] arrayFloats, int reserved, int alignment) {
        if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two, got " + alignment);
        }
        if (arrayFloats.length < 1 || arrayFloats.length > MAX_ARRAYS) {
            throw new IllegalArgumentException("an arena has 1 to " + MAX_ARRAYS + " arrays, not " + arrayFloats.length);
        }
        if (reserved < 0 || reserved % alignment != 0 || arrayFloats[0] < reserved) {
            throw new IllegalArgumentException("bad arena range [" + reserved + ", " + arrayFloats[0] + ") for alignment "
                    + alignment + ": base must be a non-negative multiple of the alignment and end >= base");
        }
        this.base = reserved;
        this.alignment = alignment;
        this.ends = new int[arrayFloats.length];
        this.free = new TreeMap[arrayFloats.length];
        this.liveInArray = new long[arrayFloats.length];
        for (int a = 0; a < arrayFloats.length; a++) {
            if (arrayFloats[a] < 0 || arrayFloats[a] > (1 << ARRAY_SHIFT)) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "arena array %d of %,d floats: an array holds 0 .. %,d floats (offsets are %d-bit)", a,
                        arrayFloats[a], 1 << ARRAY_SHIFT, ARRAY_SHIFT));
            }
            int start = a == 0 ? reserved : 0;
            ends[a] = start + (arrayFloats[a] - start) / alignment * alignment;
            free[a] = new TreeMap<>();
            if (ends[a] > start) {
                free[a].put(start, ends[a] - start);
            }
        }
    }

    /** The address of float {@code offset} of array {@code array}. */
    public static int address(int array, int offset) {
        return (array << ARRAY_SHIFT) | offset;
    }

    /** The array an address lies in. */
    public static int arrayOf(int address) {
        return address >>> ARRAY_SHIFT;
    }

    /** The offset of an address inside its array. */
    public static int offsetOf(int address) {
        return address & OFFSET_MASK;
    }

    /** "1234" for array 0, "array 2 + 1234" otherwise (for messages). */
    static String describe(int address) {
        return arrayOf(address) == 0 ? String.format(Locale.ROOT, "%,d", address)
                : String.format(Locale.ROOT, "array %d + %,d", arrayOf(address), offsetOf(address));
    }

    /**
     * Reserves a block of at least n floats in the first array with room.
     *
     * @return its address (its offset is a multiple of {@link #alignment()})
     * @throws IllegalArgumentException when the block is larger than any array can hold (no
     *     freeing would help: one tensor must fit one array)
     * @throws IllegalStateException when no free block is large enough; the message gives the
     *     arena's size, what is live and the largest free block
     */
    public synchronized int alloc(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("cannot allocate a negative number of floats: " + n);
        }
        long size = reserved(n);
        long perArray = largestArrayCapacity();
        if (size > perArray) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "a block of %,d floats (%s) does not fit one arena array: the largest of this arena's %d "
                            + "array%s holds %,d floats (%s), and a tensor never spans two arrays (per-array limit: "
                            + "%,d floats, %s). Open a larger arena (it is split into the fewest arrays of at most "
                            + "that limit, of equal size), or use smaller tensors.",
                    n, mb(n), ends.length, ends.length == 1 ? "" : "s", perArray, mb(perArray),
                    ClEngine.MAX_ARRAY_FLOATS, mb(ClEngine.MAX_ARRAY_FLOATS)));
        }
        for (int a = 0; a < free.length; a++) {
            int address = takeFrom(a, (int) size);
            if (address >= 0) {
                return address;
            }
        }
        throw exhausted(n, size);
    }

    /**
     * Reserves a block of at least n floats in one given array (placed inside it as {@link #alloc} places), e.g. to place
     * tensors in chosen arrays in tests.
     *
     * @throws IllegalStateException when that array has no free block large enough
     */
    synchronized int allocIn(int array, int n) {
        if (n < 0 || array < 0 || array >= free.length) {
            throw new IllegalArgumentException("cannot allocate " + n + " floats in array " + array + " of " + free.length);
        }
        int address = takeFrom(array, (int) reserved(n));
        if (address < 0) {
            throw new ArenaExhaustedException(String.format(Locale.ROOT,
                    "OpenCL arena exhausted: no free block of %,d floats in array %d", reserved(n), array));
        }
        return address;
    }

    /**
     * Placement of size floats in one array: its address, or -1. A small block takes the start of the
     * lowest free block that holds it (first fit); a {@link #LARGE_BLOCK large} one the end of the
     * highest such block, so that large blocks fill the array from its top down and small ones from
     * its bottom up.
     */
    private int takeFrom(int a, int size) {
        boolean large = size >= LARGE_BLOCK;
        Iterable<Map.Entry<Integer, Integer>> blocks = large ? free[a].descendingMap().entrySet() : free[a].entrySet();
        for (Map.Entry<Integer, Integer> block : blocks) {
            if (block.getValue() >= size) {
                int start = block.getKey();
                int rest = block.getValue() - size;
                int offset = large ? start + rest : start;
                free[a].remove(start);
                if (rest > 0) {
                    free[a].put(large ? start : start + size, rest);
                }
                int address = address(a, offset);
                live.put(address, size);
                liveFloats += size;
                peakLiveFloats = Math.max(peakLiveFloats, liveFloats);
                liveInArray[a] += size;
                return address;
            }
        }
        return -1;
    }

    private ArenaExhaustedException exhausted(int n, long size) {
        return new ArenaExhaustedException(String.format(Locale.ROOT,
                "OpenCL arena exhausted: asked for %,d floats (%s, %,d after %d-float alignment); the arena "
                        + "holds %,d floats (%s%s) of which %,d are live in %,d blocks and the largest free block "
                        + "is %,d floats: %s.",
                n, mb(n), size, alignment, capacity(), mb(capacity()),
                ends.length == 1 ? "" : String.format(Locale.ROOT, " in %d arrays", ends.length),
                liveFloats, live.size(), largestFreeBlock(),
                capacity() - liveFloats >= size ? "enough floats are free, but not in one block (the live blocks lie between them)"
                        : "the arena is too small for this workload"));
    }

    /**
     * Returns a block to its array's free list.
     *
     * @param address an address returned by {@link #alloc} and not yet freed
     * @throws IllegalArgumentException for an address that is not live (double free, or never allocated)
     */
    public synchronized void free(int address) {
        Integer size = live.remove(address);
        if (size == null) {
            throw new IllegalArgumentException("offset " + address
                    + " is not a live arena block (freed twice, or never returned by alloc)");
        }
        int a = arrayOf(address);
        int offset = offsetOf(address);
        TreeMap<Integer, Integer> list = free[a];
        liveFloats -= size;
        liveInArray[a] -= size;
        int start = offset;
        int length = size;
        Map.Entry<Integer, Integer> before = list.floorEntry(offset);
        if (before != null && before.getKey() + before.getValue() == offset) {
            start = before.getKey();
            length += before.getValue();
            list.remove(start);
        }
        Integer after = list.get(offset + size);
        if (after != null) {
            list.remove(offset + size);
            length += after;
        }
        list.put(start, length);
    }

    /** The number of floats a request of n floats reserves. */
    public long reserved(int n) {
        long m = Math.max(n, 1);
        return (m + alignment - 1) / alignment * alignment;
    }

    /** Size of the live block at an address (as reserved), or -1 when it is not live. */
    public synchronized int blockSize(int address) {
        Integer size = live.get(address);
        return size == null ? -1 : size;
    }

    /** Floats reserved by live blocks (alignment padding included), all arrays together. */
    public synchronized long liveFloats() {
        return liveFloats;
    }

    /**
     * The most floats live blocks ever reserved at once (alignment padding included): the arena a
     * workload needs at least, fragmentation aside.
     */
    public synchronized long peakLiveFloats() {
        return peakLiveFloats;
    }

    /** Floats reserved by live blocks of one array. */
    public synchronized long liveFloats(int array) {
        return liveInArray[array];
    }

    /** Number of live blocks. */
    public synchronized int liveBlocks() {
        return live.size();
    }

    /** Floats this allocator manages (live + free), all arrays together. */
    public long capacity() {
        long c = 0;
        for (int a = 0; a < ends.length; a++) {
            c += arrayCapacity(a);
        }
        return c;
    }

    /** Number of arrays. */
    public int arrays() {
        return ends.length;
    }

    /** Floats this allocator manages in one array (array 0 without the reserved floats). */
    public long arrayCapacity(int array) {
        return (long) ends[array] - (array == 0 ? base : 0);
    }

    private long largestArrayCapacity() {
        long best = 0;
        for (int a = 0; a < ends.length; a++) {
            best = Math.max(best, arrayCapacity(a));
        }
        return best;
    }

    /** First address it may hand out (array 0's first free offset). */
    public int base() {
        return base;
    }

    /** Block alignment and granularity in floats. */
    public int alignment() {
        return alignment;
    }

    /** Length of the largest free block in floats, over all arrays (0 when full). */
    public synchronized int largestFreeBlock() {
        int best = 0;
        for (TreeMap<Integer, Integer> list : free) {
            for (int length : list.values()) {
                best = Math.max(best, length);
            }
        }
        return best;
    }

    /** Length of the largest free block of one array in floats (0 when it is full). */
    public synchronized int largestFreeBlock(int array) {
        int best = 0;
        for (int length : free[array].values()) {
            best = Math.max(best, length);
        }
        return best;
    }

    private static String mb(long floats) {
        return String.format(Locale.ROOT, "%.1f MB", floats * 4.0 / (1 << 20));
    }

    @Override
    public synchronized String toString() {
        return String.format(Locale.ROOT, "ClArena[%,d floats in %d array%s, %,d live in %d blocks, largest free %,d]",
                capacity(), ends.length, ends.length == 1 ? "" : "s", liveFloats, live.size(), largestFreeBlock());
    }
}
