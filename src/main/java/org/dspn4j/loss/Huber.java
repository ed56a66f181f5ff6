package org.dspn4j.loss;

import static org.dspn4j.autodiff.Ops.*;

import org.dspn4j.tensor.Tensor;

/**
 * Huber loss with β = 1 (PyTorch's {@code smooth_l1_loss}): h(r) = ½r² for |r| &lt; 1, else
 * |r| − ½. The authors use it for every loss, not a squared error (docs/reference-behaviour.md §1).
 */
public final class Huber {
    private Huber() {
    }

    /** Mean of h(pred − target) over every element (PyTorch's {@code reduction="mean"}); shape (). */
    public static Tensor mean(Tensor pred, Tensor target) {
        return org.dspn4j.autodiff.Ops.mean(smoothL1(sub(pred, target)));
    }

    /**
     * The element cost matrix d(i, j) = (1/C') Σ_c h(ŷ_{c,i} − y_{c,j}), the mean over channels of
     * the elementwise Huber ({@code dspn/utils.py:chamfer_loss}, {@code hungarian_loss} at be3703b;
     * docs/reference-behaviour.md §3).
     *
     * @param pred   (…, C', N) predictions (mask appended as a channel by the caller)
     * @param target (…, C', M) targets
     * @return (…, N, M)
     */
    public static Tensor pairwiseCost(Tensor pred, Tensor target) {
        Tensor diff = sub(unsqueeze(pred, -1), unsqueeze(target, -2)); // (…, C', N, M)
        int channelDim = diff.rank() - 3;
        return org.dspn4j.autodiff.Ops.mean(smoothL1(diff), new int[] {channelDim}, false);
    }
}
