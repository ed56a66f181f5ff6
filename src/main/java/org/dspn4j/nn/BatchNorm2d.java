package org.dspn4j.nn;

import static org.dspn4j.autodiff.Ops.add;
import static org.dspn4j.autodiff.Ops.affine;
import static org.dspn4j.autodiff.Ops.div;
import static org.dspn4j.autodiff.Ops.mean;
import static org.dspn4j.autodiff.Ops.mul;
import static org.dspn4j.autodiff.Ops.reshape;
import static org.dspn4j.autodiff.Ops.scalar;
import static org.dspn4j.autodiff.Ops.sqrt;
import static org.dspn4j.autodiff.Ops.sub;

import org.dspn4j.autodiff.Autograd;
import org.dspn4j.autodiff.Ops;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Shape;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.tensor.cpu.FusedBatchNorm;

/**
 * Batch normalisation over (B, H, W) per channel, with PyTorch's {@code nn.BatchNorm2d(C)}
 * semantics (eps 1e-5, momentum 0.1, affine, tracking running statistics);
 * docs/reference-behaviour.md §4.
 *
 * <ul>
 *   <li><b>Training</b> ({@link #isTraining()}): with n = B·H·W, μ = mean of x over (B, H, W),
 *       σ² = the <i>biased</i> variance (1/n)·Σ(x − μ)², y = (x − μ)·γ/√(σ² + eps) + β. The
 *       running statistics are then updated, outside the graph, with the <i>unbiased</i> variance:
 *       running_mean ← 0.9·running_mean + 0.1·μ, running_var ← 0.9·running_var + 0.1·σ²·n/(n−1),
 *       and num_batches_tracked grows by one. As PyTorch, n = 1 is rejected.</li>
 *   <li><b>Evaluation</b>: y = (x − running_mean)·γ/√(running_var + eps) + β; the running statistics
 *       are constants to autodiff.</li>
 * </ul>
 * Both are compositions of differentiable {@code Ops}, so gradients and gradients of gradients flow
 * through the batch statistics in training mode; the training mode's composition is {@link #definition},
 * the code to read. On the CPU backend in F32 it runs instead as one fused op (the fast path
 * {@code tensor.cpu.FusedBatchNorm}) with the same bits as that composition, value and gradients
 * ({@code FusedBatchNormTest}); a createGraph backward differentiates the composition.
 *
 * <p>State (the authors' state_dict names): parameters {@code weight} = γ (C), initialised to 1,
 * and {@code bias} = β (C), initialised to 0 (the authors' re-initialisation leaves batch norm
 * alone, {@code dspn/model.py:Net.__init__}); buffers {@code running_mean} (C) = 0,
 * {@code running_var} (C) = 1, {@code num_batches_tracked} () = 0 in I64.
 */
public final class BatchNorm2d extends Module {
    /** PyTorch's default ε. */
    public static final double EPS = 1e-5;
    /** PyTorch's default momentum (the weight of the new batch in the running averages). */
    public static final double MOMENTUM = 0.1;

    private static final int[] REDUCE = {0, 2, 3};

    private final int channels;
    private final Parameter weight;
    private final Parameter bias;
    private final Buffer runningMean;
    private final Buffer runningVar;
    private final Buffer numBatchesTracked;

    /** @param channels C */
    public BatchNorm2d(Backend be, DType dt, int channels) {
        if (channels < 1) {
            throw new IllegalArgumentException("BatchNorm2d: channels must be positive, got " + channels);
        }
        this.channels = channels;
        weight = param("weight", be.full(1.0, dt, channels));
        bias = param("bias", be.full(0.0, dt, channels));
        runningMean = buffer("running_mean", be.full(0.0, dt, channels));
        runningVar = buffer("running_var", be.full(1.0, dt, channels));
        numBatchesTracked = buffer("num_batches_tracked", be.full(0.0, DType.I64));
    }

    /**
     * Normalises x; in training mode this also updates the running statistics (once per call).
     *
     * @param x (B, C, H, W)
     * @return (B, C, H, W)
     */
    public Tensor forward(Tensor x) {
        int[] s = x.shape();
        if (s.length != 4 || s[1] != channels) {
            throw new IllegalArgumentException("BatchNorm2d(" + channels + "): expected input (B, " + channels
                    + ", H, W), got " + Shape.str(s));
        }
        Tensor gamma = reshape(weight.value(), 1, channels, 1, 1);
        Tensor beta = reshape(bias.value(), 1, channels, 1, 1);
        if (!isTraining()) {
            Tensor rm = reshape(runningMean.value(), 1, channels, 1, 1);
            Tensor rv = reshape(runningVar.value(), 1, channels, 1, 1);
            Tensor a = div(gamma, sqrt(affine(rv, 1.0, EPS))); // (1, C, 1, 1)
            return add(mul(sub(x, rm), a), beta);
        }
        long n = (long) s[0] * s[2] * s[3];
        if (n <= 1) {
            throw new IllegalArgumentException("BatchNorm2d: expected more than 1 value per channel when training, got input "
                    + Shape.str(s));
        }
        FusedBatchNorm fused = FusedBatchNorm.forward(x, weight.value(), bias.value(), EPS);
        if (fused != null) {
            Tensor y = recordFused(x, weight.value(), bias.value(), fused);
            updateRunningStats(fused.mean(), fused.var(), n);
            return y;
        }
        Tensor[] r = definition(x, gamma, beta);
        updateRunningStats(r[1], r[2], n);
        return r[0];
    }

    /**
     * The training-mode definition, composed of differentiable ops: {y, μ, σ²} with μ and the biased
     * σ² of shape (1, C, 1, 1).
     *
     * @param gamma γ as (1, C, 1, 1)
     * @param beta  β as (1, C, 1, 1)
     */
    static Tensor[] definition(Tensor x, Tensor gamma, Tensor beta) {
        Tensor mu = mean(x, REDUCE, true); // (1, C, 1, 1)
        Tensor xc = sub(x, mu);
        Tensor var = mean(mul(xc, xc), REDUCE, true); // biased, (1, C, 1, 1)
        Tensor invStd = div(scalar(1.0, var), sqrt(affine(var, 1.0, EPS)));
        Tensor y = add(mul(xc, mul(gamma, invStd)), beta);
        return new Tensor[] {y, mu, var};
    }

    /**
     * The CPU backend's fused kernel ({@link FusedBatchNorm}: the definition's bits in a few passes, its
     * rule keeping x where the definition keeps x − μ) as one recorded op. A createGraph backward
     * differentiates the definition instead, so that the gradient is itself differentiable.
     */
    private static Tensor recordFused(Tensor x, Tensor w, Tensor b, FusedBatchNorm fused) {
        int c = w.numel();
        return Ops.recordFused(fused.y(), "batchNorm2d", new Tensor[] {x, w, b}, (g, needed) -> {
            if (Autograd.isRecording()) {
                Tensor y = definition(x, reshape(w, 1, c, 1, 1), reshape(b, 1, c, 1, 1))[0];
                Tensor[] gr = Autograd.grad(new Tensor[] {y}, new Tensor[] {x, w, b}, new Tensor[] {g}, true);
                return new Tensor[] {needed[0] ? gr[0] : null, needed[1] ? gr[1] : null, needed[2] ? gr[2] : null};
            }
            Tensor[] gr = fused.backward(g, needed[0]);
            return new Tensor[] {gr[0], needed[1] ? gr[1] : null, needed[2] ? gr[2] : null};
        });
    }

    /** The running-statistics update of one training batch; never recorded by autodiff. */
    private void updateRunningStats(Tensor mu, Tensor var, long n) {
        try (Autograd.Scope off = Autograd.noGrad()) {
            Tensor m = reshape(mu.detach(), channels);
            Tensor unbiased = reshape(affine(var.detach(), (double) n / (n - 1), 0.0), channels);
            runningMean.set(add(affine(m, MOMENTUM, 0.0), affine(runningMean.value(), 1.0 - MOMENTUM, 0.0)));
            runningVar.set(add(affine(unbiased, MOMENTUM, 0.0), affine(runningVar.value(), 1.0 - MOMENTUM, 0.0)));
            Tensor count = numBatchesTracked.value();
            // counted on the backend (no host read), so a recorded training step can replay it
            numBatchesTracked.set(count.backend().binary(Backend.Binary.ADD, count, count.backend().full(1.0, DType.I64)));
        }
    }

    public int channels() {
        return channels;
    }
}
