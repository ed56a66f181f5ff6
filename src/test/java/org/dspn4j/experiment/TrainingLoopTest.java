package org.dspn4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.dspn4j.model.ModelConfig;
import org.dspn4j.tensor.DType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guarantees of the one training loop hold for both tasks: MNIST and CLEVR (generated scenes,
 * the stand-in image encoder) refuse a resume with another model, stop on non-finite test metrics
 * or parameters before saving them, and say truthfully whether a checkpoint is kept.
 */
class TrainingLoopTest {
    static ClevrSource data;

    @BeforeAll
    static void generate() {
        data = ClevrTestData.source(ClevrStandIn.SIDE);
    }

    private static ModelConfig mnistModel() {
        return ModelConfig.paper(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.DSPN).withSizes(4, 8).withInner(2, 800)
                .withDtype(DType.F32);
    }

    private static TrainConfig mnist(ModelConfig m, Path out, int steps, double lr, int evalEvery) {
        return new TrainConfig(m, null, 1, steps, 4, lr, 7, out, evalEvery, false, 2, true);
    }

    private static PrintStream to(ByteArrayOutputStream said) {
        return new PrintStream(said, true, StandardCharsets.UTF_8);
    }

    @Test
    void mnistRefusesToResumeWithAnotherModelAsClevrDoes(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        new MnistExperiment(to(said)).train(mnist(mnistModel(), dir, 1, 0.01, 0), false);
        byte[] before = Files.readAllBytes(dir.resolve("metrics.jsonl"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MnistExperiment(to(said)).train(mnist(mnistModel().withInner(3, 800), dir, 2, 0.01, 0), true));
        assertTrue(e.getMessage().contains("iters"), e.getMessage());
        assertEquals(new String(before, StandardCharsets.UTF_8), Files.readString(dir.resolve("metrics.jsonl")),
                "a refused resume leaves the record as it was");
    }

    /**
     * An absurd learning rate: after the first step the parameters are huge but finite and the test
     * metrics NaN. The run stops there, logs no NaN and writes no checkpoint of that model.
     */
    @Test
    void mnistStopsOnNonFiniteTestMetricsBeforeSavingThemAsClevrDoes(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        var o = new MnistExperiment(to(said)).train(mnist(mnistModel(), dir, 6, 1e30, 1), false);
        assertTrue(o.stoppedOnNaN());
        String metrics = Files.readString(dir.resolve("metrics.jsonl"));
        assertFalse(metrics.contains("NaN"), metrics);
        assertFalse(Files.exists(dir.resolve("checkpoint.npz")), "the diverged model was saved");
        assertNull(o.checkpoint());
        String s = said.toString(StandardCharsets.UTF_8);
        assertTrue(s.contains("stopping: the test metrics are no longer finite after step 1")
                && s.contains("no checkpoint was written"), s);
    }

    @Test
    void aStopBeforeTheFirstCheckpointSaysThereIsNone(@TempDir Path dir) throws IOException {
        ModelConfig m = ClevrExperimentTest.tinyModel(ModelConfig.Task.CLEVR_BOX, ModelConfig.DecoderKind.DSPN);
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        var o = new ClevrExperiment(to(said), ClevrStandIn::create).train(ClevrExperimentTest.tiny(m, dir.resolve("none"), 40,
                1e30, 0), data, false);
        assertTrue(o.stoppedOnNaN());
        assertFalse(Files.exists(dir.resolve("none").resolve("checkpoint.npz")));
        String s = said.toString(StandardCharsets.UTF_8);
        assertTrue(s.contains("no checkpoint was written") && !s.contains("is kept at"), s);
    }
}
