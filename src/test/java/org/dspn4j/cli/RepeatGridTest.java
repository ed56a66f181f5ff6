package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.dspn4j.experiment.RunLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code repeat} without a cluster: seeds run here as a grid, a second run skips what finished,
 * bad input is one line and changes nothing; {@code summarise} reads the same folders.
 */
class RepeatGridTest {
    static final List<String> TINY = List.of("--latent", "8", "--hidden", "16", "--iters", "2", "--batch", "4", "-q", "--threads", "1");

    @TempDir
    Path dir;

    static String[] args(List<String> before, String... train) {
        List<String> a = new ArrayList<>(before);
        a.add("--");
        a.addAll(Arrays.asList(train));
        a.addAll(TINY);
        return a.toArray(new String[0]);
    }

    /** {test_loss, test_last} of the last line of a metrics.jsonl, read with a regular expression (not the code under test). */
    static double[] lastTestLine(Path metrics) throws Exception {
        List<String> lines = Files.readAllLines(metrics);
        String last = lines.get(lines.size() - 1);
        Matcher l = Pattern.compile("\"test_loss\":([0-9.eE-]+)").matcher(last);
        Matcher t = Pattern.compile("\"test_last\":([0-9.eE-]+)").matcher(last);
        assertTrue(l.find() && t.find(), last);
        return new double[] {Double.parseDouble(l.group(1)), Double.parseDouble(t.group(1))};
    }

    /** The "over N seeds" line from the runs' own metrics, by the textbook formulas. */
    static String overLine(List<Path> runs) throws Exception {
        int n = runs.size();
        double[][] v = new double[n][];
        for (int i = 0; i < n; i++) {
            v[i] = lastTestLine(runs.get(i).resolve("run/metrics.jsonl"));
        }
        StringBuilder sb = new StringBuilder("over " + n + " seeds:");
        String[] names = {"test_loss", "test_last"};
        for (int k = 0; k < 2; k++) {
            double mean = 0;
            for (double[] r : v) {
                mean += r[k] / n;
            }
            double ss = 0;
            for (double[] r : v) {
                ss += (r[k] - mean) * (r[k] - mean);
            }
            sb.append(String.format(java.util.Locale.ROOT, " %s %.6f ± %.6f ", names[k], mean, Math.sqrt(ss / (n - 1))));
        }
        return sb.toString().stripTrailing();
    }

    @Test
    void seedsRunHereOnceAndASecondRunSkipsThem() throws Exception {
        Path out = dir.resolve("grid");
        String[] cmd = args(List.of("repeat", "--seeds", "1-2", "--out", out.toString()), "train", "mnist", "--steps", "1");
        CliRun first = CliRun.of(cmd);
        assertEquals(0, first.code(), first.out());
        List<Path> runs = List.of(out.resolve("seed-1"), out.resolve("seed-2"));
        String over = overLine(runs);
        assertTrue(first.out().contains(over), over + "\n" + first.out());
        String grid = Files.readString(out.resolve("grid.json"));
        assertTrue(grid.contains("\"seeds\" : [ 1, 2 ]") && grid.contains("\"train\", \"mnist\", \"--steps\", \"1\", \"--latent\", \"8\""), grid);
        for (Path r : runs) {
            assertTrue(Files.readString(r.resolve("status.json")).contains("\"state\" : \"finished\""));
            assertTrue(Files.isRegularFile(r.resolve("run/checkpoint.npz")));
            assertEquals("", Files.readString(r.resolve("run/.lock")), "train's lock released on a clean end");
        }
        String metricsBefore = Files.readString(runs.get(0).resolve("run/metrics.jsonl"));

        CliRun again = CliRun.of(cmd);
        assertEquals(0, again.code(), again.out());
        assertTrue(again.out().contains("seed 1: finished earlier") && again.out().contains("seed 2: finished earlier"), again.out());
        assertTrue(again.out().contains(over), again.out());
        assertEquals(metricsBefore, Files.readString(runs.get(0).resolve("run/metrics.jsonl")), "nothing retrained");
        String gridAfter = Files.readString(out.resolve("grid.json"));

        CliRun sum = CliRun.of("summarise", "--grid", out.resolve("grid.json").toString());
        assertEquals(0, sum.code(), sum.out());
        assertTrue(sum.out().contains(over) && sum.out().contains("2 of 2 runs finished"), sum.out());
        CliRun folders = CliRun.of("summarise", runs.get(0).toString(), runs.get(1).toString());
        assertEquals(0, folders.code(), folders.out());
        assertTrue(folders.out().contains(over), folders.out());

        // another command, or other seeds, into the same folder: refused, grid.json untouched
        CliRun other = CliRun.of(args(List.of("repeat", "--seeds", "1-2", "--out", out.toString()), "train", "mnist", "--steps", "2"));
        assertEquals(2, other.code());
        assertTrue(other.out().startsWith("dspn4j: --out: " + out.resolve("grid.json") + " holds another grid"), other.out());
        CliRun seeds = CliRun.of(args(List.of("repeat", "--seeds", "1-3", "--out", out.toString()), "train", "mnist", "--steps", "1"));
        assertEquals(2, seeds.code());
        assertTrue(seeds.out().startsWith("dspn4j: --seeds: " + out.resolve("grid.json") + " holds seeds 1-2"), seeds.out());
        assertEquals(gridAfter, Files.readString(out.resolve("grid.json")));

        // a grid made in another folder is resumed there, where its relative paths mean what they meant
        Files.writeString(out.resolve("grid.json"), gridAfter.replace("\"cwd\" : \"" + Path.of("").toAbsolutePath() + "\"",
                "\"cwd\" : \"/elsewhere\""));
        CliRun moved = CliRun.of(cmd);
        assertEquals(2, moved.code(), moved.out());
        assertTrue(moved.out().startsWith("dspn4j: --out: " + out.resolve("grid.json") + " was made in /elsewhere; run repeat there"),
                moved.out());
    }

    @Test
    void badInputIsOneLineAndWritesNothing() throws Exception {
        Path out = dir.resolve("g");
        String[][] bad = {
            args(List.of("repeat", "--seeds", "5,5", "--out", out.toString()), "train", "mnist"),
            args(List.of("repeat", "--seeds", "1-3,2", "--out", out.toString()), "train", "mnist"),
            args(List.of("repeat", "--seeds", "3-1", "--out", out.toString()), "train", "mnist"),
            args(List.of("repeat", "--seeds", "1", "--out", out.toString()), "train", "mnist", "--seed", "3"),
            args(List.of("repeat", "--seeds", "1", "--out", out.toString()), "train", "mnist", "--resume"),
            args(List.of("repeat", "--seeds", "1", "--out", out.toString()), "train", "mnist", "--force"),
            args(List.of("repeat", "--seeds", "1", "--out", out.toString()), "train", "mnist", "--allow-nonfinite"),
            args(List.of("repeat", "--seeds", "1", "--out", out.toString()), "train", "mnist", "--synth-train", "5"),
            args(List.of("repeat", "--seeds", "1", "--out", out.toString()), "train", "clevr-state", "--image-size", "64"),
            args(List.of("repeat", "--seeds", "1", "--out", out.toString(), "--partition", "gpu"), "train", "mnist"),
            args(List.of("repeat", "--seeds", "1", "--out", out.toString(), "--dry-run"), "train", "mnist"),
            args(List.of("repeat", "--seeds", "1", "--out", out.toString(), "--slurm", "--time", "1h"), "train", "mnist"),
            args(List.of("repeat", "--seeds", "1", "--out", out.toString(), "--slurm", "--mem", "lots"), "train", "mnist"),
            args(List.of("repeat", "--seeds", "1", "--out", out.toString(), "--slurm", "--sbatch-arg=--array=1-9"), "train", "mnist"),
            args(List.of("repeat", "--seeds", "1001", "--out", out.toString(), "--slurm"), "train", "mnist"),
            args(List.of("repeat", "--seeds", "1", "--out", out.toString()), "train", "mnist", "--decoder", "foo"),
            args(List.of("repeat", "--seeds", "1", "--out", out.toString(), "--slurm"), "train", "mnist", "--bogus"),
            args(List.of("repeat", "--seeds", "1", "--out", out.toString(), "--slurm"), "train", "mnist", "--steps", "x"),
            args(List.of("repeat", "--seeds", "1", "--out", out.toString()), "eval", "mnist"),
        };
        String[] expect = {"--seeds: seed 5 twice", "--seeds: seed 2 twice", "--seeds: range '3-1' runs backwards",
            "repeat sets --seed itself", "repeat sets --resume itself", "repeat sets --force itself",
            "--allow-nonfinite is for following a NaN", "--synth-train applies to clevr-box and clevr-state, not mnist",
            "--image-size must be between 65 and 128", "--partition goes with --slurm", "--dry-run goes with --slurm",
            "--time: '1h'", "--mem: 'lots'", "--sbatch-arg: repeat sets --array itself", "--seeds: with --slurm each seed is",
            "--decoder must be dspn, mlp or rnn, got 'foo'", "the train command after -- does not parse: --bogus: no such option",
            "the train command after -- does not parse: Invalid value for option '--steps'", "give a train command after --"};
        for (int i = 0; i < bad.length; i++) {
            CliRun r = CliRun.of(bad[i]);
            assertEquals(2, r.code(), r.out());
            assertTrue(r.out().startsWith("dspn4j: " + expect[i]) && r.out().strip().lines().count() == 1, r.out());
            assertFalse(Files.exists(out), String.join(" ", bad[i]) + " wrote " + out);
        }
    }

    @Test
    void runFoldersOfNoGridAreNotOverwritten() throws Exception {
        Path out = dir.resolve("old");
        Files.createDirectories(out.resolve("seed-2"));
        Files.writeString(out.resolve("seed-2/metrics.jsonl"), "mine\n");
        for (String mode : List.of("--dry-run", "")) {
            List<String> before = new ArrayList<>(List.of("repeat", "--seeds", "1-2", "--out", out.toString()));
            if (!mode.isEmpty()) {
                before.addAll(List.of("--slurm", mode));
            }
            CliRun r = CliRun.of(args(before, "train", "mnist"));
            assertEquals(2, r.code(), r.out());
            assertTrue(r.out().startsWith("dspn4j: --out: " + out.resolve("seed-2") + " exists and belongs to no grid"), r.out());
        }
        assertEquals("mine\n", Files.readString(out.resolve("seed-2/metrics.jsonl")));
        assertFalse(Files.exists(out.resolve("grid.json")) || Files.exists(out.resolve("seed-1")));
    }

    @Test
    void aDryRunPrintsTheScriptAndWritesNothing() throws Exception {
        Path out = dir.resolve("dry");
        CliRun r = CliRun.of(args(List.of("repeat", "--seeds", "1-3,7", "--out", out.toString(), "--slurm", "--dry-run",
                "--partition", "gpu", "--gres", "gpu:1", "--time", "24:00:00", "--mem", "16G", "--sbatch-arg=--constraint=a100",
                "--task-setup", ". /opt/dspn4j/gpu-config/env.sh"), "train", "mnist", "--preset", "paper"));
        assertEquals(0, r.code(), r.out());
        for (String want : List.of("#!/bin/bash", "#SBATCH --array=1-3,7", "#SBATCH --partition=gpu", "#SBATCH --gres=gpu:1",
                "#SBATCH --time=24:00:00", "#SBATCH --mem=16G", "#SBATCH --constraint=a100", "eval '. /opt/dspn4j/gpu-config/env.sh'",
                "# train mnist --preset paper " + String.join(" ", TINY),
                "# dry run: nothing written or submitted; this would run seeds 1-3,7 of 4")) {
            assertTrue(r.out().lines().anyMatch(want::equals), want + " in\n" + r.out());
        }
        assertFalse(Files.exists(out));
    }

    @Test
    void summariseNeedsRunsAndSaysWhenSomeDidNotFinish() throws Exception {
        CliRun none = CliRun.of("summarise");
        assertEquals(2, none.code());
        assertEquals("dspn4j: give run folders, or --grid grid.json (not both)", none.out().strip());
        CliRun missing = CliRun.of("summarise", "--grid", dir.resolve("nope.json").toString());
        assertEquals(2, missing.code());
        assertEquals("dspn4j: --grid " + dir.resolve("nope.json") + ": no such grid file", missing.out().strip());
        Path f = dir.resolve("half");
        Files.createDirectories(f);
        Files.writeString(f.resolve("status.json"), "{\"seed\": 4, \"state\": \"running\", \"attempts\": [{\"job\": \"9_4\", "
                + "\"host\": \"n1\", \"started\": \"2026-01-01T00:00:00Z\", \"resumed\": false}]}");
        CliRun half = CliRun.of("summarise", f.toString());
        assertEquals(1, half.code(), half.out());
        assertTrue(half.out().contains("0 of 1 runs finished") && half.out().contains("seed 4 (" + f + "): started 2026-01-01T00:00:00Z on n1 (job 9_4)"),
                half.out());
        Files.writeString(f.resolve("status.json"), "{\"seed\": 4, \"state\": \"done\", \"attempts\": []}");
        CliRun badState = CliRun.of("summarise", f.toString());
        assertEquals(2, badState.code());
        assertEquals("dspn4j: " + f.resolve("status.json") + ": unknown state 'done'", badState.out().strip());
    }

    /**
     * A seed's run folder is train's (docs/run-folder.md): a checkpoint there is resumed with train --resume,
     * which continues it (a resumes entry in run.json) only with the recorded settings; a run folder
     * without a checkpoint is moved aside by train --force; a run folder locked by a live run is refused at
     * once, changing nothing.
     */
    @Test
    void aSeedsRunFolderFollowsTrainsRules() throws Exception {
        Path out = dir.resolve("rules");
        List<String> train = new ArrayList<>(List.of("train", "mnist", "--steps", "2"));
        train.addAll(TINY);
        // the grid is written first (it refuses seed folders of no grid), then its seeds' run folders as earlier tasks leave them
        org.dspn4j.experiment.grid.Grid.open(out, train, List.of(1L, 2L, 3L), Path.of("").toAbsolutePath()).save();
        // seed 1 was trained for 1 step in its run folder (as a task killed after its checkpoint leaves it)
        List<String> one = new ArrayList<>(List.of("train", "mnist", "--steps", "1", "--seed", "1", "--out",
                out.resolve("seed-1/run").toString()));
        one.addAll(TINY);
        assertEquals(0, CliRun.of(one.toArray(new String[0])).code());
        // seed 2: an attempt that saved no checkpoint
        Files.createDirectories(out.resolve("seed-2/run"));
        Files.writeString(out.resolve("seed-2/run/metrics.jsonl"), "{\"step\":1,\"train_loss\":0.9}\n");
        // seed 3: trained with another latent size (a setting that changes results)
        List<String> other = new ArrayList<>(List.of("train", "mnist", "--steps", "1", "--seed", "3", "--out",
                out.resolve("seed-3/run").toString()));
        other.addAll(TINY);
        other.set(other.indexOf("--latent") + 1, "4");
        assertEquals(0, CliRun.of(other.toArray(new String[0])).code());
        String seed3Metrics = Files.readString(out.resolve("seed-3/run/metrics.jsonl"));
        String[] cmd = args(List.of("repeat", "--seeds", "1-3", "--out", out.toString()), "train", "mnist", "--steps", "2");

        // a live lock on seed 1's run folder: seed 1 is left out at once, nothing of it run or recorded; the others run
        try (RunLock held = RunLock.acquire(out.resolve("seed-1/run"), null)) {
            CliRun locked = CliRun.of(cmd);
            assertEquals(2, locked.code(), locked.out());
            assertTrue(locked.out().contains("dspn4j: seed 1 was not run: " + out.resolve("seed-1/run") + " is in use by another "
                    + "run (process " + ProcessHandle.current().pid() + "@"), locked.out());
            assertFalse(Files.exists(out.resolve("seed-1/status.json")));
        }

        CliRun r = CliRun.of(cmd);
        assertEquals(2, r.code(), r.out());
        // seed 1 resumed from its step-1 checkpoint to step 2, recorded by train as a resume
        assertTrue(r.out().contains("seed 1: resuming from " + out.resolve("seed-1/run/checkpoint.npz")), r.out());
        String run1 = Files.readString(out.resolve("seed-1/run/run.json"));
        assertTrue(run1.contains("\"resumes\"") && run1.contains("\"from_step\" : 1"), run1);
        assertTrue(Files.readString(out.resolve("seed-1/status.json")).contains("\"state\" : \"finished\""));
        // seed 2 started afresh, its earlier attempt moved aside whole by train --force
        try (var s = Files.list(out.resolve("seed-2"))) {
            List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(3, names.size(), names.toString());
            assertTrue(names.get(0).equals("run") && names.get(1).startsWith("run.old-") && names.get(2).equals("status.json"), names.toString());
            assertEquals("{\"step\":1,\"train_loss\":0.9}\n", Files.readString(out.resolve("seed-2").resolve(names.get(1)).resolve("metrics.jsonl")));
        }
        assertTrue(Files.isRegularFile(out.resolve("seed-2/run/checkpoint.npz")));
        assertTrue(Files.readString(out.resolve("seed-2/status.json")).contains("\"state\" : \"finished\""));
        // seed 3's resume is refused by train's check of the recorded settings; its run is unchanged, the failure recorded
        assertTrue(r.out().contains("--resume: --latent 8 (the run has 4)"), r.out());
        assertTrue(r.out().contains("dspn4j: seed 3 ended with exit code 2"), r.out());
        assertEquals(seed3Metrics, Files.readString(out.resolve("seed-3/run/metrics.jsonl")));
        String st3 = Files.readString(out.resolve("seed-3/status.json"));
        assertTrue(st3.contains("\"state\" : \"failed\"") && st3.contains("\"exit_code\" : 2"), st3);
    }
}
