package org.dspn4j.experiment;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.dspn4j.autodiff.Autograd;
import org.dspn4j.data.mnist.MnistBatcher;
import org.dspn4j.data.mnist.MnistDataset;
import org.dspn4j.data.mnist.MnistSet;
import org.dspn4j.data.mnist.MnistSplit;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.set.DecoderOutput;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.viz.SetProgressionFigure;

/**
 * MNIST set auto-encoding (the paper's MNIST experiment): train ({@link MnistTask} in the one {@link TrainingLoop}),
 * evaluate and draw the progression. Metrics use the authors' names: {@code *_loss} is the training
 * objective (Chamfer averaged over the T+1 steps for DSPN), {@code *_last} the Chamfer loss of the
 * final set.
 */
public final class MnistExperiment {
    /** The file a run's latest checkpoint lives in. */
    public static final String CHECKPOINT = TrainingLoop.CHECKPOINT;

    private final PrintStream out;

    public MnistExperiment(PrintStream out) {
        this.out = out;
    }

    static MnistDataset load(Path dataDir, MnistSplit split) throws IOException {
        return dataDir == null ? MnistDataset.loadBundled(split) : MnistDataset.load(dataDir, split);
    }

    /** The test split of the folder (null: the bundled subset). */
    public static MnistDataset testSplit(Path dataDir) throws IOException {
        return load(dataDir, MnistSplit.TEST);
    }

    /** The test batches of a test split: its first tenth (the authors' default) or all of it. */
    public static MnistBatcher testBatches(MnistDataset test, boolean full, int batch, long seed) {
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

    public static TrainingLoop.Metrics evaluate(Backend be, Net net, MnistBatcher test) {
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
        return new TrainingLoop.Metrics(loss / count, last / count, count * test.batchSize());
    }

    /** {@link #train(TrainConfig, Compute, boolean)} on the CPU backend with {@code cfg.threads()} threads. */
    public TrainingLoop.Outcome train(TrainConfig cfg, boolean resume) throws IOException {
        try (Compute c = Compute.cpu(cfg.threads())) {
            return train(cfg, c, resume);
        }
    }

    /**
     * Trains on {@code compute}'s backend with the one {@link TrainingLoop}: the model, Adam's state and
     * every batch live there; the checkpoint holds host copies, so it resumes on any backend.
     */
    public TrainingLoop.Outcome train(TrainConfig cfg, Compute compute, boolean resume) throws IOException {
        return train(cfg, compute, TrainingLoop.Start.of(resume));
    }

    /** {@link #train(TrainConfig, Compute, boolean)} with {@code --force} or {@code --allow-nonfinite}. */
    public TrainingLoop.Outcome train(TrainConfig cfg, Compute compute, TrainingLoop.Start start) throws IOException {
        return new TrainingLoop(out).run(cfg, new MnistTask(cfg), compute, start);
    }

    /** Figure 3: rows of test digits, columns Ŷ(0)…Ŷ(T), the target, and optionally a baseline. */
    public static SetProgressionFigure progressionFigure(Backend be, Net net, Net baseline, MnistBatcher test, int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("rows must be positive, got " + rows);
        }
        int available = test.batchesPerEpoch() * test.batchSize();
        if (available == 0) {
            throw new IllegalArgumentException("the test split has fewer images than one batch of " + test.batchSize());
        }
        int n = net.config().setSize();
        int k = Math.min(rows, available); // the first k test digits, from as many batches as they take
        double[][][] sets = new double[k][][];
        double[][][] masks = new double[k][][];
        int steps = 0;
        int filled = 0;
        for (int bi = 0; filled < k; bi++) {
            MnistBatcher.Batch b = test.batch(0, bi);
            Tensor[] t = tensors(be, net.config(), b);
            DecoderOutput d = decodeEval(net, t);
            DecoderOutput base = baseline == null ? null : decodeEval(baseline, t);
            steps = d.sets().size();
            int cols = steps + 1 + (base == null ? 0 : 1);
            List<double[]> colSets = new ArrayList<>();
            List<double[]> colMasks = new ArrayList<>();
            for (int c = 0; c < steps; c++) {
                colSets.add(d.sets().get(c).toDoubles());
                colMasks.add(d.masks().get(c).toDoubles());
            }
            colSets.add(b.features());
            colMasks.add(b.mask());
            if (base != null) {
                colSets.add(base.lastSet().toDoubles());
                colMasks.add(base.lastMask().toDoubles());
            }
            for (int r = 0; r < b.batchSize() && filled < k; r++, filled++) {
                sets[filled] = new double[cols][];
                masks[filled] = new double[cols][];
                for (int c = 0; c < cols; c++) {
                    sets[filled][c] = java.util.Arrays.copyOfRange(colSets.get(c), r * 2 * n, (r + 1) * 2 * n);
                    masks[filled][c] = java.util.Arrays.copyOfRange(colMasks.get(c), r * n, (r + 1) * n);
                }
            }
        }
        List<String> headers = new ArrayList<>();
        if (steps > 1) {
            headers.addAll(SetProgressionFigure.progressionHeaders(steps - 1, baseline != null));
        } else { // a baseline (one set): its decoder's name, the target, and a --baseline's column
            headers.add(net.config().decoder().name().toLowerCase(Locale.ROOT));
            headers.add("target");
            if (baseline != null) {
                headers.add("baseline");
            }
        }
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


}
