package org.dspn4j.experiment;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.commons.math3.random.RandomGenerator;
import org.dspn4j.data.clevr.ClevrDataset;
import org.dspn4j.data.clevr.Slots;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * CLEVR set prediction from images (the paper's CLEVR experiments) as a {@link TrainingTask}: boxes or object
 * states of generated scenes or of CLEVR v1.0 ({@link ClevrSource}), the authors' shuffled training
 * batches ({@link ClevrBatches}), evaluation on val at the trained T with the AP tables printed at the
 * end, and the paper's Figure 4 (boxes) or Table 4 (states).
 */
final class ClevrTask implements TrainingTask {
    /** Scenes in the figure written at the end of a run. */
    static final int FIGURE_ROWS = 4;

    private final TrainConfig cfg;
    private final ClevrSource src;
    private final ClevrExperiment.Models models;
    private final ClevrDataset.Target target;
    private ClevrBatches train;
    private ClevrBatches test;
    /** The latest evaluation, whose AP tables {@link #finish} prints. */
    private ClevrEvaluation.Result lastResult;

    ClevrTask(TrainConfig cfg, ClevrSource src, ClevrExperiment.Models models) {
        if (!cfg.model().task().supervised()) {
            throw new IllegalArgumentException("the CLEVR experiment runs clevr-box or clevr-state, not "
                    + cfg.model().task().cliName());
        }
        this.cfg = cfg;
        this.src = src;
        this.models = models;
        this.target = ClevrEvaluation.target(cfg.model().task());
    }

    @Override
    public Net createModel(Backend be, ModelConfig config, RandomGenerator rng) {
        return models.create(be, config, rng);
    }

    @Override
    public void load(PrintStream log, int threads) throws IOException {
        src.prepare(log, threads);
        train = ClevrBatches.of(src, "train", target, -1, cfg.batch(), true, cfg.seed());
        if (train.batchesPerEpoch() == 0) {
            throw new IllegalArgumentException(src.root() + ": the train split has " + train.dataset().size()
                    + " scenes, fewer than one batch of " + cfg.batch());
        }
        test = ClevrExperiment.testBatches(src, target, cfg.fullEval(), cfg.batch());
        if (test.batchesPerEpoch() == 0) {
            // as eval words it: how many are evaluated and, when it is the first tenth of real CLEVR's val, the option
            // that evaluates all of it (a val split written by synth and given as --data-dir is read as CLEVR v1.0)
            int evaluated = src.evalCount(test.dataset().size(), cfg.fullEval());
            boolean tenth = !cfg.fullEval() && !src.isGenerated();
            throw new IllegalArgumentException(src.root() + ": the " + evaluated + " evaluated val scenes"
                    + (tenth ? " (the first tenth of the " + test.dataset().size() + "; --full-eval evaluates all of them)"
                    : "") + " are fewer than one --batch of " + cfg.batch()
                    + (src.isGenerated() ? "; give a larger --synth-val or a smaller --batch" : ""));
        }
        // every image present and a well-formed PNG within the limits, before anything is written or
        // trained (headers and chunk layout only: a few bytes per image)
        train.dataset().checkImages();
        test.dataset().checkImages();
    }

    @Override
    public String warning() {
        return ClevrExperiment.heapWarning(cfg.model(), src, cfg.batch(), !cfg.recomputeSteps(),
                Runtime.getRuntime().maxMemory());
    }

    @Override
    public Map<String, String> dataDigest() throws IOException {
        return DataDigest.clevr(src);
    }

    @Override
    public void recordData(Map<String, Object> config) {
        config.put("data", src.toMap());
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "%s %s: %d train scenes (%d batches of %d per epoch), %d val scenes evaluated, "
                        + "%dx%d images, %s", cfg.model().task().cliName(),
                cfg.model().decoder().name().toLowerCase(Locale.ROOT), train.dataset().size(), train.batchesPerEpoch(),
                cfg.batch(), test.samples(), src.imageSize(), src.imageSize(),
                src.isGenerated() ? "generated scenes in " + src.root() : "CLEVR at " + src.root());
    }

    @Override
    public int batchesPerEpoch() {
        return train.batchesPerEpoch();
    }

    @Override
    public Tensor[] trainBatch(Backend be, DType dtype, long epoch, int b) throws IOException {
        return train.tensors(be, dtype, train.batch(epoch, b));
    }

    @Override
    public int[][] batchShapes() {
        return new int[][] {{cfg.batch(), 3, src.imageSize(), src.imageSize()},
            {cfg.batch(), train.channels(), Slots.MAX_OBJECTS}, {cfg.batch(), Slots.MAX_OBJECTS}};
    }

    @Override
    public TrainingLoop.Metrics evaluate(Backend be, Net net) throws IOException {
        lastResult = ClevrEvaluation.run(be, net, test, null);
        return new TrainingLoop.Metrics(lastResult.loss(), lastResult.last(), lastResult.images());
    }

    @Override
    public List<Path> finish(Backend be, Net net, Path dir, PrintStream out) throws IOException {
        ClevrEvaluation.print(out, ClevrEvaluation.tables(lastResult));
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
            IoErrors.writeAtomic(md, table.markdown());
            written.add(png);
            written.add(md);
        }
        return written;
    }

    @Override
    public String lossTitle() {
        return "Hungarian loss of the final set";
    }

    @Override
    public String outOfMemory(int batch) {
        boolean kept = !cfg.recomputeSteps();
        return String.format(Locale.ROOT, "out of memory in a training step at batch %d with a %s heap. "
                + "The paper-size model needs about %.1f GiB + %.3f GiB per sample of heap on the CPU backend with the inner "
                + "steps %s (measured at batch 32: 1.4 GiB live kept, 0.9 GiB recomputed). Use a smaller --batch%s "
                + "or a larger heap, e.g. DSPN4J_JAVA_OPTS=-Xmx%dg", batch, Heap.max(),
                ClevrExperiment.LIVE_GIB_FIXED, kept ? ClevrExperiment.LIVE_GIB_PER_SAMPLE_KEPT : ClevrExperiment.LIVE_GIB_PER_SAMPLE,
                kept ? "kept" : "recomputed", kept ? ", --inner-steps recompute" : "",
                (int) Math.ceil(ClevrExperiment.heapGib(batch, kept)) + 1);
    }
}
