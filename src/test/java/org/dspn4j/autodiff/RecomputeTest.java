package org.dspn4j.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/**
 * {@link Recompute}: the values of the direct call, bit for bit; the gradients of the direct call
 * with respect to the inputs and the captured leaves (to rounding), and their gradients again when
 * the backward is recorded; only the inputs are kept; an undeclared leaf is refused; the second run
 * gets the first run's sort orders and, when asked, its costlier products' results (the same bits),
 * and a function whose second run sorts or multiplies otherwise is refused.
 */
class RecomputeTest {
    private final CpuBackend be = new CpuBackend(1);

    private Tensor leaf(int[] shape, double... v) {
        return be.fromHost(v, DType.F64, shape).requiresGrad(true);
    }

    /** W (2, 3), b (2): a small layer the function reads without taking it as an argument. */
    private final Tensor w = leaf(new int[] {2, 3}, 0.3, -0.7, 1.1, 0.5, 0.2, -0.4);
    private final Tensor b = leaf(new int[] {2, 1}, 0.1, -0.2);

    /**
     * {x − 0.5·∂L/∂x, L} for L = sum(tanh(W·x + b)²) · y, x (3, 4), y () — an inner gradient step, as
     * DSPN's: the function itself takes a gradient, recorded so that it can be differentiated.
     */
    private Tensor[] step(Tensor[] in) {
        Tensor x = in[0];
        Tensor y = in[1];
        Tensor h = Ops.tanh(Ops.add(Ops.matmul(w, x), b));
        Tensor loss = Ops.mul(Ops.sum(Ops.mul(h, h)), y);
        Tensor gx = Autograd.grad(loss, new Tensor[] {x}, true)[0];
        return new Tensor[] {Ops.sub(x, Ops.scale(gx, 0.5)), loss};
    }

    private Tensor[] inputs() {
        Tensor x = leaf(new int[] {3, 4}, 0.2, -0.1, 0.4, 0.9, -0.3, 0.6, 0.05, -0.8, 0.7, 0.1, -0.5, 0.3);
        Tensor y = leaf(new int[] {}, 1.3);
        return new Tensor[] {x, y};
    }

    /** Two steps, then an outer loss of both outputs: the shape of DSPN's training step. */
    private Tensor outerLoss(Function<Tensor[], Tensor[]> stepper, Tensor x, Tensor y) {
        Tensor[] s1 = stepper.apply(new Tensor[] {x, y});
        Tensor[] s2 = stepper.apply(new Tensor[] {s1[0], y});
        Tensor l = Ops.add(Ops.sum(Ops.mul(s2[0], s2[0])), Ops.mul(s1[1], s2[1]));
        return Ops.add(l, Ops.sum(Ops.mul(s1[0], s2[0])));
    }

    private Function<Tensor[], Tensor[]> recomputed() {
        return in -> Recompute.call(this::step, in, List.of(w, b));
    }

    @Test
    void valuesAreTheDirectCallsBitForBit() {
        Tensor[] in = inputs();
        Tensor[] direct = step(in);
        Tensor[] viaNode = Recompute.call(this::step, in, List.of(w, b));
        for (int i = 0; i < direct.length; i++) {
            assertArrayEquals(direct[i].shape(), viaNode[i].shape());
            assertArrayEquals(direct[i].toDoubles(), viaNode[i].toDoubles(), 0.0, "output " + i);
        }
    }

    @Test
    void gradientsOfInputsAndCapturedLeavesAreTheDirectGraphs() {
        Tensor[] in = inputs();
        Tensor[] wrt = {in[0], in[1], w, b};
        Tensor direct = outerLoss(this::step, in[0], in[1]);
        Tensor viaNode = outerLoss(recomputed(), in[0], in[1]);
        assertEquals(direct.item(), viaNode.item(), 0.0);
        Tensor[] gd = Autograd.grad(direct, wrt, false);
        Tensor[] gr = Autograd.grad(viaNode, wrt, false, false);
        String[] names = {"x", "y", "W", "b"};
        for (int i = 0; i < wrt.length; i++) {
            close("d/d" + names[i], gr[i].toDoubles(), gd[i].toDoubles(), 1e-13);
            assertTrue(maxAbs(gd[i]) > 1e-3, names[i] + "'s gradient is not trivially zero");
        }
    }

    @Test
    void aRecordedBackwardCanBeDifferentiatedAgain() {
        Tensor[] in = inputs();
        Tensor[] wrt = {in[0], w};
        // d/dW of sum((dL/dx)²): second order through the recomputed node
        Tensor gd = Autograd.grad(outerLoss(this::step, in[0], in[1]), wrt, true)[0];
        Tensor gr = Autograd.grad(outerLoss(recomputed(), in[0], in[1]), wrt, true)[0];
        close("dL/dx", gr.toDoubles(), gd.toDoubles(), 1e-13);
        Tensor hd = Autograd.grad(Ops.sum(Ops.mul(gd, gd)), new Tensor[] {w}, false)[0];
        Tensor hr = Autograd.grad(Ops.sum(Ops.mul(gr, gr)), new Tensor[] {w}, false)[0];
        close("d/dW |dL/dx|²", hr.toDoubles(), hd.toDoubles(), 1e-12);
        assertTrue(maxAbs(hd) > 1e-3);
    }

    @Test
    void theNodeKeepsItsInputsNotTheFunctionsIntermediates() throws InterruptedException {
        Tensor[] in = inputs();
        WeakReference<?>[] hidden = new WeakReference<?>[1];
        Function<Tensor[], Tensor[]> f = a -> {
            Tensor[] out = step(a);
            hidden[0] = new WeakReference<>(out[1]); // an output of the call that ran for the values
            return out;
        };
        Tensor[] out = Recompute.call(f, in, List.of(w, b));
        for (int i = 0; i < 50 && hidden[0].get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertNull(hidden[0].get(), "the forward call's graph is still reachable from the recorded node");
        Tensor g = Autograd.grad(Ops.sum(out[0]), new Tensor[] {w}, false)[0];
        assertTrue(maxAbs(g) > 1e-3);
    }

    @Test
    void anUndeclaredLeafIsRefusedNotSilentlyGivenNoGradient() {
        Tensor[] in = inputs();
        Tensor[] out = Recompute.call(this::step, in, List.of(w)); // b is read but not declared
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Autograd.grad(Ops.sum(out[0]), new Tensor[] {in[0], w, b}, false));
        assertTrue(e.getMessage().contains("neither an input nor captured"), e.getMessage());
    }

    @Test
    void withoutRecordingItIsTheDirectCall() {
        Tensor[] in = inputs();
        Tensor[] out;
        try (Autograd.Scope s = Autograd.noGrad()) {
            out = Recompute.call(a -> {
                try (Autograd.Scope on = Autograd.enableGrad()) {
                    return step(a);
                }
            }, in, List.of(w, b));
        }
        assertArrayEquals(step(in)[0].toDoubles(), out[0].toDoubles(), 0.0);
    }

    /** sum(sort(W·x along its rows) · v) for x (3, 4): a function that sorts, as FSPool does. */
    private Tensor[] sorting(Tensor[] in, List<Tensor> orders) {
        Tensor h = Ops.matmul(w, in[0]);
        Tensor perm = Ops.argsort(h, 1, true);
        orders.add(perm);
        Tensor v = be.fromHost(new double[] {1.0, -2.0, 0.5, 3.0}, DType.F64, 1, 4);
        return new Tensor[] {Ops.sum(Ops.mul(Ops.gather(h, 1, perm), v))};
    }

    @Test
    void theSecondRunGetsTheFirstRunsSortOrdersAndTheSameGradients() {
        Tensor[] in = inputs();
        List<Tensor> orders = new ArrayList<>();
        Tensor out = Recompute.call(a -> sorting(a, orders), in, List.of(w), true)[0];
        assertEquals(1, orders.size());
        Tensor[] viaNode = Autograd.grad(out, new Tensor[] {in[0], w}, false);
        assertEquals(2, orders.size(), "the function ran again in the backward");
        assertSame(orders.get(0), orders.get(1), "the second run sorted again instead of taking the first run's order");
        List<Tensor> direct = new ArrayList<>();
        Tensor d = sorting(in, direct)[0];
        assertEquals(d.item(), out.item(), 0.0);
        assertArrayEquals(direct.get(0).toDoubles(), orders.get(0).toDoubles(), 0.0);
        Tensor[] gd = Autograd.grad(d, new Tensor[] {in[0], w}, false);
        for (int i = 0; i < gd.length; i++) {
            assertArrayEquals(gd[i].toDoubles(), viaNode[i].toDoubles(), 0.0, "gradient " + i);
            assertTrue(maxAbs(gd[i]) > 1e-3);
        }
    }

    @Test
    void withoutKeepingOrOutsideARecomputationEverySortIsComputed() {
        Tensor[] in = inputs();
        List<Tensor> orders = new ArrayList<>();
        sorting(in, orders);
        sorting(in, orders);
        assertTrue(orders.get(0) != orders.get(1));
        List<Tensor> again = new ArrayList<>();
        Tensor out = Recompute.call(a -> sorting(a, again), in, List.of(w))[0];
        Tensor[] g = Autograd.grad(out, new Tensor[] {in[0], w}, false);
        assertEquals(2, again.size());
        assertTrue(again.get(0) != again.get(1), "the second run took the first run's order without being asked to");
        assertArrayEquals(again.get(0).toDoubles(), again.get(1).toDoubles(), 0.0);
        assertTrue(maxAbs(g[1]) > 1e-3);
    }

    @Test
    void aSecondRunThatSortsMoreFewerOrOtherTensorsIsRefused() {
        for (int extra : new int[] {1, -1, 0}) {
            Tensor[] in = inputs();
            int[] runs = {0};
            Tensor out = Recompute.call(a -> {
                boolean second = runs[0]++ > 0;
                Tensor h = Ops.matmul(w, a[0]);
                if (!second || extra >= 0) {
                    // the second run sorts h's transpose when extra is 0: another shape at the same call
                    Ops.argsort(second && extra == 0 ? Ops.transpose(h, 0, 1) : h, 1, false);
                }
                if (second && extra > 0) {
                    Ops.argsort(h, 0, false);
                }
                return new Tensor[] {Ops.sum(Ops.mul(h, h))};
            }, in, List.of(w), true)[0];
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> Autograd.grad(out, new Tensor[] {in[0]}, false), "extra " + extra);
            assertTrue(e.getMessage().contains("not deterministic"), e.getMessage());
        }
    }

    /** W1 (32, 2): a first layer of K = 2; W2 (3, 32): a layer of K = 32, whose results a recomputation may keep. */
    private final Tensor w1 = leaf(new int[] {32, 2}, ramp(64, 0.37));
    private final Tensor b1 = leaf(new int[] {32}, ramp(32, 0.11));
    private final Tensor w2 = leaf(new int[] {3, 32}, ramp(96, 0.23));
    private final Tensor b2 = leaf(new int[] {3}, 0.05, -0.1, 0.2);

    private static double[] ramp(int n, double step) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = Math.sin(1.0 + i * step);
        }
        return v;
    }

    /**
     * An inner gradient step through two layers, x (2, 5): h1 = relu(W1·x + b1), h2 = W2·h1 + b2, L =
     * sum(h2²)·y, {x − 0.5·∂L/∂x, L}; each run's h1 and h2 are added to {@code layers}.
     */
    private Tensor[] layered(Tensor[] in, List<Tensor> layers) {
        Tensor x = in[0];
        Tensor h1 = Ops.linear(w1, x, b1, true);
        Tensor h2 = Ops.linear(w2, h1, b2, false);
        layers.add(h1);
        layers.add(h2);
        Tensor loss = Ops.mul(Ops.sum(Ops.mul(h2, h2)), in[1]);
        Tensor gx = Autograd.grad(loss, new Tensor[] {x}, true)[0];
        return new Tensor[] {Ops.sub(x, Ops.scale(gx, 0.5)), loss};
    }

    private Tensor[] layerInputs() {
        Tensor x = leaf(new int[] {2, 5}, 0.2, -0.1, 0.4, 0.9, -0.3, 0.6, 0.05, -0.8, 0.7, 0.1);
        Tensor y = leaf(new int[] {}, 1.3);
        return new Tensor[] {x, y};
    }

    /** Two recomputed steps and an outer loss of both, the gradients of the inputs and all four leaves. */
    private Tensor[] layeredGradients(boolean keepProducts, List<Tensor> layers) {
        return layeredGradients(keepProducts ? new Recompute.Budget(Long.MAX_VALUE) : null, layers);
    }

    private Tensor[] layeredGradients(Recompute.Budget budget, List<Tensor> layers) {
        Tensor[] in = layerInputs();
        List<Tensor> captured = List.of(w1, b1, w2, b2);
        Function<Tensor[], Tensor[]> stepper = a -> Recompute.call(b -> layered(b, layers), a, captured, false, budget);
        Tensor loss = outerLoss(stepper, in[0], in[1]);
        return Autograd.grad(loss, new Tensor[] {in[0], in[1], w1, b1, w2, b2}, false);
    }

    @Test
    void theSecondRunRecordsTheFirstRunsCostlierProductsAndGivesTheSameBits() {
        List<Tensor> kept = new ArrayList<>();
        Tensor[] withKept = layeredGradients(true, kept);
        List<Tensor> computed = new ArrayList<>();
        Tensor[] without = layeredGradients(false, computed);
        // each of the two steps ran twice (values, then the backward), two layers a run
        assertEquals(8, kept.size());
        assertEquals(8, computed.size());
        for (int step = 0; step < 2; step++) {
            int first = step * 2;
            // the backward runs the second step first: its runs are at 4..5 for step 1 and 6..7 for step 0
            int second = step == 1 ? 4 : 6;
            assertTrue(kept.get(first).storage() != kept.get(second).storage(),
                    "the first layer (K = 2) is computed again");
            assertSame(kept.get(first + 1).storage(), kept.get(second + 1).storage(),
                    "the second layer (K = 32) is the first run's result, recorded again");
            assertTrue(computed.get(first + 1).storage() != computed.get(second + 1).storage(),
                    "without keepProducts every product is computed");
            assertArrayEquals(computed.get(first + 1).toDoubles(), kept.get(second + 1).toDoubles(), 0.0);
        }
        for (int i = 0; i < without.length; i++) {
            assertArrayEquals(without[i].toDoubles(), withKept[i].toDoubles(), 0.0, "gradient " + i);
            assertTrue(maxAbs(without[i]) > 1e-3, "gradient " + i + " is not zero");
        }
    }

    @Test
    void aBudgetKeepsTheResultsThatFitFirstComeFirstKeptAndTheRestAreComputedAgain() {
        // each step's second layer gives a (3, 5) F64 result, 120 bytes: room for the first step's only
        List<Tensor> layers = new ArrayList<>();
        Tensor[] withBudget = layeredGradients(new Recompute.Budget(200), layers);
        assertSame(layers.get(1).storage(), layers.get(7).storage(), "the first step's result is kept");
        assertTrue(layers.get(3).storage() != layers.get(5).storage(), "the second step's did not fit: computed again");
        assertArrayEquals(layers.get(3).toDoubles(), layers.get(5).toDoubles(), 0.0);
        Tensor[] without = layeredGradients(false, new ArrayList<>());
        for (int i = 0; i < without.length; i++) {
            assertArrayEquals(without[i].toDoubles(), withBudget[i].toDoubles(), 0.0, "gradient " + i);
        }
    }

    @Test
    void aSecondBackwardComputesTheLetGoProductsAgain() {
        Tensor[] in = layerInputs();
        List<Tensor> layers = new ArrayList<>();
        Tensor out = Recompute.call(a -> layered(a, layers), in, List.of(w1, b1, w2, b2), false, new Recompute.Budget(Long.MAX_VALUE))[1];
        Tensor[] g1 = Autograd.grad(out, new Tensor[] {in[0], w2}, false);
        Tensor[] g2 = Autograd.grad(out, new Tensor[] {in[0], w2}, false);
        assertEquals(6, layers.size());
        assertSame(layers.get(1).storage(), layers.get(3).storage(), "the first backward records the kept result");
        assertTrue(layers.get(1).storage() != layers.get(5).storage(), "the second backward computes it again");
        for (int i = 0; i < g1.length; i++) {
            assertArrayEquals(g1[i].toDoubles(), g2[i].toDoubles(), 0.0, "gradient " + i);
        }
    }

    @Test
    void aSecondRunWithMoreFewerOrOtherProductsIsRefused() {
        for (int extra : new int[] {1, -1, 0}) {
            Tensor[] in = layerInputs();
            int[] runs = {0};
            Tensor out = Recompute.call(a -> {
                boolean second = runs[0]++ > 0;
                Tensor h1 = Ops.linear(w1, a[0], b1, true);
                if (!second || extra >= 0) {
                    // the second run's product has another shape when extra is 0: W2 times h1's first 4 columns
                    Ops.linear(w2, second && extra == 0 ? Ops.slice(h1, 1, 0, 4) : h1, b2, false);
                }
                if (second && extra > 0) {
                    Ops.linear(w2, h1, b2, true);
                }
                return new Tensor[] {Ops.sum(Ops.mul(h1, h1))};
            }, in, List.of(w1, b1, w2, b2), false, new Recompute.Budget(Long.MAX_VALUE))[0];
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> Autograd.grad(out, new Tensor[] {in[0]}, false), "extra " + extra);
            assertTrue(e.getMessage().contains("not deterministic"), e.getMessage());
        }
    }

    /** |actual − expected| ≤ tol · max(1, max |expected|) elementwise. */
    private static void close(String what, double[] actual, double[] expected, double tol) {
        assertEquals(expected.length, actual.length, what);
        double floor = 1.0;
        for (double e : expected) {
            floor = Math.max(floor, Math.abs(e));
        }
        for (int k = 0; k < actual.length; k++) {
            assertEquals(expected[k], actual[k], tol * floor, what + ": element " + k + " recomputed vs direct graph");
        }
    }

    private static double maxAbs(Tensor t) {
        double m = 0;
        for (double v : t.toDoubles()) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
