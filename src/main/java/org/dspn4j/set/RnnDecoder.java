package org.dspn4j.set;

import static org.dspn4j.autodiff.Ops.*;

import org.apache.commons.math3.random.RandomGenerator;
import org.dspn4j.nn.Linear;
import org.dspn4j.nn.Lstm;
import org.dspn4j.nn.Module;
import org.dspn4j.nn.PointwiseConv;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * The LSTM baseline (the authors' {@code dspn/model.py:RNNDecoder} at be3703b;
 * docs/reference-behaviour.md §5): Linear(D → H) gives the initial cell state, the initial hidden
 * state is zero, a one-layer LSTM reads N zero inputs of size 1, and a shared 1×1 map H → C+1
 * turns each hidden output into one slot; the last channel is the raw mask. Parameter names
 * {@code lin.*}, {@code model.{weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0}}, {@code out.*}.
 * NOTE: {@code maskPlusOne} as in {@link MlpDecoder}.
 */
public final class RnnDecoder extends Module implements SetDecoder {
    private final Linear lin;
    private final Lstm lstm;
    private final PointwiseConv out;
    private final int channels;
    private final int setSize;
    private final int hidden;
    private final boolean maskPlusOne;

    public RnnDecoder(Backend be, DType dt, RandomGenerator rng, int latent, int channels, int setSize, int hidden,
                      boolean maskPlusOne) {
        lin = child("lin", new Linear(be, dt, rng, latent, hidden));
        lstm = child("model", new Lstm(be, dt, rng, 1, hidden));
        out = child("out", new PointwiseConv(be, dt, rng, hidden, channels + 1, 1));
        this.channels = channels;
        this.setSize = setSize;
        this.hidden = hidden;
        this.maskPlusOne = maskPlusOne;
    }

    @Override
    public DecoderOutput decode(Tensor z) {
        int b = z.size(0);
        Tensor cell = lin.forward(z);
        Backend be = z.backend();
        Tensor inputs = be.full(0.0, z.dtype(), setSize, b, 1);
        Tensor h0 = be.full(0.0, z.dtype(), b, hidden);
        Tensor hs = lstm.forward(inputs, h0, cell); // (N, B, H)
        Tensor x = out.forward(permute(hs, 1, 2, 0)); // (B, C+1, N)
        return BaselineOutput.split(x, channels, maskPlusOne);
    }
}
