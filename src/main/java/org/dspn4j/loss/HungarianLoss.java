package org.dspn4j.loss;

import static org.dspn4j.autodiff.Ops.*;

import org.dspn4j.match.Assignment;
import org.dspn4j.match.Hungarian;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * The Hungarian set loss as the authors compute it (spec §3.2): per sample, the N×N cost matrix of
 * per-element Huber costs d(i, j) ({@link Huber#pairwiseCost}) is solved exactly for the
 * minimum-cost assignment π; the loss is the mean over the N matched pairs of d(i, π(i)), then the
 * mean over the batch. The assignment is a constant to autodiff: the gradient flows through the
 * matched cost entries only. Padding slots take part like any other element.
 *
 * <p>The assignment is a host step ({@link org.dspn4j.tensor.Backend#hostStep}): on a device backend
 * only the (B, N, N) cost matrices go down and the (B, N, 1) indices come up, also inside a recorded
 * task graph, whose replays solve the new costs.
 *
 * <p>With ties (e.g. identical padding targets) any optimal assignment may be returned; the loss
 * and its gradient with respect to the predictions do not depend on the choice (spec §12).
 */
public final class HungarianLoss {
    private HungarianLoss() {
    }

    /**
     * @param pred   (B, C', N) predictions with the mask appended as a channel
     * @param target (B, C', N) targets with the mask appended
     * @return a scalar
     */
    public static Tensor of(Tensor pred, Tensor target) {
        Tensor cost = Huber.pairwiseCost(pred, target); // (B, N, N)
        int b = cost.size(0);
        int n = cost.size(1);
        // a host step: the cost matrices go to the host, the column indices come back (a constant to
        // autodiff); a recorded task graph runs it again, on the new costs, at every replay
        Tensor index = cost.backend().hostStep(cost, c -> assignment(c, b, n), DType.I64, b, n, 1);
        Tensor matched = gather(cost, 2, index); // (B, N, 1)
        return mean(matched);
    }

    /** The exact assignment of each of the b row-major n×n cost matrices: π(i) for every row, as (b, n) values. */
    static double[] assignment(double[] c, int b, int n) {
        double[][][] costs = new double[b][n][n];
        for (int s = 0; s < b; s++) {
            for (int i = 0; i < n; i++) {
                System.arraycopy(c, (s * n + i) * n, costs[s][i], 0, n);
            }
        }
        Assignment[] as = Hungarian.solveAll(costs);
        double[] cols = new double[b * n];
        for (int s = 0; s < b; s++) {
            int[] r2c = as[s].rowToCol();
            for (int i = 0; i < n; i++) {
                cols[s * n + i] = r2c[i];
            }
        }
        return cols;
    }
}
