package org.dspn4j.model;

import static org.dspn4j.model.PermutedGolden.permute;

import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.dspn4j.io.NdArray;
import org.dspn4j.model.PermutedGolden.Case;
import org.dspn4j.model.PermutedGolden.Tolerance;
import org.dspn4j.model.PermutedGolden.Trial;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.testing.Golden;

/**
 * Permutation properties checked against the golden outputs of golden/models.npz (independent
 * PyTorch, float64), not against our own unpermuted output: jqwik permutes the golden input and our
 * output on it must equal the golden output — unchanged where the quantity is invariant, permuted
 * the same way where it is equivariant. A model that is consistent with itself under permutation
 * but wrong fails here. See {@link PermutedGolden} for what each case holds and which inputs may be
 * permuted. Implemented once per golden case and backend (a jqwik group); the number of tries
 * comes from the container's {@code @PropertyDefaults}.
 */
interface PermutedGoldenContract {
    Case goldenCase();

    Backend backend();

    DType dtype();

    /** Tolerance of every golden output of the whole step. */
    Tolerance tolerance();

    /** Relative tolerance of the target representation and of the inner loss and its gradients. */
    double encoderTolerance();

    /** One permutation of the N target slots for each of the B samples. */
    @Provide
    default Arbitrary<List<Perm>> targetSlots() {
        return Perm.perSample(goldenCase().b(), goldenCase().n());
    }

    /** A permutation of the B samples. */
    @Provide
    default Arbitrary<Perm> batch() {
        return Perm.of(goldenCase().b());
    }

    /** A permutation of the N slots of Ŷ(0) and m(0) together; the baselines have none (identity). */
    @Provide
    default Arbitrary<Perm> initialSlots() {
        int n = goldenCase().n();
        return goldenCase().dspn() ? Perm.of(n) : Arbitraries.just(Perm.identity(n));
    }

    /**
     * jqwik's statistics, printed with the property's report: how many generated cases permuted
     * what, and (for target sets) in how many the order of the tied padding slots of some sample
     * changed, which is where the ties of FSPool's sort and the several optimal Hungarian
     * assignments come into play.
     */
    private static void collect(Case c, Trial t, boolean targets) {
        int moved = 0;
        for (Perm p : t.targetSlots()) {
            moved += p.moved();
        }
        List<String> what = new java.util.ArrayList<>();
        if (moved > 0) {
            what.add(targets ? "target slots" : "slots");
        }
        if (!t.batch().isIdentity()) {
            what.add("batch");
        }
        if (!t.initialSlots().isIdentity()) {
            what.add("initial set");
        }
        Statistics.label("permuted").collect(what.isEmpty() ? "nothing (identity)" : String.join(" + ", what));
        if (targets) {
            Statistics.label("padding ties").collect(paddingReordered(c, t) ? "reordered" : "in golden order");
        }
    }

    /** Whether some sample's padding slots (identical elements) end up in another relative order. */
    private static boolean paddingReordered(Case c, Trial t) {
        double[] mask = c.golden("input/target_mask").toDoubles();
        int n = c.n();
        for (int b = 0; b < c.b(); b++) {
            int sample = t.batch().at(b);
            int last = -1;
            for (int i = 0; i < n; i++) {
                int j = t.targetSlots().get(b).at(i);
                if (mask[sample * n + j] == 0.0) {
                    if (j < last) {
                        return true;
                    }
                    last = j;
                }
            }
        }
        return false;
    }

    /**
     * The whole training step (for the evaluation case: the decoding) on the permuted golden input
     * equals the permuted golden output: every Ŷ(t) and m(t) permuted with the batch and with
     * Ŷ(0), m(0) (the decoder's equivariance), z and g(Y, m_Y) with the batch (the encoders'
     * invariance in the target's slots), the inner losses, Chamfer or Hungarian losses per step,
     * representation loss and outer loss unchanged, every parameter gradient unchanged except those
     * of the permuted parameters (z, Ŷ(0), m(0)), which are permuted like them. Ties among padding
     * slots: see {@link PermutedGolden}.
     */
    @Property
    default void goldenOutputsOnPermutedGoldenInputs(@ForAll("targetSlots") List<Perm> targetSlots,
                                                     @ForAll("batch") Perm batch,
                                                     @ForAll("initialSlots") Perm initialSlots) {
        Case c = goldenCase();
        Trial t = new Trial(targetSlots, batch, initialSlots);
        collect(c, t, true);
        String what = c.name() + " (target slots " + targetSlots + ", batch " + batch + ", initial set " + initialSlots + ")";
        PermutedGolden.assertMatches(what, PermutedGolden.ours(backend(), dtype(), c, t),
                PermutedGolden.expected(c, t), tolerance());
    }

    /**
     * FSPool and the set encoder (FSEncoder for MNIST, the relation-network RNFSEncoder for CLEVR)
     * on the golden target sets with permuted slots and samples: g(Y·Π, m_Y·Π) equals the golden
     * g(Y, m_Y), row for row of the permuted batch. The padding slots are equal elements, so
     * FSPool's sort meets ties: the sorted values, hence the encoding, are defined whatever the order.
     */
    @Property
    default void encodingOfPermutedGoldenTargets(@ForAll("targetSlots") List<Perm> targetSlots, @ForAll("batch") Perm batch) {
        Case c = goldenCase();
        Trial t = new Trial(targetSlots, batch, Perm.identity(c.n()));
        collect(c, t, true);
        Net net = PermutedGolden.net(backend(), dtype(), c, t);
        Tensor[] y = PermutedGolden.targets(backend(), dtype(), c, t);
        // MNIST auto-encodes (z = g(Y, m_Y)); the evaluation case stores only z
        String key = c.task().supervised() ? "out/target_repr" : "out/z";
        NdArray expected = permute(c.golden(key), 0, batch, -1, null);
        String what = c.name() + " g(Y, m_Y) (target slots " + targetSlots + ", batch " + batch + ")";
        Golden.assertClose(what, net.setEncoder().encode(y[0], y[1]), expected, encoderTolerance());
    }

    /** The DSPN golden cases also carry each inner step's input and output. */
    interface Dspn extends PermutedGoldenContract {
        /**
         * The paper's Theorem 1 (appendix A) against the golden decoding: at every golden inner step
         * t, our gradient of L = Huber(g(Ŷ, m), z) with respect to Ŷ and m, taken at the golden
         * Ŷ(t), m(t), z with each sample's slots and the batch permuted, equals the golden gradient
         * (recovered from Ŷ(t+1), m(t+1), see {@link PermutedGolden#goldenInnerGradient}) permuted
         * the same way; L itself equals the golden inner loss (invariant). The slots of Ŷ(t) are
         * distinct elements, so no tie makes the gradient order-dependent.
         */
        @Property
        default void innerGradientsOfPermutedGoldenSetsArePermutedLikeThem(@ForAll("targetSlots") List<Perm> slots,
                                                                            @ForAll("batch") Perm batch) {
            Case c = goldenCase();
            Trial t = new Trial(slots, batch, Perm.identity(c.n()));
            collect(c, t, false);
            Net net = PermutedGolden.net(backend(), dtype(), c, t);
            double[] innerLosses = c.golden("out/inner_losses").toDoubles();
            int[] ms = c.golden("out/masks").shape();
            int[] s1 = {ms[1], c.golden("out/sets").shape()[2], ms[2]};
            int[] m1 = {ms[1], ms[2]};
            for (int step = 0; step < c.iters(); step++) {
                String what = c.name() + " step " + step + " (slots " + slots + ", batch " + batch + ")";
                Tensor[] in = PermutedGolden.innerInput(backend(), dtype(), c, step, slots, batch);
                Tensor[] ours = PermutedGolden.innerStep(net, in[0], in[1], in[2]);
                double[][] g = PermutedGolden.goldenInnerGradient(c, step);
                Golden.assertClose(what + " inner loss", ours[0].toDoubles(), new double[] {innerLosses[step]},
                        encoderTolerance(), 0.0);
                Golden.assertClose(what + " dL/dY", ours[1].toDoubles(), permute(g[0], s1, 0, batch, 2, slots),
                        encoderTolerance(), 0.0);
                PermutedGolden.assertMaskGradient(what + " dL/dm", ours[2].toDoubles(), permute(g[1], m1, 0, batch, 1, slots),
                        permute(g[2], m1, 0, batch, 1, slots), in[1].toDoubles(), c.eta(), encoderTolerance());
            }
        }
    }

}
