package org.dspn4j.experiment.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import org.dspn4j.experiment.RunLock;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One seed of a grid: what is run (fresh, resumed, skipped) and what status.json records. The train
 * command is replaced by a recorder that writes what train would write; the real train command runs
 * in RepeatGridTest and SlurmGridTest.
 */
class GridTaskTest {
    private static final List<String> TRAIN = List.of("train", "mnist", "--steps", "2");

    @TempDir
    Path dir;
    Grid grid;
    final List<List<String>> calls = new ArrayList<>();
    final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

    @BeforeEach
    void grid() throws Exception {
        grid = Grid.open(dir.resolve("g"), TRAIN, List.of(1L, 2L), dir);
        grid.save();
    }

    /** Records the call and writes what a finished train run leaves. */
    private int train(List<String> args) throws Exception {
        calls.add(args);
        Path out = Path.of(args.get(args.indexOf("--out") + 1));
        Files.writeString(out.resolve("run.json"), "{}");
        Files.writeString(out.resolve("metrics.jsonl"), "{\"step\":2,\"test_loss\":0.5,\"test_last\":0.25}\n",
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        Files.writeString(out.resolve(GridTask.CHECKPOINT), "weights");
        return 0;
    }

    @Test
    void aFreshSeedRunsTrainWithItsSeedAndFolderAndIsRecordedFinished() throws Exception {
        int rc = GridTask.run(grid, 2, this::train, out, "7_2");
        assertEquals(0, rc);
        Path f = dir.resolve("g/seed-2");
        List<String> want = new ArrayList<>(TRAIN);
        want.addAll(List.of("--seed", "2", "--out", f.resolve("run").toString()));
        assertEquals(List.of(want), calls);
        RunStatus st = RunStatus.read(f);
        assertEquals(RunStatus.FINISHED, st.state());
        assertEquals(2, st.seed());
        assertEquals(1, st.attempts().size());
        assertEquals("7_2", st.lastAttempt().get("job"));
        assertEquals(false, st.lastAttempt().get("resumed"));
        assertEquals(0L, st.lastAttempt().get("exit_code"));
        assertEquals(want, st.lastAttempt().get("command"));
    }

    @Test
    void aFinishedSeedIsSkipped() throws Exception {
        GridTask.run(grid, 1, this::train, out, "local");
        String before = Files.readString(dir.resolve("g/seed-1/status.json"));
        calls.clear();
        assertEquals(0, GridTask.run(grid, 1, this::train, out, "local"));
        assertTrue(calls.isEmpty());
        assertEquals(before, Files.readString(dir.resolve("g/seed-1/status.json")));
        assertTrue(printed.toString(StandardCharsets.UTF_8).contains("seed 1: finished earlier"));
    }

    /**
     * An attempt of {@code seed} that started {@link #TRAIN} (job 7_seed on node1) and recorded no end: status.json
     * "running", the run folder with run.json and {@code metrics} as its metrics.jsonl. Returns the seed's folder.
     */
    static Path startedAttempt(Grid grid, long seed, String metrics) throws Exception {
        Path f = grid.folder(seed);
        Path run = f.resolve("run");
        Files.createDirectories(run);
        RunStatus st = RunStatus.fresh(f, seed);
        st.started("7_" + seed, "node1", false, TRAIN);
        st.write();
        Files.writeString(run.resolve("run.json"), "{}");
        Files.writeString(run.resolve("metrics.jsonl"), metrics);
        return f;
    }

    /**
     * What a killed attempt leaves: status.json "running" (a killed process records no end), Slurm's log,
     * the run folder with maybe a checkpoint, and a lock line naming a process that no longer holds it.
     */
    private Path killedAttempt(long seed, boolean checkpoint) throws Exception {
        Path f = startedAttempt(grid, seed, "{\"step\":1,\"train_loss\":0.9}\n");
        Path run = f.resolve("run");
        Files.writeString(run.resolve(RunLock.FILE), "999999999@node1 since 2024-01-01T00:00:00Z\n");
        Files.writeString(f.resolve("slurm-7_" + seed + ".out"), "log");
        if (checkpoint) {
            Files.writeString(run.resolve(GridTask.CHECKPOINT), "weights at step 1");
        }
        return f;
    }

    @Test
    void aKilledSeedWithACheckpointResumes() throws Exception {
        Path f = killedAttempt(1, true);
        assertEquals(0, GridTask.run(grid, 1, this::train, out, "8_1"));
        assertEquals("--resume", calls.get(0).get(calls.get(0).size() - 1));
        RunStatus st = RunStatus.read(f);
        assertEquals(RunStatus.FINISHED, st.state());
        assertEquals(2, st.attempts().size());
        assertEquals("7_1", st.attempts().get(0).get("job"));
        assertNull(st.attempts().get(0).get("exit_code"));
        assertEquals(true, st.lastAttempt().get("resumed"));
        assertEquals("8_1", st.lastAttempt().get("job"));
        // the resumed run appends to the same record
        assertTrue(Files.readString(f.resolve("run/metrics.jsonl")).startsWith("{\"step\":1,\"train_loss\":0.9}"));
        // the lock of the killed process was taken over, and released before train ran (train takes it itself)
        assertEquals("", Files.readString(f.resolve("run/" + RunLock.FILE)));
    }

    /** train's --force moves the old run folder aside whole (tested with train itself in RepeatGridTest). */
    @Test
    void aKilledSeedWithoutACheckpointStartsAfreshWithForce() throws Exception {
        Path f = killedAttempt(1, false);
        assertEquals(0, GridTask.run(grid, 1, this::train, out, "8_1"));
        assertFalse(calls.get(0).contains("--resume"));
        assertEquals("--force", calls.get(0).get(calls.get(0).size() - 1));
        assertTrue(Files.exists(f.resolve("slurm-7_1.out")), "the grid's own files stay");
        assertEquals(RunStatus.FINISHED, RunStatus.read(f).state());
    }

    @Test
    void anEmptyRunFolderStartsWithoutForce() throws Exception {
        Files.createDirectories(grid.folder(1).resolve("run"));
        Files.writeString(grid.folder(1).resolve("run/" + RunLock.FILE), "");
        assertEquals(0, GridTask.run(grid, 1, this::train, out, "8_1"));
        assertFalse(calls.get(0).contains("--force"));
        assertFalse(calls.get(0).contains("--resume"));
    }

    @Test
    void aNonZeroExitCodeIsRecordedAsFailedAndRetriedNextTime() throws Exception {
        assertEquals(3, GridTask.run(grid, 1, args -> {
            calls.add(args);
            return 3;
        }, out, "7_1"));
        RunStatus st = RunStatus.read(grid.folder(1));
        assertEquals(RunStatus.FAILED, st.state());
        assertEquals(3L, st.lastAttempt().get("exit_code"));
        assertEquals(0, GridTask.run(grid, 1, this::train, out, "8_1"));
        assertEquals(2, calls.size());
        assertEquals(RunStatus.FINISHED, RunStatus.read(grid.folder(1)).state());
    }

    @Test
    void aCrashIsRecordedAsFailedWithItsMessage() throws Exception {
        IllegalStateException boom = new IllegalStateException("disk full");
        assertEquals(boom, assertThrows(IllegalStateException.class, () -> GridTask.run(grid, 1, args -> {
            throw boom;
        }, out, "7_1")));
        RunStatus st = RunStatus.read(grid.folder(1));
        assertEquals(RunStatus.FAILED, st.state());
        assertEquals(1L, st.lastAttempt().get("exit_code"));
        assertTrue(String.valueOf(st.lastAttempt().get("error")).contains("disk full"));
    }

    /** The run folder's lock (train's own, docs/run-folder.md) held by a live run: refused at once, status.json untouched. */
    @Test
    void aSeedThatAnotherRunHoldsIsRefusedAtOnceNotWaitedFor() throws Exception {
        Path f = killedAttempt(1, true);
        String before = Files.readString(f.resolve(RunStatus.FILE));
        try (RunLock held = RunLock.acquire(f.resolve("run"), null)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> GridTask.run(grid, 1, this::train, out, "8_1"));
            assertTrue(e.getMessage().startsWith("seed 1: "), e.getMessage());
            assertTrue(e.getMessage().contains("is in use by another run (process " + ProcessHandle.current().pid() + "@"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("this task did not run it"), e.getMessage());
        }
        assertTrue(calls.isEmpty());
        assertEquals(before, Files.readString(f.resolve(RunStatus.FILE)));
    }

    @Test
    void aSeedOutsideTheGridIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GridTask.run(grid, 3, this::train, out, "x"));
        assertTrue(e.getMessage().contains("seed 3 is not one of the seeds"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("g/seed-3")));
    }
}
