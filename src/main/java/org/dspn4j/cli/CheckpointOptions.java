package org.dspn4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.dspn4j.data.clevr.BoxFormula;
import org.dspn4j.data.clevr.ClevrDataset;
import org.dspn4j.data.mnist.MnistDataset;
import org.dspn4j.data.mnist.MnistSplit;
import org.dspn4j.experiment.AuthorsFile;
import org.dspn4j.experiment.Checkpoint;
import org.dspn4j.experiment.ClevrExperiment;
import org.dspn4j.experiment.ClevrSource;
import org.dspn4j.experiment.DataDigest;
import org.dspn4j.experiment.RunInfo;
import org.dspn4j.io.NdArray;
import org.dspn4j.io.torch.TorchCheckpoint;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.tensor.Backend;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * What {@code eval} and {@code show} read (a picocli mixin): the checkpoint, and the data (and how much of its
 * test split or val), batch size and seed to decode it with — by default those of the run that wrote it, from the
 * run.json beside it.
 * The checkpoint is dspn4j's {@code .npz} or the authors' {@code torch.save} log, told apart by
 * content ({@link Checkpoint#read}); the latter's args give the model and the batch size.
 */
public final class CheckpointOptions {
    @Option(names = "--checkpoint", required = true, converter = RunFolder.class, description = "checkpoint.npz of a "
            + "run (or the run folder holding it), an imported .npz, or the authors' torch.save log (logs/NAME; "
            + "recognised by content; its args give the model)")
    Path checkpoint;

    /** A run folder stands for the checkpoint.npz it holds; any other path is taken as given. */
    static final class RunFolder implements CommandLine.ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            Path p = Path.of(value);
            if (!Files.isDirectory(p)) {
                return p;
            }
            Path ck = p.resolve("checkpoint.npz");
            if (!Files.isRegularFile(ck)) {
                throw new CommandLine.TypeConversionException(noCheckpoint(value, p));
            }
            return ck;
        }

        /**
         * "FOLDER: a folder without checkpoint.npz", and where FOLDER.npz is beside it (the shipped models:
         * models/mnist-dspn/ keeps the run's record, models/mnist-dspn.npz its weights) which file that is.
         */
        static String noCheckpoint(String value, Path folder) {
            Path name = folder.toAbsolutePath().normalize().getFileName();
            Path weights = name == null ? null : folder.resolveSibling(name + ".npz");
            return value + ": a folder without checkpoint.npz"
                    + (weights != null && Files.isRegularFile(weights) ? "; its weights are " + weights : "");
        }
    }

    @Option(names = "--data-dir", description = "mnist: a full MNIST folder; clevr-box, clevr-state: a CLEVR v1.0 root "
            + "(default: the run's data, from the run.json beside the checkpoint; without one the bundled MNIST subset "
            + "or the default generated scenes)")
    Path dataDir;

    @Option(names = "--batch", description = "batch size B to decode with (default: the run's, from its run.json; 32 "
            + "without one): DSPN's inner step is eta/(B*D), so a model behaves as trained at its own B")
    Integer batch;

    @Option(names = "--seed", description = "mnist: seed of the point order (default: the run's; 1 without run.json)")
    Long seed;

    @Option(names = "--full", negatable = true, description = "the whole test split (mnist) or all of val (CLEVR v1.0; "
            + "train's --full-eval); --no-full: the first tenth, the authors' default (default: the run's full_eval, from "
            + "its run.json; the first tenth without one)")
    Boolean full;

    @Option(names = "--allow-nonfinite", description = "load a checkpoint with NaN or infinite values (an audit of how they "
            + "propagate) instead of refusing it")
    boolean allowNonFinite;

    /** The run.json beside the checkpoint, or null. */
    RunInfo run() throws IOException {
        return run(null);
    }

    /** {@link #run()} for {@code task} (null: not known), whose --data-dir (mnist: the test files) is checked first. */
    RunInfo run(ModelConfig.Task task) throws IOException {
        Checks.inputFile("--checkpoint", checkpoint);
        if (dataDir != null) {
            Checks.inputFolder("--data-dir", dataDir);
            if (task == ModelConfig.Task.MNIST) {
                Checks.mnistFolder("--data-dir", dataDir, MnistSplit.TEST);
            }
        }
        return RunInfo.besideCheckpoint(checkpoint);
    }

    /** B: the option, else the run's (run.json), else the authors' run's (args.batch_size), else 32. */
    int batch(RunInfo run) throws IOException {
        if (batch != null) {
            Checks.atLeast("--batch", batch, 1);
            return batch;
        }
        if (run != null) {
            return run.batch();
        }
        Map<String, NdArray> a = arrays();
        return (a != null ? AuthorsFile.batchSize(checkpoint, a) : Checkpoint.recordedBatch(checkpoint)).orElse(32);
    }

    /**
     * The arrays of an .npz --checkpoint, read on first use and kept until the model is loaded from them
     * ({@link #loadClevr}, {@link #loadModel}), so that its batch size, configuration and model come from one read of
     * it; null for the authors' torch.save log, which each use reads as {@link Checkpoint} does.
     */
    private Map<String, NdArray> arrays() throws IOException {
        if (arrays == null && !TorchCheckpoint.isTorchFile(checkpoint)) {
            arrays = Checkpoint.read(checkpoint);
        }
        return arrays;
    }

    private Map<String, NdArray> arrays;

    /** The arrays of the checkpoint ({@link Checkpoint#read}), those already read if any. */
    Map<String, NdArray> read() throws IOException {
        Map<String, NdArray> a = arrays();
        return a != null ? a : Checkpoint.read(checkpoint);
    }

    /** {@link #read()}, the arrays then given up by this object (the model loaded from them keeps its own copy). */
    private Map<String, NdArray> takeArrays() throws IOException {
        Map<String, NdArray> a = read();
        arrays = null;
        return a;
    }

    /** The checkpoint's CLEVR model ({@link ClevrExperiment#load}), from the arrays already read if any. */
    Net loadClevr(Backend be) throws IOException {
        return ClevrExperiment.load(be, checkpoint, takeArrays(), Net::create, allowNonFinite);
    }

    /** The checkpoint's model built by {@code models} ({@link Checkpoint#loadModel}), from the arrays already read if any. */
    Net loadModel(Backend be, ClevrExperiment.Models models) throws IOException {
        return Checkpoint.loadModel(be, checkpoint, takeArrays(), models, allowNonFinite);
    }

    /** The checkpoint's model, refused (one line naming the file) if it is not of {@code task}. */
    ModelConfig model(ModelConfig.Task task) throws IOException {
        Checks.inputFile("--checkpoint", checkpoint);
        Map<String, NdArray> a = arrays();
        return ofTask("--checkpoint", checkpoint, a != null ? Checkpoint.config(checkpoint, a) : Checkpoint.config(checkpoint),
                task);
    }

    /** The model of a checkpoint given to {@code option}, refused (one line naming the file) if not of {@code task}. */
    static ModelConfig model(String option, Path file, ModelConfig.Task task) throws IOException {
        Checks.inputFile(option, file);
        return ofTask(option, file, Checkpoint.config(file), task);
    }

    private static ModelConfig ofTask(String option, Path file, ModelConfig c, ModelConfig.Task task) {
        if (c.task() != task) {
            throw new IllegalArgumentException(option + " " + file + " holds a " + c.task().cliName() + " model, not "
                    + task.cliName());
        }
        return c;
    }

    /** Whether all of the split is evaluated: --full or --no-full, else the run's full_eval, else not (the first tenth). */
    boolean full(RunInfo run) {
        return full != null ? full : run != null && run.fullEval();
    }

    /**
     * Which part of the split is evaluated, and what decided it, as the output says it: e.g. "the first tenth of the
     * test split (the run's full_eval false)".
     *
     * @param split      "the test split" or "val"
     * @param wholeAnyway whether the split is evaluated whole whatever the setting (generated val)
     */
    String extent(RunInfo run, String split, boolean wholeAnyway) {
        if (wholeAnyway) {
            return "all of " + split + " (generated scenes are evaluated whole)";
        }
        boolean all = full(run);
        return (all ? "all of " : "the first tenth of ") + split + " (" + (full != null ? (all ? "--full" : "--no-full")
                : run != null ? "the run's full_eval " + all + ", from " + run.file() : "the default; --full takes all") + ")";
    }

    /** MNIST's point-order seed: the option, else the run's, else 1. */
    long seed(RunInfo run) {
        return seed != null ? seed : run != null ? run.seed() : 1;
    }

    /**
     * On the run's own data (no --data-dir), refuses an evaluated split whose digest differs from the one
     * the run recorded: MNIST's test digits.
     */
    void requireRunMnist(RunInfo run, MnistDataset test) {
        if (this.dataDir == null && run != null) {
            run.requireSameData("test", DataDigest.of(test));
        }
    }

    /** As {@link #requireRunMnist}, for CLEVR's val scene file (after {@code src.prepare}). */
    void requireRunClevr(RunInfo run, ClevrSource src) throws IOException {
        if (this.dataDir == null && run != null) {
            run.requireSameData("val", DataDigest.clevr(src, "val"));
        }
    }

    /** MNIST's data as a refusal names it: the folder, or the bundled subset. */
    static String mnistName(Path dataDir) {
        return dataDir == null ? "the bundled MNIST subset" : dataDir.toString();
    }

    /**
     * Refuses evaluated data without one full batch (there is nothing to decode), naming the data, how much of it
     * is evaluated and the options that decide that.
     *
     * @param evaluated  the data and the evaluated count, e.g. "the bundled MNIST subset: the 100 evaluated test digits"
     * @param tenth      whether the first tenth of the split is evaluated
     * @param fullOption the option that evaluates all of it, or null
     */
    static void requireOneBatch(int batches, String evaluated, int batch, boolean tenth, String fullOption) {
        if (batches == 0) {
            throw new IllegalArgumentException(evaluated + (tenth ? " (the first tenth of the split" + (fullOption == null ? ")"
                    : "; " + fullOption + " evaluates all of it)") : "") + " are fewer than one --batch of " + batch);
        }
    }

    /**
     * MNIST's folder: the option, else the run's (read from where the run read it, {@link RunInfo#resolve}; refused in
     * one line naming run.json's field when it is not a folder or holds no test split), else null (the bundled subset).
     */
    Path mnistData(RunInfo run) {
        if (dataDir != null || run == null) {
            return dataDir;
        }
        Path runs = run.mnistDataDir();
        if (runs != null && !Files.isDirectory(runs)) {
            throw missingRunData(run, "config.data_dir");
        }
        String lacking = runs == null ? null : MnistDataset.lacking(runs, MnistSplit.TEST);
        if (lacking != null) { // the folder is there, its files moved or deleted
            throw lackingRunData(run, "config.data_dir", "holds " + lacking);
        }
        return runs;
    }

    /**
     * The refusal of a run's data folder that is not there: run.json's field as recorded, where a relative one was
     * looked for ({@link RunInfo#resolve}), and --data-dir.
     */
    private static IllegalArgumentException missingRunData(RunInfo run, String field) {
        Path recorded = recordedData(run, field);
        return new IllegalArgumentException(run.file() + ": the run's data folder " + recorded + " (" + field + ") is not a folder"
                + run.lookedFor(recorded) + "; give --data-dir");
    }

    /**
     * The refusal of a run's data folder that is there but lacks files ({@code problem}, e.g. "holds no …"): run.json's
     * field as recorded, with where a relative one was looked for, and --data-dir.
     */
    private static IllegalArgumentException lackingRunData(RunInfo run, String field, String problem) {
        Path recorded = recordedData(run, field);
        String at = run.lookedFor(recorded);
        return new IllegalArgumentException(run.file() + ": the run's data folder " + recorded + " (" + field
                + (at.isEmpty() ? "" : "," + at) + ") " + problem + "; give --data-dir");
    }

    /** The data folder as run.json records it: config.data_dir (MNIST) or config.data.root (CLEVR). */
    private static Path recordedData(RunInfo run, String field) {
        Object data = field.equals("config.data_dir") ? run.config().get("data_dir")
                : ((java.util.Map<?, ?>) run.config().get("data")).get("root");
        return Path.of(String.valueOf(data));
    }

    /**
     * CLEVR's data: CLEVR v1.0 at --data-dir, else the run's (its folder read from where the run read it,
     * {@link RunInfo#resolve}), else the default generated scenes; the image size is always the run's (128 without
     * run.json).
     */
    ClevrSource clevrData(RunInfo run) {
        if (seed != null) {
            throw new IllegalArgumentException("--seed applies to mnist (CLEVR is evaluated in file order)");
        }
        ClevrSource runs = run != null ? run.clevrSource() : null;
        int side = runs == null ? 128 : runs.imageSize();
        if (dataDir != null) {
            // the run's image size and box formula: the data elsewhere, the model's input and targets as trained
            return ClevrSource.clevr(dataDir).withImageSize(side).withBoxFormula(runs == null ? BoxFormula.AUTHORS
                    : runs.boxFormula());
        }
        if (runs != null && !runs.isGenerated() && !Files.isDirectory(runs.root())) {
            // the folder run.json records, not one the user gave: say where it comes from
            throw missingRunData(run, "config.data.root");
        }
        Path valScenes = runs != null && !runs.isGenerated() ? ClevrDataset.scenesFile(runs.root(), "val") : null;
        if (valScenes != null && !Files.isRegularFile(valScenes)) { // the folder is there, its files moved or deleted
            throw lackingRunData(run, "config.data.root", "holds no " + runs.root().relativize(valScenes)
                    + " (CLEVR v1.0's val scenes)");
        }
        return runs != null ? runs
                : ClevrSource.generated(ClevrSource.DEFAULT_CACHE, ClevrSource.DEFAULT_TRAIN, ClevrSource.DEFAULT_VAL, 1);
    }
}
