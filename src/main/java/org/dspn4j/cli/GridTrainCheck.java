package org.dspn4j.cli;

import java.util.List;

import org.dspn4j.experiment.grid.GridTask;
import picocli.CommandLine;

/**
 * The train command of a grid, checked before the grid is written: parsed as {@code train} parses it
 * (unknown options, missing or malformed values) and resolved to its run configuration (unknown
 * task, decoder, preset, dtype, backend), without running anything.
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
        t.config();
        t.compute.choice();
    }
}
