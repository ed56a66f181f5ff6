package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.dspn4j.testing.FolderSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code summarise RUN_FOLDER…} on runs a user trained by hand ({@code train … --seed S --out F}, no grid, no
 * status.json): a run counts as finished when its metrics.jsonl ends with the final line train logs last; one without
 * it is listed with what its folder shows; runs of other experiments are refused in one line; {@code --ap} works on
 * such folders as on a grid's; and no folder is written to.
 */
class SummariseRunFoldersAuditTest {

    @TempDir
    static Path dir;

    /** mnist dspn, seeds 1 and 2, 6 steps, trained by hand. */
    static Path s1;
    static Path s2;
    /** the same settings, seed 7, in a folder named after another seed. */
    static Path s7;
    /** mnist mlp, seed 1, the same other settings. */
    static Path mlp1;

    @BeforeAll
    static void runs() {
        s1 = train("mnist-dspn-seed1", "mnist", "1");
        s2 = train("mnist-dspn-seed2", "mnist", "2");
        s7 = train("seed1", "mnist", "7");
        mlp1 = train("mnist-mlp-seed1", "mnist", "1", "--decoder", "mlp");
    }

    private static Path train(String name, String task, String seed, String... more) {
        Path out = dir.resolve(name);
        List<String> a = new ArrayList<>(List.of("train", task, "--steps", "6", "--seed", seed, "--out", out.toString()));
        a.addAll(RepeatGridTest.TINY);
        a.addAll(List.of(more));
        CliRun r = CliRun.of(a.toArray(new String[0]));
        assertEquals(0, r.code(), r.out());
        return out;
    }

    private static CliRun summarise(int code, Object... args) {
        List<String> a = new ArrayList<>(List.of("summarise"));
        for (Object o : args) {
            a.add(o.toString());
        }
        CliRun r = CliRun.of(a.toArray(new String[0]));
        assertEquals(code, r.code(), r.out());
        return r;
    }

    /** Every file under the roots (hidden ones too: .lock) and its SHA-256. */
    private static Map<String, String> snapshot(Path... roots) throws Exception {
        Map<String, String> m = new TreeMap<>();
        for (Path root : roots) {
            FolderSnapshot.of(root).forEach((k, v) -> m.put(root.resolve(k).toString(), v));
        }
        return m;
    }

    private static String refusal(String out) {
        List<String> lines = out.lines().filter(l -> l.startsWith("dspn4j:")).toList();
        assertEquals(1, lines.size(), out);
        return lines.get(0);
    }

    /** A metric of the last line of a run's metrics.jsonl, read here with a regular expression. */
    private static double finalValue(Path run, String metric) throws IOException {
        List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
        String last = lines.get(lines.size() - 1);
        assertFalse(last.contains("\"epoch\""), "train's final line has no epoch: " + last);
        Matcher m = Pattern.compile("\"" + metric + "\":([-0-9.Ee]+)").matcher(last);
        assertTrue(m.find(), last);
        return Double.parseDouble(m.group(1));
    }

    private static Path copy(Path run, String name) throws IOException {
        Path to = dir.resolve(name);
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(run)) {
            for (Path p : s.toList()) {
                Files.copy(p, to.resolve(p.getFileName()));
            }
        }
        return to;
    }

    @Test
    void runsTrainedByHandThatFinishedAreAveraged() throws Exception {
        Map<String, String> before = snapshot(s1, s2);
        CliRun r = summarise(0, s1, s2);
        assertEquals(before, snapshot(s1, s2), "the run folders, byte for byte");
        assertTrue(r.out().contains("2 run folders: 2 of 2 runs finished"), r.out());
        assertFalse(r.out().contains("not finished"), r.out());
        double[] loss = {finalValue(s1, "test_loss"), finalValue(s2, "test_loss")};
        double[] last = {finalValue(s1, "test_last"), finalValue(s2, "test_last")};
        assertTrue(r.out().contains(String.format(Locale.ROOT, "seed 1: test_loss %.6f  test_last %.6f", loss[0], last[0])), r.out());
        assertTrue(r.out().contains(String.format(Locale.ROOT, "seed 2: test_loss %.6f  test_last %.6f", loss[1], last[1])), r.out());
        // two values: mean (a+b)/2, sample standard deviation |a-b|/sqrt(2)
        assertTrue(r.out().contains(String.format(Locale.ROOT, "over 2 seeds: test_loss %.6f ± %.6f  test_last %.6f ± %.6f",
                (loss[0] + loss[1]) / 2, Math.abs(loss[0] - loss[1]) / Math.sqrt(2),
                (last[0] + last[1]) / 2, Math.abs(last[0] - last[1]) / Math.sqrt(2))), r.out());
    }

    /** The seed label is run.json's, not the folder's name. */
    @Test
    void theSeedIsTheOneTheRunRecorded() {
        CliRun r = summarise(0, s7, s2);
        assertTrue(r.out().contains("seed 7: test_loss") && r.out().contains("seed 2: test_loss"), r.out());
        assertFalse(r.out().contains("seed 1"), r.out());
    }

    /** train exits 3 on a non-finite loss: its record has no final line, and summarise says what that means. */
    @Test
    void aRunStoppedByANonFiniteLossIsListedWithWhy() throws Exception {
        List<Path> nan = new ArrayList<>();
        for (String seed : List.of("1", "2")) {
            Path out = dir.resolve("nan-seed" + seed);
            List<String> a = new ArrayList<>(List.of("train", "mnist", "--steps", "6", "--lr", "1e30", "--seed", seed, "--out",
                    out.toString()));
            a.addAll(RepeatGridTest.TINY);
            CliRun t = CliRun.of(a.toArray(new String[0]));
            assertEquals(3, t.code(), t.out());
            nan.add(out);
        }
        Map<String, String> before = snapshot(nan.get(0), nan.get(1));
        CliRun r = summarise(1, nan.get(0), nan.get(1));
        assertEquals(before, snapshot(nan.get(0), nan.get(1)));
        assertTrue(r.out().contains("0 of 2 runs finished"), r.out());
        for (int i = 0; i < 2; i++) {
            String line = r.out().lines().filter(l -> l.contains("(" + nan.get(0).getParent() + "/nan-seed")).toList().get(i);
            assertTrue(line.startsWith("  seed " + (i + 1) + " ("), line);
            assertTrue(line.contains("no final line in metrics.jsonl") && line.contains("a non-finite value stopped the run "
                    + "(exit code 3"), line);
            assertFalse(line.contains("--resume"), "resuming a run that diverged diverges again: " + line);
        }
        assertFalse(r.out().contains("repeat"), "no grid involved: " + r.out());
    }

    /** A run killed after its last step (no final line; its lock names its process) and one killed mid-write. */
    @Test
    void killedRunsAreListedNotAveraged() throws Exception {
        Path killed = copy(s2, "killed-seed2");
        List<String> lines = Files.readAllLines(killed.resolve("metrics.jsonl"));
        Files.write(killed.resolve("metrics.jsonl"), lines.subList(0, lines.size() - 1));
        Files.writeString(killed.resolve(".lock"), "4242@node7 since 2026-01-01T00:00:00Z\n");
        Path cut = copy(s7, "cut-seed7");
        byte[] b = Files.readAllBytes(s7.resolve("metrics.jsonl"));
        Files.write(cut.resolve("metrics.jsonl"), java.util.Arrays.copyOf(b, b.length - 10));
        Map<String, String> before = snapshot(killed, cut);
        CliRun r = summarise(1, s1, killed, cut);
        assertEquals(before, snapshot(killed, cut));
        assertTrue(r.out().contains("1 of 3 runs finished") && r.out().contains("over 1 seed: test_loss "), r.out());
        assertTrue(r.out().contains("  seed 2 (" + killed + "): no final line in metrics.jsonl: every step trained (6), the "
                + "final evaluation not logged") && r.out().contains("its .lock names process 4242@node7 since "
                + "2026-01-01T00:00:00Z: still training, or killed") && r.out().contains("its checkpoint lets train --resume "
                + "continue it"), r.out());
        assertTrue(r.out().contains("  seed 7 (" + cut + "): the last line of metrics.jsonl is cut short"), r.out());
    }

    /** A folder with a metrics.jsonl but no run.json records no seed: listed as such, not labelled with a made-up one. */
    @Test
    void aFolderWithoutRunJsonIsListedWithoutASeed() throws Exception {
        Path bare = dir.resolve("bare");
        Files.createDirectories(bare);
        Files.copy(s2.resolve("metrics.jsonl"), bare.resolve("metrics.jsonl"));
        CliRun r = summarise(1, s1, bare);
        assertTrue(r.out().contains("1 of 2 runs finished"), r.out());
        assertTrue(r.out().contains("  seed unknown (" + bare + "): no run.json (train writes it when a run starts, with the "
                + "run's settings and seed): not averaged, its settings cannot be compared (metrics.jsonl ends with its final "
                + "line at step 6)"), r.out());
    }

    /**
     * A grid's seed whose status.json says running although its run ended with train's final line (its task stopped
     * between train's end and the status update): status.json still decides, and the note says what the record shows.
     */
    @Test
    void aGridSeedStillRunningByItsStatusButWhoseRecordEndedSaysSo() throws Exception {
        Path seed = dir.resolve("grid/seed-2");
        copy(s2, "grid/seed-2/run");
        Files.writeString(seed.resolve("status.json"), "{\"seed\": 2, \"state\": \"running\", \"attempts\": [{\"job\": \"5_2\", "
                + "\"host\": \"node1\", \"started\": \"2026-01-01T00:00:00Z\", \"resumed\": false}]}");
        Map<String, String> before = snapshot(seed);
        CliRun r = summarise(1, s1, seed);
        assertEquals(before, snapshot(seed));
        assertTrue(r.out().contains("  seed 2 (" + seed + "): started 2026-01-01T00:00:00Z on node1 (job 5_2), no end recorded: "
                + "its metrics.jsonl ends with train's final line (step 6), so train finished and its task was stopped before "
                + "it recorded the end"), r.out());
    }

    /** The folder that holds the hand-trained runs, or a file of a run, given instead of run folders: one line that says so. */
    @Test
    void aParentFolderOrAFileGivenInsteadOfRunFoldersIsNamed() {
        assertEquals("dspn4j: " + dir + ": not a run folder (no status.json, run.json or metrics.jsonl); it holds run folders: "
                + "give them, e.g. " + dir.resolve("*"), refusal(summarise(2, dir).out()));
        assertEquals("dspn4j: " + s1.resolve("metrics.jsonl") + ": a file, not a run folder (give the folder that holds it)",
                refusal(summarise(2, s1.resolve("metrics.jsonl")).out()));
        assertTrue(summarise(0, s1).out().contains("1 run folder: 1 of 1 runs finished"));
    }

    /** Different experiments given together: one line naming both runs and the model field, pointing to --grid. */
    @Test
    void runsOfOtherModelsAreRefusedInOneLine() throws Exception {
        Map<String, String> before = snapshot(s1, mlp1);
        String e = refusal(summarise(2, s1, mlp1).out());
        assertEquals(before, snapshot(s1, mlp1));
        assertEquals("dspn4j: " + mlp1.resolve("run.json") + " differs from " + s1.resolve("run.json") + " in "
                + "config.model.decoder (mlp, not dspn); only the seed may differ between runs that are averaged; runs of other "
                + "models are other experiments: summarise each one's runs by itself, or their grids side by side (summarise "
                + "--grid A/grid.json --grid B/grid.json prints one row each)", e);
        // an unfinished run of another model is no seed of this experiment either
        Path killed = copy(mlp1, "killed-mlp-seed1");
        List<String> lines = Files.readAllLines(killed.resolve("metrics.jsonl"));
        Files.write(killed.resolve("metrics.jsonl"), lines.subList(0, 2));
        assertTrue(refusal(summarise(2, s2, killed).out()).startsWith("dspn4j: " + killed.resolve("run.json") + " differs from "
                + s2.resolve("run.json") + " in config.model.decoder (mlp, not dspn)"));
        // the shipped models: the same refusal
        Path dspn = Path.of("models/mnist-dspn");
        Path mlp = Path.of("models/mnist-mlp");
        Map<String, String> shipped = snapshot(dspn, mlp);
        assertEquals("dspn4j: " + mlp.resolve("run.json") + " differs from " + dspn.resolve("run.json") + " in "
                + "config.model.decoder (mlp, not dspn)", refusal(summarise(2, dspn, mlp).out()).split(";")[0]);
        assertEquals(shipped, snapshot(dspn, mlp));
    }

    /** Same model, other settings: refused as for a grid's seeds, naming the first field that differs. */
    @Test
    void runsWithOtherSettingsAreRefusedAsGridsAre() throws Exception {
        Path lr = dir.resolve("lr-seed3");
        List<String> a = new ArrayList<>(List.of("train", "mnist", "--steps", "6", "--lr", "0.001", "--seed", "3", "--out",
                lr.toString()));
        a.addAll(RepeatGridTest.TINY);
        assertEquals(0, CliRun.of(a.toArray(new String[0])).code());
        assertEquals("dspn4j: " + lr.resolve("run.json") + " differs from " + s1.resolve("run.json") + " in config.lr (0.001, "
                + "not 0.01); only the seed may differ between runs that are averaged", refusal(summarise(2, s1, lr).out()));
    }

    /** --ap on CLEVR runs trained by hand: each seed's rows are those eval prints for its run folder. */
    @Test
    void apTablesOfRunsTrainedByHand() throws Exception {
        Path data = dir.resolve("clevr");
        assertEquals(0, CliRun.of("synth", "clevr", "--scenes", "4", "--split", "train", "--seed", "1", "--out", data.toString(),
                "--threads", "1").code());
        assertEquals(0, CliRun.of("synth", "clevr", "--scenes", "10", "--split", "val", "--seed", "2", "--out", data.toString(),
                "--threads", "1").code());
        List<Path> runs = new ArrayList<>();
        for (String seed : List.of("1", "2")) {
            Path out = dir.resolve("state-mlp-seed" + seed);
            CliRun t = CliRun.of("train", "clevr-state", "--decoder", "mlp", "--data-dir", data.toString(), "--image-size", "65",
                    "--batch", "2", "--steps", "2", "--latent", "8", "--hidden", "8", "--iters", "2", "--full-eval", "-q",
                    "--seed", seed, "--out", out.toString(), "--threads", "1", "--backend", "cpu");
            assertEquals(0, t.code(), t.out());
            runs.add(out);
        }
        Map<String, String> before = snapshot(runs.get(0), runs.get(1), data);
        CliRun r = summarise(0, runs.get(0), runs.get(1), "--ap", "--threads", "1", "--backend", "cpu");
        assertEquals(before, snapshot(runs.get(0), runs.get(1), data), "run folders and data, byte for byte");
        assertTrue(r.out().contains("2 of 2 runs finished") && r.out().contains("over 2 seeds, mean ± sample standard deviation"),
                r.out());
        for (int i = 0; i < 2; i++) {
            CliRun e = CliRun.of("eval", "clevr-state", "--checkpoint", runs.get(i).toString(), "--threads", "1", "--backend", "cpu");
            assertEquals(0, e.code(), e.out());
            String row = e.out().lines().filter(l -> l.startsWith("MLP baseline")).findFirst().orElseThrow();
            assertTrue(r.out().contains(String.format(Locale.ROOT, "%-6s", i + 1) + row), row + "\n" + r.out());
        }
    }
}
