package org.dspn4j.nn;

import org.apache.commons.math3.random.RandomGenerator;
import org.dspn4j.autodiff.Ops;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * A 2-D convolution as PyTorch's {@code nn.Conv2d} (square kernel, equal stride and zero padding on
 * both axes, no dilation, no groups): x (B, in, H, W) → (B, out, Ho, Wo) with
 * Ho = ⌊(H + 2·pad − k) / stride⌋ + 1, and likewise Wo.
 *
 * <p>Parameters: {@code weight} (out, in, k, k) and, if present, {@code bias} (out).
 *
 * <p>Initialisation as the authors' {@code dspn/model.py:Net.__init__} (docs/reference-behaviour.md
 * §4): Xavier-uniform with fan_in = in·k·k and fan_out = out·k·k, bias 0. NOTE: the authors apply
 * this to every convolution, including torchvision's ResNet34 ones, which overrides torchvision's
 * Kaiming initialisation.
 */
public final class Conv2d extends Module {
    private final Parameter weight;
    private final Parameter bias;
    private final int stride;
    private final int pad;

    /**
     * @param in     input channels
     * @param out    output channels
     * @param k      kernel size (k×k)
     * @param stride stride on both axes
     * @param pad    zero padding on all four sides
     * @param bias   whether the layer has a bias (the ResNet's convolutions do not)
     */
    public Conv2d(Backend be, DType dt, RandomGenerator rng, int in, int out, int k, int stride, int pad, boolean bias) {
        if (in < 1 || out < 1 || k < 1 || stride < 1 || pad < 0) {
            throw new IllegalArgumentException("Conv2d: bad configuration in=" + in + " out=" + out + " k=" + k
                    + " stride=" + stride + " pad=" + pad);
        }
        this.stride = stride;
        this.pad = pad;
        weight = param("weight", Init.xavierUniform(be, dt, rng, in * k * k, out * k * k, out, in, k, k));
        this.bias = bias ? param("bias", be.full(0.0, dt, out)) : null;
    }

    /** @param x (B, in, H, W) @return (B, out, Ho, Wo) */
    public Tensor forward(Tensor x) {
        return Ops.conv2d(x, weight.value(), bias == null ? null : bias.value(), stride, pad);
    }

    public int stride() {
        return stride;
    }

    public int padding() {
        return pad;
    }
}
