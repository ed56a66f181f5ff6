package org.dspn4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.dspn4j.experiment.ClevrExperiment;
import org.dspn4j.experiment.Compute;
import org.dspn4j.experiment.ClevrSource;
import org.dspn4j.experiment.TrainConfig;
import org.dspn4j.model.ModelConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code train clevr-box|clevr-state}: trains on generated scenes (default) or real CLEVR
 * ({@code --data-dir}), evaluates, prints the AP table and draws the paper's figure. Reached
 * through {@code dspn4j train clevr-…} (with that command's options) and, with every option, as
 * {@code dspn4j clevr train} ({@link ClevrCommand}).
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a CLEVR model with the paper's hyperparameters (spec section 6): Adam 3e-4, batch 32, T=10,",
                "eta=800, lambda=0.1, D=H=512, ResNet34 image encoder, Hungarian loss of the final set.",
                "By default a small budget on generated scenes; --preset paper for the 100-epoch run."})
public final class ClevrTrainCommand implements Callable<Integer> {

    /** Optimisation steps of the default budget (ResNet34 at batch 32 takes about a minute a step on 2 cores). */
    public static final int DEFAULT_STEPS = 10;

    @Parameters(index = "0", paramLabel = "MODEL", description = "clevr-box or clevr-state")
    String model;

    @Option(names = "--decoder", defaultValue = "dspn", description = "dspn, mlp or rnn (default: ${DEFAULT-VALUE})")
    String decoder = "dspn";

    @Option(names = "--preset", description = "paper: the full 100-epoch run (no step limit)")
    String preset;

    @Option(names = "--epochs", description = "passes over the training data (default: 100, the paper's; --steps usually ends the run first)")
    Integer epochs;

    @Option(names = "--steps", description = "stop after this many optimisation steps (default: " + DEFAULT_STEPS + "; 0 = no limit)")
    Integer steps;

    @Option(names = "--batch", defaultValue = "32", description = "batch size B (default: ${DEFAULT-VALUE}); the inner step is eta/(B*D)")
    int batch = 32;

    @Option(names = "--lr", description = "Adam learning rate (default: 0.0003)")
    Double lr;

    @Option(names = "--iters", defaultValue = "10", description = "inner steps T (default: ${DEFAULT-VALUE})")
    int iters = 10;

    @Option(names = "--inner-lr", defaultValue = "800", description = "inner step size eta (default: ${DEFAULT-VALUE})")
    double innerLr = 800;

    @Option(names = "--latent", description = "latent size D (default: 512)")
    Integer latent;

    @Option(names = "--hidden", description = "hidden width H (default: 512)")
    Integer hidden;

    @Option(names = "--hungarian", defaultValue = "final",
            description = "final: Hungarian loss of Y(T) only, as the paper's results; all: mean over the T+1 steps (default: ${DEFAULT-VALUE})")
    String hungarian = "final";

    @Option(names = "--mask-plus1", description = "baselines output mask + 1 (the authors' MNIST testing branch)")
    boolean maskPlusOne;

    @Option(names = "--float32-ratios", description = "FSPool ratios rounded in float32, as the authors' code")
    boolean float32Ratios;

    @Option(names = "--dtype", defaultValue = "f32", description = "f32 or f64 (default: ${DEFAULT-VALUE})")
    String dtype = "f32";

    @Option(names = "--seed", defaultValue = "1", description = "seed of initialisation and data order (default: ${DEFAULT-VALUE})")
    long seed = 1;

    @Option(names = "--data-dir", description = "CLEVR v1.0 root (scenes/, images/); default: generated scenes")
    Path dataDir;

    @Option(names = "--synth-train", defaultValue = "" + ClevrSource.DEFAULT_TRAIN,
            description = "generated training scenes (default: ${DEFAULT-VALUE})")
    int synthTrain = ClevrSource.DEFAULT_TRAIN;

    @Option(names = "--synth-val", defaultValue = "" + ClevrSource.DEFAULT_VAL,
            description = "generated validation scenes, all evaluated (default: ${DEFAULT-VALUE})")
    int synthVal = ClevrSource.DEFAULT_VAL;

    @Option(names = "--synth-seed", defaultValue = "1", description = "seed of the generated scenes (default: ${DEFAULT-VALUE})")
    long synthSeed = 1;

    @Option(names = "--synth-cache", description = "folder for generated data sets (default: runs/clevr-synth)")
    Path synthCache;

    @Option(names = "--image-size", defaultValue = "128",
            description = "side of the network input, 65..128 (default: ${DEFAULT-VALUE}, the authors')")
    int imageSize = 128;

    @Option(names = "--out", description = "run folder (default: runs/<model>-<decoder>-seed<seed>)")
    Path out;

    @Option(names = "--resume", description = "continue the run in --out from its checkpoint")
    boolean resume;

    @Option(names = "--graph", description = "replay: record the training step once as an OpenCL task graph and replay it "
            + "every step (the default with --backend opencl; the Hungarian assignment is its host step); eager: run every op "
            + "as it comes (the CPU backend always does)")
    String graph;

    @Option(names = "--eval-every", defaultValue = "0", description = "evaluate and checkpoint every N steps (default: each epoch)")
    int evalEvery;

    @Option(names = "--full-eval", description = "real CLEVR: evaluate on all of val, not its first tenth")
    boolean fullEval;

    @Option(names = "--threads", description = "CPU threads (default: all processors)")
    Integer threads;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    boolean quiet;

    @Mixin
    BackendOptions compute = new BackendOptions();

    /** {@code dspn4j train clevr-…}: the same run from {@link TrainCommand}'s options. */
    static ClevrTrainCommand from(TrainCommand c) {
        ClevrTrainCommand t = new ClevrTrainCommand();
        t.model = c.model;
        t.decoder = c.decoder;
        t.preset = c.preset;
        t.epochs = c.epochs;
        t.steps = c.steps;
        t.batch = c.batch;
        t.lr = c.lr;
        t.iters = c.iters;
        t.innerLr = c.innerLr;
        t.latent = c.latent;
        t.hidden = c.hidden;
        t.maskPlusOne = c.maskPlusOne;
        t.float32Ratios = c.float32Ratios;
        t.dtype = c.dtype;
        t.seed = c.seed;
        t.dataDir = c.dataDir;
        t.out = c.out;
        t.resume = c.resume;
        t.graph = c.graph;
        t.evalEvery = c.evalEvery;
        t.fullEval = c.fullEval;
        t.threads = c.threads;
        t.quiet = c.quiet;
        t.compute.copyFrom(c.compute);
        return t;
    }

    /** Entry point of {@code dspn4j train clevr-…}. */
    static int run(TrainCommand c) throws Exception {
        return from(c).call();
    }

    TrainConfig config() {
        ModelConfig.Task task = ModelConfig.Task.parse(model);
        if (!task.supervised()) {
            throw new IllegalArgumentException("this command trains clevr-box or clevr-state, not " + model);
        }
        boolean all;
        switch (hungarian) {
            case "final" -> all = false;
            case "all" -> all = true;
            default -> throw new IllegalArgumentException("--hungarian must be final or all, got '" + hungarian + "'");
        }
        ModelConfig m = ModelConfig.paper(task, ModelConfig.DecoderKind.parse(decoder));
        m = m.withDtype(TrainCommand.parseDtype(dtype)).withInner(iters, innerLr)
                .withSizes(latent == null ? m.latent() : latent, hidden == null ? m.hidden() : hidden)
                .withOptions(all, maskPlusOne, float32Ratios);
        boolean paper = "paper".equals(preset);
        if (preset != null && !paper) {
            throw new IllegalArgumentException("unknown preset '" + preset + "' (paper)");
        }
        int st = steps != null ? steps : paper ? 0 : DEFAULT_STEPS;
        int ep = epochs != null ? epochs : 100; // the paper's epochs; a step limit ends the run sooner
        double rate = lr != null ? lr : 3e-4;
        Path dir = out != null ? out : Path.of("runs", model + "-" + decoder + "-seed" + seed);
        int th = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        return new TrainConfig(m, dataDir, ep, st, batch, rate, seed, dir, evalEvery, fullEval, th, quiet, graph);
    }

    ClevrSource source() {
        if (imageSize < 65 || imageSize > 128) {
            throw new IllegalArgumentException("--image-size must be between 65 and 128 (the image encoder's range), got " + imageSize);
        }
        ClevrSource s = dataDir != null ? ClevrSource.clevr(dataDir)
                : ClevrSource.generated(synthCache != null ? synthCache : ClevrSource.DEFAULT_CACHE, synthTrain, synthVal, synthSeed);
        return s.withImageSize(imageSize);
    }

    @Override
    public Integer call() throws Exception {
        TrainConfig cfg = config();
        ClevrSource src = source();
        try (Compute c = compute.choice().open(cfg.model().dtype(), cfg.threads(), System.out)) {
            org.dspn4j.experiment.TrainingLoop.Outcome o = new ClevrExperiment(System.out).train(cfg, src, c, resume);
            return o.stoppedOnNaN() ? 3 : 0;
        }
    }
}
