package org.dspn4j.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

import com.sun.management.GarbageCollectionNotificationInfo;
import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.autodiff.Autograd;
import org.dspn4j.cli.BenchCommand;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.optim.Adam;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.tensor.cpu.CpuBackend;

/**
 * What the recorded autodiff graph of one DSPN training step keeps alive (not a test): the step of
 * {@code dspn4j bench mnist-step} or {@code clevr-step} (batch 32, F32, the same synthetic data), with
 * the live heap measured after full collections just before the step and with its graph recorded
 * (forward and loss done, outer backward not yet run), and the largest heap left after any
 * collection during the whole step (the live set's high-water mark as the collector saw it). With
 * {@code org.dspn4j.autodiff.SavedTensors} on the class path it also lists the tensor data the
 * backward rules keep, by op. The outer backward frees the graph as it goes, as {@code TrainStep}
 * does; {@code -Dretain=true} keeps it to the end. {@code -DinnerSteps=keep} keeps every DSPN inner step's
 * graph (train's {@code --inner-steps keep}) instead of recomputing each step in the outer backward;
 * {@code -Dbatch=N} sets the batch (default 32).
 *
 * <pre>
 *   mvn -B -q -Pbench test-compile
 *   mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 *   java -XX:+UseG1GC --add-modules=jdk.incubator.vector \
 *        -cp "target/classes:target/test-classes:$(cat target/cp.txt)" org.dspn4j.bench.GraphLiveSet [mnist|clevr] [steps=2]
 *        (-Dbatch=N, -DinnerSteps=keep, -Dretain=true before the class name)
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

    /** -Dretain=true: the outer backward keeps the graph to its end (TrainStep lets it go as it passes). */
    private static final boolean RETAIN = Boolean.getBoolean("retain");

    /** The largest heap in use after a collection since the last reset. */
    private static final AtomicLong AFTER_GC_MAX = new AtomicLong();

    private static void watchCollections() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc).addNotificationListener((n, h) -> {
                if (!n.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
                    return;
                }
                GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                long used = 0;
                for (MemoryUsage u : info.getGcInfo().getMemoryUsageAfterGc().values()) {
                    used += u.getUsed();
                }
                AFTER_GC_MAX.accumulateAndGet(used, Math::max);
            }, null, null);
        }
    }

    public static void main(String[] args) throws Exception {
        ModelConfig.Task task = args.length > 0 && args[0].equals("clevr") ? ModelConfig.Task.CLEVR_STATE : ModelConfig.Task.MNIST;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int batch = Integer.getInteger("batch", 32);
        DType dt = DType.F32;
        watchCollections();
        try (CpuBackend be = new CpuBackend(Runtime.getRuntime().availableProcessors())) {
            ModelConfig cfg = ModelConfig.paper(task, ModelConfig.DecoderKind.DSPN).withDtype(dt);
            Net net = Net.create(be, cfg, new MersenneTwister(0));
            ((org.dspn4j.set.Dspn) net.decoder()).setRecomputeSteps(!"keep".equals(System.getProperty("innerSteps")));
            Adam adam = new Adam(net.namedParameters(), task == ModelConfig.Task.MNIST ? 0.01 : 3e-4);
            Random r = new Random(0);
            for (int i = 0; i < steps; i++) {
                Tensor[] x = BenchCommand.syntheticBatch(task, be, dt, batch, r);
                long before = liveHeap();
                AFTER_GC_MAX.set(0);
                net.train(true);
                Net.Output out = net.forward(x[0], x[1], x[2]);
                Net.Loss loss = net.loss(out, x[1], x[2]);
                long forward = AFTER_GC_MAX.get();
                long peak = liveHeap();
                System.out.printf(Locale.ROOT, "step %d: live heap %.1f MB before, %.1f MB with the graph recorded (graph %.1f MB), "
                                + "loss %.9g%n", i, before / 1e6, peak / 1e6, (peak - before) / 1e6, loss.total().item());
                if (i == 0) {
                    savedTensors(loss.total());
                }
                AFTER_GC_MAX.set(0);
                List<Tensor> params = net.parameterValues();
                adam.step(Autograd.grad(loss.total(), params.toArray(new Tensor[0]), false, RETAIN));
                System.out.printf(Locale.ROOT, "  largest heap left after a collection: %.1f MB while recording, %.1f MB in the "
                        + "outer backward and Adam%n", forward / 1e6, AFTER_GC_MAX.get() / 1e6);
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
