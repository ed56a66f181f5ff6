package org.dspn4j.loss;

import static org.dspn4j.autodiff.Ops.*;

import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.Tensor;

/**
 * The Hungarian set loss as the authors compute it ({@code dspn/utils.py:hungarian_loss at be3703b}):
 * per sample, the N×N cost matrix of per-element Huber costs d(i, j) ({@link Huber#pairwiseCost}) is
 * solved exactly for the minimum-cost assignment π; the loss is the mean over the N matched pairs of
 * d(i, π(i)), then the mean over the batch. The assignment is a constant to autodiff: the gradient
 * flows through the matched cost entries only. Padding slots take part like any other element.
 *
 * <p>The assignment is the backend op {@link Backend#assign}: on the CPU {@code match.Hungarian}, on
 * OpenCL a kernel that runs the same procedure on the device, so a recorded training step has no host
 * step and both backends pick the same π, ties included.
 *
 * <p>With ties the loss does not depend on which optimal assignment is used. Its gradient with
 * respect to the predictions does not either when the tie comes from identical targets (e.g. padding
 * slots), but it can otherwise (two identical predictions facing two different targets pull towards
 * whichever target each is matched to); {@link Backend#assign}'s tie rule fixes the choice.
 */
public final class HungarianLoss {
    private HungarianLoss() {
    }

    /**
     * @param pred   (B, C', N) predictions with the mask appended as a channel
     * @param target (B, C', N) targets with the mask appended
     * @return a scalar
     * @throws IllegalArgumentException when a cost is NaN, infinite or above 2^100 in magnitude (a
     *     diverged model): "… Hungarian needs finite costs …" ({@link Backend#assign})
     */
    public static Tensor of(Tensor pred, Tensor target) {
        Tensor cost = Huber.pairwiseCost(pred, target); // (B, N, N)
        int b = cost.size(0);
        int n = cost.size(1);
        Backend be = cost.backend();
        Tensor index = be.reshape(be.assign(cost), b, n, 1); // I64, a constant to autodiff
        Tensor matched = gather(cost, 2, index); // (B, N, 1)
        return mean(matched);
    }
}
