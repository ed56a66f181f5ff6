package org.dspn4j.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.function.Function;

import org.dspn4j.gpu.ClBackend;
import org.dspn4j.gpu.ClEngine;
import org.dspn4j.gpu.ClTaskGraph;
import org.dspn4j.gpu.DeviceSelector;
import org.dspn4j.match.Hungarian;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * The Hungarian assignment inside a recorded task graph on OpenCL, two ways: the ASSIGN kernel
 * ({@code Backend.assign}) and the host step it replaced ({@code Backend.hostStep} running
 * {@code Hungarian.assign}: the costs go down, the indices come up, in the middle of every replay).
 * The graph is the assignment's part of the Hungarian loss: costs (B, n, n) in, the matched costs
 * gathered and summed out. Per replay it prints the kernel launches, the transfers, and the wall
 * time of the replay alone and of the replay plus reading the sum (a training step reads its loss):
 * best and median over interleaved rounds (kernel, host step, kernel, …), on distinct random costs.
 * Both graphs must give the same sum, bit for bit, on every input. Not a JMH benchmark.
 *
 * <pre>
 *   mvn -B -q -Pbench -DskipTests test-compile
 *   mvn -B -q dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 *   LD_PRELOAD=$JAVA_HOME/lib/libjsig.so java -XX:+UseG1GC -cp target/test-classes:target/classes:$(cat /tmp/cp.txt) \
 *       org.dspn4j.bench.AssignTiming [B=32] [n=10] [replays per round=50] [rounds=6] [device=auto]
 * </pre>
 */
public final class AssignTiming {
    private AssignTiming() {
    }

    /** costs → assignment (the kernel, or a host step) → the sum of the matched costs. */
    private static Function<Tensor[], Tensor[]> body(Backend be, int b, int n, boolean kernel) {
        return in -> {
            Tensor idx = kernel ? be.assign(in[0]) : be.hostStep(in[0], c -> {
                int[] cols = Hungarian.assign(c, b, n);
                double[] out = new double[cols.length];
                for (int i = 0; i < out.length; i++) {
                    out[i] = cols[i];
                }
                return out;
            }, DType.I64, b, n);
            Tensor matched = be.gather(in[0], 2, be.reshape(idx, b, n, 1));
            return new Tensor[] {be.sum(matched, new int[] {0, 1, 2}, false)};
        };
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
    }

    public static void main(String[] args) {
        int b = args.length > 0 ? Integer.parseInt(args[0]) : 32;
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int perRound = args.length > 2 ? Integer.parseInt(args[2]) : 50;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 6;
        DeviceSelector dev = DeviceSelector.parse(args.length > 4 ? args[4] : "auto");
        // the staging arrays training opens with (BackendChoice): a download above 1,024 floats moves the 4 MB bulk array
        try (ClEngine e = ClEngine.open(dev, ClEngine.MIN_ARENA_FLOATS, ClEngine.DEFAULT_STAGING_FLOATS)) {
            ClBackend be = new ClBackend(e);
            System.out.printf(Locale.ROOT, "device: %s; B = %d, n = %d, %d rounds of %d replays each way%n",
                    e.device().describe(), b, n, rounds, perRound);
            int[] shape = {b, n, n};
            Random r = new Random(1);
            Tensor[] inputs = new Tensor[perRound];
            for (int k = 0; k < perRound; k++) {
                double[] c = new double[b * n * n];
                for (int i = 0; i < c.length; i++) {
                    c[i] = r.nextFloat();
                }
                inputs[k] = be.fromHost(c, DType.F32, shape);
            }
            String[] names = {"ASSIGN kernel", "host step"};
            try (ClTaskGraph kernel = be.record(body(be, b, n, true), shape);
                 ClTaskGraph host = be.record(body(be, b, n, false), shape)) {
                ClTaskGraph[] graphs = {kernel, host};
                double[][] replayMs = new double[2][rounds * perRound];
                double[][] readMs = new double[2][rounds * perRound];
                long[] launches = new long[2];
                long[] downloads = new long[2];
                long[] uploads = new long[2];
                double[][] sums = new double[2][perRound];
                for (int w = 0; w < 2; w++) {
                    for (int k = 0; k < perRound; k++) {
                        graphs[w].replay(inputs[k])[0].item(); // warm-up (JIT, PoCL's first launches)
                    }
                }
                for (int round = 0; round < rounds; round++) {
                    for (int w = 0; w < 2; w++) {
                        long l0 = e.launches();
                        long d0 = e.downloads();
                        long u0 = e.uploads();
                        for (int k = 0; k < perRound; k++) {
                            long t0 = System.nanoTime();
                            Tensor[] out = graphs[w].replay(inputs[k]);
                            long t1 = System.nanoTime();
                            sums[w][k] = out[0].item();
                            long t2 = System.nanoTime();
                            replayMs[w][round * perRound + k] = (t1 - t0) / 1e6;
                            readMs[w][round * perRound + k] = (t2 - t0) / 1e6;
                        }
                        launches[w] += e.launches() - l0;
                        downloads[w] += e.downloads() - d0;
                        uploads[w] += e.uploads() - u0;
                    }
                    for (int k = 0; k < perRound; k++) {
                        if (Double.doubleToRawLongBits(sums[0][k]) != Double.doubleToRawLongBits(sums[1][k])) {
                            throw new IllegalStateException("input " + k + ": kernel sum " + sums[0][k] + " != host-step sum " + sums[1][k]);
                        }
                    }
                }
                int total = rounds * perRound;
                for (int w = 0; w < 2; w++) {
                    ClTaskGraph g = graphs[w];
                    System.out.printf(Locale.ROOT, "%-13s: %d host step(s), %d kernel launches in the program; per replay + read: "
                                    + "%.2f launches, %.2f downloads, %.2f uploads; replay %.3f ms best, %.3f ms median; "
                                    + "replay + read %.3f ms best, %.3f ms median%n",
                            names[w], g.hostSteps(), g.launchesPerReplay(), launches[w] / (double) total,
                            downloads[w] / (double) total, uploads[w] / (double) total,
                            Arrays.stream(replayMs[w]).min().orElse(0), median(replayMs[w]),
                            Arrays.stream(readMs[w]).min().orElse(0), median(readMs[w]));
                }
                e.resetProfile();
                for (int k = 0; k < perRound; k++) {
                    kernel.replay(inputs[k]);
                }
                kernel.check();
                System.out.print("kernel graph, per-op profile of " + perRound + " replays:\n" + e.profile());
                e.resetProfile();
                for (int k = 0; k < perRound; k++) {
                    host.replay(inputs[k]);
                }
                System.out.print("host-step graph, per-op profile of " + perRound + " replays:\n" + e.profile());
            }
        }
    }
}
