package org.dspn4j.set;

import java.util.Random;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.dspn4j.tensor.Tensor;

/**
 * Contract: f(set·Π, mask·Π) = f(set, mask) for every permutation Π of the N slots (appendix A,
 * Definition 1). Implemented once per invariant function; jqwik reports the seed of a failure.
 */
interface PermutationInvariantContract {
    /** The function under test; set (B, C, N), mask (B, N). */
    Tensor invariant(Tensor set, Tensor mask);

    /** Random inputs for one trial: {set, mask}. */
    Tensor[] inputs(Random r);

    @Property(tries = 25)
    default void unchangedWhenSlotsArePermuted(@ForAll long seed) {
        Random r = new Random(seed);
        Tensor[] in = inputs(r);
        int[] perm = Slots.randomPermutation(r, in[0].size(-1));
        Tensor expected = invariant(in[0], in[1]);
        Tensor actual = invariant(Slots.permute(in[0], perm), Slots.permute(in[1], perm));
        Slots.assertClose("f(x·Π) vs f(x)", actual, expected, 1e-12);
    }
}
