package org.dspn4j.experiment;

import java.nio.file.Path;

import org.dspn4j.model.ModelConfig;

/**
 * A training run: the model and the loop around it.
 *
 * @param model       the model's shape and loss
 * @param dataDir     a folder with the real data set, or null for the bundled/generated default
 * @param epochs      passes over the training data
 * @param maxSteps    stop after this many optimisation steps (0 = no limit); the small default budget
 * @param batch       B (32; the inner step depends on it, see {@code Dspn})
 * @param lr          Adam's learning rate (0.01 MNIST, 3e-4 CLEVR)
 * @param seed        seeds the initialisation and every data order
 * @param out         the run folder
 * @param evalEvery   evaluate every this many steps (0 = at the end of each epoch only)
 * @param fullEval    evaluate on the whole test split instead of its first tenth (the authors' default)
 * @param threads     CPU worker threads
 * @param quiet       no progress bar
 * @param graph       how an OpenCL run executes the training step (MNIST and CLEVR): "replay" (record it
 *                    once as a task graph and replay it), "eager", or null for the default (replay on OpenCL; the CPU
 *                    backend always runs eagerly)
 */
public record TrainConfig(ModelConfig model, Path dataDir, int epochs, int maxSteps, int batch, double lr, long seed,
                          Path out, int evalEvery, boolean fullEval, int threads, boolean quiet, String graph) {

    /** A run with the default graph mode. */
    public TrainConfig(ModelConfig model, Path dataDir, int epochs, int maxSteps, int batch, double lr, long seed,
                       Path out, int evalEvery, boolean fullEval, int threads, boolean quiet) {
        this(model, dataDir, epochs, maxSteps, batch, lr, seed, out, evalEvery, fullEval, threads, quiet, null);
    }

    /** The same run with another graph mode. */
    public TrainConfig withGraph(String mode) {
        return new TrainConfig(model, dataDir, epochs, maxSteps, batch, lr, seed, out, evalEvery, fullEval, threads, quiet, mode);
    }
}
