package org.dspn4j.cli;

import static org.dspn4j.cli.DocumentedNumbersAuditTest.args;
import static org.dspn4j.cli.DocumentedNumbersAuditTest.doc;
import static org.dspn4j.cli.DocumentedNumbersAuditTest.find;
import static org.dspn4j.cli.DocumentedNumbersAuditTest.firstStepLines;
import static org.dspn4j.cli.DocumentedNumbersAuditTest.metrics;
import static org.dspn4j.cli.DocumentedNumbersAuditTest.shippedMetrics;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.dspn4j.experiment.RunRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/reproduction.md says how to retrace the shipped runs bit for bit with today's code: the command it gives for
 * each, read from its text (the DSPN run's with the option it names), logs the shipped metrics.jsonl's losses. {@link
 * DocumentedNumbersAuditTest} shows that without that option the DSPN run leaves the shipped one at step 4.
 */
class ShippedRunRetraceAuditTest {

    /**
     * docs/reproduction.md's command of the shipped DSPN run with the option it names retraces that run bit for bit:
     * its first four steps (the fourth is the first at which the default leaves it) log the shipped metrics.jsonl's
     * losses. Run for 4 of its 3,000 steps and without {@code --full-eval}, which decides only which test digits the
     * evaluations average, so that it takes seconds.
     */
    @Test
    void theShippedDspnRunsCommandWithTheNamedOptionRetracesItsSteps(@TempDir Path dir) throws Exception {
        String repro = doc("docs/reproduction.md");
        String option = find(repro, "To retrace the shipped DSPN run bit for bit, add `([^`]+)`", "how to retrace it").group(1);
        String command = find(repro, "\\./dspn4j (train mnist --decoder dspn [^`]*?--out runs/mnist-dspn) ",
                "the shipped DSPN run's command").group(1);
        List<String> a = new ArrayList<>(Arrays.asList(args(command,
                Map.of("--steps", "4", "--out", dir.resolve("run").toString()), "--full-eval")));
        a.addAll(Arrays.asList(option.split(" ")));
        CliRun r = CliRun.of(a.toArray(String[]::new));
        assertEquals(0, r.code(), a + "\n" + r.out());

        TreeMap<Integer, Map<String, Double>> ours = firstStepLines(metrics(dir.resolve("run").resolve(RunRecord.METRICS)));
        TreeMap<Integer, Map<String, Double>> shipped = firstStepLines(shippedMetrics("dspn"));
        assertEquals(List.of(1, 2, 3, 4), List.copyOf(ours.keySet()));
        for (int s : ours.keySet()) {
            for (String k : List.of("epoch", "train_loss", "train_last")) {
                assertEquals(shipped.get(s).get(k), ours.get(s).get(k), "step " + s + " " + k);
            }
        }
    }

    /**
     * The MLP baseline's command as printed retraces its run: every line of its first 3 steps, the evaluation of the
     * whole test split before training included (an MLP evaluates in a second). The LSTM's full evaluation takes half a
     * minute and is left out.
     */
    @Test
    void theMlpBaselinesCommandRetracesItsRunAsPrinted(@TempDir Path dir) throws Exception {
        String repro = doc("docs/reproduction.md");
        find(repro, "the baselines have no inner steps, and their commands retrace their runs as printed",
                "that the baselines' commands retrace their runs");
        String command = find(repro, "\\./dspn4j (train mnist --decoder mlp [^`]*?--out runs/mnist-mlp) ",
                "the shipped MLP run's command").group(1);
        CliRun r = CliRun.of(args(command, Map.of("--steps", "3", "--out", dir.resolve("run").toString())));
        assertEquals(0, r.code(), command + "\n" + r.out());

        List<Map<String, Double>> ours = metrics(dir.resolve("run").resolve(RunRecord.METRICS));
        List<Map<String, Double>> shipped = shippedMetrics("mlp");
        assertEquals(5, ours.size(), "the evaluation before training, 3 steps, the final evaluation");
        for (int i = 0; i < 4; i++) {
            Map<String, Double> o = new TreeMap<>(ours.get(i));
            Map<String, Double> s = new TreeMap<>(shipped.get(i));
            o.remove("seconds");
            s.remove("seconds");
            assertEquals(s, o, "line " + (i + 1));
        }
    }
}
