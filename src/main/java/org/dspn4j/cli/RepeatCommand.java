package org.dspn4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.dspn4j.experiment.grid.Repeat;
import org.dspn4j.experiment.grid.Seeds;
import org.dspn4j.experiment.grid.SlurmSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code dspn4j repeat --seeds 1-6 [--slurm …] -- train mnist …}: one experiment over seeds, here or as a
 * Slurm job array, mean ± std ({@link Repeat}).
 */
@Command(name = "repeat", mixinStandardHelpOptions = true,
        header = "Run a train command once per seed, here or as a Slurm job array.",
        description = {"Run a train command once per seed (each in <out>/seed-<s>/run) and print the final test metrics "
                + "as mean ± sample standard deviation, the way the paper reports its tables. With --slurm, submit the "
                + "seeds as a Slurm job array instead. Given again, it skips finished seeds and resumes the others.",
                "Here, a seed that fails, or whose run folder another process holds, does not stop the others; the exit "
                + "code is then the first such seed's. A seed does not train on data other than its grid's finished seeds "
                + "trained on."})
public final class RepeatCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--seeds", required = true, description = "ranges and lists: 1-6, 1,3,5, 1-3,7")
    String seeds;

    @Option(names = "--out", defaultValue = "runs/repeat", description = "parent folder (default: ${DEFAULT-VALUE})")
    Path out;

    @Mixin
    BackendOptions compute = new BackendOptions();

    @Mixin
    SlurmOptions slurm = new SlurmOptions();

    @Parameters(paramLabel = "COMMAND", description = "train … (after --)")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (command.isEmpty() || !"train".equals(command.get(0))) {
            throw new IllegalArgumentException("give a train command after --, e.g. repeat --seeds 1,2 -- train mnist");
        }
        // the backend options of repeat go to every run; given after train, they must not be given here too
        List<String> backendArgs = spec.commandLine().getParseResult().hasMatchedOption("--backend")
                || spec.commandLine().getParseResult().hasMatchedOption("--device")
                || spec.commandLine().getParseResult().hasMatchedOption("--arena-mb")
                ? compute.choice().toArgs() : List.of();
        for (String a : command) {
            if (!backendArgs.isEmpty() && (a.startsWith("--backend") || a.startsWith("--device") || a.startsWith("--arena-mb"))) {
                throw new IllegalArgumentException(a + ": give it either before -- or after train, not both");
            }
        }
        List<String> train = new ArrayList<>(command);
        train.addAll(backendArgs);
        List<Long> seedList = Seeds.parse("--seeds", seeds);
        SlurmSettings onSlurm = slurm.settings(spec.commandLine().getParseResult());
        if (!Files.exists(out)) { // below a file (a file itself: the grid's own refusal)
            Checks.outputFolder("--out", out);
        }
        return onSlurm != null ? Repeat.slurm(out, seedList, train, new GridTrainCheck(true), onSlurm, System.out)
                : Repeat.here(out, seedList, train, new GridTrainCheck(false), this::runTrain, System.out, System.err);
    }

    /**
     * One seed's train command, here: its exit code. Running out of memory escapes picocli's handler; it is reported
     * here as train's own line (bad input, exit code 2), so that the seed's status.json records that code and the
     * other seeds run, as for any other failed seed.
     */
    private int runTrain(List<String> args) {
        CommandLine cl = spec.commandLine().getParent() == null ? new CommandLine(new TrainCommand()) : trainCommandLine();
        try {
            return cl.execute(args.subList(1, args.size()).toArray(new String[0]));
        } catch (OutOfMemoryError e) {
            return Main.report(e, cl.getErr(), args.contains("--debug"), "train");
        }
    }

    /** A train command line with the parent's error handling (bad input: one line, exit code 2). */
    private CommandLine trainCommandLine() {
        CommandLine cl = new CommandLine(new TrainCommand());
        cl.setExecutionExceptionHandler(spec.commandLine().getParent().getExecutionExceptionHandler());
        cl.setParameterExceptionHandler(spec.commandLine().getParent().getParameterExceptionHandler());
        cl.setOut(spec.commandLine().getOut());
        cl.setErr(spec.commandLine().getErr());
        return cl;
    }
}
