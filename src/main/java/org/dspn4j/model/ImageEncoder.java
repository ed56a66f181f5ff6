package org.dspn4j.model;

import org.dspn4j.tensor.Tensor;

/** Turns a batch of images into representations z. */
public interface ImageEncoder {
    /**
     * @param images (B, 3, H, W), values in [0, 1]
     * @return (B, D)
     */
    Tensor encode(Tensor images);
}
