package org.dspn4j.gpu;

import java.util.List;
import java.util.Locale;
import java.util.Random;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.autodiff.Autograd;
import org.dspn4j.autodiff.Ops;
import org.dspn4j.model.ConvEncoder;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * The CLEVR image encoder (ResNet34 trunk + head, batch norm in training mode) on ClBackend against
 * CpuBackend: forward, sum of squares of the latent, gradients of every parameter; prints the time
 * of each backend, the device's per-op profile and the largest differences (not a unit test: the
 * 22 M parameters do not fit the tests' 64 MB arena). Usage:
 * {@code ConvEncoderTiming [B=2] [H=W=65] [device]}; opens a 1 GB arena (run with -Xmx5g).
 * <p>Built by the {@code bench} Maven profile: {@code mvn -B -q -Pbench test-compile} (classes in target/test-classes).
 */
public final class ConvEncoderTiming {

    private ConvEncoderTiming() {
    }

    public static void main(String[] args) {
        int b = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int hw = args.length > 1 ? Integer.parseInt(args[1]) : 65;
        DeviceSelector selector = DeviceSelector.parse(args.length > 2 ? args[2] : null);
        try (ClEngine e = ClEngine.open(selector, 1 << 28, ClEngine.DEFAULT_STAGING_FLOATS);
             CpuBackend cpu = new CpuBackend()) {
            System.out.printf(Locale.ROOT, "ConvEncoder F32, images (%d, 3, %d, %d), latent 16; device %s%n", b, hw, hw,
                    e.device().describe());
            double[][] c = run(cpu, b, hw);
            e.resetProfile();
            double[][] g = run(new ClBackend(e), b, hw);
            System.out.print(e.profile());
            String[] names = {"latent", "gradient of the stem conv weight", "gradient of the last parameter"};
            for (int k = 0; k < c.length; k++) {
                double scale = 0;
                double diff = 0;
                for (int i = 0; i < c[k].length; i++) {
                    scale = Math.max(scale, Math.abs(c[k][i]));
                    diff = Math.max(diff, Math.abs(c[k][i] - g[k][i]));
                }
                System.out.printf(Locale.ROOT, "%-34s max |cpu - opencl| %.2e of max |cpu| %.2e (%.1e)%n", names[k] + ":",
                        diff, scale, diff / scale);
            }
        }
    }

    private static double[][] run(Backend be, int b, int hw) {
        ConvEncoder enc = new ConvEncoder(be, DType.F32, new MersenneTwister(4), 16);
        Random r = new Random(1);
        double[] img = new double[b * 3 * hw * hw];
        for (int i = 0; i < img.length; i++) {
            img[i] = r.nextDouble();
        }
        Tensor x = be.fromHost(img, DType.F32, b, 3, hw, hw);
        long t0 = System.nanoTime();
        Tensor z = enc.encode(x);
        List<Tensor> params = enc.parameterValues();
        Tensor[] g = Autograd.grad(Ops.sum(Ops.mul(z, z)), params.toArray(new Tensor[0]), false);
        double[][] out = {z.toDoubles(), g[0].toDoubles(), g[g.length - 1].toDoubles()};
        System.out.printf(Locale.ROOT, "%-40s forward + backward %.0f ms%n", be.name() + ":", (System.nanoTime() - t0) / 1e6);
        return out;
    }
}
