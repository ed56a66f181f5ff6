package org.dspn4j.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ConvPanels#backwardInput}'s additions on the JDK Vector API (the preferred float vector, as
 * {@link GemmVector}'s kernels use). Only loaded when the module is present.
 */
final class ConvVector {
    private ConvVector() {
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    /**
     * out[base + v] += tile[ts + v] for v in [a, b) where keep[kept + v] &gt; 0. A whole vector adds +0
     * where keep is 0, which leaves the sum as it is: out holds sums of these additions from +0, never
     * −0, and x + (+0) is x for every other float, NaN and infinities included. The tail runs the
     * scalar loop.
     */
    static void addKept(float[] out, int base, float[] tile, int ts, float[] keep, int kept, int a, int b) {
        FloatVector zero = FloatVector.zero(F);
        int v = a;
        for (int end = b - L; v <= end; v += L) {
            FloatVector t = FloatVector.fromArray(F, tile, ts + v);
            FloatVector k = FloatVector.fromArray(F, keep, kept + v);
            FloatVector o = FloatVector.fromArray(F, out, base + v);
            o.add(zero.blend(t, k.compare(VectorOperators.GT, 0f))).intoArray(out, base + v);
        }
        for (; v < b; v++) {
            if (keep[kept + v] > 0) {
                out[base + v] += tile[ts + v];
            }
        }
    }
}
