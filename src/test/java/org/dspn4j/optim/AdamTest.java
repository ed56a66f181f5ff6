package org.dspn4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;

import org.dspn4j.autodiff.Autograd;
import org.dspn4j.autodiff.Ops;
import org.dspn4j.nn.Parameter;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.testing.Golden;
import org.junit.jupiter.api.Test;

/** Adam against torch.optim.Adam (golden/optim.npz, float64): five steps on a cubic, moments included. */
class AdamTest {
    @Test
    void fiveStepsMatchPyTorch() {
        Golden g = Golden.load("optim.npz");
        try (CpuBackend be = new CpuBackend(1)) {
            Parameter p = new Parameter(be.fromHost(g.get("adam/p0").toDoubles(), DType.F64, 3, 4));
            Tensor w = be.fromHost(g.get("adam/w").toDoubles(), DType.F64, 3, 4);
            Map<String, Parameter> params = new LinkedHashMap<>();
            params.put("p", p);
            Adam adam = new Adam(params, 0.01);
            for (int i = 0; i < 5; i++) {
                Tensor x = p.value();
                Tensor f = Ops.sum(Ops.add(Ops.scale(Ops.pow(x, 3.0), 0.3), Ops.mul(w, x)));
                adam.step(Autograd.grad(f, new Tensor[] {x}, false));
            }
            assertEquals(5, adam.steps());
            Golden.assertClose("p after 5 steps", p.value(), g.get("adam/p5"), 1e-12);
            Golden.assertClose("exp_avg", adam.firstMoment(0), g.get("adam/exp_avg"), 1e-12);
            Golden.assertClose("exp_avg_sq", adam.secondMoment(0), g.get("adam/exp_avg_sq"), 1e-12);
        }
    }

    @Test
    void aParameterWithoutGradientIsLeftAlone() {
        try (CpuBackend be = new CpuBackend(1)) {
            Parameter a = new Parameter(be.fromHost(new double[] {1, 2}, DType.F64, 2));
            Parameter b = new Parameter(be.fromHost(new double[] {3, 4}, DType.F64, 2));
            Map<String, Parameter> params = new LinkedHashMap<>();
            params.put("a", a);
            params.put("b", b);
            Adam adam = new Adam(params, 0.1);
            adam.step(new Tensor[] {be.fromHost(new double[] {1, -1}, DType.F64, 2), null});
            assertArrayEquals(new double[] {3, 4}, b.value().toDoubles(), 0.0);
            // first step: m/(sqrt(v)+eps) = sign(g) after bias correction, so p moves by lr
            assertArrayEquals(new double[] {0.9, 2.1}, a.value().toDoubles(), 1e-7);
        }
    }
}
