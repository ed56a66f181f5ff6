package org.dspn4j.match;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Exact minimum-cost linear assignment on a square cost matrix, in O(n³).
 *
 * <p>This is the matching step of the DSPN Hungarian set loss: the authors build an N×N cost matrix
 * per sample (predicted slots × target slots, padding included) and call
 * {@code scipy.optimize.linear_sum_assignment} ({@code dspn/utils.py:hungarian_loss_per_sample at
 * be3703b}); the loss is then the mean of the matched costs. Any exact solver gives the same optimum,
 * so this one is a plain shortest-augmenting-path algorithm with row and column potentials (the
 * Jonker–Volgenant family, as scipy's is): rows are added one at a time and each is joined to the
 * matching along a shortest path in reduced costs found Dijkstra-style.
 *
 * <p><b>Tie rule.</b> When several assignments reach the optimum, the one returned is defined by the
 * procedure itself, step for step, in double arithmetic on the given values: rows are inserted in
 * increasing index order; each insertion grows a shortest-path tree over the columns in reduced costs
 * c[i][j] − u[i] − v[j], computed as {@code (c − u) − v}; a column's slack and its predecessor change
 * only on a <em>strictly</em> smaller reduced cost (the earliest tree row that reached it keeps it);
 * each step takes the unvisited column of smallest slack, the <em>lowest column index</em> among equal
 * slacks; the path to the first free column taken is flipped. For example, a matrix of equal entries
 * gives the identity. It need not be scipy's choice; the optimal cost, and so the Hungarian loss, is
 * the same for every optimal assignment. {@code Backend.assign} is this procedure on every backend
 * (on OpenCL the kernel performs the same double operations in the same order), so all backends
 * return the same assignment, bit for bit.
 *
 * <p><b>Input.</b> The matrix is validated before any work: it must be non-null, non-empty,
 * rectangular, square, and every entry must be finite (NaN and ±Infinity are rejected, naming the
 * row and column). The caller's arrays are never modified. Entries are used as given, so their
 * magnitude should stay far below {@code Double.MAX_VALUE / n} for the potentials not to overflow.
 * The batched op {@link #assign} accepts a narrower domain, the same on every backend: magnitudes of
 * at most {@link #MAX_ASSIGN_COST}.
 */
public final class Hungarian {

    /**
     * Below this much work (Σ n³ over the batch), {@link #solveAll} stays on the calling thread:
     * a batch of 32 matrices of 10×10, as in the CLEVR experiments, is far too small to gain from
     * threads.
     */
    private static final long PARALLEL_WORK = 1L << 21;

    /**
     * Largest cost magnitude {@link #assign} accepts: 2^100 (about 1.27e30). With |c| ≤ C the potentials
     * stay within (2n + 1)·C and the slacks within (4n + 3)·C, so below 2^128 for every n the device
     * solver takes; it stores them as three floats, which needs them inside float range (docs/gpu.md).
     */
    public static final double MAX_ASSIGN_COST = 0x1p100;

    private Hungarian() {
    }

    // ==================================================================================== API

    /**
     * Solves one square assignment problem exactly.
     *
     * @param cost (n, n) cost matrix, n ≥ 1, all entries finite; not modified
     * @return an optimal assignment of rows to columns and its total cost
     * @throws IllegalArgumentException if the matrix is null, empty, ragged, not square, or has a
     *                                  NaN or infinite entry
     */
    public static Assignment solve(double[][] cost) {
        validate(cost, "");
        return solveValid(cost);
    }

    /**
     * Solves a batch of independent assignment problems. The result equals calling
     * {@link #solve} on each matrix in turn (the solver is deterministic); large batches are
     * spread over the common fork-join pool. All matrices are validated before any is solved.
     *
     * @param costs B matrices, each (n_b, n_b); sizes may differ; not modified
     * @return B assignments, in the order of {@code costs}
     * @throws IllegalArgumentException if {@code costs} is null or any matrix is invalid; the
     *                                  message starts with {@code costs[b]: }
     */
    public static Assignment[] solveAll(double[][][] costs) {
        if (costs == null) {
            throw new IllegalArgumentException("batch of cost matrices is null");
        }
        for (int b = 0; b < costs.length; b++) {
            validate(costs[b], "costs[" + b + "]: ");
        }
        return solveAllValid(costs);
    }

    private static Assignment[] solveAllValid(double[][][] costs) {
        long work = 0;
        for (double[][] c : costs) {
            long n = c.length;
            work += n * n * n;
        }
        Assignment[] out = new Assignment[costs.length];
        IntStream batch = IntStream.range(0, costs.length);
        if (work >= PARALLEL_WORK && costs.length > 1) {
            batch = batch.parallel();
        }
        // Each task writes its own slot, so no synchronisation is needed beyond the stream's join.
        batch.forEach(b -> out[b] = solveValid(costs[b]));
        return out;
    }

    /**
     * The batched assignment op ({@code Backend.assign}): {@code b} problems of n×n costs, row-major in
     * one array (problem s, row i, column j at {@code (s·n + i)·n + j}), each solved by {@link #solve}'s
     * procedure (see the tie rule). All problems are validated before any is solved.
     *
     * @return the column matched to each row, {@code b·n} values (problem s, row i at {@code s·n + i})
     * @throws IllegalArgumentException when n &lt; 1, b &lt; 0, the array does not hold b·n·n values, or
     *     an entry is NaN, infinite or of magnitude above {@link #MAX_ASSIGN_COST} (the message is
     *     {@link #badCost}'s for the first such entry, problems in order, each row-major)
     */
    public static int[] assign(double[] costs, int b, int n) {
        if (n < 1 || b < 0 || costs == null || (long) b * n * n != costs.length) {
            throw new IllegalArgumentException("assign: needs " + b + " problems of " + n + "x" + n + " costs (n >= 1), got "
                    + (costs == null ? "null" : costs.length + " values"));
        }
        for (int s = 0; s < b; s++) {
            for (int e = 0; e < n * n; e++) {
                double c = costs[s * n * n + e];
                if (!(Math.abs(c) <= MAX_ASSIGN_COST)) {
                    throw new IllegalArgumentException(badCost(s, e / n, e % n, c));
                }
            }
        }
        double[][][] m = new double[b][n][n];
        for (int s = 0; s < b; s++) {
            for (int i = 0; i < n; i++) {
                System.arraycopy(costs, (s * n + i) * n, m[s][i], 0, n);
            }
        }
        Assignment[] as = solveAllValid(m);
        int[] cols = new int[b * n];
        for (int s = 0; s < b; s++) {
            for (int i = 0; i < n; i++) {
                cols[s * n + i] = as[s].col(i);
            }
        }
        return cols;
    }

    /**
     * The message every backend's {@code assign} gives for a cost outside its domain (the first one,
     * problems in order, each row-major), e.g. {@code assign: costs[1] has NaN at row 0, column 2;
     * Hungarian needs finite costs of magnitude at most 2^100}.
     */
    public static String badCost(int problem, int row, int col, double value) {
        return "assign: costs[" + problem + "] has " + value + " at row " + row + ", column " + col
                + "; Hungarian needs finite costs of magnitude at most 2^100";
    }

    // ============================================================================= validation

    private static void validate(double[][] cost, String where) {
        if (cost == null) {
            throw new IllegalArgumentException(where + "cost matrix is null");
        }
        int rows = cost.length;
        if (rows == 0) {
            throw new IllegalArgumentException(where + "cost matrix is empty (0 rows); Hungarian needs a non-empty square matrix");
        }
        for (int i = 0; i < rows; i++) {
            if (cost[i] == null) {
                throw new IllegalArgumentException(where + "row " + i + " of the cost matrix is null");
            }
        }
        int cols = cost[0].length;
        for (int i = 1; i < rows; i++) {
            if (cost[i].length != cols) {
                throw new IllegalArgumentException(where + "cost matrix is ragged: row 0 has " + cols
                        + " columns but row " + i + " has " + cost[i].length);
            }
        }
        if (rows != cols) {
            throw new IllegalArgumentException(where + "cost matrix is " + rows + "x" + cols
                    + "; Hungarian needs a square matrix");
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double c = cost[i][j];
                if (!Double.isFinite(c)) {
                    throw new IllegalArgumentException(where + "cost matrix has " + c + " at row " + i
                            + ", column " + j + "; Hungarian needs finite costs");
                }
            }
        }
    }

    // ================================================================================ solver

    /**
     * Shortest augmenting paths with potentials. Arrays are 1-based with index 0 as a virtual
     * column: {@code rowOf[0]} holds the row being inserted, which keeps the inner loops free of
     * special cases. Invariant: reduced costs c[i][j] − u[i] − v[j] are ≥ 0, and 0 on matched pairs.
     */
    private static Assignment solveValid(double[][] cost) {
        int n = cost.length;
        double[] u = new double[n + 1];        // row potentials
        double[] v = new double[n + 1];        // column potentials
        int[] rowOf = new int[n + 1];          // rowOf[j] = row matched to column j (1-based), 0 = free
        int[] prev = new int[n + 1];           // previous column on the shortest path
        double[] minSlack = new double[n + 1];
        boolean[] visited = new boolean[n + 1];

        for (int i = 1; i <= n; i++) {
            rowOf[0] = i;
            int j0 = 0;
            Arrays.fill(minSlack, Double.POSITIVE_INFINITY);
            Arrays.fill(visited, false);
            do {
                visited[j0] = true;
                int i0 = rowOf[j0];
                double delta = Double.POSITIVE_INFINITY;
                int j1 = -1;
                double[] row = cost[i0 - 1];
                for (int j = 1; j <= n; j++) {
                    if (!visited[j]) {
                        double reduced = row[j - 1] - u[i0] - v[j];
                        if (reduced < minSlack[j]) {
                            minSlack[j] = reduced;
                            prev[j] = j0;
                        }
                        if (minSlack[j] < delta) {
                            delta = minSlack[j];
                            j1 = j;
                        }
                    }
                }
                if (j1 < 0) {
                    // Only reachable if reduced costs overflowed to ±Infinity or NaN.
                    throw new ArithmeticException("Hungarian: potentials overflowed; cost magnitudes are too large");
                }
                // Move along the tree: keeps visited pairs tight, lowers the slack of the rest.
                for (int j = 0; j <= n; j++) {
                    if (visited[j]) {
                        u[rowOf[j]] += delta;
                        v[j] -= delta;
                    } else {
                        minSlack[j] -= delta;
                    }
                }
                j0 = j1;
            } while (rowOf[j0] != 0);
            // Flip the augmenting path back to the virtual column.
            do {
                int j1 = prev[j0];
                rowOf[j0] = rowOf[j1];
                j0 = j1;
            } while (j0 != 0);
        }

        int[] rowToCol = new int[n];
        for (int j = 1; j <= n; j++) {
            rowToCol[rowOf[j] - 1] = j - 1;
        }
        double total = 0;
        for (int i = 0; i < n; i++) {
            total += cost[i][rowToCol[i]];
        }
        return new Assignment(rowToCol, total);
    }
}
