package org.dspn4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The packed matrix-product kernels against their definition ({@link Gemm#reference}, one fma chain
 * per element): bit for bit, for every kernel (scalar; the vector kernels with 5-row tiles of 256-bit
 * vectors and 8-row tiles of 512-bit vectors, whichever this machine prefers), both precisions, all
 * four transpose cases, shapes with and without edge tiles, batches with a broadcast operand, and
 * accumulation, B packed or read where it lies (few row panels). Likewise the unpacked path for
 * products with at most {@link Gemm#FEW} rows, or as few columns (computed as Cᵀ): B read in place,
 * packed when its columns are a stride apart, or packed a panel of rows at a
 * time for the last, narrower block of columns.
 */
class GemmTest {
    private static final CpuBackend BE = new CpuBackend(3); // 7 problems with their own A: packed per task

    @AfterAll
    static void close() {
        BE.close();
    }

    /**
     * {m, n, k}: edge tiles in both directions, k = 0, few columns (computed as Cᵀ), and more row
     * panels than {@link Gemm#DIRECT_ROW_PANELS} with B's rows 70 floats apart (read where they lie)
     * and 64 floats apart (a multiple of {@link Gemm#ALIASING_STRIDE_BYTES}: packed), and depths up to
     * {@link Gemm#SHORT_K} and one past it (row by row in F32 where B's rows are contiguous).
     */
    private static final int[][] SHAPES = {
        {1, 1, 1}, {8, 32, 7}, {9, 33, 1}, {17, 40, 65}, {64, 70, 3}, {3, 100, 50}, {40, 16, 0}, {130, 7, 40}, {33, 65, 129},
        {50, 5, 20}, {33, 1, 9}, {20, 12, 11}, {75, 70, 9}, {75, 64, 9},
        {40, 342, 3}, {9, 70, 4}, {130, 33, 1}, {12, 100, 2}, {70, 40, 5},
    };

    @Test
    void scalarKernelIsTheDefinition() {
        for (int[] s : SHAPES) {
            for (int cse = 0; cse < 8; cse++) {
                check(s[0], s[1], s[2], (cse & 1) != 0, (cse & 2) != 0, (cse & 4) != 0, Gemm.Kernel.SCALAR);
            }
        }
    }

    @Test
    void narrowVectorKernelIsTheDefinition() {
        assumeTrue(Gemm.VECTOR, "jdk.incubator.vector not present");
        for (int[] s : SHAPES) {
            for (int cse = 0; cse < 8; cse++) {
                check(s[0], s[1], s[2], (cse & 1) != 0, (cse & 2) != 0, (cse & 4) != 0, Gemm.Kernel.NARROW);
            }
        }
    }

    /** On a machine without 512-bit vectors the JDK runs these in Java: slow, the same bits. */
    @Test
    void wideVectorKernelIsTheDefinition() {
        assumeTrue(Gemm.VECTOR, "jdk.incubator.vector not present");
        for (int[] s : SHAPES) {
            for (int cse = 0; cse < 8; cse++) {
                check(s[0], s[1], s[2], (cse & 1) != 0, (cse & 2) != 0, (cse & 4) != 0, Gemm.Kernel.WIDE);
            }
        }
    }

    /** Around every kernel's block width (16 … 64 columns) and vector length, and k across B's panels of 64 rows. */
    private static final int[] EDGES = {1, 15, 16, 17, 31, 33, 64, 65, 342};

    private static final int[] DEPTHS = {0, 1, 15, 16, 17, 31, 33, 64, 65, 342};

    @Test
    void scalarFewRowsAreTheDefinition() {
        fewRowsAndColumns(Gemm.Kernel.SCALAR);
    }

    @Test
    void narrowVectorFewRowsAreTheDefinition() {
        assumeTrue(Gemm.VECTOR, "jdk.incubator.vector not present");
        fewRowsAndColumns(Gemm.Kernel.NARROW);
    }

    @Test
    void wideVectorFewRowsAreTheDefinition() {
        assumeTrue(Gemm.VECTOR, "jdk.incubator.vector not present");
        fewRowsAndColumns(Gemm.Kernel.WIDE);
    }

    /**
     * m = 1 … 4 (B in place when its columns are contiguous, else packed) and n = 1 … 4 with many rows (Cᵀ, whose B is A, read likewise); one problem for every
     * width and depth, then batches of 32 with one A for all and with an A each.
     */
    private static void fewRowsAndColumns(Gemm.Kernel kern) {
        for (int few = 1; few <= Gemm.FEW; few++) {
            for (int many : EDGES) {
                for (int k : DEPTHS) {
                    for (int cse = 0; cse < 8; cse++) {
                        boolean ta = (cse & 1) != 0, tb = (cse & 2) != 0, accumulate = (cse & 4) != 0;
                        check(few, many, k, ta, tb, accumulate, kern, 1, false);
                        check(many, few, k, ta, tb, accumulate, kern, 1, false);
                    }
                }
            }
            for (int many : new int[] {17, 342}) {
                for (int k : new int[] {0, 33}) {
                    for (int cse = 0; cse < 8; cse++) {
                        boolean ta = (cse & 1) != 0, tb = (cse & 2) != 0, accumulate = (cse & 4) != 0;
                        for (boolean broadcast : new boolean[] {true, false}) {
                            check(few, many, k, ta, tb, accumulate, kern, 32, broadcast);
                            check(many, few, k, ta, tb, accumulate, kern, 32, broadcast);
                        }
                    }
                }
            }
        }
    }

    /**
     * One A for every problem, B's rows contiguous and n not a multiple of the tile's width: the columns
     * of all problems are cut into panels that run across the ends of problems (Gemm's acrossProblems),
     * several problems to a panel where n is small; every kernel, with and without accumulation, F32 and
     * F64, on 1 and 3 threads, and B read transposed (which takes the per-problem panels) for contrast.
     */
    @Test
    void panelsAcrossProblemsAreTheDefinition() {
        int[][] shapes = {{5, 5, 37}, {9, 17, 37}, {9, 100, 37}, {40, 31, 1}, {16, 33, 0}, {12, 342, 20}};
        try (CpuBackend one = new CpuBackend(1)) {
            for (Gemm.Kernel kern : Gemm.Kernel.values()) {
                if (kern != Gemm.Kernel.SCALAR && !Gemm.VECTOR) {
                    continue;
                }
                for (int[] s : shapes) {
                    for (int batch : new int[] {2, 5, 33}) {
                        for (int cse = 0; cse < 4; cse++) {
                            boolean accumulate = (cse & 1) != 0;
                            boolean tb = (cse & 2) != 0;
                            for (CpuBackend be : new CpuBackend[] {one, BE}) {
                                checkShared(be, s[0], s[1], s[2], batch, tb, accumulate, kern);
                            }
                        }
                    }
                }
            }
        }
    }

    /** As {@link #check}, every problem with the same A. */
    private static void checkShared(CpuBackend be, int m, int n, int k, int batch, boolean tb, boolean accumulate,
                                    Gemm.Kernel kern) {
        check(be, m, n, k, false, tb, accumulate, kern, new int[batch], "shared A, ");
    }

    /**
     * linear's bias and ReLU run on each finished block of C, here on the pieces of panels that run
     * across the ends of problems: once per element, as the definition's product, add and ReLU.
     */
    @Test
    void linearOnPanelsAcrossProblemsIsTheDefinition() {
        Random r = new Random(5);
        org.dspn4j.tensor.ReferenceBackend ref = new org.dspn4j.tensor.ReferenceBackend();
        double[] w = gauss(r, 24 * 37);
        double[] x = gauss(r, 5 * 37 * 100);
        double[] b = gauss(r, 24);
        for (org.dspn4j.tensor.DType dt : new org.dspn4j.tensor.DType[] {org.dspn4j.tensor.DType.F32, org.dspn4j.tensor.DType.F64}) {
            for (boolean relu : new boolean[] {false, true}) {
                double[] want = ref.linear(ref.fromHost(w, dt, 24, 37), ref.fromHost(x, dt, 5, 37, 100), ref.fromHost(b, dt, 24),
                        relu).toDoubles();
                double[] got = BE.linear(BE.fromHost(w, dt, 24, 37), BE.fromHost(x, dt, 5, 37, 100), BE.fromHost(b, dt, 24),
                        relu).toDoubles();
                assertArrayEquals(want, got, 0.0, dt + (relu ? " relu" : ""));
            }
        }
    }

    @Test
    void thePreferredKernelFitsTheVectorLength() {
        assumeTrue(Gemm.VECTOR, "jdk.incubator.vector not present");
        int bits = CpuVectors.bits();
        assertEquals(bits >= 512 ? Gemm.Kernel.WIDE : Gemm.Kernel.NARROW, Gemm.PREFERRED, bits + "-bit vectors");
    }

    @Test
    void everyVectorTileLeavesTheCompilerTwoRegisters() {
        // C's tile (two vectors a row), the two B vectors and the broadcast A value, within the machine's vector
        // registers (16 below 512 bits, 32 with) and two to spare: with one to spare, JDK 25's C2 spills a vector of
        // the tile at every step of k and the kernel runs at half its rate (GemmVector)
        assertTrue(2 * Gemm.Kernel.NARROW.mr() + 3 <= 16 - 2, "narrow tile");
        assertTrue(2 * Gemm.Kernel.WIDE.mr() + 3 <= 32 - 2, "wide tile");
    }

    /**
     * The packed panels are each thread's scratch, kept between products and not zeroed: after a product
     * of NaNs has filled them (and their padding), products with edge tiles, fewer rows and columns and a
     * shorter depth are still the definition (a stale padding row or column would reach only tile parts
     * that are not stored, and a stale element of the panels themselves would show as NaN).
     */
    @Test
    void productsAfterAProductOfNaNsAreTheDefinition() {
        for (int threads : new int[] {1, 3}) {
            try (CpuBackend be = new CpuBackend(threads)) {
                for (boolean f32 : new boolean[] {true, false}) {
                    int m = 41;
                    int n = 70;
                    int k = 90;
                    double[] nan = new double[Math.max(m, n) * k * 7];
                    java.util.Arrays.fill(nan, Double.NaN);
                    Object a = f32 ? floats(nan) : nan;
                    Object c = f32 ? new float[7 * m * n] : new double[7 * m * n];
                    int[] offs = new int[7];
                    int[] offC = new int[7];
                    for (int p = 0; p < 7; p++) {
                        offs[p] = p * Math.max(m, n) * k;
                        offC[p] = p * m * n;
                    }
                    for (boolean shared : new boolean[] {true, false}) {
                        Gemm.multiply(be, m, n, k, Gemm.Operand.of(a, shared ? new int[7] : offs, m, k, false),
                                Gemm.Operand.of(a, offs, k, n, false), c, offC, false, Gemm.PREFERRED);
                    }
                }
                for (int[] s : new int[][] {{9, 17, 5}, {13, 40, 33}, {3, 100, 7}, {17, 33, 64}}) {
                    check(be, s[0], s[1], s[2], false, false, false, Gemm.PREFERRED, new int[] {0, 1, 2, 3, 4, 5, 6}, "after NaNs ");
                    check(be, s[0], s[1], s[2], false, true, false, Gemm.PREFERRED, new int[] {0, 0, 0, 0}, "after NaNs ");
                }
            }
        }
    }

    private static void check(int m, int n, int k, boolean ta, boolean tb, boolean accumulate, Gemm.Kernel kern) {
        check(m, n, k, ta, tb, accumulate, kern, 3, true);
        check(m, n, k, ta, tb, accumulate, kern, 7, false);
    }

    /**
     * {@code batch} problems; with {@code broadcast} the first two share one A (all of them in batches
     * over 8), else every A is its own.
     */
    private static void check(int m, int n, int k, boolean ta, boolean tb, boolean accumulate, Gemm.Kernel kern, int batch,
                              boolean broadcast) {
        int[] aOf = new int[batch];
        for (int p = 0; p < batch; p++) {
            aOf[p] = broadcast ? (batch > 8 ? 0 : Math.max(p - 1, 0)) : p;
        }
        check(BE, m, n, k, ta, tb, accumulate, kern, aOf, "");
    }

    /**
     * {@code aOf.length} problems on {@code be}, problem p with A number {@code aOf[p]}: Gemm's product
     * against the definition's chains, F32 and F64.
     */
    private static void check(CpuBackend be, int m, int n, int k, boolean ta, boolean tb, boolean accumulate, Gemm.Kernel kern,
                              int[] aOf, String label) {
        int batch = aOf.length;
        Random r = new Random(m * 1000003L + n * 1009L + k + 7919L * batch);
        int[] offA = new int[batch];
        int[] offB = new int[batch];
        int[] offC = new int[batch];
        for (int p = 0; p < batch; p++) {
            offA[p] = aOf[p] * m * k;
            offB[p] = p * k * n;
            offC[p] = p * m * n;
        }
        double[] ad = gauss(r, batch * m * k);
        double[] bd = gauss(r, batch * k * n);
        double[] cd = gauss(r, batch * m * n);
        for (boolean f32 : new boolean[] {true, false}) {
            Object a = f32 ? floats(ad) : ad;
            Object b = f32 ? floats(bd) : bd;
            Gemm.Operand oa = Gemm.Operand.of(a, offA, ta ? k : m, ta ? m : k, ta);
            Gemm.Operand ob = Gemm.Operand.of(b, offB, tb ? n : k, tb ? k : n, tb);
            Object want = f32 ? floats(cd) : cd.clone();
            Object got = f32 ? floats(cd) : cd.clone();
            for (int p = 0; p < batch; p++) {
                Gemm.reference(m, n, k, oa, ob, p, want, offC[p], accumulate);
            }
            Gemm.multiply(be, m, n, k, oa, ob, got, offC, accumulate, kern);
            String what = label + batch + "x" + m + "x" + k + "x" + n + (ta ? " tA" : "") + (tb ? " tB" : "")
                    + (accumulate ? " acc" : "") + (f32 ? " f32" : " f64") + " " + kern + ", " + be.threads() + " threads";
            if (f32) {
                assertArrayEquals((float[]) want, (float[]) got, 0f, what);
            } else {
                assertArrayEquals((double[]) want, (double[]) got, 0.0, what);
            }
        }
    }

    /**
     * The blocked transposing copy that packs an operand stored transposed: every element where the
     * plain loop puts it, nothing else of the panel touched, for line counts and depths around its
     * 4 × 4 blocks, a panel offset and a panel wider than the lines.
     */
    @Test
    void transposingPackIsThePlainCopy() {
        for (int lines = 0; lines <= 9; lines++) {
            for (int k : new int[] {0, 1, 3, 4, 5, 8, 11, 342}) {
                int ls = k + 3; // source rows longer than the k elements copied
                int ld = Math.max(lines, 1) + 2;
                int base = 5;
                int d0 = 7;
                double[] src = new double[base + lines * ls + 1];
                for (int i = 0; i < src.length; i++) {
                    src[i] = i + 0.5;
                }
                double[] want = new double[d0 + k * ld + 3];
                java.util.Arrays.fill(want, -1.0);
                for (int j = 0; j < lines; j++) {
                    for (int t = 0; t < k; t++) {
                        want[d0 + t * ld + j] = src[base + j * ls + t];
                    }
                }
                double[] got = new double[want.length];
                java.util.Arrays.fill(got, -1.0);
                Gemm.transpose(src, base, ls, lines, k, got, d0, ld);
                String what = lines + " lines, k " + k;
                assertArrayEquals(want, got, 0.0, what + " f64");
                float[] gotF = new float[want.length];
                java.util.Arrays.fill(gotF, -1f);
                Gemm.transpose(floats(src), base, ls, lines, k, gotF, d0, ld);
                assertArrayEquals(floats(want), gotF, 0f, what + " f32");
            }
        }
    }

    @Test
    void referenceIsAMatrixProduct() {
        Random r = new Random(5);
        int m = 5, n = 4, k = 3;
        double[] a = gauss(r, m * k);
        double[] b = gauss(r, k * n);
        double[] c = new double[m * n];
        Gemm.reference(m, n, k, Gemm.Operand.of(a, new int[] {0}, m, k, false), Gemm.Operand.of(b, new int[] {0}, k, n, false),
                0, c, 0, false);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int t = 0; t < k; t++) {
                    s += a[i * k + t] * b[t * n + j];
                }
                assertEquals(s, c[i * n + j], 1e-12);
            }
        }
    }

    private static double[] gauss(Random r, int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = r.nextGaussian();
        }
        return d;
    }

    private static float[] floats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
