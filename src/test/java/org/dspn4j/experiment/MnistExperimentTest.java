package org.dspn4j.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Short MNIST runs of a small model (H = 8, D = 4, T = 2, B = 4) on the bundled data: the loss
 * goes down, a resumed run ends with the same bits as an uninterrupted one, one seed gives one
 * result, a NaN stops the run, and checkpoints are never seen half-written.
 */
class MnistExperimentTest {
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    private static TrainConfig tiny(Path out, int steps, double lr, double innerLr, int evalEvery) {
        ModelConfig m = ModelConfig.paper(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.DSPN)
                .withSizes(4, 8).withInner(2, innerLr).withDtype(DType.F32);
        return new TrainConfig(m, null, 1, steps, 4, lr, 7, out, evalEvery, false, 2, true);
    }

    private static Map<String, NdArray> weights(Path run) throws IOException {
        return Npz.read(run.resolve(MnistExperiment.CHECKPOINT));
    }

    @Test
    void aShortRunLowersTheTestLossAndWritesItsRecords(@TempDir Path dir) throws IOException {
        TrainingLoop.Outcome o = new MnistExperiment(QUIET).train(tiny(dir, 12, 0.01, 800, 0), false);
        assertFalse(o.stoppedOnNaN());
        assertTrue(o.last().last() < o.initial().last(),
                "test_last " + o.last().last() + " not below its initial " + o.initial().last());
        for (String f : new String[] {"run.json", "metrics.jsonl", "checkpoint.npz", "progression.png", "loss.png"}) {
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
        }
        String run = Files.readString(dir.resolve("run.json"));
        assertTrue(run.contains("\"seed\"") && run.contains("\"git_commit\"") && run.contains("\"backend\""), run);
        assertTrue(Files.readString(dir.resolve("metrics.jsonl")).contains("\"train_last\""));
    }

    @Test
    void resumingEndsWithTheSameBitsAsAnUninterruptedRun(@TempDir Path dir) throws IOException {
        Path full = dir.resolve("full");
        Path part = dir.resolve("part");
        new MnistExperiment(QUIET).train(tiny(full, 5, 0.01, 800, 0), false);
        new MnistExperiment(QUIET).train(tiny(part, 2, 0.01, 800, 0), false); // "killed" after 2 steps
        new MnistExperiment(QUIET).train(tiny(part, 5, 0.01, 800, 0), true);
        Map<String, NdArray> a = weights(full);
        Map<String, NdArray> b = weights(part);
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            if (!k.startsWith("meta/")) {
                assertArrayEquals(a.get(k).toDoubles(), b.get(k).toDoubles(), 0.0, k);
            }
        }
        assertEquals(5L, b.get("optim/step").longs()[0]);
    }

    @Test
    void oneSeedGivesOneResult(@TempDir Path dir) throws IOException {
        new MnistExperiment(QUIET).train(tiny(dir.resolve("a"), 3, 0.01, 800, 0), false);
        new MnistExperiment(QUIET).train(tiny(dir.resolve("b"), 3, 0.01, 800, 0), false);
        Map<String, NdArray> a = weights(dir.resolve("a"));
        Map<String, NdArray> b = weights(dir.resolve("b"));
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).toDoubles(), b.get(k).toDoubles(), 0.0, k);
        }
    }

    @Test
    void aNonFiniteLossStopsTheRunAndKeepsTheLastGoodCheckpoint(@TempDir Path dir) throws IOException {
        // an absurd outer learning rate drives the parameters, then the loss, to infinity
        TrainingLoop.Outcome o = new MnistExperiment(QUIET).train(tiny(dir, 40, 1e30, 800, 1), false);
        assertTrue(o.stoppedOnNaN());
        Path ckpt = dir.resolve(MnistExperiment.CHECKPOINT);
        if (Files.exists(ckpt)) {
            for (Map.Entry<String, NdArray> e : Npz.read(ckpt).entrySet()) {
                for (double v : e.getValue().toDoubles()) {
                    assertTrue(Double.isFinite(v), "non-finite value kept in " + e.getKey());
                }
            }
        }
    }

    /** Checkpoints are renamed into place: a reader never sees a partial file. */
    @Test
    void checkpointsAreNeverSeenHalfWritten(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        new MnistExperiment(QUIET).train(tiny(out, 1, 0.01, 800, 1), false);
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            while (!done.get()) {
                try {
                    assertNotNull(Npz.read(out.resolve(MnistExperiment.CHECKPOINT)).get("optim/step"));
                } catch (Throwable t) {
                    failure.set(t);
                    return;
                }
            }
        });
        reader.start();
        new MnistExperiment(QUIET).train(tiny(out, 8, 0.01, 800, 1), true); // a checkpoint per step
        done.set(true);
        reader.join();
        if (failure.get() != null) {
            throw new AssertionError("a reader saw a broken checkpoint", failure.get());
        }
    }
}
