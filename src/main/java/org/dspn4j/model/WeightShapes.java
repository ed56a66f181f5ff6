package org.dspn4j.model;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.dspn4j.io.NdArray;
import org.dspn4j.nn.Init;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.Shape;
import org.dspn4j.tensor.Tensor;

/**
 * Checks weights under the authors' state_dict names against the model a configuration builds:
 * every parameter and buffer present with its shape, no unknown names, and DSPN's two names of its
 * encoder ({@code set_encoder.*}, {@code set_decoder.encoder.*}) equal where both are given. Keys
 * under {@code meta/}, {@code optim/} and {@code rng/} are skipped, as {@link Weights#load} does.
 */
public final class WeightShapes {
    private static final String ENCODER = "set_encoder.";
    private static final String DECODER_ENCODER = "set_decoder.encoder.";

    private WeightShapes() {
    }

    /**
     * @param be builds the reference model (its values are not used)
     * @throws IllegalArgumentException one line naming every mismatching key with the expected and
     *                                  found shapes, every missing and unknown key
     */
    public static void check(Backend be, ModelConfig config, Map<String, NdArray> weights) {
        requireRoom(config, weights);
        Net net = Net.create(be, config, Init.NO_DRAWS); // its shapes, not its values
        Map<String, Tensor> expected = Weights.state(net);
        boolean dspn = config.decoder() == ModelConfig.DecoderKind.DSPN;
        List<String> wrong = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        List<String> inconsistent = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (Map.Entry<String, NdArray> e : weights.entrySet()) {
            String k = e.getKey();
            if (Weights.isExtra(k)) {
                continue;
            }
            String name = dspn && k.startsWith(DECODER_ENCODER) ? ENCODER + k.substring(DECODER_ENCODER.length()) : k;
            Tensor t = expected.get(name);
            if (t == null) {
                unknown.add(k);
                continue;
            }
            seen.add(name);
            if (!Shape.same(t.shape(), e.getValue().shape())) {
                wrong.add(k + " expected " + Shape.str(t.shape()) + ", found " + Shape.str(e.getValue().shape()));
            } else if (!name.equals(k) && weights.containsKey(name) && !weights.get(name).equals(e.getValue())) {
                inconsistent.add(k + " differs from " + name);
            }
        }
        List<String> missing = new ArrayList<>();
        for (String k : expected.keySet()) {
            if (!seen.contains(k)) {
                missing.add(k);
            }
        }
        if (wrong.isEmpty() && unknown.isEmpty() && missing.isEmpty() && inconsistent.isEmpty()) {
            return;
        }
        StringBuilder b = new StringBuilder("weights do not fit the ").append(describe(config)).append(':');
        part(b, "wrong shape", wrong);
        part(b, "missing", missing);
        part(b, "unknown", unknown);
        part(b, "inconsistent", inconsistent);
        throw new IllegalArgumentException(b.toString());
    }

    /** E.g. {@code mnist dspn model (hidden 16, latent 8, N 342)}. */
    public static String describe(ModelConfig c) {
        return c.task().cliName() + " " + c.decoder().name().toLowerCase() + " model (hidden " + c.hidden() + ", latent " + c.latent()
                + ", N " + c.setSize() + ")";
    }

    /** The largest weight, in elements, of a model built to be compared even where the file holds fewer (2^20). */
    static final long SMALL_MODEL = 1L << 20;

    /**
     * Refuses, before any model is built, a configuration whose model cannot be the one these weights
     * belong to because its largest weights alone hold more elements than all the weights given: the
     * set encoder's (H, H) and (D, H) convolutions, which every model has, and the decoder's largest —
     * DSPN's starting set (C, N), the MLP baseline's last layer (C·N, H). A file claiming sizes far
     * beyond its weights (a damaged or hand-edited {@code meta/config_json}) is then one line, not a
     * model of gigabytes allocated to be compared. A model whose largest weight has at most
     * {@link #SMALL_MODEL} elements is built and compared weight by weight instead, which names each
     * weight that differs.
     *
     * @throws IllegalArgumentException one line with the sizes and the number of elements found
     */
    public static void requireRoom(ModelConfig config, Map<String, NdArray> weights) {
        long stored = 0;
        for (Map.Entry<String, NdArray> e : weights.entrySet()) {
            String k = e.getKey();
            if (!Weights.isExtra(k)) {
                stored += Shape.numel(e.getValue().shape());
            }
        }
        long h = config.hidden();
        long d = config.latent();
        long cn = (long) config.task().setChannels * config.setSize();
        long decoder = config.decoder() == ModelConfig.DecoderKind.MLP ? cn * h : cn;
        long largest = Math.max(Math.max(h * h, d * h), decoder);
        if (largest > stored && largest > SMALL_MODEL) {
            throw new IllegalArgumentException("the " + describe(config) + " needs weights of at least " + largest
                    + " elements, but there are " + stored + " in all: the sizes do not belong to these weights");
        }
    }

    private static void part(StringBuilder b, String what, List<String> items) {
        if (!items.isEmpty()) {
            b.append(b.charAt(b.length() - 1) == ':' ? " " : "; ").append(what).append(' ').append(String.join(", ", items));
        }
    }
}
