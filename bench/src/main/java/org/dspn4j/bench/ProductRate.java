package org.dspn4j.bench;

import java.util.Random;

import org.dspn4j.cli.BenchCommand;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.cpu.CpuVectors;

/**
 * The rate, in GFLOP/s of wall time (2 floating-point operations per multiply-add), at which the CPU
 * backend runs the largest matrix products and convolutions (forward and both gradients, with the
 * gradient of the output taken as the input itself) of the two training steps, on 1 and on 2
 * threads (or the thread counts given): the best of 10 calls after at least 10 warm-up calls and a
 * second of them, F32, Gaussian inputs. Divided into the GFLOP a step performs ({@code
 * bench/op_profile.sh} prints them), it gives the time the step's multiply-adds alone would take at
 * the best rate these kernels reach on the machine. {@code bench/torch_rates.py} prints the same
 * rows for PyTorch on the same machine (the library the authors' code runs on: oneDNN's
 * convolutions). Not a JMH benchmark: a quick table.
 * {@code -Drows=REGEX} times only the rows whose label it finds in.
 *
 * <pre>
 *   mvn -B -q -Pbench -DskipTests test-compile
 *   mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 *   java -XX:+UseG1GC -XX:G1HeapRegionSize=32m --add-modules=jdk.incubator.vector \
 *       -cp "target/classes:target/test-classes:$(cat target/cp.txt)" org.dspn4j.bench.ProductRate [threads ...]
 * </pre>
 */
public final class ProductRate {
    private ProductRate() {
    }

    private interface Op {
        Object run();
    }

    private static double bestSeconds(Op op) {
        // at least 10 warm-up calls and one second: on JDK 25 the first row's 10 calls (about 0.1 s) left it
        // 60 % slower on two threads than once C2 had compiled it (13.5-13.9 against 8.4 ms)
        long until = System.nanoTime() + 1_000_000_000L;
        for (int w = 0; w < 10 || System.nanoTime() < until; w++) {
            op.run();
        }
        long best = Long.MAX_VALUE;
        for (int r = 0; r < 10; r++) {
            long t0 = System.nanoTime();
            op.run();
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best / 1e9;
    }

    private static Tensor gauss(CpuBackend be, Random r, int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextGaussian();
        }
        return be.fromHost(v, DType.F32, shape);
    }

    /** {@code -Drows=REGEX} times only the rows whose label contains a match. */
    private static final java.util.regex.Pattern ROWS = java.util.regex.Pattern.compile(System.getProperty("rows", ""));

    private static void row(String what, int threads, double gflop, Op op) {
        if (!ROWS.matcher(what).find()) {
            return;
        }
        double s = bestSeconds(op);
        System.out.printf("%-58s %d thread%s %8.2f ms %6.0f GFLOP/s%n", what, threads, threads == 1 ? " " : "s", s * 1e3,
                gflop / s);
    }

    public static void main(String[] args) {
        int[] threadCounts = args.length == 0 ? new int[] {1, 2} : new int[args.length];
        for (int i = 0; i < args.length; i++) {
            threadCounts[i] = Integer.parseInt(args[i]);
        }
        System.out.println("machine: " + BenchCommand.cpuLine() + "; " + CpuVectors.describe());
        for (int threads : threadCounts) {
            Random r = new Random(1);
            try (CpuBackend be = new CpuBackend(threads)) {
                Tensor w256 = gauss(be, r, 256, 256);
                Tensor h256 = gauss(be, r, 32, 256, 342);
                row("MNIST  matmul (256,256)·(32,256,342)", threads, 2.0 * 256 * 256 * 342 * 32 / 1e9,
                        () -> be.matmul(w256, h256));
                // the MNIST encoder's weight gradient: each sample's product, summed over the batch
                row("MNIST  matmulBatchSum (32,256,342)·(32,256,342)ᵀ", threads, 2.0 * 256 * 256 * 342 * 32 / 1e9,
                        () -> be.matmulBatchSum(h256, false, h256, true));
                Tensor w512 = gauss(be, r, 512, 512);
                Tensor h512 = gauss(be, r, 32, 512, 100);
                row("CLEVR  matmul (512,512)·(32,512,100)", threads, 2.0 * 512 * 512 * 100 * 32 / 1e9,
                        () -> be.matmul(w512, h512));
                // the relation encoder's layer (bias, ReLU) and its inner step's transposed product, masked by ReLU's step
                Tensor b512 = gauss(be, r, 512);
                row("CLEVR  linear (512,512)·(32,512,100) + bias, relu", threads, 2.0 * 512 * 512 * 100 * 32 / 1e9,
                        () -> be.linear(w512, h512, b512, true));
                row("CLEVR  matmulStep (512,512)ᵀ·(32,512,100)", threads, 2.0 * 512 * 512 * 100 * 32 / 1e9,
                        () -> be.matmulStep(w512, true, h512, false, h512));
                // the same multiply-adds as a weight gradient: each problem's product, summed over the batch
                row("CLEVR  matmulBatchSum (32,512,100)·(32,512,100)ᵀ", threads, 2.0 * 512 * 512 * 100 * 32 / 1e9,
                        () -> be.matmulBatchSum(h512, false, h512, true));
                for (int[] c : new int[][] {{64, 32}, {128, 16}, {256, 8}, {512, 4}}) {
                    int ch = c[0];
                    int side = c[1];
                    Tensor x = gauss(be, r, 32, ch, side, side);
                    Tensor wc = gauss(be, r, ch, ch, 3, 3);
                    double gflop = 2.0 * 32 * side * side * ch * ch * 9 / 1e9;
                    String shape = "(32," + ch + "," + side + "," + side + ")·(" + ch + "," + ch + ",3,3)";
                    row("CLEVR  conv2d 3x3 " + shape, threads, gflop, () -> be.conv2d(x, wc, null, 1, 1));
                    row("CLEVR  conv2dBackwardInput 3x3 " + shape, threads, gflop,
                            () -> be.conv2dBackwardInput(x, wc, x.shape(), 1, 1));
                    row("CLEVR  conv2dBackwardWeight 3x3 " + shape, threads, gflop,
                            () -> be.conv2dBackwardWeight(x, x, wc.shape(), 1, 1));
                }
            }
        }
    }
}
