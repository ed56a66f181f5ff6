package org.dspn4j.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.dspn4j.autodiff.Ops;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The {@link ClBackend} slice against the CPU reference (F32), on PoCL in CI: the same op chain
 * through {@link Ops} on both backends, intermediate results staying in the device arena.
 */
class ClBackendTest {
    private static double[] random(Random r, int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = r.nextGaussian();
        }
        return d;
    }

    /** sum(relu(A·B + C) * D): every op of the slice, results kept on the backend between ops. */
    private static double chain(Backend be, double[] a, double[] b, double[] c, double[] d) {
        Tensor ta = be.fromHost(a, DType.F32, 7, 5);
        Tensor tb = be.fromHost(b, DType.F32, 5, 9);
        Tensor tc = be.fromHost(c, DType.F32, 7, 9);
        Tensor td = be.fromHost(d, DType.F32, 63);
        Tensor h = Ops.relu(Ops.add(Ops.matmul(ta, tb), tc));
        return Ops.sum(Ops.mul(Ops.reshape(h, 63), td)).item();
    }

    @Test
    void opChainMatchesTheCpuBackend() {
        ClBackend cl = new ClBackend(SharedEngine.get());
        Random r = new Random(1);
        double[] a = random(r, 35);
        double[] b = random(r, 45);
        double[] c = random(r, 63);
        double[] d = random(r, 63);
        try (CpuBackend cpu = new CpuBackend(1)) {
            double expected = chain(cpu, a, b, c, d);
            double actual = chain(cl, a, b, c, d);
            // float32 products and sums in a different order: a few ulps of the magnitudes involved
            assertEquals(expected, actual, 1e-5 * (1 + Math.abs(expected)));
        }
    }

    @Test
    void elementwiseOpsAreExactAndRoundTripsAreLossless() {
        ClBackend cl = new ClBackend(SharedEngine.get());
        Random r = new Random(2);
        double[] x = random(r, 1000);
        double[] y = random(r, 1000);
        try (CpuBackend cpu = new CpuBackend(1)) {
            for (Backend.Binary op : new Backend.Binary[] {Backend.Binary.ADD, Backend.Binary.MUL}) {
                double[] e = cpu.binary(op, cpu.fromHost(x, DType.F32, 1000), cpu.fromHost(y, DType.F32, 1000)).toDoubles();
                double[] g = cl.binary(op, cl.fromHost(x, DType.F32, 1000), cl.fromHost(y, DType.F32, 1000)).toDoubles();
                assertArrayEquals(e, g, 0.0, op.name());
            }
            double[] e = cpu.unary(Backend.Unary.RELU, cpu.fromHost(x, DType.F32, 10, 100)).toDoubles();
            assertArrayEquals(e, cl.unary(Backend.Unary.RELU, cl.fromHost(x, DType.F32, 10, 100)).toDoubles(), 0.0);
            assertArrayEquals(cpu.fromHost(x, DType.F32, 1000).toDoubles(), cl.fromHost(x, DType.F32, 1000).toDoubles(), 0.0);
        }
    }

    @Test
    void unreachableTensorsGiveTheirArenaRangesBack() throws InterruptedException {
        ClEngine engine = SharedEngine.get();
        ClBackend cl = new ClBackend(engine);
        long before = engine.arena().liveFloats();
        for (int i = 0; i < 200; i++) {
            cl.full(1.0, DType.F32, 4096);
        }
        for (int k = 0; k < 50 && engine.arena().liveFloats() > before; k++) {
            System.gc();
            Thread.sleep(20);
        }
        assertTrue(engine.arena().liveFloats() <= before, "live floats " + engine.arena().liveFloats() + " > " + before);
    }

    @Test
    void garbageTensorsAreCollectedWhenTheArenaRunsFull() {
        ClEngine engine = SharedEngine.get();
        ClBackend cl = new ClBackend(engine);
        // three arenas' worth of unreachable 4 MB tensors: the heap never feels them, so without the
        // collection that a failed allocation triggers, the arena would run out after a third
        int n = 1 << 20;
        int count = (int) (3 * engine.arena().capacity() / n);
        for (int i = 0; i < count; i++) {
            cl.full(i, DType.F32, n);
        }
        assertEquals(7.0, cl.full(7.0, DType.F32, n).toDoubles()[n - 1], 0.0);
    }

    @Test
    void f64IsRefused() {
        ClBackend cl = new ClBackend(SharedEngine.get());
        assertThrows(IllegalArgumentException.class, () -> cl.full(1.0, DType.F64, 2));
        assertThrows(IllegalArgumentException.class, () -> cl.cast(cl.full(1.0, DType.F32, 2), DType.F64));
    }
}
