package org.dspn4j.cli;

import java.nio.file.Path;

import picocli.CommandLine.Option;

/**
 * The training run's options of {@code train} (a picocli mixin): budget, batch, optimiser, seed, data,
 * run folder, evaluation cadence, and how the step is executed. One set of defaults for every task;
 * those that depend on it are stated in the help.
 */
public final class RunOptions {
    /** Optimisation steps of the default budget (a few minutes on 2 cores for MNIST; a ResNet34 step at batch 32 takes about a minute). */
    public static final int DEFAULT_STEPS = 10;
    /** The paper's epochs. */
    public static final int PAPER_EPOCHS = 100;

    @Option(names = "--preset", description = "paper: the paper's full run (--steps 0: " + PAPER_EPOCHS + " epochs)")
    String preset;

    @Option(names = "--epochs", description = "passes over the training data (default: " + PAPER_EPOCHS + ", the paper's; "
            + "the default --steps ends the run sooner)")
    Integer epochs;

    @Option(names = "--steps", description = "stop after this many optimisation steps in total, counted from the run's "
            + "start (default: " + DEFAULT_STEPS + "; 0 = no limit; --preset paper: 0)")
    Integer steps;

    @Option(names = "--batch", defaultValue = "32", description = "batch size B (default: ${DEFAULT-VALUE}); the inner step is eta/(B*D)")
    int batch = 32;

    @Option(names = "--lr", description = "Adam learning rate, greater than 0 (default: 0.01 for mnist, 0.0003 for clevr-box and clevr-state)")
    Double lr;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the initialisation and the data order (default: ${DEFAULT-VALUE})")
    long seed = 1;

    @Option(names = "--data-dir", description = "mnist: a folder with full MNIST (IDX files; default: the bundled 10k subset); "
            + "clevr-box, clevr-state: the CLEVR v1.0 root with scenes/ and images/ (default: generated scenes)")
    Path dataDir;

    @Option(names = "--out", description = "run folder (default: runs/<model>-<decoder>-seed<seed>)")
    Path out;

    @Option(names = "--resume", description = "continue the run in --out from its checkpoint; every setting that changes "
            + "results must be the recorded one (docs/run-folder.md)")
    boolean resume;

    @Option(names = "--force", description = "start afresh in an --out that holds a run: the old run is moved aside to "
            + "<out>.old-<time>, never mixed with the new one")
    boolean force;

    @Option(names = "--eval-every", defaultValue = "0", description = "evaluate and checkpoint every N steps (default: "
            + "${DEFAULT-VALUE}, at the end of each epoch and of the run only)")
    int evalEvery;

    @Option(names = "--full-eval", description = "evaluate on the whole test split (mnist) or all of val (CLEVR v1.0), "
            + "not its first tenth (the authors' default; generated val is always evaluated whole)")
    boolean fullEval;

    @Option(names = "--graph", description = "replay: record the training step once as an OpenCL task graph and replay it "
            + "every step (the default with --backend opencl; CLEVR's Hungarian assignment is its host step); eager: run "
            + "every op as it comes (the CPU backend always does)")
    String graph;

    @Option(names = "--inner-steps", paramLabel = "recompute|keep", description = "DSPN training: recompute (MNIST's "
            + "default) keeps only the sets between the T inner steps and runs each step again in the backward pass (a "
            + "fraction of MNIST's memory for about a fifth more time); keep (CLEVR's default) holds every step's graph, as "
            + "the authors' code does. The values are the same; the gradients agree to rounding, so --resume needs the "
            + "recorded choice")
    String innerSteps;

    @Option(names = "--allow-nonfinite", description = "--resume from a checkpoint with NaN or infinite values (an audit "
            + "of how they propagate; the run then stops at its first step)")
    boolean allowNonFinite;

    @Option(names = {"-q", "--quiet"}, description = "no progress: on a terminal a bar shows it, and in a log file "
            + "or pipe (nohup, a Slurm task) a line after the first step, every 60 s, after the last and at each evaluation")
    boolean quiet;
}
