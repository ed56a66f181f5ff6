package org.dspn4j.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * F32 matrix product and convolution of the CPU backend, next to EJML's single-precision matrix
 * product on the same shapes in the same run. Shapes are the ones DSPN uses: the MNIST set encoder's
 * 1×1 convolution as a product (256×256)·(256×342), its weight gradient (256×342)·(342×256) — also
 * as A·Bᵀ with B stored (256×342), the form the backward rule uses — and a ResNet34 stage-3 3×3
 * convolution at 128×128 input (B = 4, 256 channels, 8×8) with both of its gradients.
 * Run with {@code bench/run.sh}; GFLOP/s = 2·M·K·N / time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-XX:+UseG1GC", "-Xmx4g", "--add-modules=jdk.incubator.vector"})
public class CpuKernelsBench {
    /** "M,K,N". */
    @Param({"256,256,342", "256,342,256"})
    public String mkn;

    @Param({"1", "2"})
    public int threads;

    private CpuBackend be;
    private Tensor a;
    private Tensor b;
    private FMatrixRMaj ea;
    private FMatrixRMaj eb;
    private FMatrixRMaj ec;
    private Tensor bt;
    private FMatrixRMaj ebt;
    private Tensor y;
    private Tensor x;
    private Tensor w;

    @Setup(Level.Trial)
    public void setup() {
        String[] p = mkn.split(",");
        int m = Integer.parseInt(p[0]);
        int k = Integer.parseInt(p[1]);
        int n = Integer.parseInt(p[2]);
        Random r = new Random(1);
        double[] ad = new double[m * k];
        double[] bd = new double[k * n];
        ea = new FMatrixRMaj(m, k);
        eb = new FMatrixRMaj(k, n);
        ec = new FMatrixRMaj(m, n);
        for (int i = 0; i < ad.length; i++) {
            ad[i] = r.nextGaussian();
            ea.data[i] = (float) ad[i];
        }
        for (int i = 0; i < bd.length; i++) {
            bd[i] = r.nextGaussian();
            eb.data[i] = (float) bd[i];
        }
        be = new CpuBackend(threads);
        a = be.fromHost(ad, DType.F32, m, k);
        b = be.fromHost(bd, DType.F32, k, n);
        bt = be.permute(b, 1, 0); // (N, K): B stored transposed
        ebt = new FMatrixRMaj(n, k);
        CommonOps_FDRM.transpose(eb, ebt);
        double[] xd = new double[4 * 256 * 8 * 8];
        double[] wd = new double[256 * 256 * 9];
        for (int i = 0; i < xd.length; i++) {
            xd[i] = r.nextGaussian();
        }
        for (int i = 0; i < wd.length; i++) {
            wd[i] = r.nextGaussian();
        }
        x = be.fromHost(xd, DType.F32, 4, 256, 8, 8);
        w = be.fromHost(wd, DType.F32, 256, 256, 3, 3);
        y = be.conv2d(x, w, null, 1, 1);
    }

    @TearDown(Level.Trial)
    public void close() {
        be.close();
    }

    @Benchmark
    public Tensor matmulDspn4j() {
        return be.matmul(a, b);
    }

    @Benchmark
    public FMatrixRMaj matmulEjml() {
        CommonOps_FDRM.mult(ea, eb, ec); // EJML is single-threaded
        return ec;
    }

    /** A·Bᵀ with B stored (N, K), read through strides. */
    @Benchmark
    public Tensor matmulTransBDspn4j() {
        return be.matmul(a, false, bt, true);
    }

    @Benchmark
    public FMatrixRMaj matmulTransBEjml() {
        CommonOps_FDRM.multTransB(ea, ebt, ec);
        return ec;
    }

    /** 2·B·Cout·Ho·Wo·Cin·9 = 2·4·256·64·256·9 = 302 MFLOP (each of the three). */
    @Benchmark
    public Tensor conv2dDspn4j() {
        return be.conv2d(x, w, null, 1, 1);
    }

    @Benchmark
    public Tensor conv2dBackwardInputDspn4j() {
        return be.conv2dBackwardInput(y, w, x.shape(), 1, 1);
    }

    @Benchmark
    public Tensor conv2dBackwardWeightDspn4j() {
        return be.conv2dBackwardWeight(x, y, w.shape(), 1, 1);
    }
}
