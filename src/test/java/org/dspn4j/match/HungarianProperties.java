package org.dspn4j.match;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Hungarian against brute force. Matrices are built from a seed so that a failure report (seed,
 * n, value kind) is enough to rebuild the exact matrix.
 */
class HungarianProperties {

    /** How matrix entries are drawn: continuous, heavy ties, or with negative and large values. */
    enum Values { UNIFORM, FEW_INTEGERS, SIGNED_WIDE, ALL_EQUAL }

    @Property(tries = 400)
    void optimumEqualsBruteForceMinimum(@ForAll @IntRange(min = 1, max = 7) int n,
                                        @ForAll long seed, @ForAll Values kind) {
        double[][] c = matrix(n, seed, kind);
        Assignment a = Hungarian.solve(c);
        assertPermutation(a.rowToCol());
        assertEquals(sumAlong(c, a.rowToCol()), a.cost(), 0.0, "cost() is the sum of the matched entries");
        double best = bruteForceMinimum(c);
        assertEquals(best, a.cost(), 1e-9 * Math.max(1, Math.abs(best)));
    }

    @Property(tries = 100)
    void batchedEqualsOneByOne(@ForAll("batches") double[][][] costs) {
        Assignment[] all = Hungarian.solveAll(costs);
        assertEquals(costs.length, all.length);
        for (int b = 0; b < costs.length; b++) {
            assertEquals(Hungarian.solve(costs[b]), all[b]);
        }
    }

    @Property(tries = 200)
    void costIsInvariantUnderPermutingRowsAndColumns(@ForAll @IntRange(min = 1, max = 10) int n,
                                                     @ForAll long seed) {
        double[][] c = matrix(n, seed, Values.UNIFORM);
        Random rnd = new Random(seed ^ 0x5DEECE66DL);
        int[] pr = shuffled(n, rnd);
        int[] pc = shuffled(n, rnd);
        double[][] p = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                p[i][j] = c[pr[i]][pc[j]];
            }
        }
        assertEquals(Hungarian.solve(c).cost(), Hungarian.solve(p).cost(), 1e-12);
    }

    @Provide
    Arbitrary<double[][][]> batches() {
        return Arbitraries.longs().list().ofMinSize(0).ofMaxSize(8).map(seeds -> {
            double[][][] out = new double[seeds.size()][][];
            for (int b = 0; b < out.length; b++) {
                long s = seeds.get(b);
                out[b] = matrix(1 + (int) Math.floorMod(s, 10L), s, Values.values()[(int) Math.floorMod(s >> 8, 4L)]);
            }
            return out;
        });
    }

    // ------------------------------------------------------------------------------ helpers

    static double[][] matrix(int n, long seed, Values kind) {
        Random rnd = new Random(seed);
        double[][] c = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                c[i][j] = switch (kind) {
                    case UNIFORM -> rnd.nextDouble();
                    case FEW_INTEGERS -> rnd.nextInt(3);
                    case SIGNED_WIDE -> (rnd.nextDouble() - 0.5) * Math.pow(10, rnd.nextInt(7) - 3);
                    case ALL_EQUAL -> 1.5;
                };
            }
        }
        return c;
    }

    static double bruteForceMinimum(double[][] c) {
        int n = c.length;
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        double best = Double.POSITIVE_INFINITY;
        do {
            best = Math.min(best, sumAlong(c, perm));
        } while (nextPermutation(perm));
        return best;
    }

    /** Lexicographic next permutation; false after the last one. */
    private static boolean nextPermutation(int[] p) {
        int i = p.length - 2;
        while (i >= 0 && p[i] >= p[i + 1]) {
            i--;
        }
        if (i < 0) {
            return false;
        }
        int j = p.length - 1;
        while (p[j] <= p[i]) {
            j--;
        }
        swap(p, i, j);
        for (int a = i + 1, b = p.length - 1; a < b; a++, b--) {
            swap(p, a, b);
        }
        return true;
    }

    private static void swap(int[] p, int i, int j) {
        int t = p[i];
        p[i] = p[j];
        p[j] = t;
    }

    private static double sumAlong(double[][] c, int[] rowToCol) {
        double s = 0;
        for (int i = 0; i < c.length; i++) {
            s += c[i][rowToCol[i]];
        }
        return s;
    }

    private static int[] shuffled(int n, Random rnd) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            swap(p, i, rnd.nextInt(i + 1));
        }
        return p;
    }

    static void assertPermutation(int[] rowToCol) {
        boolean[] seen = new boolean[rowToCol.length];
        for (int col : rowToCol) {
            assertTrue(col >= 0 && col < rowToCol.length, "column out of range: " + col);
            assertTrue(!seen[col], "column used twice: " + col);
            seen[col] = true;
        }
    }

    static double[][] copy(double[][] c) {
        double[][] out = new double[c.length][];
        for (int i = 0; i < c.length; i++) {
            out[i] = c[i].clone();
        }
        return out;
    }
}
