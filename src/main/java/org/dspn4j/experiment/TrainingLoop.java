package org.dspn4j.experiment;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.io.NdArray;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.set.Dspn;
import org.dspn4j.optim.Adam;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.viz.LossCurveFigure;

/**
 * The one training loop of every experiment, around a {@link TrainingTask} (MNIST set
 * auto-encoding, CLEVR set prediction):
 *
 * <ul>
 *   <li><b>Batches</b>: epoch e, batch b is the task's pure function of (seed, e, b), with
 *       {@code drop_last}; the run ends after {@code epochs} epochs or {@code maxSteps} optimisation
 *       steps in total, whichever comes first.</li>
 *   <li><b>Evaluation cadence</b>: the test metrics before training (step 0), at the end of every
 *       epoch, every {@code evalEvery} steps, and once at the end (a line without {@code epoch}); an
 *       evaluation due at the last step is that final one.</li>
 *   <li><b>Metrics</b> ({@code metrics.jsonl}, {@link RunRecord}): per step {@code train_loss},
 *       {@code train_last} and {@code seconds}; per evaluation {@code test_loss}, {@code test_last}.</li>
 *   <li><b>Checkpoints</b> ({@link Checkpoint}): written atomically at every evaluation and at the
 *       last step, with Adam's state and the position of the next batch.</li>
 *   <li><b>Stop on non-finite values</b>: a non-finite training loss, a non-finite evaluation, or a
 *       parameter that is no longer finite when a checkpoint is due stops the run (exit code 3 on the
 *       command line) before anything diverged is saved; the previous checkpoint is kept.</li>
 *   <li><b>The run folder</b> ({@link RunFolder}, {@link RunLock}): locked while the run is in it; a
 *       new run only in a new or empty folder, or after the old one is moved aside ({@code force});
 *       nothing is written before every check has passed; a new run that stops on bad input
 *       ({@link BadInput}) before its first checkpoint removes what it wrote.</li>
 *   <li><b>Resume</b> ({@code --resume}): every setting that changes results must be the recorded one
 *       ({@link ResumeCheck}), the others are recorded in run.json's {@code resumes}; the checkpoint is
 *       checked ({@link Checkpoint}), metrics.jsonl is cut back to its step, and training continues at
 *       the stored position and ends with the same bits as an uninterrupted run.</li>
 *   <li><b>Progress</b> ({@link Progress}): a bar on a terminal, whole lines in a log file or pipe, none
 *       with {@code quiet}.</li>
 *   <li><b>Figures</b>: the task's figure and {@code loss.png} (train and test {@code *_last} over
 *       steps) at the end.</li>
 * </ul>
 *
 * <p>On OpenCL the training step is recorded once as a task graph and replayed ({@link
 * RecordedTrainStep}, {@code cfg.graph()}); the state is copied back to the model before every
 * evaluation and checkpoint.
 */
public final class TrainingLoop {
    /** The file a run's latest checkpoint lives in. */
    public static final String CHECKPOINT = "checkpoint.npz";
    /** The run folder's metrics. */
    public static final String METRICS = RunRecord.METRICS;

    /** Test metrics averaged over the evaluation batches. */
    public record Metrics(double loss, double last, int images) {
        boolean finite() {
            return Double.isFinite(loss) && Double.isFinite(last);
        }
    }

    /**
     * What a training run reports.
     *
     * @param initial      test metrics before training (null when resumed)
     * @param last         test metrics at the end (or at the last evaluation before a stop)
     * @param steps        optimisation steps taken in total
     * @param stoppedOnNaN whether a non-finite value stopped the run
     * @param checkpoint   the run's checkpoint file, or null if there is none
     * @param trainLoss    train_loss of each step this invocation ran, in order
     */
    public record Outcome(Metrics initial, Metrics last, long steps, boolean stoppedOnNaN, Path checkpoint,
                          List<Double> trainLoss) {
    }

    private final PrintStream out;
    private final LongSupplier clock;
    private LongConsumer afterStep = s -> { };
    private boolean terminal = Progress.onTerminal();
    private LongSupplier progressClock = System::nanoTime;

    public TrainingLoop(PrintStream out) {
        this(out, System::nanoTime);
    }

    /** With another clock for the {@code seconds} of each step (tests use a fake one for byte-equal records). */
    TrainingLoop(PrintStream out, LongSupplier nanoClock) {
        this.out = out;
        this.clock = nanoClock;
    }

    /** How progress is shown ({@link Progress}): as on a terminal or not, with this clock (tests). */
    TrainingLoop progress(boolean onTerminal, LongSupplier nanoClock) {
        this.terminal = onTerminal;
        this.progressClock = nanoClock;
        return this;
    }

    /** Called with the step number after each step is logged (tests interrupt runs with it). */
    TrainingLoop afterStep(LongConsumer hook) {
        this.afterStep = hook;
        return this;
    }

    /**
     * How a run starts.
     *
     * @param resume         continue the run in the folder from its checkpoint
     * @param force          a new run in a folder that holds one: the old one is moved aside first
     * @param allowNonFinite resume from a checkpoint with NaN or infinite values
     */
    public record Start(boolean resume, boolean force, boolean allowNonFinite) {
        public static final Start NEW = new Start(false, false, false);
        public static final Start RESUME = new Start(true, false, false);

        public static Start of(boolean resume) {
            return resume ? RESUME : NEW;
        }
    }

    /** {@link #run(TrainConfig, TrainingTask, Compute, Start)} for a new run or a resume. */
    public Outcome run(TrainConfig cfg, TrainingTask task, Compute compute, boolean resume) throws IOException {
        return run(cfg, task, compute, Start.of(resume));
    }

    /**
     * Trains on {@code compute}'s backend: the model, Adam's state and every batch live there; the
     * checkpoint holds host copies, so it resumes on any backend. Everything is checked before anything
     * is written (docs/run-folder.md): the settings, the folder (a new run only in a new or empty one,
     * unless {@code force}), on a resume the recorded settings, the checkpoint's contents and the
     * metrics it continues, the data, the model. The folder is locked while the run is in it.
     */
    public Outcome run(TrainConfig cfg, TrainingTask task, Compute compute, Start start) throws IOException {
        if (start.resume() && start.force()) {
            throw new IllegalArgumentException("--resume continues the run in --out and --force replaces it: give one");
        }
        ModelConfig m = cfg.model();
        Path ckpt = cfg.out().resolve(CHECKPOINT);
        String configJson = ModelConfigJson.toJson(m);
        Map<String, Object> runConfig = runConfig(cfg, task);
        RecordedTrainStep recorded = null;
        try (RunFolder folder = RunFolder.open(cfg.out(), out)) {
            // ---- checks: nothing is written until every one has passed
            Map<String, NdArray> stored = null;
            Map<String, Object> recordedRun = null;
            RunRecord.MetricsCut cut = null;
            Checkpoint.Position pos = new Checkpoint.Position(0, 0, 0);
            if (start.resume()) {
                if (!folder.exists()) {
                    throw new IllegalArgumentException("--resume: there is no run folder " + cfg.out());
                }
                folder.requireLocked();
                if (!Files.isRegularFile(ckpt)) {
                    throw new IllegalArgumentException("--resume: no checkpoint at " + ckpt + " (the run stopped before "
                            + "writing one); start afresh with --force");
                }
                Path runJson = cfg.out().resolve(RunRecord.RUN);
                if (!Files.isRegularFile(runJson)) {
                    throw new IllegalArgumentException("--resume: no " + runJson + " to check the settings against");
                }
                recordedRun = RunRecord.readJsonObject(runJson);
                // a resumes field that is no list refused here, not when the entry is appended, after metrics.jsonl is cut
                RunRecord.resumes(recordedRun, runJson);
                ResumeCheck.requireSame(runJson, RunRecord.object(recordedRun, "config", runJson), runConfig,
                        RunInfo.cwd(recordedRun, runJson));
                stored = Checkpoint.read(ckpt);
                Map<String, Object> storedModel = new LinkedHashMap<>();
                storedModel.put("model", ModelConfigJson.toMap(Checkpoint.config(ckpt, stored)));
                ResumeCheck.requireSame(ckpt, storedModel, Map.of("model", runConfig.get("model")));
                pos = Checkpoint.position(ckpt, stored);
                cut = RunRecord.planCut(cfg.out().resolve(METRICS), pos.step());
                // what the writes below open, tried now: a resume that cannot log leaves run.json as it was
                Path metrics = cfg.out().resolve(METRICS);
                IoErrors.naming(metrics, () -> FileChannel.open(metrics,
                        StandardOpenOption.WRITE).close());
                if (!Files.isWritable(cfg.out())) {
                    throw new AccessDeniedException(cfg.out().toString());
                }
            } else {
                folder.requireNewOrForced(start.force());
            }
            task.load(cfg.quiet() ? null : out, cfg.threads());
            if (task.warning() != null) {
                say("warning: %s", task.warning());
            }
            Map<String, String> digest = task.dataDigest();
            if (start.resume()) {
                requireSameData(cfg.out().resolve(RunRecord.RUN), recordedRun.get(DATA_SHA256), digest);
            }
            long total = totalSteps(cfg, task);
            if (start.resume()) {
                if (pos.batch() >= task.batchesPerEpoch()) {
                    throw new IllegalArgumentException(ckpt + ": rng/batch " + pos.batch() + " is beyond the "
                            + task.batchesPerEpoch() + " batches of an epoch of this data");
                }
                // a checkpoint at the last step is written before the final evaluation: a run stopped in between
                // (a time limit, scancel) has every step trained and resumes to evaluate; one evaluated is done
                if ((pos.step() >= total || pos.epoch() >= cfg.epochs())
                        && (pos.step() != total || cut.finalEvaluation())) {
                    throw new IllegalArgumentException("--resume: the run is at step " + pos.step() + " (epoch "
                            + pos.epoch() + "), where --steps " + cfg.maxSteps() + " and --epochs " + cfg.epochs()
                            + " end it; raise them to train on");
                }
            }
            Backend be = compute.backend();
            Net net = task.createModel(be, m, new MersenneTwister(cfg.seed()));
            if (net.decoder() instanceof Dspn dspn) {
                dspn.setRecomputeSteps(cfg.recomputeSteps());
            }
            Adam adam = new Adam(net.namedParameters(), cfg.lr());
            if (start.resume()) {
                Checkpoint.load(ckpt, stored, net, adam, start.allowNonFinite());
            }
            // every batch has the same shapes (drop_last): the step can be recorded once, from the model's state
            int[][] shapes = task.batchShapes();
            RecordedTrainStep.Started started = RecordedTrainStep.start(cfg.graph(), be, net, adam, shapes[0], shapes[1],
                    shapes[2], out);
            recorded = started.step();
            Map<String, Object> computeRecord = new LinkedHashMap<>(compute.record());
            computeRecord.put("graph", started.mode());

            // ---- writes
            RunRecord record = new RunRecord(cfg.out());
            if (start.resume()) {
                folder.removeStaleTemporaries();
                if (cut.dropped() > 0) {
                    say("cut %s back to step %d, the checkpoint's (%d line%s written after it dropped)", cut.file(),
                            pos.step(), cut.dropped(), cut.dropped() == 1 ? "" : "s");
                }
                cut.apply();
                record.appendResume(resumeEntry(pos.step(), recordedRun, runConfig, computeRecord, start.allowNonFinite()));
                return loop(cfg, task, be, net, adam, recorded, record, ckpt, configJson, pos, true, total);
            }
            try {
                folder.claimForNewRun(start.force());
                Map<String, Object> written = new LinkedHashMap<>(computeRecord);
                written.put(DATA_SHA256, digest);
                record.writeRun(runConfig, written);
                return loop(cfg, task, be, net, adam, recorded, record, ckpt, configJson, pos, false, total);
            } catch (IOException | RuntimeException | Error e) {
                // bad input found only while running (an image that does not decode, a full disk) before the
                // first checkpoint: nothing to resume, so the folder goes back to what it was for a clean rerun
                if (BadInput.is(e) && !Files.exists(ckpt)) {
                    folder.undoNewRun();
                }
                throw e;
            }
        } finally {
            if (recorded != null) {
                recorded.close();
            }
        }
    }

    /** run.json's digests of the data, one per split ({@link DataDigest}). */
    static final String DATA_SHA256 = "data_sha256";

    /**
     * Refuses a resume whose data differ from those the run started with (by run.json's {@code
     * data_sha256}; a run recorded without digests is not checked).
     */
    @SuppressWarnings("unchecked")
    private static void requireSameData(Path runJson, Object recorded, Map<String, String> now) {
        if (recorded == null) {
            return;
        }
        if (!(recorded instanceof Map)) {
            throw new IllegalArgumentException(runJson + ": " + DATA_SHA256 + " must be a JSON object, got "
                    + RunRecord.describe(recorded));
        }
        List<String> changed = DataDigest.changed((Map<String, Object>) recorded, now);
        if (!changed.isEmpty()) {
            throw new IllegalArgumentException("--resume: the data changed since the run started: " + String.join(", ",
                    changed) + "; a run continues on the data it started with (" + runJson + ", " + DATA_SHA256
                    + "): give it those data again, or start afresh with a new --out or --force");
        }
    }

    /** The step at which a run ends: all epochs, or the step limit if it comes first. */
    private static long totalSteps(TrainConfig cfg, TrainingTask task) {
        long total = (long) cfg.epochs() * task.batchesPerEpoch();
        return cfg.maxSteps() > 0 ? Math.min(total, cfg.maxSteps()) : total;
    }

    /**
     * One entry of run.json's {@code resumes}: the step it continued from, when, the free settings it
     * ran with and those that changed (against the previous part of the run), {@code allow_nonfinite} when it was
     * given, the code, machine and backend.
     */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> resumeEntry(long step, Map<String, Object> run, Map<String, Object> runConfig,
                                                   Map<String, Object> computeRecord, boolean allowNonFinite) {
        Map<String, Object> before = (Map<String, Object>) run.get("config");
        Map<String, Object> beforeCompute = run;
        if (run.get("resumes") instanceof List<?> l && !l.isEmpty() && l.get(l.size() - 1) instanceof Map<?, ?> last
                && last.get("settings") instanceof Map<?, ?> settings) {
            // what the previous part ran with; a setting its entry does not record (one written before the entries
            // recorded it) is the run's
            before = ResumeCheck.flatten(before);
            before.putAll(ResumeCheck.flatten((Map<String, Object>) settings));
            beforeCompute = (Map<String, Object>) last;
        }
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("from_step", step);
        e.put("time", java.time.Instant.now().toString());
        e.put("settings", ResumeCheck.freeSettings(runConfig));
        // the previous part's relative folders are relative to the folder it ran in
        Path beforeCwd = null;
        if (beforeCompute.get(RunInfo.CWD) instanceof String c && !c.isEmpty()) {
            try {
                beforeCwd = Path.of(c).isAbsolute() ? Path.of(c) : null;
            } catch (java.nio.file.InvalidPathException x) {
                beforeCwd = null; // compared as written
            }
        }
        Map<String, Object> changed = ResumeCheck.changes(before, runConfig, beforeCwd);
        boolean opencl = "opencl".equals(beforeCompute.get("backend")) && "opencl".equals(computeRecord.get("backend"));
        for (String k : opencl ? new String[] {"backend", "device", "graph"} : new String[] {"backend", "graph"}) {
            Object was = beforeCompute.get(k); // on the CPU the device is the thread count, compared above
            Object now = computeRecord.get(k);
            if (was != null && !was.equals(now)) {
                changed.put(k, was + " -> " + now);
            }
        }
        e.put("changed", changed);
        if (allowNonFinite) { // the checkpoint was loaded whatever NaN or infinite values it held
            e.put("allow_nonfinite", true);
        }
        e.putAll(RunRecord.environment());
        e.putAll(computeRecord);
        return e;
    }

    private Outcome loop(TrainConfig cfg, TrainingTask task, Backend be, Net net, Adam adam, RecordedTrainStep recorded,
                         RunRecord record, Path ckpt, String configJson, Checkpoint.Position pos, boolean resume,
                         long totalSteps) throws IOException {
        ModelConfig m = cfg.model();
        TrainStep step = new TrainStep(net, adam);
        Metrics initial = null;
        if (resume && pos.step() == totalSteps) {
            say("resuming at step %d: every step is trained, the final evaluation is not logged; evaluating", pos.step());
        } else if (resume) {
            say("resuming at epoch %d, batch %d (step %d)", pos.epoch(), pos.batch(), pos.step());
        } else {
            say("%s", task.describe());
            initial = task.evaluate(be, net);
            record.log(metrics(0, 0, "test_loss", initial.loss(), "test_last", initial.last()));
            say("initial test_loss %.6f  test_last %.6f  (%d test images)", initial.loss(), initial.last(), initial.images());
        }
        int perEpoch = task.batchesPerEpoch();
        long stepNo = pos.step();
        long savedStep = resume ? pos.step() : -1; // the step of the checkpoint on disk, -1: none
        Metrics lastEval = initial;
        boolean nan = false;
        List<Double> losses = new ArrayList<>();
        try (Progress progress = Progress.of(cfg.quiet(), terminal, out, progressClock, "train " + m.task().cliName() + " "
                + m.decoder().name().toLowerCase(Locale.ROOT), totalSteps, stepNo)) {
            String nl = progress.drawsBar() ? "%n" : ""; // a stop message on a line of its own, not on the bar's
            outer:
            for (long e = pos.epoch(); e < cfg.epochs(); e++) {
                for (int b = e == pos.epoch() ? pos.batch() : 0; b < perEpoch; b++) {
                    if (stepNo >= totalSteps) {
                        break outer;
                    }
                    Tensor[] t = task.trainBatch(be, m.dtype(), e, b);
                    long t0 = clock.getAsLong();
                    TrainStep.Result r;
                    try {
                        r = recorded != null ? recorded.run(t[0], t[1], t[2]) : step.run(t[0], t[1], t[2]);
                    } catch (IllegalArgumentException ex) {
                        if (!nonFiniteCosts(ex)) {
                            throw ex;
                        }
                        r = new TrainStep.Result(Double.NaN, Double.NaN, new double[0]);
                    } catch (OutOfMemoryError oom) {
                        throw new IllegalArgumentException(task.outOfMemory(cfg.batch()), oom);
                    }
                    double seconds = (clock.getAsLong() - t0) / 1e9;
                    if (!Double.isFinite(r.loss())) {
                        nan = true;
                        say(nl + "stopping: the training loss became %s at step %d (epoch %d, batch %d); %s", r.loss(),
                                stepNo + 1, e, b, kept(ckpt, savedStep));
                        break outer;
                    }
                    stepNo++;
                    losses.add(r.loss());
                    record.log(metrics(stepNo, e, "train_loss", r.loss(), "train_last", r.last(), "seconds", seconds));
                    progress.step(stepNo, e, r.loss(), seconds);
                    afterStep.accept(stepNo);
                    boolean endOfEpoch = b == perEpoch - 1;
                    boolean evalNow = endOfEpoch || (cfg.evalEvery() > 0 && stepNo % cfg.evalEvery() == 0);
                    if (evalNow || stepNo == totalSteps) {
                        if (recorded != null) {
                            recorded.syncToModel(); // parameters, buffers and Adam's state out of the graph's ranges
                        }
                        Checkpoint.Position next = endOfEpoch ? new Checkpoint.Position(e + 1, 0, stepNo)
                                : new Checkpoint.Position(e, b + 1, stepNo);
                        boolean evaluating = evalNow && stepNo != totalSteps; // at the last step: the final evaluation
                        Metrics ev = evaluating ? evaluateOrNull(task, be, net) : null;
                        if ((evaluating && ev == null) || !finiteParameters(net)) {
                            nan = true;
                            say(nl + "stopping: %s after step %d (epoch %d, batch %d); %s",
                                    evaluating && ev == null ? "the test metrics are no longer finite"
                                            : "the parameters are no longer finite", stepNo, e, b, kept(ckpt, savedStep));
                            break outer;
                        }
                        if (ev != null) {
                            lastEval = ev;
                            record.log(metrics(stepNo, e, "test_loss", ev.loss(), "test_last", ev.last()));
                            progress.evaluated(stepNo, e, ev.loss(), ev.last());
                        }
                        Checkpoint.save(ckpt, net, adam, next, configJson);
                        savedStep = stepNo;
                    }
                }
            }
        }
        if (!nan && recorded != null) {
            recorded.syncToModel();
        }
        Metrics fin = null;
        if (!nan) {
            fin = finiteParameters(net) ? evaluateOrNull(task, be, net) : null;
            if (fin == null) {
                nan = true;
                say("stopping: the %s no longer finite after step %d; %s", finiteParameters(net) ? "test metrics are"
                        : "parameters are", stepNo, kept(ckpt, savedStep));
            }
        }
        if (!nan) {
            lastEval = fin;
            say("final   test_loss %.6f  test_last %.6f  after %d steps", fin.loss(), fin.last(), stepNo);
            if (initial != null) {
                say("test_last changed by %+.1f%% from its initial value", 100 * (fin.last() / initial.last() - 1));
            }
            // the final line is written last, after the figures: a run stopped while they are written (killed, a
            // full disk) has no final line, and its resume evaluates again and writes them (docs/run-folder.md)
            Map<String, Object> finalLine = metrics(stepNo, -1, "test_loss", fin.loss(), "test_last", fin.last());
            List<Path> written = new ArrayList<>(IoErrors.naming(cfg.out(), () -> task.finish(be, net, cfg.out(), out)));
            Path loss = cfg.out().resolve("loss.png");
            LossCurveFigure curve = lossCurve(cfg.out().resolve(METRICS), task.lossTitle(), finalLine);
            IoErrors.naming(loss, () -> curve.writePng(loss));
            written.add(loss);
            record.log(finalLine);
            say("wrote %s", String.join(", ", written.stream().map(Path::toString).toList()));
        }
        return new Outcome(initial, lastEval, stepNo, nan, savedStep >= 0 ? ckpt : null, losses);
    }

    /** What the stop message says about the checkpoint: where the last good one is, or that there is none. */
    private static String kept(Path ckpt, long savedStep) {
        if (savedStep >= 0) {
            return "the last checkpoint (step " + savedStep + ") is kept at " + ckpt;
        }
        return "no checkpoint was written (one is written at each evaluation and at the last step; --eval-every N "
                + "writes one every N steps)";
    }

    /** {@link TrainingTask#evaluate}, or null when the metrics are not finite (a diverged model). */
    private static Metrics evaluateOrNull(TrainingTask task, Backend be, Net net) throws IOException {
        try {
            Metrics mt = task.evaluate(be, net);
            return mt.finite() ? mt : null;
        } catch (IllegalArgumentException ex) {
            if (nonFiniteCosts(ex)) {
                return null;
            }
            throw ex;
        }
    }

    /**
     * Whether an exception is {@link org.dspn4j.match.Hungarian} refusing a cost matrix with NaN or
     * infinite entries — what a diverged model's predictions give; a stop, not a crash.
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

    /**
     * Training and test curves of {@code *_last} over steps, read back from metrics.jsonl; on a log axis when they
     * span more than a factor of {@value LossCurveFigure#LOG_AXIS_RATIO} ({@link LossCurveFigure#logYWhenWide}).
     */
    public static LossCurveFigure lossCurve(Path metricsJsonl, String title) throws IOException {
        return lossCurve(metricsJsonl, title, null);
    }

    /** {@link #lossCurve(Path, String)} with one more line, not yet logged ({@code next}, null: none), at the end. */
    private static LossCurveFigure lossCurve(Path metricsJsonl, String title, Map<String, Object> next) throws IOException {
        List<double[]> train = new ArrayList<>();
        List<double[]> test = new ArrayList<>();
        List<String> lines = new ArrayList<>(Files.readAllLines(metricsJsonl));
        if (next != null) {
            lines.add(RunRecord.toJson(next, false));
        }
        for (String line : lines) {
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
        LossCurveFigure fig = new LossCurveFigure(title, "step", "loss");
        if (!train.isEmpty()) {
            fig.addSeries("train_last", column(train, 0), column(train, 1));
        }
        if (!test.isEmpty()) {
            fig.addSeries("test_last", column(test, 0), column(test, 1));
        }
        return fig.logYWhenWide(); // as show --curves: a log axis where the curves span more than a factor of 100
    }

    private static double[] column(List<double[]> rows, int c) {
        double[] o = new double[rows.size()];
        for (int i = 0; i < o.length; i++) {
            o[i] = rows.get(i)[c];
        }
        return o;
    }

    /** One metrics.jsonl line: step, epoch (omitted when negative: the final evaluation), then the pairs. */
    static Map<String, Object> metrics(long step, long epoch, Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", step);
        if (epoch >= 0) {
            m.put("epoch", epoch);
        }
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** run.json's {@code config}: the model, the data (the task's), and the loop's settings. */
    static Map<String, Object> runConfig(TrainConfig c, TrainingTask task) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", ModelConfigJson.toMap(c.model()));
        task.recordData(m);
        m.put("epochs", c.epochs());
        m.put("max_steps", c.maxSteps());
        m.put("batch", c.batch());
        m.put("lr", c.lr());
        m.put("seed", c.seed());
        m.put("eval_every", c.evalEvery());
        m.put("full_eval", c.fullEval());
        m.put("threads", c.threads());
        if (c.model().decoder() == ModelConfig.DecoderKind.DSPN) {
            m.put("inner_steps", c.recomputeSteps() ? "recompute" : "keep");
        }
        return m;
    }

    private void say(String fmt, Object... args) {
        out.println(String.format(Locale.ROOT, fmt, args));
    }
}
