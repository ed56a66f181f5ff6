package org.dspn4j.loss;

import static org.dspn4j.autodiff.Ops.*;

import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.Tensor;

/**
 * The Chamfer set loss as the authors compute it ({@code dspn/utils.py:chamfer_loss} at be3703b;
 * docs/reference-behaviour.md §3): with d(i, j) the per-element Huber cost
 * ({@link Huber#pairwiseCost}),
 * <pre>
 *   L_cha(Ŷ, Y) = (1/N) Σ_j min_i d(i, j) + (1/N) Σ_i min_j d(i, j)
 * </pre>
 * averaged over the batch. Every one of the N slots takes part (padding included, as zero vectors
 * with mask 0). The gradient of each min goes to the first minimising element.
 */
public final class ChamferLoss {
    private ChamferLoss() {
    }

    /**
     * @param pred   (…, C', N) — e.g. (K, B, C+1, N) for the K = T+1 DSPN steps
     * @param target (…, C', N), broadcast against pred's leading dimensions
     * @return the loss per leading index, averaged over the batch and slots: (K) for a (K, B, C', N) pred
     */
    public static Tensor perStep(Tensor pred, Tensor target) {
        int r = pred.rank();
        int[] shape = pred.shape();
        Backend be = pred.backend();
        Tensor y = expand(target, shape);
        // NOTE: the authors materialise every pairwise cost (…, C', N, N); we find the nearest
        // neighbours first (a constant, like a sort permutation) and differentiate only the matched
        // costs. The value and every derivative are the same: the gradient of a min goes to its argmin.
        // The neighbours are chosen on costs in double, so in F32 two costs within a float rounding of each other
        // may pick another neighbour than the all-pairs form's float costs (a value change of that rounding only).
        Tensor idx = be.chamferArgmin(pred, y); // (…, 2, N)
        Tensor nearestPred = be.expand(be.slice(idx, r - 2, 0, 1), shape);   // for each target j: argmin_i
        Tensor nearestTarget = be.expand(be.slice(idx, r - 2, 1, 2), shape); // for each pred i: argmin_j
        Tensor costToTarget = mean(smoothL1(sub(gather(pred, r - 1, nearestPred), y)), new int[] {r - 2}, false);
        Tensor costToPred = mean(smoothL1(sub(pred, gather(y, r - 1, nearestTarget))), new int[] {r - 2}, false);
        Tensor both = add(costToTarget, costToPred); // (…, N): added slot by slot, as the authors
        return both.rank() <= 2 ? mean(both) : mean(both, new int[] {both.rank() - 2, both.rank() - 1}, false);
    }

    /**
     * The Chamfer loss computed the authors' way, from the full pairwise cost tensor (…, N, N); kept
     * as the reference that {@link #perStep} is tested against.
     */
    static Tensor perStepPairwise(Tensor pred, Tensor target) {
        Tensor cost = Huber.pairwiseCost(pred, target); // (…, N, M)
        int r = cost.rank();
        Tensor minOverPred = neg(max(neg(cost), r - 2, false));   // (…, M)
        Tensor minOverTarget = neg(max(neg(cost), r - 1, false)); // (…, N)
        Tensor both = add(minOverPred, minOverTarget);
        return both.rank() <= 2 ? mean(both) : mean(both, new int[] {both.rank() - 2, both.rank() - 1}, false);
    }

    /**
     * Appends the mask as one more channel (docs/reference-behaviour.md §3, "--mask-feature"):
     * (B, C, N), (B, N) → (B, C+1, N).
     */
    public static Tensor withMask(Tensor set, Tensor mask) {
        return concat(1, set, unsqueeze(mask, 1));
    }
}
