package org.dspn4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link CpuBackend#parallelFor}: every chunk once, the caller among the threads, failures and nesting. */
class ParallelForTest {
    @Test
    void everyIndexRunsOnceInChunksOfTheGrainAndTheCallerTakesSome() {
        try (CpuBackend be = new CpuBackend(3)) {
            int n = 10_007;
            AtomicIntegerArray seen = new AtomicIntegerArray(n);
            Set<Thread> threads = ConcurrentHashMap.newKeySet();
            Set<Integer> starts = ConcurrentHashMap.newKeySet();
            for (int round = 0; round < 50 && !threads.contains(Thread.currentThread()); round++) {
                seen = new AtomicIntegerArray(n);
                starts.clear();
                AtomicIntegerArray s = seen;
                be.parallelFor(n, 100, (from, to) -> {
                    threads.add(Thread.currentThread());
                    starts.add(from);
                    assertEquals(Math.min(n, from + 100), to);
                    for (int i = from; i < to; i++) {
                        s.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < n; i++) {
                    assertEquals(1, seen.get(i), "index " + i);
                }
                assertEquals(101, starts.size());
            }
            assertTrue(threads.contains(Thread.currentThread()), "the caller never ran a chunk");
        }
    }

    @Test
    void aFailingChunkIsRethrownToTheCaller() {
        try (CpuBackend be = new CpuBackend(2)) {
            IllegalArgumentException boom = new IllegalArgumentException("boom");
            IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, () -> be.parallelFor(64, 1, (from, to) -> {
                if (from == 37) {
                    throw boom;
                }
            }));
            assertSame(boom, thrown);
            AtomicIntegerArray after = new AtomicIntegerArray(8); // the backend still works
            be.parallelFor(8, 1, (from, to) -> after.incrementAndGet(from));
            for (int i = 0; i < 8; i++) {
                assertEquals(1, after.get(i));
            }
        }
    }

    /** A body that calls parallelFor while every worker is busy with the outer call must not wait forever. */
    @Test
    @Timeout(30)
    void nestedCallsFinish() {
        try (CpuBackend be = new CpuBackend(2)) {
            AtomicIntegerArray seen = new AtomicIntegerArray(16 * 16);
            be.parallelFor(16, 1, (from, to) -> be.parallelFor(16, 1, (f2, t2) -> seen.incrementAndGet(from * 16 + f2)));
            for (int i = 0; i < 256; i++) {
                assertEquals(1, seen.get(i));
            }
        }
    }
}
