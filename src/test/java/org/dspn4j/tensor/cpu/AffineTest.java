package org.dspn4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Random;

import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.ReferenceBackend;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The CPU backend's F32 {@code affine} — each element widened to double, scaled and shifted there and
 * rounded once to float — against the reference backend's definition, bit for bit: signed zeros,
 * infinities, NaN, subnormals, results
 * that overflow or underflow the float range, results exactly halfway between two floats (rounded
 * to even) and results that a fused multiply-add would round otherwise, on lengths that end in a
 * partial vector, on 1 and 3 threads.
 */
class AffineTest {
    private static final double[] SPECIAL = {0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
        Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 1.0, -1.0, 3.0};

    /** {scale, shift}: RNFSEncoder's 1/N, tanh's 1 − y², overflow, underflow, and two ties of float rounding. */
    private static final double[][] COEFFICIENTS = {{0.1, 0.0}, {-1.0, 1.0}, {1e30, 0.0}, {1e-30, 0.0},
        {1.0, Math.scalb(1.0, -24)}, {0.5, Math.scalb(3.0, -24)}, {1.0, 0.0}};

    @Test
    void affineInF32IsTheDoubleComputationRoundedOnce() {
        ReferenceBackend ref = new ReferenceBackend();
        Random r = new Random(5);
        for (int len : new int[] {1, 7, 16, 31, 100_003}) {
            double[] x = new double[len];
            for (int i = 0; i < len; i++) {
                x[i] = i < SPECIAL.length ? SPECIAL[i] : r.nextInt(50) == 0 ? SPECIAL[r.nextInt(SPECIAL.length)] : r.nextGaussian();
            }
            for (double[] c : COEFFICIENTS) {
                double[] want = ref.affine(ref.fromHost(x, DType.F32, len), c[0], c[1]).toDoubles();
                for (int threads : new int[] {1, 3}) {
                    try (CpuBackend be = new CpuBackend(threads)) {
                        Tensor t = be.fromHost(x, DType.F32, len);
                        double[] got = be.affine(t, c[0], c[1]).toDoubles();
                        for (int i = 0; i < len; i++) {
                            assertEquals(Double.doubleToRawLongBits(want[i]), Double.doubleToRawLongBits(got[i]),
                                    () -> "length " + len + ", x·" + c[0] + " + " + c[1] + ", " + threads + " threads: element differs");
                        }
                    }
                }
            }
        }
    }

    @Test
    void theScaleAndTheShiftAreTwoRoundings() {
        // values where a fused multiply-add (one rounding in double) would give another float than the
        // definition's product and sum (two), found by search: a loop that fused them would fail here
        float[] x = {Float.intBitsToFloat(1088844879), Float.intBitsToFloat(1085504209)};
        double[] shift = {Double.longBitsToDouble(-4625805288010678272L), Double.longBitsToDouble(-4630644550606520320L)};
        ReferenceBackend ref = new ReferenceBackend();
        try (CpuBackend be = new CpuBackend(1)) {
            for (int w = 0; w < x.length; w++) {
                double[] v = new double[64];
                java.util.Arrays.fill(v, x[w]);
                double want = ref.affine(ref.fromHost(v, DType.F32, v.length), 0.1, shift[w]).toDoubles()[0];
                assertNotEquals((float) want, (float) Math.fma(x[w], 0.1, shift[w]), "not a witness");
                double[] got = be.affine(be.fromHost(v, DType.F32, v.length), 0.1, shift[w]).toDoubles();
                for (double g : got) {
                    assertEquals(want, g, "witness " + w);
                }
            }
        }
    }

    @Test
    void theTiesAreRoundedToEven() {
        // the test above would pass with no tie in it: these are the ties it relies on, by their values
        try (CpuBackend be = new CpuBackend(1)) {
            // 1 + 2^-24: halfway between 1 and 1 + 2^-23; 1.5 + 3·2^-24: halfway between 1.5 + 2^-23 and 1.5 + 2^-22
            Tensor one = be.fromHost(new double[] {1.0}, DType.F32, 1);
            Tensor three = be.fromHost(new double[] {3.0}, DType.F32, 1);
            assertEquals(1.0, be.affine(one, 1.0, Math.scalb(1.0, -24)).toDoubles()[0]);
            assertEquals(1.5 + Math.scalb(1.0, -22), be.affine(three, 0.5, Math.scalb(3.0, -24)).toDoubles()[0]);
        }
    }
}
