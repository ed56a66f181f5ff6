package org.dspn4j.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.autodiff.Autograd;
import org.dspn4j.experiment.TrainStep;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.nn.Parameter;
import org.dspn4j.optim.Adam;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.TaskGraph;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * End to end: the MNIST DSPN model (small sizes, F32) on {@link ClBackend} against the same model on
 * {@link CpuBackend} with identical weights and data — forward (T inner gradient steps with
 * createGraph), Chamfer loss, and the gradient of the outer loss with respect to every parameter
 * (second order through the inner loop) — all on the device, no download before the losses are read.
 */
class ClBackendDspnTest {
    /**
     * Loss tolerance (relative). Measured: 0 — bit-identical losses on PoCL, since the device's
     * elementwise ops, sums and index ops equal the CPU's exactly and only the matrix products round
     * differently. 1e-6 (~8 float ulps) leaves room for devices that contract differently.
     */
    static final double LOSS_RTOL = 1e-6;
    /**
     * Gradient tolerance, per element: GRAD_RTOL × (largest |gradient| of that parameter + largest
     * |gradient| of the whole model). Measured on PoCL: at most 2.6e-7 of the parameter's largest
     * gradient, the same size as CPU F32 against CPU F64 (2.5e-7): F32 rounding, not a device error.
     * The second term covers parameters whose exact gradient is 0 (conv.4.bias: F64 gives 3e-18,
     * F32 noise 5e-10, both 1e-7 of the model's gradient scale). 1e-5 is ~40× the measured error.
     */
    static final double GRAD_RTOL = 1e-5;

    private static final int B = 4;
    private static final int N = 20;

    static ModelConfig config(int iters, double eta) {
        return ModelConfig.paper(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.DSPN)
                .withSizes(8, 16).withSetSize(N).withInner(iters, eta).withDtype(DType.F32);
    }

    /** A batch of B point sets of sizes 8, 11, 14, 17 in the unit square, padded to N with zeros. */
    static Tensor[] batch(Backend be, long seed) {
        Random r = new Random(seed);
        double[] set = new double[B * 2 * N];
        double[] mask = new double[B * N];
        for (int s = 0; s < B; s++) {
            for (int j = 0; j < 8 + 3 * s; j++) {
                mask[s * N + j] = 1;
                set[(s * 2) * N + j] = r.nextDouble();
                set[(s * 2 + 1) * N + j] = r.nextDouble();
            }
        }
        return new Tensor[] {be.fromHost(set, DType.F32, B, 2, N), be.fromHost(mask, DType.F32, B, N)};
    }

    /** Losses (total, last, per step) and every parameter gradient, as host arrays. */
    record Result(double[] losses, List<double[]> grads, List<String> names) {
    }

    static Result forwardAndGradients(Backend be, ModelConfig cfg, Runnable beforeReading) {
        Net net = Net.create(be, cfg, new MersenneTwister(7));
        Tensor[] data = batch(be, 3);
        Net.Output out = net.forward(null, data[0], data[1]);
        Net.Loss loss = net.loss(out, data[0], data[1]);
        Map<String, Parameter> named = net.namedParameters();
        Tensor[] grads = Autograd.grad(loss.total(), net.parameterValues().toArray(new Tensor[0]), false);
        beforeReading.run();
        double[] losses = new double[2 + loss.setLoss().size()];
        losses[0] = loss.total().item();
        losses[1] = loss.last().item();
        for (int k = 0; k < loss.setLoss().size(); k++) {
            losses[2 + k] = loss.setLoss().get(k).item();
        }
        List<double[]> g = new ArrayList<>();
        for (Tensor t : grads) {
            g.add(t.toDoubles());
        }
        return new Result(losses, g, new ArrayList<>(named.keySet()));
    }

    @Test
    void forwardLossAndParameterGradientsMatchTheCpuBackend() {
        ClEngine engine = SharedEngine.get();
        ClBackend cl = new ClBackend(engine);
        // η = 8: η/(B·D) = 0.25, well conditioned; η = 800 (the paper's): 25 per sample-latent,
        // measured no worse at T = 3 with these sizes.
        for (double eta : new double[] {8.0, 800.0}) {
            ModelConfig cfg = config(3, eta);
            Result expected;
            try (CpuBackend cpu = new CpuBackend(1)) {
                expected = forwardAndGradients(cpu, cfg, () -> { });
            }
            long[] downloads = new long[2];
            downloads[0] = engine.downloads();
            Result actual = forwardAndGradients(cl, cfg, () -> downloads[1] = engine.downloads());
            assertEquals(downloads[0], downloads[1], "no download during forward, loss and gradients");
            for (int k = 0; k < expected.losses().length; k++) {
                double e = expected.losses()[k];
                assertEquals(e, actual.losses()[k], LOSS_RTOL * Math.abs(e), "eta " + eta + " loss " + k);
            }
            double modelScale = 0;
            for (double[] g : expected.grads()) {
                modelScale = Math.max(modelScale, maxAbs(g));
            }
            assertTrue(modelScale > 0, "the gradients are not all zero");
            for (int p = 0; p < expected.grads().size(); p++) {
                double[] e = expected.grads().get(p);
                double[] a = actual.grads().get(p);
                double tol = GRAD_RTOL * (maxAbs(e) + modelScale);
                for (int i = 0; i < e.length; i++) {
                    if (!(Math.abs(e[i] - a[i]) <= tol)) {
                        fail("eta " + eta + ", gradient of " + expected.names().get(p) + " [" + i + "]: cpu " + e[i]
                                + " opencl " + a[i] + ", tolerance " + tol);
                    }
                }
            }
        }
    }

    @Test
    void replayingATrainingStepLeavesTheArenaAsItWas() throws InterruptedException {
        ClEngine engine = SharedEngine.get();
        ClBackend cl = new ClBackend(engine);
        ModelConfig cfg = config(1, 8.0).withSizes(4, 8).withSetSize(N);
        Net net = Net.create(cl, cfg, new MersenneTwister(11));
        TrainStep step = new TrainStep(net, new Adam(net.namedParameters(), 1e-3));
        Tensor[] data = batch(cl, 5);
        TaskGraph graph = TaskGraph.eager(in -> {
            TrainStep.Result r = step.run(null, in[0], in[1]);
            return new Tensor[] {cl.full(r.loss(), DType.F32)};
        }, data[0].shape(), data[1].shape());
        double first = graph.replay(data)[0].item(); // creates Adam's moments
        long baseline = ArenaLive.settled(engine);
        double last = first;
        int replays = 120;
        for (int i = 0; i < replays; i++) {
            last = graph.replay(data)[0].item();
        }
        long after = ArenaLive.settledAtMost(engine, baseline);
        assertEquals(baseline, after, "arena floats live after " + replays + " replays and GC");
        assertTrue(last < first, "the training steps reduce the loss: " + first + " -> " + last);
    }


    private static double maxAbs(double[] x) {
        double m = 0;
        for (double v : x) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
