package org.dspn4j.nn;

import static org.dspn4j.autodiff.Ops.*;

import org.apache.commons.math3.random.RandomGenerator;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * A single-layer LSTM with PyTorch's gate order (i, f, g, o) and parameter names
 * ({@code weight_ih_l0} (4H, in), {@code weight_hh_l0} (4H, H), {@code bias_ih_l0}, {@code bias_hh_l0}):
 * i = σ(·), f = σ(·), g = tanh(·), o = σ(·); c' = f·c + i·g; h' = o·tanh(c'). Initialised as
 * PyTorch does, U(−1/√H, 1/√H) for every parameter (the authors do not re-initialise it).
 */
public final class Lstm extends Module {
    private final Parameter wih;
    private final Parameter whh;
    private final Parameter bih;
    private final Parameter bhh;
    private final int hidden;

    public Lstm(Backend be, DType dt, RandomGenerator rng, int in, int hidden) {
        this.hidden = hidden;
        double k = 1.0 / Math.sqrt(hidden);
        wih = param("weight_ih_l0", Init.uniform(be, dt, rng, -k, k, 4 * hidden, in));
        whh = param("weight_hh_l0", Init.uniform(be, dt, rng, -k, k, 4 * hidden, hidden));
        bih = param("bias_ih_l0", Init.uniform(be, dt, rng, -k, k, 4 * hidden));
        bhh = param("bias_hh_l0", Init.uniform(be, dt, rng, -k, k, 4 * hidden));
    }

    /**
     * Runs the sequence.
     *
     * @param inputs (L, B, in)
     * @param h0     (B, H)
     * @param c0     (B, H)
     * @return the hidden outputs (L, B, H)
     */
    public Tensor forward(Tensor inputs, Tensor h0, Tensor c0) {
        int steps = inputs.size(0);
        Tensor h = h0;
        Tensor c = c0;
        Tensor wihT = transpose(wih.value(), 0, 1);
        Tensor whhT = transpose(whh.value(), 0, 1);
        Tensor bias = add(bih.value(), bhh.value());
        Tensor[] outs = new Tensor[steps];
        for (int t = 0; t < steps; t++) {
            Tensor x = reshape(slice(inputs, 0, t, t + 1), inputs.size(1), inputs.size(2));
            Tensor gates = add(add(matmul(x, wihT), matmul(h, whhT)), bias); // (B, 4H)
            Tensor i = sigmoid(slice(gates, 1, 0, hidden));
            Tensor f = sigmoid(slice(gates, 1, hidden, 2 * hidden));
            Tensor g = tanh(slice(gates, 1, 2 * hidden, 3 * hidden));
            Tensor o = sigmoid(slice(gates, 1, 3 * hidden, 4 * hidden));
            c = add(mul(f, c), mul(i, g));
            h = mul(o, tanh(c));
            outs[t] = unsqueeze(h, 0);
        }
        return concat(0, outs);
    }
}
