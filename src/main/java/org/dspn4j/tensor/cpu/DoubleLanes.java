package org.dspn4j.tensor.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * F32 loops that compute each element in double, on the JDK Vector API: a preferred float vector
 * widened (exactly) into two preferred double vectors, its low and high halves; the double operations
 * lanewise, each rounding as the scalar one does; and, where the result is a float, both halves
 * narrowed with round-to-nearest, as the scalar cast, and put back together. So every element has the
 * scalar loop's bits; the tail past the last whole vector runs that loop.
 *
 * <p>Only the preferred shapes are used, as in {@link GemmVector}: on the JDK 17 Vector API a float
 * vector of a second shape anywhere in the program makes {@code FloatVector.intoArray} and
 * {@code fromArray} polymorphic in C2's profile, and the product kernels then box their vectors
 * (several times slower). Only loaded when the module is present.
 */
final class DoubleLanes {
    private DoubleLanes() {
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /** Lanes of the double vector: half the float vector's. */
    private static final int H = D.length();
    /** The float vector's high half. */
    private static final VectorMask<Float> HIGH = VectorMask.fromLong(F, ((1L << H) - 1) << H);

    /** out[i] = (float) (x[i]·scale + shift) in double, for i in [from, to). */
    static void affine(float[] x, float[] out, int from, int to, double scale, double shift) {
        DoubleVector s = DoubleVector.broadcast(D, scale);
        DoubleVector t = DoubleVector.broadcast(D, shift);
        int i = from;
        for (int end = to - 2 * H; i <= end; i += 2 * H) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            DoubleVector lo = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector hi = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 1);
            FloatVector rlo = (FloatVector) lo.mul(s).add(t).convertShape(VectorOperators.D2F, F, 0);
            FloatVector rhi = (FloatVector) hi.mul(s).add(t).convertShape(VectorOperators.D2F, F, -1);
            rlo.blend(rhi, HIGH).intoArray(out, i);
        }
        for (; i < to; i++) {
            out[i] = (float) (x[i] * scale + shift);
        }
    }

    /** acc[i] += c[co + i] widened to double, for i in [from, to). */
    static void accumulate(double[] acc, float[] c, int co, int from, int to) {
        int i = from;
        for (int end = to - 2 * H; i <= end; i += 2 * H) {
            FloatVector v = FloatVector.fromArray(F, c, co + i);
            DoubleVector.fromArray(D, acc, i).add(v.convertShape(VectorOperators.F2D, D, 0)).intoArray(acc, i);
            DoubleVector.fromArray(D, acc, i + H).add(v.convertShape(VectorOperators.F2D, D, 1)).intoArray(acc, i + H);
        }
        for (; i < to; i++) {
            acc[i] += c[co + i];
        }
    }
}
