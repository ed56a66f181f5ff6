package org.dspn4j.optim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import org.dspn4j.nn.Parameter;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.Backend.Binary;
import org.dspn4j.tensor.Backend.Unary;
import org.dspn4j.tensor.Tensor;

/**
 * Adam with PyTorch's semantics (docs/reference-behaviour.md §7; appendix B: "Adam with the default
 * momentum values"): β = (0.9, 0.999), ε = 1e-8 added after the square root of the bias-corrected
 * second moment, no weight decay:
 * <pre>
 *   m ← β1·m + (1−β1)·g;   v ← β2·v + (1−β2)·g²
 *   p ← p − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + ε)
 * </pre>
 * The update runs on the parameters' backend with no autodiff recording.
 *
 * <p>NOTE: this is the update of current PyTorch releases (the golden files' PyTorch 1.13). Earlier releases added ε
 * to √v before the bias correction,
 * p ← p − (lr·√(1−β2^t) / (1−β1^t)) · m / (√v + ε): the same update with ε scaled by 1/√(1−β2^t), which differs
 * only where √v is of the order of ε.
 */
public final class Adam {
    private final List<String> names;
    private final List<Parameter> params;
    private final Tensor[] m;
    private final Tensor[] v;
    private final double lr;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private long step;

    public Adam(Map<String, Parameter> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8);
    }

    public Adam(Map<String, Parameter> params, double lr, double beta1, double beta2, double eps) {
        this.names = new ArrayList<>(params.keySet());
        this.params = new ArrayList<>(params.values());
        this.m = new Tensor[this.params.size()];
        this.v = new Tensor[this.params.size()];
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    /**
     * One update with the given gradients, one per parameter in the map's order (null = no
     * gradient: the parameter and its moments are left alone, as PyTorch does). The step count t of
     * the bias corrections is one for all parameters, where PyTorch counts per parameter: the two agree
     * while every parameter gets a gradient at every step, as {@code TrainStep} gives (zeros where the
     * loss does not reach).
     */
    public void step(Tensor[] grads) {
        checkCount(grads);
        step++;
        double[] c = coefficients(step);
        update(grads, c, (be, sqrtV) -> be.affine(sqrtV, c[0], c[1]), (be, ratio) -> be.affine(ratio, c[2], c[3]));
    }

    /**
     * One update whose step-dependent coefficients are read from a tensor, {@code
     * ExactScalars.tensor(be, coefficients(t))}, instead of being host constants: the result equals
     * {@link #step(Tensor[])} at step t bit for bit, and a recorded task graph that takes the tensor
     * as an input replays as real training (step t = 1, 2, ...), where host scalars would be frozen
     * at the recording's step. Advances {@link #steps()} like {@link #step(Tensor[])}; a replay of a
     * recording does not (keep the count outside and {@link #restore} it).
     */
    public void step(Tensor[] grads, Tensor coefficients) {
        checkCount(grads);
        step++;
        update(grads, null, (be, sqrtV) -> be.affine(sqrtV, coefficients, 0), (be, ratio) -> be.affine(ratio, coefficients, 1));
    }

    /**
     * The step-dependent scalars of update t (1-based) as two (scale, shift) pairs:
     * {@code {1/√(1−β2^t), ε, lr/(1−β1^t), 0}} — the denominator {@code √v·(1/√(1−β2^t)) + ε} and the
     * step {@code (m/denom)·lr/(1−β1^t)}.
     */
    public double[] coefficients(long t) {
        double bc1 = 1.0 - Math.pow(beta1, t);
        double bc2Sqrt = Math.sqrt(1.0 - Math.pow(beta2, t));
        return new double[] {1.0 / bc2Sqrt, eps, lr / bc1, 0.0};
    }

    private void checkCount(Tensor[] grads) {
        if (grads.length != params.size()) {
            throw new IllegalArgumentException("Adam: " + grads.length + " gradients for " + params.size() + " parameters");
        }
    }

    /**
     * The update of every parameter with a gradient: the composition below is the definition; where the
     * coefficients are host numbers ({@code c}, else null) a backend's one-pass
     * {@link Backend#adamUpdate} gives the same bits without the intermediate tensors.
     */
    private void update(Tensor[] grads, double[] c, BiFunction<Backend, Tensor, Tensor> denominator,
                        BiFunction<Backend, Tensor, Tensor> scaled) {
        for (int i = 0; i < grads.length; i++) {
            Tensor g = grads[i];
            if (g == null) {
                continue;
            }
            Tensor p = params.get(i).value();
            Backend be = p.backend();
            g = g.detach();
            if (m[i] == null) {
                m[i] = be.full(0.0, p.dtype(), p.shape());
                v[i] = be.full(0.0, p.dtype(), p.shape());
            }
            Tensor[] fused = c == null ? null : be.adamUpdate(p, g, m[i], v[i], beta1, beta2, c);
            if (fused != null) {
                params.get(i).set(fused[0]);
                m[i] = fused[1];
                v[i] = fused[2];
                continue;
            }
            m[i] = be.binary(Binary.ADD, be.affine(m[i], beta1, 0.0), be.affine(g, 1.0 - beta1, 0.0));
            v[i] = be.binary(Binary.ADD, be.affine(v[i], beta2, 0.0),
                    be.affine(be.binary(Binary.MUL, g, g), 1.0 - beta2, 0.0));
            Tensor denom = denominator.apply(be, be.unary(Unary.SQRT, v[i]));
            Tensor update = scaled.apply(be, be.binary(Binary.DIV, m[i], denom));
            params.get(i).set(be.binary(Binary.SUB, p, update));
        }
    }

    /** The learning rate. */
    public double learningRate() {
        return lr;
    }

    /** Steps taken so far (PyTorch's {@code state["step"]}). */
    public long steps() {
        return step;
    }

    /** Parameter names in update order (for checkpoints). */
    public List<String> names() {
        return names;
    }

    /** First moment of parameter i, or null before its first update. */
    public Tensor firstMoment(int i) {
        return m[i];
    }

    /** Second moment of parameter i, or null before its first update. */
    public Tensor secondMoment(int i) {
        return v[i];
    }

    /** Restores state saved from a checkpoint. */
    public void restore(long steps, Tensor[] firstMoments, Tensor[] secondMoments) {
        this.step = steps;
        System.arraycopy(firstMoments, 0, m, 0, m.length);
        System.arraycopy(secondMoments, 0, v, 0, v.length);
    }
}
