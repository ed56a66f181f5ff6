package org.dspn4j.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.math3.random.RandomGenerator;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run that is killed and resumed ends where an uninterrupted run ends (docs/run-folder.md, "Resuming"):
 * the same checkpoint bits, the same metrics.jsonl, the same figures. Here the kill lands at the very
 * end, while the figures are written, after the checkpoint of the last step.
 */
class CrashResumeAuditTest {

    private static TrainConfig cfg(Path out) {
        ModelConfig m = ModelConfig.paper(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.DSPN).withSizes(4, 8)
                .withInner(2, 800).withDtype(DType.F32);
        return new TrainConfig(m, null, 1, 4, 4, 0.01, 7, out, 2, false, 1, true);
    }

    /** A loop whose step timer advances 0.25 s per reading: its metrics are the same bytes on every run. */
    private static TrainingLoop loop() {
        AtomicLong t = new AtomicLong();
        return new TrainingLoop(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                () -> t.addAndGet(250_000_000L));
    }

    private static void train(Path out, TrainingLoop.Start start, boolean dieInFigures) throws IOException {
        TrainConfig c = cfg(out);
        TrainingTask task = new MnistTask(c);
        try (Compute compute = Compute.cpu(1)) {
            loop().run(c, dieInFigures ? new DiesInFinish(task) : task, compute, start);
        }
    }

    @Test
    void aRunKilledWhileItWritesItsFiguresResumesToTheUninterruptedRunsFiles(@TempDir Path dir) throws IOException {
        Path whole = dir.resolve("whole");
        Path killed = dir.resolve("killed");
        train(whole, TrainingLoop.Start.NEW, false);
        assertThrows(Killed.class, () -> train(killed, TrainingLoop.Start.NEW, true));
        assertFalse(Files.exists(killed.resolve("loss.png")));

        train(killed, TrainingLoop.Start.RESUME, false); // was refused: "the run is at step 4 ... raise them"

        for (String f : List.of("checkpoint.npz", "metrics.jsonl", "loss.png", "progression.png")) {
            assertArrayEquals(Files.readAllBytes(whole.resolve(f)), Files.readAllBytes(killed.resolve(f)), f);
        }
        List<String> lines = Files.readAllLines(killed.resolve("metrics.jsonl"));
        assertEquals(1, lines.stream().filter(l -> l.startsWith("{\"step\":4,\"test_loss\"")).count(), lines.toString());
        // and the finished run is finished: a second resume has nothing to do
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> train(killed, TrainingLoop.Start.RESUME, false));
        assertEquals(true, e.getMessage().contains("the run is at step 4"), e.getMessage());
    }

    /**
     * A run killed before its first checkpoint leaves run.json and metrics.jsonl, which --resume refuses
     * (no checkpoint): the refusal of the same command again does not send the user to --resume.
     */
    @Test
    void aRunKilledBeforeItsFirstCheckpointIsNotOfferedToResume(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("killed");
        TrainConfig c = cfg(out);
        try (Compute compute = Compute.cpu(1)) {
            TrainingLoop killed = loop().afterStep(s -> {
                throw new Killed();
            });
            assertThrows(Killed.class, () -> killed.run(c, new MnistTask(c), compute, TrainingLoop.Start.NEW));
        }
        assertFalse(Files.exists(out.resolve("checkpoint.npz")));
        IllegalArgumentException again = assertThrows(IllegalArgumentException.class,
                () -> train(out, TrainingLoop.Start.NEW, false));
        assertEquals("--out " + out + " already holds a run (metrics.jsonl, run.json), which stopped before its first "
                + "checkpoint (checkpoint.npz), so there is nothing to --resume; give a new --out, or --force to move it "
                + "aside and start afresh", again.getMessage());
        IllegalArgumentException resume = assertThrows(IllegalArgumentException.class,
                () -> train(out, TrainingLoop.Start.RESUME, false));
        assertTrue(resume.getMessage().contains("no checkpoint at " + out.resolve("checkpoint.npz")), resume.getMessage());
    }

    /** What a SIGKILL during the task's figures looks like to the loop: the process stops there. */
    private static final class Killed extends RuntimeException {
        Killed() {
            super("killed while writing the figures");
        }
    }

    /** A task that stops (as if killed) when it comes to write its figures. */
    private record DiesInFinish(TrainingTask t) implements TrainingTask {
        @Override
        public Net createModel(Backend be, ModelConfig config, RandomGenerator rng) {
            return t.createModel(be, config, rng);
        }

        @Override
        public void load(PrintStream log, int threads) throws IOException {
            t.load(log, threads);
        }

        @Override
        public void recordData(Map<String, Object> config) {
            t.recordData(config);
        }

        @Override
        public Map<String, String> dataDigest() throws IOException {
            return t.dataDigest();
        }

        @Override
        public String describe() {
            return t.describe();
        }

        @Override
        public int batchesPerEpoch() {
            return t.batchesPerEpoch();
        }

        @Override
        public Tensor[] trainBatch(Backend be, DType dtype, long epoch, int b) throws IOException {
            return t.trainBatch(be, dtype, epoch, b);
        }

        @Override
        public int[][] batchShapes() {
            return t.batchShapes();
        }

        @Override
        public TrainingLoop.Metrics evaluate(Backend be, Net net) throws IOException {
            return t.evaluate(be, net);
        }

        @Override
        public List<Path> finish(Backend be, Net net, Path dir, PrintStream out) {
            throw new Killed();
        }

        @Override
        public String lossTitle() {
            return t.lossTitle();
        }

        @Override
        public String outOfMemory(int batch) {
            return t.outOfMemory(batch);
        }
    }
}
