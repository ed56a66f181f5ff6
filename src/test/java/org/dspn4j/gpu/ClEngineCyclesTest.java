package org.dspn4j.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Long alloc / op / free sequences leak nothing: live floats and blocks return to where they were. */
class ClEngineCyclesTest {

    @Test
    void thousandAllocOpFreeCyclesLeaveLiveFloatsUnchanged() {
        ClEngine engine = SharedEngine.get();
        ClArena arena = engine.arena();
        long liveBefore = arena.liveFloats();
        int blocksBefore = arena.liveBlocks();
        float last = Float.NaN;
        for (int i = 0; i < 1000; i++) {
            int n = 1 + (i * 37) % 500;
            int a = arena.alloc(n);
            int b = arena.alloc(n + i % 3);
            int out = arena.alloc(1);
            engine.fill(a, n, 0.5f);
            engine.fill(b, n, i);
            EngineOps.add(engine, a, b, a, n);
            EngineOps.sum(engine, a, n, out);
            if (i == 999) {
                last = engine.download(out, 1)[0];
            }
            arena.free(b);
            arena.free(out);
            arena.free(a);
        }
        int n = 1 + (999 * 37) % 500;
        assertEquals(n * 999.5f, last, 1e-3f * n * 999.5f, "the last cycle computed");
        assertEquals(liveBefore, arena.liveFloats(), "live floats");
        assertEquals(blocksBefore, arena.liveBlocks(), "live blocks");
    }
}
