package org.dspn4j.model;

import static org.dspn4j.autodiff.Ops.add;
import static org.dspn4j.autodiff.Ops.mul;
import static org.dspn4j.autodiff.Ops.pow;
import static org.dspn4j.autodiff.Ops.scale;
import static org.dspn4j.autodiff.Ops.sort;
import static org.dspn4j.autodiff.Ops.sum;
import static org.dspn4j.model.PermutedGolden.permute;

import java.util.List;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.dspn4j.autodiff.Autograd;
import org.dspn4j.io.NdArray;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.testing.Golden;

/**
 * FSPool's core, y = sort↓(x) ⊙ w along the set axis ({@code FSPool.forward}: the sorted values times
 * the position weights, then summed), against the golden op case {@code sort_weights} of
 * golden/ops.npz (independent PyTorch, float64: x0 (2, 5) sorted along axis 1, times x1; the
 * value, first derivatives of f = Σ 0.3·y³ + w·y, and second derivatives d/dx⟨∇f, v⟩). jqwik
 * permutes the 5 elements of each row of x0 (and of its direction v0): y, ∂f/∂x1 and d/dx1⟨∇f, v⟩
 * must equal the golden ones unchanged (invariance), ∂f/∂x0 and d/dx0⟨∇f, v⟩ the golden ones
 * permuted like x0 (equivariance of the gradient). The golden x0 is continuous normal noise, so
 * its elements are distinct: no tie.
 */
interface PermutedGoldenOpContract {
    Golden OPS = Golden.load("ops.npz");

    Backend backend();

    DType dtype();

    /** Relative tolerance (of each tensor's largest golden magnitude). */
    double opTolerance();

    @Provide
    default Arbitrary<List<Perm>> rowsOfX0() {
        int[] s = OPS.get("sort_weights/x0").shape();
        return Perm.perSample(s[0], s[1]);
    }

    @Property
    default void sortAndWeighOfPermutedGoldenRows(@ForAll("rowsOfX0") List<Perm> rows) {
        Golden g = OPS;
        String p = "sort_weights/";
        int moved = 0;
        for (Perm r : rows) {
            moved += r.moved();
        }
        Statistics.label("permuted").collect(moved == 0 ? "nothing (identity)" : "rows of x0");
        Tensor x0 = tensor(permute(g.get(p + "x0"), 0, null, 1, rows), true);
        Tensor x1 = tensor(g.get(p + "x1"), true);
        Tensor v0 = tensor(permute(g.get(p + "v0"), 0, null, 1, rows), false);
        Tensor v1 = tensor(g.get(p + "v1"), false);
        Tensor w = tensor(g.get(p + "w"), false);
        Tensor y = mul(sort(x0, 1, true), x1);
        double tol = opTolerance();
        String what = "sort_weights " + rows;
        Golden.assertClose(what + " value", y, g.get(p + "out"), tol);
        Tensor f = add(scale(sum(pow(y, 3.0)), 0.3), sum(mul(w, y)));
        Tensor[] x = {x0, x1};
        Tensor[] grad = Autograd.grad(f, x, true);
        Golden.assertClose(what + " grad0", grad[0], permute(g.get(p + "grad0"), 0, null, 1, rows), tol);
        Golden.assertClose(what + " grad1", grad[1], g.get(p + "grad1"), tol);
        Tensor h = add(sum(mul(grad[0], v0)), sum(mul(grad[1], v1)));
        Tensor[] hv = Autograd.grad(h, x, false);
        Golden.assertClose(what + " hvp0", hv[0], permute(g.get(p + "hvp0"), 0, null, 1, rows), tol);
        Golden.assertClose(what + " hvp1", hv[1], g.get(p + "hvp1"), tol);
    }

    private Tensor tensor(NdArray a, boolean grad) {
        Tensor t = backend().fromHost(a.toDoubles(), dtype(), a.shape());
        return grad ? t.requiresGrad(true) : t;
    }
}
