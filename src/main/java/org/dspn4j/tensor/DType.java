package org.dspn4j.tensor;

/**
 * Element types. {@link #F32} and {@link #F64} are differentiable; {@link #I32} and {@link #I64}
 * hold indices and counters and never carry gradients.
 */
public enum DType {
    F32("float32", true),
    F64("float64", true),
    I32("int32", false),
    I64("int64", false);

    private final String numpyName;
    private final boolean floating;

    DType(String numpyName, boolean floating) {
        this.numpyName = numpyName;
        this.floating = floating;
    }

    /** True for the floating-point types, the only ones autodiff differentiates. */
    public boolean isFloating() {
        return floating;
    }

    /** The numpy name, e.g. {@code float32}. */
    public String numpyName() {
        return numpyName;
    }

    /** Rounds a value to what this type can hold (F32 rounds to float, integers truncate toward zero). */
    public double round(double v) {
        switch (this) {
            case F32: return (float) v;
            case F64: return v;
            case I32: return (int) v;
            default: return (long) v;
        }
    }
}
