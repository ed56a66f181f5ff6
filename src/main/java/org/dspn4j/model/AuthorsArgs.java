package org.dspn4j.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.dspn4j.tensor.DType;

/**
 * The model settings of an authors' run, from the {@code args} their logs store
 * ({@code vars(args)} of {@code dspn/train.py:main at be3703b}; the model is built by
 * {@code dspn/model.py:build_net at be3703b}).
 *
 * <pre>
 *   dataset  mnist / clevr-box / clevr-state   -&gt; task (and N: 342 or 10, fixed by build_net)
 *   encoder  FSEncoder (mnist), RNFSEncoder (CLEVR): the only pairs dspn4j builds, as the authors' scripts use
 *   decoder  DSPN / MLPDecoder / RNNDecoder     -&gt; decoder
 *   dim -&gt; hidden H     latent -&gt; latent D     iters -&gt; T     inner_lr -&gt; eta     huber_repr -&gt; lambda
 * </pre>
 * Fixed as the authors' code at be3703b computes: Hungarian loss on the final set only, no "mask + 1",
 * FSPool ratios rounded in float32, dtype float32. Settings that dspn4j cannot follow but that do not
 * change the model's shape ({@code loss}, {@code mask_feature}, {@code supervised}, {@code baseline})
 * become notes; settings that decide the model are errors naming the argument.
 */
public final class AuthorsArgs {
    private AuthorsArgs() {
    }

    /** The model configuration, and what dspn4j does differently from the run that made the file. */
    public record Settings(ModelConfig config, List<String> notes) {
    }

    /**
     * @param args the authors' args: str keys; values as the checkpoint reader gives them
     *             (String, Long, Double, Boolean, null)
     * @throws IllegalArgumentException naming the argument that dspn4j cannot follow
     */
    public static Settings settings(Map<String, ?> args) {
        String dataset = string(args, "dataset");
        ModelConfig.Task task;
        switch (dataset) {
            case "mnist":
                task = ModelConfig.Task.MNIST;
                break;
            case "clevr-box":
                task = ModelConfig.Task.CLEVR_BOX;
                break;
            case "clevr-state":
                task = ModelConfig.Task.CLEVR_STATE;
                break;
            default:
                throw new IllegalArgumentException("args.dataset '" + dataset + "' is not one of mnist, clevr-box, clevr-state");
        }
        String encoder = string(args, "encoder");
        String want = task == ModelConfig.Task.MNIST ? "FSEncoder" : "RNFSEncoder";
        if (!encoder.equals(want)) {
            throw new IllegalArgumentException("args.encoder '" + encoder + "' with dataset " + dataset + ": dspn4j builds " + want
                    + " for it (the encoder of the authors' scripts)");
        }
        String dec = string(args, "decoder");
        ModelConfig.DecoderKind decoder;
        switch (dec) {
            case "DSPN":
                decoder = ModelConfig.DecoderKind.DSPN;
                break;
            case "MLPDecoder":
                decoder = ModelConfig.DecoderKind.MLP;
                break;
            case "RNNDecoder":
                decoder = ModelConfig.DecoderKind.RNN;
                break;
            default:
                throw new IllegalArgumentException("args.decoder '" + dec + "' is not one of DSPN, MLPDecoder, RNNDecoder");
        }
        int hidden = positive(args, "dim");
        int latent = positive(args, "latent");
        int iters = integer(args, "iters");
        if (iters < 0) {
            throw new IllegalArgumentException("args.iters is " + iters + ", not a count");
        }
        double innerLr = number(args, "inner_lr");
        double lambda = number(args, "huber_repr");
        ModelConfig config = new ModelConfig(task, decoder, task.setSize, latent, hidden, iters, innerLr, lambda, false, false, true,
                DType.F32);
        return new Settings(config, notes(args, task, decoder));
    }

    private static List<String> notes(Map<String, ?> args, ModelConfig.Task task, ModelConfig.DecoderKind decoder) {
        List<String> notes = new ArrayList<>();
        Object loss = args.get("loss");
        String ours = task == ModelConfig.Task.MNIST ? "chamfer" : "hungarian";
        if (loss != null && !ours.equals(loss)) {
            notes.add("args.loss is '" + loss + "': dspn4j's " + task.cliName() + " loss is " + ours
                    + " (as the authors' scripts), so its losses will differ from this run's");
        }
        if (Boolean.FALSE.equals(args.get("mask_feature"))) {
            notes.add("args.mask_feature is False: dspn4j's losses always compare the mask as a feature (as the authors' scripts)");
        }
        if (task.supervised() && args.get("supervised") instanceof Boolean && args.get("baseline") instanceof Boolean) {
            boolean theirs = (Boolean) args.get("supervised") && !(Boolean) args.get("baseline");
            boolean ourRepr = decoder == ModelConfig.DecoderKind.DSPN;
            if (theirs != ourRepr) {
                notes.add("args.supervised=" + py(args.get("supervised")) + ", baseline=" + py(args.get("baseline")) + ": this run "
                        + (theirs ? "added" : "did not add") + " the representation loss; dspn4j " + (ourRepr ? "adds" : "does not add")
                        + " it for a " + decoder.name().toLowerCase() + " decoder");
            }
        }
        return List.copyOf(notes);
    }

    private static String py(Object b) {
        return Boolean.TRUE.equals(b) ? "True" : "False";
    }

    private static Object require(Map<String, ?> args, String key) {
        if (!args.containsKey(key)) {
            throw new IllegalArgumentException("args has no '" + key + "'");
        }
        return args.get(key);
    }

    private static String string(Map<String, ?> args, String key) {
        Object v = require(args, key);
        if (!(v instanceof String)) {
            throw new IllegalArgumentException("args." + key + " is " + v + ", not a string");
        }
        return (String) v;
    }

    private static int integer(Map<String, ?> args, String key) {
        Object v = require(args, key);
        if (!(v instanceof Long) || (Long) v > Integer.MAX_VALUE || (Long) v < Integer.MIN_VALUE) {
            throw new IllegalArgumentException("args." + key + " is " + v + ", not an integer");
        }
        return (int) (long) (Long) v;
    }

    private static int positive(Map<String, ?> args, String key) {
        int v = integer(args, key);
        if (v <= 0) {
            throw new IllegalArgumentException("args." + key + " is " + v + ", not a positive size");
        }
        return v;
    }

    private static double number(Map<String, ?> args, String key) {
        Object v = require(args, key);
        if (v instanceof Double) {
            return (Double) v;
        }
        if (v instanceof Long) {
            return (Long) v;
        }
        throw new IllegalArgumentException("args." + key + " is " + v + ", not a number");
    }
}
