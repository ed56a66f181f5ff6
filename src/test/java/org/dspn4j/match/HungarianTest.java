package org.dspn4j.match;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class HungarianTest {

    // ------------------------------------------------------------------ hand-worked matrices

    @Test
    void threeByThreeByHand() {
        double[][] c = {
                {4, 1, 3},
                {2, 0, 5},
                {3, 2, 2}};
        // All 6 permutations (row0,row1,row2 -> cols):
        //   (0,1,2) 4+0+2=6   (0,2,1) 4+5+2=11  (1,0,2) 1+2+2=5
        //   (1,2,0) 1+5+3=9   (2,0,1) 3+2+2=7   (2,1,0) 3+0+3=6
        // Unique optimum: rows -> cols (1,0,2), cost 5.
        Assignment a = Hungarian.solve(c);
        assertArrayEquals(new int[] {1, 0, 2}, a.rowToCol());
        assertEquals(5.0, a.cost());
        assertEquals(3, a.size());
    }

    @Test
    void fourByFourByHand() {
        double[][] c = {
                {82, 83, 69, 92},
                {77, 37, 49, 92},
                {11, 69, 5, 86},
                {8, 9, 98, 23}};
        // Classical steps. Subtract row minima (69, 37, 5, 8):
        //   13 14  0 23 / 40  0 12 55 / 6 64  0 81 / 0  1 90 15
        // Subtract column minima (0, 0, 0, 15):
        //   13 14  0  8 / 40  0 12 40 / 6 64  0 66 / 0  1 90  0
        // Zeros admit only 3 independent picks (rows 0 and 2 both need column 2); lines: col 2,
        // row 1, row 3. Smallest uncovered value is 6; subtract it from uncovered, add at crossings:
        //    7  8  0  2 / 40  0 18 40 / 0 58  0 60 / 0  1 96  0
        // Now r0->c2, r1->c1, r2->c0, r3->c3 are independent zeros: 69 + 37 + 11 + 23 = 140.
        Assignment a = Hungarian.solve(c);
        assertArrayEquals(new int[] {2, 1, 0, 3}, a.rowToCol());
        assertEquals(140.0, a.cost());
    }

    @Test
    void oneByOne() {
        Assignment a = Hungarian.solve(new double[][] {{-2.5}});
        assertArrayEquals(new int[] {0}, a.rowToCol());
        assertEquals(-2.5, a.cost());
    }

    @Test
    void negativeCosts() {
        // Diagonal: -1 + -2 = -3; anti-diagonal: -5 + -3 = -8, the minimum.
        Assignment a = Hungarian.solve(new double[][] {{-1, -5}, {-3, -2}});
        assertArrayEquals(new int[] {1, 0}, a.rowToCol());
        assertEquals(-8.0, a.cost());
    }

    @Test
    void allEqualCostsGiveSomePermutationAtTheOptimum() {
        double[][] c = new double[10][10];
        for (double[] row : c) {
            java.util.Arrays.fill(row, 0.25);
        }
        Assignment a = Hungarian.solve(c);
        assertEquals(2.5, a.cost(), 1e-15);
        HungarianProperties.assertPermutation(a.rowToCol());
    }

    @Test
    void paddingColumnsAreInterchangeable() {
        // Like the padded targets of the Hungarian loss: three identical columns. The optimum is
        // unique in value (0.1 + 0.2 + three times 1.0) even though the padding matches are not.
        double[][] c = {
                {0.1, 5, 1, 1, 1},
                {5, 0.2, 1, 1, 1},
                {5, 5, 1, 1, 1},
                {5, 5, 1, 1, 1},
                {5, 5, 1, 1, 1}};
        Assignment a = Hungarian.solve(c);
        assertEquals(0.1 + 0.2 + 3.0, a.cost(), 1e-12);
        assertEquals(0, a.col(0));
        assertEquals(1, a.col(1));
    }

    @Test
    void deterministicAndInputUntouched() {
        Random rnd = new Random(7);
        double[][] c = new double[9][9];
        for (double[] row : c) {
            for (int j = 0; j < row.length; j++) {
                row[j] = rnd.nextInt(3); // many ties
            }
        }
        double[][] copy = HungarianProperties.copy(c);
        Assignment first = Hungarian.solve(c);
        assertEquals(first, Hungarian.solve(c));
        for (int i = 0; i < c.length; i++) {
            assertArrayEquals(copy[i], c[i]);
        }
    }

    @Test
    void assignmentIsImmutable() {
        Assignment a = Hungarian.solve(new double[][] {{1, 0}, {0, 1}});
        int[] out = a.rowToCol();
        out[0] = 7;
        assertArrayEquals(new int[] {1, 0}, a.rowToCol());
        assertNotSame(a.rowToCol(), a.rowToCol());
    }

    @Test
    void solveAllLargeBatchTakesTheParallelPathAndEqualsOneByOne() {
        Random rnd = new Random(11);
        double[][][] costs = new double[12][][];
        for (int b = 0; b < costs.length; b++) {
            int n = 60 + b; // Σ n³ is above the parallel threshold
            costs[b] = new double[n][n];
            for (double[] row : costs[b]) {
                for (int j = 0; j < n; j++) {
                    row[j] = rnd.nextInt(20) - 5.0;
                }
            }
        }
        Assignment[] all = Hungarian.solveAll(costs);
        for (int b = 0; b < costs.length; b++) {
            assertEquals(Hungarian.solve(costs[b]), all[b], "batch entry " + b);
        }
    }

    @Test
    void theTieRuleGivesTheIdentityForEqualCostsAndTheLowestColumnFirst() {
        double[][] c = new double[6][6];
        for (double[] row : c) {
            java.util.Arrays.fill(row, -3.0);
        }
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, Hungarian.solve(c).rowToCol());
        // row 0 ties between columns 1 and 2 (cost 0): the lower index wins; row 1 then takes column 0
        // at cost 0 (its 0s are in columns 0 and 2), leaving column 2 to row 2
        double[][] d = {{5, 0, 0}, {0, 5, 0}, {5, 5, 0}};
        assertArrayEquals(new int[] {1, 0, 2}, Hungarian.solve(d).rowToCol());
    }

    @Test
    void assignIsSolveProblemByProblemOnRowMajorCosts() {
        Random rnd = new Random(3);
        int b = 5;
        int n = 7;
        double[] flat = new double[b * n * n];
        for (int e = 0; e < flat.length; e++) {
            flat[e] = rnd.nextInt(4) - 1.5;
        }
        int[] cols = Hungarian.assign(flat, b, n);
        for (int s = 0; s < b; s++) {
            double[][] m = new double[n][n];
            for (int i = 0; i < n; i++) {
                System.arraycopy(flat, (s * n + i) * n, m[i], 0, n);
            }
            assertArrayEquals(Hungarian.solve(m).rowToCol(), java.util.Arrays.copyOfRange(cols, s * n, (s + 1) * n), "problem " + s);
        }
        assertEquals(0, Hungarian.assign(new double[0], 0, 3).length);
    }

    @Test
    void assignRefusesTheFirstCostOutsideItsDomain() {
        double[] c = new double[3 * 4];
        c[4 + 3] = Hungarian.MAX_ASSIGN_COST;        // exactly the bound: accepted
        c[8 + 2] = -Math.nextUp(Hungarian.MAX_ASSIGN_COST);
        c[8 + 3] = Double.NaN;                        // later in the same problem
        assertMessage("assign: costs[2] has -1.2676506002282297E30 at row 1, column 0; Hungarian needs finite costs of "
                + "magnitude at most 2^100", () -> Hungarian.assign(c, 3, 2));
        c[8 + 2] = 0;
        assertMessage("assign: costs[2] has NaN at row 1, column 1; Hungarian needs finite costs of magnitude at most 2^100",
                () -> Hungarian.assign(c, 3, 2));
        c[8 + 3] = Double.NEGATIVE_INFINITY;
        assertMessage("assign: costs[2] has -Infinity at row 1, column 1; Hungarian needs finite costs of magnitude at most 2^100",
                () -> Hungarian.assign(c, 3, 2));
        c[8 + 3] = 1;
        assertEquals(6, Hungarian.assign(c, 3, 2).length);
    }

    @Test
    void assignRefusesBadSizes() {
        assertMessage("assign: needs 2 problems of 0x0 costs (n >= 1), got 0 values", () -> Hungarian.assign(new double[0], 2, 0));
        assertMessage("assign: needs 2 problems of 2x2 costs (n >= 1), got 7 values", () -> Hungarian.assign(new double[7], 2, 2));
        assertMessage("assign: needs 1 problems of 2x2 costs (n >= 1), got null", () -> Hungarian.assign(null, 1, 2));
    }

    // ------------------------------------------------------------------------------ rejection

    @Test
    void rejectsNull() {
        assertMessage("cost matrix is null", () -> Hungarian.solve(null));
    }

    @Test
    void rejectsEmpty() {
        assertMessage("cost matrix is empty (0 rows); Hungarian needs a non-empty square matrix",
                () -> Hungarian.solve(new double[0][]));
    }

    @Test
    void rejectsNonSquare() {
        assertMessage("cost matrix is 3x4; Hungarian needs a square matrix",
                () -> Hungarian.solve(new double[3][4]));
        assertMessage("cost matrix is 1x0; Hungarian needs a square matrix",
                () -> Hungarian.solve(new double[1][0]));
    }

    @Test
    void rejectsRaggedAndNullRows() {
        assertMessage("cost matrix is ragged: row 0 has 2 columns but row 1 has 3",
                () -> Hungarian.solve(new double[][] {{1, 2}, {1, 2, 3}}));
        assertMessage("row 1 of the cost matrix is null",
                () -> Hungarian.solve(new double[][] {{1, 2}, null}));
    }

    @Test
    void rejectsNonFiniteNamingRowAndColumn() {
        assertMessage("cost matrix has NaN at row 1, column 2; Hungarian needs finite costs",
                () -> Hungarian.solve(new double[][] {{0, 0, 0}, {0, 0, Double.NaN}, {0, 0, 0}}));
        assertMessage("cost matrix has Infinity at row 0, column 1; Hungarian needs finite costs",
                () -> Hungarian.solve(new double[][] {{0, Double.POSITIVE_INFINITY}, {0, 0}}));
        assertMessage("cost matrix has -Infinity at row 1, column 0; Hungarian needs finite costs",
                () -> Hungarian.solve(new double[][] {{0, 0}, {Double.NEGATIVE_INFINITY, 0}}));
    }

    @Test
    void solveAllNamesTheBadMatrix() {
        assertMessage("batch of cost matrices is null", () -> Hungarian.solveAll(null));
        assertMessage("costs[1]: cost matrix is 2x3; Hungarian needs a square matrix",
                () -> Hungarian.solveAll(new double[][][] {{{1}}, new double[2][3]}));
        assertMessage("costs[0]: cost matrix has NaN at row 0, column 0; Hungarian needs finite costs",
                () -> Hungarian.solveAll(new double[][][] {{{Double.NaN}}}));
        assertEquals(0, Hungarian.solveAll(new double[0][][]).length);
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(expected, e.getMessage());
    }
}
