package org.dspn4j.set;

import static org.dspn4j.autodiff.Ops.*;

import org.apache.commons.math3.random.RandomGenerator;
import org.dspn4j.nn.Container;
import org.dspn4j.nn.Linear;
import org.dspn4j.nn.Module;
import org.dspn4j.nn.PointwiseConv;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * The CLEVR set encoder (the authors' {@code dspn/model.py:RNFSEncoder.forward} at be3703b;
 * docs/reference-behaviour.md §4): a relation network with FSPool. The mask is concatenated as
 * a channel; every ordered pair (i, j) — i = j and padding slots included — gets the feature
 * [x_i ; x_j] (2(C+1) channels); a pair MLP (1×1) 2(C+1) → H → D with a ReLU between; the N² pair
 * features (pair index i·N + j) are divided by N twice (by N²); FSPool with 20 pieces over them.
 *
 * <p>Parameter names: {@code conv.0.*}, {@code conv.2.*} (Conv2d weights (out, in, 1, 1)),
 * {@code lin.*} and {@code pool.weight}. NOTE: {@code lin} is never used, as in the authors' code;
 * it is kept (Xavier-initialised, no gradient) so their weights load.
 */
public final class RNFSEncoder extends Module implements SetEncoder {
    private final PointwiseConv c0;
    private final PointwiseConv c2;
    private final FSPool pool;

    /**
     * @param setChannels C (4 boxes, 18 states), without the mask
     * @param latent      D (512)
     * @param hidden      H (512)
     */
    public RNFSEncoder(Backend be, DType dt, RandomGenerator rng, int setChannels, int latent, int hidden) {
        Container conv = child("conv", new Container());
        c0 = conv.add("0", new PointwiseConv(be, dt, rng, 2 * setChannels + 2, hidden, 2));
        c2 = conv.add("2", new PointwiseConv(be, dt, rng, hidden, latent, 2));
        child("lin", new Linear(be, dt, rng, hidden, latent));
        pool = child("pool", new FSPool(be, dt, rng, latent, 20));
    }

    @Override
    public Tensor encode(Tensor set, Tensor mask) {
        Tensor x = concat(1, set, unsqueeze(mask, 1)); // (B, C+1, N)
        int b = x.size(0);
        int c = x.size(1);
        int n = x.size(2);
        Tensor xi = expand(unsqueeze(x, 3), b, c, n, n); // [b, :, i, j] = x_i
        Tensor xj = expand(unsqueeze(x, 2), b, c, n, n); // [b, :, i, j] = x_j
        Tensor pairs = reshape(concat(1, xi, xj), b, 2 * c, n * n);
        Tensor h = PointwiseConv.chain(pairs, c0, c2); // c2(relu(c0(pairs))): (B, D, N^2)
        // the authors' x / n / n: two roundings, each a product with 1/n (in F32 the same bits as their divisions,
        // in F64 the last bit can differ)
        h = scaleTwice(h, 1.0 / n, 1.0 / n);
        return pool.forward(h);
    }

    public FSPool pool() {
        return pool;
    }
}
