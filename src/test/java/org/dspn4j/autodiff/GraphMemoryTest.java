package org.dspn4j.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;

import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * What the recorded graph keeps alive: only the tensors a backward rule reads (as PyTorch's saved
 * tensors), never an input merely because an op consumed it. The gradients stay right.
 */
class GraphMemoryTest {
    private final CpuBackend be = new CpuBackend(1);

    private Tensor leaf(double... v) {
        return be.fromHost(v, DType.F64, v.length).requiresGrad(true);
    }

    private Tensor constant(double... v) {
        return be.fromHost(v, DType.F64, v.length);
    }

    /** Collects garbage until {@code ref} is cleared or enough tries have passed; returns whether it was. */
    private static boolean collected(WeakReference<?> ref) throws InterruptedException {
        for (int i = 0; i < 50 && ref.get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        return ref.get() == null;
    }

    /** y = f(a), a = 2p + 1 an intermediate; the caller keeps y (and so the graph) but not a. */
    private interface Op {
        Tensor apply(Tensor a);
    }

    private Tensor[] graphWithoutHoldingTheIntermediate(Tensor p, Op f, WeakReference<?>[] aRef) {
        Tensor a = Ops.affine(p, 2.0, 1.0); // its own rule keeps nothing
        aRef[0] = new WeakReference<>(a);
        return new Tensor[] {f.apply(a)};
    }

    @Test
    void reluKeepsItsOutputButNotItsInput() throws InterruptedException {
        Tensor p = leaf(-1.0, 0.5, 2.0);
        WeakReference<?>[] aRef = new WeakReference<?>[1];
        Tensor y = graphWithoutHoldingTheIntermediate(p, Ops::relu, aRef)[0];
        assertNull(collected(aRef[0]) ? null : aRef[0].get(), "relu's pre-activation is still reachable from the graph");
        // d/dp sum(relu(2p + 1)) = 2 where 2p + 1 > 0
        assertArrayEquals(new double[] {0, 2, 2}, Autograd.grad(Ops.sum(y), new Tensor[] {p}, false)[0].toDoubles(), 0.0);
    }

    @Test
    void addKeepsNoInput() throws InterruptedException {
        Tensor p = leaf(1, 2, 3);
        Tensor c = constant(4, 5, 6);
        WeakReference<?>[] aRef = new WeakReference<?>[1];
        Tensor y = graphWithoutHoldingTheIntermediate(p, a -> Ops.add(a, c), aRef)[0];
        assertNull(collected(aRef[0]) ? null : aRef[0].get(), "add's input is still reachable from the graph");
        assertArrayEquals(new double[] {2, 2, 2}, Autograd.grad(Ops.sum(y), new Tensor[] {p}, false)[0].toDoubles(), 0.0);
    }

    @Test
    void mulKeepsTheFactorAGradientNeedsAndNotTheOther() throws InterruptedException {
        Tensor p = leaf(1, 2, 3);
        WeakReference<Tensor> cRef = new WeakReference<>(constant(4, 5, 6));
        WeakReference<?>[] aRef = new WeakReference<?>[1];
        // a requires gradients and c does not: a's gradient reads c, c's gradient (never asked for) would read a
        Tensor y = graphWithoutHoldingTheIntermediate(p, a -> Ops.mul(a, cRef.get()), aRef)[0];
        assertNull(collected(aRef[0]) ? null : aRef[0].get(), "mul kept a factor that no gradient reads");
        System.gc();
        assertNotNull(cRef.get(), "mul dropped the factor its gradient reads");
        assertArrayEquals(new double[] {8, 10, 12}, Autograd.grad(Ops.sum(y), new Tensor[] {p}, false)[0].toDoubles(), 0.0);
    }

    @Test
    void secondDerivativesThroughReluAndProductsFromTheSavedTensorsAlone() throws InterruptedException {
        // h = relu(W·a), a = 2p + 1 not held by the caller (the product keeps it for W's gradient, relu
        // keeps h, not W·a); the gradient wrt W taken with createGraph, then differentiated wrt p
        Tensor w = be.fromHost(new double[] {1, -2, 3, 0.5}, DType.F64, 2, 2).requiresGrad(true);
        Tensor p = be.fromHost(new double[] {0.5, -1, 2, 1.5}, DType.F64, 2, 2).requiresGrad(true);
        WeakReference<?>[] aRef = new WeakReference<?>[1];
        WeakReference<?>[] preRef = new WeakReference<?>[1];
        Tensor h = graphWithoutHoldingTheIntermediate(p, a -> {
            Tensor pre = Ops.matmul(w, a);
            preRef[0] = new WeakReference<>(pre);
            return Ops.relu(pre);
        }, aRef)[0];
        assertNull(collected(preRef[0]) ? null : preRef[0].get(), "relu's pre-activation is still reachable from the graph");
        Tensor gw = Autograd.grad(Ops.sum(Ops.mul(h, h)), new Tensor[] {w}, true)[0];
        double[] got = Autograd.grad(Ops.sum(gw), new Tensor[] {p}, false)[0].toDoubles();
        // by hand: a = [[2, -1], [5, 4]], W·a = [[-8, -9], [8.5, -1]], relu passes only (1, 0);
        // Σ dL/dW = 2 (W·a)_10 (a_00 + a_10), whose derivative wrt a_k0 is 2 (W_1k · 7 + 8.5), × 2 for p
        assertArrayEquals(new double[] {2 * 2 * (3 * 7 + 8.5), 0, 2 * 2 * (0.5 * 7 + 8.5), 0}, got, 1e-12);
    }

    @Test
    void aBackwardThatDoesNotRetainTheGraphLetsGoOfWhatItSaved() throws InterruptedException {
        Tensor p = leaf(1, 2, 3);
        WeakReference<Tensor> cRef = new WeakReference<>(constant(4, 5, 6));
        Tensor y = Ops.sum(Ops.mul(Ops.affine(p, 2.0, 1.0), cRef.get())); // mul saves c for p's gradient
        // retained (the default): c stays, and the graph can be differentiated twice
        double[] first = Autograd.grad(y, new Tensor[] {p}, false)[0].toDoubles();
        System.gc();
        assertNotNull(cRef.get(), "a retained graph dropped a saved tensor");
        // not retained: the same gradient, then the saved c is garbage although y (and its graph) is still held
        assertArrayEquals(first, Autograd.grad(y, new Tensor[] {p}, false, false)[0].toDoubles(), 0.0);
        assertArrayEquals(new double[] {8, 10, 12}, first, 0.0);
        assertNull(collected(cRef) ? null : cRef.get(), "the freed graph still holds mul's saved factor");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Autograd.grad(y, new Tensor[] {p}, false));
        assertTrue(e.getMessage().startsWith("the graph was freed by an earlier backward"), e.getMessage());
    }
}
