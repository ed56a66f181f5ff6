package org.dspn4j.set;

import org.dspn4j.tensor.Tensor;

/** Turns a representation z (B, D) into a set (B, C, N) and a mask (B, N). */
public interface SetDecoder {
    DecoderOutput decode(Tensor z);
}
