package org.dspn4j.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.ReferenceBackend;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/**
 * smoothL1's first and second derivatives against PyTorch's {@code smooth_l1_loss} (β = 1), whose double backward
 * takes |r| &lt; β: 0 at |r| = 1 exactly, where a clamp's rule would pass the gradient. The expected values are
 * PyTorch 1.13's, printed by
 * <pre>
 *   r = torch.tensor([-1.0, 1.0, 0.5, 2.0, -0.999, -3.0], dtype=torch.float64, requires_grad=True)
 *   g, = torch.autograd.grad(F.smooth_l1_loss(r, torch.zeros_like(r), reduction='sum'), r, create_graph=True)
 *   h, = torch.autograd.grad(g.sum(), r)   # g = [-1, 1, 0.5, 1, -0.999, -1], h = [0, 0, 1, 0, 1, 0]
 * </pre>
 */
class SmoothL1SecondDerivativeTest {
    private static final double[] R = {-1.0, 1.0, 0.5, 2.0, -0.999, -3.0};
    private static final double[] FIRST = {-1.0, 1.0, 0.5, 1.0, -0.999, -1.0};
    private static final double[] SECOND = {0, 0, 1, 0, 1, 0};

    private static void check(Backend be, DType dtype) {
        Tensor r = be.fromHost(R, dtype, R.length).requiresGrad(true);
        Tensor g = Autograd.grad(Ops.sum(Ops.smoothL1(r)), new Tensor[] {r}, true)[0];
        Tensor h = Autograd.grad(Ops.sum(g), new Tensor[] {r}, false)[0];
        double tol = dtype == DType.F32 ? 1e-7 : 0.0; // -0.999 is not a float
        assertArrayEquals(FIRST, g.toDoubles(), tol, dtype + " first derivative");
        assertArrayEquals(SECOND, h.toDoubles(), 0.0, dtype + " second derivative");
    }

    @Test
    void referenceBackend() {
        check(new ReferenceBackend(), DType.F64);
        check(new ReferenceBackend(), DType.F32);
    }

    @Test
    void cpuBackend() {
        check(new CpuBackend(1), DType.F64);
        check(new CpuBackend(1), DType.F32);
    }
}
