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
import org.dspn4j.autodiff.Autograd;
import org.dspn4j.data.mnist.MnistBatcher;
import org.dspn4j.data.mnist.MnistDataset;
import org.dspn4j.data.mnist.MnistSet;
import org.dspn4j.data.mnist.MnistSplit;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.optim.Adam;
import org.dspn4j.set.DecoderOutput;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.viz.LossCurveFigure;
import org.dspn4j.viz.SetProgressionFigure;

/**
 * MNIST set auto-encoding (paper §4.1, spec §5.1, §7.1): train, evaluate and draw the progression.
 * Metrics use the authors' names: {@code *_loss} is the training objective (Chamfer averaged over
 * the T+1 steps for DSPN), {@code *_last} the Chamfer loss of the final set.
 */
public final class MnistExperiment {
    /** The file a run's latest checkpoint lives in. */
    public static final String CHECKPOINT = "checkpoint.npz";

    private final PrintStream out;

    public MnistExperiment(PrintStream out) {
        this.out = out;
    }

    /** Test metrics averaged over batches. */
    public record Metrics(double loss, double last, int images) {
    }

    /** What a training run reports. */
    public record Outcome(Metrics initial, Metrics last, long steps, boolean stoppedOnNaN, Path checkpoint) {
    }

    static MnistDataset load(Path dataDir, MnistSplit split) throws IOException {
        return dataDir == null ? MnistDataset.loadBundled(split) : MnistDataset.load(dataDir, split);
    }

    /** The test batches: the first tenth of the test split (the authors' default) or all of it. */
    public static MnistBatcher testBatches(Path dataDir, boolean full, int batch, long seed) throws IOException {
        MnistDataset test = load(dataDir, MnistSplit.TEST);
        if (!full) {
            test = test.head(test.size() / 10);
        }
        return new MnistBatcher(new MnistSet(test, seed), batch, false);
    }

    static Tensor[] tensors(Backend be, ModelConfig m, MnistBatcher.Batch b) {
        int n = m.setSize();
        return new Tensor[] {be.fromHost(b.features(), m.dtype(), b.batchSize(), 2, n),
                be.fromHost(b.mask(), m.dtype(), b.batchSize(), n)};
    }

    public static Metrics evaluate(Backend be, Net net, MnistBatcher test) {
        double loss = 0;
        double last = 0;
        int count = test.batchesPerEpoch();
        if (count == 0) {
            throw new IllegalArgumentException("the test split has fewer images than one batch of " + test.batchSize());
        }
        for (int i = 0; i < count; i++) {
            Tensor[] t = tensors(be, net.config(), test.batch(0, i));
            TrainStep.Result r = TrainStep.evaluate(net, null, t[0], t[1]);
            loss += r.loss();
            last += r.last();
        }
        return new Metrics(loss / count, last / count, count * test.batchSize());
    }

    /** {@link #train(TrainConfig, Compute, boolean)} on the CPU backend with {@code cfg.threads()} threads. */
    public Outcome train(TrainConfig cfg, boolean resume) throws IOException {
        try (Compute c = Compute.cpu(cfg.threads())) {
            return train(cfg, c, resume);
        }
    }

    /**
     * Trains on {@code compute}'s backend: the model, Adam's state and every batch live there; the
     * checkpoint holds host copies, so it resumes on any backend.
     */
    public Outcome train(TrainConfig cfg, Compute compute, boolean resume) throws IOException {
        ModelConfig m = cfg.model();
        if (m.task() != ModelConfig.Task.MNIST) {
            throw new IllegalArgumentException("MnistExperiment runs the mnist task, not " + m.task().cliName());
        }
        Files.createDirectories(cfg.out());
        Path ckpt = cfg.out().resolve(CHECKPOINT);
        Backend be = compute.backend();
        Net net = new Net(be, m, new MersenneTwister(cfg.seed()), null);
        Adam adam = new Adam(net.namedParameters(), cfg.lr());
        MnistBatcher train = new MnistBatcher(new MnistSet(load(cfg.dataDir(), MnistSplit.TRAIN), cfg.seed()),
                cfg.batch(), true);
        MnistBatcher test = testBatches(cfg.dataDir(), cfg.fullEval(), cfg.batch(), cfg.seed());
        RunRecord record = new RunRecord(cfg.out());
        Map<String, Object> runCfg = runConfig(cfg);
        String configJson = ModelConfigJson.toJson(m);

        Checkpoint.Position pos = new Checkpoint.Position(0, 0, 0);
        if (resume) {
            if (!Files.exists(ckpt)) {
                throw new IllegalArgumentException("--resume: no checkpoint at " + ckpt);
            }
            pos = Checkpoint.load(ckpt, net, adam);
        }
        RecordedTrainStep.Started started = RecordedTrainStep.start(cfg.graph(), be, net, adam, null,
                new int[] {cfg.batch(), 2, m.setSize()}, new int[] {cfg.batch(), m.setSize()}, out);
        RecordedTrainStep recorded = started.step(); // batches have static shapes: the batcher drops the last partial one
        String mode = started.mode();
        Map<String, Object> computeRecord = new LinkedHashMap<>(compute.record());
        computeRecord.put("graph", mode);
        record.writeRun(runCfg, computeRecord);
        try {
            return loop(cfg, be, net, adam, recorded, train, test, record, ckpt, configJson, pos, resume);
        } finally {
            if (recorded != null) {
                recorded.close();
            }
        }
    }

    private Outcome loop(TrainConfig cfg, Backend be, Net net, Adam adam, RecordedTrainStep recorded, MnistBatcher train,
                         MnistBatcher test, RunRecord record, Path ckpt, String configJson, Checkpoint.Position pos,
                         boolean resume) throws IOException {
        ModelConfig m = cfg.model();
        TrainStep step = new TrainStep(net, adam);
        Metrics initial;
        if (resume) {
            initial = null;
            say("resuming at epoch %d, batch %d (step %d)", pos.epoch(), pos.batch(), pos.step());
        } else {
            initial = evaluate(be, net, test);
            record.log(metrics(0, 0, "test_loss", initial.loss(), "test_last", initial.last()));
            say("initial test_loss %.6f  test_last %.6f  (%d test images)", initial.loss(), initial.last(), initial.images());
        }
        int perEpoch = train.batchesPerEpoch();
        long totalSteps = (long) cfg.epochs() * perEpoch;
        if (cfg.maxSteps() > 0) {
            totalSteps = Math.min(totalSteps, cfg.maxSteps());
        }
        long stepNo = pos.step();
        Metrics lastEval = initial;
        boolean nan = false;
        ProgressBar bar = cfg.quiet() ? null : new ProgressBarBuilder().setTaskName("train " + m.decoder().name().toLowerCase())
                .setInitialMax(totalSteps).setStyle(ProgressBarStyle.ASCII).setUnit(" steps", 1).continuousUpdate()
                .startsFrom(stepNo, java.time.Duration.ZERO).build();
        try {
            outer:
            for (long e = pos.epoch(); e < cfg.epochs(); e++) {
                for (int b = e == pos.epoch() ? pos.batch() : 0; b < perEpoch; b++) {
                    if (stepNo >= totalSteps) {
                        break outer;
                    }
                    Tensor[] t = tensors(be, m, train.batch(e, b));
                    long t0 = System.nanoTime();
                    TrainStep.Result r = recorded != null ? recorded.run(null, t[0], t[1]) : step.run(null, t[0], t[1]);
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    if (!Double.isFinite(r.loss())) {
                        nan = true;
                        say("%nstopping: the training loss became %s at step %d (epoch %d, batch %d); the last good "
                                + "checkpoint is kept at %s", r.loss(), stepNo + 1, e, b, ckpt);
                        break outer;
                    }
                    stepNo++;
                    record.log(metrics(stepNo, e, "train_loss", r.loss(), "train_last", r.last(), "seconds", seconds));
                    if (bar != null) {
                        bar.stepTo(stepNo);
                        bar.setExtraMessage(String.format(" loss %.5f  %.1f s/step", r.loss(), seconds));
                    }
                    boolean endOfEpoch = b == perEpoch - 1;
                    boolean evalNow = endOfEpoch || (cfg.evalEvery() > 0 && stepNo % cfg.evalEvery() == 0);
                    if (evalNow || stepNo == totalSteps) {
                        if (recorded != null) {
                            recorded.syncToModel(); // parameters and Adam's state out of the graph's ranges
                        }
                        Checkpoint.Position next = endOfEpoch ? new Checkpoint.Position(e + 1, 0, stepNo)
                                : new Checkpoint.Position(e, b + 1, stepNo);
                        if (evalNow) {
                            lastEval = evaluate(be, net, test);
                            record.log(metrics(stepNo, e, "test_loss", lastEval.loss(), "test_last", lastEval.last()));
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
        if (!nan) {
            if (recorded != null) {
                recorded.syncToModel();
            }
            lastEval = evaluate(be, net, test);
            record.log(metrics(stepNo, -1, "test_loss", lastEval.loss(), "test_last", lastEval.last()));
            say("final   test_loss %.6f  test_last %.6f  after %d steps", lastEval.loss(), lastEval.last(), stepNo);
            if (initial != null) {
                say("test_last changed by %+.1f%% from its initial value", 100 * (lastEval.last() / initial.last() - 1));
            }
            writeFigures(be, net, test, cfg.out());
        }
        return new Outcome(initial, lastEval, stepNo, nan, ckpt);
    }

    private void writeFigures(Backend be, Net net, MnistBatcher test, Path dir) throws IOException {
        Path fig = dir.resolve("progression.png");
        progressionFigure(be, net, null, test, 8).writePng(fig);
        lossCurve(dir.resolve("metrics.jsonl")).writePng(dir.resolve("loss.png"));
        say("wrote %s and %s", fig, dir.resolve("loss.png"));
    }

    /** Figure 3: rows of test digits, columns Ŷ(0)…Ŷ(T), the target, and optionally a baseline. */
    public static SetProgressionFigure progressionFigure(Backend be, Net net, Net baseline, MnistBatcher test, int rows) {
        MnistBatcher.Batch b = test.batch(0, 0);
        Tensor[] t = tensors(be, net.config(), b);
        DecoderOutput d = decodeEval(net, t);
        DecoderOutput base = baseline == null ? null : decodeEval(baseline, t);
        int n = net.config().setSize();
        int k = Math.min(rows, b.batchSize());
        int cols = d.sets().size() + 1 + (base == null ? 0 : 1);
        double[][][] sets = new double[k][cols][];
        double[][][] masks = new double[k][cols][];
        for (int c = 0; c < d.sets().size(); c++) {
            double[] s = d.sets().get(c).toDoubles();
            double[] mk = d.masks().get(c).toDoubles();
            for (int r = 0; r < k; r++) {
                sets[r][c] = java.util.Arrays.copyOfRange(s, r * 2 * n, (r + 1) * 2 * n);
                masks[r][c] = java.util.Arrays.copyOfRange(mk, r * n, (r + 1) * n);
            }
        }
        for (int r = 0; r < k; r++) {
            int c = d.sets().size();
            sets[r][c] = java.util.Arrays.copyOfRange(b.features(), r * 2 * n, (r + 1) * 2 * n);
            masks[r][c] = java.util.Arrays.copyOfRange(b.mask(), r * n, (r + 1) * n);
            if (base != null) {
                sets[r][c + 1] = java.util.Arrays.copyOfRange(base.lastSet().toDoubles(), r * 2 * n, (r + 1) * 2 * n);
                masks[r][c + 1] = java.util.Arrays.copyOfRange(base.lastMask().toDoubles(), r * n, (r + 1) * n);
            }
        }
        List<String> headers = d.sets().size() > 1
                ? SetProgressionFigure.progressionHeaders(d.sets().size() - 1, base != null)
                : new ArrayList<>(List.of(net.config().decoder().name().toLowerCase(), "target"));
        return new SetProgressionFigure(headers, sets, masks, 96);
    }

    private static DecoderOutput decodeEval(Net net, Tensor[] t) {
        net.train(false);
        try (Autograd.Scope s = Autograd.noGrad()) {
            return net.forward(null, t[0], t[1]).decoded();
        } finally {
            net.train(true);
        }
    }

    /** Training and test curves read back from metrics.jsonl. */
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
        LossCurveFigure fig = new LossCurveFigure("Chamfer loss of the final set", "step", "loss");
        if (!train.isEmpty()) {
            fig.addSeries("train_last", column(train, 0), column(train, 1));
        }
        if (!test.isEmpty()) {
            fig.addSeries("test_last", column(test, 0), column(test, 1));
        }
        return fig;
    }

    private static double[] column(List<double[]> rows, int c) {
        double[] out = new double[rows.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = rows.get(i)[c];
        }
        return out;
    }

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

    static Map<String, Object> runConfig(TrainConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", ModelConfigJson.toMap(c.model()));
        m.put("data_dir", c.dataDir() == null ? "bundled" : c.dataDir().toString());
        m.put("epochs", c.epochs());
        m.put("max_steps", c.maxSteps());
        m.put("batch", c.batch());
        m.put("lr", c.lr());
        m.put("seed", c.seed());
        m.put("eval_every", c.evalEvery());
        m.put("full_eval", c.fullEval());
        m.put("threads", c.threads());
        return m;
    }

    private void say(String fmt, Object... args) {
        out.println(String.format(fmt, args));
    }
}
