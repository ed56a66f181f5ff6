package org.dspn4j.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.experiment.Compute;
import org.dspn4j.experiment.TrainStep;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.optim.Adam;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code dspn4j bench mnist-step}: the time and peak memory of one MNIST DSPN training step
 * (decode with createGraph, Chamfer over T+1 steps, outer backward, Adam) at the paper's size, and,
 * with {@code --pytorch}, bench/mnist_step.py in a separate process on the same machine.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time one MNIST DSPN training step (batch 32, N = 342, T = 10) here, and PyTorch's with --pytorch.")
public final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "WHAT", description = "mnist-step")
    String what;

    @Option(names = "--batch", defaultValue = "32")
    int batch;

    @Option(names = "--steps", defaultValue = "3", description = "timed steps after one warm-up (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--dtype", defaultValue = "f32")
    String dtype;

    @Option(names = "--threads", description = "CPU threads (default: all processors)")
    Integer threads;

    @Mixin
    BackendOptions compute = new BackendOptions();

    @Option(names = "--pytorch", description = "also run bench/mnist_step.py with this python (e.g. /usr/bin/python3)")
    String python;

    @Override
    public Integer call() throws Exception {
        if (!"mnist-step".equals(what)) {
            throw new IllegalArgumentException("bench: unknown benchmark '" + what + "' (mnist-step)");
        }
        int th = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        DType dt = TrainCommand.parseDtype(dtype);
        double[] times = new double[steps];
        String where;
        try (Compute c = compute.choice().open(dt, th, System.out)) {
            Backend be = c.backend();
            where = c.kind().equals("cpu") ? th + " threads" : c.deviceLine();
            ModelConfig cfg = ModelConfig.paper(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.DSPN).withDtype(dt);
            Net net = new Net(be, cfg, new MersenneTwister(0), null);
            TrainStep step = new TrainStep(net, new Adam(net.namedParameters(), 0.01));
            Random r = new Random(0);
            for (int i = 0; i <= steps; i++) {
                double[] s = new double[batch * 2 * 342];
                double[] m = new double[batch * 342];
                for (int b = 0; b < batch; b++) {
                    int n = 100 + r.nextInt(150);
                    for (int j = 0; j < n; j++) {
                        s[(b * 2) * 342 + j] = r.nextDouble();
                        s[(b * 2 + 1) * 342 + j] = r.nextDouble();
                        m[b * 342 + j] = 1;
                    }
                }
                Tensor ts = be.fromHost(s, dt, batch, 2, 342);
                Tensor tm = be.fromHost(m, dt, batch, 342);
                long t0 = System.nanoTime();
                step.run(null, ts, tm);
                if (i > 0) {
                    times[i - 1] = (System.nanoTime() - t0) / 1e9;
                }
            }
        }
        double median = median(times);
        double rss = peakRssMb();
        System.out.printf(Locale.ROOT, "dspn4j  %s batch %d, %s: median %.2f s/step %s, peak RSS %.0f MB%n",
                dtype, batch, where, median, Arrays.toString(times), rss);
        if (python != null) {
            Process p = new ProcessBuilder(python, "bench/mnist_step.py", "--batch", Integer.toString(batch), "--steps",
                    Integer.toString(steps), "--threads", Integer.toString(th)).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            int rc = p.waitFor();
            if (rc != 0) {
                throw new IOException("bench/mnist_step.py failed (" + rc + "):\n" + out);
            }
            String json = out.substring(out.lastIndexOf('{'));
            double pt = field(json, "median_s");
            double prss = field(json, "peak_rss_mb");
            System.out.printf(Locale.ROOT, "pytorch float32 batch %d, %d threads: median %.2f s/step, peak RSS %.0f MB%n",
                    batch, th, pt, prss);
            System.out.printf(Locale.ROOT, "ratio dspn4j/pytorch: time %.2f, memory %.2f%n", median / pt, rss / prss);
        }
        return 0;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
    }

    /** Peak resident memory of this process (Linux VmHWM), in MB; NaN elsewhere. */
    static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }

    private static double field(String json, String key) {
        int i = json.indexOf("\"" + key + "\"");
        int c = json.indexOf(':', i);
        int e = c + 1;
        while (e < json.length() && "0123456789.eE+- ".indexOf(json.charAt(e)) >= 0) {
            e++;
        }
        return Double.parseDouble(json.substring(c + 1, e).trim());
    }
}
