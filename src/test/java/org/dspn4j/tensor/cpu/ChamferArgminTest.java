package org.dspn4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.Random;

import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.ReferenceBackend;
import org.dspn4j.tensor.Shape;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link CpuBackend#chamferArgmin}'s two loops — the scalar one and the vector one
 * ({@link ChamferVector}) — against the definition ({@link ReferenceBackend#chamferArgmin}), index for
 * index, in F32 and F64, on one thread and on three: the MNIST shape (32, 2, 342); slot counts that
 * are not a multiple of the lane count, below it and above it, for C = 1 … 4; exact ties (duplicate
 * points, all points equal, integer grids, mirrored points, and points with two channels swapped,
 * whose costs tie only with the definition's roundings: a fused multiply-add splits them); NaN, ±∞,
 * values from 1e300 to the largest double, −0; and targets broadcast over pred's leading dimensions.
 * Each case is computed with both loops, so either one can be broken on its own.
 */
class ChamferArgminTest {
    private static final ReferenceBackend REF = new ReferenceBackend();
    private static final CpuBackend ONE = new CpuBackend(1);
    private static final CpuBackend THREE = new CpuBackend(3);

    /** Slot counts: below, at and past multiples of 4 and 8 doubles (256- and 512-bit vectors). */
    private static final int[] SLOTS = {1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33, 342, 343};

    @AfterAll
    static void close() {
        ONE.close();
        THREE.close();
    }

    /** The loop the test runs: the vector one needs the module (surefire adds it, pom.xml). */
    private static void requireLoop(boolean vector) {
        if (vector) {
            assumeTrue(Gemm.VECTOR, "jdk.incubator.vector not present");
        }
    }

    /**
     * pred (…, C, N) and target against the definition in both dtypes, with the chosen loop, on one
     * thread and on three; with the vector loop also through the public method (the loop it takes).
     */
    private static void check(String what, boolean vector, double[] p, int[] ps, double[] t, int[] ts) {
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            Tensor want = REF.chamferArgmin(REF.fromHost(p, dt, ps), REF.fromHost(t, dt, ts));
            String name = what + " " + dt + " pred " + Shape.str(ps) + " target " + Shape.str(ts)
                    + (vector ? " vector" : " scalar");
            for (CpuBackend be : new CpuBackend[] {ONE, THREE}) {
                Tensor got = be.chamferArgmin(be.fromHost(p, dt, ps), be.fromHost(t, dt, ts), vector);
                assertEquals(DType.I64, got.dtype(), name);
                assertArrayEquals(want.shape(), got.shape(), name);
                assertArrayEquals(want.toDoubles(), got.toDoubles(), name + " " + be.threads() + " thread(s)");
            }
            if (vector) {
                Tensor got = ONE.chamferArgmin(ONE.fromHost(p, dt, ps), ONE.fromHost(t, dt, ts));
                assertArrayEquals(want.toDoubles(), got.toDoubles(), name + " (public method)");
            }
        }
    }

    private static void check(String what, boolean vector, double[] p, double[] t, int... shape) {
        check(what, vector, p, shape, t, shape);
    }

    private static double[] gauss(Random r, int n, double scale) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = scale * r.nextGaussian();
        }
        return d;
    }

    /** Small integers: many costs tie exactly. */
    private static double[] grid(Random r, int n, int levels) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = r.nextInt(levels) - levels / 2;
        }
        return d;
    }

    @ParameterizedTest(name = "vector={0}")
    @ValueSource(booleans = {false, true})
    void mnistShape(boolean vector) {
        requireLoop(vector);
        Random r = new Random(342);
        for (int rep = 0; rep < 4; rep++) { // the loop is compiled on the way: interpreted and compiled code
            double[] p = new double[32 * 2 * 342];
            double[] t = new double[32 * 2 * 342];
            for (int i = 0; i < p.length; i++) {
                p[i] = r.nextDouble();
                t[i] = r.nextDouble();
            }
            check("uniform [0, 1) " + rep, vector, p, t, 32, 2, 342);
            check("gaussian " + rep, vector, gauss(r, p.length, 1.5), gauss(r, t.length, 1.5), 32, 2, 342);
        }
        // pixel coordinates: a 28 × 28 grid, so that many points coincide or lie equally far
        double[] p = grid(r, 32 * 2 * 342, 28);
        double[] t = grid(r, 32 * 2 * 342, 28);
        check("grid 28", vector, p, t, 32, 2, 342);
        check("pred = target", vector, t, t, 32, 2, 342);
    }

    @ParameterizedTest(name = "vector={0}")
    @ValueSource(booleans = {false, true})
    void everySlotCountAndChannelCount(boolean vector) {
        requireLoop(vector);
        Random r = new Random(7);
        for (int c = 1; c <= 4; c++) {
            for (int n : SLOTS) {
                int[] s = {3, c, n};
                int size = 3 * c * n;
                check("gaussian", vector, gauss(r, size, 1), gauss(r, size, 1), s);
                check("wide", vector, gauss(r, size, 100), gauss(r, size, 0.01), s);
                check("grid 3", vector, grid(r, size, 3), grid(r, size, 3), s);
                check("grid 7", vector, grid(r, size, 7), grid(r, size, 7), s);
            }
        }
    }

    @ParameterizedTest(name = "vector={0}")
    @ValueSource(booleans = {false, true})
    void ties(boolean vector) {
        requireLoop(vector);
        Random r = new Random(11);
        for (int c = 1; c <= 4; c++) {
            for (int n : SLOTS) {
                int size = 2 * c * n;
                int[] s = {2, c, n};
                // all points equal: every cost ties, row 0 and row 1 are all 0
                double[] same = new double[size];
                Arrays.fill(same, 0.25);
                check("all equal", vector, same, same.clone(), s);
                check("all equal, target elsewhere", vector, same, gauss(r, size, 1), s);
                // duplicate points: each slot repeats one of a few points
                double[] p = new double[size];
                double[] t = new double[size];
                double[] points = gauss(r, 3 * c, 1);
                for (int b = 0; b < 2; b++) {
                    for (int i = 0; i < n; i++) {
                        int pi = r.nextInt(3);
                        int ti = r.nextInt(3);
                        for (int k = 0; k < c; k++) {
                            p[(b * c + k) * n + i] = points[pi * c + k];
                            t[(b * c + k) * n + i] = points[ti * c + k];
                        }
                    }
                }
                check("duplicates", vector, p, t, s);
                // pairs of target points mirrored about a pred point, channels swapped: the real costs
                // tie; the computed ones tie or differ in the last rounding of the sum
                check("mirrored", vector, p = gauss(r, size, 1), mirrored(r, p, 2, c, n), s);
            }
        }
    }

    /**
     * Points whose offsets from the origin are (a, b, e…) and (b, a, e…) with a, b, e in (0, 1): in
     * F64 the two costs ½a² + ½b² (+ ½e²…) add the same two rounded terms in the other order, so they
     * tie exactly — but a multiply fused with the add would round them apart, as would any other order
     * of operations. Sample 0 holds pred at the origin and such pairs as targets (row 1 decides between
     * the pairs); sample 1 the other way round (row 0 decides).
     */
    @ParameterizedTest(name = "vector={0}")
    @ValueSource(booleans = {false, true})
    void swappedChannelsTieOnlyWithTheDefinitionsRoundings(boolean vector) {
        requireLoop(vector);
        Random r = new Random(19);
        for (int c = 2; c <= 4; c++) {
            for (int n : SLOTS) {
                int b = 16;
                double[] origin = new double[b * c * n];
                double[] pairs = new double[b * c * n];
                for (int s = 0; s < b; s++) {
                    for (int j = 0; j < n; j++) {
                        double u = r.nextDouble();
                        double w = r.nextDouble();
                        for (int k = 0; k < c; k++) {
                            pairs[(s * c + k) * n + j] = k == 0 ? u : k == 1 ? w : r.nextDouble();
                        }
                        if (j + 1 < n) {
                            for (int k = 0; k < c; k++) {
                                pairs[(s * c + k) * n + j + 1] = k == 0 ? w : k == 1 ? u : pairs[(s * c + k) * n + j];
                            }
                            j++;
                        }
                    }
                }
                int[] sh = {2, b / 2, c, n};
                double[] p = origin.clone();
                double[] t = pairs.clone();
                int half = b / 2 * c * n; // the second half: pairs as pred, origin as target
                System.arraycopy(pairs, half, p, half, half);
                System.arraycopy(origin, half, t, half, half);
                check("swapped channels", vector, p, t, sh);
            }
        }
    }

    /**
     * Targets around pred's points: slot j of target takes pred slot q's point plus offsets u_k, and
     * the next slot the same point plus the offsets in reverse order of channels (wrapped to n).
     */
    private static double[] mirrored(Random r, double[] p, int b, int c, int n) {
        double[] t = new double[p.length];
        for (int s = 0; s < b; s++) {
            for (int j = 0; j < n; j += 2) {
                int q = r.nextInt(n);
                double[] u = new double[c];
                for (int k = 0; k < c; k++) {
                    u[k] = r.nextDouble() * (r.nextBoolean() ? 3 : 0.9);
                }
                for (int k = 0; k < c; k++) {
                    double base = p[(s * c + k) * n + q];
                    t[(s * c + k) * n + j] = base + u[k];
                    if (j + 1 < n) {
                        t[(s * c + k) * n + j + 1] = base - u[c - 1 - k];
                    }
                }
            }
        }
        return t;
    }

    @ParameterizedTest(name = "vector={0}")
    @ValueSource(booleans = {false, true})
    void specialValues(boolean vector) {
        requireLoop(vector);
        double[] specials = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 0.0, 1e300, -1e300,
            Double.MAX_VALUE, -Double.MAX_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 1e30, Double.MIN_VALUE, 1.0, -1.0, 0.5};
        Random r = new Random(13);
        for (int c = 1; c <= 4; c++) {
            for (int n : SLOTS) {
                int size = 3 * c * n;
                int[] s = {3, c, n};
                for (int rep = 0; rep < 3; rep++) {
                    double share = rep == 0 ? 0.05 : rep == 1 ? 0.3 : 0.9;
                    double[] p = gauss(r, size, 1);
                    double[] t = gauss(r, size, 1);
                    for (double[] a : new double[][] {p, t}) {
                        for (int i = 0; i < size; i++) {
                            if (r.nextDouble() < share) {
                                a[i] = specials[r.nextInt(specials.length)];
                            }
                        }
                    }
                    check("specials " + share, vector, p, t, s);
                }
                // whole slots NaN or infinite: all-NaN and all-+∞ lines of costs give index 0
                double[] p = gauss(r, size, 1);
                double[] t = gauss(r, size, 1);
                for (int k = 0; k < c; k++) {
                    p[k * n + n / 2] = Double.NaN;
                    t[k * n + n / 3] = Double.NaN;
                    p[(c + k) * n + n - 1] = Double.POSITIVE_INFINITY;
                    t[(c + k) * n] = Double.NEGATIVE_INFINITY;
                }
                check("NaN and infinite slots", vector, p, t, s);
                double[] nan = new double[size];
                Arrays.fill(nan, Double.NaN);
                check("all NaN pred", vector, nan, t, s);
                check("all NaN target", vector, p, nan, s);
                double[] inf = new double[size];
                Arrays.fill(inf, Double.POSITIVE_INFINITY);
                check("all +inf pred", vector, inf, gauss(r, size, 1), s);
                check("+inf against +inf (NaN costs)", vector, inf, inf.clone(), s);
                double[] huge = gauss(r, size, 1e300);
                check("huge", vector, huge, gauss(r, size, 1e300), s);
                double[] zeros = new double[size];
                for (int i = 0; i < size; i++) {
                    zeros[i] = r.nextBoolean() ? -0.0 : 0.0;
                }
                check("signed zeros", vector, zeros, zeros.clone(), s);
                check("signed zeros against grid", vector, zeros, grid(r, size, 3), s);
            }
        }
    }

    @ParameterizedTest(name = "vector={0}")
    @ValueSource(booleans = {false, true})
    void broadcastTarget(boolean vector) {
        requireLoop(vector);
        Random r = new Random(17);
        for (int n : new int[] {1, 7, 9, 33, 342}) {
            int c = 2;
            double[] p = gauss(r, 3 * 2 * c * n, 1);
            double[] t1 = gauss(r, 2 * c * n, 1);
            double[] t0 = gauss(r, c * n, 1);
            check("target (1, 2, C, N)", vector, p, new int[] {3, 2, c, n}, t1, new int[] {1, 2, c, n});
            check("target (2, C, N)", vector, p, new int[] {3, 2, c, n}, t1, new int[] {2, c, n});
            check("target (C, N)", vector, p, new int[] {3, 2, c, n}, t0, new int[] {c, n});
            check("target (3, 1, C, N)", vector, p, new int[] {3, 2, c, n}, gauss(r, 3 * c * n, 1), new int[] {3, 1, c, n});
            double[] grid = grid(r, 3 * 2 * c * n, 4);
            check("grid, target (1, 1, C, N)", vector, grid, new int[] {3, 2, c, n}, grid(r, c * n, 4),
                    new int[] {1, 1, c, n});
            check("2-D", vector, t0, new int[] {c, n}, t0, new int[] {c, n});
        }
    }

    /** Without the module the vector loop refuses to run rather than fail on a missing class. */
    @Test
    void vectorLoopNeedsTheModule() {
        Tensor x = ONE.fromHost(new double[] {1, 2, 3, 4}, DType.F64, 2, 2);
        if (Gemm.VECTOR) {
            assertArrayEquals(new double[] {0, 1, 0, 1}, ONE.chamferArgmin(x, x, true).toDoubles());
        } else {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ONE.chamferArgmin(x, x, true));
            assertTrue(e.getMessage().contains("jdk.incubator.vector"), e.getMessage());
        }
    }
}
