package org.dspn4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.autodiff.Autograd;
import org.dspn4j.autodiff.Ops;
import org.dspn4j.nn.Parameter;
import org.dspn4j.nn.SeededWeights;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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
 */
class ConvEncoderGoldenTest {
    private static final double TOL = 1e-9;
    private static final double ZERO_TOL = 1e-12;
    private static final CpuBackend BE = new CpuBackend(2);
    private static final Golden G = Golden.load("resnet.npz");

    private static ConvEncoder enc;
    private static final Map<String, Tensor> OURS = new LinkedHashMap<>();

    @AfterAll
    static void close() {
        BE.close();
    }

    @BeforeAll
    static void run() {
        long[] cfg = G.get("meta/config").longs(); // B, side, D
        int b = (int) cfg[0];
        int side = (int) cfg[1];
        int latent = (int) cfg[2];
        enc = new ConvEncoder(BE, DType.F64, new MersenneTwister(1), latent);
        SeededWeights.apply(enc);
        Tensor images = BE.fromHost(SeededWeights.uniform(SeededWeights.IMAGE_STREAM, b * 3 * side * side, 0, 1),
                DType.F64, b, 3, side, side);
        Tensor w = BE.fromHost(SeededWeights.uniform(SeededWeights.LOSS_STREAM, b * latent, -1, 1), DType.F64, b, latent);
        OURS.put("gen/image", images);
        OURS.put("gen/w", w);
        enc.train(true);
        step("train/", images, w);
        enc.namedBuffers().forEach((n, buf) -> OURS.put("state/" + n, buf.value()));
        enc.train(false);
        step("eval/", images, w);
    }

    private static void step(String prefix, Tensor images, Tensor w) {
        Tensor x = images.detach().requiresGrad(true);
        List<Tensor> acts = enc.activations(x);
        Tensor out = Ops.reshape(acts.get(acts.size() - 1), x.size(0), enc.latent());
        Tensor loss = Ops.sum(Ops.mul(w, out));
        List<Tensor> wrt = new ArrayList<>();
        wrt.add(x);
        wrt.addAll(enc.parameterValues());
        Tensor[] g = Autograd.grad(loss, wrt.toArray(new Tensor[0]), false);
        for (int i = 0; i < acts.size(); i++) {
            OURS.put(String.format("%sact/%02d", prefix, i), acts.get(i));
        }
        OURS.put(prefix + "out", out);
        OURS.put(prefix + "loss", Ops.reshape(loss, 1));
        OURS.put(prefix + "grad/image", g[0]);
        int k = 1;
        for (String name : enc.namedParameters().keySet()) {
            OURS.put(prefix + "grad/" + name, g[k++]);
        }
    }

    @Test
    void theGeneratorsAgreeBitForBit() {
        Map<String, Parameter> params = enc.namedParameters();
        for (String key : G.keys("gen/")) {
            Tensor t = key.equals("image") || key.equals("w") ? OURS.get("gen/" + key) : params.get(key).value();
            double[] expected = G.get("gen/" + key).toDoubles();
            double[] actual = t.toDoubles();
            for (int i = 0; i < expected.length; i++) {
                assertEquals(Double.doubleToLongBits(expected[i]), Double.doubleToLongBits(actual[i]),
                        "gen/" + key + "[" + i + "]: " + actual[i] + " vs " + expected[i]);
            }
        }
    }

    @Test
    void trainingModeMatchesPyTorch() {
        compareMode("train/");
    }

    @Test
    void evaluationModeWithUpdatedRunningStatisticsMatchesPyTorch() {
        compareMode("eval/");
    }

    @Test
    void runningStatisticsAfterOneTrainingStepMatchPyTorch() {
        int n = 0;
        for (String key : G.keys("state/")) {
            Tensor ours = OURS.get("state/" + key);
            if (key.endsWith("num_batches_tracked")) {
                assertEquals(DType.I64, ours.dtype(), key);
                assertEquals(1L, G.get("state/" + key).longs()[0], key);
                assertEquals(1.0, ours.item(), key);
            } else {
                Golden.assertClose("state/" + key, ours, G.get("state/" + key), TOL);
            }
            n++;
        }
        assertEquals(enc.namedBuffers().size(), n, "every buffer is in the golden file");
    }

    private void compareMode(String prefix) {
        List<String> checked = new ArrayList<>();
        for (String key : OURS.keySet()) {
            if (!key.startsWith(prefix)) {
                continue;
            }
            Tensor ours = OURS.get(key);
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
        assertEquals(14 + enc.namedParameters().size(), checked.size());
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
