package org.dspn4j.experiment;

import static org.dspn4j.autodiff.Ops.concat;
import static org.dspn4j.autodiff.Ops.reshape;
import static org.dspn4j.autodiff.Ops.unsqueeze;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.dspn4j.autodiff.Autograd;
import org.dspn4j.io.NdArray;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.model.Weights;
import org.dspn4j.nn.Parameter;
import org.dspn4j.tensor.Tensor;

/**
 * Every intermediate value of one training step, for comparing with the authors' code on their
 * weights and inputs (the audit interface, {@code dspn4j trace}). Keys:
 * <pre>
 *   sets (T+1, B, C, N)   masks (T+1, B, N)   inner_losses (T)   z (B, D)   target_repr (B, D)
 *   set_loss (one value per step the set loss covers)   outer_loss ()   grad/&lt;state_dict name&gt;
 * </pre>
 * Baselines give {@code sets} (1, B, C, N) and {@code masks} (1, B, N) with their raw mask.
 */
public final class Trace {
    private Trace() {
    }

    /**
     * @param images     (B, 3, H, W) for CLEVR, null for MNIST
     * @param targetSet  (B, C, N)
     * @param targetMask (B, N)
     */
    public static Map<String, NdArray> run(Net net, Tensor images, Tensor targetSet, Tensor targetMask) {
        net.train(true);
        Net.Output out = net.forward(images, targetSet, targetMask);
        Net.Loss loss = net.loss(out, targetSet, targetMask);
        Map<String, Parameter> params = net.namedParameters();
        List<Tensor> values = net.parameterValues();
        Tensor[] grads = Autograd.grad(loss.total(), values.toArray(new Tensor[0]), false);
        Map<String, NdArray> t = new LinkedHashMap<>();
        try (Autograd.Scope s = Autograd.noGrad()) {
            t.put("sets", Weights.toNd(stack(out.decoded().sets())));
            t.put("masks", Weights.toNd(stack(out.decoded().masks())));
            if (!out.decoded().innerLosses().isEmpty()) {
                t.put("inner_losses", Weights.toNd(reshape(stack(out.decoded().innerLosses()), -1)));
            }
            t.put("z", Weights.toNd(out.latentRepr()));
            t.put("target_repr", Weights.toNd(out.targetRepr()));
            t.put("set_loss", Weights.toNd(reshape(stack(loss.setLoss()), -1)));
            t.put("outer_loss", Weights.toNd(loss.total()));
            int i = 0;
            for (String name : params.keySet()) {
                t.put("grad/" + name, Weights.toNd(grads[i++]));
            }
            for (Map.Entry<String, org.dspn4j.nn.Module.Buffer> e : net.namedBuffers().entrySet()) {
                t.put("buffer_after/" + e.getKey(), Weights.toNd(e.getValue().value()));
            }
        }
        return t;
    }

    private static Tensor stack(List<Tensor> ts) {
        Tensor[] parts = new Tensor[ts.size()];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = unsqueeze(ts.get(i), 0);
        }
        return concat(0, parts);
    }

    /**
     * The model sizes a weights file implies (hidden H, latent D, set size N) on top of a base
     * configuration, so a trace needs no size options.
     */
    public static ModelConfig sizesFromWeights(ModelConfig base, Map<String, NdArray> w) {
        int hidden = base.hidden();
        int latent = base.latent();
        int n = base.setSize();
        NdArray c0 = dims(w, "set_encoder.conv.0.weight", 3, 4); // FSEncoder (H, C+1, 1) or RNFSEncoder (H, 2C+2, 1, 1)
        NdArray pool = dims(w, "set_encoder.pool.weight", 1, 8);
        NdArray start = dims(w, "set_decoder.starting_set", 3, 3);
        if (c0 != null) {
            hidden = c0.shape()[0];
        }
        if (pool != null) {
            latent = pool.shape()[0];
        }
        if (start != null) {
            n = start.shape()[2];
        }
        NdArray head = dims(w, "input_encoder.end.2.weight", 4, 4); // (D, 512, 2, 2)
        if (head != null) {
            latent = head.shape()[0];
        }
        NdArray mlpOut = dims(w, "set_decoder.model.4.weight", 1, 2);
        if (mlpOut != null) {
            n = mlpOut.shape()[0] / (base.task().setChannels + 1);
        }
        if (hidden < 1 || latent < 1 || n < 1) {
            throw new IllegalArgumentException("the weights imply H = " + hidden + ", D = " + latent + ", N = " + n
                    + "; each must be at least 1");
        }
        return base.withSizes(latent, hidden).withSetSize(n);
    }

    /** An entry that must have between {@code min} and {@code max} dimensions, or null if absent. */
    private static NdArray dims(Map<String, NdArray> w, String key, int min, int max) {
        NdArray a = w.get(key);
        if (a != null && (a.ndim() < min || a.ndim() > max)) {
            throw new IllegalArgumentException(key + " has shape " + java.util.Arrays.toString(a.shape()) + ", "
                    + (min == max ? min : min + " to " + max) + " dimensions expected");
        }
        return a;
    }
}
