package org.dspn4j.cli;

import java.util.List;

import org.dspn4j.experiment.grid.GridTask;
import picocli.CommandLine;

/**
 * The train command of a grid, checked before the grid is written: parsed as {@code train} parses it
 * (unknown options, missing or malformed values) and resolved as {@link TrainCommand#call} resolves it
 * before it trains (unknown task, decoder, preset, dtype, backend, CLEVR options given for mnist,
 * image size), without running anything.
 */
final class GridTrainCheck implements GridTask.TrainCheck {
    @Override
    public void check(List<String> args) {
        TrainCommand t = new TrainCommand();
        try {
            new CommandLine(t).parseArgs(args.subList(1, args.size()).toArray(new String[0]));
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException("repeat: the train command after -- does not parse: " + e.getMessage());
        }
        if (t.run.allowNonFinite) {
            throw new IllegalArgumentException("repeat: --allow-nonfinite is for following a NaN through one run by hand "
                    + "(train --resume), not for a grid, whose runs stop on non-finite values");
        }
        t.config();
        if ("mnist".equals(t.model)) {
            TrainCommand.refuseClevrOptions(t.spec, t.model);
        } else {
            t.source();
        }
        t.compute.choice();
    }
}
