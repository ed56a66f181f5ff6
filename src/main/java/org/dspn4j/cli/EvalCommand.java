package org.dspn4j.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import org.dspn4j.autodiff.Autograd;
import org.dspn4j.data.clevr.BoxFormula;
import org.dspn4j.data.mnist.MnistBatcher;
import org.dspn4j.data.mnist.MnistDataset;
import org.dspn4j.experiment.Checkpoint;
import org.dspn4j.experiment.ClevrBatches;
import org.dspn4j.experiment.ClevrEvaluation;
import org.dspn4j.experiment.ClevrExperiment;
import org.dspn4j.experiment.ClevrSource;
import org.dspn4j.experiment.Compute;
import org.dspn4j.experiment.IoErrors;
import org.dspn4j.experiment.MnistExperiment;
import org.dspn4j.experiment.RunInfo;
import org.dspn4j.experiment.TrainingLoop;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.set.DecoderOutput;
import org.dspn4j.set.Dspn;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code dspn4j eval mnist|clevr-box|clevr-state --checkpoint C}: the authors' test metrics; for CLEVR
 * the AP tables in the paper's layout; optionally the predictions in the authors' text format. The data
 * (and whether all of the split is evaluated), batch size and seed are those of the run that wrote the
 * checkpoint (its run.json), unless given; the output says which images were evaluated.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Evaluate a checkpoint: MNIST's set losses or CLEVR's AP tables.",
        // one paragraph an entry: picocli wraps each at the help's width
        description = {"Evaluate a checkpoint: test_last (the set loss of the final set, mask as a feature) and test_loss "
                        + "(the training objective), on the first tenth of the test split or of CLEVR's val (the authors' "
                        + "default) or all of it; generated val is evaluated whole.",
                "clevr-box: AP50/90/95/98/99 with the paper-era +1 IoU, and AP50..90 with the corrected IoU.",
                "clevr-state: AP at 3D distance inf/1/0.5/0.25/0.125 (attributes must match)."})
public final class EvalCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "mnist, clevr-box or clevr-state")
    String model;

    @Mixin
    CheckpointOptions input = new CheckpointOptions();

    @Option(names = "--iters", split = ",", description = "DSPN inner steps T to decode with (default: the trained T for "
            + "mnist, one value; 10,20,30 for clevr-box and clevr-state, the paper's; refused for an mlp or rnn baseline, which has "
            + "none)")
    List<Integer> iters;

    @Option(names = "--export", description = "write detections/ and groundtruths/ in the authors' text format under this "
            + "folder (CLEVR: one folder per T); a new or empty folder, so that no earlier export mixes with this one")
    Path export;

    @Mixin
    ThreadOptions threads = new ThreadOptions();

    @Mixin
    BackendOptions compute = new BackendOptions();

    /** How a checkpoint's MNIST model is built: without an image encoder. */
    static final ClevrExperiment.Models MNIST_MODEL = (b, c, r) -> new Net(b, c, r, null);

    /** Loads a checkpoint's MNIST model (configuration and weights, every entry checked). */
    static Net load(Backend be, Path checkpoint, boolean allowNonFinite) throws IOException {
        return Checkpoint.loadModel(be, checkpoint, MNIST_MODEL, allowNonFinite);
    }

    /**
     * Opens the chosen backend for a model's dtype and prints which one it is (the line names the
     * backend and the device).
     */
    static Compute open(BackendOptions options, ModelConfig model, int threads) throws IOException {
        return options.choice().open(model.dtype(), "the checkpoint's dtype", threads, System.out);
    }

    @Override
    public Integer call() throws Exception {
        ModelConfig.Task task = Checks.task("MODEL", model);
        RunInfo run = input.run(task);
        int b = input.batch(run);
        int th = threads.threads(compute);
        if (iters != null) {
            if (iters.isEmpty()) { // "--iters ," splits into nothing
                throw new IllegalArgumentException("--iters: no T given; give one or more, e.g. --iters 10,20,30");
            }
            for (int i = 0; i < iters.size(); i++) {
                Checks.atLeast("--iters", iters.get(i), 0);
                if (iters.indexOf(iters.get(i)) < i) {
                    throw new IllegalArgumentException("--iters: T = " + iters.get(i) + " is given twice in " + iters);
                }
            }
        }
        if (export != null) {
            Checks.requireOutsideRuns("--export", export); // nothing but train writes into a run folder
        }
        if (export != null) {
            Checks.outputFolder("--export", export); // not a file nor below one: refused before the evaluation, not after it
        }
        if (export != null && Files.isDirectory(export)) {
            // files left by an earlier export (more images, other T) would be read with this one's by ap
            try (Stream<Path> in = Files.walk(export, 3)) {
                List<String> held = in.filter(Files::isRegularFile).map(p -> export.relativize(p).toString()).sorted().toList();
                if (!held.isEmpty()) {
                    throw new IllegalArgumentException("--export " + export + " already holds " + String.join(", ",
                            held.subList(0, Math.min(4, held.size()))) + (held.size() > 4 ? ", …" : "")
                            + "; give a new or empty folder, so that no earlier export mixes with this one");
                }
            }
        }
        return task == ModelConfig.Task.MNIST ? mnist(run, b, th) : clevr(task, run, b, th);
    }

    private int mnist(RunInfo run, int b, int th) throws IOException {
        if (iters != null && iters.size() != 1) {
            throw new IllegalArgumentException("--iters: mnist is evaluated at one T at a time, got " + iters);
        }
        // the checkpoint's task first: a run.json of another task lacks this one's fields, which would hide that
        ModelConfig cfg = input.model(ModelConfig.Task.MNIST);
        requireDspnForIters(cfg);
        itersFitHeap(cfg, b);
        Path dataDir = input.mnistData(run);
        long seed = input.seed(run);
        boolean full = input.full(run);
        MnistDataset testSplit = MnistExperiment.testSplit(dataDir);
        input.requireRunMnist(run, testSplit); // the run's own data: as it recorded them
        try (Compute c = open(compute, cfg, th)) {
            Backend be = c.backend();
            Net net = input.loadModel(be, MNIST_MODEL);
            if (iters != null && net.decoder() instanceof Dspn) {
                ((Dspn) net.decoder()).setIters(iters.get(0));
            }
            MnistBatcher test = MnistExperiment.testBatches(testSplit, full, b, seed);
            CheckpointOptions.requireOneBatch(test.batchesPerEpoch(), CheckpointOptions.mnistName(dataDir) + ": the "
                    + (full ? testSplit.size() : testSplit.size() / 10) + " evaluated test digits", b, !full, "--full");
            System.out.println(description(net.config(), iters == null ? null : iters.get(0)) + " on "
                    + test.batchesPerEpoch() * b + " test images of "
                    + CheckpointOptions.mnistName(dataDir) + ": " + input.extent(run, "the test split", false) + ", batch " + b);
            TrainingLoop.Metrics m = MnistExperiment.evaluate(be, net, test);
            System.out.printf(Locale.ROOT, "test_loss %.6f%ntest_last %.6f%nimages %d%n", m.loss(), m.last(), m.images());
            if (export != null) {
                exporting(export, () -> {
                    exportPredictions(be, net, test, export);
                    return null;
                });
                System.out.println("wrote " + export.resolve("detections") + " and " + export.resolve("groundtruths"));
            }
        }
        return 0;
    }

    private int clevr(ModelConfig.Task task, RunInfo run, int b, int th) throws IOException {
        ModelConfig cfg = input.model(task); // first, as for mnist
        requireDspnForIters(cfg);
        itersFitHeap(cfg, b);
        ClevrSource src = input.clevrData(run);
        try (Compute c = open(compute, cfg, th)) {
            Backend be = c.backend();
            ClevrInput in = clevrInput(be, task, input, run, src, b, th, System.out);
            int[] ts = iters == null ? ClevrEvaluation.PAPER_ITERS : iters.stream().mapToInt(Integer::intValue).toArray();
            System.out.println(in.line());
            ClevrEvaluation.Result r = ClevrEvaluation.run(be, in.net(), in.test(), ts);
            System.out.printf(Locale.ROOT, "test_loss %.6f%ntest_last %.6f%nimages %d%n", r.loss(), r.last(), r.images());
            ClevrEvaluation.print(System.out, ClevrEvaluation.tables(r));
            if (export != null) {
                for (Path p : exporting(export, () -> ClevrEvaluation.export(r, export))) {
                    System.out.println("wrote " + p.resolve("detections") + " and " + p.resolve("groundtruths"));
                }
            }
        }
        return 0;
    }

    /**
     * What {@code eval clevr-box|clevr-state} decodes: the checkpoint's model, the val batches it is evaluated on, and
     * the line that names them ({@code "clevr-box dspn (trained T=10) on 1472 val images of CLEVR …: the first tenth of
     * val (…), batch 32"}).
     */
    record ClevrInput(Net net, ClevrBatches test, String line) {
    }

    /**
     * Loads the model of {@code input}'s checkpoint and the val batches eval evaluates it on: the data {@code src} (the
     * run's, unless --data-dir), checked against the digest the run recorded, all of val or its first tenth as
     * {@code input.full(run)} says, batch {@code b}, every image checked before the evaluation. Shared by {@code eval}
     * and {@code summarise --ap}, so that both evaluate a run alike.
     *
     * @param log where generating scenes is reported (null: nowhere)
     */
    static ClevrInput clevrInput(Backend be, ModelConfig.Task task, CheckpointOptions input, RunInfo run, ClevrSource src,
                                 int b, int th, java.io.PrintStream log) throws IOException {
        Net net = input.loadClevr(be);
        src.prepare(log, th);
        input.requireRunClevr(run, src);
        boolean full = input.full(run);
        ClevrBatches test = ClevrExperiment.testBatches(src, ClevrEvaluation.target(task), full, b);
        CheckpointOptions.requireOneBatch(test.batchesPerEpoch(), src.root() + ": the "
                + src.evalCount(test.dataset().size(), full) + " evaluated val scenes", b, !full && !src.isGenerated(), "--full");
        // every image present and a well-formed PNG, as train checks them, before minutes of evaluation
        test.dataset().checkImages();
        String line = String.format("%s on %d val images of %s: %s, batch %d", description(net.config(), null), test.samples(),
                (src.isGenerated() ? "generated scenes " + src.root() : "CLEVR " + src.root())
                        + (task == ModelConfig.Task.CLEVR_BOX && src.boxFormula() == BoxFormula.CORRECTED
                        ? " (boxes by the corrected formula, as the run's --box-formula)" : ""),
                input.extent(run, "val", src.isGenerated()), b);
        return new ClevrInput(net, test, line);
    }

    /** Each T of --iters: its predicted sets must fit the heap ({@link Checks#innerStepsFitHeap}). */
    private void itersFitHeap(ModelConfig cfg, int b) {
        if (iters != null) {
            for (int t : iters) {
                Checks.innerStepsFitHeap(t, b, cfg);
            }
        }
    }

    /** --iters sets DSPN's inner steps: a baseline (mlp, rnn) decodes in one pass and has none to set. */
    private void requireDspnForIters(ModelConfig cfg) {
        if (iters != null && cfg.decoder() != ModelConfig.DecoderKind.DSPN) {
            throw new IllegalArgumentException("--iters: " + input.checkpoint + " is a baseline ("
                    + cfg.decoder().name().toLowerCase(Locale.ROOT) + "), which has no inner steps T; leave --iters out");
        }
    }

    /**
     * The model as the output names it: task and decoder, DSPN's trained T and the T it is decoded with when --iters
     * gives one (null: the trained T; CLEVR's table names each T itself).
     */
    private static String description(ModelConfig m, Integer decodedT) {
        return m.task().cliName() + " " + m.decoder().name().toLowerCase(Locale.ROOT)
                + (m.decoder() == ModelConfig.DecoderKind.DSPN ? " (trained T=" + m.iters()
                        + (decodedT == null ? "" : ", decoded with T=" + decodedT) + ")" : "");
    }

    /**
     * Writes an export into {@code dir} (new or empty, checked before): on a failure (a full disk) what it wrote
     * is removed again, so that no half-written export is left to be scored by ap as a whole one.
     */
    static <T> T exporting(Path dir, IoErrors.IoAction<T> write) throws IOException {
        Set<Path> before = new HashSet<>();
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                s.forEach(before::add);
            }
        }
        try {
            return IoErrors.naming(dir, write);
        } catch (IOException | RuntimeException e) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    if (!before.contains(p)) {
                        Files.deleteIfExists(p);
                    }
                }
            } catch (IOException | RuntimeException left) {
                e.addSuppressed(left);
            }
            throw e;
        }
    }

    /**
     * The authors' MNIST export: detections/&lt;i&gt;.txt one line per slot "box mask y x";
     * groundtruths/&lt;i&gt;.txt "box y x 1.0" for real points; DSPN also &lt;i&gt;-step&lt;t&gt;.txt.
     */
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
                Path g = gt.resolve(index + ".txt");
                int kk = k;
                IoErrors.naming(g, () -> {
                    try (BufferedWriter w = Files.newBufferedWriter(g)) {
                        for (int j = 0; j < n; j++) {
                            if (b.mask()[kk * n + j] > 0) {
                                w.write(String.format(Locale.ROOT, "box %s %s 1.0%n", b.features()[(kk * 2) * n + j],
                                        b.features()[(kk * 2 + 1) * n + j]));
                            }
                        }
                    }
                });
            }
        }
    }

    private static void writeSlots(Path file, double[] set, double[] mask, int k, int n) throws IOException {
        IoErrors.naming(file, () -> {
            try (BufferedWriter w = Files.newBufferedWriter(file)) {
                for (int j = 0; j < n; j++) {
                    w.write(String.format(Locale.ROOT, "box %s %s %s%n", mask[k * n + j], set[(k * 2) * n + j],
                            set[(k * 2 + 1) * n + j]));
                }
            }
        });
    }
}
