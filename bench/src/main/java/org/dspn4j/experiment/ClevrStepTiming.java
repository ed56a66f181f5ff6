package org.dspn4j.experiment;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.data.clevr.ClevrDataset;
import org.dspn4j.gpu.ClBackend;
import org.dspn4j.gpu.ClEngine;
import org.dspn4j.gpu.DeviceSelector;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.optim.Adam;
import org.dspn4j.tensor.Tensor;

/**
 * A CLEVR training step on {@link ClBackend}, eagerly ({@link TrainStep}) and recorded once and
 * replayed ({@link RecordedTrainStep}, the Hungarian assignment an ASSIGN launch of the graph): ms per step,
 * launches per step (everything the engine launched during the step: batch uploads, the program, the
 * loss reads and the assignment's status read), the recording's size. Not a test; docs/gpu.md quotes it.
 *
 * <pre>
 * java -XX:+UseG1GC -Xmx3g -cp target/test-classes:target/classes:$(cat cp.txt) org.dspn4j.experiment.ClevrStepTiming \
 *     [box|state] [B] [steps] [T] [D=H] [arenaMB] [standin|resnet]
 * </pre>
 * The image encoder is the tests' stand-in with batch norm (64×64 images), so the step is the DSPN
 * decoder, the Hungarian loss and Adam around a small convolution; or ResNet34 at 65×65 ({@code resnet}).
 * Same seed and batches for both modes; a recording that does not fit the arena is reported as such.
 * <p>Built by the {@code bench} Maven profile: {@code mvn -B -q -Pbench test-compile} (classes in target/test-classes).
 */
public final class ClevrStepTiming {
    private ClevrStepTiming() {
    }

    /** {@code -Dprofile=true}: print the engine's per-op launches and wall time for each mode's steps. */
    private static final boolean PROFILE = Boolean.getBoolean("profile");

    public static void main(String[] args) throws Exception {
        ModelConfig.Task task = args.length > 0 && args[0].equals("state") ? ModelConfig.Task.CLEVR_STATE : ModelConfig.Task.CLEVR_BOX;
        int b = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int t = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        int d = args.length > 4 ? Integer.parseInt(args[4]) : 8;
        int arenaMb = args.length > 5 ? Integer.parseInt(args[5]) : 256;
        boolean resnet = args.length > 6 && args[6].equals("resnet");
        int side = resnet ? 65 : ClevrStandIn.SIDE;
        ModelConfig m = ModelConfig.paper(task, ModelConfig.DecoderKind.DSPN).withSizes(d, d).withInner(t, 800)
                .withDtype(org.dspn4j.tensor.DType.F32);
        Path cache = Files.createTempDirectory("clevr-step-timing");
        ClevrSource src = ClevrSource.generated(cache, 4 * b, b, 1).withImageSize(side);
        src.prepare(null, 2);
        ClevrDataset.Target target = ClevrEvaluation.target(task);
        try (ClEngine engine = ClEngine.open(DeviceSelector.auto(), arenaMb << 18, 1 << 20)) {
            ClBackend be = new ClBackend(engine);
            System.out.printf(Locale.ROOT, "%s, B=%d, T=%d, D=H=%d, %s, %dx%d, %s%n", task.cliName(), b, t, d,
                    resnet ? "ResNet34 encoder" : "stand-in encoder with batch norm", side, side, engine.device().describe());
            for (String mode : new String[] {"eager", "replay"}) {
                Net net = resnet ? Net.create(be, m, new MersenneTwister(1)) : ClevrStandIn.createWithBatchNorm(be, m, new MersenneTwister(1));
                Adam adam = new Adam(net.namedParameters(), 3e-4);
                ClevrBatches train = ClevrBatches.of(src, "train", target, -1, b, true, 1);
                RecordedTrainStep rec = null;
                if (mode.equals("replay")) {
                    long r0 = System.nanoTime();
                    try {
                        rec = new RecordedTrainStep(be, net, adam, new int[] {b, 3, side, side},
                                new int[] {b, train.channels(), 10}, new int[] {b, 10});
                    } catch (IllegalStateException e) {
                        System.out.println("  the recording does not fit: " + e.getMessage());
                        continue;
                    }
                    System.out.printf(Locale.ROOT, "  recorded in %.2f s: %d launches, %d per replay, %d host step(s), "
                                    + "%d fused launches replace %d, %.1f MB of arena%n", (System.nanoTime() - r0) / 1e9,
                            rec.graph().recordedLaunches(), rec.graph().launchesPerReplay(), rec.graph().hostSteps(),
                            rec.graph().fusedGroups(), rec.graph().fusedInstructions(), rec.graph().ownedFloats() * 4 / 1e6);
                }
                TrainStep eager = new TrainStep(net, adam);
                double[] ms = new double[steps];
                long launches = 0;
                double loss = 0;
                engine.resetProfile();
                for (int s = 0; s < steps; s++) {
                    int per = train.batchesPerEpoch();
                    long l0 = engine.launches();
                    long t0 = System.nanoTime();
                    Tensor[] x = train.tensors(be, m.dtype(), train.batch(s / per, s % per));
                    TrainStep.Result r = rec != null ? rec.run(x[0], x[1], x[2]) : eager.run(x[0], x[1], x[2]);
                    ms[s] = (System.nanoTime() - t0) / 1e6;
                    launches = engine.launches() - l0;
                    loss = r.loss();
                }
                double[] sorted = ms.clone();
                Arrays.sort(sorted);
                System.out.printf(Locale.ROOT, "  %-6s: %d launches per step, %.1f ms/step best, %.1f median, final train_loss %s%n",
                        mode, launches, sorted[0], sorted[steps / 2], loss);
                if (PROFILE) {
                    System.out.println(engine.profile());
                }
                if (rec != null) {
                    rec.close();
                }
            }
        }
    }
}
