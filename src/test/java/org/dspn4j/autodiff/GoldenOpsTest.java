package org.dspn4j.autodiff;

import static org.dspn4j.autodiff.Ops.*;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import org.dspn4j.io.NdArray;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.testing.Golden;
import org.dspn4j.testing.GoldenBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every op against golden/ops.npz (PyTorch, float64): values, first derivatives of
 * f = Σ 0.3·y³ + w·y, and second derivatives d/dx⟨∇f, v⟩, all at ≤ 1e-9 relative — on the CPU backend
 * and on the op set's definition ({@link GoldenBackends}).
 */
class GoldenOpsTest {
    private static final Golden G = Golden.load("ops.npz");
    private static final double TOL = 1e-9;

    private static Tensor idx(Backend be, int[] shape, long... v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return be.fromHost(d, DType.I64, shape);
    }

    static final Map<String, Function<Tensor[], Tensor>> OPS = new LinkedHashMap<>();

    static {
        OPS.put("add", x -> add(x[0], x[1]));
        OPS.put("sub", x -> sub(x[0], x[1]));
        OPS.put("mul", x -> mul(x[0], x[1]));
        OPS.put("div", x -> div(x[0], x[1]));
        OPS.put("scale", x -> scale(x[0], 1.0 / 342));
        OPS.put("neg", x -> neg(x[0]));
        OPS.put("affine", x -> affine(x[0], -1.5, 0.25));
        OPS.put("exp", x -> exp(x[0]));
        OPS.put("log", x -> log(x[0]));
        OPS.put("sqrt", x -> sqrt(x[0]));
        OPS.put("pow", x -> pow(x[0], 2.5));
        OPS.put("abs", x -> abs(x[0]));
        OPS.put("relu", x -> relu(x[0]));
        OPS.put("sigmoid", x -> sigmoid(x[0]));
        OPS.put("tanh", x -> tanh(x[0]));
        OPS.put("clamp", x -> clamp(x[0], -0.5, 0.5));
        OPS.put("smooth_l1", x -> smoothL1(x[0]));
        OPS.put("sum_dims02", x -> sum(x[0], new int[] {0, 2}, false));
        OPS.put("sum_keepdim", x -> sum(x[0], new int[] {1}, true));
        OPS.put("mean0", x -> mean(x[0], new int[] {0}, false));
        OPS.put("max1", x -> max(x[0], 1, false));
        OPS.put("matmul", x -> matmul(x[0], x[1]));
        OPS.put("bmm", x -> matmul(x[0], x[1]));
        OPS.put("matmul_bcast", x -> matmul(x[0], x[1]));
        OPS.put("reshape", x -> mul(reshape(x[0], 3, 4), reshape(x[0], 3, 4)));
        OPS.put("permute", x -> permute(x[0], 2, 0, 1));
        OPS.put("transpose", x -> mul(transpose(x[0], 0, 1), x[1]));
        OPS.put("expand", x -> expand(x[0], 4, 3));
        OPS.put("concat", x -> concat(1, x[0], x[1]));
        OPS.put("slice", x -> slice(x[0], 1, 1, 4));
        OPS.put("pad_slice", x -> padSlice(x[0], 0, 1, 4));
        OPS.put("gather", x -> gather(x[0], 1, idx(x[0].backend(), new int[] {2, 3}, 0, 0, 3, 2, 1, 2)));
        OPS.put("scatter_add", x -> scatterAdd(x[0], 1, idx(x[0].backend(), new int[] {2, 2}, 0, 0, 2, 1), x[1]));
        OPS.put("sort_weights", x -> mul(sort(x[0], 1, true), x[1]));
        OPS.put("conv2d_s2p1", x -> conv2d(x[0], x[1], x[2], 2, 1));
        OPS.put("conv2d_2x2", x -> conv2d(x[0], x[1], null, 1, 0));
        OPS.put("conv2d_1x1", x -> conv2d(x[0], x[1], x[2], 1, 0));
        OPS.put("max_pool", x -> maxPool2d(x[0], 3, 2, 1));
    }

    static Stream<Arguments> cases() {
        return OPS.keySet().stream().flatMap(op -> GoldenBackends.names().map(be -> Arguments.of(op, be)));
    }

    @Test
    void everyGoldenCaseHasAJavaOpAndViceVersa() {
        java.util.Set<String> golden = new java.util.TreeSet<>();
        for (String k : G.keys("")) {
            if (!k.startsWith("meta/")) {
                golden.add(k.substring(0, k.indexOf('/')));
            }
        }
        assertEquals(golden, new java.util.TreeSet<>(OPS.keySet()));
    }

    private static Tensor t(Backend be, NdArray a, boolean grad) {
        Tensor x = be.fromHost(a.toDoubles(), DType.F64, a.shape());
        return grad ? x.requiresGrad(true) : x;
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void valuesGradientsAndSecondOrderMatchPyTorch(String name, String backend) {
        Backend be = GoldenBackends.get(backend);
        Function<Tensor[], Tensor> op = OPS.get(name);
        int n = G.keys(name + "/x").size();
        Tensor[] x = new Tensor[n];
        Tensor[] v = new Tensor[n];
        for (int i = 0; i < n; i++) {
            x[i] = t(be, G.get(name + "/x" + i), true);
            v[i] = t(be, G.get(name + "/v" + i), false);
        }
        Tensor w = t(be, G.get(name + "/w"), false);
        Tensor y = op.apply(x);
        Golden.assertClose(name + " value", y, G.get(name + "/out"), TOL);
        Tensor f = add(scale(sum(pow(y, 3.0)), 0.3), sum(mul(w, y)));
        Tensor[] g = Autograd.grad(f, x, true);
        Tensor h = null;
        for (int i = 0; i < n; i++) {
            Golden.assertClose(name + " grad" + i, g[i], G.get(name + "/grad" + i), TOL);
            Tensor term = sum(mul(g[i], v[i]));
            h = h == null ? term : add(h, term);
        }
        Tensor[] hv = Autograd.grad(h, x, false);
        for (int i = 0; i < n; i++) {
            Golden.assertClose(name + " hvp" + i, hv[i], G.get(name + "/hvp" + i), TOL);
        }
    }
}
