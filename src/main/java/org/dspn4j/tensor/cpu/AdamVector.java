package org.dspn4j.tensor.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link CpuBackend#adamUpdate}'s F32 loop on the JDK Vector API (jdk.incubator.vector): as many
 * elements at a time as the preferred double vector has lanes, each float widened to double where
 * the scalar loop computes in double and narrowed where it rounds to float. Every lanewise operation
 * (add, sub, mul, div, sqrt, and the conversions between float and double) rounds as the scalar one
 * does, and each stays the one operation the scalar loop writes (no fma; Java never contracts one
 * either), in the same order, so the bits are {@link CpuBackend#adamF32}'s; the elements past the
 * last whole vector run that loop.
 */
final class AdamVector {
    private AdamVector() {
    }

    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /** Floats with as many lanes as D: half its bits. */
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(D.vectorBitSize() / 2));

    /** As {@link CpuBackend#adamF32} for elements from … to−1. */
    static void update(float[] pf, float[] gf, float[] mf, float[] vf, float[] po, float[] mo, float[] vo,
                       double beta1, double beta2, double[] c, int from, int to) {
        double a1 = 1.0 - beta1;
        double a2 = 1.0 - beta2;
        int l = F.length();
        int end = from + (to - from) / l * l;
        int i = from;
        for (; i < end; i += l) {
            FloatVector g = FloatVector.fromArray(F, gf, i);
            FloatVector m1 = narrow(wide(FloatVector.fromArray(F, mf, i)).mul(beta1).add(0.0))
                    .add(narrow(wide(g).mul(a1).add(0.0)));
            FloatVector v1 = narrow(wide(FloatVector.fromArray(F, vf, i)).mul(beta2).add(0.0))
                    .add(narrow(wide(g.mul(g)).mul(a2).add(0.0)));
            FloatVector denom = narrow(wide(narrow(wide(v1).lanewise(VectorOperators.SQRT))).mul(c[0]).add(c[1]));
            FloatVector.fromArray(F, pf, i).sub(narrow(wide(m1.div(denom)).mul(c[2]).add(c[3]))).intoArray(po, i);
            m1.intoArray(mo, i);
            v1.intoArray(vo, i);
        }
        CpuBackend.adamF32(pf, gf, mf, vf, po, mo, vo, beta1, beta2, c, i, to);
    }

    private static DoubleVector wide(FloatVector f) {
        return (DoubleVector) f.convertShape(VectorOperators.F2D, D, 0);
    }

    private static FloatVector narrow(DoubleVector d) {
        return (FloatVector) d.convertShape(VectorOperators.D2F, F, 0);
    }
}
