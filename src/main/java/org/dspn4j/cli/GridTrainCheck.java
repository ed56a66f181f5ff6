package org.dspn4j.cli;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.dspn4j.data.clevr.ClevrDataset;
import org.dspn4j.experiment.BadInput;
import org.dspn4j.experiment.ClevrSource;
import org.dspn4j.experiment.DataDigest;
import org.dspn4j.experiment.grid.GridData;
import org.dspn4j.experiment.grid.GridTask;
import org.dspn4j.model.ModelConfig;
import picocli.CommandLine;

/**
 * The train command of a grid, checked before the grid is written: parsed as {@code train} parses it
 * (unknown options, missing or malformed values) and resolved as {@link TrainCommand#call} resolves it
 * before it trains (unknown task, decoder, preset, dtype, backend, CLEVR options given for mnist,
 * image size), without running anything. For a Slurm grid, {@code --threads} is bounded by the processors of
 * the node a task runs on, not by this machine's (a login node may have far fewer): the task checks it there.
 * It also reads the command's data as train would digest them ({@link #data}), for the grid's check that a seed
 * trains on the data its finished seeds trained on.
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
            throw new IllegalArgumentException("the train command after -- does not parse: " + Main.parseProblem(e));
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
        TrainCommand.refuseClevrOptions(t.spec, t.model);
        if (!"mnist".equals(t.model)) {
            t.source();
        }
        t.compute.choice();
    }

    /**
     * The data the train command would train on here, now (its digests as train records them, {@link DataDigest}):
     * MNIST's digits, as read (a second or so for the full 70,000), or CLEVR's two scene files (its images are not
     * read). Null where there are none to read here: no such folder, the bundled subset not found, generated scenes
     * not generated yet (train generates them). For a Slurm grid, read on the submitting host, data that cannot be
     * read are not compared there either: the nodes may see other files under that path, and each task compares
     * them again on its node before it trains.
     */
    @Override
    public GridData.Now data(List<String> args) throws IOException {
        TrainCommand t = new TrainCommand();
        new CommandLine(t).parseArgs(args.subList(1, args.size()).toArray(new String[0])); // check() parsed it
        Path dir = t.run.dataDir;
        if (dir != null && !Files.isDirectory(dir)) {
            return null;
        }
        try {
            if (ModelConfig.Task.parse(t.model) == ModelConfig.Task.MNIST) {
                return new GridData.Now(dir == null ? "the bundled MNIST subset" : "--data-dir " + dir, DataDigest.mnist(dir));
            }
            ClevrSource src = t.source();
            Path root = src.root();
            for (String split : List.of("train", "val")) {
                if (src.isGenerated() && !Files.isRegularFile(ClevrDataset.scenesFile(root, split))) {
                    return null;
                }
            }
            return new GridData.Now(src.isGenerated() ? "the folder of the generated scenes " + root : "--data-dir " + dir,
                    DataDigest.clevr(src));
        } catch (FileNotFoundException e) { // the bundled subset, or a data file, not here
            return null;
        } catch (IOException | RuntimeException e) {
            if (onNodes && BadInput.is(e)) {
                return null;
            }
            throw e;
        }
    }
}
