package org.dspn4j.model;

import static org.dspn4j.autodiff.Ops.concat;
import static org.dspn4j.autodiff.Ops.reshape;
import static org.dspn4j.autodiff.Ops.unsqueeze;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.autodiff.Autograd;
import org.dspn4j.io.NdArray;
import org.dspn4j.loss.Huber;
import org.dspn4j.nn.Module;
import org.dspn4j.nn.Parameter;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.testing.Golden;

/**
 * The golden model cases of golden/models.npz (independent PyTorch, float64; golden/generate.py's
 * MODEL_CASES) under permutations: the permuted golden input, our outputs on it, and the golden
 * outputs permuted as the maths says they must be.
 *
 * <p>What each case holds, and what a permutation may touch:
 * <ul>
 *   <li>Inputs: the target set (B, C, N) and mask (B, N), zero-padded (each sample has ⌈N/2⌉…N
 *       elements). Permutable: the N slots of each sample separately, and the B samples.</li>
 *   <li>Parameters: {@code input_encoder.z} (B, D), the CLEVR cases' stand-in image encoder output,
 *       is per sample: permuted with the batch, and so is its golden gradient. DSPN's initial set
 *       Ŷ(0) = {@code set_decoder.starting_set} (1, C, N) and mask m(0) = {@code starting_mask}
 *       (1, N) are permuted together along N, and so are their golden gradients. Every other
 *       parameter (encoder and baseline-decoder weights) is left alone.</li>
 *   <li>Outputs, per sample (permuted with the batch): z, the target representation g(Y, m_Y),
 *       every Ŷ(t) and m(t) (T+1, B, C, N), (T+1, B, N). Ŷ(t) and m(t) are also equivariant in the
 *       slots of Ŷ(0), m(0) (the paper's Theorem 1, appendix A, applied at every step); the MLP and
 *       LSTM baselines have no initial set and their output slots are fixed positions.</li>
 *   <li>Outputs, batch means, invariant under all three permutations: the inner losses, the set
 *       losses per step (Chamfer or Hungarian), the representation loss λ·Huber(g(Y), z), the outer
 *       loss, and the gradient of every parameter other than the three permuted ones.</li>
 * </ul>
 *
 * <p><b>Ties.</b> The padding slots of a target are identical elements (zero features, mask 0), so
 * FSPool's featurewise sort sees equal values there and the Hungarian loss has several optimal
 * assignments (swapping two padding targets). Which tied element goes where depends on the order,
 * so the assignment itself and the gradient with respect to the <em>target</em> set are
 * order-dependent; neither is in the golden file and neither is compared. What is defined is
 * compared: the sorted values (so g(Y, m_Y)), the matched costs (so the loss) and every parameter
 * gradient, which sums the contributions of identical elements and is the same whichever tied
 * element takes which place.
 */
final class PermutedGolden {
    static final Golden G = Golden.load("models.npz");
    /** GoldenModelsTest's mathematically-zero gradients (checked there with an absolute tolerance). */
    static final Set<String> ZERO_GRADS = Set.of("set_encoder.conv.4.bias", "set_encoder.lin.weight",
            "set_encoder.lin.bias");

    private PermutedGolden() {
    }

    /** One case of golden/generate.py's MODEL_CASES, with the options GoldenModelsTest passes. */
    record Case(String name, ModelConfig.Task task, ModelConfig.DecoderKind decoder, boolean eval,
                boolean f32Ratios, boolean plus1, boolean allSteps) {
        private long[] header() {
            return G.get(name + "/config").longs(); // B, N, latent, hidden, T
        }

        int b() {
            return (int) header()[0];
        }

        int n() {
            return (int) header()[1];
        }

        int iters() {
            return (int) header()[4];
        }

        double eta() {
            return G.get(name + "/eta").doubles()[0];
        }

        boolean dspn() {
            return decoder == ModelConfig.DecoderKind.DSPN;
        }

        NdArray golden(String key) {
            return G.get(name + "/" + key);
        }

        ModelConfig config(DType dt) {
            long[] h = header();
            return ModelConfig.paper(task, decoder).withDtype(dt).withSetSize((int) h[1])
                    .withSizes((int) h[2], (int) h[3]).withInner((int) h[4], eta())
                    .withOptions(allSteps, plus1, f32Ratios);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static final Map<String, Case> CASES = new LinkedHashMap<>();

    static {
        var dspn = ModelConfig.DecoderKind.DSPN;
        var mlp = ModelConfig.DecoderKind.MLP;
        var rnn = ModelConfig.DecoderKind.RNN;
        var mnist = ModelConfig.Task.MNIST;
        var box = ModelConfig.Task.CLEVR_BOX;
        var state = ModelConfig.Task.CLEVR_STATE;
        for (Case c : List.of(
                new Case("mnist_dspn", mnist, dspn, false, false, false, false),
                new Case("mnist_dspn_eval", mnist, dspn, true, false, false, false),
                new Case("mnist_dspn_f32ratios", mnist, dspn, false, true, false, false),
                new Case("mnist_mlp", mnist, mlp, false, false, false, false),
                new Case("mnist_rnn_plus1", mnist, rnn, false, false, true, false),
                new Case("clevr_state_dspn", state, dspn, false, false, false, false),
                new Case("clevr_box_dspn_all_steps", box, dspn, false, false, false, true),
                new Case("clevr_box_mlp", box, mlp, false, false, false, false),
                new Case("clevr_state_rnn", state, rnn, false, false, false, false))) {
            CASES.put(c.name, c);
        }
    }

    static Case named(String name) {
        Case c = CASES.get(name);
        if (c == null) {
            throw new IllegalArgumentException("no golden model case " + name);
        }
        return c;
    }

    /**
     * The permutations of one trial. New sample b' is old sample {@code batch.at(b')}; its target
     * slot i is that sample's slot {@code targetSlots.get(b').at(i)}; initial slot i is old initial
     * slot {@code initialSlots.at(i)}.
     */
    record Trial(List<Perm> targetSlots, Perm batch, Perm initialSlots) {
    }

    /**
     * Permutes an array along up to two axes: out[…, b, …, i, …] = in[…, batch(b), …, slots_b(i), …],
     * where slots_b is {@code slots.get(b)} (one permutation per new sample) or {@code slots.get(0)}
     * when one is given for all. An axis of −1 (or a null permutation) is left alone.
     */
    static double[] permute(double[] in, int[] shape, int batchAxis, Perm batch, int slotAxis, List<Perm> slots) {
        int rank = shape.length;
        int[] strides = new int[rank];
        int size = 1;
        for (int a = rank - 1; a >= 0; a--) {
            strides[a] = size;
            size *= shape[a];
        }
        assertEquals(size, in.length, "array size");
        if (batchAxis >= 0 && batch != null) {
            assertEquals(shape[batchAxis], batch.size(), "batch permutation size");
        }
        if (slotAxis >= 0 && slots != null) {
            if (slots.size() != 1 && (batchAxis < 0 || slots.size() != shape[batchAxis])) {
                throw new IllegalArgumentException(slots.size() + " slot permutations need a batch axis of that size");
            }
            for (Perm p : slots) {
                assertEquals(shape[slotAxis], p.size(), "slot permutation size");
            }
        }
        double[] out = new double[size];
        int[] idx = new int[rank];
        for (int flat = 0; flat < size; flat++) {
            int rem = flat;
            for (int a = 0; a < rank; a++) {
                idx[a] = rem / strides[a];
                rem %= strides[a];
            }
            int src = 0;
            for (int a = 0; a < rank; a++) {
                int j = idx[a];
                if (a == batchAxis && batch != null) {
                    j = batch.at(idx[a]);
                } else if (a == slotAxis && slots != null) {
                    Perm p = slots.size() == 1 ? slots.get(0) : slots.get(idx[batchAxis]);
                    j = p.at(idx[a]);
                }
                src += j * strides[a];
            }
            out[flat] = in[src];
        }
        return out;
    }

    static NdArray permute(NdArray a, int batchAxis, Perm batch, int slotAxis, List<Perm> slots) {
        return NdArray.of(permute(a.toDoubles(), a.shape(), batchAxis, batch, slotAxis, slots), a.shape());
    }

    /** A stand-in image encoder whose output z is a parameter (the golden's {@code input_encoder.z}). */
    static final class DirectLatent extends Module implements ImageEncoder {
        private final Parameter z;

        DirectLatent(Backend be, DType dt, int b, int d) {
            z = param("z", be.full(0.0, dt, b, d));
        }

        @Override
        public Tensor encode(Tensor images) {
            return z.value();
        }
    }

    /** The case's golden parameters, with z permuted by the batch and Ŷ(0), m(0) by the initial slots. */
    static Map<String, NdArray> permutedWeights(Case c, Trial t) {
        Map<String, NdArray> w = new LinkedHashMap<>();
        for (String k : G.keys(c.name + "/param/")) {
            NdArray a = c.golden("param/" + k);
            w.put(k, permuteParameter(k, a, t));
        }
        return w;
    }

    /** A parameter or its gradient, permuted as the trial permutes that parameter. */
    static NdArray permuteParameter(String name, NdArray a, Trial t) {
        switch (name) {
            case "input_encoder.z":
                return permute(a, 0, t.batch(), -1, null);
            case "set_decoder.starting_set":
                return permute(a, -1, null, 2, List.of(t.initialSlots()));
            case "set_decoder.starting_mask":
                return permute(a, -1, null, 1, List.of(t.initialSlots()));
            default:
                return a;
        }
    }

    /** The model of a case on a backend, with the trial's permuted golden weights. */
    static Net net(Backend be, DType dt, Case c, Trial t) {
        ModelConfig cfg = c.config(dt);
        DirectLatent latent = c.task.supervised() ? new DirectLatent(be, dt, c.b(), cfg.latent()) : null;
        Net net = new Net(be, cfg, new MersenneTwister(1), latent);
        Weights.load(net, permutedWeights(c, t));
        return net;
    }

    /** The golden target set (B, C, N) and mask (B, N), permuted by the trial. */
    static Tensor[] targets(Backend be, DType dt, Case c, Trial t) {
        NdArray s = permute(c.golden("input/target_set"), 0, t.batch(), 2, t.targetSlots());
        NdArray m = permute(c.golden("input/target_mask"), 0, t.batch(), 1, t.targetSlots());
        return new Tensor[] {be.fromHost(s.toDoubles(), dt, s.shape()), be.fromHost(m.toDoubles(), dt, m.shape())};
    }

    /**
     * Our whole training step (or, for the evaluation case, the decoding) on the permuted golden
     * input, under the golden file's keys: out/sets, out/masks, out/inner_losses, out/z,
     * out/target_repr, out/set_loss, out/repr_loss, out/loss, grad/&lt;every parameter&gt;.
     */
    static Map<String, Tensor> ours(Backend be, DType dt, Case c, Trial t) {
        Net net = net(be, dt, c, t);
        Tensor[] y = targets(be, dt, c, t);
        Map<String, Tensor> out = new TreeMap<>();
        Net.Output o;
        if (c.eval) {
            net.train(false);
            try (Autograd.Scope s = Autograd.noGrad()) {
                o = net.forward(null, y[0], y[1]);
            }
        } else {
            o = net.forward(null, y[0], y[1]);
        }
        out.put("out/sets", stack(o.decoded().sets()));
        out.put("out/masks", stack(o.decoded().masks()));
        if (!o.decoded().innerLosses().isEmpty()) {
            out.put("out/inner_losses", stack(o.decoded().innerLosses()));
        }
        out.put("out/z", o.latentRepr());
        if (c.eval) {
            return out;
        }
        Net.Loss loss = net.loss(o, y[0], y[1]);
        out.put("out/target_repr", o.targetRepr());
        out.put("out/set_loss", stack(loss.setLoss()));
        out.put("out/loss", reshape(loss.total(), 1));
        if (loss.reprLoss() != null) {
            out.put("out/repr_loss", reshape(loss.reprLoss(), 1));
        }
        Map<String, Parameter> params = net.namedParameters();
        Tensor[] grads = Autograd.grad(loss.total(), net.parameterValues().toArray(new Tensor[0]), false);
        int i = 0;
        for (String name : params.keySet()) {
            out.put("grad/" + name, grads[i++]);
        }
        return out;
    }

    /**
     * The golden outputs as they must be on the permuted input: per-sample outputs permuted with
     * the batch, Ŷ(t) and m(t) also with the initial slots, the gradients of permuted parameters
     * permuted like them, everything else unchanged.
     */
    static Map<String, NdArray> expected(Case c, Trial t) {
        Map<String, NdArray> e = new TreeMap<>();
        List<Perm> init = List.of(t.initialSlots());
        for (String k : G.keys(c.name + "/out/")) {
            NdArray a = c.golden("out/" + k);
            switch (k) {
                case "sets":
                    a = permute(a, 1, t.batch(), 3, init);
                    break;
                case "masks":
                    a = permute(a, 1, t.batch(), 2, init);
                    break;
                case "z":
                case "target_repr":
                    a = permute(a, 0, t.batch(), -1, null);
                    break;
                default: // inner_losses, set_loss, repr_loss, loss: batch means, invariant
            }
            e.put("out/" + k, a);
        }
        for (String k : G.keys(c.name + "/grad/")) {
            e.put("grad/" + k, permuteParameter(k, c.golden("grad/" + k), t));
        }
        return e;
    }

    /** Per-key tolerances: relative to the golden tensor's largest magnitude, or absolute. */
    interface Tolerance {
        /** Relative tolerance for {@code key} (0 to use {@link #abs} alone). */
        double rel(String key);

        /** Absolute tolerance for {@code key} (for mathematically-zero golden values). */
        double abs(String key);
    }

    /**
     * Every golden output of the case against ours, key by key; the key sets must be equal, so no
     * golden output goes unchecked.
     */
    static void assertMatches(String what, Map<String, Tensor> ours, Map<String, NdArray> expected, Tolerance tol) {
        assertEquals(new TreeSet<>(expected.keySet()), new TreeSet<>(ours.keySet()), what + ": compared outputs");
        for (Map.Entry<String, NdArray> e : expected.entrySet()) {
            Tensor a = ours.get(e.getKey());
            String key = e.getKey();
            assertArrayEquals(e.getValue().shape(), a.shape(), what + " " + key + ": shape");
            Golden.assertClose(what + " " + key, a.toDoubles(), e.getValue().toDoubles(), tol.rel(key), tol.abs(key));
        }
    }

    static Tensor stack(List<Tensor> ts) {
        Tensor[] parts = new Tensor[ts.size()];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = unsqueeze(ts.get(i), 0);
        }
        return concat(0, parts);
    }

    // ---- the inner step (Theorem 1) ----

    /** Ŷ(t), m(t) and z of the golden decoding, permuted per sample (slots) and by the batch. */
    static Tensor[] innerInput(Backend be, DType dt, Case c, int step, List<Perm> slots, Perm batch) {
        NdArray sets = c.golden("out/sets");
        NdArray masks = c.golden("out/masks");
        int[] ss = sets.shape();
        int[] ms = masks.shape();
        int[] s1 = {ss[1], ss[2], ss[3]};
        int[] m1 = {ms[1], ms[2]};
        double[] s = permute(slice(sets.toDoubles(), step, s1), s1, 0, batch, 2, slots);
        double[] m = permute(slice(masks.toDoubles(), step, m1), m1, 0, batch, 1, slots);
        NdArray z = permute(c.golden("out/z"), 0, batch, -1, null);
        return new Tensor[] {be.fromHost(s, dt, s1), be.fromHost(m, dt, m1), be.fromHost(z.toDoubles(), dt, z.shape())};
    }

    /**
     * DSPN's inner loss L = Huber(g(Ŷ, m), z) (mean over batch and latent, as Dspn.decode) and its
     * gradients with respect to Ŷ and m, on our set encoder with the golden weights: {L, ∂L/∂Ŷ, ∂L/∂m}.
     */
    static Tensor[] innerStep(Net net, Tensor set, Tensor mask, Tensor z) {
        Tensor s = set.detach().requiresGrad(true);
        Tensor m = mask.detach().requiresGrad(true);
        Tensor loss = Huber.mean(net.setEncoder().encode(s, m), z);
        Tensor[] g = Autograd.grad(loss, new Tensor[] {s, m}, false);
        return new Tensor[] {reshape(loss, 1), g[0], g[1]};
    }

    static double[] slice(double[] d, int k, int[] shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] out = new double[n];
        System.arraycopy(d, k * n, out, 0, n);
        return out;
    }

    /**
     * The golden inner gradients at step t, recovered from the golden decoding: Ŷ(t+1) = Ŷ(t) − η∇_Ŷ
     * gives ∇_Ŷ = (Ŷ(t) − Ŷ(t+1))/η (rounding: ulp(Ŷ)/η per element, below 1e-13 of the largest
     * step here). The mask is clamped after the step, m(t+1) = clamp(m(t) − η∇_m, 0, 1), so ∇_m is
     * (m(t) − m(t+1))/η where 0 &lt; m(t+1) &lt; 1 and otherwise only bounded: NaN marks those
     * entries in {@code [1]}, and {@code [2]} holds +1 where m(t+1) = 0 (so m(t) − η∇_m ≤ 0) and −1
     * where m(t+1) = 1 (so m(t) − η∇_m ≥ 1). Returns {∇_Ŷ, ∇_m, clamp side}, unpermuted, flat.
     */
    static double[][] goldenInnerGradient(Case c, int step) {
        NdArray sets = c.golden("out/sets");
        NdArray masks = c.golden("out/masks");
        int[] ss = sets.shape();
        int[] ms = masks.shape();
        int[] s1 = {ss[1], ss[2], ss[3]};
        int[] m1 = {ms[1], ms[2]};
        double eta = c.eta();
        double[] s0 = slice(sets.toDoubles(), step, s1);
        double[] s1v = slice(sets.toDoubles(), step + 1, s1);
        double[] m0 = slice(masks.toDoubles(), step, m1);
        double[] m1v = slice(masks.toDoubles(), step + 1, m1);
        double[] gs = new double[s0.length];
        for (int i = 0; i < gs.length; i++) {
            gs[i] = (s0[i] - s1v[i]) / eta;
        }
        double[] gm = new double[m0.length];
        double[] side = new double[m0.length];
        for (int i = 0; i < gm.length; i++) {
            if (m1v[i] <= 0.0) {
                gm[i] = Double.NaN;
                side[i] = 1;
            } else if (m1v[i] >= 1.0) {
                gm[i] = Double.NaN;
                side[i] = -1;
            } else {
                gm[i] = (m0[i] - m1v[i]) / eta;
            }
        }
        return new double[][] {gs, gm, side};
    }

    /**
     * Our mask gradient against the golden one where the golden defines it (relative to the largest
     * defined golden value), and against the clamp's bound where it does not:
     * m(t) − η·ours ≤ η·tol·scale where the golden mask was clamped to 0, ≥ 1 − η·tol·scale where
     * clamped to 1. All arrays permuted alike.
     */
    static void assertMaskGradient(String what, double[] ours, double[] golden, double[] side, double[] maskBefore,
                                   double eta, double tol) {
        double scale = 0;
        List<Integer> defined = new ArrayList<>();
        for (int i = 0; i < golden.length; i++) {
            if (!Double.isNaN(golden[i])) {
                scale = Math.max(scale, Math.abs(golden[i]));
                defined.add(i);
            }
        }
        double[] a = new double[defined.size()];
        double[] b = new double[defined.size()];
        for (int k = 0; k < a.length; k++) {
            a[k] = ours[defined.get(k)];
            b[k] = golden[defined.get(k)];
        }
        Golden.assertClose(what + " (entries whose mask step was not clamped)", a, b, tol, 0.0);
        double slack = eta * tol * scale;
        for (int i = 0; i < golden.length; i++) {
            double next = maskBefore[i] - eta * ours[i];
            if (side[i] > 0) {
                assertTrue(next <= slack, what + " [" + i + "]: the golden mask was clamped to 0 but m − η·∂L/∂m = "
                        + next);
            } else if (side[i] < 0) {
                assertTrue(next >= 1.0 - slack, what + " [" + i + "]: the golden mask was clamped to 1 but m − η·∂L/∂m = "
                        + next);
            }
        }
    }
}
