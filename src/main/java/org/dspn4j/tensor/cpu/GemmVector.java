package org.dspn4j.tensor.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The micro-kernels of {@link Gemm} on the JDK Vector API (jdk.incubator.vector): an 8 × 2L tile of C
 * (L = lanes of the preferred vector, 16 floats or 8 doubles with AVX-512) held in 16 vector
 * registers over the whole k loop. Each lane runs the fma chain that defines the product, so the
 * result is bit for bit that of Gemm's scalar kernel. Only loaded when the module is present.
 */
final class GemmVector {
    private GemmVector() {
    }

    private static final VectorSpecies<Float> SF = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> SD = DoubleVector.SPECIES_PREFERRED;
    static final int LF = SF.length();
    private static final int LD = SD.length();

    /** Rows of a micro-tile. */
    static final int MR_F32 = Gemm.MR;

    /** Columns of a micro-tile: two vectors. */
    static final int NR_F32 = 2 * LF;
    static final int NR_F64 = 2 * LD;

    /**
     * The 8 × NR_F32 tile at c[co] (row stride ldc, modified) = its old value (when accumulating) or 0,
     * plus pa (packed A panel at ao) · pb (packed B panel).
     */
    static void f32(float[] pa, int ao, float[] pb, int k, float[] c, int co, int ldc, boolean accumulate) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        if (accumulate) {
            int r = co;
            c00 = FloatVector.fromArray(SF, c, r); c01 = FloatVector.fromArray(SF, c, r + LF); r += ldc;
            c10 = FloatVector.fromArray(SF, c, r); c11 = FloatVector.fromArray(SF, c, r + LF); r += ldc;
            c20 = FloatVector.fromArray(SF, c, r); c21 = FloatVector.fromArray(SF, c, r + LF); r += ldc;
            c30 = FloatVector.fromArray(SF, c, r); c31 = FloatVector.fromArray(SF, c, r + LF); r += ldc;
            c40 = FloatVector.fromArray(SF, c, r); c41 = FloatVector.fromArray(SF, c, r + LF); r += ldc;
            c50 = FloatVector.fromArray(SF, c, r); c51 = FloatVector.fromArray(SF, c, r + LF); r += ldc;
            c60 = FloatVector.fromArray(SF, c, r); c61 = FloatVector.fromArray(SF, c, r + LF); r += ldc;
            c70 = FloatVector.fromArray(SF, c, r); c71 = FloatVector.fromArray(SF, c, r + LF);
        } else {
            FloatVector z = FloatVector.zero(SF);
            c00 = z; c01 = z; c10 = z; c11 = z; c20 = z; c21 = z; c30 = z; c31 = z;
            c40 = z; c41 = z; c50 = z; c51 = z; c60 = z; c61 = z; c70 = z; c71 = z;
        }
        for (int t = 0; t < k; t++) {
            int bt = t * NR_F32;
            FloatVector b0 = FloatVector.fromArray(SF, pb, bt);
            FloatVector b1 = FloatVector.fromArray(SF, pb, bt + LF);
            int at = ao + t * Gemm.MR;
            FloatVector x;
            x = FloatVector.broadcast(SF, pa[at]);     c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SF, pa[at + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SF, pa[at + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SF, pa[at + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(SF, pa[at + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(SF, pa[at + 5]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(SF, pa[at + 6]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(SF, pa[at + 7]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        int r = co;
        c00.intoArray(c, r); c01.intoArray(c, r + LF); r += ldc;
        c10.intoArray(c, r); c11.intoArray(c, r + LF); r += ldc;
        c20.intoArray(c, r); c21.intoArray(c, r + LF); r += ldc;
        c30.intoArray(c, r); c31.intoArray(c, r + LF); r += ldc;
        c40.intoArray(c, r); c41.intoArray(c, r + LF); r += ldc;
        c50.intoArray(c, r); c51.intoArray(c, r + LF); r += ldc;
        c60.intoArray(c, r); c61.intoArray(c, r + LF); r += ldc;
        c70.intoArray(c, r); c71.intoArray(c, r + LF);
    }

    /** As {@link #f32} in double precision, the tile 8 × NR_F64. */
    static void f64(double[] pa, int ao, double[] pb, int k, double[] c, int co, int ldc, boolean accumulate) {
        DoubleVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        if (accumulate) {
            int r = co;
            c00 = DoubleVector.fromArray(SD, c, r); c01 = DoubleVector.fromArray(SD, c, r + LD); r += ldc;
            c10 = DoubleVector.fromArray(SD, c, r); c11 = DoubleVector.fromArray(SD, c, r + LD); r += ldc;
            c20 = DoubleVector.fromArray(SD, c, r); c21 = DoubleVector.fromArray(SD, c, r + LD); r += ldc;
            c30 = DoubleVector.fromArray(SD, c, r); c31 = DoubleVector.fromArray(SD, c, r + LD); r += ldc;
            c40 = DoubleVector.fromArray(SD, c, r); c41 = DoubleVector.fromArray(SD, c, r + LD); r += ldc;
            c50 = DoubleVector.fromArray(SD, c, r); c51 = DoubleVector.fromArray(SD, c, r + LD); r += ldc;
            c60 = DoubleVector.fromArray(SD, c, r); c61 = DoubleVector.fromArray(SD, c, r + LD); r += ldc;
            c70 = DoubleVector.fromArray(SD, c, r); c71 = DoubleVector.fromArray(SD, c, r + LD);
        } else {
            DoubleVector z = DoubleVector.zero(SD);
            c00 = z; c01 = z; c10 = z; c11 = z; c20 = z; c21 = z; c30 = z; c31 = z;
            c40 = z; c41 = z; c50 = z; c51 = z; c60 = z; c61 = z; c70 = z; c71 = z;
        }
        for (int t = 0; t < k; t++) {
            int bt = t * NR_F64;
            DoubleVector b0 = DoubleVector.fromArray(SD, pb, bt);
            DoubleVector b1 = DoubleVector.fromArray(SD, pb, bt + LD);
            int at = ao + t * Gemm.MR;
            DoubleVector x;
            x = DoubleVector.broadcast(SD, pa[at]);     c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = DoubleVector.broadcast(SD, pa[at + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = DoubleVector.broadcast(SD, pa[at + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = DoubleVector.broadcast(SD, pa[at + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = DoubleVector.broadcast(SD, pa[at + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = DoubleVector.broadcast(SD, pa[at + 5]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = DoubleVector.broadcast(SD, pa[at + 6]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = DoubleVector.broadcast(SD, pa[at + 7]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        int r = co;
        c00.intoArray(c, r); c01.intoArray(c, r + LD); r += ldc;
        c10.intoArray(c, r); c11.intoArray(c, r + LD); r += ldc;
        c20.intoArray(c, r); c21.intoArray(c, r + LD); r += ldc;
        c30.intoArray(c, r); c31.intoArray(c, r + LD); r += ldc;
        c40.intoArray(c, r); c41.intoArray(c, r + LD); r += ldc;
        c50.intoArray(c, r); c51.intoArray(c, r + LD); r += ldc;
        c60.intoArray(c, r); c61.intoArray(c, r + LD); r += ldc;
        c70.intoArray(c, r); c71.intoArray(c, r + LD);
    }
}
