package org.dspn4j.experiment;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.apache.commons.math3.random.RandomGenerator;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * What one experiment adds to the shared {@link TrainingLoop}: its data, its model, its evaluation
 * and its figures. Everything else (batching order, evaluation cadence, metrics, checkpoints, resume
 * checks, the stop on non-finite values, the loss curve) is the loop's and the same for every task.
 * Implemented by {@link MnistTask} and {@link ClevrTask}.
 */
public interface TrainingTask {

    /** The model of a configuration, initialised from {@code rng}. */
    Net createModel(Backend be, ModelConfig config, RandomGenerator rng);

    /**
     * Reads (or, for generated data, makes) the training and evaluation data; called once, after the
     * settings are checked and before the run folder is written. Refuses a training split with fewer
     * samples than one batch and an evaluation split with none.
     *
     * @param log where progress goes (null: nowhere)
     */
    void load(PrintStream log, int threads) throws IOException;

    /** A warning to print before training (e.g. a heap too small for the batch), or null. */
    default String warning() {
        return null;
    }

    /** What run.json records about the data, added to its {@code config} object. */
    void recordData(Map<String, Object> config);

    /**
     * The data as {@link DataDigest}s, one per split (after {@link #load}): run.json's {@code data_sha256},
     * which a resume checks.
     */
    Map<String, String> dataDigest() throws IOException;

    /** One line describing the data, printed when a run starts. */
    String describe();

    /** Full training batches per epoch (the partial last batch is dropped). */
    int batchesPerEpoch();

    /**
     * Training batch {@code b} of epoch {@code e} (a pure function of the seed, e and b) as
     * {images or null, target set (B, C, N), target mask (B, N)}.
     */
    Tensor[] trainBatch(Backend be, DType dtype, long epoch, int b) throws IOException;

    /** The shapes of {@link #trainBatch}'s tensors: {image shape or null, set shape, mask shape}. */
    int[][] batchShapes();

    /**
     * The test metrics of the model as it is ({@code test_loss}, {@code test_last}). A diverged model
     * may give non-finite values or an {@link IllegalArgumentException} of the Hungarian matching
     * (the loop turns both into a stop).
     */
    TrainingLoop.Metrics evaluate(Backend be, Net net) throws IOException;

    /**
     * What is printed and drawn at the end of a run, after the final evaluation ({@link #evaluate} was
     * the last call): for CLEVR the AP tables of that evaluation; the task's figure in {@code dir}.
     *
     * @return the files written
     */
    List<Path> finish(Backend be, Net net, Path dir, PrintStream out) throws IOException;

    /** Title of the loss curve ({@code loss.png}): what {@code *_last} measures. */
    String lossTitle();

    /** What an out-of-memory error in a training step at batch {@code batch} means and what to do. */
    String outOfMemory(int batch);
}
