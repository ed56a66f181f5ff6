package org.dspn4j.model;

import static org.dspn4j.autodiff.Ops.*;

import java.util.ArrayList;
import java.util.List;

import org.apache.commons.math3.random.RandomGenerator;
import org.dspn4j.loss.ChamferLoss;
import org.dspn4j.loss.Huber;
import org.dspn4j.loss.HungarianLoss;
import org.dspn4j.nn.Module;
import org.dspn4j.set.DecoderOutput;
import org.dspn4j.set.Dspn;
import org.dspn4j.set.FSEncoder;
import org.dspn4j.set.MlpDecoder;
import org.dspn4j.set.RNFSEncoder;
import org.dspn4j.set.RnnDecoder;
import org.dspn4j.set.SetDecoder;
import org.dspn4j.set.SetEncoder;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.Tensor;

/**
 * The whole model as the authors assemble it ({@code dspn/model.py:Net} at be3703b;
 * docs/reference-behaviour.md §2, §3): a set encoder g, an optional input encoder (the CLEVR image
 * CNN), and a set decoder (DSPN or a baseline).
 *
 * <ul>
 *   <li>Auto-encoding (MNIST): z = g(Y, m_Y); the same g is the one DSPN differentiates.</li>
 *   <li>Supervised (CLEVR): z = ImageEncoder(image); g(Y, m_Y) is the target representation for the
 *       outer loss term λ·Huber(g(Y), z).</li>
 * </ul>
 * Parameter names follow the authors' state_dict: {@code set_encoder.*}, {@code input_encoder.*},
 * {@code set_decoder.*}. DSPN's encoder is the same module as the set encoder, not a copy: among the
 * parameters it appears once, under {@code set_encoder.*}; the authors' state_dict lists it under
 * {@code set_decoder.encoder.*} too, which {@link Weights} writes and accepts.
 */
public final class Net extends Module {
    private final ModelConfig config;
    private final SetEncoder setEncoder;
    private final ImageEncoder inputEncoder;
    private final SetDecoder setDecoder;

    /**
     * Builds the model and initialises it from {@code rng} in a fixed order.
     *
     * @param imageEncoder the CLEVR image encoder (a module), or null for MNIST
     */
    public <I extends Module & ImageEncoder> Net(Backend be, ModelConfig config, RandomGenerator rng, I imageEncoder) {
        this.config = config;
        int c = config.task().setChannels;
        int n = config.setSize();
        if (config.task() == ModelConfig.Task.MNIST) {
            FSEncoder enc = new FSEncoder(be, config.dtype(), rng, c, config.latent(), config.hidden());
            enc.pool().float32Ratios(config.float32Ratios());
            this.setEncoder = child("set_encoder", enc);
        } else {
            RNFSEncoder enc = new RNFSEncoder(be, config.dtype(), rng, c, config.latent(), config.hidden());
            enc.pool().float32Ratios(config.float32Ratios());
            this.setEncoder = child("set_encoder", enc);
        }
        if (config.task().supervised() && imageEncoder == null) {
            throw new IllegalArgumentException(config.task().cliName() + " needs an image encoder");
        }
        this.inputEncoder = imageEncoder == null ? null : child("input_encoder", imageEncoder);
        switch (config.decoder()) {
            case DSPN:
                Dspn dspn = new Dspn(be, config.dtype(), rng, (Module & SetEncoder) setEncoderModule(), c, n, config.iters(),
                        config.innerLr());
                dspn.setRecomputeSteps(recomputesInnerSteps(config.task()));
                // with its inner steps recomputed (--inner-steps recompute) CLEVR's step keeps no sort orders: the
                // relation encoder's would add 10 x (32, 512, 100) indices (131 MB) to a live heap of about 0.9 GiB in
                // the launcher's 2 GiB, for no step time measurable on a 2-vCPU machine; MNIST's (56 MB) save half of
                // its step's sorting (docs/measurements.md)
                dspn.setKeepSortOrders(!config.task().supervised());
                // MNIST's on the CPU backend also keeps the results of its encoder's layers after the first (14 MB a step
                // at batch 32): 6 % less step time for about 115 MB more peak memory (docs/measurements.md). Not on OpenCL,
                // whose default 256 MB arena they would overfill at batch 32; not CLEVR's, like its sort orders
                dspn.setKeepProducts(!config.task().supervised() && "cpu".equals(be.name()));
                this.setDecoder = child("set_decoder", dspn);
                break;
            case MLP:
                this.setDecoder = child("set_decoder", new MlpDecoder(be, config.dtype(), rng, config.latent(), c, n,
                        config.hidden(), config.maskPlusOne()));
                break;
            default:
                this.setDecoder = child("set_decoder", new RnnDecoder(be, config.dtype(), rng, config.latent(), c, n,
                        config.hidden(), config.maskPlusOne()));
        }
    }

    /**
     * Whether a task's DSPN recomputes its inner steps in the outer backward by default ({@code --inner-steps}),
     * rather than keeping their graphs: MNIST recomputes them (they hold most of its step's memory: a live heap of
     * about 0.8 GB kept against 0.15 GB recomputed, for about a fifth more time); CLEVR keeps them, as the authors'
     * code does (ResNet34 holds most of its memory: about 1.4 GiB live kept against 0.9 GiB, both within its 2 GiB
     * heap at the paper's batch of 32, and the step about 5 % faster kept; docs/measurements.md).
     */
    public static boolean recomputesInnerSteps(ModelConfig.Task task) {
        return task == ModelConfig.Task.MNIST;
    }

    /**
     * The model for a configuration: CLEVR tasks get the authors' image encoder
     * ({@link ConvEncoder}, ResNet34 + head), MNIST none.
     */
    public static Net create(Backend be, ModelConfig config, RandomGenerator rng) {
        ConvEncoder images = config.task().supervised() ? new ConvEncoder(be, config.dtype(), rng, config.latent()) : null;
        return new Net(be, config, rng, images);
    }

    @SuppressWarnings("unchecked")
    private <E extends Module & SetEncoder> E setEncoderModule() {
        return (E) setEncoder;
    }

    public ModelConfig config() {
        return config;
    }

    public SetDecoder decoder() {
        return setDecoder;
    }

    public SetEncoder setEncoder() {
        return setEncoder;
    }

    /** The forward pass of one batch. */
    public record Output(DecoderOutput decoded, Tensor targetRepr, Tensor latentRepr) {
    }

    /**
     * @param images     (B, 3, H, W) for CLEVR; ignored (may be null) for MNIST
     * @param targetSet  (B, C, N)
     * @param targetMask (B, N)
     */
    public Output forward(Tensor images, Tensor targetSet, Tensor targetMask) {
        Tensor latent;
        Tensor target;
        if (inputEncoder == null) {
            latent = setEncoder.encode(targetSet, targetMask);
            target = latent;
        } else {
            latent = inputEncoder.encode(images);
            target = setEncoder.encode(targetSet, targetMask);
        }
        return new Output(setDecoder.decode(latent), target, latent);
    }

    /**
     * The outer loss, as the authors' training loop ({@code dspn/train.py:main}, inside {@code run}, at
     * be3703b; docs/reference-behaviour.md §3).
     *
     * @param total    set loss (mean over its steps) + representation term
     * @param setLoss  one value per set the set loss covers, in step order: for DSPN T+1 for Chamfer, 1 (Ŷ(T)) or
     *                 T+1 for Hungarian; 1 for a baseline (its single output)
     * @param reprLoss λ·Huber(g(Y), z) for supervised DSPN, else null
     * @param last     the set loss of the final set (the authors' {@code *_last} metric)
     */
    public record Loss(Tensor total, List<Tensor> setLoss, Tensor reprLoss, Tensor last) {
    }

    public Loss loss(Output out, Tensor targetSet, Tensor targetMask) {
        DecoderOutput d = out.decoded();
        // the mask is one more channel of every set the loss compares: the authors' --mask-feature, on in every
        // experiment (dspn/scripts/mnist.sh, clevr.sh; docs/reference-behaviour.md §3)
        Tensor target = ChamferLoss.withMask(targetSet, targetMask);
        List<Tensor> perStep = new ArrayList<>();
        if (config.task() == ModelConfig.Task.MNIST) {
            for (int k = 0; k < d.sets().size(); k++) {
                perStep.add(ChamferLoss.perStep(ChamferLoss.withMask(d.sets().get(k), d.masks().get(k)), target));
            }
        } else {
            // NOTE: Hungarian on the final set only by default, as for the paper's results
            // (docs/reference-behaviour.md §3)
            int from = config.hungarianAllSteps() ? 0 : d.sets().size() - 1;
            for (int k = from; k < d.sets().size(); k++) {
                perStep.add(HungarianLoss.of(ChamferLoss.withMask(d.sets().get(k), d.masks().get(k)), target));
            }
        }
        Tensor setLoss = perStep.get(0);
        for (int k = 1; k < perStep.size(); k++) {
            setLoss = add(setLoss, perStep.get(k));
        }
        setLoss = scale(setLoss, 1.0 / perStep.size());
        Tensor repr = null;
        Tensor total = setLoss;
        if (config.task().supervised() && config.decoder() == ModelConfig.DecoderKind.DSPN) {
            repr = scale(Huber.mean(out.targetRepr(), out.latentRepr()), config.lambda());
            total = add(total, repr);
        }
        return new Loss(total, perStep, repr, perStep.get(perStep.size() - 1));
    }
}
