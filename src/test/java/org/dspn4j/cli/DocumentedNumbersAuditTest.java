package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.dspn4j.experiment.RunRecord;
import org.dspn4j.io.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The numbers README.md and docs/reproduction.md state, read from the docs' own text and compared with what the
 * commands print or the shipped files hold, so that a test fails when either drifts. The shipped models' test
 * losses are {@link ShippedModelsTest}'s; that the shipped DSPN run's command retraces it bit for bit is
 * {@link ShippedRunRetraceAuditTest}'s (a second training run, kept apart to keep each class short).
 */
class DocumentedNumbersAuditTest {

    private static final Path SHIPPED = Path.of("models");

    /** The text of a doc with its lines joined, so that a sentence broken across lines (or a list item's) reads as one. */
    static String doc(String path) throws Exception {
        return Files.readString(Path.of(path)).replaceAll(" *\n *", " ");
    }

    static Matcher find(String text, String regex, String what) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), "the doc states " + what + " (" + regex + ")");
        return m;
    }

    /** {@code value} printed with as many decimals as {@code stated} has, as the doc rounds it. */
    private static String asStated(double value, String stated) {
        int dot = stated.indexOf('.');
        int decimals = dot < 0 ? 0 : stated.length() - dot - 1;
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    private static double number(String stated) {
        return Double.parseDouble(stated.replace(",", ""));
    }

    /** The lines of a metrics.jsonl as their numeric fields, in order. */
    static List<Map<String, Double>> metrics(Path file) throws Exception {
        List<Map<String, Double>> lines = new ArrayList<>();
        for (String line : RunRecord.metricsLines(file)) {
            Map<String, Double> m = RunRecord.numbers(line);
            assertTrue(m.containsKey("step"), file + ": " + line);
            lines.add(m);
        }
        return lines;
    }

    /** Each training step's first line (a step trained again after a resume is logged twice in the DSPN run). */
    static TreeMap<Integer, Map<String, Double>> firstStepLines(List<Map<String, Double>> lines) {
        TreeMap<Integer, Map<String, Double>> steps = new TreeMap<>();
        for (Map<String, Double> l : lines) {
            if (l.containsKey("train_loss")) {
                steps.putIfAbsent(l.get("step").intValue(), l);
            }
        }
        return steps;
    }

    /** test_last of each evaluated step (the last line of a step: the final evaluation where there is one). */
    private static TreeMap<Integer, Double> testLast(List<Map<String, Double>> lines) {
        TreeMap<Integer, Double> evals = new TreeMap<>();
        for (Map<String, Double> l : lines) {
            if (l.containsKey("test_last")) {
                evals.put(l.get("step").intValue(), l.get("test_last"));
            }
        }
        return evals;
    }

    static List<Map<String, Double>> shippedMetrics(String model) throws Exception {
        return metrics(SHIPPED.resolve("mnist-" + model).resolve(RunRecord.METRICS));
    }

    static String[] args(String command, Map<String, String> replaced, String... dropped) {
        List<String> a = new ArrayList<>(Arrays.asList(command.trim().split(" +")));
        for (Map.Entry<String, String> r : replaced.entrySet()) {
            int at = a.indexOf(r.getKey());
            assertTrue(at >= 0 && at + 1 < a.size(), r.getKey() + " in " + command);
            a.set(at + 1, r.getValue());
        }
        for (String d : dropped) {
            assertTrue(a.remove(d), d + " in " + command);
        }
        return a.toArray(String[]::new);
    }

    // ================================================================ README: the main command

    @TempDir
    static Path shared;

    private static Path mainRun;

    /** The run folder of README's main command, {@code ./dspn4j train mnist}, trained once for the tests that read it. */
    private static synchronized Path mainRun() {
        if (mainRun == null) {
            Path out = shared.resolve("run");
            CliRun r = CliRun.of("train", "mnist", "--out", out.toString(), "--backend", "cpu", "--threads", "2", "-q");
            assertEquals(0, r.code(), r.out());
            mainRun = out;
        }
        return mainRun;
    }

    /**
     * README's main command, {@code ./dspn4j train mnist}: the default budget it names, the files of the run folder
     * it lists and the test_last before and after it states ("0.0886 → 0.0222"), on the CPU backend (the machine
     * README measured on has no GPU). It also shows that today's default, which recomputes DSPN's inner steps in the
     * backward pass, leaves the shipped DSPN run's path at step 4, as docs/reproduction.md says (that {@code
     * --inner-steps keep} stays on it: {@link ShippedRunRetraceAuditTest}).
     */
    @Test
    void readmesMainCommandPrintsTheTestLastItStates() throws Exception {
        String readme = doc("README.md");
        int steps = Integer.parseInt(find(readme, "for a small default budget of (\\d+) steps", "the default budget").group(1));
        Matcher files = find(readme, "writes `runs/mnist-dspn-seed1/` with (.*?)\\. Measured", "the run folder's files");
        Matcher loss = find(readme, "test `test_last` (\\d\\.\\d+) → (\\d\\.\\d+)", "test_last before and after");

        Path out = mainRun();
        Matcher file = Pattern.compile("`([\\w.]+\\.(?:json|jsonl|npz|png))`").matcher(files.group(1));
        int listed = 0;
        for (; file.find(); listed++) {
            assertTrue(Files.isRegularFile(out.resolve(file.group(1))), file.group(1) + " in " + out);
        }
        assertEquals(5, listed, files.group(1));

        List<Map<String, Double>> lines = metrics(out.resolve(RunRecord.METRICS));
        TreeMap<Integer, Map<String, Double>> trained = firstStepLines(lines);
        assertEquals(steps, trained.size(), "steps trained");
        assertEquals(steps, trained.lastKey());
        TreeMap<Integer, Double> evals = testLast(lines);
        assertEquals(loss.group(1), asStated(evals.get(0), loss.group(1)), "test_last before training");
        assertEquals(loss.group(2), asStated(evals.get(steps), loss.group(2)), "test_last after " + steps + " steps");

        String repro = doc("docs/reproduction.md");
        find(repro, "today's default recomputes each step in the backward pass instead, which gives the same values "
                + "and gradients that differ in the last bits, so the runs continue along slightly different paths",
                "that the default leaves the shipped run's path");
        TreeMap<Integer, Map<String, Double>> shipped = firstStepLines(shippedMetrics("dspn"));
        for (int s = 1; s <= 3; s++) {
            assertEquals(shipped.get(s).get("train_loss"), trained.get(s).get("train_loss"), "step " + s);
        }
        assertNotEquals(shipped.get(4).get("train_loss"), trained.get(4).get("train_loss"), "step 4");
    }

    // ================================================================ docs/run-folder.md: what run.json and metrics.jsonl hold

    /**
     * docs/run-folder.md's table of the run folder, against the main command's run: every key of its run.json (the
     * top level and {@code config}) is named in the table's run.json row, and every field of {@code config.model} (in
     * words there: "set size N" for {@code set_size}); metrics.jsonl's lines hold the fields the metrics row lists, per
     * step and per evaluation, and the final evaluation the same without {@code epoch}; checkpoint.npz holds the
     * entries the checkpoint row names besides the weights, and no other.
     */
    @Test
    void runFolderMdNamesWhatTheRunsRecordsHold() throws Exception {
        String table = Files.readString(Path.of("docs", "run-folder.md"));
        String runRow = find(table, "(?m)^\\| `run\\.json` \\|(.*)$", "run.json's row").group(1);
        String metricsRow = find(table, "(?m)^\\| `metrics\\.jsonl` \\|(.*)$", "metrics.jsonl's row").group(1);
        Path out = mainRun();

        Map<String, Object> run = RunRecord.readJsonObject(out.resolve(RunRecord.RUN));
        @SuppressWarnings("unchecked")
        Map<String, Object> config = (Map<String, Object>) run.get("config");
        @SuppressWarnings("unchecked")
        Map<String, Object> model = (Map<String, Object>) config.get("model");
        List<String> keys = new ArrayList<>(run.keySet());
        keys.addAll(config.keySet());
        for (String k : keys) {
            assertTrue(runRow.contains("`" + k + "`"), "run.json's " + k + " is not named in docs/run-folder.md: " + runRow);
        }
        String modelWords = find(runRow, "`model`: ([^;]*);", "config.model's fields").group(1);
        for (String k : model.keySet()) {
            assertTrue(modelWords.contains(k) || modelWords.contains(k.replace('_', ' ')),
                    "config.model's " + k + " is not named in docs/run-folder.md: " + modelWords);
        }

        // checkpoint.npz: the weights, and every other entry one the row names (a moment under its parameter's name)
        String checkpointRow = find(table, "(?m)^\\| `checkpoint\\.npz` \\|(.*)$", "checkpoint.npz's row").group(1);
        Map<String, ?> checkpoint = Npz.read(out.resolve("checkpoint.npz"));
        List<String> weights = checkpoint.keySet().stream().filter(k -> !k.contains("/")).toList();
        assertEquals(List.copyOf(Npz.read(SHIPPED.resolve("mnist-dspn.npz")).keySet().stream()
                .filter(k -> !k.contains("/")).sorted().toList()), weights.stream().sorted().toList(), "the weights");
        // an Adam moment's entry as the row names it: optim/exp_avg/<name>, optim/exp_avg_sq/<name>
        UnaryOperator<String> asNamed = k -> k.replaceFirst("^(optim/exp_avg(?:_sq)?/)(.+)$", "$1<name>");
        for (String k : checkpoint.keySet()) {
            String named = asNamed.apply(k);
            assertTrue(!k.contains("/") || checkpointRow.contains("`" + named + "`"),
                    "checkpoint.npz's " + k + " is not named in docs/run-folder.md: " + checkpointRow);
            assertTrue(named.equals(k) || weights.contains(k.substring(k.lastIndexOf('/') + 1)), k);
        }
        Matcher entry = Pattern.compile("`((?:optim|rng|meta)/[\\w<>/]+)`").matcher(checkpointRow);
        int entries = 0;
        for (; entry.find(); entries++) {
            String e = entry.group(1);
            assertTrue(checkpoint.keySet().stream().anyMatch(k -> asNamed.apply(k).equals(e)),
                    "docs/run-folder.md names " + e + ", which checkpoint.npz does not hold");
        }
        assertEquals(8, entries, checkpointRow);

        Matcher sets = Pattern.compile("per step `\\{([^}]*)\\}`; per evaluation `\\{([^}]*)\\}`; the final evaluation "
                + "without `epoch`").matcher(metricsRow);
        assertTrue(sets.find(), metricsRow);
        List<String> perStep = List.of(sets.group(1).replace("\"", "").split(", "));
        List<String> perEval = List.of(sets.group(2).replace("\"", "").split(", "));
        List<String> fin = perEval.stream().filter(k -> !k.equals("epoch")).toList();
        List<String> lines = Files.readAllLines(out.resolve(RunRecord.METRICS));
        for (int i = 0; i < lines.size(); i++) {
            List<String> fields = new ArrayList<>();
            Matcher f = Pattern.compile("\"(\\w+)\":").matcher(lines.get(i));
            while (f.find()) {
                fields.add(f.group(1));
            }
            List<String> expected = lines.get(i).contains("train_loss") ? perStep : i == lines.size() - 1 ? fin : perEval;
            assertEquals(expected, fields, "line " + (i + 1) + " of " + RunRecord.METRICS);
        }
    }

    // ================================================================ docs/reproduction.md: the shipped records

    /**
     * The shipped models' table: training time, the sum of each step's seconds (a step logged twice counted once,
     * its first line), and the median seconds per step, as the table rounds them.
     */
    @Test
    void theShippedModelsTrainingTimesAreTheirRecordsSums() throws Exception {
        String repro = Files.readString(Path.of("docs", "reproduction.md"));
        Matcher row = Pattern.compile("^\\| [^|]+ \\| \\[models/(mnist-\\w+)\\.npz\\][^|]*\\|[^|]*\\|[^|]*\\|[^|]*\\| "
                + "([\\d.]+) (h|min) \\(([\\d.]+) s/step\\) \\|$", Pattern.MULTILINE).matcher(repro);
        List<String> models = new ArrayList<>();
        while (row.find()) {
            models.add(row.group(1));
            double[] seconds = firstStepLines(metrics(SHIPPED.resolve(row.group(1)).resolve(RunRecord.METRICS)))
                    .values().stream().mapToDouble(l -> l.get("seconds")).sorted().toArray();
            assertEquals(3000, seconds.length, row.group(1));
            double total = Arrays.stream(seconds).sum() / (row.group(3).equals("h") ? 3600 : 60);
            double median = (seconds[seconds.length / 2 - 1] + seconds[seconds.length / 2]) / 2;
            assertEquals(row.group(2) + " " + row.group(3), asStated(total, row.group(2)) + " " + row.group(3), row.group());
            assertEquals(row.group(4), asStated(median, row.group(4)), row.group());
        }
        assertEquals(List.of("mnist-dspn", "mnist-mlp", "mnist-rnn"), models, "the table's rows with a training time");
    }

    /** The shipped DSPN run's resume: the steps it trained again logged the same losses, bit for bit. */
    @Test
    void theShippedDspnRunsRepeatedStepsAreTheOnesStatedAndIdentical() throws Exception {
        Matcher m = find(doc("docs/reproduction.md"), "the ([\\d,]+) steps it trained again after a stop \\(([\\d,]+)–([\\d,]+)\\)"
                + " logged the same losses, bit for bit", "the repeated steps");
        Map<Integer, List<Map<String, Double>>> byStep = new TreeMap<>();
        for (Map<String, Double> l : shippedMetrics("dspn")) {
            if (l.containsKey("train_loss")) {
                byStep.computeIfAbsent(l.get("step").intValue(), k -> new ArrayList<>()).add(l);
            }
        }
        List<Integer> twice = byStep.entrySet().stream().filter(e -> e.getValue().size() > 1).map(Map.Entry::getKey).toList();
        assertEquals((int) number(m.group(1)), twice.size());
        assertEquals((int) number(m.group(2)), twice.get(0));
        assertEquals((int) number(m.group(3)), twice.get(twice.size() - 1));
        assertEquals(twice.size(), twice.get(twice.size() - 1) - twice.get(0) + 1, "one run of consecutive steps");
        for (int s : twice) {
            List<Map<String, Double>> copies = byStep.get(s);
            assertEquals(2, copies.size(), "step " + s);
            for (String k : List.of("epoch", "train_loss", "train_last")) {
                assertEquals(copies.get(0).get(k), copies.get(1).get(k), "step " + s + " " + k);
            }
        }
    }

    /**
     * "Training dynamics against the authors' own loop": our side's numbers, the first 300 steps of the shipped DSPN
     * run (step 1's loss, the mean of the last 20 and of all 300 steps).
     */
    @Test
    void theDynamicsSectionsNumbersForOurLoopAreTheShippedRunsFirstSteps() throws Exception {
        String repro = doc("docs/reproduction.md");
        String step1 = find(repro, "\\*\\*Step 1 agrees to [^(]*\\((0\\.\\d+) ours", "step 1's loss").group(1);
        Matcher last = find(repro, "the mean training loss of the last (\\d+) steps is (0\\.\\d+) \\(ours\\)", "the last steps' mean");
        Matcher all = find(repro, "the mean over all (\\d+) steps (0\\.\\d+) against", "the mean over all steps");
        assertTrue(repro.contains("compares it with the first " + all.group(1) + " steps of our DSPN run"), repro);

        TreeMap<Integer, Map<String, Double>> steps = firstStepLines(shippedMetrics("dspn"));
        int n = Integer.parseInt(all.group(1));
        double[] loss = new double[n];
        for (int s = 1; s <= n; s++) {
            loss[s - 1] = steps.get(s).get("train_loss");
        }
        assertEquals(step1, asStated(loss[0], step1));
        int k = Integer.parseInt(last.group(1));
        assertEquals(last.group(2), asStated(Arrays.stream(loss, n - k, n).sum() / k, last.group(2)));
        assertEquals(all.group(2), asStated(Arrays.stream(loss).sum() / n, all.group(2)));
    }

    /**
     * "What the table and the figures show": DSPN below the MLP at every evaluation from the step named on (and not at
     * the evaluation before it), and the MLP's range over its last three evaluations.
     */
    @Test
    void theCurvesStatementsHoldForTheShippedRecords() throws Exception {
        String repro = doc("docs/reproduction.md");
        int from = (int) number(find(repro, "it is below the MLP at every evaluation from step ([\\d,]+) on", "from when")
                .group(1));
        Matcher range = find(repro, "the MLP's test_last moves between (0\\.\\d+) and (0\\.\\d+) across the last three evaluations",
                "the MLP's range");

        TreeMap<Integer, Double> dspn = testLast(shippedMetrics("dspn"));
        TreeMap<Integer, Double> mlp = testLast(shippedMetrics("mlp"));
        assertEquals(dspn.keySet(), mlp.keySet(), "both evaluated at the same steps");
        assertTrue(dspn.containsKey(from), "an evaluation at step " + from);
        for (int s : dspn.tailMap(from, true).keySet()) {
            assertTrue(dspn.get(s) < mlp.get(s), "step " + s + ": " + dspn.get(s) + " against " + mlp.get(s));
        }
        int before = dspn.lowerKey(from);
        assertTrue(dspn.get(before) >= mlp.get(before), "step " + before + " is not below: the statement starts at " + from);

        List<Double> lastThree = List.copyOf(mlp.descendingMap().values()).subList(0, 3);
        assertEquals(range.group(1), asStated(lastThree.stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
                range.group(1)));
        assertEquals(range.group(2), asStated(lastThree.stream().mapToDouble(Double::doubleValue).max().orElseThrow(),
                range.group(2)));
    }

    /**
     * Figure 3's grey speck: the points of the shipped DSPN model's learned Ŷ(0) with mask 0.2 or less (those the
     * authors' plot leaves out) lie together in a corner, apart from the others; one of them has the mask stated,
     * the stated number of others a mask of 0 or less.
     */
    @Test
    void theLearnedStartingSetsFaintPointsAreTheOnesStated() throws Exception {
        Matcher m = find(doc("docs/reproduction.md"), "is one point of the learned Ŷ\\(0\\) with mask (0\\.\\d+), its other "
                + "(\\d+) points there have masks of 0 or less", "Ŷ(0)'s faint points");
        var weights = Npz.read(SHIPPED.resolve("mnist-dspn.npz"));
        float[] set = weights.get("set_decoder.starting_set").floats(); // (1, 2, N): x then y
        float[] mask = weights.get("set_decoder.starting_mask").floats();
        int n = mask.length;
        List<Float> faint = new ArrayList<>();
        double farthestFaint = 0;
        double nearestOther = Double.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            double r = Math.hypot(set[i], set[n + i]);
            if (mask[i] <= 0.2f) {
                faint.add(mask[i]);
                farthestFaint = Math.max(farthestFaint, r);
            } else {
                nearestOther = Math.min(nearestOther, r);
            }
        }
        assertTrue(farthestFaint < nearestOther, "the faint points lie together: " + farthestFaint + " from (0, 0), the "
                + "others at least " + nearestOther);
        List<Float> positive = faint.stream().filter(v -> v > 0).toList();
        assertEquals(1, positive.size(), "faint points with a positive mask: " + positive);
        assertEquals(m.group(1), asStated(positive.get(0), m.group(1)));
        assertEquals(Integer.parseInt(m.group(2)), faint.size() - 1, "the others, of mask 0 or less");
    }
}
