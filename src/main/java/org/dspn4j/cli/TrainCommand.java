package org.dspn4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.dspn4j.experiment.Compute;
import org.dspn4j.experiment.MnistExperiment;
import org.dspn4j.experiment.TrainConfig;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.tensor.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dspn4j train mnist …}: trains, evaluates and draws the result. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a model with the paper's hyperparameters (spec section 6).",
                "By default a small budget on the bundled data (a few minutes on 2 cores); --preset paper for the full run."})
public final class TrainCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "mnist, clevr-box or clevr-state (CLEVR's own options: dspn4j clevr train)")
    String model;

    @Option(names = "--decoder", defaultValue = "dspn", description = "dspn, mlp or rnn (default: ${DEFAULT-VALUE})")
    String decoder;

    @Option(names = "--preset", description = "paper: the full 100-epoch run (no step limit)")
    String preset;

    @Option(names = "--epochs", description = "passes over the training data (default: 1; paper: 100)")
    Integer epochs;

    @Option(names = "--steps", description = "stop after this many optimisation steps (default: 10; 0 = no limit)")
    Integer steps;

    @Option(names = "--batch", defaultValue = "32", description = "batch size B (default: ${DEFAULT-VALUE}); the inner step is eta/(B*D)")
    int batch;

    @Option(names = "--lr", description = "Adam learning rate (default: 0.01 mnist, 0.0003 clevr)")
    Double lr;

    @Option(names = "--iters", defaultValue = "10", description = "inner steps T (default: ${DEFAULT-VALUE})")
    int iters;

    @Option(names = "--inner-lr", defaultValue = "800", description = "inner step size eta (default: ${DEFAULT-VALUE})")
    double innerLr;

    @Option(names = "--latent", description = "latent size D (default: 64 mnist, 512 clevr)")
    Integer latent;

    @Option(names = "--hidden", description = "hidden width H (default: 256 mnist, 512 clevr)")
    Integer hidden;

    @Option(names = "--mask-plus1", description = "baselines output mask + 1 (the authors' MNIST testing branch)")
    boolean maskPlusOne;

    @Option(names = "--float32-ratios", description = "FSPool ratios rounded in float32, as the authors' code")
    boolean float32Ratios;

    @Option(names = "--dtype", defaultValue = "f32", description = "f32 or f64 (default: ${DEFAULT-VALUE})")
    String dtype;

    @Option(names = "--seed", defaultValue = "1", description = "seed of initialisation and data order (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--data-dir", description = "folder with full MNIST (IDX files); default: the bundled 10k subset")
    Path dataDir;

    @Option(names = "--out", description = "run folder (default: runs/<model>-<decoder>-seed<seed>)")
    Path out;

    @Option(names = "--resume", description = "continue the run in --out from its checkpoint")
    boolean resume;

    @Option(names = "--graph", description = "replay: record the training step once as an OpenCL task graph and replay it "
            + "every step (the default with --backend opencl); eager: run every op as it comes (the CPU backend always does)")
    String graph;

    @Option(names = "--eval-every", defaultValue = "0", description = "evaluate and checkpoint every N steps (default: each epoch)")
    int evalEvery;

    @Option(names = "--full-eval", description = "evaluate on the whole test split, not its first tenth")
    boolean fullEval;

    @Option(names = "--threads", description = "CPU threads (default: all processors)")
    Integer threads;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    boolean quiet;

    @Mixin
    BackendOptions compute = new BackendOptions();

    /** The run configuration these options describe. */
    TrainConfig config() {
        ModelConfig.Task task = ModelConfig.Task.parse(model);
        ModelConfig m = ModelConfig.paper(task, ModelConfig.DecoderKind.parse(decoder));
        m = m.withDtype(parseDtype(dtype)).withInner(iters, innerLr)
                .withSizes(latent == null ? m.latent() : latent, hidden == null ? m.hidden() : hidden)
                .withOptions(false, maskPlusOne, float32Ratios);
        boolean paper = "paper".equals(preset);
        if (preset != null && !paper) {
            throw new IllegalArgumentException("unknown preset '" + preset + "' (paper)");
        }
        int ep = epochs != null ? epochs : paper ? 100 : 1;
        int st = steps != null ? steps : paper ? 0 : 10;
        double rate = lr != null ? lr : task == ModelConfig.Task.MNIST ? 0.01 : 3e-4;
        Path dir = out != null ? out : Path.of("runs", model + "-" + decoder + "-seed" + seed);
        int th = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        return new TrainConfig(m, dataDir, ep, st, batch, rate, seed, dir, evalEvery, fullEval, th, quiet, graph);
    }

    static DType parseDtype(String s) {
        switch (s.toLowerCase()) {
            case "f32": return DType.F32;
            case "f64": return DType.F64;
            default: throw new IllegalArgumentException("unknown dtype '" + s + "' (f32, f64)");
        }
    }

    @Override
    public Integer call() throws Exception {
        TrainConfig cfg = config();
        if (cfg.model().task() != ModelConfig.Task.MNIST) {
            return ClevrTrainCommand.run(this);
        }
        try (Compute c = compute.choice().open(cfg.model().dtype(), cfg.threads(), System.out)) {
            org.dspn4j.experiment.TrainingLoop.Outcome o = new MnistExperiment(System.out).train(cfg, c, resume);
            return o.stoppedOnNaN() ? 3 : 0;
        }
    }
}
