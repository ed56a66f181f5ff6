package org.dspn4j.experiment;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

import org.apache.commons.math3.random.RandomGenerator;
import org.dspn4j.data.clevr.ClevrDataset;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.tensor.Backend;

/**
 * CLEVR set prediction from images (the paper's CLEVR experiments): bounding boxes ({@code clevr-box})
 * or object states ({@code clevr-state}), with DSPN or a baseline decoder, on real CLEVR v1.0 or on
 * generated scenes ({@link ClevrSource}). The authors' setup: Adam 3e-4, batch 32, T = 10, η = 800,
 * λ = 0.1, D = H = 512, the Hungarian loss of the final set with the mask as a feature
 * ({@link ModelConfig#hungarianAllSteps()} switches to the mean over all steps), images
 * (B, 3, 128, 128) in [0, 1]. Metrics use the authors' names: {@code *_loss} the training objective,
 * {@code *_last} the Hungarian loss of the final set.
 *
 * <p>Training is {@link ClevrTask} in the one {@link TrainingLoop}, which MNIST shares: run.json and
 * metrics.jsonl ({@link RunRecord}), an atomic checkpoint with the optimiser state and the data
 * position at every evaluation and at the end ({@link Checkpoint}), {@code --resume} continuing bit
 * for bit, a stop on non-finite values that keeps the last good checkpoint, seeded shuffled batches
 * each epoch with {@code drop_last} ({@link ClevrBatches}). At the end it prints the AP table of the
 * trained T and writes the paper's figure for the task (Figure 4 or Table 4) and the loss curve.
 */
public final class ClevrExperiment {
    /** The file a run's latest checkpoint lives in. */
    public static final String CHECKPOINT = TrainingLoop.CHECKPOINT;

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

    // ================================================================================= train

    /** {@link #train(TrainConfig, ClevrSource, Compute, boolean)} on the CPU backend with {@code cfg.threads()} threads. */
    public TrainingLoop.Outcome train(TrainConfig cfg, ClevrSource src, boolean resume) throws IOException {
        try (Compute c = Compute.cpu(cfg.threads())) {
            return train(cfg, src, c, resume);
        }
    }

    /**
     * Trains on {@code compute}'s backend with the one {@link TrainingLoop}: the model, Adam's state and
     * every batch live there (the Hungarian assignment too: {@code Backend.assign}); the checkpoint
     * holds host copies, so it resumes on any backend. On OpenCL the training step is recorded once as
     * a task graph and replayed ({@code cfg.graph()}: "replay", the default there, or "eager";
     * {@link RecordedTrainStep}); the assignment is a device op of the graph, which has no host step.
     */
    public TrainingLoop.Outcome train(TrainConfig cfg, ClevrSource src, Compute compute, boolean resume) throws IOException {
        return train(cfg, src, compute, TrainingLoop.Start.of(resume));
    }

    /** {@link #train(TrainConfig, ClevrSource, Compute, boolean)} with {@code --force} or {@code --allow-nonfinite}. */
    public TrainingLoop.Outcome train(TrainConfig cfg, ClevrSource src, Compute compute, TrainingLoop.Start start)
            throws IOException {
        return new TrainingLoop(out).run(cfg, new ClevrTask(cfg, src, models), compute, start);
    }

    /** Test losses (test_loss, test_last) at the trained T. */
    public static TrainingLoop.Metrics evaluate(Backend be, Net net, ClevrBatches test) throws IOException {
        ClevrEvaluation.Result r = ClevrEvaluation.run(be, net, test, null);
        return new TrainingLoop.Metrics(r.loss(), r.last(), r.images());
    }

    // NOTE: measured with the CPU backend, F32, D = H = 512, 128×128 images, T = 10
    // (bench/src/main/java/org/dspn4j/bench/GraphLiveSet.java clevr with -Dbatch=16|32|64, docs/measurements.md "JVM
    // flags"): the largest heap left after a collection in a training step was 0.90 GiB at batch 32 and 1.45 GiB at
    // batch 64 with the inner steps recomputed (0.33 GiB of it the parameters and Adam's moments), 1.30 GiB at batch 32
    // with them kept: 0.017 and 0.030 GiB per sample. Training adds up to 0.19 GiB of decoded images for a small data
    // set (ClevrBatches.MEMO_LIMIT). Both ran at batch 32 in the launcher's 2 GiB heap, and batch 64 (recomputed) too.
    static final double LIVE_GIB_FIXED = 0.7;
    static final double LIVE_GIB_PER_SAMPLE = 0.02;
    static final double LIVE_GIB_PER_SAMPLE_KEPT = 0.035;

    /**
     * A warning when the heap is likely too small for a training step of the paper-size model, or
     * null: when {@link #heapGib} is more than the heap may grow to.
     */
    static String heapWarning(ModelConfig m, ClevrSource src, int batch, boolean keepInnerSteps, long maxHeapBytes) {
        if (m.latent() != 512 || m.hidden() != 512 || src.imageSize() != 128) {
            return null; // only the paper's sizes were measured
        }
        double need = heapGib(batch, keepInnerSteps);
        double have = maxHeapBytes / (double) (1L << 30);
        if (have >= need) {
            return null;
        }
        String recompute = keepInnerSteps && heapGib(batch, false) <= have
                ? String.format(java.util.Locale.ROOT, ", --inner-steps recompute (about %.1f GiB at this batch)", heapGib(batch, false))
                : "";
        String smaller = batch > 32 ? String.format(java.util.Locale.ROOT, " (32 needs about %.1f GiB)",
                heapGib(32, keepInnerSteps)) : "";
        return String.format(java.util.Locale.ROOT, "a training step at batch %d with the inner steps %s needs about %.1f GiB "
                + "of heap on the CPU backend, this JVM may use %s; expect an OutOfMemoryError. Use a smaller --batch"
                + "%s%s or a larger heap, e.g. DSPN4J_JAVA_OPTS=-Xmx%dg", batch,
                keepInnerSteps ? "kept" : "recomputed", need, Heap.describe(maxHeapBytes), smaller, recompute,
                (int) Math.ceil(need) + 1);
    }

    /**
     * The heap a training step of the paper-size model needs at this batch: the largest live heap measured in a
     * step, the decoded images a small data set keeps, and a little room for the collector.
     */
    static double heapGib(int batch, boolean keepInnerSteps) {
        return LIVE_GIB_FIXED + (keepInnerSteps ? LIVE_GIB_PER_SAMPLE_KEPT : LIVE_GIB_PER_SAMPLE) * batch;
    }

    /** The evaluation batches of a source: val, first tenth or all (see {@link ClevrSource#evalCount}), file order. */
    public static ClevrBatches testBatches(ClevrSource src, ClevrDataset.Target target, boolean full, int batch)
            throws IOException {
        ClevrDataset val = src.open("val", target);
        return new ClevrBatches(val, src.root().resolve("images").resolve("val"), target, src.boxFormula(),
                src.evalCount(val.size(), full), batch, false, 0, src.imageSize());
    }

    // ================================================================================= load

    /** A checkpoint's model (configuration and weights), built with {@link Net#create}. */
    public static Net load(Backend be, Path checkpoint) throws IOException {
        return load(be, checkpoint, Net::create);
    }

    /** A checkpoint's model, built by {@code models}. */
    public static Net load(Backend be, Path checkpoint, Models models) throws IOException {
        return load(be, checkpoint, models, false);
    }

    /** A checkpoint's model, built by {@code models}; NaN and infinite weights refused unless {@code allowNonFinite}. */
    public static Net load(Backend be, Path checkpoint, Models models, boolean allowNonFinite) throws IOException {
        return load(be, checkpoint, Checkpoint.read(checkpoint), models, allowNonFinite);
    }

    /** {@link #load(Backend, Path, Models, boolean)} on the arrays {@code a} read from {@code checkpoint}. */
    public static Net load(Backend be, Path checkpoint, java.util.Map<String, org.dspn4j.io.NdArray> a, Models models,
                           boolean allowNonFinite) {
        ModelConfig cfg = Checkpoint.config(checkpoint, a);
        if (!cfg.task().supervised()) {
            throw new IllegalArgumentException(checkpoint + " holds a " + cfg.task().cliName() + " model, not a CLEVR one");
        }
        return Checkpoint.loadModel(be, checkpoint, a, models, allowNonFinite);
    }
}
