package org.dspn4j.tensor.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The micro-kernels of {@link Gemm} on the JDK Vector API (jdk.incubator.vector). Each holds a tile
 * of C in vector registers over the whole k loop, two vectors wide: 8 rows of 512-bit vectors (an
 * 8 × 32 float tile in 16 of AVX-512's 32 registers), or 5 rows of the preferred vector when it is
 * 256 bits or less (a 5 × 16 float tile in 10 of AVX2's 16 registers). With the two B vectors and the
 * broadcast A value a 6-row tile needs 15 of the 16: JDK 17's C2 keeps them all in registers, but
 * JDK 25's keeps one of the tile's vectors on the stack, loaded and stored at every step of k, and
 * runs the 6-row kernel at half the rate (48–50 against 84–96 GFLOP/s per thread on panels in L1 in
 * most runs, {@code KernelRate} under {@code -XX:UseAVX=2}, AMD EPYC family 25). The 5-row tile runs
 * at 84–92 on JDK 17 and 98–103 on JDK 25, and its 10 accumulators still cover an fma latency of 5
 * cycles on two pipes (docs/measurements.md, "A tile of C in registers"). Each lane runs the fma
 * chain that defines the product, so the result is bit for bit that of Gemm's scalar kernel
 * whichever kernel runs. Each kernel names its species as a constant, so the wide and narrow ones are
 * written twice: C2 compiles a vector operation to vector instructions only where its species is a
 * compile-time constant, and otherwise keeps the vectors on the heap (docs/measurements.md, "Vector code
 * that C2 compiles boxed"). Only loaded when the module is present.
 */
final class GemmVector {
    private GemmVector() {
    }

    private static final VectorSpecies<Float> PREFERRED_F = FloatVector.SPECIES_PREFERRED;

    /** 512-bit vectors: the wide kernels. */
    private static final VectorSpecies<Float> SW = FloatVector.SPECIES_512;
    private static final VectorSpecies<Double> DW = DoubleVector.SPECIES_512;
    private static final int LW = SW.length();
    private static final int LDW = DW.length();

    /** The preferred vector if it is narrower than 512 bits, else 256 bits: the narrow kernels. */
    private static final VectorSpecies<Float> SN = PREFERRED_F.vectorBitSize() < 512 ? PREFERRED_F : FloatVector.SPECIES_256;
    private static final VectorSpecies<Double> DN = PREFERRED_F.vectorBitSize() < 512 ? DoubleVector.SPECIES_PREFERRED
            : DoubleVector.SPECIES_256;
    private static final int LN = SN.length();
    private static final int LDN = DN.length();

    /** Floats in the preferred vector. */
    static final int LF = PREFERRED_F.length();

    /** Columns of each kernel's tile: two vectors. */
    static final int NR_WIDE_F32 = 2 * LW;
    static final int NR_WIDE_F64 = 2 * LDW;
    static final int NR_NARROW_F32 = 2 * LN;
    static final int NR_NARROW_F64 = 2 * LDN;

    /** Columns of the few-row kernels' blocks: four vectors of 512 bits, or two narrow ones. */
    static final int FEW_WIDE_F32 = 4 * LW;
    static final int FEW_WIDE_F64 = 4 * LDW;
    static final int FEW_NARROW_F32 = 2 * LN;
    static final int FEW_NARROW_F64 = 2 * LDN;

    private static final VectorSpecies<Double> PREFERRED_D = DoubleVector.SPECIES_PREFERRED;

    /**
     * {@link CpuBackend#linear}'s tail on {@code len} elements of a finished tile's row at c[o]:
     * {@code c + b}, then, with {@code relu}, {@code v > 0 ? v : +0}. The lanewise add rounds as the
     * scalar add does, and the ReLU is a compare (false for NaN and both zeros) and a blend with +0, so
     * the bits are the scalar loop's; the tail past the last whole vector runs that loop.
     */
    static void addBias(float[] c, int o, int len, float b, boolean relu) {
        int l = PREFERRED_F.length();
        int end = o + len - len % l;
        FloatVector bv = FloatVector.broadcast(PREFERRED_F, b);
        FloatVector zero = FloatVector.zero(PREFERRED_F);
        int j = o;
        if (relu) {
            for (; j < end; j += l) {
                FloatVector v = FloatVector.fromArray(PREFERRED_F, c, j).add(bv);
                zero.blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(c, j);
            }
            for (; j < o + len; j++) {
                float v = c[j] + b;
                c[j] = v > 0 ? v : 0f;
            }
        } else {
            for (; j < end; j += l) {
                FloatVector.fromArray(PREFERRED_F, c, j).add(bv).intoArray(c, j);
            }
            for (; j < o + len; j++) {
                c[j] += b;
            }
        }
    }

    /** As above, in double. */
    static void addBias(double[] c, int o, int len, double b, boolean relu) {
        int l = PREFERRED_D.length();
        int end = o + len - len % l;
        DoubleVector bv = DoubleVector.broadcast(PREFERRED_D, b);
        DoubleVector zero = DoubleVector.zero(PREFERRED_D);
        int j = o;
        if (relu) {
            for (; j < end; j += l) {
                DoubleVector v = DoubleVector.fromArray(PREFERRED_D, c, j).add(bv);
                zero.blend(v, v.compare(VectorOperators.GT, 0.0)).intoArray(c, j);
            }
            for (; j < o + len; j++) {
                double v = c[j] + b;
                c[j] = v > 0 ? v : 0.0;
            }
        } else {
            for (; j < end; j += l) {
                DoubleVector.fromArray(PREFERRED_D, c, j).add(bv).intoArray(c, j);
            }
            for (; j < o + len; j++) {
                c[j] += b;
            }
        }
    }

    /**
     * {@link CpuBackend#matmulStep}'s pass over {@code len} elements at c[o]: c times STEP(y) at the same
     * positions, STEP being 1 where y &gt; 0 and +0 elsewhere (NaN included) — a compare, a blend and
     * a lanewise multiply, which rounds as the scalar one; the tail runs the scalar loop.
     */
    static void mulStep(float[] c, float[] y, int o, int len) {
        int l = PREFERRED_F.length();
        int end = o + len - len % l;
        FloatVector one = FloatVector.broadcast(PREFERRED_F, 1f);
        FloatVector zero = FloatVector.zero(PREFERRED_F);
        int j = o;
        for (; j < end; j += l) {
            FloatVector step = zero.blend(one, FloatVector.fromArray(PREFERRED_F, y, j).compare(VectorOperators.GT, 0f));
            FloatVector.fromArray(PREFERRED_F, c, j).mul(step).intoArray(c, j);
        }
        for (; j < o + len; j++) {
            c[j] *= y[j] > 0 ? 1f : 0f;
        }
    }

    /** As above, in double. */
    static void mulStep(double[] c, double[] y, int o, int len) {
        int l = PREFERRED_D.length();
        int end = o + len - len % l;
        DoubleVector one = DoubleVector.broadcast(PREFERRED_D, 1.0);
        DoubleVector zero = DoubleVector.zero(PREFERRED_D);
        int j = o;
        for (; j < end; j += l) {
            DoubleVector step = zero.blend(one, DoubleVector.fromArray(PREFERRED_D, y, j).compare(VectorOperators.GT, 0.0));
            DoubleVector.fromArray(PREFERRED_D, c, j).mul(step).intoArray(c, j);
        }
        for (; j < o + len; j++) {
            c[j] *= y[j] > 0 ? 1.0 : 0.0;
        }
    }

    /**
     * One row of C for {@link Gemm}'s products of depth k ≤ {@link Gemm#SHORT_K}: {@code c[co + j]} = its old
     * value (when accumulating) or +0, then for t = 0 … k − 1 {@code fma(a[t], b[bo + t * ldb + j], ·)}, for
     * j = 0 … n − 1; on 512-bit vectors ({@code wide}) or the narrow ones, the columns past the last whole
     * vector by Math.fma, the same chain.
     */
    static void rowF32(boolean wide, float[] a, int k, float[] b, int bo, int ldb, int n, float[] c, int co,
                       boolean accumulate) {
        int j = wide ? rowF32Wide(a, k, b, bo, ldb, n, c, co, accumulate) : rowF32Narrow(a, k, b, bo, ldb, n, c, co, accumulate);
        for (; j < n; j++) {
            float s = accumulate ? c[co + j] : 0f;
            for (int t = 0; t < k; t++) {
                s = Math.fma(a[t], b[bo + t * ldb + j], s);
            }
            c[co + j] = s;
        }
    }

    /** {@link #rowF32}'s whole 512-bit vectors; returns the first column left. */
    private static int rowF32Wide(float[] a, int k, float[] b, int bo, int ldb, int n, float[] c, int co,
                                  boolean accumulate) {
        int end = n - n % LW;
        // A's k values broadcast once; the steps of k written out (a loop over t in here ran about a quarter slower)
        FloatVector zero = FloatVector.zero(SW);
        FloatVector a0 = FloatVector.broadcast(SW, a[0]);
        FloatVector a1 = k > 1 ? FloatVector.broadcast(SW, a[1]) : zero;
        FloatVector a2 = k > 2 ? FloatVector.broadcast(SW, a[2]) : zero;
        FloatVector a3 = k > 3 ? FloatVector.broadcast(SW, a[3]) : zero;
        for (int j = 0; j < end; j += LW) {
            int bj = bo + j;
            FloatVector s = accumulate ? FloatVector.fromArray(SW, c, co + j) : zero;
            s = a0.fma(FloatVector.fromArray(SW, b, bj), s);
            if (k > 1) {
                s = a1.fma(FloatVector.fromArray(SW, b, bj + ldb), s);
            }
            if (k > 2) {
                s = a2.fma(FloatVector.fromArray(SW, b, bj + 2 * ldb), s);
            }
            if (k > 3) {
                s = a3.fma(FloatVector.fromArray(SW, b, bj + 3 * ldb), s);
            }
            s.intoArray(c, co + j);
        }
        return end;
    }

    /** {@link #rowF32}'s whole narrow vectors; returns the first column left. */
    private static int rowF32Narrow(float[] a, int k, float[] b, int bo, int ldb, int n, float[] c, int co,
                                    boolean accumulate) {
        int end = n - n % LN;
        // A's k values broadcast once; the steps of k written out (a loop over t in here ran about a quarter slower)
        FloatVector zero = FloatVector.zero(SN);
        FloatVector a0 = FloatVector.broadcast(SN, a[0]);
        FloatVector a1 = k > 1 ? FloatVector.broadcast(SN, a[1]) : zero;
        FloatVector a2 = k > 2 ? FloatVector.broadcast(SN, a[2]) : zero;
        FloatVector a3 = k > 3 ? FloatVector.broadcast(SN, a[3]) : zero;
        for (int j = 0; j < end; j += LN) {
            int bj = bo + j;
            FloatVector s = accumulate ? FloatVector.fromArray(SN, c, co + j) : zero;
            s = a0.fma(FloatVector.fromArray(SN, b, bj), s);
            if (k > 1) {
                s = a1.fma(FloatVector.fromArray(SN, b, bj + ldb), s);
            }
            if (k > 2) {
                s = a2.fma(FloatVector.fromArray(SN, b, bj + 2 * ldb), s);
            }
            if (k > 3) {
                s = a3.fma(FloatVector.fromArray(SN, b, bj + 3 * ldb), s);
            }
            s.intoArray(c, co + j);
        }
        return end;
    }

    /** The kernel for the preferred vector: wide with 512-bit vectors, else narrow. */
    static Gemm.Kernel preferred() {
        return PREFERRED_F.vectorBitSize() >= 512 ? Gemm.Kernel.WIDE : Gemm.Kernel.NARROW;
    }


    /**
     * The 8 × NR_WIDE_F32 tile at c[co] (row stride ldc, modified) = its old value (when accumulating)
     * or 0, plus pa (packed A panel of 8 rows at ao) · B, whose row t of the tile's columns is
     * {@code pb[bo + t * ldb …]}: a packed B panel (bo = 0, ldb = the tile's width) or B where it lies.
     */
    static void f32x8(float[] pa, int ao, float[] pb, int bo, int ldb, int k, float[] c, int co, int ldc, boolean accumulate) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        if (accumulate) {
            int r = co;
            c00 = FloatVector.fromArray(SW, c, r); c01 = FloatVector.fromArray(SW, c, r + LW); r += ldc;
            c10 = FloatVector.fromArray(SW, c, r); c11 = FloatVector.fromArray(SW, c, r + LW); r += ldc;
            c20 = FloatVector.fromArray(SW, c, r); c21 = FloatVector.fromArray(SW, c, r + LW); r += ldc;
            c30 = FloatVector.fromArray(SW, c, r); c31 = FloatVector.fromArray(SW, c, r + LW); r += ldc;
            c40 = FloatVector.fromArray(SW, c, r); c41 = FloatVector.fromArray(SW, c, r + LW); r += ldc;
            c50 = FloatVector.fromArray(SW, c, r); c51 = FloatVector.fromArray(SW, c, r + LW); r += ldc;
            c60 = FloatVector.fromArray(SW, c, r); c61 = FloatVector.fromArray(SW, c, r + LW); r += ldc;
            c70 = FloatVector.fromArray(SW, c, r); c71 = FloatVector.fromArray(SW, c, r + LW);
        } else {
            FloatVector z = FloatVector.zero(SW);
            c00 = z; c01 = z; c10 = z; c11 = z; c20 = z; c21 = z; c30 = z; c31 = z; c40 = z; c41 = z; c50 = z; c51 = z; c60 = z; c61 = z; c70 = z; c71 = z;
        }
        for (int t = 0; t < k; t++) {
            int bt = bo + t * ldb;
            FloatVector b0 = FloatVector.fromArray(SW, pb, bt);
            FloatVector b1 = FloatVector.fromArray(SW, pb, bt + LW);
            int at = ao + t * 8;
            FloatVector x;
            x = FloatVector.broadcast(SW, pa[at]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SW, pa[at + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SW, pa[at + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SW, pa[at + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(SW, pa[at + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(SW, pa[at + 5]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(SW, pa[at + 6]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(SW, pa[at + 7]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        int r = co;
        c00.intoArray(c, r); c01.intoArray(c, r + LW); r += ldc;
        c10.intoArray(c, r); c11.intoArray(c, r + LW); r += ldc;
        c20.intoArray(c, r); c21.intoArray(c, r + LW); r += ldc;
        c30.intoArray(c, r); c31.intoArray(c, r + LW); r += ldc;
        c40.intoArray(c, r); c41.intoArray(c, r + LW); r += ldc;
        c50.intoArray(c, r); c51.intoArray(c, r + LW); r += ldc;
        c60.intoArray(c, r); c61.intoArray(c, r + LW); r += ldc;
        c70.intoArray(c, r); c71.intoArray(c, r + LW);
    }

    /**
     * The 8 × NR_WIDE_F32 tile in {@code c[0 …]} (rows NR_WIDE_F32 apart) = A · B over the k rows of a
     * packed B panel {@code pb[t · nr …]}, with A's column for B's row t at {@code pa[ao + taps[t] …]}: a
     * packed A panel read at the columns {@code taps} selects (offsets of 8-row columns, increasing).
     * {@link ConvPanels#forwardInside}'s kernel, whose B panel holds only the taps inside the image.
     */
    static void f32x8Taps(float[] pa, int ao, int[] taps, float[] pb, int k, float[] c) {
        int nr = NR_WIDE_F32;
        FloatVector z = FloatVector.zero(SW);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z,
                c60 = z, c61 = z, c70 = z, c71 = z;
        for (int t = 0; t < k; t++) {
            int bt = t * nr;
            FloatVector b0 = FloatVector.fromArray(SW, pb, bt);
            FloatVector b1 = FloatVector.fromArray(SW, pb, bt + LW);
            int at = ao + taps[t];
            FloatVector x;
            x = FloatVector.broadcast(SW, pa[at]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SW, pa[at + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SW, pa[at + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SW, pa[at + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(SW, pa[at + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(SW, pa[at + 5]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(SW, pa[at + 6]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(SW, pa[at + 7]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        int r = 0;
        c00.intoArray(c, r); c01.intoArray(c, r + LW); r += nr;
        c10.intoArray(c, r); c11.intoArray(c, r + LW); r += nr;
        c20.intoArray(c, r); c21.intoArray(c, r + LW); r += nr;
        c30.intoArray(c, r); c31.intoArray(c, r + LW); r += nr;
        c40.intoArray(c, r); c41.intoArray(c, r + LW); r += nr;
        c50.intoArray(c, r); c51.intoArray(c, r + LW); r += nr;
        c60.intoArray(c, r); c61.intoArray(c, r + LW); r += nr;
        c70.intoArray(c, r); c71.intoArray(c, r + LW);
    }

    /**
     * The 8 × NR_WIDE_F32 tile at c[co] (row stride ldc, modified) = pa (packed A panel of 8 rows at ao) · B,
     * whose row t is two vectors of an array where they lie: {@code b[base + off[t] …]} and
     * {@code b[base + off[t] + second …]}. {@link ConvPanels#forwardShifted}'s kernel: B is the padded images,
     * and each offset the place of a tap's input pixels (t = (c·kh + ky)·kw + kx), so that no panel is packed.
     */
    static void f32x8Shifted(float[] pa, int ao, float[] b, int base, int[] off, int second, int k, float[] c, int co, int ldc) {
        FloatVector z = FloatVector.zero(SW);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z,
                c60 = z, c61 = z, c70 = z, c71 = z;
        for (int t = 0; t < k; t++) {
            int bt = base + off[t];
            FloatVector b0 = FloatVector.fromArray(SW, b, bt);
            FloatVector b1 = FloatVector.fromArray(SW, b, bt + second);
            int at = ao + t * 8;
            FloatVector x;
            x = FloatVector.broadcast(SW, pa[at]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SW, pa[at + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SW, pa[at + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SW, pa[at + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(SW, pa[at + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(SW, pa[at + 5]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(SW, pa[at + 6]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(SW, pa[at + 7]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        int r = co;
        c00.intoArray(c, r); c01.intoArray(c, r + LW); r += ldc;
        c10.intoArray(c, r); c11.intoArray(c, r + LW); r += ldc;
        c20.intoArray(c, r); c21.intoArray(c, r + LW); r += ldc;
        c30.intoArray(c, r); c31.intoArray(c, r + LW); r += ldc;
        c40.intoArray(c, r); c41.intoArray(c, r + LW); r += ldc;
        c50.intoArray(c, r); c51.intoArray(c, r + LW); r += ldc;
        c60.intoArray(c, r); c61.intoArray(c, r + LW); r += ldc;
        c70.intoArray(c, r); c71.intoArray(c, r + LW);
    }

    /** As {@link #f32x8Shifted} with the narrow kernel's 5 × NR_NARROW_F32 tile. */
    static void f32x5Shifted(float[] pa, int ao, float[] b, int base, int[] off, int second, int k, float[] c, int co, int ldc) {
        FloatVector z = FloatVector.zero(SN);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z;
        int t = 0;
        int at = ao;
        for (; t < (k & ~1); t += 2, at += 10) { // two steps of k an iteration, as in f32x5
            int bt = base + off[t];
            FloatVector b0 = FloatVector.fromArray(SN, b, bt);
            FloatVector b1 = FloatVector.fromArray(SN, b, bt + second);
            FloatVector x;
            x = FloatVector.broadcast(SN, pa[at]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SN, pa[at + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SN, pa[at + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SN, pa[at + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(SN, pa[at + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            bt = base + off[t + 1];
            b0 = FloatVector.fromArray(SN, b, bt);
            b1 = FloatVector.fromArray(SN, b, bt + second);
            x = FloatVector.broadcast(SN, pa[at + 5]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SN, pa[at + 6]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SN, pa[at + 7]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SN, pa[at + 8]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(SN, pa[at + 9]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
        }
        if (t < k) { // the last step of an odd k
            int bt = base + off[t];
            FloatVector b0 = FloatVector.fromArray(SN, b, bt);
            FloatVector b1 = FloatVector.fromArray(SN, b, bt + second);
            FloatVector x;
            x = FloatVector.broadcast(SN, pa[at]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SN, pa[at + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SN, pa[at + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SN, pa[at + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(SN, pa[at + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
        }
        int r = co;
        c00.intoArray(c, r); c01.intoArray(c, r + LN); r += ldc;
        c10.intoArray(c, r); c11.intoArray(c, r + LN); r += ldc;
        c20.intoArray(c, r); c21.intoArray(c, r + LN); r += ldc;
        c30.intoArray(c, r); c31.intoArray(c, r + LN); r += ldc;
        c40.intoArray(c, r); c41.intoArray(c, r + LN);
    }

    /**
     * As {@link #f32x8} in double precision, the tile 8 × NR_WIDE_F64.
     */
    static void f64x8(double[] pa, int ao, double[] pb, int bo, int ldb, int k, double[] c, int co, int ldc, boolean accumulate) {
        DoubleVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        if (accumulate) {
            int r = co;
            c00 = DoubleVector.fromArray(DW, c, r); c01 = DoubleVector.fromArray(DW, c, r + LDW); r += ldc;
            c10 = DoubleVector.fromArray(DW, c, r); c11 = DoubleVector.fromArray(DW, c, r + LDW); r += ldc;
            c20 = DoubleVector.fromArray(DW, c, r); c21 = DoubleVector.fromArray(DW, c, r + LDW); r += ldc;
            c30 = DoubleVector.fromArray(DW, c, r); c31 = DoubleVector.fromArray(DW, c, r + LDW); r += ldc;
            c40 = DoubleVector.fromArray(DW, c, r); c41 = DoubleVector.fromArray(DW, c, r + LDW); r += ldc;
            c50 = DoubleVector.fromArray(DW, c, r); c51 = DoubleVector.fromArray(DW, c, r + LDW); r += ldc;
            c60 = DoubleVector.fromArray(DW, c, r); c61 = DoubleVector.fromArray(DW, c, r + LDW); r += ldc;
            c70 = DoubleVector.fromArray(DW, c, r); c71 = DoubleVector.fromArray(DW, c, r + LDW);
        } else {
            DoubleVector z = DoubleVector.zero(DW);
            c00 = z; c01 = z; c10 = z; c11 = z; c20 = z; c21 = z; c30 = z; c31 = z; c40 = z; c41 = z; c50 = z; c51 = z; c60 = z; c61 = z; c70 = z; c71 = z;
        }
        for (int t = 0; t < k; t++) {
            int bt = bo + t * ldb;
            DoubleVector b0 = DoubleVector.fromArray(DW, pb, bt);
            DoubleVector b1 = DoubleVector.fromArray(DW, pb, bt + LDW);
            int at = ao + t * 8;
            DoubleVector x;
            x = DoubleVector.broadcast(DW, pa[at]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = DoubleVector.broadcast(DW, pa[at + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = DoubleVector.broadcast(DW, pa[at + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = DoubleVector.broadcast(DW, pa[at + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = DoubleVector.broadcast(DW, pa[at + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = DoubleVector.broadcast(DW, pa[at + 5]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = DoubleVector.broadcast(DW, pa[at + 6]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = DoubleVector.broadcast(DW, pa[at + 7]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        int r = co;
        c00.intoArray(c, r); c01.intoArray(c, r + LDW); r += ldc;
        c10.intoArray(c, r); c11.intoArray(c, r + LDW); r += ldc;
        c20.intoArray(c, r); c21.intoArray(c, r + LDW); r += ldc;
        c30.intoArray(c, r); c31.intoArray(c, r + LDW); r += ldc;
        c40.intoArray(c, r); c41.intoArray(c, r + LDW); r += ldc;
        c50.intoArray(c, r); c51.intoArray(c, r + LDW); r += ldc;
        c60.intoArray(c, r); c61.intoArray(c, r + LDW); r += ldc;
        c70.intoArray(c, r); c71.intoArray(c, r + LDW);
    }

    /**
     * The 5 × NR_NARROW_F32 tile at c[co] (row stride ldc, modified) = its old value (when accumulating)
     * or 0, plus pa (packed A panel of 5 rows at ao) · B at pb[bo + t * ldb …], as in {@link #f32x8}.
     */
    static void f32x5(float[] pa, int ao, float[] pb, int bo, int ldb, int k, float[] c, int co, int ldc, boolean accumulate) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41;
        if (accumulate) {
            int r = co;
            c00 = FloatVector.fromArray(SN, c, r); c01 = FloatVector.fromArray(SN, c, r + LN); r += ldc;
            c10 = FloatVector.fromArray(SN, c, r); c11 = FloatVector.fromArray(SN, c, r + LN); r += ldc;
            c20 = FloatVector.fromArray(SN, c, r); c21 = FloatVector.fromArray(SN, c, r + LN); r += ldc;
            c30 = FloatVector.fromArray(SN, c, r); c31 = FloatVector.fromArray(SN, c, r + LN); r += ldc;
            c40 = FloatVector.fromArray(SN, c, r); c41 = FloatVector.fromArray(SN, c, r + LN);
        } else {
            FloatVector z = FloatVector.zero(SN);
            c00 = z; c01 = z; c10 = z; c11 = z; c20 = z; c21 = z; c30 = z; c31 = z; c40 = z; c41 = z;
        }
        // Two steps of k an iteration, A's and B's offsets advanced rather than recomputed: on JDK 17 the tile's
        // loop otherwise ran at about three quarters of this rate (docs/measurements.md, "A tile of C in registers").
        // Every chain still takes its k fused multiply-adds in increasing t.
        int bt = bo;
        int at = ao;
        for (int end = ao + 5 * (k & ~1); at < end; at += 10) {
            FloatVector b0 = FloatVector.fromArray(SN, pb, bt);
            FloatVector b1 = FloatVector.fromArray(SN, pb, bt + LN);
            FloatVector x;
            x = FloatVector.broadcast(SN, pa[at]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SN, pa[at + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SN, pa[at + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SN, pa[at + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(SN, pa[at + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            bt += ldb;
            b0 = FloatVector.fromArray(SN, pb, bt);
            b1 = FloatVector.fromArray(SN, pb, bt + LN);
            x = FloatVector.broadcast(SN, pa[at + 5]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SN, pa[at + 6]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SN, pa[at + 7]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SN, pa[at + 8]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(SN, pa[at + 9]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            bt += ldb;
        }
        if ((k & 1) != 0) { // the last step of an odd k
            FloatVector b0 = FloatVector.fromArray(SN, pb, bt);
            FloatVector b1 = FloatVector.fromArray(SN, pb, bt + LN);
            FloatVector x;
            x = FloatVector.broadcast(SN, pa[at]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SN, pa[at + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SN, pa[at + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SN, pa[at + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(SN, pa[at + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
        }
        int r = co;
        c00.intoArray(c, r); c01.intoArray(c, r + LN); r += ldc;
        c10.intoArray(c, r); c11.intoArray(c, r + LN); r += ldc;
        c20.intoArray(c, r); c21.intoArray(c, r + LN); r += ldc;
        c30.intoArray(c, r); c31.intoArray(c, r + LN); r += ldc;
        c40.intoArray(c, r); c41.intoArray(c, r + LN);
    }

    /**
     * As {@link #f32x5} in double precision, the tile 5 × NR_NARROW_F64.
     */
    static void f64x5(double[] pa, int ao, double[] pb, int bo, int ldb, int k, double[] c, int co, int ldc, boolean accumulate) {
        DoubleVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41;
        if (accumulate) {
            int r = co;
            c00 = DoubleVector.fromArray(DN, c, r); c01 = DoubleVector.fromArray(DN, c, r + LDN); r += ldc;
            c10 = DoubleVector.fromArray(DN, c, r); c11 = DoubleVector.fromArray(DN, c, r + LDN); r += ldc;
            c20 = DoubleVector.fromArray(DN, c, r); c21 = DoubleVector.fromArray(DN, c, r + LDN); r += ldc;
            c30 = DoubleVector.fromArray(DN, c, r); c31 = DoubleVector.fromArray(DN, c, r + LDN); r += ldc;
            c40 = DoubleVector.fromArray(DN, c, r); c41 = DoubleVector.fromArray(DN, c, r + LDN);
        } else {
            DoubleVector z = DoubleVector.zero(DN);
            c00 = z; c01 = z; c10 = z; c11 = z; c20 = z; c21 = z; c30 = z; c31 = z; c40 = z; c41 = z;
        }
        for (int t = 0; t < k; t++) {
            int bt = bo + t * ldb;
            DoubleVector b0 = DoubleVector.fromArray(DN, pb, bt);
            DoubleVector b1 = DoubleVector.fromArray(DN, pb, bt + LDN);
            int at = ao + t * 5;
            DoubleVector x;
            x = DoubleVector.broadcast(DN, pa[at]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = DoubleVector.broadcast(DN, pa[at + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = DoubleVector.broadcast(DN, pa[at + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = DoubleVector.broadcast(DN, pa[at + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = DoubleVector.broadcast(DN, pa[at + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
        }
        int r = co;
        c00.intoArray(c, r); c01.intoArray(c, r + LDN); r += ldc;
        c10.intoArray(c, r); c11.intoArray(c, r + LDN); r += ldc;
        c20.intoArray(c, r); c21.intoArray(c, r + LDN); r += ldc;
        c30.intoArray(c, r); c31.intoArray(c, r + LDN); r += ldc;
        c40.intoArray(c, r); c41.intoArray(c, r + LDN);
    }

    /**
     * The first {@code rows} (1 … 4) rows of the 4 × FEW_WIDE_F32 block at c[co] (row stride ldc,
     * modified) = their old value (when accumulating) or 0, plus pa (A panel of 4 rows at ao,
     * {@code pa[ao + t * 4 + i] = A(i, t)}, zero-padded) · B, read where it lies:
     * {@code B(t, jj) = b[bo + t * ldb + jj]}. The block takes 16 of the 32 vector registers, B's row 4
     * more; the rows from {@code rows} on are computed from A's padding and not stored.
     */
    static void f32x4(float[] pa, int ao, float[] b, int bo, int ldb, int k, float[] c, int co, int ldc,
                      int rows, boolean accumulate) {
        FloatVector z = FloatVector.zero(SW);
        FloatVector c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
        FloatVector c20 = z, c21 = z, c22 = z, c23 = z, c30 = z, c31 = z, c32 = z, c33 = z;
        if (accumulate) {
            int r = co;
            c00 = FloatVector.fromArray(SW, c, r); c01 = FloatVector.fromArray(SW, c, r + LW);
            c02 = FloatVector.fromArray(SW, c, r + 2 * LW); c03 = FloatVector.fromArray(SW, c, r + 3 * LW);
            if (rows > 1) {
                r += ldc;
                c10 = FloatVector.fromArray(SW, c, r); c11 = FloatVector.fromArray(SW, c, r + LW);
                c12 = FloatVector.fromArray(SW, c, r + 2 * LW); c13 = FloatVector.fromArray(SW, c, r + 3 * LW);
            }
            if (rows > 2) {
                r += ldc;
                c20 = FloatVector.fromArray(SW, c, r); c21 = FloatVector.fromArray(SW, c, r + LW);
                c22 = FloatVector.fromArray(SW, c, r + 2 * LW); c23 = FloatVector.fromArray(SW, c, r + 3 * LW);
            }
            if (rows > 3) {
                r += ldc;
                c30 = FloatVector.fromArray(SW, c, r); c31 = FloatVector.fromArray(SW, c, r + LW);
                c32 = FloatVector.fromArray(SW, c, r + 2 * LW); c33 = FloatVector.fromArray(SW, c, r + 3 * LW);
            }
        }
        for (int t = 0; t < k; t++) {
            int bt = bo + t * ldb;
            FloatVector b0 = FloatVector.fromArray(SW, b, bt);
            FloatVector b1 = FloatVector.fromArray(SW, b, bt + LW);
            FloatVector b2 = FloatVector.fromArray(SW, b, bt + 2 * LW);
            FloatVector b3 = FloatVector.fromArray(SW, b, bt + 3 * LW);
            int at = ao + t * 4;
            FloatVector x;
            x = FloatVector.broadcast(SW, pa[at]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02); c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(SW, pa[at + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12); c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(SW, pa[at + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22); c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(SW, pa[at + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32); c33 = x.fma(b3, c33);
        }
        int r = co;
        c00.intoArray(c, r); c01.intoArray(c, r + LW); c02.intoArray(c, r + 2 * LW); c03.intoArray(c, r + 3 * LW);
        if (rows > 1) {
            r += ldc;
            c10.intoArray(c, r); c11.intoArray(c, r + LW); c12.intoArray(c, r + 2 * LW); c13.intoArray(c, r + 3 * LW);
        }
        if (rows > 2) {
            r += ldc;
            c20.intoArray(c, r); c21.intoArray(c, r + LW); c22.intoArray(c, r + 2 * LW); c23.intoArray(c, r + 3 * LW);
        }
        if (rows > 3) {
            r += ldc;
            c30.intoArray(c, r); c31.intoArray(c, r + LW); c32.intoArray(c, r + 2 * LW); c33.intoArray(c, r + 3 * LW);
        }
    }

    /** As {@link #f32x4} in double precision, the block 4 × FEW_WIDE_F64. */
    static void f64x4(double[] pa, int ao, double[] b, int bo, int ldb, int k, double[] c, int co, int ldc,
                      int rows, boolean accumulate) {
        DoubleVector z = DoubleVector.zero(DW);
        DoubleVector c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
        DoubleVector c20 = z, c21 = z, c22 = z, c23 = z, c30 = z, c31 = z, c32 = z, c33 = z;
        if (accumulate) {
            int r = co;
            c00 = DoubleVector.fromArray(DW, c, r); c01 = DoubleVector.fromArray(DW, c, r + LDW);
            c02 = DoubleVector.fromArray(DW, c, r + 2 * LDW); c03 = DoubleVector.fromArray(DW, c, r + 3 * LDW);
            if (rows > 1) {
                r += ldc;
                c10 = DoubleVector.fromArray(DW, c, r); c11 = DoubleVector.fromArray(DW, c, r + LDW);
                c12 = DoubleVector.fromArray(DW, c, r + 2 * LDW); c13 = DoubleVector.fromArray(DW, c, r + 3 * LDW);
            }
            if (rows > 2) {
                r += ldc;
                c20 = DoubleVector.fromArray(DW, c, r); c21 = DoubleVector.fromArray(DW, c, r + LDW);
                c22 = DoubleVector.fromArray(DW, c, r + 2 * LDW); c23 = DoubleVector.fromArray(DW, c, r + 3 * LDW);
            }
            if (rows > 3) {
                r += ldc;
                c30 = DoubleVector.fromArray(DW, c, r); c31 = DoubleVector.fromArray(DW, c, r + LDW);
                c32 = DoubleVector.fromArray(DW, c, r + 2 * LDW); c33 = DoubleVector.fromArray(DW, c, r + 3 * LDW);
            }
        }
        for (int t = 0; t < k; t++) {
            int bt = bo + t * ldb;
            DoubleVector b0 = DoubleVector.fromArray(DW, b, bt);
            DoubleVector b1 = DoubleVector.fromArray(DW, b, bt + LDW);
            DoubleVector b2 = DoubleVector.fromArray(DW, b, bt + 2 * LDW);
            DoubleVector b3 = DoubleVector.fromArray(DW, b, bt + 3 * LDW);
            int at = ao + t * 4;
            DoubleVector x;
            x = DoubleVector.broadcast(DW, pa[at]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02); c03 = x.fma(b3, c03);
            x = DoubleVector.broadcast(DW, pa[at + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12); c13 = x.fma(b3, c13);
            x = DoubleVector.broadcast(DW, pa[at + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22); c23 = x.fma(b3, c23);
            x = DoubleVector.broadcast(DW, pa[at + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32); c33 = x.fma(b3, c33);
        }
        int r = co;
        c00.intoArray(c, r); c01.intoArray(c, r + LDW); c02.intoArray(c, r + 2 * LDW); c03.intoArray(c, r + 3 * LDW);
        if (rows > 1) {
            r += ldc;
            c10.intoArray(c, r); c11.intoArray(c, r + LDW); c12.intoArray(c, r + 2 * LDW); c13.intoArray(c, r + 3 * LDW);
        }
        if (rows > 2) {
            r += ldc;
            c20.intoArray(c, r); c21.intoArray(c, r + LDW); c22.intoArray(c, r + 2 * LDW); c23.intoArray(c, r + 3 * LDW);
        }
        if (rows > 3) {
            r += ldc;
            c30.intoArray(c, r); c31.intoArray(c, r + LDW); c32.intoArray(c, r + 2 * LDW); c33.intoArray(c, r + 3 * LDW);
        }
    }

    /**
     * As {@link #f32x4} with two narrow vectors a row, the block 4 × FEW_NARROW_F32 (8 of 16 registers),
     * B's columns contiguous: with a gathered load beside the plain one in the loop, C2 boxed these
     * kernels' vectors on 256-bit machines (tens of megabytes allocated per product), so B read
     * transposed is packed first ({@link Gemm}'s few-row path).
     */
    static void f32x4Narrow(float[] pa, int ao, float[] b, int bo, int ldb, int k, float[] c, int co, int ldc,
                            int rows, boolean accumulate) {
        FloatVector z = FloatVector.zero(SN);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z, c30 = z, c31 = z;
        if (accumulate) {
            int r = co;
            c00 = FloatVector.fromArray(SN, c, r); c01 = FloatVector.fromArray(SN, c, r + LN);
            if (rows > 1) {
                r += ldc;
                c10 = FloatVector.fromArray(SN, c, r); c11 = FloatVector.fromArray(SN, c, r + LN);
            }
            if (rows > 2) {
                r += ldc;
                c20 = FloatVector.fromArray(SN, c, r); c21 = FloatVector.fromArray(SN, c, r + LN);
            }
            if (rows > 3) {
                r += ldc;
                c30 = FloatVector.fromArray(SN, c, r); c31 = FloatVector.fromArray(SN, c, r + LN);
            }
        }
        for (int t = 0; t < k; t++) {
            int bt = bo + t * ldb;
            FloatVector b0, b1;
            b0 = FloatVector.fromArray(SN, b, bt);
            b1 = FloatVector.fromArray(SN, b, bt + LN);
            int at = ao + t * 4;
            FloatVector x;
            x = FloatVector.broadcast(SN, pa[at]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SN, pa[at + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SN, pa[at + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SN, pa[at + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
        }
        int r = co;
        c00.intoArray(c, r); c01.intoArray(c, r + LN);
        if (rows > 1) {
            r += ldc;
            c10.intoArray(c, r); c11.intoArray(c, r + LN);
        }
        if (rows > 2) {
            r += ldc;
            c20.intoArray(c, r); c21.intoArray(c, r + LN);
        }
        if (rows > 3) {
            r += ldc;
            c30.intoArray(c, r); c31.intoArray(c, r + LN);
        }
    }

    /** As {@link #f32x4Narrow} in double precision, the block 4 × FEW_NARROW_F64. */
    static void f64x4Narrow(double[] pa, int ao, double[] b, int bo, int ldb, int k, double[] c, int co, int ldc,
                            int rows, boolean accumulate) {
        DoubleVector z = DoubleVector.zero(DN);
        DoubleVector c00 = z, c01 = z, c10 = z, c11 = z;
        DoubleVector c20 = z, c21 = z, c30 = z, c31 = z;
        if (accumulate) {
            int r = co;
            c00 = DoubleVector.fromArray(DN, c, r); c01 = DoubleVector.fromArray(DN, c, r + LDN);
            if (rows > 1) {
                r += ldc;
                c10 = DoubleVector.fromArray(DN, c, r); c11 = DoubleVector.fromArray(DN, c, r + LDN);
            }
            if (rows > 2) {
                r += ldc;
                c20 = DoubleVector.fromArray(DN, c, r); c21 = DoubleVector.fromArray(DN, c, r + LDN);
            }
            if (rows > 3) {
                r += ldc;
                c30 = DoubleVector.fromArray(DN, c, r); c31 = DoubleVector.fromArray(DN, c, r + LDN);
            }
        }
        for (int t = 0; t < k; t++) {
            int bt = bo + t * ldb;
            DoubleVector b0, b1;
            b0 = DoubleVector.fromArray(DN, b, bt);
            b1 = DoubleVector.fromArray(DN, b, bt + LDN);
            int at = ao + t * 4;
            DoubleVector x;
            x = DoubleVector.broadcast(DN, pa[at]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = DoubleVector.broadcast(DN, pa[at + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = DoubleVector.broadcast(DN, pa[at + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = DoubleVector.broadcast(DN, pa[at + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
        }
        int r = co;
        c00.intoArray(c, r); c01.intoArray(c, r + LDN);
        if (rows > 1) {
            r += ldc;
            c10.intoArray(c, r); c11.intoArray(c, r + LDN);
        }
        if (rows > 2) {
            r += ldc;
            c20.intoArray(c, r); c21.intoArray(c, r + LDN);
        }
        if (rows > 3) {
            r += ldc;
            c30.intoArray(c, r); c31.intoArray(c, r + LDN);
        }
    }
}
