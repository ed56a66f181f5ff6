package org.dspn4j.nn;

import static org.dspn4j.autodiff.Ops.linear;
import static org.dspn4j.autodiff.Ops.mlp;
import static org.dspn4j.autodiff.Ops.reshape;

import org.apache.commons.math3.random.RandomGenerator;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * A 1×1 convolution over a set: the same linear map applied to every element,
 * y[b, :, i] = W·x[b, :, i] + b. The authors write it as {@code Conv1d(in, out, 1)} (weight
 * (out, in, 1)) or, for relation-network pairs, {@code Conv2d(in, out, 1)} (weight (out, in, 1, 1));
 * {@code kernelDims} keeps that shape so their checkpoints load unchanged.
 */
public final class PointwiseConv extends Module {
    private final Parameter weight;
    private final Parameter bias;
    private final int in;
    private final int out;

    /**
     * @param kernelDims 1 for Conv1d-shaped weights (out, in, 1), 2 for Conv2d-shaped (out, in, 1, 1)
     */
    public PointwiseConv(Backend be, DType dt, RandomGenerator rng, int in, int out, int kernelDims) {
        this.in = in;
        this.out = out;
        int[] shape = kernelDims == 1 ? new int[] {out, in, 1} : new int[] {out, in, 1, 1};
        // Xavier fan-in/out of a 1x1 kernel: in and out
        weight = param("weight", Init.xavierUniform(be, dt, rng, in, out, shape));
        bias = param("bias", be.full(0.0, dt, out));
    }

    /** @param x (B, in, N) @return (B, out, N) */
    public Tensor forward(Tensor x) {
        return linear(reshape(weight.value(), out, in), x, bias.value(), false);
    }

    /**
     * {@code layers[last].forward(relu(… relu(layers[0].forward(x))))}: the layers in sequence with a
     * ReLU between each two, as one {@code Ops.mlp} (each layer one op; the hidden ReLUs' backward
     * folded into the products).
     */
    public static Tensor chain(Tensor x, PointwiseConv... layers) {
        Tensor[] w = new Tensor[layers.length];
        Tensor[] b = new Tensor[layers.length];
        for (int l = 0; l < layers.length; l++) {
            w[l] = reshape(layers[l].weight.value(), layers[l].out, layers[l].in);
            b[l] = layers[l].bias.value();
        }
        return mlp(x, w, b);
    }
}
