package org.dspn4j.experiment;

import static org.dspn4j.autodiff.Ops.relu;
import static org.dspn4j.autodiff.Ops.reshape;

import org.apache.commons.math3.random.RandomGenerator;
import org.dspn4j.model.ImageEncoder;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.nn.BatchNorm2d;
import org.dspn4j.nn.Conv2d;
import org.dspn4j.nn.Linear;
import org.dspn4j.nn.Module;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * A tiny stand-in for the ResNet34 image encoder, so that experiment tests take milliseconds a step:
 * one 16×16 convolution with stride 16 (64×64 → 4×4, 8 channels), ReLU, and a linear map to D. Only
 * the experiment machinery is under test here; the ResNet has its own tests, and one test runs the
 * real model end to end.
 */
final class ClevrStandIn extends Module implements ImageEncoder {
    static final int SIDE = 64;
    private final Conv2d conv;
    private final Linear fc;
    /** Null unless the stand-in has batch norm after the convolution (running statistics as the ResNet's). */
    private final BatchNorm2d bn;
    private final int channels = 8;

    ClevrStandIn(Backend be, DType dt, RandomGenerator rng, int latent) {
        this(be, dt, rng, latent, false);
    }

    ClevrStandIn(Backend be, DType dt, RandomGenerator rng, int latent, boolean batchNorm) {
        conv = child("conv", new Conv2d(be, dt, rng, 3, channels, 16, 16, 0, true));
        bn = batchNorm ? child("bn", new BatchNorm2d(be, dt, channels)) : null;
        fc = child("fc", new Linear(be, dt, rng, channels * 16, latent));
    }

    /** @param images (B, 3, 64, 64) @return (B, D) */
    @Override
    public Tensor encode(Tensor images) {
        Tensor c = conv.forward(images);
        Tensor h = relu(bn == null ? c : bn.forward(c));
        return fc.forward(reshape(h, images.size(0), channels * 16));
    }

    /** Builds {@link Net} with this encoder in place of the ResNet. */
    static Net create(Backend be, ModelConfig m, RandomGenerator rng) {
        return new Net(be, m, rng, new ClevrStandIn(be, m.dtype(), rng, m.latent()));
    }

    /** As {@link #create}, with batch norm after the convolution: training-mode running statistics as state. */
    static Net createWithBatchNorm(Backend be, ModelConfig m, RandomGenerator rng) {
        return new Net(be, m, rng, new ClevrStandIn(be, m.dtype(), rng, m.latent(), true));
    }
}
