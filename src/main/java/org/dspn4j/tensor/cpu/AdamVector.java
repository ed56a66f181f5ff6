package org.dspn4j.tensor.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link CpuBackend#adamUpdate}'s F32 loop on the JDK Vector API (jdk.incubator.vector): the same
 * operations per element, a vector of elements at a time. Each step is the scalar loop's own: the
 * affine steps {@code (float) (x * a + 0.0)} multiply and add the float widened to double and round
 * to float; the sums, the square of the gradient and the quotient are float operations; the square
 * root is taken in double and rounded to float. Each of these is correctly rounded lane by lane
 * (IEEE 754, as Java's scalar arithmetic; no fused multiply-add), so the bits are the scalar loop's.
 *
 * <p>The scalar loop is bound by its square root and division, not by memory: Adam's update of
 * ResNet34's weights was about 4 % of the CLEVR step (docs/measurements.md). Only loaded when the
 * module is present.
 */
final class AdamVector {
    private AdamVector() {
    }

    /** Doubles per vector: the preferred double vector. */
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /** Floats per vector: as many lanes as {@link #D}, in half the bits. */
    private static final VectorSpecies<Float> F =
            VectorSpecies.of(float.class, VectorShape.forBitSize(D.vectorBitSize() / 2));

    /**
     * Updates elements {@code from} up to the last whole vector before {@code to}, and returns the
     * index the caller's scalar loop goes on from.
     *
     * @param c Adam's four step coefficients, as {@link CpuBackend#adamUpdate} reads them
     */
    static int f32(float[] pf, float[] gf, float[] mf, float[] vf, float[] po, float[] mo, float[] vo,
                   int from, int to, double beta1, double beta2, double a1, double a2, double[] c) {
        double c0 = c[0];
        double c1 = c[1];
        double c2 = c[2];
        double c3 = c[3];
        int lanes = F.length();
        int i = from;
        for (; i + lanes <= to; i += lanes) {
            FloatVector g = FloatVector.fromArray(F, gf, i);
            FloatVector m1 = affine(FloatVector.fromArray(F, mf, i), beta1).add(affine(g, a1));
            FloatVector v1 = affine(FloatVector.fromArray(F, vf, i), beta2).add(affine(g.mul(g), a2));
            FloatVector root = narrow(widen(v1).lanewise(VectorOperators.SQRT));
            FloatVector denom = narrow(widen(root).mul(c0).add(c1));
            FloatVector step = narrow(widen(m1.div(denom)).mul(c2).add(c3));
            FloatVector.fromArray(F, pf, i).sub(step).intoArray(po, i);
            m1.intoArray(mo, i);
            v1.intoArray(vo, i);
        }
        return i;
    }

    /** {@code (float) (x * a + 0.0)} lane by lane. */
    private static FloatVector affine(FloatVector x, double a) {
        return narrow(widen(x).mul(a).add(0.0));
    }

    private static DoubleVector widen(FloatVector x) {
        return (DoubleVector) x.convertShape(VectorOperators.F2D, D, 0);
    }

    private static FloatVector narrow(DoubleVector x) {
        return (FloatVector) x.convertShape(VectorOperators.D2F, F, 0);
    }
}
