package org.dspn4j.gpu;

import java.util.Locale;
import java.util.Random;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.experiment.TrainStep;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.optim.Adam;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * Times one MNIST DSPN training step (forward with the inner loop, Chamfer loss, second-order
 * gradients, Adam) on ClBackend and on CpuBackend, and counts the engine's launches and transfers
 * per step (not a unit test). Usage:
 * {@code DspnStepTiming [latent=8] [hidden=16] [N=20] [T=3] [B=4] [steps=10] [device] [arenaMB=256]}.
 * <p>Built by the {@code bench} Maven profile: {@code mvn -B -q -Pbench test-compile} (classes in target/test-classes).
 */
public final class DspnStepTiming {

    private DspnStepTiming() {
    }

    public static void main(String[] args) {
        int latent = arg(args, 0, 8);
        int hidden = arg(args, 1, 16);
        int n = arg(args, 2, 20);
        int iters = arg(args, 3, 3);
        int b = arg(args, 4, 4);
        int steps = arg(args, 5, 10);
        DeviceSelector selector = DeviceSelector.parse(args.length > 6 ? args[6] : null);
        long arenaFloats = args.length > 7 ? (long) Integer.parseInt(args[7]) << 18 : ClEngine.DEFAULT_ARENA_FLOATS;
        ModelConfig cfg = ModelConfig.paper(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.DSPN)
                .withSizes(latent, hidden).withSetSize(n).withInner(iters, 800.0).withDtype(DType.F32);
        System.out.printf(Locale.ROOT, "MNIST DSPN F32: D=%d H=%d N=%d T=%d B=%d%n", latent, hidden, n, iters, b);
        try (ClEngine e = ClEngine.open(selector, arenaFloats, ClEngine.DEFAULT_STAGING_FLOATS);
             CpuBackend cpu = new CpuBackend()) {
            System.out.println("device: " + e.device().describe());
            time("cpu (" + cpu.threads() + " threads)", cpu, cfg, b, steps, null);
            time("opencl", new ClBackend(e), cfg, b, steps, e);
        }
    }

    private static void time(String what, Backend be, ModelConfig cfg, int b, int steps, ClEngine e) {
        Net net = Net.create(be, cfg, new MersenneTwister(7));
        TrainStep step = new TrainStep(net, new Adam(net.namedParameters(), 1e-3));
        int n = cfg.setSize();
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
        Tensor ts = be.fromHost(set, DType.F32, b, 2, n);
        Tensor tm = be.fromHost(mask, DType.F32, b, n);
        for (int i = 0; i < 2; i++) {
            step.run(null, ts, tm); // warm-up (JIT, first launches)
        }
        if (e != null) {
            e.resetProfile();
        }
        long l0 = e == null ? 0 : e.launches();
        long u0 = e == null ? 0 : e.uploads();
        long d0 = e == null ? 0 : e.downloads();
        long t = System.nanoTime();
        double loss = 0;
        for (int i = 0; i < steps; i++) {
            loss = step.run(null, ts, tm).loss();
        }
        double ms = (System.nanoTime() - t) / 1e6 / steps;
        System.out.printf(Locale.ROOT, "%-22s %9.1f ms/step  loss %.6f", what + ":", ms, loss);
        if (e != null) {
            System.out.printf(Locale.ROOT, "  %d launches, %d uploads, %d downloads per step (%.0f us/launch)",
                    (e.launches() - l0) / steps, (e.uploads() - u0) / steps, (e.downloads() - d0) / steps,
                    ms * 1e3 / ((e.launches() - l0) / (double) steps));
        }
        System.out.println();
        if (e != null) {
            System.out.print(e.profile());
        }
    }

    private static int arg(String[] args, int i, int dflt) {
        return args.length > i ? Integer.parseInt(args[i]) : dflt;
    }
}
