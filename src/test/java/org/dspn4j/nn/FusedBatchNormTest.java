package org.dspn4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Random;

import org.dspn4j.autodiff.Autograd;
import org.dspn4j.autodiff.Ops;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.ReferenceBackend;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.cpu.FusedBatchNorm;
import org.junit.jupiter.api.Test;

/**
 * The CPU backend's fused training-mode batch norm against its definition (the composition of
 * primitive ops in {@link BatchNorm2d#definition}, on the CPU backend and on {@link ReferenceBackend}) bit
 * for bit: the output, the running statistics,
 * the gradients of x, γ and β from a backward that does not record, and second derivatives through a
 * createGraph backward — at several shapes (odd sizes, planes not a multiple of four), at 1 and 3
 * threads.
 */
class FusedBatchNormTest {
    /** (B, C, H, W) taking the fused path. */
    private static final int[][] SHAPES = {{2, 2, 1, 2}, {2, 3, 4, 5}, {4, 8, 7, 7}, {3, 5, 2, 3}, {5, 2, 3, 3}, {2, 16, 4, 4}, {2, 3, 1, 7}};

    private static Tensor gauss(CpuBackend be, Random r, double scale, double shift, int... shape) {
        double[] d = new double[org.dspn4j.tensor.Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) {
            d[i] = r.nextGaussian() * scale + shift;
        }
        return be.fromHost(d, DType.F32, shape);
    }

    private static void assertSameBits(Tensor want, Tensor got, String what) {
        assertArrayEquals(want.shape(), got.shape(), what);
        float[] w = want.toFloats();
        float[] g = got.toFloats();
        for (int i = 0; i < w.length; i++) {
            if (Float.floatToRawIntBits(w[i]) != Float.floatToRawIntBits(g[i])) {
                throw new AssertionError(what + ": element " + i + " differs: " + w[i] + " (definition) vs " + g[i] + " (fused)");
            }
        }
    }

    private static Tensor onto(ReferenceBackend ref, Tensor t) {
        return ref.fromHost(t.toDoubles(), t.dtype(), t.shape());
    }

    private static BatchNorm2d module(CpuBackend be, Tensor w, Tensor b) {
        BatchNorm2d bn = new BatchNorm2d(be, DType.F32, w.numel());
        bn.namedParameters().get("weight").set(w);
        bn.namedParameters().get("bias").set(b);
        return bn;
    }

    @Test
    void valueRunningStatisticsAndGradientsAreTheDefinitions() {
        for (int threads : new int[] {1, 3}) {
            try (CpuBackend be = new CpuBackend(threads)) {
                for (int[] s : SHAPES) {
                    check(be, s, threads);
                }
            }
        }
    }

    @Test
    void valuesThatCancelInTheSumsGiveTheDefinitions() {
        // values with pairs ±2^40 among them, whose sums in double are not exact, so that adding in another
        // order than the definition's (CpuBackend.sum's four interleaved partial sums per row) changes bits
        try (CpuBackend be = new CpuBackend(2)) {
            for (int[] s : new int[][] {{3, 2, 5, 7}, {2, 2, 16, 16}, {2, 3, 6, 6}}) {
                check(be, s, 2, true);
            }
        }
    }

    private static void check(CpuBackend be, int[] s, int threads) {
        check(be, s, threads, false);
    }

    /** t with pairs of ±2^40 in a quarter of its places (for {@code wide}: x and the downstream weight q). */
    private static Tensor spread(CpuBackend be, Random r, Tensor t) {
        double[] d = t.toDoubles();
        for (int i = 0; i + 1 < d.length; i++) {
            if (r.nextInt(4) == 0) {
                // a pair that cancels, in neighbouring partial sums: what is left of the small values around
                // it depends on which partial sums held them
                d[i] = Math.scalb(1.0, 40);
                d[++i] = -Math.scalb(1.0, 40);
            }
        }
        return be.fromHost(d, DType.F32, t.shape());
    }

    private static void check(CpuBackend be, int[] s, int threads, boolean wide) {
        String at = java.util.Arrays.toString(s) + ", " + threads + " threads" + (wide ? ", with pairs of ±2^40" : "");
        Random r = new Random(s[0] * 1000 + s[1] * 100 + s[2] * 10 + s[3]);
        int c = s[1];
        // an input with a non-zero mean, so that x − μ rounds; a downstream weight for a non-uniform gradient
        Tensor x0 = gauss(be, r, 2.0, 0.7, s);
        Tensor w = gauss(be, r, 0.5, 1.0, c).requiresGrad(true);
        Tensor b = gauss(be, r, 0.5, 0.0, c).requiresGrad(true);
        Tensor q = gauss(be, r, 1.0, 0.0, s);
        if (wide) {
            x0 = spread(be, r, x0);
            q = spread(be, r, q);
        }
        Tensor p = gauss(be, r, 1.0, 0.0, s);

        // definition
        Tensor xd = x0.detach().requiresGrad(true);
        Tensor[] def = BatchNorm2d.definition(xd, Ops.reshape(w, 1, c, 1, 1), Ops.reshape(b, 1, c, 1, 1));
        // the running statistics of the definition, through the module's own update
        Tensor[] gd = Autograd.grad(Ops.sum(Ops.mul(def[0], q)), new Tensor[] {xd, w, b}, false);

        // fused, through the module
        assertNotNull(FusedBatchNorm.forward(x0, w, b, BatchNorm2d.EPS), at + ": not on the fused path");
        Tensor xf = x0.detach().requiresGrad(true);
        BatchNorm2d bn = module(be, w, b);
        Tensor y = bn.forward(xf);
        assertSameBits(def[0], y, at + " y");
        Tensor[] gf = Autograd.grad(Ops.sum(Ops.mul(y, q)), new Tensor[] {xf, bn.namedParameters().get("weight").value(),
            bn.namedParameters().get("bias").value()}, false);
        assertSameBits(gd[0], gf[0], at + " gradient of x");
        assertSameBits(gd[1], gf[1], at + " gradient of weight");
        assertSameBits(gd[2], gf[2], at + " gradient of bias");

        // the same definition on the reference backend (the op set's plain definitions), value and gradients
        ReferenceBackend ref = new ReferenceBackend();
        Tensor xr = onto(ref, x0).requiresGrad(true);
        Tensor wr = onto(ref, w).requiresGrad(true);
        Tensor br = onto(ref, b).requiresGrad(true);
        Tensor[] defRef = BatchNorm2d.definition(xr, Ops.reshape(wr, 1, c, 1, 1), Ops.reshape(br, 1, c, 1, 1));
        Tensor[] gr = Autograd.grad(Ops.sum(Ops.mul(defRef[0], onto(ref, q))), new Tensor[] {xr, wr, br}, false);
        assertSameBits(defRef[0], y, at + " y against the reference backend");
        assertSameBits(gr[0], gf[0], at + " gradient of x against the reference backend");
        assertSameBits(gr[1], gf[1], at + " gradient of weight against the reference backend");
        assertSameBits(gr[2], gf[2], at + " gradient of bias against the reference backend");

        // running statistics: the module's update from the fused statistics against the definition's μ and σ²
        FusedBatchNorm f = FusedBatchNorm.forward(x0, w, b, BatchNorm2d.EPS);
        assertSameBits(def[1], f.mean(), at + " mean");
        assertSameBits(def[2], f.var(), at + " variance");

        // second order: d/dx Σ p·(dL/dx), dL/dx recorded (createGraph)
        Tensor xd2 = x0.detach().requiresGrad(true);
        Tensor[] def2 = BatchNorm2d.definition(xd2, Ops.reshape(w, 1, c, 1, 1), Ops.reshape(b, 1, c, 1, 1));
        Tensor gxd = Autograd.grad(Ops.sum(Ops.mul(def2[0], q)), new Tensor[] {xd2}, true)[0];
        Tensor[] hd = Autograd.grad(Ops.sum(Ops.mul(gxd, p)), new Tensor[] {xd2, w}, false);
        Tensor xf2 = x0.detach().requiresGrad(true);
        BatchNorm2d bn2 = module(be, w, b);
        Tensor y2 = bn2.forward(xf2);
        Tensor gxf = Autograd.grad(Ops.sum(Ops.mul(y2, q)), new Tensor[] {xf2}, true)[0];
        assertSameBits(gxd, gxf, at + " recorded gradient of x");
        Tensor[] hf = Autograd.grad(Ops.sum(Ops.mul(gxf, p)), new Tensor[] {xf2, bn2.namedParameters().get("weight").value()}, false);
        assertSameBits(hd[0], hf[0], at + " second derivative in x");
        assertSameBits(hd[1], hf[1], at + " second derivative in x and weight");
    }

    @Test
    void theModulesRunningStatisticsAreTheDefinitions() {
        try (CpuBackend be = new CpuBackend(2)) {
            Random r = new Random(3);
            int[] s = {4, 6, 5, 5};
            Tensor x = gauss(be, r, 3.0, -1.5, s);
            Tensor w = gauss(be, r, 0.5, 1.0, 6);
            Tensor b = gauss(be, r, 0.5, 0.0, 6);
            BatchNorm2d fusedModule = module(be, w, b);
            fusedModule.forward(x);
            fusedModule.forward(Ops.affine(x, 0.5, 2.0));
            // the same two updates from the definition's statistics, on a module whose forward composes (F64 is never fused)
            Tensor[] d1 = BatchNorm2d.definition(x, Ops.reshape(w, 1, 6, 1, 1), Ops.reshape(b, 1, 6, 1, 1));
            Tensor[] d2 = BatchNorm2d.definition(Ops.affine(x, 0.5, 2.0), Ops.reshape(w, 1, 6, 1, 1), Ops.reshape(b, 1, 6, 1, 1));
            long n = 4L * 25;
            Tensor rm = be.full(0.0, DType.F32, 6);
            Tensor rv = be.full(1.0, DType.F32, 6);
            for (Tensor[] d : new Tensor[][] {d1, d2}) {
                Tensor m = Ops.reshape(d[1], 6);
                Tensor unbiased = Ops.reshape(Ops.affine(d[2], (double) n / (n - 1), 0.0), 6);
                rm = Ops.add(Ops.affine(m, BatchNorm2d.MOMENTUM, 0.0), Ops.affine(rm, 1.0 - BatchNorm2d.MOMENTUM, 0.0));
                rv = Ops.add(Ops.affine(unbiased, BatchNorm2d.MOMENTUM, 0.0), Ops.affine(rv, 1.0 - BatchNorm2d.MOMENTUM, 0.0));
            }
            assertSameBits(rm, fusedModule.namedBuffers().get("running_mean").value(), "running_mean");
            assertSameBits(rv, fusedModule.namedBuffers().get("running_var").value(), "running_var");
        }
    }

    @Test
    void shapesWhoseSumsTakeAnotherOrderAndOtherDtypesCompose() {
        try (CpuBackend be = new CpuBackend(1)) {
            Random r = new Random(1);
            Tensor w = gauss(be, r, 1, 0, 3);
            Tensor b = gauss(be, r, 1, 0, 3);
            assertNull(FusedBatchNorm.forward(gauss(be, r, 1, 0, 4, 3, 1, 1), w, b, BatchNorm2d.EPS), "H·W = 1");
            assertNull(FusedBatchNorm.forward(gauss(be, r, 1, 0, 1, 3, 2, 2), w, b, BatchNorm2d.EPS), "B = 1");
            Tensor w1 = gauss(be, r, 1, 0, 1);
            assertNull(FusedBatchNorm.forward(gauss(be, r, 1, 0, 2, 1, 2, 2), w1, w1, BatchNorm2d.EPS), "C = 1");
            Tensor x64 = be.fromHost(new double[24], DType.F64, 2, 3, 2, 2);
            assertNull(FusedBatchNorm.forward(x64, be.cast(w, DType.F64), be.cast(b, DType.F64), BatchNorm2d.EPS), "F64");
        }
    }
}
