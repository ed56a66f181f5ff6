package org.dspn4j.set;

import static org.dspn4j.autodiff.Ops.*;

import java.util.ArrayList;
import java.util.List;

import org.apache.commons.math3.random.RandomGenerator;
import org.dspn4j.autodiff.Autograd;
import org.dspn4j.autodiff.Recompute;
import org.dspn4j.nn.Init;
import org.dspn4j.nn.Module;
import org.dspn4j.nn.Parameter;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * Deep Set Prediction Network decoder — the paper's Algorithm 1 (§3), exactly as the authors run it
 * ({@code dspn.py:DSPN.forward} at be3703b; docs/reference-behaviour.md §2). Starting from a
 * learned set Ŷ(0) and mask m(0), take T steps of plain gradient descent on the representation
 * loss:
 * <pre>
 *   L_repr(Ŷ, m) = (1/(B·D)) Σ_b Σ_d Huber(g(Ŷ_b, m_b)_d − z_{b,d})
 *   Ŷ ← Ŷ − η ∂L_repr/∂Ŷ;   m ← clamp(m − η ∂L_repr/∂m, 0, 1)
 * </pre>
 * NOTE: the Huber loss is averaged over the batch and the latent dimensions, so the effective
 * per-sample step is η/(B·D) (800/2048 for MNIST, 800/16384 for CLEVR): results depend on the
 * batch size B, and decoding one sample at η = 800 behaves very differently from a batch of 32.
 *
 * <p>Ŷ(0) (1, C, N) ~ U[0, 1) and m(0) (1, N) = 0.5 are parameters shared by the batch; the mask is
 * clamped to [0, 1] before the loop and after each step; the set features are never clamped. The
 * target z is not detached. In training the inner gradients are taken with createGraph, so the outer
 * loss differentiates through all T steps (second order through g); by default each step is recorded
 * through {@link Recompute}, which keeps only the step's inputs and runs the step again when the
 * outer backward reaches it ({@link #setRecomputeSteps}; a model's DSPN takes its task's default,
 * {@code Net.recomputesInnerSteps}). In evaluation, gradients are
 * enabled locally, each step starts from a detached set and mask, and nothing is kept.
 *
 * <p>Parameter names: {@code starting_set} (1, C, N), {@code starting_mask} (1, N), and the
 * encoder under {@code encoder.*} (the same module as the model's set encoder).
 */
public final class Dspn extends Module implements SetDecoder {
    private final SetEncoder encoder;
    private final Module encoderModule;
    private final Parameter startingSet;
    private final Parameter startingMask;
    private int iters;
    private double innerLr;
    private boolean recomputeSteps = true;
    private boolean keepSortOrders = true;
    private boolean keepProducts;

    /**
     * The most that one decoding's recomputed steps keep of their products' results: all of MNIST's at
     * batch 32 (10 × 14 MB); at larger batches the first steps' (whose results fit), so that the live
     * heap grows by at most this much.
     */
    static final long KEPT_PRODUCTS_BYTES = 160L << 20;

    /**
     * @param encoder     g, a module shared with the rest of the model
     * @param setChannels C (without the mask)
     * @param maxSetSize  N
     * @param iters       T (10 in every experiment)
     * @param innerLr     η (800 in every experiment)
     */
    public <E extends Module & SetEncoder> Dspn(Backend be, DType dt, RandomGenerator rng, E encoder,
                                               int setChannels, int maxSetSize, int iters, double innerLr) {
        this.encoder = encoder;
        this.encoderModule = encoder;
        this.startingSet = param("starting_set", Init.uniform(be, dt, rng, 0.0, 1.0, 1, setChannels, maxSetSize));
        this.startingMask = param("starting_mask", be.full(0.5, dt, 1, maxSetSize));
        child("encoder", encoder);
        this.iters = iters;
        this.innerLr = innerLr;
    }

    /** Changes T (e.g. evaluating a T = 10 model with 20 or 30 steps, as the authors do). */
    public void setIters(int iters) {
        this.iters = iters;
    }

    public int iters() {
        return iters;
    }

    public double innerLr() {
        return innerLr;
    }

    public void setInnerLr(double innerLr) {
        this.innerLr = innerLr;
    }

    /**
     * Algorithm 1.
     *
     * @param z the target representation (B, D)
     */
    @Override
    public DecoderOutput decode(Tensor z) {
        int b = z.size(0);
        int[] ss = startingSet.shape();
        Tensor set = expand(startingSet.value(), b, ss[1], ss[2]);
        Tensor mask = clamp(expand(startingMask.value(), b, ss[2]), 0.0, 1.0);
        boolean training = isTraining();
        List<Tensor> sets = new ArrayList<>();
        List<Tensor> masks = new ArrayList<>();
        List<Tensor> losses = new ArrayList<>();
        List<Tensor> norms = new ArrayList<>();
        if (!training) {
            set = set.detach();
            mask = mask.detach();
        }
        sets.add(set);
        masks.add(mask);
        // the products the T recomputed steps keep for the outer backward, at most KEPT_PRODUCTS_BYTES in all
        Recompute.Budget products = keepProducts ? new Recompute.Budget(KEPT_PRODUCTS_BYTES) : null;
        try (Autograd.Scope s = Autograd.enableGrad()) {
            for (int t = 0; t < iters; t++) {
                if (!training) {
                    set = set.detach().requiresGrad(true);
                    mask = mask.detach().requiresGrad(true);
                }
                Tensor[] next;
                if (training && recomputeSteps) {
                    // the same step, recorded as one node that keeps only its inputs (see recomputeSteps)
                    next = Recompute.call(in -> step(in[0], in[1], in[2], true), new Tensor[] {set, mask, z},
                            encoderModule.parameterValues(), keepSortOrders, products);
                } else {
                    next = step(set, mask, training ? z : z.detach(), training);
                }
                set = next[0];
                mask = next[1];
                Tensor loss = next[2];
                if (!training) {
                    set = set.detach();
                    mask = mask.detach();
                    loss = loss.detach();
                }
                sets.add(set);
                masks.add(mask);
                losses.add(loss);
                norms.add(next[3].detach());
            }
        }
        return new DecoderOutput(sets, masks, losses, norms);
    }

    /**
     * One step of the loop: {Ŷ − η ∂L/∂Ŷ, clamp(m − η ∂L/∂m, 0, 1), L_repr(Ŷ, m), ‖∂L/∂Ŷ‖} for
     * L = L_repr(Ŷ, m) = mean Huber(g(Ŷ, m) − z). With {@code createGraph} the inner gradient is
     * recorded, so the outer loss can differentiate through it (second order through g).
     */
    private Tensor[] step(Tensor set, Tensor mask, Tensor z, boolean createGraph) {
        Tensor repr = encoder.encode(set, mask);
        Tensor loss = mean(smoothL1(sub(repr, z)));
        Tensor[] g = Autograd.grad(loss, new Tensor[] {set, mask}, createGraph);
        Tensor nextSet = sub(set, scale(g[0], innerLr));
        Tensor nextMask = clamp(sub(mask, scale(g[1], innerLr)), 0.0, 1.0);
        Tensor norm;
        try (Autograd.Scope ng = Autograd.noGrad()) {
            norm = sqrt(sum(mul(g[0], g[0])));
        }
        return new Tensor[] {nextSet, nextMask, loss, norm};
    }

    /**
     * Whether training records each inner step through {@link Recompute} (default): the outer graph
     * then keeps only the sets and masks between the steps, and the outer backward runs each step
     * again to differentiate it — a fraction of the memory for one more forward and inner backward
     * per step (docs/measurements.md). False keeps every step's graph, as the authors' code does.
     * The values are the same bits either way; the parameter gradients agree to rounding (each
     * step's terms are summed before they are added up across steps).
     */
    public void setRecomputeSteps(boolean on) {
        this.recomputeSteps = on;
    }

    public boolean recomputeSteps() {
        return recomputeSteps;
    }

    /**
     * Whether each recomputed step keeps its first run's sort orders (FSPool's) for the run in the
     * outer backward, which then sorts nothing (default; {@link Recompute}): T index tensors of the
     * pooled activations' shape kept until the outer backward, for T fewer sorts per training step.
     * The values and gradients are the same bits either way.
     */
    public void setKeepSortOrders(boolean on) {
        this.keepSortOrders = on;
    }

    public boolean keepSortOrders() {
        return keepSortOrders;
    }

    /**
     * Whether each recomputed step keeps its first run's results of the encoder's costlier products
     * (its layers after the first; {@link Recompute}) for the run in the outer backward, which then records them
     * without computing them (off by default): for MNIST's encoder 14 MB a step at batch 32, kept until
     * the outer backward has run that step again, for T fewer passes of those layers per training step;
     * at most {@link #KEPT_PRODUCTS_BYTES} in all. The values and gradients are the same bits either way.
     */
    public void setKeepProducts(boolean on) {
        this.keepProducts = on;
    }

    public boolean keepProducts() {
        return keepProducts;
    }

    public Parameter startingSet() {
        return startingSet;
    }

    public Parameter startingMask() {
        return startingMask;
    }
}
