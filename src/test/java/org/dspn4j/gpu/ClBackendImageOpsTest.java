package org.dspn4j.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import java.util.function.Function;

import org.dspn4j.autodiff.Autograd;
import org.dspn4j.autodiff.Ops;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.Backend.Unary;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.ReferenceBackend;
import org.dspn4j.tensor.Shape;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * conv2d, its two gradients and max-pool indices on {@link ClBackend} against their definition,
 * {@link ReferenceBackend} (F32). Max-pool indices and conv2d are exact: the device runs the
 * definition's fma chain over (c, ky, kx) (im2col, then the matrix product) and adds the bias in
 * double, rounded once. The gradients add their pieces in another order: conv2dBackwardInput adds a
 * pixel's taps in double and rounds once (the definition rounds each float addition), and
 * conv2dBackwardWeight runs one chain per image and adds the images in double (the definition runs
 * one chain over every image); each result is within K·2^-24·Σ|terms| of the exact value (K terms
 * added in float), so the two may differ by 2K·2^-24·Σ|terms| per element, Σ|terms| being the same op
 * applied to |inputs| (computed by the reference in F64).
 */
class ClBackendImageOpsTest {
    private static ClBackend cl;
    private static ReferenceBackend ref;
    private final Random rnd = new Random(9);

    @BeforeAll
    static void open() {
        cl = new ClBackend(SharedEngine.get());
        ref = new ReferenceBackend();
    }

    /** (B, Cin, H, W, Cout, k, stride, pad) */
    private static final int[][] CASES = {
            {2, 3, 7, 6, 4, 3, 1, 1},
            {1, 2, 9, 9, 3, 3, 2, 1},
            {2, 3, 8, 8, 5, 7, 2, 3},  // ResNet's stem shape, small
            {3, 4, 5, 5, 2, 1, 2, 0},  // 1x1 stride-2 downsampling
            {1, 1, 4, 4, 1, 4, 1, 0},
            // more output channels than pixels (ResNet34's last stages): the weight gradient is one
            // product over batch and pixels
            {3, 5, 3, 3, 16, 3, 1, 1},
            {2, 4, 4, 4, 12, 3, 2, 1},
            {2, 6, 4, 4, 10, 1, 2, 0},
            {1, 3, 2, 2, 7, 3, 1, 1},
    };

    @Test
    void conv2dAndItsGradientsMatchWithinFloatRounding() {
        for (int[] c : CASES) {
            int b = c[0], cin = c[1], h = c[2], w = c[3], cout = c[4], k = c[5], stride = c[6], pad = c[7];
            int ho = (h + 2 * pad - k) / stride + 1;
            int wo = (w + 2 * pad - k) / stride + 1;
            int[] xs = {b, cin, h, w};
            int[] ws = {cout, cin, k, k};
            int[] gs = {b, cout, ho, wo};
            double[] x = gaussians(Shape.numel(xs));
            double[] wt = gaussians(Shape.numel(ws));
            double[] bias = gaussians(cout);
            double[] gy = gaussians(Shape.numel(gs));
            String what = java.util.Arrays.toString(c);
            ClBackendOpsTest.check(ref, cl, "conv2d " + what, 0,
                    be -> be.conv2d(be.fromHost(x, DType.F32, xs), be.fromHost(wt, DType.F32, ws),
                            be.fromHost(bias, DType.F32, cout), stride, pad));
            ClBackendOpsTest.check(ref, cl, "conv2d without bias " + what, 0,
                    be -> be.conv2d(be.fromHost(x, DType.F32, xs), be.fromHost(wt, DType.F32, ws), null, stride, pad));
            close("conv2dBackwardInput " + what, k * k,
                    be -> be.conv2dBackwardInput(be.fromHost(gy, DType.F32, gs), be.fromHost(wt, DType.F32, ws), xs, stride, pad),
                    be -> be.conv2dBackwardInput(abs(be, gy, gs), abs(be, wt, ws), xs, stride, pad));
            close("conv2dBackwardWeight " + what, b * ho * wo,
                    be -> be.conv2dBackwardWeight(be.fromHost(x, DType.F32, xs), be.fromHost(gy, DType.F32, gs), ws, stride, pad),
                    be -> be.conv2dBackwardWeight(abs(be, x, xs), abs(be, gy, gs), ws, stride, pad));
        }
    }

    @Test
    void maxPoolIndicesAreExact() {
        int[] xs = {2, 3, 9, 8};
        double[] x = gaussians(Shape.numel(xs));
        for (int i = 0; i < x.length; i += 5) {
            x[i] = 1.0; // ties
        }
        x[7] = Double.NaN;
        for (int[] kp : new int[][] {{3, 2, 1}, {2, 2, 0}, {3, 1, 1}, {1, 1, 0}}) {
            ClBackendOpsTest.check(ref, cl, "maxPool2dIndices " + java.util.Arrays.toString(kp), 0,
                    be -> be.maxPool2dIndices(be.fromHost(x, DType.F32, xs), kp[0], kp[1], kp[2]));
        }
    }

    @Test
    void aConvolutionChainDifferentiatesTwiceLikeTheDefinition() {
        // sum(maxpool(relu(conv(x, w)))^2): first-order gradients in x and w, then the gradient of
        // |dL/dx|^2 in w (second order through conv2dBackwardInput)
        int[] xs = {2, 2, 6, 6};
        int[] ws = {3, 2, 3, 3};
        double[] x = gaussians(Shape.numel(xs));
        double[] wt = gaussians(Shape.numel(ws));
        double[][] e = chain(ref, x, xs, wt, ws);
        double[][] g = chain(cl, x, xs, wt, ws);
        for (int i = 0; i < e.length; i++) {
            double scale = 0;
            for (double v : e[i]) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int j = 0; j < e[i].length; j++) {
                if (Math.abs(e[i][j] - g[i][j]) > 1e-5 * scale) {
                    fail("output " + i + " [" + j + "]: reference " + e[i][j] + " opencl " + g[i][j] + " (scale " + scale + ")");
                }
            }
        }
    }

    private static double[][] chain(Backend be, double[] x, int[] xs, double[] wt, int[] ws) {
        Tensor tx = be.fromHost(x, DType.F32, xs).requiresGrad(true);
        Tensor tw = be.fromHost(wt, DType.F32, ws).requiresGrad(true);
        Tensor y = Ops.maxPool2d(Ops.relu(Ops.conv2d(tx, tw, null, 1, 1)), 2, 2, 0);
        Tensor loss = Ops.sum(Ops.mul(y, y));
        Tensor[] g = Autograd.grad(loss, new Tensor[] {tx, tw}, true);
        Tensor gg = Autograd.grad(Ops.sum(Ops.mul(g[0], g[0])), new Tensor[] {tw}, false)[0];
        return new double[][] {new double[] {loss.item()}, g[0].toDoubles(), g[1].toDoubles(), gg.toDoubles()};
    }

    // ---------------------------------------------------------------- helpers

    private static Tensor abs(Backend be, double[] v, int[] shape) {
        return ref.unary(Unary.ABS, ref.fromHost(v, DType.F64, shape));
    }

    /** Values within 2·terms·2^-24 × (the op on absolute values) of the definition's, element by element. */
    private static void close(String what, int terms, Function<Backend, Tensor> op, Function<Backend, Tensor> absOp) {
        Tensor e = op.apply(ref);
        Tensor g = op.apply(cl);
        assertArrayEquals(e.shape(), g.shape(), what + ": shape");
        double[] ev = e.toDoubles();
        double[] gv = g.toDoubles();
        double[] bound = absOp.apply(ref).toDoubles();
        for (int i = 0; i < ev.length; i++) {
            double tol = 2.0 * terms * Math.pow(2, -24) * bound[i];
            if (!(Math.abs(ev[i] - gv[i]) <= tol)) {
                fail(what + ": [" + i + "] reference " + ev[i] + " opencl " + gv[i] + " beyond " + tol);
            }
        }
    }

    private double[] gaussians(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextGaussian();
        }
        return x;
    }
}
