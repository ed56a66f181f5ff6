package org.dspn4j.gpu;

import java.util.Locale;
import org.dspn4j.tensor.Backend;

/**
 * Per-launch times of bandwidth-bound ops on 4M floats, a matmul and a launch-bound ADD, in a 256 MB
 * one-array arena (not a unit test; docs/gpu.md, "Measurements", quotes its launch-bound ADD): the
 * best of several launches of each. Usage:
 * {@code ArenaAccessTiming} (automatic device).
 * <p>Built by the {@code bench} Maven profile: {@code mvn -B -q -Pbench test-compile} (classes in target/test-classes).
 */
public final class ArenaAccessTiming {

    private ArenaAccessTiming() {
    }

    public static void main(String[] args) {
        try (ClEngine e = ClEngine.open(DeviceSelector.auto(), 64 << 20, 1 << 20)) {
            int n = 1 << 22;
            int a = e.arena().alloc(n), b = e.arena().alloc(n), c = e.arena().alloc(n), s = e.arena().alloc(1);
            e.fill(a, n, 1f);
            e.fill(b, n, 1e-3f);
            int m = 384;
            int ma = e.arena().alloc(m * m), mb = e.arena().alloc(m * m), mc = e.arena().alloc(m * m);
            e.fill(ma, m * m, 0.5f);
            e.fill(mb, m * m, 0.25f);
            int[] shape = {1024, 4096};
            report("BINARY ADD 4M", 20, () -> EngineOps.add(e, a, b, c, n));
            report("BINARY MUL 4M (1024,4096)*(1,4096)", 20,
                    () -> e.binary(Backend.Binary.MUL, a, new int[] {4096, 1}, b, new int[] {0, 1}, c, shape));
            report("MAP EXP 4M", 20, () -> e.unary(Backend.Unary.EXP, a, c, n));
            report("STRIDED_COPY transpose 4M", 10,
                    () -> e.stridedCopy(a, new int[] {1, 1024}, c, new int[] {4096, 1}, new int[] {1024, 4096}));
            report("SUM_DIMS 4M (one work-item)", 20, () -> EngineOps.sum(e, a, n, s));
            report("MATMUL 384^3", 5, () -> EngineOps.matmul(e, ma, mb, mc, m, m, m));
            report("BINARY ADD 1024 (launch-bound)", 2000, () -> EngineOps.add(e, a, b, c, 1024));
        }
    }

    private static void report(String what, int reps, Runnable op) {
        op.run();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < reps; i++) {
            long t = System.nanoTime();
            op.run();
            best = Math.min(best, System.nanoTime() - t);
        }
        System.out.printf(Locale.ROOT, "%-40s %10.1f us (min of %d)%n", what, best / 1e3, reps);
    }
}
