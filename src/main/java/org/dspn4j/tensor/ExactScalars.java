package org.dspn4j.tensor;

/**
 * Doubles carried exactly in float storage: each double as three floats whose sum
 * {@code (hi + mid) + lo}, computed in double, is exactly the double (the encoding the OpenCL
 * engine's fused programs use for their double parameters). This lets step-dependent host scalars
 * (Adam's bias corrections, a learning rate) be F32 tensors — inputs of a recorded task graph —
 * and still give the very results of the double-parameter ops they replace ({@link Backend#affine(Tensor, Tensor, int)}).
 */
public final class ExactScalars {
    private ExactScalars() {
    }

    /** The three floats of each value, in order; throws when a value has no exact three-float form. */
    public static float[] encode(double... values) {
        float[] w = new float[3 * values.length];
        for (int i = 0; i < values.length; i++) {
            double d = values[i];
            float hi = (float) d;
            float mid = 0f;
            float lo = 0f;
            if (!Double.isInfinite(d) && !Double.isNaN(d)) {
                mid = (float) (d - hi);
                lo = (float) (d - hi - mid);
            }
            w[3 * i] = hi;
            w[3 * i + 1] = mid;
            w[3 * i + 2] = lo;
            if (Double.compare(decode(w, i), d) != 0) {
                throw new IllegalArgumentException("ExactScalars: " + d + " has no exact three-float form");
            }
        }
        return w;
    }

    /** Value i of an encoding. */
    public static double decode(float[] w, int i) {
        return ((double) w[3 * i] + (double) w[3 * i + 1]) + (double) w[3 * i + 2];
    }

    /** The encoding as an F32 tensor of shape (3·k) on a backend. */
    public static Tensor tensor(Backend be, double... values) {
        float[] w = encode(values);
        double[] d = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            d[i] = w[i];
        }
        return be.fromHost(d, DType.F32, w.length);
    }
}
