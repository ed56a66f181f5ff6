package org.dspn4j.cli;

import java.util.List;

import org.dspn4j.experiment.grid.GridTask;
import picocli.CommandLine;

/**
 * The train command of a grid, checked before the grid is written: parsed as {@code train} parses it
 * (unknown options, missing or malformed values) and resolved as {@link TrainCommand#call} resolves it
 * before it trains (unknown task, decoder, preset, dtype, backend, CLEVR options given for mnist,
 * image size), without running anything. For a Slurm grid, {@code --threads} is bounded by the processors of
 * the node a task runs on, not by this machine's (a login node may have far fewer): the task checks it there.
 */
final class GridTrainCheck implements GridTask.TrainCheck {
    private final boolean onNodes;

    /** @param onNodes whether the seeds run on other machines (Slurm's nodes) rather than here */
    GridTrainCheck(boolean onNodes) {
        this.onNodes = onNodes;
    }

    @Override
    public void check(List<String> args) {
        TrainCommand t = new TrainCommand();
        try {
            new CommandLine(t).parseArgs(args.subList(1, args.size()).toArray(new String[0]));
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException("the train command after -- does not parse: " + e.getMessage());
        }
        if (t.run.allowNonFinite) {
            throw new IllegalArgumentException("--allow-nonfinite is for following a NaN through one run by hand "
                    + "(train --resume), not for a grid, whose runs stop on non-finite values");
        }
        Integer given = t.threads.threads;
        if (onNodes && given != null && given > Checks.maxThreads()) {
            t.threads.threads = 2; // stands in for it here: more than one thread, a count every machine accepts
            try {
                t.config();
            } catch (IllegalArgumentException e) { // --backend reference, which runs on one thread: named with the count given
                throw new IllegalArgumentException(e.getMessage().replace("--threads 2 ", "--threads " + given + " "), e);
            } finally {
                t.threads.threads = given;
            }
        } else {
            t.config();
        }
        if ("mnist".equals(t.model)) {
            TrainCommand.refuseClevrOptions(t.spec, t.model);
        } else {
            t.source();
        }
        t.compute.choice();
    }
}
