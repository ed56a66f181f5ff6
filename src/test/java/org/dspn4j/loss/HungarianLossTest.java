package org.dspn4j.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.dspn4j.autodiff.Autograd;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/**
 * {@link HungarianLoss} (through {@code Backend.assign}) against a brute-force reference written
 * here: the mean over the batch of the optimal mean matched Huber cost, and its gradient, which flows
 * through the matched entries only; a non-finite prediction is refused with the message the training
 * loop stops on.
 */
class HungarianLossTest {

    private static double huber(double r) {
        return Math.abs(r) < 1 ? 0.5 * r * r : Math.abs(r) - 0.5;
    }

    /** d(i, j) of sample s: mean over channels of huber(pred[s, c, i] − target[s, c, j]). */
    private static double cost(double[] p, double[] t, int s, int c, int n, int i, int j) {
        double sum = 0;
        for (int k = 0; k < c; k++) {
            sum += huber(p[(s * c + k) * n + i] - t[(s * c + k) * n + j]);
        }
        return sum / c;
    }

    /** The optimal permutation of sample s over all n! (unique for continuous random values). */
    private static int[] best(double[] p, double[] t, int s, int c, int n) {
        int[] perm = new int[n];
        int[] bestPerm = null;
        double bestCost = Double.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        do {
            double total = 0;
            for (int i = 0; i < n; i++) {
                total += cost(p, t, s, c, n, i, perm[i]);
            }
            if (total < bestCost) {
                bestCost = total;
                bestPerm = perm.clone();
            }
        } while (next(perm));
        return bestPerm;
    }

    private static boolean next(int[] p) {
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
        int x = p[i];
        p[i] = p[j];
        p[j] = x;
        for (int a = i + 1, z = p.length - 1; a < z; a++, z--) {
            x = p[a];
            p[a] = p[z];
            p[z] = x;
        }
        return true;
    }

    @Test
    void theLossIsTheMeanOptimalMatchedCostAndItsGradientFollowsTheMatchedPairs() {
        int b = 3, c = 4, n = 6;
        Random r = new Random(2);
        double[] p = new double[b * c * n];
        double[] t = new double[b * c * n];
        for (int e = 0; e < p.length; e++) {
            p[e] = r.nextGaussian() * 1.5; // both Huber branches
            t[e] = r.nextGaussian();
        }
        try (CpuBackend cpu = new CpuBackend(1)) {
            Tensor pred = cpu.fromHost(p, DType.F64, b, c, n).requiresGrad(true);
            Tensor loss = HungarianLoss.of(pred, cpu.fromHost(t, DType.F64, b, c, n));
            double[] grad = Autograd.grad(loss, new Tensor[] {pred}, false)[0].toDoubles();
            double want = 0;
            double[] wantGrad = new double[p.length];
            for (int s = 0; s < b; s++) {
                int[] pi = best(p, t, s, c, n);
                for (int i = 0; i < n; i++) {
                    want += cost(p, t, s, c, n, i, pi[i]) / (b * n);
                    for (int k = 0; k < c; k++) {
                        double res = p[(s * c + k) * n + i] - t[(s * c + k) * n + pi[i]];
                        wantGrad[(s * c + k) * n + i] = Math.max(-1, Math.min(1, res)) / (b * n * c);
                    }
                }
            }
            // summation orders differ (autodiff's means vs the loops above): a few ulps
            assertEquals(want, loss.item(), 1e-14 * want);
            for (int e = 0; e < grad.length; e++) {
                assertEquals(wantGrad[e], grad[e], 1e-16, "gradient " + e);
            }
        }
    }

    @Test
    void aNonFinitePredictionIsRefusedWithTheMessageTrainingStopsOn() {
        try (CpuBackend cpu = new CpuBackend(1)) {
            double[] p = new double[2 * 3 * 4];
            p[1 * 12 + 2 * 4 + 1] = Double.NaN; // sample 1, channel 2, slot 1: row 1 of sample 1's costs
            Tensor pred = cpu.fromHost(p, DType.F32, 2, 3, 4);
            Tensor target = cpu.full(0.5, DType.F32, 2, 3, 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HungarianLoss.of(pred, target));
            assertEquals("assign: costs[1] has NaN at row 1, column 0; Hungarian needs finite costs of magnitude at most 2^100",
                    e.getMessage());
            assertTrue(e.getMessage().contains("Hungarian needs finite costs"), "the text ClevrExperiment.nonFiniteCosts looks for");
        }
    }
}
