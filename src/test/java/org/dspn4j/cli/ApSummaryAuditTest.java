package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.dspn4j.testing.FolderSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code summarise --ap}: the paper's CLEVR AP tables (Tables 1 and 2) over a grid's seeds. Tiny grids made with
 * {@code repeat} on tiny generated CLEVR data; each seed's rows are checked against what {@code eval} prints for its
 * run folder, and the mean ± sample standard deviation against values computed here from eval's own output (its
 * export scored by {@code ap --json}, which rounds to eval's printed rows), not by the summary's code.
 */
class ApSummaryAuditTest {

    @TempDir
    static Path dir;

    static Path data;
    /** clevr-state, DSPN, 3 seeds, all of val (--full-eval). */
    static Path stateDspn;
    /** clevr-state, MLP, 2 seeds, all of val. */
    static Path stateMlp;
    /** clevr-box, DSPN, 2 seeds, the first tenth of val (the default). */
    static Path boxDspn;
    static Path mnist;

    private static final String[] COMPUTE = {"--threads", "1", "--backend", "cpu"};

    @BeforeAll
    static void grids() throws IOException {
        data = dir.resolve("clevr");
        ok(CliRun.of("synth", "clevr", "--scenes", "4", "--split", "train", "--seed", "1", "--out", data.toString(), "--threads", "1"));
        ok(CliRun.of("synth", "clevr", "--scenes", "20", "--split", "val", "--seed", "2", "--out", data.toString(), "--threads", "1"));
        stateDspn = repeat("state-dspn", "1-3", "clevr-state", "dspn", true);
        stateMlp = repeat("state-mlp", "1-2", "clevr-state", "mlp", true);
        boxDspn = repeat("box-dspn", "1-2", "clevr-box", "dspn", false);
        mnist = dir.resolve("mnist");
        List<String> a = new ArrayList<>(List.of("repeat", "--seeds", "1", "--out", mnist.toString(), "--", "train", "mnist",
                "--steps", "1"));
        a.addAll(RepeatGridTest.TINY);
        ok(CliRun.of(a.toArray(new String[0])));
    }

    private static Path repeat(String name, String seeds, String task, String decoder, boolean fullEval) {
        Path out = dir.resolve(name);
        List<String> a = new ArrayList<>(List.of("repeat", "--seeds", seeds, "--out", out.toString(), "--", "train", task,
                "--decoder", decoder, "--data-dir", data.toString(), "--image-size", "65", "--batch", "2", "--steps", "2",
                "--latent", "8", "--hidden", "8", "--iters", "2", "-q", "--threads", "1", "--backend", "cpu"));
        if (fullEval) {
            a.add("--full-eval");
        }
        ok(CliRun.of(a.toArray(new String[0])));
        return out;
    }

    private static CliRun ok(CliRun r) {
        assertEquals(0, r.code(), r.out());
        return r;
    }

    private static CliRun summarise(int code, String... args) {
        List<String> a = new ArrayList<>(List.of("summarise"));
        a.addAll(List.of(args));
        CliRun r = CliRun.of(a.toArray(new String[0]));
        assertEquals(code, r.code(), r.out());
        return r;
    }

    private static String[] with(String[] a, String... more) {
        List<String> l = new ArrayList<>(List.of(a));
        l.addAll(List.of(more));
        return l.toArray(new String[0]);
    }

    // ------------------------------------------------------------------ what eval says, independently

    /** What eval printed and exported for one run folder. */
    record Eval(String line, List<String> rows, Map<String, double[]> exact) {
    }

    /**
     * {@code eval <task> --checkpoint <run> --export E}: its description line, its table rows (all tables, in order),
     * and per table and row (key "table/row") the AP values of its export scored by {@code ap --json}, each checked to
     * round to the row eval printed.
     */
    private static Eval eval(String task, Path run) throws IOException {
        String key = task + " " + run;
        Eval e = EVALS.get(key);
        if (e == null) {
            e = evalAfresh(task, run);
            EVALS.put(key, e);
        }
        return e;
    }

    /**
     * What {@link #eval} found for each task and run folder: eval is deterministic and the run folders are not
     * changed (the tests that change one change a copy), so the tests that compare a summary with eval's output of
     * the same folder share one eval of it.
     */
    private static final Map<String, Eval> EVALS = new LinkedHashMap<>();

    private static Eval evalAfresh(String task, Path run) throws IOException {
        Path export = dir.resolve("export-" + Math.abs((long) run.hashCode()) + "-" + System.nanoTime());
        CliRun r = ok(CliRun.of(with(new String[] {"eval", task, "--checkpoint", run.toString(), "--export", export.toString()},
                COMPUTE)));
        List<String> lines = r.out().lines().filter(l -> !l.startsWith("WARNING")).toList();
        String line = lines.stream().filter(l -> l.startsWith(task + " ")).findFirst().orElseThrow();
        List<String> rows = lines.stream().filter(l -> l.startsWith("DSPN, ") || l.startsWith("MLP baseline")).toList();
        Map<String, double[]> exact = new LinkedHashMap<>();
        boolean dspn = rows.get(0).startsWith("DSPN");
        String[][] variants = task.equals("clevr-box") ? new String[][] {{"box", "paper"}, {"box", "fixed"}}
                : new String[][] {{"state", null}};
        int perTable = rows.size() / variants.length;
        for (int t = 0; t < variants.length; t++) {
            for (int i = 0; i < perTable; i++) {
                Path base = dspn ? export.resolve("iters" + (10 * (i + 1))) : export;
                List<String> a = new ArrayList<>(List.of("ap", "--task", variants[t][0], "--detections",
                        base.resolve("detections").toString(), "--groundtruths", base.resolve("groundtruths").toString(), "--json"));
                if (variants[t][1] != null) {
                    a.addAll(List.of("--iou", variants[t][1]));
                }
                CliRun ap = ok(CliRun.of(a.toArray(new String[0])));
                Matcher m = Pattern.compile("\"[^\"]+\":([-0-9.Ee]+)").matcher(ap.out());
                List<Double> v = new ArrayList<>();
                while (m.find()) {
                    v.add(Double.parseDouble(m.group(1)));
                }
                double[] values = v.stream().mapToDouble(Double::doubleValue).toArray();
                String printed = rows.get(t * perTable + i);
                String[] cells = printed.substring(18).trim().split("\\s+");
                assertEquals(cells.length, values.length, ap.out());
                for (int j = 0; j < values.length; j++) {
                    assertEquals(cells[j], String.format(Locale.ROOT, "%.2f", values[j]), "ap --json against eval's row " + printed);
                }
                exact.put(t + "/" + i, values);
            }
        }
        return new Eval(line, rows, exact);
    }

    /** "mean ± sample std" of the seeds' values, two decimals (one seed: its value), computed here. */
    private static String expectedCell(List<Eval> seeds, String key, int column) {
        int n = seeds.size();
        double sum = 0;
        for (Eval e : seeds) {
            sum += e.exact().get(key)[column];
        }
        double mean = sum / n;
        if (n == 1) {
            return String.format(Locale.ROOT, "%.2f", mean);
        }
        double ss = 0;
        for (Eval e : seeds) {
            double d = e.exact().get(key)[column] - mean;
            ss += d * d;
        }
        return String.format(Locale.ROOT, "%.2f ± %.2f", mean, Math.sqrt(ss / (n - 1)));
    }

    /** The mean table rows of the summary's table {@code t}: label → cells. */
    private static List<String[]> meanRows(String out, int t) {
        List<String> lines = out.lines().toList();
        int seen = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("over ") && lines.get(i).endsWith("seeds, mean ± sample standard deviation:")
                    || lines.get(i).equals("one seed (no standard deviation):")) {
                if (++seen == t) {
                    List<String[]> rows = new ArrayList<>();
                    for (int j = i + 2; j < lines.size() && (lines.get(j).startsWith("DSPN, ") || lines.get(j).startsWith("MLP"));
                         j++) {
                        rows.add(lines.get(j).split(" {2,}"));
                    }
                    return rows;
                }
            }
        }
        throw new AssertionError("no mean table " + t + " in\n" + out);
    }

    private static String refusal(String out) {
        List<String> lines = out.lines().filter(l -> l.startsWith("dspn4j:")).toList();
        assertEquals(1, lines.size(), out);
        return lines.get(0);
    }

    /**
     * A copy of a grid to change: its folders and small files copied, its checkpoints (near 300 MB each: ResNet34's
     * weights and Adam's moments) hard links to the grid's, which a test may delete but must not write into (to
     * change one, delete it and write a new file).
     */
    private static Path copy(Path grid, String name) throws IOException {
        Path to = dir.resolve(name);
        try (Stream<Path> s = Files.walk(grid)) {
            for (Path p : s.toList()) {
                Path q = to.resolve(grid.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else if (p.getFileName().toString().endsWith(".npz")) {
                    Files.createLink(q, p);
                } else {
                    Files.copy(p, q);
                }
            }
        }
        return to;
    }

    // ------------------------------------------------------------------ the tables

    /**
     * A grid's AP summary: each seed's rows are eval's rows for its run folder, one progress line per seed names what
     * eval evaluates, and each mean ± std cell is the one computed here from eval's values; nothing is written into
     * the grid or the data.
     */
    @Test
    void aSeedsRowsAreEvalsAndTheMeansAreThoseOfEvalsValues() throws Exception {
        Map<String, String> before = FolderSnapshot.of(stateDspn);
        Map<String, String> dataBefore = FolderSnapshot.of(data);
        CliRun r = summarise(0, with(new String[] {"--grid", stateDspn.resolve("grid.json").toString(), "--ap"}, COMPUTE));
        assertEquals(before, FolderSnapshot.of(stateDspn), "the grid's folders, byte for byte");
        assertEquals(dataBefore, FolderSnapshot.of(data));

        List<Eval> evals = new ArrayList<>();
        StringBuilder seedRows = new StringBuilder();
        for (int s = 1; s <= 3; s++) {
            Eval e = eval("clevr-state", stateDspn.resolve("seed-" + s + "/run"));
            evals.add(e);
            assertEquals(3, e.rows().size());
            for (String row : e.rows()) {
                seedRows.append(String.format(Locale.ROOT, "%-6s", s)).append(row).append('\n');
            }
            // the progress line: one per seed, eval's own description of what it evaluates, then the time it took
            String seed = "seed " + s + ": " + e.line() + "; ";
            assertEquals(1, r.out().lines().filter(l -> l.startsWith(seed)).count(), r.out());
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(seed) && l.matches(".*; [0-9.]+ (s|min)")), r.out());
        }
        assertTrue(r.out().contains("State AP (%), 3D distance in world units, attributes must match\n"
                + "seed  model                 APinf      AP1    AP0.5   AP0.25  AP0.125\n" + seedRows
                + "over 3 seeds, mean ± sample standard deviation:\n"), r.out());
        List<String[]> means = meanRows(r.out(), 0);
        assertEquals(List.of("DSPN, 10 steps", "DSPN, 20 steps", "DSPN, 30 steps"), means.stream().map(x -> x[0]).toList());
        boolean nonZero = false;
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 5; j++) {
                assertEquals(expectedCell(evals, "0/" + i, j), means.get(i)[j + 1], "row " + means.get(i)[0] + ", column " + j);
                nonZero |= !means.get(i)[j + 1].equals("0.00 ± 0.00");
            }
        }
        assertTrue(nonZero, "the tiny models find some objects (APinf), so the means are not all zero: " + r.out());
        // the summary of the runs' logged metrics stays as it was, above the tables
        CliRun plain = summarise(0, "--grid", stateDspn.resolve("grid.json").toString());
        assertTrue(r.out().startsWith(plain.out()), r.out());
    }

    /** Boxes: both tables (paper-era and corrected IoU), eval's default of the first tenth of val, and run folders given. */
    @Test
    void boxesGetBothTablesFromRunFolders() throws Exception {
        Map<String, String> before = FolderSnapshot.of(boxDspn);
        Path s1 = boxDspn.resolve("seed-1/run");
        Path s2 = boxDspn.resolve("seed-2");
        CliRun r = summarise(0, with(new String[] {s1.toString(), s2.toString(), "--ap"}, COMPUTE));
        assertEquals(before, FolderSnapshot.of(boxDspn));
        List<Eval> evals = List.of(eval("clevr-box", s1), eval("clevr-box", s2.resolve("run")));
        assertTrue(evals.get(0).line().contains("the first tenth of val (the run's full_eval false"), evals.get(0).line());
        for (int t = 0; t < 2; t++) {
            StringBuilder rows = new StringBuilder();
            for (int s = 0; s < 2; s++) {
                for (String row : evals.get(s).rows().subList(3 * t, 3 * t + 3)) {
                    rows.append(String.format(Locale.ROOT, "%-6s", s + 1)).append(row).append('\n');
                }
            }
            String title = t == 0 ? "Box AP (%), paper-era IoU with the +1 (as the paper's numbers)\n"
                    + "seed  model                  AP50     AP90     AP95     AP98     AP99\n"
                    : "Box AP (%), corrected IoU (authors' fix be3703b)\n"
                    + "seed  model                  AP50     AP60     AP70     AP80     AP90\n";
            assertTrue(r.out().contains(title + rows + "over 2 seeds, mean ± sample standard deviation:\n"), r.out());
            List<String[]> means = meanRows(r.out(), t);
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 5; j++) {
                    assertEquals(expectedCell(evals, t + "/" + i, j), means.get(i)[j + 1]);
                }
            }
        }
    }

    /**
     * The baselines' and DSPN's grids of a task given together make the paper's table: one row per model, its seeds,
     * each cell the mean ± std of that grid's seeds.
     */
    @Test
    void severalGridsMakeThePapersTable() throws Exception {
        CliRun r = summarise(0, with(new String[] {"--ap", "--grid", stateMlp.toString(), "--grid",
            stateDspn.resolve("grid.json").toString()}, COMPUTE));
        List<Eval> mlp = List.of(eval("clevr-state", stateMlp.resolve("seed-1/run")), eval("clevr-state",
                stateMlp.resolve("seed-2/run")));
        assertTrue(mlp.get(0).rows().get(0).startsWith("MLP baseline "), mlp.get(0).rows().toString());
        List<Eval> dspn = new ArrayList<>();
        for (int s = 1; s <= 3; s++) {
            dspn.add(eval("clevr-state", stateDspn.resolve("seed-" + s + "/run")));
        }
        List<String> lines = r.out().lines().toList();
        int at = lines.indexOf("State AP (%), 3D distance in world units, attributes must match, mean ± sample standard "
                + "deviation over seeds");
        assertTrue(at > 0, r.out());
        assertEquals(List.of("model", "seeds", "APinf", "AP1", "AP0.5", "AP0.25", "AP0.125"), List.of(lines.get(at + 1).trim()
                .split(" {2,}")));
        List<String[]> expected = new ArrayList<>();
        expected.add(row("MLP baseline", "2 of 2", mlp, "0/0"));
        for (int i = 0; i < 3; i++) {
            expected.add(row("DSPN, " + (10 * (i + 1)) + " steps", "3 of 3", dspn, "0/" + i));
        }
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(List.of(expected.get(i)), List.of(lines.get(at + 2 + i).split(" {2,}")), r.out());
        }
        assertEquals(at + 6, lines.size(), "the table ends the output: " + r.out());
    }

    /** Two grids whose rows share labels (two DSPN grids of a task): each row names its grid's folder. */
    @Test
    void rowsTwoGridsShareNameTheirGrids() throws Exception {
        Path again = copy(boxDspn, "box-dspn-again");
        CliRun r = summarise(0, with(new String[] {"--ap", "--grid", boxDspn.toString(), "--grid", again.toString()}, COMPUTE));
        List<String> lines = r.out().lines().toList();
        int at = lines.indexOf("Box AP (%), corrected IoU (authors' fix be3703b), mean ± sample standard deviation over seeds");
        assertTrue(at > 0, r.out());
        List<String> labels = new ArrayList<>();
        for (int i = at + 2; i < lines.size(); i++) {
            labels.add(lines.get(i).split(" {2,}")[0]);
        }
        List<String> expected = new ArrayList<>();
        for (Path g : List.of(boxDspn, again)) {
            for (int t : new int[] {10, 20, 30}) {
                expected.add("DSPN, " + t + " steps (" + g + ")");
            }
        }
        assertEquals(expected, labels, r.out());
    }

    private static String[] row(String label, String seeds, List<Eval> evals, String key) {
        String[] row = new String[7];
        row[0] = label;
        row[1] = seeds;
        for (int j = 0; j < 5; j++) {
            row[j + 2] = expectedCell(evals, key, j);
        }
        return row;
    }

    /** A seed that did not finish is listed as summarise lists it, and the tables are over the others. */
    @Test
    void anUnfinishedSeedIsListedAndLeftOut() throws Exception {
        Path grid = copy(stateDspn, "state-unfinished");
        try (Stream<Path> s = Files.walk(grid.resolve("seed-3"))) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        CliRun plain = summarise(1, "--grid", grid.toString());
        CliRun r = summarise(1, with(new String[] {"--grid", grid.toString(), "--ap"}, COMPUTE));
        assertTrue(r.out().startsWith(plain.out()), r.out());
        assertTrue(r.out().contains("not finished, not averaged:\n  seed 3 (" + grid.resolve("seed-3") + "): not started (no run "
                + "folder yet)\n"), r.out());
        assertFalse(r.out().contains("seed 3: "), r.out());
        // the copied seeds are byte for byte the grid's, so eval's output of them is eval's output of the grid's
        for (String seed : new String[] {"seed-1", "seed-2"}) {
            assertEquals(FolderSnapshot.of(stateDspn.resolve(seed)), FolderSnapshot.of(grid.resolve(seed)), seed);
        }
        List<Eval> evals = List.of(eval("clevr-state", stateDspn.resolve("seed-1/run")), eval("clevr-state",
                stateDspn.resolve("seed-2/run")));
        assertTrue(r.out().contains("over 2 seeds, mean ± sample standard deviation:"), r.out());
        List<String[]> means = meanRows(r.out(), 0);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 5; j++) {
                assertEquals(expectedCell(evals, "0/" + i, j), means.get(i)[j + 1]);
            }
        }
    }

    // ------------------------------------------------------------------ refusals

    @Test
    void anMnistGridIsRefusedInOneLine() throws Exception {
        Map<String, String> before = FolderSnapshot.of(mnist);
        CliRun r = summarise(2, "--grid", mnist.toString(), "--ap");
        assertEquals("dspn4j: --ap: " + mnist.resolve("grid.json") + " is an MNIST experiment, whose metrics (test_loss, "
                + "test_last) are already in the summary; --ap adds CLEVR's AP tables (clevr-box, clevr-state): leave it out",
                refusal(r.out()));
        assertFalse(r.out().contains("runs finished"), "refused before anything is printed: " + r.out());
        CliRun folders = summarise(2, mnist.resolve("seed-1").toString(), "--ap");
        assertTrue(refusal(folders.out()).startsWith("dspn4j: --ap: the 1 run folder given is an MNIST experiment"), folders.out());
        assertEquals(before, FolderSnapshot.of(mnist));
    }

    /** Runs whose settings differ are refused as summarise refuses them, before anything is evaluated. */
    @Test
    void runsThatDifferAreRefusedAsWithoutAp() throws Exception {
        String[] runs = {stateDspn.resolve("seed-1").toString(), stateMlp.resolve("seed-2").toString()};
        String plain = refusal(summarise(2, runs).out());
        assertTrue(plain.contains("; only the seed may differ between runs that are averaged"), plain);
        CliRun r = summarise(2, with(with(runs, "--ap"), COMPUTE));
        assertEquals(plain, refusal(r.out()));
        assertFalse(r.out().contains("seed 1: "), r.out());
    }

    /** A finished run without its checkpoint: one line naming the file, before any seed is evaluated. */
    @Test
    void aMissingCheckpointIsRefusedBeforeAnyEvaluation() throws Exception {
        Path grid = copy(stateDspn, "state-nockpt");
        Path ck = grid.resolve("seed-2/run/checkpoint.npz");
        Files.delete(ck);
        Map<String, String> before = FolderSnapshot.of(grid);
        CliRun r = summarise(2, with(new String[] {"--grid", grid.toString(), "--ap"}, COMPUTE));
        assertEquals("dspn4j: " + ck + ": no such file; summarise --ap evaluates each finished run's checkpoint, as eval "
                + "--checkpoint " + grid.resolve("seed-2/run") + " does (seed 2)", refusal(r.out()));
        assertFalse(r.out().contains("seed 1: "), r.out());
        assertEquals(before, FolderSnapshot.of(grid));
    }

    /**
     * A seed whose checkpoint eval refuses (here a file that is not one) is named with its run folder, in one line,
     * before any seed is evaluated.
     */
    @Test
    void aSeedEvalRefusesIsNamed() throws Exception {
        Path grid = copy(stateDspn, "state-badckpt");
        Path ck = grid.resolve("seed-2/run/checkpoint.npz");
        Files.delete(ck); // a link to the grid's checkpoint (copy)
        Files.writeString(ck, "not a checkpoint");
        CliRun r = summarise(2, with(new String[] {"--grid", grid.toString(), "--ap"}, COMPUTE));
        String line = refusal(r.out());
        assertTrue(line.startsWith("dspn4j: seed 2 (" + grid.resolve("seed-2/run") + "): ") && line.contains(ck.toString()), line);
        assertFalse(line.contains("internal error"), line);
        assertFalse(r.out().contains("seed 1: "), r.out());
        assertEquals("not a checkpoint", Files.readString(ck));
    }

    @Test
    void computeOptionsGoWithAp() {
        for (String[] o : new String[][] {{"--threads", "1"}, {"--backend", "cpu"}}) {
            CliRun r = summarise(2, with(new String[] {"--grid", stateDspn.toString()}, o));
            assertEquals("dspn4j: " + o[0] + " goes with --ap (without it summarise only reads the runs' metrics)", refusal(r.out()));
        }
    }

    @Test
    void helpSaysWhatApCosts() {
        CliRun r = summarise(0, "--help");
        String help = r.out().replaceAll("\\s+", " ");
        assertTrue(help.contains("one eval per seed") && help.contains("Nothing is written into the runs' folders"), help);
    }
}
