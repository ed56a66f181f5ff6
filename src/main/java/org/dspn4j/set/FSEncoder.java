package org.dspn4j.set;

import static org.dspn4j.autodiff.Ops.*;

import org.apache.commons.math3.random.RandomGenerator;
import org.dspn4j.nn.Container;
import org.dspn4j.nn.Module;
import org.dspn4j.nn.PointwiseConv;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * The MNIST set encoder (the authors' {@code dspn/model.py:FSEncoder.forward} at be3703b;
 * docs/reference-behaviour.md §4): the mask is concatenated as one more channel, a per-element MLP
 * (1×1 convolutions) (C+1) → H → H → D with ReLU between, every feature divided by the padded size
 * N, then {@link FSPool} with 20 pieces over all N slots.
 *
 * <p>Parameter names as the authors' state_dict: {@code conv.0.*}, {@code conv.2.*},
 * {@code conv.4.*} (Conv1d weights (out, in, 1)), {@code pool.weight} (D, 21).
 */
public final class FSEncoder extends Module implements SetEncoder {
    private final PointwiseConv c0;
    private final PointwiseConv c2;
    private final PointwiseConv c4;
    private final FSPool pool;

    /**
     * @param setChannels C (2 for MNIST), without the mask
     * @param latent      D (64 in the authors' MNIST script)
     * @param hidden      H (256)
     */
    public FSEncoder(Backend be, DType dt, RandomGenerator rng, int setChannels, int latent, int hidden) {
        Container conv = child("conv", new Container());
        c0 = conv.add("0", new PointwiseConv(be, dt, rng, setChannels + 1, hidden, 1));
        c2 = conv.add("2", new PointwiseConv(be, dt, rng, hidden, hidden, 1));
        c4 = conv.add("4", new PointwiseConv(be, dt, rng, hidden, latent, 1));
        pool = child("pool", new FSPool(be, dt, rng, latent, 20));
    }

    @Override
    public Tensor encode(Tensor set, Tensor mask) {
        Tensor x = concat(1, set, unsqueeze(mask, 1)); // (B, C+1, N)
        x = PointwiseConv.chain(x, c0, c2, c4); // c4(relu(c2(relu(c0(x)))))
        // NOTE: divide by the padded N, not the set size, as the authors do (docs/reference-behaviour.md §4);
        // a product with 1/N: in F32 the same bits as their division, in F64 the last bit can differ
        x = scale(x, 1.0 / x.size(2));
        return pool.forward(x);
    }

    public FSPool pool() {
        return pool;
    }
}
