package org.dspn4j.experiment;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apache.commons.math3.random.MersenneTwister;
import org.apache.commons.math3.random.RandomGenerator;
import org.dspn4j.data.clevr.ClevrDataset;
import org.dspn4j.data.clevr.Slots;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.model.Weights;
import org.dspn4j.optim.Adam;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.viz.LossCurveFigure;

/**
 * CLEVR set prediction from images (paper §4.2, spec §5.2, §6): bounding boxes ({@code clevr-box})
 * or object states ({@code clevr-state}), with DSPN or a baseline decoder, on real CLEVR v1.0 or on
 * generated scenes ({@link ClevrSource}). The authors' setup: Adam 3e-4, batch 32, T = 10, η = 800,
 * λ = 0.1, D = H = 512, the Hungarian loss of the final set with the mask as a feature
 * ({@link ModelConfig#hungarianAllSteps()} switches to the mean over all steps), images
 * (B, 3, 128, 128) in [0, 1]. Metrics use the authors' names: {@code *_loss} the training objective,
 * {@code *_last} the Hungarian loss of the final set.
 *
 * <p>Everything else follows {@link MnistExperiment}: run.json and metrics.jsonl
 * ({@link RunRecord}), an atomic checkpoint with the optimiser state and the data position at
 * every evaluation and at the end ({@link Checkpoint}), {@code --resume} continuing bit for bit,
 * a stop on a non-finite loss that keeps the last good checkpoint, seeded shuffled batches each
 * epoch with {@code drop_last} ({@link ClevrBatches}). At the end it prints the AP table of the
 * trained T and writes the paper's figure for the task (Figure 4 or Table 4) and the loss curve.
 */
public final class ClevrExperiment {
    /** The file a run's latest checkpoint lives in. */
    public static final String CHECKPOINT = "checkpoint.npz";
    /** Scenes in the figure written at the end of a run. */
    static final int FIGURE_ROWS = 4;

    /** Builds the model of a configuration; the command line always uses {@link Net#create}. */
    @FunctionalInterface
    public interface Models {
        Net create(Backend be, ModelConfig config, RandomGenerator rng);
    }

    private final PrintStream out;
    private final Models models;

    public ClevrExperiment(PrintStream out) {
        this(out, Net::create);
    }

    /** With another model builder (tests use a small stand-in for the ResNet34 image encoder). */
    public ClevrExperiment(PrintStream out, Models models) {
        this.out = out;
        this.models = models;
    }

    /** Test metrics averaged over batches. */
    public record Metrics(double loss, double last, int images) {
    }

    /**
     * What a training run reports.
     *
     * @param initial    test metrics before training (null when resumed)
     * @param last       test metrics at the end (or at the last evaluation before a NaN stop)
     * @param steps      optimisation steps taken in total
     * @param trainLoss  train_loss of each step this invocation ran, in order
     */
    public record Outcome(Metrics initial, Metrics last, long steps, boolean stoppedOnNaN, Path checkpoint,
                          List<Double> trainLoss) {
    }

    // ================================================================================= train

    /** {@link #train(TrainConfig, ClevrSource, Compute, boolean)} on the CPU backend with {@code cfg.threads()} threads. */
    public Outcome train(TrainConfig cfg, ClevrSource src, boolean resume) throws IOException {
        try (Compute c = Compute.cpu(cfg.threads())) {
            return train(cfg, src, c, resume);
        }
    }

    /**
     * Trains on {@code compute}'s backend: the model, Adam's state and every batch live there (the
     * Hungarian assignment too: {@code Backend.assign}); the checkpoint holds
     * host copies, so it resumes on any backend. On OpenCL the training step is recorded once as a task
     * graph and replayed ({@code cfg.graph()}: "replay", the default there, or "eager";
     * {@link RecordedTrainStep}); the assignment is a device op of the graph, which has no host step.
     */
    public Outcome train(TrainConfig cfg, ClevrSource src, Compute compute, boolean resume) throws IOException {
        ModelConfig m = cfg.model();
        ClevrDataset.Target target = ClevrEvaluation.target(m.task());
        Files.createDirectories(cfg.out());
        Path ckpt = cfg.out().resolve(CHECKPOINT);
        src.prepare(cfg.quiet() ? null : out, cfg.threads());
        Backend be = compute.backend();
        Net net = models.create(be, m, new MersenneTwister(cfg.seed()));
        Adam adam = new Adam(net.namedParameters(), cfg.lr());
        ClevrBatches train = ClevrBatches.of(src, "train", target, -1, cfg.batch(), true, cfg.seed());
        ClevrBatches test = testBatches(src, target, cfg.fullEval(), cfg.batch());
        if (train.batchesPerEpoch() == 0) {
            throw new IllegalArgumentException("the train split has " + train.dataset().size()
                    + " scenes, fewer than one batch of " + cfg.batch());
        }
        String memory = heapWarning(m, src, cfg.batch(), Runtime.getRuntime().maxMemory());
        if (memory != null) {
            say("warning: %s", memory);
        }
        RunRecord record = new RunRecord(cfg.out());
        String configJson = ModelConfigJson.toJson(m);

        Checkpoint.Position pos = new Checkpoint.Position(0, 0, 0);
        if (resume) {
            if (!Files.exists(ckpt)) {
                throw new IllegalArgumentException("--resume: no checkpoint at " + ckpt);
            }
            String stored = Checkpoint.configJson(ckpt);
            if (!stored.equals(configJson)) {
                throw new IllegalArgumentException("--resume: the checkpoint's model " + stored
                        + " differs from the requested " + configJson);
            }
            pos = Checkpoint.load(ckpt, net, adam);
        }
        // every batch has the same shapes (drop_last): the step can be recorded once, from the model's state
        RecordedTrainStep.Started started = RecordedTrainStep.start(cfg.graph(), be, net, adam,
                new int[] {cfg.batch(), 3, src.imageSize(), src.imageSize()},
                new int[] {cfg.batch(), train.channels(), Slots.MAX_OBJECTS}, new int[] {cfg.batch(), Slots.MAX_OBJECTS}, out);
        RecordedTrainStep recorded = started.step();
        try {
            Map<String, Object> computeRecord = new LinkedHashMap<>(compute.record());
            computeRecord.put("graph", started.mode());
            record.writeRun(runConfig(cfg, src), computeRecord);
            return loop(cfg, src, be, net, adam, recorded, train, test, record, ckpt, configJson, pos, resume);
        } finally {
            if (recorded != null) {
                recorded.close();
            }
        }
    }

    private Outcome loop(TrainConfig cfg, ClevrSource src, Backend be, Net net, Adam adam, RecordedTrainStep recorded,
                         ClevrBatches train, ClevrBatches test, RunRecord record, Path ckpt, String configJson,
                         Checkpoint.Position pos, boolean resume) throws IOException {
        ModelConfig m = cfg.model();
        TrainStep step = new TrainStep(net, adam);
        Metrics initial = null;
        if (resume) {
            say("resuming at epoch %d, batch %d (step %d)", pos.epoch(), pos.batch(), pos.step());
        } else {
            say("%s %s: %d train scenes (%d batches of %d per epoch), %d val scenes evaluated, %dx%d images, %s",
                    m.task().cliName(), m.decoder().name().toLowerCase(), train.dataset().size(),
                    train.batchesPerEpoch(), cfg.batch(), test.samples(), src.imageSize(), src.imageSize(),
                    src.isGenerated() ? "generated scenes in " + src.root() : "CLEVR at " + src.root());
            initial = evaluate(be, net, test);
            record.log(MnistExperiment.metrics(0, 0, "test_loss", initial.loss(), "test_last", initial.last()));
            say("initial test_loss %.6f  test_last %.6f  (%d val images)", initial.loss(), initial.last(), initial.images());
        }
        int perEpoch = train.batchesPerEpoch();
        long totalSteps = (long) cfg.epochs() * perEpoch;
        if (cfg.maxSteps() > 0) {
            totalSteps = Math.min(totalSteps, cfg.maxSteps());
        }
        long stepNo = pos.step();
        Metrics lastEval = initial;
        boolean nan = false;
        List<Double> losses = new ArrayList<>();
        ProgressBar bar = cfg.quiet() ? null : new ProgressBarBuilder()
                .setTaskName("train " + m.task().cliName() + " " + m.decoder().name().toLowerCase())
                .setInitialMax(totalSteps).setStyle(ProgressBarStyle.ASCII).setUnit(" steps", 1).continuousUpdate()
                .startsFrom(stepNo, java.time.Duration.ZERO).build();
        try {
            outer:
            for (long e = pos.epoch(); e < cfg.epochs(); e++) {
                for (int b = e == pos.epoch() ? pos.batch() : 0; b < perEpoch; b++) {
                    if (stepNo >= totalSteps) {
                        break outer;
                    }
                    Tensor[] t = train.tensors(be, m.dtype(), train.batch(e, b));
                    long t0 = System.nanoTime();
                    TrainStep.Result r;
                    try {
                        r = recorded != null ? recorded.run(t[0], t[1], t[2]) : step.run(t[0], t[1], t[2]);
                    } catch (IllegalArgumentException ex) {
                        if (!nonFiniteCosts(ex)) {
                            throw ex;
                        }
                        r = new TrainStep.Result(Double.NaN, Double.NaN, new double[0]);
                    } catch (OutOfMemoryError oom) {
                        throw new IllegalArgumentException(outOfMemory(cfg.batch()), oom);
                    }
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    if (!Double.isFinite(r.loss())) {
                        nan = true;
                        say("%nstopping: the training loss became %s at step %d (epoch %d, batch %d); the last good "
                                + "checkpoint is kept at %s", r.loss(), stepNo + 1, e, b, ckpt);
                        break outer;
                    }
                    stepNo++;
                    losses.add(r.loss());
                    record.log(MnistExperiment.metrics(stepNo, e, "train_loss", r.loss(), "train_last", r.last(),
                            "seconds", seconds));
                    if (bar != null) {
                        bar.stepTo(stepNo);
                        bar.setExtraMessage(String.format(" loss %.5f  %.1f s/step", r.loss(), seconds));
                    }
                    boolean endOfEpoch = b == perEpoch - 1;
                    boolean evalNow = endOfEpoch || (cfg.evalEvery() > 0 && stepNo % cfg.evalEvery() == 0);
                    if (evalNow || stepNo == totalSteps) {
                        if (recorded != null) {
                            recorded.syncToModel(); // parameters, buffers and Adam's state out of the graph's ranges
                        }
                        Checkpoint.Position next = endOfEpoch ? new Checkpoint.Position(e + 1, 0, stepNo)
                                : new Checkpoint.Position(e, b + 1, stepNo);
                        Metrics ev = null;
                        if (evalNow && stepNo != totalSteps) {
                            ev = evaluateOrNull(be, net, test);
                        }
                        if ((ev == null && evalNow && stepNo != totalSteps) || !finiteParameters(net)) {
                            nan = true;
                            say("%nstopping: the parameters are no longer finite after step %d (epoch %d, batch %d); "
                                    + "the last good checkpoint is kept at %s", stepNo, e, b, ckpt);
                            break outer;
                        }
                        if (ev != null) {
                            lastEval = ev;
                            record.log(MnistExperiment.metrics(stepNo, e, "test_loss", ev.loss(), "test_last", ev.last()));
                        }
                        Checkpoint.save(ckpt, net, adam, next, configJson);
                    }
                }
            }
        } finally {
            if (bar != null) {
                bar.close();
            }
        }
        if (!nan && recorded != null) {
            recorded.syncToModel();
        }
        if (!nan && !finiteParameters(net)) {
            nan = true;
            say("stopping: the parameters are no longer finite after step %d; the last good checkpoint is kept at %s",
                    stepNo, ckpt);
        }
        if (!nan) {
            ClevrEvaluation.Result res = ClevrEvaluation.run(be, net, test, null);
            lastEval = new Metrics(res.loss(), res.last(), res.images());
            record.log(MnistExperiment.metrics(stepNo, -1, "test_loss", lastEval.loss(), "test_last", lastEval.last()));
            say("final   test_loss %.6f  test_last %.6f  after %d steps", lastEval.loss(), lastEval.last(), stepNo);
            if (initial != null) {
                say("test_last changed by %+.1f%% from its initial value", 100 * (lastEval.last() / initial.last() - 1));
            }
            ClevrEvaluation.print(out, ClevrEvaluation.tables(res));
            writeFigures(be, net, test, cfg.out());
        }
        return new Outcome(initial, lastEval, stepNo, nan, ckpt, losses);
    }

    /** Test losses (test_loss, test_last) at the trained T. */
    public static Metrics evaluate(Backend be, Net net, ClevrBatches test) throws IOException {
        ClevrEvaluation.Result r = ClevrEvaluation.run(be, net, test, null);
        return new Metrics(r.loss(), r.last(), r.images());
    }

    // NOTE: measured with the CPU backend, F32, D = H = 512, 128×128 images, T = 10 (docs/reproduction-clevr.md):
    // the live heap after a full GC during a training step was 3.4 GiB at B = 8 and 8.2 GiB at B = 32.
    static final double LIVE_GIB_FIXED = 1.8;
    static final double LIVE_GIB_PER_SAMPLE = 0.2;

    /**
     * A warning when the heap is likely too small for a training step of the paper-size model, or
     * null. The estimate is the measured live heap, 1.8 GiB + 0.2 GiB per sample, plus a third for
     * the garbage between collections.
     */
    static String heapWarning(ModelConfig m, ClevrSource src, int batch, long maxHeapBytes) {
        if (m.latent() != 512 || m.hidden() != 512 || src.imageSize() != 128) {
            return null; // only the paper's sizes were measured
        }
        double need = 4.0 / 3.0 * (LIVE_GIB_FIXED + LIVE_GIB_PER_SAMPLE * batch);
        double have = maxHeapBytes / (double) (1L << 30);
        if (have >= need) {
            return null;
        }
        return String.format(java.util.Locale.ROOT, "a training step at batch %d needs about %.0f GiB of heap on the CPU backend, "
                + "this JVM may use %.1f GiB; expect an OutOfMemoryError. Use a smaller --batch (8 needs about 4.5 GiB) "
                + "or a larger heap, e.g. DSPN4J_JAVA_OPTS=-Xmx%dg", batch, need, have, (int) Math.ceil(need) + 1);
    }

    private static String outOfMemory(int batch) {
        return String.format(java.util.Locale.ROOT, "out of memory in a training step at batch %d with a %.1f GiB heap. "
                + "The paper-size model needs about 1.8 GiB + 0.2 GiB per sample of live heap on the CPU backend "
                + "(measured: 3.4 GiB at batch 8, 8.2 GiB at batch 32). Use a smaller --batch or a larger heap, "
                + "e.g. DSPN4J_JAVA_OPTS=-Xmx12g", batch, Runtime.getRuntime().maxMemory() / (double) (1L << 30));
    }

    /** {@link #evaluate}, or null when the predictions are no longer finite (the Hungarian matching refuses them). */
    private static Metrics evaluateOrNull(Backend be, Net net, ClevrBatches test) throws IOException {
        try {
            Metrics mt = evaluate(be, net, test);
            return Double.isFinite(mt.loss()) ? mt : null;
        } catch (IllegalArgumentException ex) {
            if (nonFiniteCosts(ex)) {
                return null;
            }
            throw ex;
        }
    }

    /**
     * Whether an exception is {@link org.dspn4j.match.Hungarian} refusing a cost matrix with NaN or
     * infinite entries — what a diverged model's predictions give; a NaN stop, not a crash.
     */
    static boolean nonFiniteCosts(IllegalArgumentException e) {
        return e.getMessage() != null && e.getMessage().contains("Hungarian needs finite costs");
    }

    /** Whether every parameter is finite (checked before each checkpoint, so that none keeps a diverged model). */
    static boolean finiteParameters(Net net) {
        for (Tensor p : net.parameterValues()) {
            for (double v : p.toDoubles()) {
                if (!Double.isFinite(v)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The evaluation batches of a source: val, first tenth or all (see {@link ClevrSource#evalCount}), file order. */
    public static ClevrBatches testBatches(ClevrSource src, ClevrDataset.Target target, boolean full, int batch)
            throws IOException {
        ClevrDataset val = src.open("val", target);
        return new ClevrBatches(val, src.root().resolve("images").resolve("val"), target, src.boxFormula(),
                src.evalCount(val.size(), full), batch, false, 0, src.imageSize());
    }

    private void writeFigures(Backend be, Net net, ClevrBatches test, Path dir) throws IOException {
        List<Path> written = new ArrayList<>();
        if (net.config().task() == ModelConfig.Task.CLEVR_BOX) {
            Path fig = dir.resolve("progression.png");
            ClevrShow.boxFigure(be, net, null, test, FIGURE_ROWS).writePng(fig);
            written.add(fig);
        } else {
            var table = ClevrShow.stateTable(be, net, null, test, FIGURE_ROWS);
            Path png = dir.resolve("states.png");
            Path md = dir.resolve("states.md");
            table.writePng(png);
            Files.writeString(md, table.markdown());
            written.add(png);
            written.add(md);
        }
        Path loss = dir.resolve("loss.png");
        lossCurve(dir.resolve("metrics.jsonl")).writePng(loss);
        written.add(loss);
        say("wrote %s", String.join(", ", written.stream().map(Path::toString).toList()));
    }

    /** Training and test curves of the final set's Hungarian loss, read back from metrics.jsonl. */
    public static LossCurveFigure lossCurve(Path metricsJsonl) throws IOException {
        List<double[]> train = new ArrayList<>();
        List<double[]> test = new ArrayList<>();
        for (String line : Files.readAllLines(metricsJsonl)) {
            Map<String, Double> f = RunRecord.numbers(line);
            Double s = f.get("step");
            if (s == null) {
                continue;
            }
            if (f.containsKey("train_last")) {
                train.add(new double[] {s, f.get("train_last")});
            }
            if (f.containsKey("test_last")) {
                test.add(new double[] {s, f.get("test_last")});
            }
        }
        LossCurveFigure fig = new LossCurveFigure("Hungarian loss of the final set", "step", "loss");
        if (!train.isEmpty()) {
            fig.addSeries("train_last", column(train, 0), column(train, 1));
        }
        if (!test.isEmpty()) {
            fig.addSeries("test_last", column(test, 0), column(test, 1));
        }
        return fig;
    }

    private static double[] column(List<double[]> rows, int c) {
        double[] o = new double[rows.size()];
        for (int i = 0; i < o.length; i++) {
            o[i] = rows.get(i)[c];
        }
        return o;
    }

    static Map<String, Object> runConfig(TrainConfig c, ClevrSource src) {
        Map<String, Object> m = MnistExperiment.runConfig(c);
        m.remove("data_dir");
        m.put("data", src.toMap());
        return m;
    }

    // ================================================================================= load

    /** A checkpoint's model (configuration and weights), built with {@link Net#create}. */
    public static Net load(Backend be, Path checkpoint) throws IOException {
        return load(be, checkpoint, Net::create);
    }

    /** A checkpoint's model, built by {@code models}. */
    public static Net load(Backend be, Path checkpoint, Models models) throws IOException {
        ModelConfig cfg = ModelConfigJson.parse(Checkpoint.configJson(checkpoint));
        if (!cfg.task().supervised()) {
            throw new IllegalArgumentException(checkpoint + " holds a " + cfg.task().cliName() + " model, not a CLEVR one");
        }
        Net net = models.create(be, cfg, new MersenneTwister(0));
        Weights.load(net, checkpoint);
        return net;
    }

    private void say(String fmt, Object... args) {
        out.println(String.format(java.util.Locale.ROOT, fmt, args));
    }
}
