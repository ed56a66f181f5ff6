package org.dspn4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.autodiff.Autograd;
import org.dspn4j.autodiff.Ops;
import org.dspn4j.nn.Parameter;
import org.dspn4j.nn.SeededWeights;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.testing.Golden;
import org.dspn4j.testing.GoldenBackends;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CLEVR image encoder (ResNet34 + head, docs/reference-behaviour.md §4) against
 * golden/resnet.npz, written by an independent PyTorch model in float64 (golden/generate_resnet.py;
 * its trunk checked identical to torchvision's {@code resnet34()}). Both sides build the weights,
 * the images (B = 2, 3×128×128) and the loss weights w from the same seeded generator
 * ({@link SeededWeights}); L = Σ w ⊙ encode(images).
 *
 * <p>Two runs, as in the generator: training mode (batch statistics, one running-statistics
 * update), then evaluation mode with the running statistics that step left. Compared in each: the
 * output of every Sequential entry (layers.0–7, end.0–2), the (B, D) output and loss, dL/d(images),
 * the gradient of every batch-norm parameter and convolution bias in full, every convolution
 * weight's gradient as a digest (sum, Euclidean norm, max |·|, 64 fixed entries); and the
 * batch-norm buffers after the training step. Tolerance: 1e-9 relative to the golden tensor's
 * largest magnitude (F64 against F64; this is a well-conditioned case, docs/reference-behaviour.md
 * §9). NOTE: {@code end.0.bias} feeds a training-mode batch norm, so its gradient is mathematically
 * zero and holds rounding noise (~1e-15) on both sides: it is checked with an absolute tolerance of
 * 1e-12.
 *
 * <p>Every test runs on the CPU backend and on the op set's definition ({@link GoldenBackends}); each
 * backend's two steps run once, on first use (on the definition, about half a minute of one core).
 */
class ConvEncoderGoldenTest {
    private static final double TOL = 1e-9;
    private static final double ZERO_TOL = 1e-12;
    private static final Golden G = Golden.load("resnet.npz");

    /** One backend's encoder and everything its two steps produced (keys as in the golden file). */
    private record Run(ConvEncoder enc, Map<String, Tensor> ours) {
    }

    private static final Map<String, Run> RUNS = new HashMap<>();

    @AfterAll
    static void forget() {
        RUNS.clear();
    }

    private static synchronized Run run(String backend) {
        return RUNS.computeIfAbsent(backend, name -> {
            Backend be = GoldenBackends.get(name);
            long[] cfg = G.get("meta/config").longs(); // B, side, D
            int b = (int) cfg[0];
            int side = (int) cfg[1];
            int latent = (int) cfg[2];
            ConvEncoder enc = new ConvEncoder(be, DType.F64, new MersenneTwister(1), latent);
            SeededWeights.apply(enc);
            Tensor images = be.fromHost(SeededWeights.uniform(SeededWeights.IMAGE_STREAM, b * 3 * side * side, 0, 1),
                    DType.F64, b, 3, side, side);
            Tensor w = be.fromHost(SeededWeights.uniform(SeededWeights.LOSS_STREAM, b * latent, -1, 1), DType.F64, b, latent);
            Map<String, Tensor> ours = new LinkedHashMap<>();
            ours.put("gen/image", images);
            ours.put("gen/w", w);
            enc.train(true);
            step(enc, ours, "train/", images, w);
            enc.namedBuffers().forEach((n, buf) -> ours.put("state/" + n, buf.value()));
            enc.train(false);
            step(enc, ours, "eval/", images, w);
            return new Run(enc, ours);
        });
    }

    private static void step(ConvEncoder enc, Map<String, Tensor> ours, String prefix, Tensor images, Tensor w) {
        Tensor x = images.detach().requiresGrad(true);
        List<Tensor> acts = enc.activations(x);
        Tensor out = Ops.reshape(acts.get(acts.size() - 1), x.size(0), enc.latent());
        Tensor loss = Ops.sum(Ops.mul(w, out));
        List<Tensor> wrt = new ArrayList<>();
        wrt.add(x);
        wrt.addAll(enc.parameterValues());
        Tensor[] g = Autograd.grad(loss, wrt.toArray(new Tensor[0]), false);
        for (int i = 0; i < acts.size(); i++) {
            ours.put(String.format("%sact/%02d", prefix, i), acts.get(i));
        }
        ours.put(prefix + "out", out);
        ours.put(prefix + "loss", Ops.reshape(loss, 1));
        ours.put(prefix + "grad/image", g[0]);
        int k = 1;
        for (String name : enc.namedParameters().keySet()) {
            ours.put(prefix + "grad/" + name, g[k++]);
        }
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("org.dspn4j.testing.GoldenBackends#names")
    void theGeneratorsAgreeBitForBit(String backend) {
        Run run = run(backend);
        Map<String, Parameter> params = run.enc().namedParameters();
        for (String key : G.keys("gen/")) {
            Tensor t = key.equals("image") || key.equals("w") ? run.ours().get("gen/" + key) : params.get(key).value();
            double[] expected = G.get("gen/" + key).toDoubles();
            double[] actual = t.toDoubles();
            for (int i = 0; i < expected.length; i++) {
                assertEquals(Double.doubleToLongBits(expected[i]), Double.doubleToLongBits(actual[i]),
                        "gen/" + key + "[" + i + "]: " + actual[i] + " vs " + expected[i]);
            }
        }
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("org.dspn4j.testing.GoldenBackends#names")
    void trainingModeMatchesPyTorch(String backend) {
        compareMode(run(backend), "train/");
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("org.dspn4j.testing.GoldenBackends#names")
    void evaluationModeWithUpdatedRunningStatisticsMatchesPyTorch(String backend) {
        compareMode(run(backend), "eval/");
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("org.dspn4j.testing.GoldenBackends#names")
    void runningStatisticsAfterOneTrainingStepMatchPyTorch(String backend) {
        Run run = run(backend);
        int n = 0;
        for (String key : G.keys("state/")) {
            Tensor ours = run.ours().get("state/" + key);
            if (key.endsWith("num_batches_tracked")) {
                assertEquals(DType.I64, ours.dtype(), key);
                assertEquals(1L, G.get("state/" + key).longs()[0], key);
                assertEquals(1.0, ours.item(), key);
            } else {
                Golden.assertClose("state/" + key, ours, G.get("state/" + key), TOL);
            }
            n++;
        }
        assertEquals(run.enc().namedBuffers().size(), n, "every buffer is in the golden file");
    }

    private void compareMode(Run run, String prefix) {
        List<String> checked = new ArrayList<>();
        for (String key : run.ours().keySet()) {
            if (!key.startsWith(prefix)) {
                continue;
            }
            Tensor ours = run.ours().get(key);
            if (key.equals("train/grad/end.0.bias")) {
                Golden.assertAbsClose(key, ours, G.get(key), ZERO_TOL);
            } else if (G.has(key)) {
                Golden.assertClose(key, ours, G.get(key), TOL);
            } else {
                compareDigest(key, ours);
            }
            checked.add(key);
        }
        // 11 activations, out, loss, image gradient, one gradient per parameter
        assertEquals(14 + run.enc().namedParameters().size(), checked.size());
    }

    /** Compares a tensor stored as a digest: sum, Euclidean norm, max |x| and the values at 64 fixed indices. */
    private static void compareDigest(String key, Tensor ours) {
        assertTrue(G.has(key + "/l2"), key + " is neither stored nor digested in the golden file");
        double[] a = ours.toDoubles();
        double sum = 0;
        double sq = 0;
        double amax = 0;
        for (double v : a) {
            sum += v;
            sq += v * v;
            amax = Math.max(amax, Math.abs(v));
        }
        double l2 = Math.sqrt(sq);
        double gSum = G.get(key + "/sum").doubles()[0];
        double gL2 = G.get(key + "/l2").doubles()[0];
        double gMax = G.get(key + "/amax").doubles()[0];
        // the sum's scale is its L1 norm, at most sqrt(n)·L2
        within(key + "/sum", sum, gSum, TOL * Math.sqrt(a.length) * gL2);
        within(key + "/l2", l2, gL2, TOL * gL2);
        within(key + "/amax", amax, gMax, TOL * gMax);
        long[] idx = G.get(key + "/idx").longs();
        double[] val = G.get(key + "/val").doubles();
        double[] picked = new double[idx.length];
        for (int i = 0; i < idx.length; i++) {
            picked[i] = a[(int) idx[i]];
        }
        Golden.assertClose(key + "/val", picked, val, 0.0, TOL * gMax);
    }

    private static void within(String what, double actual, double expected, double tol) {
        if (!(Math.abs(actual - expected) <= tol)) {
            fail(String.format("%s: ours %.17g golden %.17g |diff| %.3g > %.3g", what, actual, expected,
                    Math.abs(actual - expected), tol));
        }
    }
}
