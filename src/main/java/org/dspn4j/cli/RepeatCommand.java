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
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dspn4j repeat --seeds 1,2,3 -- train mnist …}: one experiment over seeds, mean ± std. */
@Command(name = "repeat", mixinStandardHelpOptions = true,
        description = {"Run a train command once per seed (each in <out>/seed-<s>) and print the final test metrics",
                "as mean ± sample standard deviation, the way the paper reports its tables."})
public final class RepeatCommand implements Callable<Integer> {
    @Option(names = "--seeds", required = true, split = ",", description = "e.g. 1,2,3,4,5,6")
    long[] seeds;

    @Option(names = "--out", defaultValue = "runs/repeat", description = "parent folder (default: ${DEFAULT-VALUE})")
    Path out;

    @Parameters(paramLabel = "COMMAND", description = "train … (after --)")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (command.isEmpty() || !"train".equals(command.get(0))) {
            throw new IllegalArgumentException("repeat: give a train command after --, e.g. repeat --seeds 1,2 -- train mnist");
        }
        for (String a : command) {
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
            int rc = new CommandLine(new TrainCommand()).execute(args.toArray(new String[0]));
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
