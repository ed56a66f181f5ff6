package org.dspn4j.bench;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.autodiff.Autograd;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.optim.Adam;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * What the recorded autodiff graph of one MNIST DSPN training step keeps alive (not a test): the
 * step of {@code dspn4j bench mnist-step} (batch 32, N = 342, T = 10, F32, same data), with the live
 * heap measured after full collections just before the step and at its peak — forward and loss
 * recorded, outer backward not yet run. With {@code org.dspn4j.autodiff.SavedTensors} on the class
 * path it also lists the tensor data the backward rules keep, by op.
 *
 * <pre>
 *   mvn -B -q -Pbench test-compile
 *   mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 *   java -XX:+UseG1GC --add-modules=jdk.incubator.vector \
 *        -cp "target/classes:target/test-classes:$(cat target/cp.txt)" org.dspn4j.bench.GraphLiveSet [steps=2]
 * </pre>
 */
public final class GraphLiveSet {
    private GraphLiveSet() {
    }

    private static long liveHeap() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int batch = 32;
        DType dt = DType.F32;
        try (CpuBackend be = new CpuBackend(Runtime.getRuntime().availableProcessors())) {
            ModelConfig cfg = ModelConfig.paper(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.DSPN).withDtype(dt);
            Net net = new Net(be, cfg, new MersenneTwister(0), null);
            Adam adam = new Adam(net.namedParameters(), 0.01);
            Random r = new Random(0);
            for (int i = 0; i < steps; i++) {
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
                long before = liveHeap();
                net.train(true);
                Net.Output out = net.forward(null, ts, tm);
                Net.Loss loss = net.loss(out, ts, tm);
                long peak = liveHeap();
                System.out.printf(Locale.ROOT, "step %d: live heap %.1f MB before, %.1f MB with the graph recorded (graph %.1f MB), loss %.9g%n",
                        i, before / 1e6, peak / 1e6, (peak - before) / 1e6, loss.total().item());
                if (i == 0) {
                    savedTensors(loss.total());
                }
                List<Tensor> params = net.parameterValues();
                adam.step(Autograd.grad(loss.total(), params.toArray(new Tensor[0]), false));
            }
        }
    }

    /** The saved-tensor listing, where this checkout's autodiff has it (called by name, so this file compiles on any). */
    private static void savedTensors(Tensor loss) throws Exception {
        Class<?> c;
        try {
            c = Class.forName("org.dspn4j.autodiff.SavedTensors");
        } catch (ClassNotFoundException e) {
            return;
        }
        System.out.print(c.getMethod("report", Tensor.class).invoke(null, loss));
    }
}
