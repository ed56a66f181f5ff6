package org.dspn4j.set;

import static org.dspn4j.autodiff.Ops.*;

import java.util.List;

import org.apache.commons.math3.random.RandomGenerator;
import org.dspn4j.nn.Container;
import org.dspn4j.nn.Linear;
import org.dspn4j.nn.Module;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * The MLP baseline (the authors' {@code dspn/model.py:MLPDecoder} at be3703b;
 * docs/reference-behaviour.md §5): Linear(D → H), ReLU, Linear(H → H), ReLU, Linear(H → (C+1)·N),
 * reshaped so that output index c·N + i is channel c of slot i; the last channel is the mask, raw
 * and unbounded. Parameter names {@code model.0.*}, {@code model.2.*}, {@code model.4.*}.
 *
 * <p>NOTE: {@code maskPlusOne} is the authors' MNIST "mask + 1" variant (their {@code testing}
 * branch, appendix B.1), off by default as on their master.
 */
public final class MlpDecoder extends Module implements SetDecoder {
    private final Linear l0;
    private final Linear l2;
    private final Linear l4;
    private final int channels;
    private final int setSize;
    private final boolean maskPlusOne;

    /**
     * @param latent   D
     * @param channels C (without the mask)
     * @param setSize  N
     * @param hidden   H
     */
    public MlpDecoder(Backend be, DType dt, RandomGenerator rng, int latent, int channels, int setSize, int hidden,
                      boolean maskPlusOne) {
        Container model = child("model", new Container());
        l0 = model.add("0", new Linear(be, dt, rng, latent, hidden));
        l2 = model.add("2", new Linear(be, dt, rng, hidden, hidden));
        l4 = model.add("4", new Linear(be, dt, rng, hidden, (channels + 1) * setSize));
        this.channels = channels;
        this.setSize = setSize;
        this.maskPlusOne = maskPlusOne;
    }

    @Override
    public DecoderOutput decode(Tensor z) {
        Tensor x = l4.forward(relu(l2.forward(relu(l0.forward(z)))));
        x = reshape(x, z.size(0), channels + 1, setSize);
        return BaselineOutput.split(x, channels, maskPlusOne);
    }
}

/** Splits a baseline's (B, C+1, N) output into features and mask. */
final class BaselineOutput {
    private BaselineOutput() {
    }

    static DecoderOutput split(Tensor x, int channels, boolean maskPlusOne) {
        Tensor features = slice(x, 1, 0, channels);
        Tensor mask = reshape(slice(x, 1, channels, channels + 1), x.size(0), x.size(2));
        if (maskPlusOne) {
            mask = affine(mask, 1.0, 1.0);
        }
        return new DecoderOutput(List.of(features), List.of(mask), List.of(), List.of());
    }
}
