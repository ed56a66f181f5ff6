package org.dspn4j.data.synth;

import java.util.SplittableRandom;

/** Small helpers for 3-vectors held in {@code double[3]}. */
final class Vectors {

    private Vectors() {
    }

    static double dot(double[] a, double[] b) {
        return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    }

    static double[] cross(double[] a, double[] b) {
        return new double[] {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
    }

    static double[] normalize(double[] a) {
        double[] b = a.clone();
        normalizeInPlace(b);
        return b;
    }

    static void normalizeInPlace(double[] a) {
        double n = Math.sqrt(dot(a, a));
        a[0] /= n;
        a[1] /= n;
        a[2] /= n;
    }

    /** @return U(−a, +a), the generator's {@code rand(a) = 2a·(random() − 0.5)} */
    static double symmetric(SplittableRandom rng, double a) {
        return 2.0 * a * (rng.nextDouble() - 0.5);
    }
}
