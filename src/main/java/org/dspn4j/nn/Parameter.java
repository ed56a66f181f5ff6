package org.dspn4j.nn;

import org.dspn4j.tensor.Shape;
import org.dspn4j.tensor.Tensor;

/**
 * A learnable tensor. Tensors are immutable, so an optimiser step (or loading weights) replaces the
 * value; the new value is again a leaf that requires gradients.
 */
public final class Parameter {
    private Tensor value;

    public Parameter(Tensor value) {
        set(value);
    }

    /** The current value (a leaf requiring gradients). */
    public Tensor value() {
        return value;
    }

    /** Replaces the value; the shape must not change. */
    public void set(Tensor v) {
        if (value != null && !Shape.same(value.shape(), v.shape())) {
            throw new IllegalArgumentException("parameter of shape " + Shape.str(value.shape())
                    + " cannot take a value of shape " + Shape.str(v.shape()));
        }
        value = v.detach().requiresGrad(true);
    }

    public int[] shape() {
        return value.shape();
    }
}
