package org.dspn4j.set;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.autodiff.Autograd;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * The DSPN decoder is equivariant in its initial state: decoding from (Ŷ(0)·Π, m(0)·Π) gives
 * Ŷ(t)·Π and m(t)·Π at every step (appendix A, Theorem 1: each inner step is equivariant, so their
 * composition is; one inner step is the T = 1 case), and the mask stays in [0, 1]
 * (docs/reference-behaviour.md §2).
 */
class DspnProperties {
    static final CpuBackend BE = new CpuBackend(1);

    private static Dspn decoder(long seed, int iters, double eta) {
        FSEncoder g = new FSEncoder(BE, DType.F64, new MersenneTwister(seed), 2, 6, 12);
        return new Dspn(BE, DType.F64, new MersenneTwister(seed + 1), g, 2, 8, iters, eta);
    }

    private static DecoderOutput decode(Dspn d, Tensor z, boolean training) {
        d.train(training);
        if (training) {
            return d.decode(z);
        }
        try (Autograd.Scope s = Autograd.noGrad()) {
            return d.decode(z);
        }
    }

    @Property(tries = 12)
    void decodingIsEquivariantInTheInitialState(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int iters,
                                                 @ForAll boolean training) {
        Random r = new Random(seed);
        Dspn d = decoder(seed, iters, 40.0);
        Tensor z = SetEncoderProperties.latent(3, 6, seed + 2);
        // a random soft initial mask, so that mask entries are distinct too
        d.startingMask().set(Slots.softMask(BE, r, 1, 8));
        DecoderOutput plain = decode(d, z, training);
        int[] perm = Slots.randomPermutation(r, 8);
        d.startingSet().set(Slots.permute(d.startingSet().value(), perm));
        d.startingMask().set(Slots.permute(d.startingMask().value(), perm));
        DecoderOutput permuted = decode(d, z, training);
        for (int t = 0; t <= iters; t++) {
            Slots.assertClose("set " + t, permuted.sets().get(t), Slots.permute(plain.sets().get(t), perm), 1e-10);
            Slots.assertClose("mask " + t, permuted.masks().get(t), Slots.permute(plain.masks().get(t), perm), 1e-10);
        }
    }

    @Property(tries = 10)
    void maskStaysInTheUnitInterval(@ForAll long seed) {
        Random r = new Random(seed);
        Dspn d = decoder(seed, 5, 4000.0); // a large step pushes masks past the bounds
        Tensor z = SetEncoderProperties.latent(2, 6, seed + 3);
        double[] m0 = new double[8];
        for (int i = 0; i < 8; i++) {
            m0[i] = 2.0 * r.nextDouble() - 0.5; // starts outside [0, 1] too: clamped before the loop
        }
        d.startingMask().set(BE.fromHost(m0, DType.F64, 1, 8));
        DecoderOutput out = decode(d, z, true);
        for (Tensor m : out.masks()) {
            for (double v : m.toDoubles()) {
                assertTrue(v >= 0.0 && v <= 1.0, "mask value " + v);
            }
        }
    }
}
