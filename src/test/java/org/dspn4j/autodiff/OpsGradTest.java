package org.dspn4j.autodiff;

import static org.dspn4j.autodiff.Ops.*;

import java.util.Random;
import java.util.stream.Stream;

import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * First and second derivatives of every differentiable op against finite differences, in F64.
 * Each op is wrapped as f = Σ c·op(x)³ + Σ op(x) so that the Hessian is not trivially zero and the
 * second-order check exercises the op's backward rule as a recorded graph. Inputs stay away from
 * kinks (ReLU at 0, clamp bounds, Huber at ±1, sort ties).
 */
class OpsGradTest {
    private static final CpuBackend BE = new CpuBackend(2);

    @AfterAll
    static void close() {
        BE.close();
    }

    /** One case: an op applied to inputs of given shapes drawn from a value generator. */
    record Case(String name, int[][] shapes, Gen gen, GradCheck.Fn op) {
        @Override
        public String toString() {
            return name;
        }
    }

    interface Gen {
        double next(Random r);
    }

    static final Gen NORMAL = Random::nextGaussian;
    static final Gen POSITIVE = r -> 0.5 + r.nextDouble() * 2;
    /** Magnitude in [0.2, 2], random sign: away from 0. */
    static final Gen AWAY_FROM_ZERO = r -> (0.2 + 1.8 * r.nextDouble()) * (r.nextBoolean() ? 1 : -1);
    /** Away from ±1 and 0. */
    static final Gen HUBER = r -> {
        double m = r.nextBoolean() ? 0.1 + 0.8 * r.nextDouble() : 1.1 + 1.5 * r.nextDouble();
        return r.nextBoolean() ? m : -m;
    };
    /** Away from the clamp bounds ±0.5. */
    static final Gen CLAMP = r -> {
        double m = r.nextBoolean() ? 0.45 * r.nextDouble() : 0.6 + r.nextDouble();
        return r.nextBoolean() ? m : -m;
    };

    private static int[] s(int... d) {
        return d;
    }

    private static Tensor index(int[] shape, long... values) {
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = values[i];
        }
        return BE.fromHost(d, DType.I64, shape);
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("add broadcast", new int[][] {s(2, 3), s(3)}, NORMAL, x -> add(x[0], x[1])),
                new Case("sub broadcast both", new int[][] {s(2, 1, 3), s(4, 1)}, NORMAL, x -> sub(x[0], x[1])),
                new Case("mul broadcast", new int[][] {s(2, 3), s(2, 1)}, NORMAL, x -> mul(x[0], x[1])),
                new Case("div", new int[][] {s(2, 3), s(3)}, POSITIVE, x -> div(x[0], x[1])),
                new Case("div by constant", new int[][] {s(2, 3)}, NORMAL, x -> scale(x[0], 1.0 / 342)),
                new Case("neg", new int[][] {s(4)}, NORMAL, x -> neg(x[0])),
                new Case("affine", new int[][] {s(4)}, NORMAL, x -> affine(x[0], -1.5, 0.25)),
                new Case("exp", new int[][] {s(2, 2)}, NORMAL, x -> exp(x[0])),
                new Case("log", new int[][] {s(2, 2)}, POSITIVE, x -> log(x[0])),
                new Case("sqrt", new int[][] {s(2, 2)}, POSITIVE, x -> sqrt(x[0])),
                new Case("pow 2.5", new int[][] {s(3)}, POSITIVE, x -> pow(x[0], 2.5)),
                new Case("abs", new int[][] {s(5)}, AWAY_FROM_ZERO, x -> abs(x[0])),
                new Case("relu", new int[][] {s(6)}, AWAY_FROM_ZERO, x -> relu(x[0])),
                new Case("sigmoid", new int[][] {s(5)}, NORMAL, x -> sigmoid(x[0])),
                new Case("tanh", new int[][] {s(5)}, NORMAL, x -> tanh(x[0])),
                new Case("clamp", new int[][] {s(8)}, CLAMP, x -> clamp(x[0], -0.5, 0.5)),
                new Case("smoothL1 (Huber)", new int[][] {s(8)}, HUBER, x -> smoothL1(x[0])),
                new Case("sum dims 0,2", new int[][] {s(2, 3, 2)}, NORMAL, x -> sum(x[0], s(0, 2), false)),
                new Case("sum keepDim", new int[][] {s(2, 3)}, NORMAL, x -> sum(x[0], s(1), true)),
                new Case("mean", new int[][] {s(2, 3)}, NORMAL, x -> mean(x[0], s(0), false)),
                new Case("max dim 1", new int[][] {s(2, 4)}, NORMAL, x -> max(x[0], 1, false)),
                new Case("matmul 2D", new int[][] {s(3, 4), s(4, 2)}, NORMAL, x -> matmul(x[0], x[1])),
                new Case("matmul batched", new int[][] {s(2, 3, 4), s(2, 4, 2)}, NORMAL, x -> matmul(x[0], x[1])),
                new Case("matmul weight x batch (1x1 conv)", new int[][] {s(3, 4), s(2, 4, 5)}, NORMAL,
                        x -> matmul(x[0], x[1])),
                new Case("matmul A·Bᵀ, B broadcast", new int[][] {s(2, 3, 4), s(5, 4)}, NORMAL,
                        x -> matmul(x[0], false, x[1], true)),
                new Case("matmul Aᵀ·B, A broadcast", new int[][] {s(4, 3), s(2, 4, 5)}, NORMAL,
                        x -> matmul(x[0], true, x[1], false)),
                new Case("matmul Aᵀ·Bᵀ batched", new int[][] {s(2, 4, 3), s(2, 5, 4)}, NORMAL,
                        x -> matmul(x[0], true, x[1], true)),
                new Case("linear (a layer of 1x1 convolutions)", new int[][] {s(3, 4), s(2, 4, 5), s(3)}, NORMAL,
                        x -> linear(x[0], x[1], x[2], false)),
                new Case("linear with ReLU", new int[][] {s(3, 4), s(2, 4, 5), s(3)}, NORMAL,
                        x -> linear(x[0], x[1], x[2], true)),
                new Case("mlp of three layers (ReLU between)", new int[][] {s(4, 3), s(2, 3, 5), s(4), s(4, 4), s(4), s(2, 4), s(2)},
                        NORMAL, x -> mlp(x[1], new Tensor[] {x[0], x[3], x[5]}, new Tensor[] {x[2], x[4], x[6]})),
                new Case("matmulStep Aᵀ·B, A broadcast", new int[][] {s(4, 3), s(2, 4, 5), s(2, 3, 5)}, NORMAL,
                        x -> matmulStep(x[0], true, x[1], false, relu(x[2]))),
                new Case("matmulBatchSum A·Bᵀ (a weight's gradient)", new int[][] {s(2, 3, 4), s(2, 5, 4)}, NORMAL,
                        x -> matmulBatchSum(x[0], false, x[1], true)),
                new Case("reshape", new int[][] {s(2, 6)}, NORMAL, x -> mul(reshape(x[0], 3, 4), reshape(x[0], 3, 4))),
                new Case("permute", new int[][] {s(2, 3, 4)}, NORMAL, x -> permute(x[0], 2, 0, 1)),
                new Case("transpose", new int[][] {s(3, 4), s(4, 3)}, NORMAL, x -> mul(transpose(x[0], 0, 1), x[1])),
                new Case("expand (pairwise broadcast)", new int[][] {s(1, 3)}, NORMAL, x -> expand(x[0], 4, 3)),
                new Case("concat", new int[][] {s(2, 3), s(2, 2)}, NORMAL, x -> concat(1, x[0], x[1])),
                new Case("slice", new int[][] {s(3, 5)}, NORMAL, x -> slice(x[0], 1, 1, 4)),
                new Case("padSlice", new int[][] {s(2, 2)}, NORMAL, x -> padSlice(x[0], 0, 1, 4)),
                new Case("gather repeated index", new int[][] {s(2, 4)}, NORMAL,
                        x -> gather(x[0], 1, index(s(2, 3), 0, 0, 3, 2, 1, 2))),
                new Case("scatterAdd", new int[][] {s(2, 3), s(2, 2)}, NORMAL,
                        x -> scatterAdd(x[0], 1, index(s(2, 2), 0, 0, 2, 1), x[1])),
                new Case("sort + gather of interpolated weights", new int[][] {s(2, 5), s(2, 5)}, NORMAL,
                        x -> mul(sort(x[0], 1, true), x[1])),
                new Case("conv2d bias stride 2 pad 1", new int[][] {s(2, 2, 5, 5), s(3, 2, 3, 3), s(3)}, NORMAL,
                        x -> conv2d(x[0], x[1], x[2], 2, 1)),
                new Case("conv2d 2x2 no bias", new int[][] {s(1, 3, 4, 4), s(2, 3, 2, 2)}, NORMAL,
                        x -> conv2d(x[0], x[1], null, 1, 0)),
                new Case("conv2d 1x1", new int[][] {s(2, 3, 2, 2), s(4, 3, 1, 1), s(4)}, NORMAL,
                        x -> conv2d(x[0], x[1], x[2], 1, 0)),
                new Case("maxPool2d 3x3 s2 p1", new int[][] {s(1, 2, 5, 5)}, NORMAL, x -> maxPool2d(x[0], 3, 2, 1)));
    }

    private static Tensor[] inputs(Case c, long seed) {
        Random r = new Random(seed);
        double[][] data = new double[c.shapes.length][];
        for (int i = 0; i < data.length; i++) {
            int n = org.dspn4j.tensor.Shape.numel(c.shapes[i]);
            data[i] = new double[n];
            for (int j = 0; j < n; j++) {
                data[i][j] = c.gen.next(r);
            }
        }
        return GradCheck.leaves(BE, data, c.shapes);
    }

    /** f = Σ 0.3·op(x)³ + Σ op(x): non-trivial Hessian through the op's own rule. */
    private static GradCheck.Fn wrapped(Case c) {
        return x -> {
            Tensor y = c.op.apply(x);
            return add(scale(sum(pow(y, 3.0)), 0.3), sum(y));
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void firstDerivativesMatchFiniteDifferences(Case c) {
        GradCheck.first(c.name, wrapped(c), inputs(c, 11), 1e-6);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void secondDerivativesMatchFiniteDifferencesOfTheGradient(Case c) {
        GradCheck.second(c.name, wrapped(c), inputs(c, 12), 1e-6, 13);
    }

    /** The op alone, without the cubic wrapper: its plain second-order graph (often zero) matches too. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void mixedSecondDerivativesOfTheBareOpMatch(Case c) {
        GradCheck.Fn bare = x -> {
            Tensor y = c.op.apply(x);
            Random r = new Random(5);
            double[] w = new double[y.numel()];
            for (int i = 0; i < w.length; i++) {
                w[i] = r.nextGaussian();
            }
            return sum(mul(y, BE.fromHost(w, DType.F64, y.shape())));
        };
        GradCheck.second(c.name, bare, inputs(c, 14), 1e-6, 15);
    }

    /**
     * {@code linear} is one node standing for {@code relu(add(matmul(w, x), bias))}: its values, its
     * gradients and the gradients of those gradients are the composition's, bit for bit.
     */
    @org.junit.jupiter.api.Test
    void linearIsItsCompositionToTheSecondDerivative() {
        int[][] shapes = {s(6, 5), s(3, 5, 7), s(6)};
        for (boolean relu : new boolean[] {false, true}) {
            GradCheck.Fn fused = x -> linear(x[0], x[1], x[2], relu);
            GradCheck.Fn composed = x -> {
                Tensor y = add(matmul(x[0], x[1]), reshape(x[2], 6, 1));
                return relu ? relu(y) : y;
            };
            sameToTheSecondDerivative("relu=" + relu, shapes, fused, composed, 21);
        }
    }

    /** {@code scaleTwice}, one node, against its two scalings: the rule scales by s2 and then by s1, as theirs do. */
    @org.junit.jupiter.api.Test
    void scaleTwiceIsItsCompositionToTheSecondDerivative() {
        int[][] shapes = {s(3, 5, 7)};
        sameToTheSecondDerivative("scaleTwice", shapes, x -> scaleTwice(x[0], 0.1, 1.0 / 3),
                x -> scale(scale(x[0], 0.1), 1.0 / 3), 23);
    }

    /**
     * The values, gradients and second derivatives (the gradient of Σ v·g for a fixed v, through the
     * recorded first gradient) of {@code fused} and {@code composed}, wrapped as f = Σ 0.3·op³ + Σ op:
     * the same bits.
     */
    private static void sameToTheSecondDerivative(String what, int[][] shapes, GradCheck.Fn fused, GradCheck.Fn composed,
                                                  long seed) {
        Case cf = new Case("fused", shapes, NORMAL, fused);
        Case cc = new Case("composed", shapes, NORMAL, composed);
        Tensor[] xf = inputs(cf, seed);
        Tensor[] xc = inputs(cc, seed);
        Tensor[] gf = GradCheck.gradient(wrapped(cf), xf, true);
        Tensor[] gc = GradCheck.gradient(wrapped(cc), xc, true);
        Tensor[] hf = Autograd.grad(secondOrder(gf), xf, false);
        Tensor[] hc = Autograd.grad(secondOrder(gc), xc, false);
        for (int i = 0; i < xf.length; i++) {
            sameBits(what + " gradient " + i, gc[i], gf[i]);
            sameBits(what + " second derivative " + i, hc[i], hf[i]);
        }
        sameBits(what + " value", composed.apply(xc), fused.apply(xf));
    }

    /** The three-layer MLP of the tests below as the composition of matmul, add and relu. */
    private static Tensor composedMlp(Tensor[] x) {
        Tensor h = x[1];
        Tensor[] w = {x[0], x[3], x[5]};
        Tensor[] b = {x[2], x[4], x[6]};
        for (int l = 0; l < 3; l++) {
            h = add(matmul(w[l], h), reshape(b[l], b[l].numel(), 1));
            h = l < 2 ? relu(h) : h;
        }
        return h;
    }

    /**
     * {@code mlp} records one linear node per layer, each hidden ReLU's mask applied inside the next
     * layer's input-gradient product instead of by a reluBackward of its own: its values, gradients and
     * second derivatives are those of the composition of linear, add and relu, bit for bit.
     */
    @org.junit.jupiter.api.Test
    void mlpIsItsCompositionToTheSecondDerivative() {
        int[][] shapes = {s(6, 5), s(3, 5, 7), s(6), s(6, 6), s(6), s(4, 6), s(4)};
        GradCheck.Fn fused = x -> mlp(x[1], new Tensor[] {x[0], x[3], x[5]}, new Tensor[] {x[2], x[4], x[6]});
        sameToTheSecondDerivative("mlp", shapes, fused, OpsGradTest::composedMlp, 23);
    }

    /**
     * DSPN's use: the gradient with respect to the set alone, recorded, then the gradient of a function
     * of it with respect to everything. There the hidden ReLU outputs feed only the next layer, so the
     * recorded inner gradient masks inside its products (matmulStep nodes, no reluBackward), and both
     * derivatives are still the composition's, bit for bit.
     */
    @org.junit.jupiter.api.Test
    void mlpInDspnsDoubleBackwardMasksInsideTheProductsWithTheCompositionsBits() {
        int[][] shapes = {s(6, 5), s(3, 5, 7), s(6), s(6, 6), s(6), s(4, 6), s(4)};
        GradCheck.Fn fused = x -> mlp(x[1], new Tensor[] {x[0], x[3], x[5]}, new Tensor[] {x[2], x[4], x[6]});
        GradCheck.Fn composed = OpsGradTest::composedMlp;
        Tensor[][] results = new Tensor[2][];
        for (int v = 0; v < 2; v++) {
            Case c = new Case(v == 0 ? "fused" : "composed", shapes, NORMAL, v == 0 ? fused : composed);
            Tensor[] x = inputs(c, 29);
            Tensor inner = Autograd.grad(wrapped(c).apply(x), new Tensor[] {x[1]}, true)[0];
            if (v == 0) {
                java.util.List<String> ops = new java.util.ArrayList<>();
                collectOps(Node.of(inner), ops, java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
                org.junit.jupiter.api.Assertions.assertEquals(2, java.util.Collections.frequency(ops, "matmulStep"), ops.toString());
                org.junit.jupiter.api.Assertions.assertFalse(ops.contains("reluBackward"), ops.toString());
            }
            Tensor outer = sum(mul(inner, inner));
            Tensor[] g = Autograd.grad(outer, x, false);
            results[v] = java.util.Arrays.copyOf(g, g.length + 1);
            results[v][g.length] = inner;
        }
        for (int i = 0; i < results[0].length; i++) {
            sameBits(i < shapes.length ? "outer gradient " + i : "inner gradient", results[1][i], results[0][i]);
        }
    }

    private static void collectOps(Node n, java.util.List<String> ops, java.util.Set<Node> seen) {
        if (n == null || !seen.add(n)) {
            return;
        }
        ops.add(n.op);
        for (Node in : n.inputs) {
            collectOps(in, ops, seen);
        }
    }

    private static Tensor secondOrder(Tensor[] g) {
        Random r = new Random(3);
        Tensor total = null;
        for (Tensor gi : g) {
            double[] v = new double[gi.numel()];
            for (int j = 0; j < v.length; j++) {
                v[j] = r.nextGaussian();
            }
            Tensor t = sum(mul(gi, BE.fromHost(v, DType.F64, gi.shape())));
            total = total == null ? t : add(total, t);
        }
        return total;
    }

    private static void sameBits(String what, Tensor want, Tensor got) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(want.shape(), got.shape(), what);
        double[] w = want.toDoubles();
        double[] h = got.toDoubles();
        for (int i = 0; i < w.length; i++) {
            if (Double.doubleToLongBits(w[i]) != Double.doubleToLongBits(h[i])) {
                throw new AssertionError(what + ": element " + i + ": " + h[i] + ", composition " + w[i]);
            }
        }
    }
}
