package org.dspn4j.set;

import java.util.Random;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.dspn4j.tensor.Tensor;

/**
 * Contract: every output with a slot axis is permuted like the input, f(x·Π) = f(x)·Π (appendix A,
 * Definition 2 and Theorem 1). Inputs must have distinct elements: FSPool gives equal elements
 * different sorted positions, hence different weights, so at exact ties the result depends on the
 * sort's tie rule (docs/reference-behaviour.md §9).
 */
interface PermutationEquivariantContract {
    /** The function under test; every returned tensor has the slot axis last. */
    Tensor[] equivariant(Tensor set, Tensor mask);

    /** Random inputs for one trial: {set, mask}. */
    Tensor[] inputs(Random r);

    @Property(tries = 15)
    default void permutedLikeTheInput(@ForAll long seed) {
        Random r = new Random(seed);
        Tensor[] in = inputs(r);
        int[] perm = Slots.randomPermutation(r, in[0].size(-1));
        Tensor[] plain = equivariant(in[0], in[1]);
        Tensor[] permuted = equivariant(Slots.permute(in[0], perm), Slots.permute(in[1], perm));
        for (int k = 0; k < plain.length; k++) {
            Slots.assertClose("output " + k + ": f(x·Π) vs f(x)·Π", permuted[k], Slots.permute(plain[k], perm), 1e-10);
        }
    }
}
