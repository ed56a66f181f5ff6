package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code repeat --slurm} against a real Slurm (start a single-node one with {@code .ci/slurm-up}); skipped
 * where {@code sinfo} does not answer. The array tasks run this JVM's class path (target/classes and the
 * dependencies), in this folder, with this JVM's java. Tiny MNIST runs, one CPU thread each.
 */
class SlurmGridTest {
    /** Bound on every wait for the cluster (the tasks take seconds on an idle 2-core machine). */
    private static final long WAIT_S = 300;

    @TempDir
    Path dir;

    @BeforeEach
    void clusterAnswers() throws Exception {
        String why;
        try {
            Result r = cmd("sinfo", "--noheader", "-o", "%P %a %T");
            why = r.code == 0 ? (r.out.contains("up") ? null : "sinfo shows no partition that is up: " + r.out.strip())
                    : "sinfo failed: " + r.out.strip().lines().reduce((a, b) -> b).orElse("exit code " + r.code);
        } catch (java.io.IOException e) {
            why = "sinfo is not installed";
        }
        Assumptions.assumeTrue(why == null, "no Slurm cluster answers (" + why + "); start one with .ci/slurm-up "
                + "(as root; docs/cluster.md) to run the Slurm tests");
    }

    record Result(int code, String out) {
    }

    /** A Slurm command (without the test JVM's LD_PRELOAD, which is for JVMs). */
    static Result cmd(String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(args).redirectErrorStream(true);
        pb.environment().remove("LD_PRELOAD");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", args) + " did not return");
        }
        return new Result(p.exitValue(), out);
    }

    private static String[] repeat(Path out, String seeds, List<String> slurm, String... train) {
        List<String> a = new ArrayList<>(List.of("repeat", "--seeds", seeds, "--out", out.toString(), "--slurm"));
        a.addAll(slurm);
        return RepeatGridTest.args(a, train);
    }

    private static String jobOf(CliRun r) {
        Matcher m = Pattern.compile("submitted Slurm job (\\d+): ").matcher(r.out());
        assertTrue(m.find(), r.out());
        return m.group(1);
    }

    private static String state(Path run) throws Exception {
        Path st = run.resolve("status.json");
        if (!Files.isRegularFile(st)) {
            return "none";
        }
        Matcher m = Pattern.compile("\"state\" : \"(\\w+)\"").matcher(Files.readString(st));
        return m.find() ? m.group(1) : "unreadable";
    }

    /** Whether squeue still lists a task of the job. */
    private static boolean queued(String job) throws Exception {
        Result r = cmd("squeue", "--noheader", "--array", "--format=%i", "--jobs=" + job);
        return r.code == 0 && !r.out.isBlank();
    }

    private void await(String what, BooleanSupplierX done, List<Path> logs) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (!done.get()) {
            if (System.nanoTime() > end) {
                StringBuilder sb = new StringBuilder("waited " + WAIT_S + " s for " + what + "\nsqueue:\n"
                        + cmd("squeue", "--array").out + "\nsinfo:\n" + cmd("sinfo").out);
                for (Path l : logs) {
                    try (var s = Files.list(l)) {
                        for (Path p : s.filter(p -> p.getFileName().toString().startsWith("slurm-")).toList()) {
                            sb.append("\n").append(p).append(":\n").append(Files.readString(p));
                        }
                    } catch (java.io.IOException e) {
                        sb.append("\n").append(l).append(": ").append(e);
                    }
                }
                fail(sb.toString());
            }
            Thread.sleep(100);
        }
    }

    @FunctionalInterface
    interface BooleanSupplierX {
        boolean get() throws Exception;
    }

    @Test
    void aGridRunsAsAJobArrayAndIsSummarisedAndNotSubmittedTwice() throws Exception {
        Path out = dir.resolve("grid");
        List<String> slurm = List.of("--time", "00:10:00", "--mem", "200M", "--sbatch-arg=--cpus-per-task=1");
        CliRun sub = CliRun.of(repeat(out, "1-2", slurm, "train", "mnist", "--steps", "2"));
        assertEquals(0, sub.code(), sub.out());
        String job = jobOf(sub);
        assertTrue(sub.out().contains("follow it:   squeue -j " + job + "   sacct -j " + job), sub.out());
        assertTrue(sub.out().contains("results:     dspn4j summarise --grid " + out.resolve("grid.json")), sub.out());
        String grid = Files.readString(out.resolve("grid.json"));
        assertTrue(grid.contains("\"slurm_job\" : \"" + job + "\"") && grid.contains("\"folder\" : \"seed-2\""), grid);

        // while its tasks are queued or running, the same grid is not submitted again
        CliRun twice = CliRun.of(repeat(out, "1-2", slurm, "train", "mnist", "--steps", "2"));
        assertEquals(2, twice.code(), twice.out());
        assertTrue(twice.out().startsWith("dspn4j: --slurm: tasks ") && twice.out().contains("are still queued or running"), twice.out());
        assertEquals(grid, Files.readString(out.resolve("grid.json")));

        List<Path> runs = List.of(out.resolve("seed-1"), out.resolve("seed-2"));
        await("both tasks to end", () -> !queued(job) && !state(runs.get(0)).matches("queued|running")
                && !state(runs.get(1)).matches("queued|running"), runs);
        for (Path r : runs) {
            assertEquals("finished", state(r), r.toString());
            assertTrue(Files.isRegularFile(r.resolve("run/checkpoint.npz")));
            assertEquals("", Files.readString(r.resolve("run/.lock")), "train's lock released on a clean end");
            String seed = r.getFileName().toString().substring("seed-".length());
            assertTrue(Files.readString(r.resolve("run/run.json")).contains("\"seed\" : " + seed));
            assertTrue(Files.readString(r.resolve("status.json")).contains("\"job\" : \"" + job + "_" + seed + "\""));
            String log = Files.readString(r.resolve("slurm-" + job + "_" + seed + ".out"));
            assertTrue(log.contains("seed " + seed + ": starting in " + r.resolve("run")) && log.contains("final   test_loss"), log);
        }
        CliRun sum = CliRun.of("summarise", "--grid", out.resolve("grid.json").toString());
        assertEquals(0, sum.code(), sum.out());
        assertTrue(sum.out().contains("2 of 2 runs finished") && sum.out().contains(RepeatGridTest.overLine(runs)), sum.out());

        CliRun done = CliRun.of(repeat(out, "1-2", slurm, "train", "mnist", "--steps", "2"));
        assertEquals(0, done.code(), done.out());
        assertTrue(done.out().startsWith("all 2 seeds of " + out + " finished; nothing to submit"), done.out());
    }

    @Test
    void aCancelledTaskIsReportedUnfinishedAndResumesOnResubmission() throws Exception {
        Path out = dir.resolve("killed");
        Path run = out.resolve("seed-3");
        String[] cmd = repeat(out, "3", List.of(), "train", "mnist", "--steps", "200", "--eval-every", "50");
        CliRun sub = CliRun.of(cmd);
        assertEquals(0, sub.code(), sub.out());
        String job = jobOf(sub);
        // the same seed, not interrupted, alongside: resuming must end where it ends, bit for bit
        Path whole = dir.resolve("whole").resolve("seed-3");
        CliRun ref = CliRun.of(repeat(dir.resolve("whole"), "3", List.of(), "train", "mnist", "--steps", "200", "--eval-every", "50"));
        assertEquals(0, ref.code(), ref.out());
        String refJob = jobOf(ref);
        await("the first checkpoint", () -> Files.isRegularFile(run.resolve("run/checkpoint.npz")), List.of(run));
        Result cancel = cmd("scancel", job);
        assertEquals(0, cancel.code, cancel.out);
        await("the cancelled task to leave the queue", () -> !queued(job), List.of(run));
        assertEquals("running", state(run), "the task should have been cancelled mid-run; if it finished first, give it more steps");

        CliRun half = CliRun.of("summarise", "--grid", out.resolve("grid.json").toString());
        assertEquals(1, half.code(), half.out());
        assertTrue(half.out().contains("0 of 1 runs finished") && half.out().contains("(job " + job + "_3), no end recorded")
                && half.out().contains("its checkpoint lets a resubmission resume"), half.out());

        CliRun again = CliRun.of(cmd);
        assertEquals(0, again.code(), again.out());
        String job2 = jobOf(again);
        assertNotEquals(job, job2);
        await("the resumed task to end", () -> !queued(job2) && !state(run).matches("queued|running"), List.of(run));
        assertEquals("finished", state(run));
        String log = Files.readString(run.resolve("slurm-" + job2 + "_3.out"));
        assertTrue(log.contains("seed 3: resuming from " + run.resolve("run/checkpoint.npz")) && log.contains("resuming at epoch 0"), log);
        // the killed task's lock line named a process that no longer holds it: taken over, as train does
        assertTrue(log.contains("(a run that ended without cleaning up); taking the folder over"), log);
        assertTrue(Files.readString(run.resolve("run/run.json")).contains("\"resumes\""), "train recorded the resume");
        String status = Files.readString(run.resolve("status.json"));
        assertTrue(status.contains("\"job\" : \"" + job + "_3\"") && status.contains("\"job\" : \"" + job2 + "_3\"")
                && status.contains("\"resumed\" : true"), status);
        List<String> metrics = Files.readAllLines(run.resolve("run/metrics.jsonl"));
        assertTrue(metrics.get(metrics.size() - 1).matches("\\{\"step\":200,\"test_loss\":.*"), metrics.get(metrics.size() - 1));
        CliRun sum = CliRun.of("summarise", "--grid", out.resolve("grid.json").toString());
        assertEquals(0, sum.code(), sum.out());
        assertTrue(sum.out().contains("1 of 1 runs finished") && sum.out().contains("over 1 seed: test_loss"), sum.out());

        await("the uninterrupted run to end", () -> !queued(refJob) && !state(whole).matches("queued|running"), List.of(whole));
        assertEquals("finished", state(whole));
        List<String> wholeMetrics = Files.readAllLines(whole.resolve("run/metrics.jsonl"));
        assertEquals(wholeMetrics.get(wholeMetrics.size() - 1), metrics.get(metrics.size() - 1));
        assertEquals(wholeMetrics.size(), metrics.size(), "the lines the cancelled task logged after its checkpoint were cut");
        assertTrue(Arrays.equals(Files.readAllBytes(whole.resolve("run/checkpoint.npz")), Files.readAllBytes(run.resolve("run/checkpoint.npz"))),
                "the cancelled and resumed run's final checkpoint equals the uninterrupted run's");
    }

    @Test
    void aSubmissionSlurmRefusesLeavesNothingBehind() throws Exception {
        Path out = dir.resolve("refused");
        CliRun r = CliRun.of(repeat(out, "1-2", List.of("--partition", "no_such_partition"), "train", "mnist"));
        assertEquals(2, r.code(), r.out());
        assertTrue(r.out().startsWith("dspn4j: --slurm: sbatch refused " + out.resolve("array-1.sh") + ": ")
                && r.out().strip().lines().count() == 1, r.out());
        assertFalse(Files.exists(out), "grid.json, the jar, the run folders and the script are taken back");
    }

    /**
     * A task whose run folder another live process has locked (here this JVM, with train's own lock) ends
     * at once with exit code 2 and one line naming that process; it does not wait, and leaves status.json
     * to the lock's holder. Submitted again once the lock is released, the seed runs.
     */
    @Test
    void aTaskThatFindsItsRunFolderLockedFailsAtOnce() throws Exception {
        Path out = dir.resolve("locked");
        List<String> train = new ArrayList<>(List.of("train", "mnist", "--steps", "1"));
        train.addAll(RepeatGridTest.TINY);
        org.dspn4j.experiment.grid.Grid.open(out, train, List.of(1L), Path.of("").toAbsolutePath()).save();
        Path seed = out.resolve("seed-1");
        Files.createDirectories(seed.resolve("run"));
        String[] cmd = repeat(out, "1", List.of(), "train", "mnist", "--steps", "1");
        String job;
        try (org.dspn4j.experiment.RunLock held = org.dspn4j.experiment.RunLock.acquire(seed.resolve("run"), null)) {
            CliRun sub = CliRun.of(cmd);
            assertEquals(0, sub.code(), sub.out());
            job = jobOf(sub);
            String j = job;
            await("the locked task to end", () -> !queued(j), List.of(seed));
            String log = Files.readString(seed.resolve("slurm-" + job + "_1.out"));
            assertTrue(log.strip().lines().anyMatch(l -> l.startsWith("dspn4j: seed 1: " + seed.resolve("run") + " is in use by "
                    + "another run (process " + ProcessHandle.current().pid() + "@") && l.contains("this task did not run it")), log);
            assertFalse(Files.exists(seed.resolve("run/run.json")), "nothing trained");
            Result acct = cmd("sacct", "--noheader", "--parsable2", "--format=State,ExitCode", "--jobs=" + job + "_1");
            assertTrue(acct.code != 0 || acct.out.isBlank() || acct.out.lines().findFirst().orElse("").equals("FAILED|2:0"),
                    acct.out); // where accounting is kept, Slurm records the task failed with exit code 2
        }
        assertEquals("queued", state(seed), "status.json is the lock holder's, not the refused task's");
        CliRun again = CliRun.of(cmd);
        assertEquals(0, again.code(), again.out());
        String job2 = jobOf(again);
        await("the resubmitted task to end", () -> !queued(job2) && !state(seed).matches("queued|running"), List.of(seed));
        assertEquals("finished", state(seed));
    }
}
