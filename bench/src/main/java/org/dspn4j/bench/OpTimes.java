package org.dspn4j.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Random;

import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.cpu.FusedBatchNorm;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * CPU time of single backend ops at the MNIST DSPN step's sizes (F32, Gaussian inputs, batch 32,
 * 256 hidden channels, N = 342) and of ResNet34's 3×3 convolutions at the CLEVR step's (batch 32,
 * 128 × 128 images): the best of 7 calls after warm-up calls (at least 5, for at least half a second), on the calling thread (run with 1
 * thread, so that all the work is on it). Rows marked "the same by" time a backend's one-pass
 * version of the row above. Not a JMH benchmark: a quick table. {@code -XX:UseAVX=2} times the
 * 256-bit kernels on an AVX-512 machine; {@code -Dops=REGEX} times only the rows whose name matches
 * (the others are not run at all, so they do not shape what the JIT compiles).
 *
 * <pre>
 *   mvn -B -q -Pbench -DskipTests test-compile
 *   java --add-modules=jdk.incubator.vector -cp target/test-classes:target/classes org.dspn4j.bench.OpTimes
 * </pre>
 */
public final class OpTimes {
    private OpTimes() {
    }

    private interface Op {
        Object run();
    }

    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    /** {@code -Dops=REGEX}: time only the rows whose name matches (all by default). */
    private static final String ROWS = System.getProperty("ops", ".*");

    private static void time(String name, Op op) {
        if (!name.matches(ROWS)) {
            return;
        }
        // warm up for at least 5 calls and half a second, so that C2 has compiled the op's loops: a
        // vector loop called a few thousand times per op (ChamferVector's rows) is compiled only after
        // several calls
        long until = System.nanoTime() + 500_000_000L;
        for (int w = 0; w < 5 || System.nanoTime() < until; w++) {
            op.run();
        }
        long best = Long.MAX_VALUE;
        for (int r = 0; r < 7; r++) {
            long t0 = MX.getCurrentThreadCpuTime();
            op.run();
            best = Math.min(best, MX.getCurrentThreadCpuTime() - t0);
        }
        System.out.printf("%-44s %8.2f ms%n", name, best / 1e6);
    }

    private static double[] gauss(Random r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextGaussian();
        }
        return v;
    }

    public static void main(String[] args) {
        Random r = new Random(1);
        double[] d = new double[32 * 256 * 342];
        for (int i = 0; i < d.length; i++) {
            d[i] = r.nextGaussian();
        }
        try (CpuBackend be = new CpuBackend(1)) {
            Tensor big = be.fromHost(d, DType.F32, 32, 256, 342);
            Tensor big2 = be.fromHost(d, DType.F32, 32, 256, 342);
            Tensor small = be.slice(big, 1, 0, 64);
            Tensor w = be.reshape(be.slice(be.slice(big, 0, 0, 1), 2, 0, 256), 256, 256);
            Tensor bias = be.reshape(be.slice(be.slice(big, 0, 0, 1), 2, 0, 1), 256, 1);
            double[] u = new double[32 * 2 * 342];
            double[] v = new double[32 * 2 * 342];
            for (int i = 0; i < u.length; i++) {
                u[i] = r.nextDouble();
                v[i] = r.nextDouble();
            }
            Tensor set = be.fromHost(u, DType.F32, 32, 2, 342);
            Tensor target = be.fromHost(v, DType.F32, 32, 2, 342);
            time("matmul (256,256)·(32,256,342)", () -> be.matmul(w, big));
            time("matmul (32,256,342)·(32,342,256) (permuted)", () -> be.matmul(big, be.permute(big2, 0, 2, 1)));
            // the same product inside the step: the forward's layer (bias, ReLU) and the inner step's transposed one
            Tensor bias256 = be.reshape(be.slice(be.slice(be.slice(big, 0, 0, 1), 1, 0, 1), 2, 0, 256), 256);
            time("linear (256,256)·(32,256,342) + bias, relu", () -> be.linear(w, big, bias256, true));
            time("matmulStep (256,256)ᵀ·(32,256,342), step of (32,256,342)", () -> be.matmulStep(w, true, big, false, big2));
            // the CLEVR relation encoder's hidden product: 100 pairs per set
            Tensor w512 = be.reshape(be.slice(be.slice(big, 0, 0, 1), 2, 0, 256), 256, 256);
            Tensor pairs = be.reshape(be.slice(big, 2, 0, 100), 32, 256, 100);
            time("matmul (256,256)·(32,256,100)", () -> be.matmul(w512, pairs));
            time("permute (32,256,342) last two", () -> be.permute(big, 0, 2, 1));
            // a broadcast weight's gradient: the batch of products, then their sum
            time("sum over batch of (32,256,342)·(32,256,342)ᵀ", () -> be.sum(be.matmul(big, false, big2, true), new int[] {0}, false));
            // the weights' gradients as the steps take them (A·Bᵀ summed over the batch: both operands packed
            // through a transposing copy): MNIST's hidden and last layers, the CLEVR relation encoder's
            time("matmulBatchSum (32,256,342)·(32,256,342)ᵀ", () -> be.matmulBatchSum(big, false, big2, true));
            time("matmulBatchSum (32,64,342)·(32,256,342)ᵀ", () -> be.matmulBatchSum(small, false, big2, true));
            // MNIST's first layer (3 → 256): its weight gradient and its input gradient, three columns (computed as Cᵀ),
            // and its forward, three multiply-adds an element (row by row: Gemm.shortDepth)
            Tensor three = be.slice(big2, 1, 0, 3);
            Tensor w3 = be.reshape(be.slice(be.slice(big, 0, 0, 1), 2, 0, 3), 256, 3);
            time("matmulBatchSum (32,256,342)·(32,3,342)ᵀ", () -> be.matmulBatchSum(big, false, three, true));
            time("matmul (256,3)ᵀ·(32,256,342)", () -> be.matmul(w3, true, big, false));
            time("linear (256,3)·(32,3,342) + bias, relu", () -> be.linear(w3, three, bias256, true));
            Tensor pairs512 = be.reshape(be.slice(big, 2, 0, 200), 32, 512, 100);
            time("matmulBatchSum (32,512,100)·(32,512,100)ᵀ", () -> be.matmulBatchSum(pairs512, false, pairs512, true));
            // ReLU's backward from its output: MUL(g, STEP(y)) (and, where the backend has it, in one pass)
            time("mul(g, step(y)) (32,256,342)", () -> be.binary(Backend.Binary.MUL, big, be.unary(Backend.Unary.STEP, big2)));
            time("  the same by mulStep", () -> be.mulStep(big, big2));
            time("mul (32,256,342)", () -> be.binary(Backend.Binary.MUL, big, big2));
            time("add bias (32,256,342) + (256,1)", () -> be.binary(Backend.Binary.ADD, big, bias));
            time("step (32,256,342)", () -> be.unary(Backend.Unary.STEP, big));
            time("affine (32,256,342)", () -> be.affine(big, 0.5, 0.25));
            // the CLEVR relation encoder's x / n / n over its pairs: two scalings, or both in one pass
            Tensor hidden = be.reshape(be.slice(big, 2, 0, 200), 32, 512, 100);
            time("affine twice (32,512,100)", () -> be.affine(be.affine(hidden, 0.1, 0.0), 0.1, 0.0));
            time("  the same by scaleTwice", () -> be.scaleTwice(hidden, 0.1, 0.1));
            time("sum (32,256,342) over 0, 2", () -> be.sum(big, new int[] {0, 2}, false));
            time("sum (32,256,342) over 0", () -> be.sum(big, new int[] {0}, false));
            time("argsort (32,64,342) along 2", () -> be.argsort(small, 2, true));
            // the CLEVR relation encoder's FSPool sorts 100 pair features per channel
            Tensor pairFeatures = be.reshape(be.slice(big, 2, 0, 100), 32, 256, 100);
            time("argsort (32,256,100) along 2", () -> be.argsort(pairFeatures, 2, true));
            time("gather (32,64,342) by its argsort", () -> be.gather(small, 2, be.argsort(small, 2, true)));
            // FSPool's weighted sum in sorted order and its two gradients, by a given order (one pass each)
            Tensor order = be.argsort(small, 2, true);
            Tensor poolW = be.reshape(be.slice(be.slice(big, 0, 0, 1), 1, 0, 64), 64, 342);
            Tensor poolG = be.reshape(be.slice(be.slice(small, 2, 0, 1), 0, 0, 32), 32, 64);
            time("sortedPool (32,64,342) by its argsort", () -> be.sortedPool(small, order, poolW));
            time("sortedPoolGradX (32,64,342)", () -> be.sortedPoolGradX(poolG, poolW, order));
            time("sortedPoolGradW (32,64,342), shared weight", () -> be.sortedPoolGradW(poolG, small, order, new int[] {64, 342}));
            // the CLEVR relation encoder's: 512 channels of 100 pairs, each sample's channels 200 KB apart
            Tensor pairOrder = be.argsort(hidden, 2, true);
            Tensor pairG = be.reshape(be.slice(hidden, 2, 0, 1), 32, 512);
            time("sortedPoolGradW (32,512,100), shared weight", () -> be.sortedPoolGradW(pairG, hidden, pairOrder, new int[] {512, 100}));
            time("chamferArgmin (32,2,342), points in [0,1)", () -> be.chamferArgmin(set, target));
            // ResNet34's stem pooling at CLEVR's 128 × 128 images: 3 × 3 windows, stride 2, padding 1
            double[] stem = new double[32 * 64 * 64 * 64];
            for (int i = 0; i < stem.length; i++) {
                stem[i] = Math.max(0.0, r.nextGaussian()); // after batch norm and ReLU: about half are zeros
            }
            Tensor stemOut = be.fromHost(stem, DType.F32, 32, 64, 64, 64);
            time("maxPool2dIndices 3x3 stride 2 pad 1 (32,64,64,64)", () -> be.maxPool2dIndices(stemOut, 3, 2, 1));
            // ResNet34's batch norm (training mode) at stages 1 and 3: forward, and backward with the input's gradient
            for (int[] bs : new int[][] {{32, 64, 32, 32}, {32, 256, 8, 8}}) {
                int nb = bs[0] * bs[1] * bs[2] * bs[3];
                Tensor bx = be.fromHost(gauss(r, nb), DType.F32, bs);
                Tensor bg = be.fromHost(gauss(r, nb), DType.F32, bs);
                Tensor gamma = be.full(1.0, DType.F32, bs[1]);
                Tensor beta = be.full(0.0, DType.F32, bs[1]);
                String shape = "(" + bs[0] + "," + bs[1] + "," + bs[2] + "," + bs[3] + ")";
                time("batchNorm " + shape, () -> FusedBatchNorm.forward(bx, gamma, beta, 1e-5));
                FusedBatchNorm fb = FusedBatchNorm.forward(bx, gamma, beta, 1e-5);
                time("batchNormBackward " + shape, () -> fb.backward(bg, true));
            }
            // Adam's update of ResNet34's largest weight, (512, 512, 3, 3): parameters, gradient and both moments
            int np = 512 * 512 * 9;
            double[] pv = new double[np];
            double[] gv = new double[np];
            double[] vv = new double[np];
            for (int i = 0; i < np; i++) {
                pv[i] = r.nextGaussian() * 0.05;
                gv[i] = r.nextGaussian() * 1e-3;
                vv[i] = Math.abs(r.nextGaussian()) * 1e-6;
            }
            Tensor param = be.fromHost(pv, DType.F32, np);
            Tensor grad = be.fromHost(gv, DType.F32, np);
            Tensor m1 = be.fromHost(gv, DType.F32, np);
            Tensor m2 = be.fromHost(vv, DType.F32, np);
            double[] coef = {31.6, 1e-8, -3e-4, 0.0};
            time("adamUpdate (512,512,3,3)", () -> be.adamUpdate(param, grad, m1, m2, 0.9, 0.999, coef)[0]);
            // ResNet34's 3×3 convolutions at the CLEVR step's sizes (batch 32, 128×128 images): layer1 and layer3
            for (int[] c : new int[][] {{64, 32}, {256, 8}}) {
                int ch = c[0];
                int side = c[1];
                double[] xi = new double[32 * ch * side * side];
                double[] wi = new double[ch * ch * 9];
                for (int i = 0; i < xi.length; i++) {
                    xi[i] = r.nextGaussian();
                }
                for (int i = 0; i < wi.length; i++) {
                    wi[i] = r.nextGaussian() * 0.05;
                }
                Tensor x = be.fromHost(xi, DType.F32, 32, ch, side, side);
                Tensor wc = be.fromHost(wi, DType.F32, ch, ch, 3, 3);
                String shape = "(32," + ch + "," + side + "," + side + ")·(" + ch + "," + ch + ",3,3)";
                time("conv2d 3x3 " + shape, () -> be.conv2d(x, wc, null, 1, 1));
                time("conv2dBackwardInput 3x3 " + shape, () -> be.conv2dBackwardInput(x, wc, x.shape(), 1, 1));
                time("conv2dBackwardWeight 3x3 " + shape, () -> be.conv2dBackwardWeight(x, x, wc.shape(), 1, 1));
            }
        }
    }
}
