package org.dspn4j.experiment;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.commons.math3.random.RandomGenerator;
import org.dspn4j.data.mnist.MnistBatcher;
import org.dspn4j.data.mnist.MnistDataset;
import org.dspn4j.data.mnist.MnistSet;
import org.dspn4j.data.mnist.MnistSplit;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * MNIST set auto-encoding (the paper's MNIST experiment) as a {@link TrainingTask}: the digits of the bundled
 * subset or of a full MNIST folder as point sets (N = 342), the authors' shuffled training batches and
 * the first tenth of the test split (or all of it) for evaluation; the figure is the paper's Figure 3.
 */
final class MnistTask implements TrainingTask {
    /** Digits in the figure written at the end of a run. */
    static final int FIGURE_ROWS = 8;

    private final TrainConfig cfg;
    private MnistBatcher train;
    private MnistBatcher test;
    /** The digits' digests, per split ({@link DataDigest}). */
    private final Map<String, String> digest = new LinkedHashMap<>();

    MnistTask(TrainConfig cfg) {
        if (cfg.model().task() != ModelConfig.Task.MNIST) {
            throw new IllegalArgumentException("the MNIST experiment runs the mnist task, not " + cfg.model().task().cliName());
        }
        this.cfg = cfg;
    }

    @Override
    public Net createModel(Backend be, ModelConfig config, RandomGenerator rng) {
        return new Net(be, config, rng, null);
    }

    @Override
    public void load(PrintStream log, int threads) throws IOException {
        MnistDataset digits = MnistExperiment.load(cfg.dataDir(), MnistSplit.TRAIN);
        digest.put("train", DataDigest.of(digits));
        MnistSet set = new MnistSet(digits, cfg.seed());
        train = new MnistBatcher(set, cfg.batch(), true);
        if (train.batchesPerEpoch() == 0) {
            throw new IllegalArgumentException(dataName() + ": the training split has " + set.size()
                    + " digits, fewer than one batch of " + cfg.batch());
        }
        MnistDataset testDigits = MnistExperiment.testSplit(cfg.dataDir());
        digest.put("test", DataDigest.of(testDigits));
        test = MnistExperiment.testBatches(testDigits, cfg.fullEval(), cfg.batch(), cfg.seed());
        if (test.batchesPerEpoch() == 0) {
            throw new IllegalArgumentException(dataName() + ": the evaluated test digits are fewer than one batch of "
                    + cfg.batch());
        }
    }

    private String dataName() {
        return cfg.dataDir() == null ? "the bundled MNIST subset" : "--data-dir " + cfg.dataDir();
    }

    @Override
    public Map<String, String> dataDigest() {
        return digest;
    }

    @Override
    public void recordData(Map<String, Object> config) {
        config.put("data_dir", cfg.dataDir() == null ? "bundled" : cfg.dataDir().toString());
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "mnist %s: %d batches of %d per epoch, %d test digits evaluated, %s",
                cfg.model().decoder().name().toLowerCase(Locale.ROOT), train.batchesPerEpoch(), cfg.batch(),
                test.batchesPerEpoch() * test.batchSize(),
                cfg.dataDir() == null ? "the bundled subset" : "MNIST at " + cfg.dataDir());
    }

    @Override
    public int batchesPerEpoch() {
        return train.batchesPerEpoch();
    }

    @Override
    public Tensor[] trainBatch(Backend be, DType dtype, long epoch, int b) {
        Tensor[] t = MnistExperiment.tensors(be, cfg.model(), train.batch(epoch, b));
        return new Tensor[] {null, t[0], t[1]};
    }

    @Override
    public int[][] batchShapes() {
        int n = cfg.model().setSize();
        return new int[][] {null, {cfg.batch(), 2, n}, {cfg.batch(), n}};
    }

    @Override
    public TrainingLoop.Metrics evaluate(Backend be, Net net) {
        return MnistExperiment.evaluate(be, net, test);
    }

    @Override
    public List<Path> finish(Backend be, Net net, Path dir, PrintStream out) throws IOException {
        Path fig = dir.resolve("progression.png");
        MnistExperiment.progressionFigure(be, net, null, test, FIGURE_ROWS).writePng(fig);
        return List.of(fig);
    }

    @Override
    public String lossTitle() {
        return "Chamfer loss of the final set";
    }

    @Override
    public String outOfMemory(int batch) {
        // the step keeps T+1 sets of B x N points and, with the inner steps kept, each inner step's graph (Algorithm 1)
        return String.format(Locale.ROOT, "out of memory in a training step at batch %d with a %s heap; use a "
                + "smaller --batch (or --iters, --latent, --hidden)%s or a larger heap, e.g. %s", batch, Heap.max(),
                cfg.recomputeSteps() ? "" : ", --inner-steps recompute", Heap.larger());
    }
}
