package org.dspn4j.cli;

import static org.dspn4j.cli.RepeatGridTest.args;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.dspn4j.experiment.RunLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code repeat} here: a failed seed does not stop the others, grid.json records only the seeds that ran;
 * {@code summarise} refuses seeds that trained for other numbers of steps or on other data.
 */
class RepeatLocalTest {
    @TempDir
    Path dir;

    private static int count(String text, String what) {
        Matcher m = Pattern.compile(Pattern.quote(what)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Test
    void aFailedSeedDoesNotStopTheOthersAndIsSummarised() throws Exception {
        Path out = dir.resolve("nan");
        String[] cmd = args(List.of("repeat", "--seeds", "1-2", "--out", out.toString()), "train", "mnist", "--steps", "3", "--lr", "1e30");
        CliRun r = CliRun.of(cmd);
        assertEquals(3, r.code(), r.out());
        for (String s : List.of("seed-1", "seed-2")) {
            String st = Files.readString(out.resolve(s).resolve("status.json"));
            assertTrue(st.contains("\"state\" : \"failed\"") && st.contains("\"exit_code\" : 3"), s + ": " + st);
        }
        assertTrue(r.out().contains("0 of 2 runs finished") && r.out().contains("not finished, not averaged:")
                && r.out().contains("  seed 2 (" + out.resolve("seed-2") + "): failed with exit code 3"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("dspn4j: seed 1 ended with exit code 3 (" + out.resolve("seed-1/status.json")
                + "); seed 2 ended with exit code 3")), r.out());
        String grid = Files.readString(out.resolve("grid.json"));
        assertEquals(1, count(grid, "\"local\""), grid);

        // given again while another process holds seed 1's run folder: seed 1 is left out, seed 2 runs (and fails again),
        // and grid.json records a submission of seed 2 alone
        try (RunLock held = RunLock.acquire(out.resolve("seed-1/run"), null)) {
            CliRun locked = CliRun.of(cmd);
            assertEquals(2, locked.code(), locked.out());
            assertTrue(locked.out().lines().anyMatch(l -> l.startsWith("dspn4j: seed 1 was not run: " + out.resolve("seed-1/run")
                    + " is in use by another run (") && l.contains("); seed 2 ended with exit code 3 (")), locked.out());
        }
        String after = Files.readString(out.resolve("grid.json"));
        assertEquals(2, count(after, "\"local\""), after);
        assertTrue(after.contains("\"seeds\" : [ 2 ],\n    \"started\""), after);
    }

    @Test
    void gridJsonRecordsOnlyTheSeedsThatRan() throws Exception {
        Path out = dir.resolve("g");
        String[] cmd = args(List.of("repeat", "--seeds", "1-2", "--out", out.toString()), "train", "mnist", "--steps", "1");
        assertEquals(0, CliRun.of(cmd).code());
        String grid = Files.readString(out.resolve("grid.json"));
        assertTrue(grid.contains("\"seeds\" : [ 1, 2 ],\n    \"started\""), grid);
        CliRun again = CliRun.of(cmd);
        assertEquals(0, again.code(), again.out());
        assertEquals(grid, Files.readString(out.resolve("grid.json")), "an invocation that ran nothing is not a submission");

        // seed 2 to run again (its status and run folder removed by hand): the next submission names seed 2 alone
        Files.delete(out.resolve("seed-2/status.json"));
        try (var files = Files.walk(out.resolve("seed-2/run"))) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        assertEquals(0, CliRun.of(cmd).code());
        String after = Files.readString(out.resolve("grid.json"));
        assertEquals(2, count(after, "\"local\""), after);
        assertTrue(after.contains("\"seeds\" : [ 2 ],\n    \"started\""), after);
    }

    @Test
    void summariseRefusesASeedExtendedByAResume() throws Exception {
        Path out = dir.resolve("ext");
        assertEquals(0, CliRun.of(args(List.of("repeat", "--seeds", "1-2", "--out", out.toString()), "train", "mnist", "--steps", "1")).code());
        List<String> more = new ArrayList<>(List.of("train", "mnist", "--steps", "2", "--seed", "1", "--out",
                out.resolve("seed-1/run").toString(), "--resume"));
        more.addAll(RepeatGridTest.TINY);
        CliRun resumed = CliRun.of(more.toArray(new String[0]));
        assertEquals(0, resumed.code(), resumed.out());
        assertTrue(Files.readString(out.resolve("seed-1/run/run.json")).contains("\"max_steps\" : 1,"), "config keeps the first part's");

        CliRun g = CliRun.of("summarise", "--grid", out.resolve("grid.json").toString());
        assertEquals(2, g.code(), g.out());
        assertEquals("dspn4j: " + out.resolve("seed-2/run/run.json") + " differs from " + out.resolve("seed-1/run/run.json")
                + " in config.max_steps (1, not 2), as trained: a resume changed it (run.json's last resumes entry); only the seed may "
                + "differ between runs that are averaged", g.out().strip());
        CliRun f = CliRun.of("summarise", out.resolve("seed-2").toString(), out.resolve("seed-1/run").toString());
        assertEquals(2, f.code(), f.out());
        assertTrue(f.out().startsWith("dspn4j: " + out.resolve("seed-1/run/run.json") + " differs from "
                + out.resolve("seed-2/run/run.json") + " in config.max_steps (2, not 1)"), f.out());

    }

    @Test
    void summariseRefusesRunsWhoseFinalTestMetricsCameAtOtherSteps() throws Exception {
        Path out = dir.resolve("steps");
        assertEquals(0, CliRun.of(args(List.of("repeat", "--seeds", "1-2", "--out", out.toString()), "train", "mnist", "--steps", "1")).code());
        Path metrics = out.resolve("seed-2/run/metrics.jsonl");
        List<String> lines = new ArrayList<>(Files.readAllLines(metrics));
        String last = lines.get(lines.size() - 1);
        assertTrue(last.startsWith("{\"step\":1,\"test_loss\""), last);
        lines.set(lines.size() - 1, last.replace("{\"step\":1,", "{\"step\":7,"));
        Files.write(metrics, lines);
        CliRun g = CliRun.of("summarise", out.resolve("seed-1").toString(), out.resolve("seed-2").toString());
        assertEquals(2, g.code(), g.out());
        assertTrue(g.out().startsWith("dspn4j: " + out.resolve("seed-2/run/run.json") + " differs from "
                + out.resolve("seed-1/run/run.json") + " in steps trained, the step of metrics.jsonl's final test metrics (7, not 1)"), g.out());
    }

    @Test
    void summariseRefusesRunsOnOtherData() throws Exception {
        Path out = dir.resolve("data");
        assertEquals(0, CliRun.of(args(List.of("repeat", "--seeds", "1-2", "--out", out.toString()), "train", "mnist", "--steps", "1")).code());
        Path runJson = out.resolve("seed-2/run/run.json");
        String text = Files.readString(runJson);
        Matcher m = Pattern.compile("\"train\" : \"([0-9a-f]{64})\"").matcher(text);
        assertTrue(m.find(), text);
        String other = (m.group(1).charAt(0) == '0' ? "1" : "0") + m.group(1).substring(1);
        Files.writeString(runJson, text.replace(m.group(1), other));
        CliRun g = CliRun.of("summarise", "--grid", out.resolve("grid.json").toString());
        assertEquals(2, g.code(), g.out());
        assertEquals("dspn4j: " + runJson + " differs from " + out.resolve("seed-1/run/run.json") + " in data_sha256.train ("
                + other + ", not " + m.group(1) + "); only the seed may differ between runs that are averaged", g.out().strip());
    }

    @Test
    void aFileAsOutIsNamed() throws Exception {
        Path f = dir.resolve("ofile");
        Files.writeString(f, "x");
        CliRun r = CliRun.of(args(List.of("repeat", "--seeds", "1", "--out", f.toString()), "train", "mnist", "--steps", "1"));
        assertEquals(2, r.code(), r.out());
        assertEquals("dspn4j: --out: " + f + " is a file, not a folder; give a folder for the grid", r.out().strip());
        assertEquals("x", Files.readString(f));
    }
}
