package org.dspn4j.set;

import java.util.List;

import org.dspn4j.tensor.Tensor;

/**
 * What a set decoder returns, in the authors' order.
 *
 * @param sets        for DSPN the T + 1 sets Ŷ(0)…Ŷ(T), each (B, C, N); for a baseline its single output
 * @param masks       the matching masks, each (B, N); DSPN's are clamped to [0, 1], a baseline's are raw
 * @param innerLosses DSPN's T inner losses L_repr(Ŷ(t−1), z) (scalars); empty for baselines
 * @param gradNorms   DSPN's T Frobenius norms of the batch set-gradient (scalars, for logging); empty for baselines
 */
public record DecoderOutput(List<Tensor> sets, List<Tensor> masks, List<Tensor> innerLosses, List<Tensor> gradNorms) {
    /** The final set. */
    public Tensor lastSet() {
        return sets.get(sets.size() - 1);
    }

    /** The final mask. */
    public Tensor lastMask() {
        return masks.get(masks.size() - 1);
    }
}
