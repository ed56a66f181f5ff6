package org.dspn4j.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The tape's bookkeeping: backward accumulation, no-grad scopes, unused inputs, missing rules. */
class AutogradTest {
    private final CpuBackend be = new CpuBackend(1);

    private Tensor leaf(double... v) {
        return be.fromHost(v, DType.F64, v.length).requiresGrad(true);
    }

    @Test
    void backwardAccumulatesIntoLeavesLikePyTorch() {
        Tensor x = leaf(1, 2, 3);
        Autograd.backward(Ops.sum(Ops.mul(x, x)));
        assertArrayEquals(new double[] {2, 4, 6}, x.grad().toDoubles(), 0.0);
        Autograd.backward(Ops.sum(x));
        assertArrayEquals(new double[] {3, 5, 7}, x.grad().toDoubles(), 0.0);
    }

    @Test
    void nothingIsRecordedInsideNoGradAndRecordingComesBackAfter() {
        Tensor x = leaf(1, 2);
        try (Autograd.Scope s = Autograd.noGrad()) {
            assertNull(Ops.mul(x, x).node());
            try (Autograd.Scope e = Autograd.enableGrad()) {
                assertTrue(Ops.mul(x, x).requiresGrad());
            }
            assertNull(Ops.add(x, x).node());
        }
        assertTrue(Ops.mul(x, x).requiresGrad());
    }

    @Test
    void anInputTheOutputDoesNotDependOnGetsZeros() {
        Tensor x = leaf(1, 2);
        Tensor unused = leaf(5, 6, 7);
        Tensor[] g = Autograd.grad(Ops.sum(x), new Tensor[] {x, unused}, false);
        assertArrayEquals(new double[] {0, 0, 0}, g[1].toDoubles(), 0.0);
    }

    @Test
    void aMissingRuleThrowsAndNamesTheOp() {
        Tensor x = leaf(1, 2);
        Tensor y = be.unary(org.dspn4j.tensor.Backend.Unary.EXP, x);
        y.setNode(new Node("mystery", y.shape(), new Node[] {Node.of(x)}, (g, n) -> new Tensor[] {null}));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> Autograd.grad(Ops.sum(y), new Tensor[] {x}, false));
        assertTrue(e.getMessage().contains("mystery"), e.getMessage());
    }

    @Test
    void nonScalarOutputsNeedAGradOutput() {
        Tensor x = leaf(1, 2);
        assertThrows(IllegalArgumentException.class, () -> Autograd.grad(Ops.mul(x, x), new Tensor[] {x}, false));
    }
}
