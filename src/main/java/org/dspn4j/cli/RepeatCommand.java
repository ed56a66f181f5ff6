package org.dspn4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.apache.commons.math3.stat.descriptive.SummaryStatistics;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dspn4j repeat --seeds 1,2,3 -- train mnist …}: one experiment over seeds, mean ± std. */
@Command(name = "repeat", mixinStandardHelpOptions = true,
        description = {"Run a train command once per seed (each in <out>/seed-<s>) and print the final test metrics",
                "as mean ± sample standard deviation, the way the paper reports its tables."})
public final class RepeatCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--seeds", required = true, split = ",", description = "e.g. 1,2,3,4,5,6")
    long[] seeds;

    @Option(names = "--out", defaultValue = "runs/repeat", description = "parent folder (default: ${DEFAULT-VALUE})")
    Path out;

    @Mixin
    BackendOptions compute = new BackendOptions();

    @Parameters(paramLabel = "COMMAND", description = "train … (after --)")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (command.isEmpty() || !"train".equals(command.get(0))) {
            throw new IllegalArgumentException("repeat: give a train command after --, e.g. repeat --seeds 1,2 -- train mnist");
        }
        java.util.Set<Long> distinct = new java.util.HashSet<>();
        for (long s : seeds) {
            if (!distinct.add(s)) {
                throw new IllegalArgumentException("--seeds gives seed " + s + " twice; the runs of one seed are the same "
                        + "run, so each seed must be given once");
            }
        }
        // the backend options of repeat go to every run; given after train, they must not be given here too
        List<String> backendArgs = spec.commandLine().getParseResult().hasMatchedOption("--backend")
                || spec.commandLine().getParseResult().hasMatchedOption("--device")
                || spec.commandLine().getParseResult().hasMatchedOption("--arena-mb")
                ? compute.choice().toArgs() : List.of();
        for (String a : command) {
            if (!backendArgs.isEmpty() && (a.startsWith("--backend") || a.startsWith("--device") || a.startsWith("--arena-mb"))) {
                throw new IllegalArgumentException("repeat: give " + a + " either before -- or after train, not both");
            }
            if (a.equals("--seed") || a.equals("--out") || a.startsWith("--seed=") || a.startsWith("--out=")) {
                throw new IllegalArgumentException("repeat sets --seed and --out itself; remove " + a);
            }
        }
        SummaryStatistics last = new SummaryStatistics();
        SummaryStatistics loss = new SummaryStatistics();
        for (long s : seeds) {
            Path dir = out.resolve("seed-" + s);
            List<String> args = new ArrayList<>(command.subList(1, command.size()));
            args.addAll(Arrays.asList("--seed", Long.toString(s), "--out", dir.toString()));
            args.addAll(backendArgs);
            int rc = spec.commandLine().getParent() == null ? new CommandLine(new TrainCommand()).execute(args.toArray(new String[0]))
                    : trainCommandLine().execute(args.toArray(new String[0]));
            if (rc != 0) {
                System.err.println("repeat: seed " + s + " ended with exit code " + rc);
                return rc;
            }
            double[] m = finalTestMetrics(dir.resolve("metrics.jsonl"));
            loss.addValue(m[0]);
            last.addValue(m[1]);
            System.out.printf(Locale.ROOT, "seed %d: test_loss %.6f  test_last %.6f%n", s, m[0], m[1]);
        }
        System.out.printf(Locale.ROOT, "over %d seeds: test_loss %.6f ± %.6f  test_last %.6f ± %.6f%n", seeds.length,
                loss.getMean(), loss.getStandardDeviation(), last.getMean(), last.getStandardDeviation());
        return 0;
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

    /** The last logged {test_loss, test_last} of a run. */
    static double[] finalTestMetrics(Path metrics) throws java.io.IOException {
        double[] out = null;
        for (String line : Files.readAllLines(metrics)) {
            java.util.Map<String, Double> f = org.dspn4j.experiment.RunRecord.numbers(line);
            if (f.containsKey("test_last")) {
                out = new double[] {f.getOrDefault("test_loss", Double.NaN), f.get("test_last")};
            }
        }
        if (out == null) {
            throw new IllegalStateException(metrics + " has no test metrics");
        }
        return out;
    }
}
