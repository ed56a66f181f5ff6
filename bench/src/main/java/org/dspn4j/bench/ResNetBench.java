package org.dspn4j.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Arrays;
import java.util.List;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.autodiff.Autograd;
import org.dspn4j.autodiff.Ops;
import org.dspn4j.model.ConvEncoder;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * Speed of the CLEVR image encoder (not a test): one forward + backward of {@link ConvEncoder}
 * (ResNet34 + head, D = 512, training-mode batch norm) on {@link CpuBackend}, the loss being the sum
 * of the (B, D) output, gradients taken for every parameter. Prints each step, the median seconds
 * per step and the peak heap (sum of the heap pools' peaks, reset after the warm-up step).
 *
 * <pre>
 *   mvn -B -q -Pbench test-compile
 *   mvn -B -q dependency:build-classpath -Dmdep.outputFile=cp.txt
 *   java -Xmx12g -cp "target/classes:target/test-classes:$(cat cp.txt)" org.dspn4j.bench.ResNetBench \
 *        [batch=32] [side=128] [dtype=F32] [steps=3] [threads=all cores]
 * </pre>
 * The PyTorch counterpart is {@code golden/generate_resnet.py --bench} (same model, loss and sizes,
 * {@code torch.set_num_threads(2)}).
 */
public final class ResNetBench {
    private ResNetBench() {
    }

    public static void main(String[] args) {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 32;
        int side = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        DType dt = args.length > 2 ? DType.valueOf(args[2]) : DType.F32;
        int steps = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : Runtime.getRuntime().availableProcessors();
        System.out.printf("ConvEncoder forward+backward: batch %d, %dx%d, %s, CpuBackend with %d threads, max heap %.1f GiB%n",
                batch, side, side, dt, threads, Runtime.getRuntime().maxMemory() / (double) (1L << 30));
        try (CpuBackend be = new CpuBackend(threads)) {
            ConvEncoder enc = new ConvEncoder(be, dt, new MersenneTwister(7), 512);
            List<Tensor> params = enc.parameterValues();
            MersenneTwister rng = new MersenneTwister(11);
            double[] img = new double[batch * 3 * side * side];
            for (int i = 0; i < img.length; i++) {
                img[i] = rng.nextDouble();
            }
            Tensor images = be.fromHost(img, dt, batch, 3, side, side);
            step(enc, images, params); // warm-up (JIT)
            resetPeaks();
            double[] secs = new double[steps];
            for (int s = 0; s < steps; s++) {
                long t0 = System.nanoTime();
                double loss = step(enc, images, params);
                secs[s] = (System.nanoTime() - t0) / 1e9;
                System.out.printf("  step %d: %.2f s (loss %.6g)%n", s, secs[s], loss);
            }
            double[] sorted = secs.clone();
            Arrays.sort(sorted);
            System.out.printf("median %.2f s/step, peak heap %.2f GiB%n", sorted[steps / 2], peakHeap() / (double) (1L << 30));
        }
    }

    private static double step(ConvEncoder enc, Tensor images, List<Tensor> params) {
        Tensor loss = Ops.sum(enc.encode(images));
        Tensor[] g = Autograd.grad(loss, params.toArray(new Tensor[0]), false);
        if (g.length != params.size()) {
            throw new IllegalStateException("missing gradients");
        }
        return loss.item();
    }

    private static void resetPeaks() {
        System.gc();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                p.resetPeakUsage();
            }
        }
    }

    private static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                sum += p.getPeakUsage().getUsed();
            }
        }
        return sum;
    }
}
