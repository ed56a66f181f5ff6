package org.dspn4j.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.dspn4j.match.Hungarian;
import org.junit.jupiter.api.Test;

/**
 * The ASSIGN kernel's code ({@link EngineKernel#assignOne}) run as plain Java on a host arena, no
 * OpenCL needed: it returns {@link Hungarian#assign}'s assignment bit for bit on every kind of input
 * (so the float-triple scratch loses nothing the procedure uses), reports the first bad cost, and its
 * triples hold every double the solver stores exactly. {@code ClAssignTest} runs the same code on the
 * device.
 */
class AssignKernelTest {

    /** What one launch leaves: the indices (as floats) and the status pairs. */
    record Run(float[] out, float[] status) {
        int[] cols() {
            int[] c = new int[out.length];
            for (int i = 0; i < c.length; i++) {
                c[i] = (int) out[i];
            }
            return c;
        }
    }

    /** The kernel's code for every problem of the batch, on the host copy of a fresh arena. */
    static Run runOnHost(float[] costs, int b, int n) {
        int scratch = ClEngine.assignScratch(b, n);
        int outAt = costs.length;
        int statusAt = outAt + b * n;
        int scratchAt = statusAt + 2 * b;
        EngineKernel k = new EngineKernel(scratchAt + scratch, 1, 1);
        System.arraycopy(costs, 0, k.arena, 0, costs.length);
        k.op = EngineKernel.OP_ASSIGN;
        k.srcA = 0;
        k.dst = outAt;
        k.srcC = statusAt;
        k.srcB = scratchAt;
        k.n = b;
        k.dimLen = n;
        k.p0 = Double.POSITIVE_INFINITY;
        k.p1 = Hungarian.MAX_ASSIGN_COST;
        k.nanValue = Float.NaN;
        for (int s = 0; s < b; s++) {
            k.assignOne(s);
        }
        return new Run(java.util.Arrays.copyOfRange(k.arena, outAt, statusAt),
                java.util.Arrays.copyOfRange(k.arena, statusAt, scratchAt));
    }

    @Test
    void theKernelsCodeReturnsHungariansAssignmentBitForBitOnEveryKindOfInput() {
        int cases = 0;
        for (AssignCases.Kind kind : AssignCases.Kind.values()) {
            for (int n : new int[] {1, 2, 3, 4, 5, 7, 10, 16, 33, 64}) {
                int b = n <= 16 ? 6 : 2;
                long seed = kind.ordinal() * 1000L + n;
                float[] c = AssignCases.costs(kind, b, n, seed);
                for (float[] input : new float[][] {c, AssignCases.permuted(c, b, n, seed + 1)}) {
                    Run r = runOnHost(input, b, n);
                    int[] want = Hungarian.assign(AssignCases.widen(input), b, n);
                    assertArrayEquals(want, r.cols(), kind + " n=" + n + " seed=" + seed);
                    assertArrayEquals(new float[2 * b], r.status(), "status of a solved batch");
                    cases++;
                }
            }
        }
        assertEquals(AssignCases.Kind.values().length * 10 * 2, cases);
    }

    @Test
    void allEqualCostsGiveTheIdentityAndFewIntegersAPermutation() {
        Run eq = runOnHost(AssignCases.costs(AssignCases.Kind.ALL_EQUAL, 2, 10, 1), 2, 10);
        int[] identity = new int[20];
        for (int i = 0; i < 20; i++) {
            identity[i] = i % 10;
        }
        assertArrayEquals(identity, eq.cols(), "the tie rule's choice among 10! optima");
        Run few = runOnHost(AssignCases.costs(AssignCases.Kind.FEW_INTEGERS, 8, 12, 5), 8, 12);
        assertTrue(AssignCases.permutations(few.cols(), 8, 12));
    }

    @Test
    void theFirstBadCostInRowMajorOrderIsReportedAndItsProblemGetsNaNIndices() {
        int n = 3;
        float[] c = AssignCases.costs(AssignCases.Kind.UNIFORM, 4, n, 3);
        c[9 + 1 * 3 + 2] = Float.POSITIVE_INFINITY;   // problem 1, row 1, column 2
        c[9 + 2 * 3 + 0] = Float.NaN;                 // problem 1, later in row-major order
        c[27 + 0 * 3 + 1] = Math.nextUp(AssignCases.BOUND); // problem 3: just above 2^100
        c[18 + 4] = -AssignCases.BOUND;               // problem 2: exactly the bound is accepted
        Run r = runOnHost(c, 4, n);
        assertArrayEquals(new float[] {0, 0, 1 + 5, Float.POSITIVE_INFINITY, 0, 0, 1 + 1, Math.nextUp(AssignCases.BOUND)},
                r.status());
        for (int p : new int[] {1, 3}) {
            for (int i = 0; i < n; i++) {
                assertTrue(Float.isNaN(r.out()[p * n + i]), "problem " + p + " row " + i);
            }
        }
        float[] good = new float[2 * 9];
        System.arraycopy(c, 0, good, 0, 9);
        System.arraycopy(c, 18, good, 9, 9);
        int[] want = Hungarian.assign(AssignCases.widen(good), 2, n);
        assertArrayEquals(new int[] {want[0], want[1], want[2]}, java.util.Arrays.copyOfRange(r.cols(), 0, 3));
        assertArrayEquals(new int[] {want[3], want[4], want[5]}, java.util.Arrays.copyOfRange(r.cols(), 6, 9));
    }

    @Test
    void floatTriplesHoldEveryDoubleTheSolverStoresExactly() {
        EngineKernel k = new EngineKernel(64, 1, 1);
        k.srcB = 0;
        k.n = 1;
        Random r = new Random(17);
        for (int t = 0; t < 200_000; t++) {
            // sums and differences of floats of any exponent: multiples of 2^-149 below 2^128
            double d = 0;
            int terms = 1 + r.nextInt(6);
            for (int i = 0; i < terms; i++) {
                float f = Float.intBitsToFloat(r.nextInt() & 0x7effffff); // finite, magnitude below 2^127
                if (Math.abs(f) > 0x1p110f) {
                    f = f * 0x1p-20f;
                }
                d = r.nextBoolean() ? d + f : d - f;
            }
            k.stTriple(0, 0, d);
            double back = k.ldTriple(0, 0);
            assertEquals(d == 0 ? 0.0 : d, back == 0 ? 0.0 : back, "triple of " + d);
        }
        for (double d : new double[] {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            k.stTriple(0, 0, d);
            assertEquals(d, k.ldTriple(0, 0));
        }
    }
}
