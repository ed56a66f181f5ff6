package org.dspn4j.set;

import static org.dspn4j.autodiff.Ops.*;

import java.util.Random;

import net.jqwik.api.Group;
import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.autodiff.Autograd;
import org.dspn4j.loss.Huber;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * Permutation properties of FSPool and both set encoders: invariance of the encoding, and
 * equivariance of the gradient of L_repr(g(Y, m), z) with respect to (Y, m) — appendix Theorem 1.
 */
class SetEncoderProperties {
    static final CpuBackend BE = new CpuBackend(1);

    /** L_repr as DSPN's inner loss, and its gradient with respect to set and mask. */
    static Tensor[] reprGradient(SetEncoder g, Tensor set, Tensor mask, Tensor z) {
        Tensor s = set.detach().requiresGrad(true);
        Tensor m = mask.detach().requiresGrad(true);
        return Autograd.grad(Huber.mean(g.encode(s, m), z), new Tensor[] {s, m}, false);
    }

    static Tensor latent(int b, int d, long seed) {
        Random r = new Random(seed);
        double[] z = new double[b * d];
        for (int i = 0; i < z.length; i++) {
            z[i] = 0.1 * r.nextGaussian();
        }
        return BE.fromHost(z, DType.F64, b, d);
    }

    @Group
    class FSPoolInvariance implements PermutationInvariantContract {
        final FSPool pool = new FSPool(BE, DType.F64, new MersenneTwister(3), 3, 20);

        @Override
        public Tensor invariant(Tensor set, Tensor mask) {
            return pool.forward(set);
        }

        @Override
        public Tensor[] inputs(Random r) {
            return new Tensor[] {Slots.randomSet(BE, r, 2, 3, 7), Slots.softMask(BE, r, 2, 7)};
        }
    }

    @Group
    class FSEncoderContracts implements PermutationInvariantContract, PermutationEquivariantContract {
        final FSEncoder g = new FSEncoder(BE, DType.F64, new MersenneTwister(5), 2, 6, 12);
        final Tensor z = latent(3, 6, 9);

        @Override
        public Tensor invariant(Tensor set, Tensor mask) {
            return g.encode(set, mask);
        }

        @Override
        public Tensor[] equivariant(Tensor set, Tensor mask) {
            return reprGradient(g, set, mask, z);
        }

        @Override
        public Tensor[] inputs(Random r) {
            // distinct elements: zero padding slots tie in FSPool's sort, where only invariance holds
            return new Tensor[] {Slots.randomSet(BE, r, 3, 2, 9), Slots.softMask(BE, r, 3, 9)};
        }
    }

    /** Padded targets (identical zero slots with mask 0): the encoding is still invariant. */
    @Group
    class FSEncoderPaddedInvariance implements PermutationInvariantContract {
        final FSEncoder g = new FSEncoder(BE, DType.F64, new MersenneTwister(6), 2, 6, 12);

        @Override
        public Tensor invariant(Tensor set, Tensor mask) {
            return g.encode(set, mask);
        }

        @Override
        public Tensor[] inputs(Random r) {
            Tensor m = Slots.paddedMask(BE, r, 3, 9);
            return new Tensor[] {Slots.zeroPadding(Slots.randomSet(BE, r, 3, 2, 9), m), m};
        }
    }

    @Group
    class RNFSEncoderContracts implements PermutationInvariantContract, PermutationEquivariantContract {
        final RNFSEncoder g = new RNFSEncoder(BE, DType.F64, new MersenneTwister(7), 4, 6, 10);
        final Tensor z = latent(2, 6, 11);

        @Override
        public Tensor invariant(Tensor set, Tensor mask) {
            return g.encode(set, mask);
        }

        @Override
        public Tensor[] equivariant(Tensor set, Tensor mask) {
            return reprGradient(g, set, mask, z);
        }

        @Override
        public Tensor[] inputs(Random r) {
            // soft masks: DSPN differentiates the encoder at predicted (not padded) sets
            return new Tensor[] {Slots.randomSet(BE, r, 2, 4, 5), Slots.softMask(BE, r, 2, 5)};
        }
    }
}
