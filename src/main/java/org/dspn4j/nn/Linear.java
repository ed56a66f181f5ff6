package org.dspn4j.nn;

import static org.dspn4j.autodiff.Ops.add;
import static org.dspn4j.autodiff.Ops.matmul;
import static org.dspn4j.autodiff.Ops.transpose;

import org.apache.commons.math3.random.RandomGenerator;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/** y = x·Wᵀ + b: x (B, in) → (B, out). Parameters {@code weight} (out, in), {@code bias} (out). */
public final class Linear extends Module {
    private final Parameter weight;
    private final Parameter bias;

    public Linear(Backend be, DType dt, RandomGenerator rng, int in, int out) {
        weight = param("weight", Init.xavierUniform(be, dt, rng, in, out, out, in));
        bias = param("bias", be.full(0.0, dt, out));
    }

    /** @param x (B, in) @return (B, out) */
    public Tensor forward(Tensor x) {
        return add(matmul(x, transpose(weight.value(), 0, 1)), bias.value());
    }
}
