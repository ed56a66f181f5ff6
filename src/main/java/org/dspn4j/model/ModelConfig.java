package org.dspn4j.model;

import org.dspn4j.tensor.DType;

/**
 * Everything that fixes a model's shape and its loss, with the authors' values as defaults
 * (docs/reference-behaviour.md §7).
 *
 * @param task          which experiment
 * @param decoder       DSPN or a baseline
 * @param setSize       N, the padded set size (342 MNIST, 10 CLEVR; smaller in tests)
 * @param latent        D (64 MNIST, 512 CLEVR)
 * @param hidden        H (256 MNIST, 512 CLEVR)
 * @param iters         T inner steps (10)
 * @param innerLr       η (800)
 * @param lambda        weight of the representation term in the supervised outer loss (0.1)
 * @param hungarianAllSteps false: Hungarian loss on Ŷ(T) only, as the paper's results; true: mean over all T+1 steps
 * @param maskPlusOne   baselines' "mask + 1" (the authors' MNIST testing branch)
 * @param float32Ratios FSPool ratios rounded as the authors' float32 arange
 * @param dtype         F64 for goldens and audits, F32 for speed
 */
public record ModelConfig(Task task, DecoderKind decoder, int setSize, int latent, int hidden, int iters, double innerLr,
                          double lambda, boolean hungarianAllSteps, boolean maskPlusOne, boolean float32Ratios,
                          DType dtype) {

    /** The experiments of the paper. */
    public enum Task {
        MNIST(2, 342), CLEVR_BOX(4, 10), CLEVR_STATE(18, 10);

        /** C: features per element, without the mask. */
        public final int setChannels;
        /** N: padded set size. */
        public final int setSize;

        Task(int setChannels, int setSize) {
            this.setChannels = setChannels;
            this.setSize = setSize;
        }

        public boolean supervised() {
            return this != MNIST;
        }

        /** Command-line name: mnist, clevr-box, clevr-state. */
        public String cliName() {
            return name().toLowerCase().replace('_', '-');
        }

        public static Task parse(String s) {
            for (Task t : values()) {
                if (t.cliName().equals(s)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("unknown model '" + s + "' (mnist, clevr-box, clevr-state)");
        }
    }

    /** Which set decoder. */
    public enum DecoderKind {
        DSPN, MLP, RNN;

        public static DecoderKind parse(String s) {
            try {
                return valueOf(s.toUpperCase());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown decoder '" + s + "' (dspn, mlp, rnn)");
            }
        }
    }

    /** The authors' hyperparameters for a task. */
    public static ModelConfig paper(Task task, DecoderKind decoder) {
        boolean mnist = task == Task.MNIST;
        return new ModelConfig(task, decoder, task.setSize, mnist ? 64 : 512, mnist ? 256 : 512, 10, 800.0, 0.1, false, false,
                false, DType.F32);
    }

    public ModelConfig withDtype(DType d) {
        return new ModelConfig(task, decoder, setSize, latent, hidden, iters, innerLr, lambda, hungarianAllSteps, maskPlusOne,
                float32Ratios, d);
    }

    public ModelConfig withSizes(int latentDim, int hiddenDim) {
        return new ModelConfig(task, decoder, setSize, latentDim, hiddenDim, iters, innerLr, lambda, hungarianAllSteps,
                maskPlusOne, float32Ratios, dtype);
    }

    public ModelConfig withSetSize(int n) {
        return new ModelConfig(task, decoder, n, latent, hidden, iters, innerLr, lambda, hungarianAllSteps, maskPlusOne,
                float32Ratios, dtype);
    }

    public ModelConfig withDecoder(DecoderKind d) {
        return new ModelConfig(task, d, setSize, latent, hidden, iters, innerLr, lambda, hungarianAllSteps, maskPlusOne,
                float32Ratios, dtype);
    }

    public ModelConfig withInner(int t, double eta) {
        return new ModelConfig(task, decoder, setSize, latent, hidden, t, eta, lambda, hungarianAllSteps, maskPlusOne,
                float32Ratios, dtype);
    }

    public ModelConfig withOptions(boolean allSteps, boolean plusOne, boolean f32Ratios) {
        return new ModelConfig(task, decoder, setSize, latent, hidden, iters, innerLr, lambda, allSteps, plusOne, f32Ratios,
                dtype);
    }
}
