package org.dspn4j.experiment;

import java.nio.file.Path;

import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;

/**
 * A training run: the model and the loop around it.
 *
 * @param model       the model's shape and loss
 * @param dataDir     a folder with the real data set, or null for the bundled/generated default
 * @param epochs      passes over the training data (at least 1)
 * @param maxSteps    stop after this many optimisation steps in total (0 = no limit); the small default budget
 * @param batch       B (32; the inner step depends on it, see {@code Dspn})
 * @param lr          Adam's learning rate (0.01 MNIST, 3e-4 CLEVR)
 * @param seed        seeds the initialisation and every data order
 * @param out         the run folder
 * @param evalEvery   evaluate every this many steps (0 = at the end of each epoch only)
 * @param fullEval    evaluate on the whole test split instead of its first tenth (the authors' default)
 * @param threads     CPU worker threads
 * @param quiet       no progress shown ({@link Progress})
 * @param graph       how an OpenCL run executes the training step (MNIST and CLEVR): "replay" (record it
 *                    once as a task graph and replay it), "eager", or null for the default (replay on OpenCL; the CPU
 *                    backend always runs eagerly)
 * @param innerSteps  DSPN training: "recompute" (each inner step recorded as one node and run again in the outer
 *                    backward, {@code Dspn#setRecomputeSteps}), "keep" (every step's graph kept, as the authors' code),
 *                    or null for the task's default ({@link Net#recomputesInnerSteps})
 */
public record TrainConfig(ModelConfig model, Path dataDir, int epochs, int maxSteps, int batch, double lr, long seed,
                          Path out, int evalEvery, boolean fullEval, int threads, boolean quiet, String graph,
                          String innerSteps) {

    /** Every value is checked when the configuration is made; a refusal names the command-line option. */
    public TrainConfig {
        java.util.Objects.requireNonNull(model, "model");
        java.util.Objects.requireNonNull(out, "out");
        check(model.latent() >= 1, "--latent must be at least 1, got " + model.latent());
        check(model.hidden() >= 1, "--hidden must be at least 1, got " + model.hidden());
        check(model.setSize() >= 1, "the set size N must be at least 1, got " + model.setSize());
        check(model.iters() >= 0, "--iters must be at least 0, got " + model.iters());
        check(Double.isFinite(model.innerLr()), "--inner-lr must be a finite number, got " + model.innerLr());
        check(epochs >= 1, "--epochs must be at least 1, got " + epochs);
        check(maxSteps >= 0, "--steps must be at least 0 (0: no limit), got " + maxSteps);
        check(batch >= 1, "--batch must be at least 1, got " + batch);
        check(lr > 0 && Double.isFinite(lr), "--lr must be a positive finite number, got " + lr);
        check(evalEvery >= 0, "--eval-every must be at least 0 (0: at the end of each epoch only), got " + evalEvery);
        check(threads >= 1, "--threads must be at least 1, got " + threads);
        check(graph == null || graph.equals("replay") || graph.equals("eager"),
                "--graph must be replay or eager, got '" + graph + "'");
        check(innerSteps == null || innerSteps.equals("recompute") || innerSteps.equals("keep"),
                "--inner-steps must be recompute or keep, got '" + innerSteps + "'");
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** A run with the default graph mode. */
    public TrainConfig(ModelConfig model, Path dataDir, int epochs, int maxSteps, int batch, double lr, long seed,
                       Path out, int evalEvery, boolean fullEval, int threads, boolean quiet) {
        this(model, dataDir, epochs, maxSteps, batch, lr, seed, out, evalEvery, fullEval, threads, quiet, null, null);
    }

    /** The same run with another graph mode. */
    public TrainConfig withGraph(String mode) {
        return new TrainConfig(model, dataDir, epochs, maxSteps, batch, lr, seed, out, evalEvery, fullEval, threads, quiet, mode,
                innerSteps);
    }

    /** The same run with the inner steps recomputed ("recompute") or kept ("keep"). */
    public TrainConfig withInnerSteps(String mode) {
        return new TrainConfig(model, dataDir, epochs, maxSteps, batch, lr, seed, out, evalEvery, fullEval, threads, quiet, graph,
                mode);
    }

    /** Whether DSPN's inner steps are recomputed in the outer backward rather than kept. */
    public boolean recomputeSteps() {
        return innerSteps == null ? Net.recomputesInnerSteps(model.task()) : innerSteps.equals("recompute");
    }
}
