package org.dspn4j.match;

import java.util.Arrays;

/**
 * The result of {@link Hungarian#solve}: a perfect matching of the n rows of a square cost matrix to
 * its n columns, and the total cost of that matching.
 *
 * <p>Immutable: the row-to-column array is copied in and out.
 */
public final class Assignment {

    private final int[] rowToCol;
    private final double cost;

    Assignment(int[] rowToCol, double cost) {
        this.rowToCol = rowToCol.clone();
        this.cost = cost;
    }

    /** Number of rows (= number of columns) of the matrix that was solved. */
    public int size() {
        return rowToCol.length;
    }

    /** The column matched to {@code row}. */
    public int col(int row) {
        return rowToCol[row];
    }

    /** A copy of the matching: entry {@code i} is the column matched to row {@code i}. */
    public int[] rowToCol() {
        return rowToCol.clone();
    }

    /**
     * Total cost Σ_i cost[i][rowToCol[i]], summed in row order from the caller's matrix entries (not
     * from the solver's potentials), so it carries no extra rounding from the dual updates.
     */
    public double cost() {
        return cost;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Assignment a
                && Arrays.equals(rowToCol, a.rowToCol)
                && Double.compare(cost, a.cost) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(rowToCol) + Double.hashCode(cost);
    }

    @Override
    public String toString() {
        return "Assignment" + Arrays.toString(rowToCol) + " cost=" + cost;
    }
}
