package org.dspn4j.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.dspn4j.autodiff.Autograd;
import org.dspn4j.loss.ChamferLoss;
import org.dspn4j.loss.ChamferLossAccess;
import org.dspn4j.loss.HungarianLoss;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.Tensor;

/**
 * Invariances and bounds of the Chamfer and Hungarian set losses as the authors define them
 * (docs/reference-behaviour.md §3): both ignore separate permutations of prediction and target,
 * Hungarian(Y, Y·Π) = 0, Hungarian ≥ ½·Chamfer (each matched cost is at least its row's and its
 * column's minimum), and the fused Chamfer equals the all-pairs form.
 */
class SetLossProperties {
    static final CpuBackend BE = new CpuBackend(1);

    private static Tensor[] pair(Random r) {
        Tensor pred = ChamferLoss.withMask(Slots.randomSet(BE, r, 2, 3, 6), Slots.softMask(BE, r, 2, 6));
        Tensor mask = Slots.paddedMask(BE, r, 2, 6);
        Tensor target = ChamferLoss.withMask(Slots.zeroPadding(Slots.randomSet(BE, r, 2, 3, 6), mask), mask);
        return new Tensor[] {pred, target};
    }

    @Property(tries = 25)
    void bothLossesIgnoreSeparatePermutationsOfPredictionAndTarget(@ForAll long seed) {
        Random r = new Random(seed);
        Tensor[] pt = pair(r);
        Tensor p2 = Slots.permute(pt[0], Slots.randomPermutation(r, 6));
        Tensor t2 = Slots.permute(pt[1], Slots.randomPermutation(r, 6));
        assertEquals(ChamferLoss.perStep(pt[0], pt[1]).item(), ChamferLoss.perStep(p2, t2).item(), 1e-14);
        assertEquals(HungarianLoss.of(pt[0], pt[1]).item(), HungarianLoss.of(p2, t2).item(), 1e-14);
    }

    @Property(tries = 25)
    void hungarianOfASetAndItsPermutationIsZero(@ForAll long seed) {
        Random r = new Random(seed);
        Tensor y = pair(r)[1];
        assertEquals(0.0, HungarianLoss.of(y, Slots.permute(y, Slots.randomPermutation(r, 6))).item(), 0.0);
    }

    @Property(tries = 25)
    void hungarianIsAtLeastHalfTheChamfer(@ForAll long seed) {
        Tensor[] pt = pair(new Random(seed));
        double h = HungarianLoss.of(pt[0], pt[1]).item();
        double c = ChamferLoss.perStep(pt[0], pt[1]).item();
        assertTrue(h >= 0.5 * c - 1e-15, "Hungarian " + h + " < Chamfer/2 " + c / 2);
    }

    /** The nearest-neighbour Chamfer equals the authors' all-pairs form in value and gradient. */
    @Property(tries = 25)
    void fusedChamferEqualsThePairwiseForm(@ForAll long seed) {
        Random r = new Random(seed);
        Tensor[] pt = pair(r);
        Tensor[] steps = new Tensor[3];
        for (int k = 0; k < 3; k++) {
            steps[k] = org.dspn4j.autodiff.Ops.unsqueeze(Slots.permute(pt[0], Slots.randomPermutation(r, 6)), 0);
        }
        Tensor pred = org.dspn4j.autodiff.Ops.concat(0, steps).requiresGrad(true); // (K=3, B, C', N)
        Tensor fused = ChamferLoss.perStep(pred, pt[1]);
        Tensor reference = ChamferLossAccess.pairwise(pred, pt[1]);
        Slots.assertClose("value", fused, reference, 1e-14);
        Tensor w = BE.fromHost(new double[] {0.3, -1.0, 2.0}, fused.dtype(), 3);
        Tensor gf = Autograd.grad(org.dspn4j.autodiff.Ops.sum(org.dspn4j.autodiff.Ops.mul(fused, w)), new Tensor[] {pred}, false)[0];
        Tensor gr = Autograd.grad(org.dspn4j.autodiff.Ops.sum(org.dspn4j.autodiff.Ops.mul(reference, w)), new Tensor[] {pred}, false)[0];
        Slots.assertClose("gradient", gf, gr, 1e-14);
    }
}
