package org.dspn4j.gpu;

import java.util.Locale;

/**
 * Measures the engine's fixed costs on the automatically chosen OpenCL device (not a unit test):
 * open (compile + self-test), per-launch overhead of a chain of small ops in the resident arena,
 * small and bulk transfers, and for scale a matmul and a large sum. Usage:
 * {@code LaunchOverhead [ops=2000] [device]}.
 * <p>Built by the {@code bench} Maven profile: {@code mvn -B -q -Pbench test-compile} (classes in target/test-classes).
 */
public final class LaunchOverhead {

    private LaunchOverhead() {
    }

    public static void main(String[] args) {
        int ops = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        DeviceSelector selector = DeviceSelector.parse(args.length > 1 ? args[1] : null);
        long t0 = System.nanoTime();
        try (ClEngine e = ClEngine.open(selector)) {
            double openMs = (System.nanoTime() - t0) / 1e6;
            System.out.println("device: " + e.device().describe() + ", local size " + e.localSize());
            System.out.printf(Locale.ROOT, "open (compile + self-test, %d MB arena): %.0f ms%n",
                    e.arenaFloats() / (1 << 18), openMs);
            int n = 1024;
            int a = e.arena().alloc(n);
            int b = e.arena().alloc(n);
            int s = e.arena().alloc(1);
            e.fill(a, n, 1f);
            e.fill(b, n, 1e-3f);
            for (int i = 0; i < 200; i++) {  // warm-up
                EngineOps.add(e, a, b, a, n);
            }
            report("chain of " + ops + " BINARY ADDs on 1024 floats", ops, () -> EngineOps.add(e, a, b, a, n));
            report("chain of " + ops + " FILLs of 16 floats", ops, () -> e.fill(a, 16, 2f));
            report(ops / 2 + " SUM_DIMS of 1024 floats", ops / 2, () -> EngineOps.sum(e, a, n, s));
            float[] host = new float[n];
            report(ops / 2 + " uploads of 1024 floats (small staging)", ops / 2, () -> e.upload(a, host));
            report(ops / 2 + " downloads of 1 float (small staging)", ops / 2, () -> e.download(s, 1));
            int big = 1 << 22;
            int c = e.arena().alloc(big);
            float[] bigHost = new float[big];
            report("10 uploads of 16 MB (bulk staging, 4 chunks)", 10, () -> e.upload(c, bigHost));
            report("10 downloads of 16 MB", 10, () -> e.download(c, bigHost, 0, big));
            report("10 SUM_DIMS of 4M floats (one work-item)", 10, () -> EngineOps.sum(e, c, big, s));
            int m = 512;
            int ma = e.arena().alloc(m * m);
            int mb = e.arena().alloc(m * m);
            int mc = e.arena().alloc(m * m);
            e.fill(ma, m * m, 0.5f);
            e.fill(mb, m * m, 0.25f);
            EngineOps.matmul(e, ma, mb, mc, m, m, m);
            long t = System.nanoTime();
            int reps = 5;
            for (int i = 0; i < reps; i++) {
                EngineOps.matmul(e, ma, mb, mc, m, m, m);
            }
            double sec = (System.nanoTime() - t) / 1e9 / reps;
            System.out.printf(Locale.ROOT, "matmul 512^3: %.2f ms, %.2f GFLOP/s%n", sec * 1e3, 2.0 * m * m * m / sec / 1e9);
        }
    }

    private static void report(String what, int reps, Runnable op) {
        long t = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            op.run();
        }
        double us = (System.nanoTime() - t) / 1e3 / reps;
        System.out.printf(Locale.ROOT, "%-48s %9.1f us each%n", what + ":", us);
    }
}
