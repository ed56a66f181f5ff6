package org.dspn4j.nn;

import org.dspn4j.autodiff.Ops;
import org.dspn4j.tensor.Tensor;

/**
 * Max-pooling as PyTorch's {@code nn.MaxPool2d(k, stride, padding)}: x (B, C, H, W) →
 * (B, C, Ho, Wo), Ho = ⌊(H + 2·pad − k) / stride⌋ + 1. Padding never wins a window; the gradient
 * goes to the first maximum of each window in row-major order. No parameters.
 *
 * <p>The ResNet34 stem uses 3×3, stride 2, padding 1 (docs/reference-behaviour.md §4).
 */
public final class MaxPool2d extends Module {
    private final int k;
    private final int stride;
    private final int pad;

    public MaxPool2d(int k, int stride, int pad) {
        if (k < 1 || stride < 1 || pad < 0 || 2 * pad > k) {
            throw new IllegalArgumentException("MaxPool2d: bad configuration k=" + k + " stride=" + stride + " pad=" + pad);
        }
        this.k = k;
        this.stride = stride;
        this.pad = pad;
    }

    /** @param x (B, C, H, W) @return (B, C, Ho, Wo) */
    public Tensor forward(Tensor x) {
        return Ops.maxPool2d(x, k, stride, pad);
    }
}
