package org.dspn4j.experiment.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * summarise on seeds' folders (status.json, and run.json and metrics.jsonl in run/) and run folders written
 * here by hand: what is averaged, what is listed, what is refused.
 */
class SummaryTest {
    @TempDir
    Path dir;

    /**
     * A seed's folder: status.json in the given state; in its run folder run/, run.json with the given latent
     * size and threads and metrics.jsonl with the given final test values.
     */
    private Path run(String name, long seed, String state, int latent, int threads, String commit, double loss, double last)
            throws Exception {
        Path f = dir.resolve(name);
        Files.createDirectories(f.resolve("run"));
        Files.writeString(f.resolve("run/run.json"), String.format(Locale.ROOT, "{\"config\": {\"model\": {\"task\": \"mnist\", "
                + "\"decoder\": \"dspn\", \"latent\": %d}, \"batch\": 4, \"lr\": 0.01, \"seed\": %d, \"threads\": %d}, "
                + "\"git_commit\": \"%s\", \"jdk\": \"OpenJDK 17\", \"backend\": \"cpu\", \"device\": \"%d threads\", \"threads\": %d}",
                latent, seed, threads, commit, threads, threads));
        Files.writeString(f.resolve("run/metrics.jsonl"), String.format(Locale.ROOT,
                "{\"step\":0,\"epoch\":0,\"test_loss\":9.0,\"test_last\":9.0}%n"
                        + "{\"step\":1,\"epoch\":0,\"train_loss\":8.0,\"train_last\":8.0,\"seconds\":0.1}%n"
                        + "{\"step\":2,\"test_loss\":%s,\"test_last\":%s}%n", loss, last));
        RunStatus st = RunStatus.fresh(f, seed);
        if (!state.equals(RunStatus.QUEUED)) {
            st.started("5_" + seed, "node1", false, List.of("train", "mnist"));
            if (state.equals(RunStatus.FINISHED)) {
                st.ended(0, null);
            } else if (state.equals(RunStatus.FAILED)) {
                st.ended(3, null);
            }
        } else {
            st.queued(2);
        }
        st.write();
        return f;
    }

    private Path finished(String name, long seed, double loss, double last) throws Exception {
        return run(name, seed, RunStatus.FINISHED, 8, 2, "abc", loss, last);
    }

    private static String print(Summary s) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        s.print(new PrintStream(b, true, StandardCharsets.UTF_8));
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    void finishedRunsGiveMeanAndSampleStandardDeviationOfTheirLastTestLine() throws Exception {
        List<Path> runs = List.of(finished("s1", 1, 1.0, 0.1), finished("s2", 2, 2.0, 0.2), finished("s3", 3, 3.0, 0.6));
        Summary s = Summary.of("three", runs);
        String out = print(s);
        // by hand: mean(1,2,3) = 2, sample std = 1; mean(0.1,0.2,0.6) = 0.3, sample std = sqrt(0.14/2) = 0.264575
        assertTrue(out.contains("over 3 seeds: test_loss 2.000000 ± 1.000000  test_last 0.300000 ± 0.264575"), out);
        assertTrue(out.contains("seed 1: test_loss 1.000000  test_last 0.100000"), out);
        assertTrue(out.contains("seed 3: test_loss 3.000000  test_last 0.600000"), out);
        assertTrue(out.startsWith("three: 3 of 3 runs finished"), out);
        assertFalse(out.contains("9.0"), "the initial evaluation is not the final one");
        assertTrue(s.complete());
    }

    @Test
    void runsThatDidNotFinishAreListedNotAveraged() throws Exception {
        Path running = run("s4", 4, RunStatus.RUNNING, 8, 2, "abc", 50, 50);
        Path failed = run("s5", 5, RunStatus.FAILED, 8, 2, "abc", 60, 60);
        Path queued = run("s6", 6, RunStatus.QUEUED, 8, 2, "abc", 70, 70);
        Path plain = dir.resolve("plain");
        Files.createDirectories(plain);
        Files.writeString(plain.resolve("metrics.jsonl"), "{\"step\":7,\"test_loss\":1.0,\"test_last\":1.0}\n{\"step\":8,\"tr");
        Files.writeString(running.resolve("run/checkpoint.npz"), "w");
        // a run still training has not logged the final line yet
        List<String> lines = Files.readAllLines(running.resolve("run/metrics.jsonl"));
        Files.write(running.resolve("run/metrics.jsonl"), lines.subList(0, lines.size() - 1));
        Summary s = Summary.of("mixed", List.of(finished("s1", 1, 1.0, 0.1), running, failed, queued, finished("s2", 2, 3.0, 0.3), plain));
        String out = print(s);
        assertTrue(out.contains("over 2 seeds: test_loss 2.000000 ± 1.414214  test_last 0.200000 ± 0.141421"), out);
        assertTrue(out.contains("mixed: 2 of 6 runs finished"), out);
        assertTrue(out.contains("seed 4 (" + running + "): started ") && out.contains("(job 5_4), no end recorded")
                && out.contains("its checkpoint lets a resubmission resume"), out);
        assertTrue(out.contains("seed 5 (" + failed + "): failed with exit code 3"), out);
        assertTrue(out.contains("seed 6 (" + queued + "): queued (submission 2"), out);
        assertTrue(out.contains("(" + plain + "): no run.json (train writes it when a run starts") && out.contains("last logged step 7"), out);
        assertEquals(4, s.unfinished().size());
        assertFalse(s.complete());
    }

    @Test
    void runsWhoseSettingsDifferInMoreThanTheSeedAreRefused() throws Exception {
        Path a = finished("a", 1, 1.0, 0.1);
        Path b = run("b", 2, RunStatus.FINISHED, 16, 2, "abc", 2.0, 0.2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Summary.of("x", List.of(a, b)));
        assertTrue(e.getMessage().contains("config.model.latent (16, not 8)") && e.getMessage().contains(b.resolve("run/run.json").toString())
                && e.getMessage().contains("only the seed may differ"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void threadCountsMayDifferAndMachineFactsAreNoted() throws Exception {
        Path a = finished("a", 1, 1.0, 0.1);
        Path b = run("b", 2, RunStatus.FINISHED, 8, 16, "def", 3.0, 0.3);
        String out = print(Summary.of("x", List.of(a, b)));
        assertTrue(out.contains("over 2 seeds"), out);
        assertTrue(out.contains("note: the runs differ in git_commit: [abc, def]"), out);
        assertTrue(out.contains("note: the runs differ in device: [2 threads, 16 threads]"), out);
    }

    @Test
    void aSeedIsAveragedOnce() throws Exception {
        Path a = finished("a", 1, 1.0, 0.1);
        Path b = finished("b", 1, 1.0, 0.1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Summary.of("x", List.of(a, b)));
        assertTrue(e.getMessage().contains("both ran seed 1"), e.getMessage());
    }

    @Test
    void aFinishedRunWithoutTestMetricsIsListedAsAProblem() throws Exception {
        Path a = finished("a", 1, 1.0, 0.1);
        Path b = finished("b", 2, 2.0, 0.2);
        Files.writeString(b.resolve("run/metrics.jsonl"), "{\"step\":1,\"train_loss\":8.0}\n");
        String out = print(Summary.of("x", List.of(a, b)));
        assertTrue(out.contains("over 1 seed: test_loss 1.000000  test_last 0.100000"), out);
        assertFalse(out.contains("±"), "one seed has no spread");
        assertTrue(out.contains("finished, but metrics.jsonl holds no test metrics"), out);
    }

    @Test
    void aGridsSeedsThatHaveNoFolderYetAreListedAsNotStarted() throws Exception {
        Grid g = Grid.open(dir.resolve("g"), List.of("train", "mnist"), List.of(1L, 2L), dir);
        g.save();
        finished("g/seed-1", 1, 1.0, 0.1);
        Summary s = Summary.of(g);
        String out = print(s);
        assertTrue(out.contains("1 of 2 runs finished") && out.contains("seed 2 (" + dir.resolve("g/seed-2") + "): not started"), out);
        assertFalse(s.complete());
    }

    @Test
    void aMissingFolderIsOneLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Summary.of("x", List.of(dir.resolve("nope"))));
        assertEquals(dir.resolve("nope") + ": no such run folder", e.getMessage());
    }

    @Test
    void aFolderThatNoRunWroteIsOneLine() throws Exception {
        Path other = Files.createDirectories(dir.resolve("photos"));
        Files.writeString(other.resolve("a.txt"), "not a run");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Summary.of("x", List.of(other)));
        assertEquals(other + ": not a run folder (no status.json, run.json or metrics.jsonl)", e.getMessage());
        Files.writeString(other.resolve("grid.json"), "{}");
        e = assertThrows(IllegalArgumentException.class, () -> Summary.of("x", List.of(other)));
        assertEquals(other + ": not a run folder (no status.json, run.json or metrics.jsonl); it holds a grid: "
                + "give --grid " + other, e.getMessage());
    }

    @Test
    void severalExperimentsMakeOneTableRowEach() throws Exception {
        Summary dspn = Summary.of("dspn", List.of(finished("g1/s1", 1, 1.0, 0.1), finished("g1/s2", 2, 3.0, 0.3)));
        Summary other = Summary.of("mlp", List.of(run("g2/s1", 1, RunStatus.FINISHED, 16, 2, "abc", 5.0, 0.5)));
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        Summary.printTable(new PrintStream(b, true, StandardCharsets.UTF_8), List.of(dspn, other));
        String[] lines = b.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(3, lines.length);
        assertTrue(lines[0].matches("experiment +seeds +test_loss +test_last"), lines[0]);
        assertTrue(lines[1].contains("mnist dspn (" + dir.resolve("g1") + ")") && lines[1].contains("2 of 2")
                && lines[1].contains("2.000000 ± 1.414214") && lines[1].endsWith("0.200000 ± 0.141421"), lines[1]);
        assertTrue(lines[2].contains("1 of 1") && lines[2].endsWith("0.500000"), lines[2]);
    }

    @Test
    void aGridsRunFolderGivenByItselfIsReadWithItsSeedsStatus() throws Exception {
        Path a = finished("g/seed-1", 1, 1.0, 0.1);
        run("g/seed-2", 2, RunStatus.FAILED, 8, 2, "abc", 2.0, 0.2);
        String out = print(Summary.of("x", List.of(a.resolve("run"), dir.resolve("g/seed-2/run"))));
        assertTrue(out.contains("x: 1 of 2 runs finished") && out.contains("seed 1: test_loss 1.000000"), out);
        assertTrue(out.contains("failed with exit code 3"), out);
    }
}
