package org.dspn4j.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.data.clevr.ClevrDataset;
import org.dspn4j.gpu.ClBackend;
import org.dspn4j.gpu.ArenaLive;
import org.dspn4j.gpu.ClEngine;
import org.dspn4j.gpu.SharedEngine;
import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.optim.Adam;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CLEVR training on OpenCL recorded once and replayed ({@code --graph replay}): the Hungarian
 * assignment is a kernel of the graph (no host step), solving each step's cost matrices, and the parameters, Adam's
 * moments and the batch-norm running statistics (a training-mode side effect) are state fed back. So
 * replay equals eager <b>bit for bit</b> (tolerance 0) — losses, every parameter, both moments, the
 * running statistics and the batch count — for clevr-box and clevr-state; a replayed run stopped and
 * resumed equals the uninterrupted one; and replays leave the arena's live floats as they were. The
 * small stand-in image encoder with batch norm keeps it quick; the ResNet34 step needs an arena of
 * several arrays (docs/gpu.md, "Limits").
 */
class ClevrReplayOpenClTest {
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());
    static ClevrSource data;

    @org.junit.jupiter.api.AfterAll
    static void releaseArena() throws InterruptedException {
        if (SharedEngine.available()) {
            ArenaLive.settled(SharedEngine.get()); // this class's garbage freed before the next class allocates in the shared arena
        }
    }

    @BeforeAll
    static void generate() {
        SharedEngine.get(); // skips the class when there is no OpenCL platform
        data = ClevrTestData.source(ClevrStandIn.SIDE);
    }

    private static ClevrExperiment experiment(PrintStream out) {
        return new ClevrExperiment(out, ClevrStandIn::createWithBatchNorm);
    }

    private static TrainingLoop.Outcome train(ModelConfig m, Path out, int steps, String graph, boolean resume)
            throws IOException {
        try (Compute c = Compute.opencl(SharedEngine.get(), false)) {
            return experiment(QUIET).train(ClevrExperimentTest.tiny(m, out, steps, 3e-3, 2).withGraph(graph), data, c, resume);
        }
    }

    /** train_* per step and test_* per evaluation, from metrics.jsonl (the latest line wins). */
    private static Map<String, Double> losses(Path run) throws IOException {
        Map<String, Double> out = new TreeMap<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            Map<String, Double> f = RunRecord.numbers(line);
            for (String k : new String[] {"train_loss", "train_last", "test_loss", "test_last"}) {
                if (f.containsKey(k)) {
                    out.put("step " + f.get("step").longValue() + " " + k, f.get(k));
                }
            }
        }
        return out;
    }

    /** Every array of the checkpoint but its metadata: parameters, buffers, Adam's moments and step. */
    private static void assertSameCheckpoint(Path a, Path b, String what) throws IOException {
        Map<String, NdArray> x = Npz.read(a.resolve(ClevrExperiment.CHECKPOINT));
        Map<String, NdArray> y = Npz.read(b.resolve(ClevrExperiment.CHECKPOINT));
        assertEquals(x.keySet(), y.keySet(), what);
        assertTrue(x.keySet().stream().anyMatch(k -> k.contains("running_var")), x.keySet().toString());
        assertTrue(x.keySet().stream().anyMatch(k -> k.contains("num_batches_tracked")), x.keySet().toString());
        for (String k : x.keySet()) {
            if (!k.startsWith("meta/")) {
                assertArrayEquals(x.get(k).toDoubles(), y.get(k).toDoubles(), 0.0, what + ": " + k);
            }
        }
    }

    private static void replayEqualsEager(ModelConfig m, Path dir) throws IOException {
        Path replay = dir.resolve("replay");
        Path eager = dir.resolve("eager");
        TrainingLoop.Outcome r = train(m, replay, 4, "replay", false);
        TrainingLoop.Outcome e = train(m, eager, 4, "eager", false);
        assertFalse(r.stoppedOnNaN());
        assertEquals(4, r.trainLoss().size());
        assertEquals(e.trainLoss(), r.trainLoss(), "train_loss per step, bit for bit");
        Map<String, Double> want = losses(eager);
        assertEquals(4 * 2 + 3 * 2, want.size(), want.toString()); // 4 steps; tests at 0, 2, 4
        assertEquals(want, losses(replay), "replay and eager losses, bit for bit");
        assertSameCheckpoint(eager, replay, "replay vs eager after 4 steps");
        assertTrue(Files.readString(replay.resolve("run.json")).contains("\"graph\" : \"replay\""));
        assertTrue(Files.readString(eager.resolve("run.json")).contains("\"graph\" : \"eager\""));
    }

    @Test
    void aReplayedBoxRunEqualsTheEagerOneBitForBitAndResumesBitForBit(@TempDir Path dir) throws IOException {
        ModelConfig m = ClevrExperimentTest.tinyModel(ModelConfig.Task.CLEVR_BOX, ModelConfig.DecoderKind.DSPN);
        replayEqualsEager(m, dir);
        // stopped after step 2 (its checkpoint), resumed into a fresh recording
        Path resumed = dir.resolve("resumed");
        train(m, resumed, 2, "replay", false);
        TrainingLoop.Outcome o = train(m, resumed, 4, "replay", true);
        assertEquals(2, o.trainLoss().size());
        assertEquals(losses(dir.resolve("eager")), losses(resumed), "resumed replay vs the uninterrupted run");
        assertSameCheckpoint(dir.resolve("eager"), resumed, "resumed replay vs the uninterrupted run");
    }

    @Test
    void aReplayedStateRunEqualsTheEagerOneBitForBit(@TempDir Path dir) throws IOException {
        replayEqualsEager(ClevrExperimentTest.tinyModel(ModelConfig.Task.CLEVR_STATE, ModelConfig.DecoderKind.DSPN), dir);
    }

    @Test
    void theDefaultOnOpenClIsReplayAndTheCpuBackendRefusesIt(@TempDir Path dir) throws IOException {
        ModelConfig m = ClevrExperimentTest.tinyModel(ModelConfig.Task.CLEVR_BOX, ModelConfig.DecoderKind.DSPN);
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        try (Compute c = Compute.opencl(SharedEngine.get(), false)) {
            experiment(new PrintStream(said, true)).train(ClevrExperimentTest.tiny(m, dir.resolve("d"), 1, 3e-3, 0), data, c, false);
        }
        assertTrue(said.toString().contains("graph: replay (training step recorded in") && said.toString().contains("0 host steps,"),
                said.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> experiment(QUIET)
                .train(ClevrExperimentTest.tiny(m, dir.resolve("cpu"), 1, 3e-3, 0).withGraph("replay"), data, false));
        assertTrue(e.getMessage().contains("--graph replay needs the OpenCL backend"), e.getMessage());
    }

    @Test
    void replaysLeaveTheArenasLiveFloatsAsTheyWere() throws IOException, InterruptedException {
        ClEngine engine = SharedEngine.get();
        ClBackend be = new ClBackend(engine);
        ModelConfig m = ClevrExperimentTest.tinyModel(ModelConfig.Task.CLEVR_STATE, ModelConfig.DecoderKind.DSPN).withInner(1, 8);
        Net net = ClevrStandIn.createWithBatchNorm(be, m, new MersenneTwister(3));
        Adam adam = new Adam(net.namedParameters(), 1e-3);
        ClevrBatches train = ClevrBatches.of(data, "train", ClevrDataset.Target.STATES, -1, 2, true, 3);
        Tensor[] t = train.tensors(be, DType.F32, train.batch(0, 0));
        try (RecordedTrainStep step = new RecordedTrainStep(be, net, adam, t[0].shape(), t[1].shape(), t[2].shape())) {
            assertEquals(0, step.graph().hostSteps(), "the assignment is a kernel of the graph");
            assertEquals(1, step.graph().deviceChecks(), "its cost check, read with the step's loss");
            double first = step.run(t[0], t[1], t[2]).loss();
            long live = ArenaLive.settled(engine);
            int replays = 200;
            double last = first;
            for (int i = 0; i < replays; i++) {
                last = step.run(t[0], t[1], t[2]).loss();
            }
            assertEquals(live, ArenaLive.settled(engine), "arena floats live after " + replays + " replays");
            assertTrue(last < first, "the replayed steps train: loss " + first + " -> " + last);
            step.syncToModel();
            Tensor count = net.namedBuffers().entrySet().stream().filter(b -> b.getKey().endsWith("num_batches_tracked"))
                    .findFirst().orElseThrow().getValue().value();
            assertEquals(DType.I64, count.dtype());
            assertEquals(replays + 1, count.item(), "batch norm counted every replayed step");
        }
    }

}
