package org.dspn4j.nn;

import java.util.LinkedHashMap;
import java.util.Map;

import org.dspn4j.tensor.Shape;
import org.dspn4j.tensor.Tensor;

/**
 * The seeded, hash-based value generator that {@code golden/generate_resnet.py} implements
 * identically in numpy, so that a 25M-parameter model's weights need not be stored in a golden file.
 * Every value is a pure function of (stream, element index): no generator state, no draw order.
 *
 * <pre>
 *   mix64(z)     = SplitMix64's finaliser (mod 2^64): z ^= z>>>30; z *= 0xbf58476d1ce4e5b9;
 *                  z ^= z>>>27; z *= 0x94d049bb133111eb; z ^ (z>>>31)
 *   u(stream, i) = (mix64((stream &lt;&lt; 32) + i + 0x9e3779b97f4a7c15) >>> 11) · 2^-53      in [0, 1)
 *   value        = lo + (hi − lo) · u(stream, i)                                        in double
 * </pre>
 * The k-th parameter of {@link Module#namedParameters()} (k = 0, 1, …; the order of PyTorch's
 * {@code named_parameters()}) uses stream k, element i in row-major order, and the range of
 * {@link #range}. The golden images use stream {@value #IMAGE_STREAM} in [0, 1), the loss weights
 * stream {@value #LOSS_STREAM} in [−1, 1).
 */
public final class SeededWeights {
    public static final long IMAGE_STREAM = 1000;
    public static final long LOSS_STREAM = 1001;

    private static final long GAMMA = 0x9e3779b97f4a7c15L;

    private SeededWeights() {
    }

    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** u(stream, i) in [0, 1). */
    public static double unit(long stream, long i) {
        return (mix64((stream << 32) + i + GAMMA) >>> 11) * 0x1.0p-53;
    }

    /** n values lo + (hi − lo)·u(stream, i), i = 0..n−1. */
    public static double[] uniform(long stream, int n, double lo, double hi) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = lo + (hi - lo) * unit(stream, i);
        }
        return out;
    }

    /**
     * The range {lo, hi} of a parameter: a convolution weight (rank 4) gets its Xavier bound ±√(6/(fan_in+fan_out)),
     * a batch-norm γ (rank-1 weight) [0.5, 1.5], a batch-norm β (a bias beside a rank-1 weight) [−0.5, 0.5],
     * a convolution bias [−0.1, 0.1].
     *
     * @param shapes every parameter's shape by name (to find a bias's sibling weight)
     */
    public static double[] range(String name, int[] shape, Map<String, int[]> shapes) {
        if (name.endsWith("weight") && shape.length == 4) {
            int field = shape[2] * shape[3];
            double a = Math.sqrt(6.0 / (shape[1] * field + shape[0] * field));
            return new double[] {-a, a};
        }
        if (name.endsWith("weight") && shape.length == 1) {
            return new double[] {0.5, 1.5};
        }
        if (name.endsWith("bias")) {
            int[] sibling = shapes.get(name.substring(0, name.length() - "bias".length()) + "weight");
            return sibling != null && sibling.length == 1 ? new double[] {-0.5, 0.5} : new double[] {-0.1, 0.1};
        }
        throw new IllegalArgumentException("no generator rule for " + name + " " + Shape.str(shape));
    }

    /** Replaces every parameter of {@code m} with its generated values (same backend and dtype). */
    public static void apply(Module m) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        m.namedParameters().forEach((n, p) -> shapes.put(n, p.shape()));
        long k = 0;
        for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
            Tensor old = e.getValue().value();
            double[] r = range(e.getKey(), old.shape(), shapes);
            e.getValue().set(old.backend().fromHost(uniform(k++, old.numel(), r[0], r[1]), old.dtype(), old.shape()));
        }
    }
}
