package org.dspn4j.experiment.grid;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.dspn4j.experiment.BadInput;
import org.dspn4j.experiment.RunLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's-eye audit of {@code repeat} and {@code summarise} (docs/cluster.md): corrupted grid.json,
 * status.json, run.json and metrics.jsonl are refused in one line naming the file and the field, with
 * nothing rewritten; a finished run whose final evaluation is missing is not averaged; sbatch's reason,
 * not its hint, is what a refused submission reports.
 */
class GridAuditTest {
    @TempDir
    Path dir;

    private static final List<String> COMMAND = List.of("train", "mnist", "--steps", "2");

    /** A grid.json for {@link #COMMAND} over seeds 1 and 2 in {@code g}, with the given runs and submissions. */
    private Path grid(String name, String runs, String submissions) throws IOException {
        Path g = dir.resolve(name);
        Files.createDirectories(g);
        Files.writeString(g.resolve("grid.json"), "{\"grid\": 1, \"command\": [\"train\", \"mnist\", \"--steps\", \"2\"], "
                + "\"seeds\": [1, 2], \"cwd\": \"" + Path.of("").toAbsolutePath() + "\", \"runs\": " + runs
                + ", \"submissions\": " + submissions + "}");
        return g;
    }

    private static final String RUNS = "[{\"seed\": 1, \"folder\": \"seed-1\"}, {\"seed\": 2, \"folder\": \"seed-2\"}]";

    /** repeat here on a corrupted grid.json: refused as bad input before any seed runs, grid.json as it was. */
    private String refusedHere(Path g) throws Exception {
        byte[] before = Files.readAllBytes(g.resolve("grid.json"));
        boolean seedFolder = Files.exists(g.resolve("seed-1"));
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(o, true, StandardCharsets.UTF_8);
        Exception e = assertThrows(Exception.class, () -> Repeat.here(g, List.of(1L, 2L), COMMAND, args -> { },
                args -> fail("no seed may run on a corrupted grid.json"), ps, ps));
        assertTrue(BadInput.is(e), "bad input (exit code 2), not an internal error: " + e);
        assertArrayEquals(before, Files.readAllBytes(g.resolve("grid.json")), "grid.json rewritten");
        assertEquals(seedFolder, Files.exists(g.resolve("seed-1")), "a seed's folder made");
        assertFalse(Files.exists(g.resolve("seed-1/status.json.tmp")), "status.json written");
        return e.getMessage();
    }

    @Test
    void aGridJsonWhoseRunsOrSubmissionsAreNotObjectsIsRefusedNamingTheFieldAndKeptAsItWas() throws Exception {
        Path a = grid("runs", "[1, 2]", "[]");
        assertEquals(a.resolve("grid.json") + ": field \"runs\"[0] is not a JSON object", refusedHere(a));
        Path b = grid("subs", RUNS, "[5]");
        assertEquals(b.resolve("grid.json") + ": field \"submissions\"[0] is not a JSON object", refusedHere(b));
        Path c = grid("job", RUNS, "[{\"slurm_job\": 7}]");
        assertEquals(c.resolve("grid.json") + ": field \"submissions\"[0].slurm_job is not a Slurm job id (a string of digits)",
                refusedHere(c));
        Path d = grid("folder", "[{\"seed\": 1, \"folder\": \"../elsewhere\"}, {\"seed\": 2, \"folder\": \"seed-2\"}]", "[]");
        assertEquals(d.resolve("grid.json") + ": field \"runs\"[0].folder is not a folder name inside the grid's folder",
                refusedHere(d));
        Path e = grid("missing", "[{\"seed\": 1, \"folder\": \"seed-1\"}]", "[]");
        assertEquals(e.resolve("grid.json") + ": field \"runs\" lacks a folder for a seed of \"seeds\"", refusedHere(e));
        // summarise reads it the same way
        IOException s = assertThrows(IOException.class, () -> Summary.of(Grid.read(b)));
        assertEquals(b.resolve("grid.json") + ": field \"submissions\"[0] is not a JSON object", s.getMessage());
    }

    /** A seed's folder with the given status.json, and a finished run's run.json and metrics.jsonl in run/. */
    private Path seed(String name, long seed, String status, String metrics) throws IOException {
        Path f = dir.resolve(name);
        Files.createDirectories(f.resolve("run"));
        if (status != null) {
            Files.writeString(f.resolve("status.json"), status);
        }
        Files.writeString(f.resolve("run/run.json"), String.format(Locale.ROOT, "{\"config\": {\"model\": {\"task\": \"mnist\"}, "
                + "\"batch\": 4, \"seed\": %d, \"threads\": 1}, \"backend\": \"cpu\"}", seed));
        Files.writeString(f.resolve("run/metrics.jsonl"), metrics);
        return f;
    }

    private static String finishedStatus(long seed) {
        return "{\"seed\": " + seed + ", \"state\": \"finished\", \"attempts\": [{\"job\": \"local\", \"exit_code\": 0}]}";
    }

    private static final String METRICS = "{\"step\":0,\"epoch\":0,\"test_loss\":9.0,\"test_last\":9.0}\n"
            + "{\"step\":1,\"epoch\":0,\"train_loss\":8.0,\"train_last\":8.0,\"seconds\":0.1}\n"
            + "{\"step\":2,\"epoch\":0,\"train_loss\":7.0,\"train_last\":7.0,\"seconds\":0.1}\n";

    @Test
    void aStatusJsonWhoseAttemptsDoNotFitItsStateIsRefusedNamingTheField() throws Exception {
        Path a = seed("a", 1, "{\"seed\": 1, \"state\": \"finished\", \"attempts\": [5]}", METRICS);
        IOException e = assertThrows(IOException.class, () -> Summary.read(a));
        assertEquals(a.resolve("status.json") + ": field \"attempts\"[0] is not a JSON object", e.getMessage());
        Path b = seed("b", 1, "{\"seed\": 1, \"state\": \"running\", \"attempts\": []}", METRICS);
        e = assertThrows(IOException.class, () -> Summary.read(b));
        assertEquals(b.resolve("status.json") + ": field \"attempts\" is empty, but the state is 'running' (written when an "
                + "attempt starts)", e.getMessage());
        Path c = seed("c", 1, "{\"seed\": 1, \"state\": \"finished\", \"attempts\": [{\"exit_code\": 3}]}", METRICS);
        e = assertThrows(IOException.class, () -> Summary.read(c));
        assertEquals(c.resolve("status.json") + ": field \"attempts\"[0].exit_code is 3, which does not go with the state "
                + "'finished' (finished: 0, failed: another code)", e.getMessage());
        // a grid's seed folder whose status.json names another seed
        Path w = grid("wrongseed", RUNS, "[]");
        Files.createDirectories(w.resolve("seed-1/run"));
        Files.writeString(w.resolve("seed-1/status.json"), finishedStatus(7));
        e = assertThrows(IOException.class, () -> Summary.of(Grid.read(w)));
        assertEquals(w.resolve("seed-1/status.json") + ": field \"seed\" is 7, but " + w.resolve("grid.json")
                + " gives this folder to seed 1", e.getMessage());
        // repeat here reads it before it runs the seed, and leaves it as it was
        Path g = grid("g", RUNS, "[]");
        Files.createDirectories(g.resolve("seed-1/run"));
        Files.writeString(g.resolve("seed-1/status.json"), "{\"seed\": 1, \"state\": \"failed\", \"attempts\": []}");
        refusedHere(g);
        assertEquals("{\"seed\": 1, \"state\": \"failed\", \"attempts\": []}", Files.readString(g.resolve("seed-1/status.json")));
    }

    @Test
    void aFinishedRunsCorruptedMetricsOrRunJsonIsRefusedNamingFileLineAndField() throws Exception {
        // the last line of a finished run cut short: not skipped as a killed process's would be
        Path cut = seed("cut", 1, finishedStatus(1), METRICS + "{\"step\":2,\"test_lo");
        IOException e = assertThrows(IOException.class, () -> Summary.read(cut));
        assertTrue(e.getMessage().startsWith(cut.resolve("run/metrics.jsonl") + " line 4: not valid JSON")
                && e.getMessage().endsWith("(the run is recorded finished, so its last line was written whole)"), e.getMessage());
        // a test metric that is not a number: named, not dropped
        Path str = seed("str", 1, finishedStatus(1), METRICS + "{\"step\":2,\"test_loss\":\"x\",\"test_last\":1.0}\n");
        e = assertThrows(IOException.class, () -> Summary.read(str));
        assertEquals(str.resolve("run/metrics.jsonl") + " line 4: field \"test_loss\" is not a finite number (x)", e.getMessage());
        // run.json without an integer config.seed
        Path rj = seed("rj", 1, finishedStatus(1), METRICS + "{\"step\":2,\"test_loss\":1.0,\"test_last\":1.0}\n");
        Files.writeString(rj.resolve("run/run.json"), "{\"config\": {\"seed\": \"one\"}, \"backend\": \"cpu\"}");
        e = assertThrows(IOException.class, () -> Summary.read(rj));
        assertEquals(rj.resolve("run/run.json") + ": field \"config.seed\" is missing or not an integer", e.getMessage());
    }

    @Test
    void aFinishedRunWithoutItsFinalEvaluationIsNotAveraged() throws Exception {
        // its last test metrics are the initial evaluation's (step 0), before its last step (2)
        Path a = seed("a", 1, finishedStatus(1), METRICS);
        Path b = seed("b", 2, finishedStatus(2), METRICS);
        Summary s = Summary.of("two", List.of(a, b));
        assertTrue(s.finished().isEmpty(), "the initial evaluation averaged as the final one");
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        s.print(new PrintStream(o, true, StandardCharsets.UTF_8));
        assertTrue(o.toString(StandardCharsets.UTF_8).contains("seed 1 (" + a + "): finished, but metrics.jsonl's last test metrics "
                + "are at step 0, before its last step 2 (the final evaluation is missing)"), o.toString(StandardCharsets.UTF_8));
    }

    @Test
    void runsThatLogOtherTestMetricsAreRefusedWhicheverComesFirst() throws Exception {
        Path a = seed("a", 1, finishedStatus(1), METRICS + "{\"step\":2,\"test_last\":1.0}\n");
        Path b = seed("b", 2, finishedStatus(2), METRICS + "{\"step\":2,\"test_loss\":2.0,\"test_last\":2.0}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Summary.of("two", List.of(a, b)));
        assertTrue(e.getMessage().contains("runs that are averaged log the same metrics"), e.getMessage());
    }

    @Test
    void sbatchsReasonIsItsErrorLineNotTheHintAfterIt() {
        Slurm.Result r = new Slurm.Result(1, "", "sbatch: unrecognized option '--bogus'\nTry \"sbatch --help\" for more information\n");
        assertEquals("sbatch: unrecognized option '--bogus'", r.reason());
        assertEquals("sbatch: error: Batch job submission failed: Invalid partition name specified",
                new Slurm.Result(1, "", "sbatch: error: Batch job submission failed: Invalid partition name specified\n").reason());
        assertEquals("exit code 1", new Slurm.Result(1, "", "").reason());
    }

    @Test
    void aQueuedSeedSaysWhereToLookWhenItsTaskEndedBeforeTrain() throws Exception {
        Path q = seed("q", 1, "{\"seed\": 1, \"state\": \"queued\", \"queued_by_submission\": 1, \"queued_at\": \"t\", "
                + "\"attempts\": []}", METRICS);
        String note = Summary.read(q).note();
        assertTrue(note.startsWith("queued (submission 1 at t), not started: waiting in Slurm's queue, or its task ended before "
                + "train began (its log, slurm-*.out in the seed's folder, says why)"), note);
    }

    @Test
    void aSecondRepeatOnTheSameOutIsRefusedWhileTheFirstHoldsTheGridAndChangesNothing() throws Exception {
        Path g = grid("held", RUNS, "[]");
        byte[] before = Files.readAllBytes(g.resolve("grid.json"));
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(o, true, StandardCharsets.UTF_8);
        SlurmSettings slurm = new SlurmSettings(null, null, null, null, List.of(), List.of(), null, null, false);
        try (RunLock other = RunLock.acquire(g, null)) { // another repeat, writing this grid
            IllegalArgumentException here = assertThrows(IllegalArgumentException.class, () -> Repeat.here(g, List.of(1L, 2L),
                    COMMAND, args -> { }, args -> fail("no seed may run"), ps, ps));
            assertTrue(here.getMessage().startsWith("--out: " + g.toAbsolutePath() + " is in use by another repeat (process "
                    + ProcessHandle.current().pid() + "@") && here.getMessage().endsWith("; give the command again once it has ended"),
                    here.getMessage());
            // --slurm: refused before squeue and sbatch are asked
            IllegalArgumentException sub = assertThrows(IllegalArgumentException.class, () -> Repeat.slurm(g, List.of(1L, 2L),
                    COMMAND, args -> { }, slurm, ps));
            assertEquals(here.getMessage(), sub.getMessage());
        }
        assertArrayEquals(before, Files.readAllBytes(g.resolve("grid.json")), "grid.json rewritten");
        assertFalse(Files.exists(g.resolve("seed-1")), "a seed's folder made");

        // a local repeat holds it while it runs, and releases it at the end
        Path fresh = dir.resolve("fresh");
        int rc = Repeat.here(fresh, List.of(1L), COMMAND, args -> { }, args -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunLock.acquire(fresh, null));
            assertTrue(e.getMessage().contains("is in use by another run"), e.getMessage());
            return 3;
        }, ps, ps);
        assertEquals(3, rc);
        assertEquals("", Files.readString(fresh.resolve(".lock")), "the grid's lock released at the end");
    }

    /**
     * A seed stopped after its last step's checkpoint and before its final evaluation (a time limit, scancel)
     * resumes to evaluate, and ends with the final line and checkpoint of the uninterrupted run; a run that
     * was evaluated is still refused a resume with nothing left to do.
     */
    @Test
    void aSeedStoppedBeforeItsFinalEvaluationResumesToEvaluateIt() throws Exception {
        List<String> command = List.of("train", "mnist", "--steps", "2", "--latent", "8", "--hidden", "16", "--iters", "2",
                "--batch", "4", "-q", "--threads", "1");
        GridTask.TrainRunner train = args -> org.dspn4j.cli.Main.run(args.toArray(new String[0]));
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(o, true, StandardCharsets.UTF_8);
        Path g = dir.resolve("g");
        assertEquals(0, Repeat.here(g, List.of(1L), command, args -> { }, train, ps, ps), o.toString(StandardCharsets.UTF_8));
        Path run = g.resolve("seed-1/run");
        Path metrics = run.resolve("metrics.jsonl");
        List<String> whole = Files.readAllLines(metrics);
        String finalLine = whole.get(whole.size() - 1);
        assertTrue(finalLine.startsWith("{\"step\":2,\"test_loss\"") && !finalLine.contains("epoch"), finalLine);
        byte[] checkpoint = Files.readAllBytes(run.resolve("checkpoint.npz"));

        // as a task killed in the final evaluation leaves it: the last step's checkpoint, no final line, no end
        Files.write(metrics, whole.subList(0, whole.size() - 1));
        String status = Files.readString(g.resolve("seed-1/status.json"));
        Files.writeString(g.resolve("seed-1/status.json"), status.replace("\"finished\"", "\"running\"")
                .replaceAll(",\\s*\"ended\" : \"[^\"]*\",\\s*\"exit_code\" : 0", ""));
        assertEquals("running", RunStatus.read(g.resolve("seed-1")).state());

        o.reset();
        assertEquals(0, Repeat.here(g, List.of(1L), command, args -> { }, train, ps, ps), o.toString(StandardCharsets.UTF_8));
        assertEquals(whole, Files.readAllLines(metrics), "the final line of the uninterrupted run, once");
        assertArrayEquals(checkpoint, Files.readAllBytes(run.resolve("checkpoint.npz")));
        RunStatus st = RunStatus.read(g.resolve("seed-1"));
        assertEquals("finished", st.state());
        assertEquals(Boolean.TRUE, st.lastAttempt().get("resumed"));
        assertTrue(Files.readString(run.resolve("run.json")).contains("\"resumes\""), "the resume recorded in run.json");

        // evaluated: a resume by hand has nothing left to do, and is refused as before
        List<String> again = new java.util.ArrayList<>(command);
        again.addAll(List.of("--seed", "1", "--out", run.toString(), "--resume"));
        assertEquals(2, train.run(again));
        assertEquals(whole, Files.readAllLines(metrics));
    }

    /** The task's log stays beside its seed's status.json, where summarise and docs/cluster.md point. */
    @Test
    void sbatchArgsThatMoveTheTasksLogAreRefused() {
        for (String a : List.of("--output=/tmp/x.out", "-o/tmp/x.out", "--error=e.err", "-e", "--output")) {
            SlurmSettings s = new SlurmSettings(null, null, null, null, List.of(a), List.of(), null, null, true);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, s::validate, a);
            assertTrue(e.getMessage().startsWith("--sbatch-arg: repeat sets ") && e.getMessage().endsWith("; remove '" + a + "'"),
                    e.getMessage());
        }
        // other options that begin alike still pass
        new SlurmSettings(null, null, null, null, List.of("--exclusive", "--open-mode=append", "--export=ALL"), List.of(), null,
                null, true).validate();
    }
}
