package org.dspn4j.tensor.cpu;

/**
 * The F32 product micro-kernel alone ({@link GemmVector#f32x8} with 512-bit vectors, {@link GemmVector#f32x5}
 * with narrower ones), on packed panels of k = 128 that stay in L1, accumulating into one tile, on 1
 * and on 2 threads at once (each with its own panels): the rate the kernel reaches when nothing but
 * its own loads and fused multiply-adds limits it, in GFLOP/s of wall time per thread after a
 * warm-up of as many calls. Against it, {@code ProductRate} shows what packing, memory and the
 * product's edges cost. {@code -XX:UseAVX=2} times the 256-bit kernel on an AVX-512 machine.
 *
 * <pre>
 *   mvn -B -q -Pbench -DskipTests test-compile
 *   java --add-modules=jdk.incubator.vector -cp target/classes:target/test-classes org.dspn4j.tensor.cpu.KernelRate
 * </pre>
 */
public final class KernelRate {
    private KernelRate() {
    }

    private static final int K = 128;
    private static final long CALLS = 1_000_000;

    public static void main(String[] args) throws InterruptedException {
        if (!Gemm.VECTOR) {
            System.out.println("KernelRate: run with --add-modules=jdk.incubator.vector");
            return;
        }
        Gemm.Kernel kern = GemmVector.preferred();
        boolean wide = kern == Gemm.Kernel.WIDE;
        int mr = kern.mr(); // the tile the kernel holds, as Gemm packs for it
        int nr = kern.nr(true);
        System.out.println(CpuVectors.describe());
        for (int threads = 1; threads <= 2; threads++) {
            double[] rate = new double[threads];
            Thread[] ts = new Thread[threads];
            for (int i = 0; i < threads; i++) {
                int id = i;
                ts[i] = new Thread(() -> {
                    float[] pa = new float[mr * K];
                    float[] pb = new float[nr * K];
                    float[] c = new float[mr * nr];
                    for (int j = 0; j < pa.length; j++) {
                        pa[j] = 1e-3f * j;
                    }
                    for (int j = 0; j < pb.length; j++) {
                        pb[j] = 1e-3f * j;
                    }
                    run(wide, pa, pb, c, nr); // warm-up: C2 compiles the kernel
                    long t0 = System.nanoTime();
                    run(wide, pa, pb, c, nr);
                    double s = (System.nanoTime() - t0) / 1e9;
                    rate[id] = CALLS * 2.0 * mr * nr * K / s / 1e9;
                });
            }
            for (Thread t : ts) {
                t.start();
            }
            for (Thread t : ts) {
                t.join();
            }
            StringBuilder line = new StringBuilder(threads + (threads == 1 ? " thread: " : " threads at once:"));
            for (double r : rate) {
                line.append(String.format(" %.0f", r));
            }
            System.out.println(line.append(" GFLOP/s per thread"));
        }
    }

    private static void run(boolean wide, float[] pa, float[] pb, float[] c, int nr) {
        for (long r = 0; r < CALLS; r++) {
            if (wide) {
                GemmVector.f32x8(pa, 0, pb, 0, nr, K, c, 0, nr, true);
            } else {
                GemmVector.f32x5(pa, 0, pb, 0, nr, K, c, 0, nr, true);
            }
        }
    }
}
