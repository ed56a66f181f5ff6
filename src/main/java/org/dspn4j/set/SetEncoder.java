package org.dspn4j.set;

import org.dspn4j.tensor.Tensor;

/** A permutation-invariant set encoder g: (set, mask) ↦ representation. */
public interface SetEncoder {
    /**
     * @param set  (B, C, N)
     * @param mask (B, N), 1 for real elements
     * @return (B, D)
     */
    Tensor encode(Tensor set, Tensor mask);
}
