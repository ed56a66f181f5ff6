package org.dspn4j.experiment.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.dspn4j.experiment.RunLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seed whose train ended (its metrics.jsonl ends with train's final line) but whose task stopped before
 * status.json recorded the end (killed between train's exit and the write: a time limit, scancel). Giving the
 * repeat command again ran {@code train --resume}, which refuses a run with nothing left to train (exit code 2), so
 * the seed was recorded failed at every resubmission and could never finish. Now the record is read: the seed is
 * recorded finished, with a note saying why, and train is not run.
 */
class EndedUnrecordedAuditTest {
    private static final List<String> TRAIN = List.of("train", "mnist", "--steps", "2");

    @TempDir
    Path dir;

    private Path endedSeed(Grid grid, long seed, String lastLine) throws Exception {
        Path f = GridTaskTest.startedAttempt(grid, seed, "{\"step\":0,\"epoch\":0,\"test_loss\":0.9,\"test_last\":0.8}\n"
                + "{\"step\":2,\"epoch\":0,\"train_loss\":0.5,\"train_last\":0.4,\"seconds\":1.0}\n" + lastLine);
        Path run = f.resolve("run");
        Files.writeString(run.resolve(GridTask.CHECKPOINT), "weights at step 2");
        Files.writeString(run.resolve(RunLock.FILE), "");
        return f;
    }

    @Test
    void aSeedWhoseTrainEndedIsRecordedFinishedNotResumed() throws Exception {
        Grid grid = Grid.open(dir.resolve("g"), TRAIN, List.of(1L), dir);
        grid.save();
        Path f = endedSeed(grid, 1, "{\"step\":2,\"test_loss\":0.25,\"test_last\":0.125}\n");
        List<List<String>> calls = new ArrayList<>();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        int rc = GridTask.run(grid, 1, args -> {
            calls.add(args);
            return 2; // what train --resume answers for a run with nothing left to train
        }, new PrintStream(printed, true, StandardCharsets.UTF_8), "8_1");
        assertEquals(0, rc, printed.toString(StandardCharsets.UTF_8));
        assertEquals(List.of(), calls, "train was run");
        Path metrics = f.resolve("run").resolve("metrics.jsonl");
        String note = "train had ended: " + metrics + " ends with its final line, which status.json did not record";
        assertEquals("seed 1: " + note + "; recorded finished, skipped\n", printed.toString(StandardCharsets.UTF_8));
        RunStatus st = RunStatus.read(f);
        assertEquals(RunStatus.FINISHED, st.state());
        assertEquals(2, st.attempts().size());
        assertEquals("8_1", st.lastAttempt().get("job"));
        assertEquals(0L, st.lastAttempt().get("exit_code"));
        assertEquals(note, st.lastAttempt().get("note"));
    }

    /**
     * A last line that is not train's final one, or is cut short, still resumes as before; so does a run that ended
     * with a final line but was not started by a recorded attempt (trained by hand with fewer steps: the grid's
     * command trains it on, RepeatGridTest).
     */
    @Test
    void aSeedWithoutItsFinalLineStillResumes() throws Exception {
        for (String last : List.of("", "{\"step\":2,\"test_loss\":0.25,\"test_la")) {
            Grid grid = Grid.open(dir.resolve("g" + last.length()), TRAIN, List.of(1L), dir);
            grid.save();
            endedSeed(grid, 1, last);
            List<List<String>> calls = new ArrayList<>();
            GridTask.run(grid, 1, args -> {
                calls.add(args);
                return 0;
            }, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), "8_1");
            assertEquals(1, calls.size(), "last line '" + last + "'");
            assertTrue(calls.get(0).contains("--resume"), calls.toString());
        }
        Grid grid = Grid.open(dir.resolve("hand"), TRAIN, List.of(1L), dir);
        grid.save();
        Path f = endedSeed(grid, 1, "{\"step\":2,\"test_loss\":0.25,\"test_last\":0.125}\n");
        Files.delete(f.resolve(RunStatus.FILE));
        List<List<String>> calls = new ArrayList<>();
        GridTask.run(grid, 1, args -> {
            calls.add(args);
            return 0;
        }, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), "8_1");
        assertEquals(1, calls.size());
        assertTrue(calls.get(0).contains("--resume"), calls.toString());
    }
}
