package org.dspn4j.gpu;

import java.math.BigDecimal;
import java.util.Random;

/**
 * Cost batches for the assignment op's tests, as F32 values (what the device holds), built from a
 * seed so that a failure names the exact input; and the brute-force exact optimum.
 */
final class AssignCases {
    private AssignCases() {
    }

    /** Largest cost magnitude the op accepts (org.dspn4j.match.Hungarian.MAX_ASSIGN_COST). */
    static final float BOUND = 0x1p100f;

    /** How entries are drawn. */
    enum Kind {
        /** nextFloat() in [0, 1): multiples of 2^-24, so the solver's double arithmetic is exact. */
        UNIFORM,
        /** 0, 1 or 2: many ties (several optimal assignments). */
        FEW_INTEGERS,
        /** Signed, magnitudes from 1e-30 to 1e30 in one matrix: double rounding inside the solver. */
        SIGNED_WIDE,
        /** Multiples of the smallest subnormal float, and values near 1e-38: the potentials' low bits. */
        TINY,
        /** Every entry 0.25. */
        ALL_EQUAL,
        /** Small integers with one row of 2^100, the largest magnitude accepted. */
        HUGE_ROW,
        /** Signed magnitudes up to 2^100 everywhere: the potentials' range near the bound. */
        HUGE_ALL
    }

    /** b problems of n×n F32 costs, row-major. */
    static float[] costs(Kind kind, int b, int n, long seed) {
        Random r = new Random(seed);
        float[] c = new float[b * n * n];
        for (int s = 0; s < b; s++) {
            int hugeRow = r.nextInt(n);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    c[(s * n + i) * n + j] = switch (kind) {
                        case UNIFORM -> r.nextFloat();
                        case FEW_INTEGERS -> r.nextInt(3);
                        case SIGNED_WIDE -> (float) ((r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(61) - 30));
                        case TINY -> r.nextBoolean() ? Float.MIN_VALUE * r.nextInt(1 << 12)
                                : (float) (r.nextDouble() * 1e-38);
                        case ALL_EQUAL -> 0.25f;
                        case HUGE_ROW -> i == hugeRow ? BOUND : r.nextInt(10);
                        case HUGE_ALL -> (r.nextFloat() - 0.5f) * 2 * BOUND;
                    };
                }
            }
        }
        return c;
    }

    /** The same batch with the rows and the columns of every problem permuted. */
    static float[] permuted(float[] c, int b, int n, long seed) {
        Random r = new Random(seed);
        float[] out = new float[c.length];
        for (int s = 0; s < b; s++) {
            int[] pr = shuffled(n, r);
            int[] pc = shuffled(n, r);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    out[(s * n + i) * n + j] = c[(s * n + pr[i]) * n + pc[j]];
                }
            }
        }
        return out;
    }

    static double[] widen(float[] c) {
        double[] d = new double[c.length];
        for (int i = 0; i < c.length; i++) {
            d[i] = c[i];
        }
        return d;
    }

    /** The exact (decimal) total cost of problem s along an assignment. */
    static BigDecimal exactCost(float[] c, int s, int n, int[] rowToCol) {
        BigDecimal t = BigDecimal.ZERO;
        for (int i = 0; i < n; i++) {
            t = t.add(new BigDecimal(c[(s * n + i) * n + rowToCol[i]]));
        }
        return t;
    }

    /** The exact optimum of problem s over all n! permutations (n ≤ 8). */
    static BigDecimal bruteForce(float[] c, int s, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        BigDecimal best = null;
        do {
            BigDecimal t = exactCost(c, s, n, p);
            if (best == null || t.compareTo(best) < 0) {
                best = t;
            }
        } while (nextPermutation(p));
        return best;
    }

    /** Whether each problem's row-to-column map is a permutation. */
    static boolean permutations(int[] cols, int b, int n) {
        for (int s = 0; s < b; s++) {
            boolean[] seen = new boolean[n];
            for (int i = 0; i < n; i++) {
                int j = cols[s * n + i];
                if (j < 0 || j >= n || seen[j]) {
                    return false;
                }
                seen[j] = true;
            }
        }
        return true;
    }

    static int[] row(int[] cols, int s, int n) {
        return java.util.Arrays.copyOfRange(cols, s * n, (s + 1) * n);
    }

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
        int t = p[i];
        p[i] = p[j];
        p[j] = t;
        for (int a = i + 1, z = p.length - 1; a < z; a++, z--) {
            t = p[a];
            p[a] = p[z];
            p[z] = t;
        }
        return true;
    }

    private static int[] shuffled(int n, Random r) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int k = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[k];
            p[k] = t;
        }
        return p;
    }
}
