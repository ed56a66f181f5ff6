package org.dspn4j.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import org.dspn4j.data.mnist.MnistSplit;
import org.dspn4j.experiment.ClevrExperiment;
import org.dspn4j.experiment.ClevrSource;
import org.dspn4j.experiment.Compute;
import org.dspn4j.experiment.MnistExperiment;
import org.dspn4j.experiment.RunInfo;
import org.dspn4j.experiment.TrainConfig;
import org.dspn4j.experiment.TrainingLoop;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.tensor.DType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code dspn4j train mnist|clevr-box|clevr-state …}: trains with the one training loop, evaluates,
 * draws the result and writes the run folder (docs/run-folder.md).
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Train a model with the paper's hyperparameters; write its run folder.",
        description = {"Train a model with the paper's hyperparameters, evaluate it and write the run folder (docs/run-folder.md).",
                "mnist: Adam 0.01, batch 32, T=10, eta=800, D=64, H=256, FSPool with 20 pieces, Chamfer loss.",
                "clevr-box, clevr-state: Adam 0.0003, batch 32, T=10, eta=800, lambda=0.1, D=H=512, ResNet34 image "
                        + "encoder, Hungarian loss of the final set.",
                "By default a small budget (" + RunOptions.DEFAULT_STEPS + " steps) on the bundled MNIST subset or on "
                        + "generated scenes; --preset paper for the full run.",
                "Exit code 3: a non-finite loss, evaluation or parameter stopped the run before anything diverged was "
                        + "saved (its last checkpoint is kept; docs/run-folder.md)."})
public final class TrainCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "mnist, clevr-box or clevr-state")
    String model;

    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Mixin
    RunOptions run = new RunOptions();

    @Mixin
    ClevrDataOptions clevr = new ClevrDataOptions();

    @Mixin
    ThreadOptions threads = new ThreadOptions();

    @Mixin
    BackendOptions compute = new BackendOptions();

    /** The run configuration these options describe, every value checked. */
    TrainConfig config() {
        ModelConfig.Task task = Checks.task("MODEL", model);
        ModelConfig m = modelOptions.model(task);
        boolean paper = "paper".equals(run.preset);
        if (run.preset != null && !paper) {
            throw new IllegalArgumentException("--preset must be paper, got '" + run.preset + "'");
        }
        if (run.steps != null) {
            Checks.atLeast("--steps", run.steps, 0);
        }
        int ep = run.epochs != null ? run.epochs : RunOptions.PAPER_EPOCHS;
        int st = run.steps != null ? run.steps : paper ? 0 : RunOptions.DEFAULT_STEPS;
        double rate = run.lr != null ? run.lr : task == ModelConfig.Task.MNIST ? 0.01 : 3e-4;
        Path dir = run.out != null ? run.out : Path.of("runs", model + "-" + modelOptions.decoder + "-seed" + run.seed);
        return new TrainConfig(m, run.dataDir, ep, st, run.batch, rate, run.seed, dir, run.evalEvery, run.fullEval,
                threads.threads(compute), run.quiet, run.graph, run.innerSteps);
    }

    /** The CLEVR data these options give (generated scenes unless --data-dir). */
    ClevrSource source() {
        return clevr.source(run.dataDir);
    }

    /**
     * The CLEVR data of the run in {@code out}: {@link #source()}; but a resume of generated scenes without
     * --synth-cache reuses the run's folder of them (run.json's {@code config.data.synth_cache}, read from where the
     * run read it), not the default folder under the current one, where they would be generated again.
     */
    ClevrSource source(Path out) {
        ClevrSource s = source();
        if (!run.resume || !s.isGenerated() || clevr.synthCache != null) {
            return s;
        }
        Path runJson = out.resolve(org.dspn4j.experiment.RunRecord.RUN);
        if (!java.nio.file.Files.isRegularFile(runJson)) {
            return s; // refused by the resume's checks, which name what is missing
        }
        ClevrSource recorded;
        try {
            recorded = RunInfo.read(runJson).clevrSource();
        } catch (java.io.IOException | RuntimeException e) {
            return s; // a run.json that cannot be read is refused by the resume's checks, naming the field
        }
        return recorded.isGenerated() ? new ClevrSource(null, recorded.synthCache(), s.synthTrain(), s.synthVal(),
                s.synthSeed(), s.imageSize(), s.boxFormula()) : s;
    }

    static DType parseDtype(String s) {
        switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "f32": return DType.F32;
            case "f64": return DType.F64;
            default: throw new IllegalArgumentException("--dtype must be f32 or f64, got '" + s + "'");
        }
    }

    @Override
    public Integer call() throws Exception {
        TrainConfig cfg = config();
        Checks.innerStepsFitHeap(cfg.model().iters(), cfg.batch(), cfg.model());
        // here, not in config(), which a Slurm grid's check calls on a host that need not see the nodes' folders
        if (run.dataDir != null) {
            Checks.inputFolder("--data-dir", run.dataDir);
        }
        Checks.outputFolder("--out", cfg.out());
        boolean mnist = cfg.model().task() == ModelConfig.Task.MNIST;
        if (mnist && run.dataDir != null) {
            Checks.mnistFolder("--data-dir", run.dataDir, MnistSplit.TRAIN, MnistSplit.TEST);
        }
        refuseClevrOptions(spec, model);
        ClevrSource src = null;
        if (!mnist) {
            src = source(cfg.out());
            Path cache = clevr.synthCache;
            if (run.dataDir == null && cache != null && cache.toAbsolutePath().normalize().startsWith(
                    cfg.out().toAbsolutePath().normalize())) {
                throw new IllegalArgumentException("--synth-cache " + cache + " is inside --out " + cfg.out()
                        + ": give the generated scenes a folder of their own, outside the run");
            }
        }
        if (run.allowNonFinite && !run.resume) {
            throw new IllegalArgumentException("--allow-nonfinite applies with --resume (a new run starts from finite weights)");
        }
        TrainingLoop.Start start = new TrainingLoop.Start(run.resume, run.force, run.allowNonFinite);
        try (Compute c = compute.choice().open(cfg.model().dtype(), cfg.threads(), System.out)) {
            TrainingLoop.Outcome o = mnist ? new MnistExperiment(System.out).train(cfg, c, start)
                    : new ClevrExperiment(System.out).train(cfg, src, c, start);
            return o.stoppedOnNaN() ? 3 : 0;
        } catch (IllegalArgumentException e) {
            ModelConfig m = cfg.model();
            throw Checks.sized(e, "--latent " + m.latent() + ", --hidden " + m.hidden() + " (set size " + m.setSize()
                    + ", --batch " + cfg.batch() + ")");
        }
    }

    /**
     * Refuses the CLEVR data options given for a task they do not apply to ({@link ClevrDataOptions#tasks}; they
     * would be silently ignored): all of them for mnist, --box-formula for clevr-state.
     */
    static void refuseClevrOptions(CommandLine.Model.CommandSpec spec, String model) {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        if (parsed == null) {
            return;
        }
        for (String name : ClevrDataOptions.NAMES) {
            List<String> tasks = ClevrDataOptions.tasks(name);
            if (parsed.hasMatchedOption(name) && !tasks.contains(model)) {
                throw new IllegalArgumentException(name + " applies to " + String.join(" and ", tasks) + ", not " + model
                        + ("clevr-state".equals(model) ? " (its targets are object states, not boxes)" : ""));
            }
        }
    }
}
