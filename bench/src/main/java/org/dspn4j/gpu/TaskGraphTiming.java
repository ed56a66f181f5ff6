package org.dspn4j.gpu;

import java.util.Locale;
import java.util.Random;
import java.util.function.Function;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.optim.Adam;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * Launches and time per MNIST DSPN training step (forward with the inner loop and createGraph,
 * Chamfer loss, second-order gradients, Adam; the functional step of {@code ClTaskGraphTest}) on
 * ClBackend: run eagerly, replayed from an unfused recording, and replayed from a recorded and fused
 * graph, with the state fed back (not a unit test; docs/gpu.md records its output). Usage:
 * {@code TaskGraphTiming [latent=8] [hidden=16] [N=20] [T=3] [B=4] [steps=10] [device] [arenaMB=256]}.
 * <p>Built by the {@code bench} Maven profile: {@code mvn -B -q -Pbench test-compile} (classes in target/test-classes).
 */
public final class TaskGraphTiming {

    private TaskGraphTiming() {
    }

    public static void main(String[] args) {
        int latent = arg(args, 0, 8);
        int hidden = arg(args, 1, 16);
        int n = arg(args, 2, 20);
        int iters = arg(args, 3, 3);
        int b = arg(args, 4, 4);
        int steps = arg(args, 5, 10);
        DeviceSelector selector = DeviceSelector.parse(args.length > 6 ? args[6] : null);
        int arenaMb = arg(args, 7, 256);
        ModelConfig cfg = ModelConfig.paper(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.DSPN)
                .withSizes(latent, hidden).withSetSize(n).withInner(iters, 800.0).withDtype(DType.F32);
        System.out.printf(Locale.ROOT, "MNIST DSPN F32 training step: D=%d H=%d N=%d T=%d B=%d, %d steps%n", latent, hidden, n,
                iters, b, steps);
        try (ClEngine e = ClEngine.open(selector, arenaMb << 18, ClEngine.DEFAULT_STAGING_FLOATS)) {
            System.out.println("device: " + e.device().describe());
            ClBackend be = new ClBackend(e);
            Net net = Net.create(be, cfg, new MersenneTwister(7));
            Function<Tensor[], Tensor[]> body = ClTaskGraphTest.trainStep(net, new Adam(net.namedParameters(), 1e-3));
            Tensor[] batch = batch(be, b, n);
            Tensor[] start = ClTaskGraphTest.initialState(be, net, batch);
            run("eager", e, start, batch, steps, body::apply);
            long t0 = System.nanoTime();
            try (ClTaskGraph plain = be.record(false, body, ClTaskGraphTest.shapes(start))) {
                System.out.printf(Locale.ROOT, "record (unfused): %.0f ms, %s%n", (System.nanoTime() - t0) / 1e6, plain);
                run("replay unfused", e, start, batch, steps, plain::replay);
            }
            t0 = System.nanoTime();
            try (ClTaskGraph fused = be.record(body, ClTaskGraphTest.shapes(start))) {
                System.out.printf(Locale.ROOT, "record + fuse: %.0f ms, %s, %,d arena floats owned%n",
                        (System.nanoTime() - t0) / 1e6, fused, fused.ownedFloats());
                run("replay fused", e, start, batch, steps, fused::replay);
            }
        }
    }

    private static void run(String what, ClEngine e, Tensor[] start, Tensor[] batch, int steps,
                            Function<Tensor[], Tensor[]> step) {
        Tensor[] in = start;
        for (int i = 0; i < 2; i++) { // warm-up (JIT, first launches)
            in = ClTaskGraphTest.next(null, in, step.apply(in), batch, false);
        }
        e.resetProfile();
        long l0 = e.launches();
        long t = System.nanoTime();
        Tensor[] out = null;
        for (int i = 0; i < steps; i++) {
            out = step.apply(in);
            in = ClTaskGraphTest.next(null, in, out, batch, false);
        }
        double ms = (System.nanoTime() - t) / 1e6 / steps;
        double launches = (e.launches() - l0) / (double) steps;
        System.out.printf(Locale.ROOT, "%-16s %9.1f ms/step  %6.0f launches/step  (%.0f us/launch)  loss %.6f%n", what + ":",
                ms, launches, ms * 1e3 / launches, out[0].item());
        System.out.print(e.profile());
    }

    private static Tensor[] batch(ClBackend be, int b, int n) {
        Random r = new Random(3);
        double[] set = new double[b * 2 * n];
        double[] mask = new double[b * n];
        for (int s = 0; s < b; s++) {
            int size = Math.max(1, n - 3 * s);
            for (int j = 0; j < size; j++) {
                mask[s * n + j] = 1;
                set[(s * 2) * n + j] = r.nextDouble();
                set[(s * 2 + 1) * n + j] = r.nextDouble();
            }
        }
        return new Tensor[] {be.fromHost(set, DType.F32, b, 2, n), be.fromHost(mask, DType.F32, b, n)};
    }

    private static int arg(String[] args, int i, int dflt) {
        return args.length > i ? Integer.parseInt(args[i]) : dflt;
    }
}
