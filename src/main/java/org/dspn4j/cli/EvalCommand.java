package org.dspn4j.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.autodiff.Autograd;
import org.dspn4j.data.mnist.MnistBatcher;
import org.dspn4j.experiment.Checkpoint;
import org.dspn4j.experiment.Compute;
import org.dspn4j.experiment.MnistExperiment;
import org.dspn4j.experiment.ModelConfigJson;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.model.Weights;
import org.dspn4j.set.DecoderOutput;
import org.dspn4j.set.Dspn;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dspn4j eval mnist --checkpoint C}: the authors' test metrics, optionally their export files. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate a checkpoint: test_last (Chamfer of the final set, mask as a feature) and test_loss",
                "(the training objective), on the first tenth of the test split (the authors' default) or all of it."})
public final class EvalCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "mnist")
    String model;

    @Option(names = "--checkpoint", required = true, description = "checkpoint.npz of a run")
    Path checkpoint;

    @Option(names = "--iters", description = "inner steps T at evaluation (default: the trained T)")
    Integer iters;

    @Option(names = "--full", description = "the whole test split")
    boolean full;

    @Option(names = "--data-dir", description = "full MNIST folder (default: the bundled subset)")
    Path dataDir;

    @Option(names = "--export", description = "write predictions in the authors' text format to this folder")
    Path export;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the point order (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--threads", description = "CPU threads (default: all processors)")
    Integer threads;

    @Mixin
    BackendOptions compute = new BackendOptions();

    /** Loads a checkpoint's model (configuration and weights). */
    static Net load(Backend be, Path checkpoint) throws IOException {
        ModelConfig cfg = ModelConfigJson.parse(Checkpoint.configJson(checkpoint));
        Net net = new Net(be, cfg, new MersenneTwister(0), null);
        Weights.load(net, checkpoint);
        return net;
    }

    @Override
    public Integer call() throws Exception {
        if (ModelConfig.Task.parse(model) != ModelConfig.Task.MNIST) {
            return ClevrEvalCommand.run(this);
        }
        try (Compute c = open(compute, checkpoint, threads)) {
            Backend be = c.backend();
            Net net = load(be, checkpoint);
            if (iters != null && net.decoder() instanceof Dspn) {
                ((Dspn) net.decoder()).setIters(iters);
            }
            MnistBatcher test = MnistExperiment.testBatches(dataDir, full, 32, seed);
            org.dspn4j.experiment.TrainingLoop.Metrics m = MnistExperiment.evaluate(be, net, test);
            System.out.printf(Locale.ROOT, "test_loss %.6f%ntest_last %.6f%nimages %d%n", m.loss(), m.last(), m.images());
            if (export != null) {
                exportPredictions(be, net, test, export);
                System.out.println("wrote " + export.resolve("detections") + " and " + export.resolve("groundtruths"));
            }
        }
        return 0;
    }

    /**
     * The authors' MNIST export (spec §7.1): detections/&lt;i&gt;.txt one line per slot "box mask y x";
     * groundtruths/&lt;i&gt;.txt "box y x 1.0" for real points; DSPN also &lt;i&gt;-step&lt;t&gt;.txt.
     */
    /**
     * Opens the chosen backend for a checkpoint's dtype and prints which one it is (the line names
     * the backend and the device).
     */
    static Compute open(BackendOptions options, Path checkpoint, Integer threads) throws IOException {
        DType dt = ModelConfigJson.parse(Checkpoint.configJson(checkpoint)).dtype();
        int th = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        return options.choice().open(dt, th, System.out);
    }

    static void exportPredictions(Backend be, Net net, MnistBatcher test, Path dir) throws IOException {
        Path det = Files.createDirectories(dir.resolve("detections"));
        Path gt = Files.createDirectories(dir.resolve("groundtruths"));
        int n = net.config().setSize();
        int index = 0;
        for (int bi = 0; bi < test.batchesPerEpoch(); bi++) {
            MnistBatcher.Batch b = test.batch(0, bi);
            Tensor set = be.fromHost(b.features(), net.config().dtype(), b.batchSize(), 2, n);
            Tensor mask = be.fromHost(b.mask(), net.config().dtype(), b.batchSize(), n);
            net.train(false);
            DecoderOutput d;
            try (Autograd.Scope s = Autograd.noGrad()) {
                d = net.forward(null, set, mask).decoded();
            }
            int steps = d.sets().size();
            double[][] sets = new double[steps][];
            double[][] masks = new double[steps][];
            for (int t = 0; t < steps; t++) {
                sets[t] = d.sets().get(t).toDoubles();
                masks[t] = d.masks().get(t).toDoubles();
            }
            for (int k = 0; k < b.batchSize(); k++, index++) {
                writeSlots(det.resolve(index + ".txt"), sets[steps - 1], masks[steps - 1], k, n);
                if (steps > 1) {
                    for (int t = 0; t < steps; t++) {
                        writeSlots(det.resolve(index + "-step" + t + ".txt"), sets[t], masks[t], k, n);
                    }
                }
                try (BufferedWriter w = Files.newBufferedWriter(gt.resolve(index + ".txt"))) {
                    for (int j = 0; j < n; j++) {
                        if (b.mask()[k * n + j] > 0) {
                            w.write(String.format(Locale.ROOT, "box %s %s 1.0%n", b.features()[(k * 2) * n + j],
                                    b.features()[(k * 2 + 1) * n + j]));
                        }
                    }
                }
            }
        }
    }

    private static void writeSlots(Path file, double[] set, double[] mask, int k, int n) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file)) {
            for (int j = 0; j < n; j++) {
                w.write(String.format(Locale.ROOT, "box %s %s %s%n", mask[k * n + j], set[(k * 2) * n + j], set[(k * 2 + 1) * n + j]));
            }
        }
    }
}
