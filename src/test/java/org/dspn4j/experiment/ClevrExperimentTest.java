package org.dspn4j.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.tensor.DType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Short CLEVR runs on a few generated scenes with a tiny model (H = D = 8, T = 3, η = 8, B = 2, 64×64
 * images, the {@link ClevrStandIn} image encoder): the loss goes down, the run records and figures
 * are written, a resumed run ends with the same bits as an uninterrupted one, and a NaN stops it.
 */
class ClevrExperimentTest {
    static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    static ClevrSource data;

    @BeforeAll
    static void generate() {
        data = ClevrTestData.source(ClevrStandIn.SIDE);
    }

    static ModelConfig tinyModel(ModelConfig.Task task, ModelConfig.DecoderKind decoder) {
        return ModelConfig.paper(task, decoder).withSizes(8, 8).withInner(3, 8).withDtype(DType.F32);
    }

    static TrainConfig tiny(ModelConfig m, Path out, int steps, double lr, int evalEvery) {
        return new TrainConfig(m, null, 1000, steps, 2, lr, 7, out, evalEvery, false, 2, true);
    }

    static ClevrExperiment experiment() {
        return new ClevrExperiment(QUIET, ClevrStandIn::create);
    }

    private static Map<String, NdArray> weights(Path run) throws IOException {
        return Npz.read(run.resolve(ClevrExperiment.CHECKPOINT));
    }

    @Test
    void aShortBoxRunLowersTheLossAndWritesItsRecords(@TempDir Path dir) throws IOException {
        ModelConfig m = tinyModel(ModelConfig.Task.CLEVR_BOX, ModelConfig.DecoderKind.DSPN);
        TrainingLoop.Outcome o = experiment().train(tiny(m, dir, 12, 3e-3, 0), data, false);
        assertFalse(o.stoppedOnNaN());
        assertEquals(12, o.steps());
        assertTrue(o.last().last() < o.initial().last(),
                "test_last " + o.last().last() + " not below its initial " + o.initial().last());
        for (String f : new String[] {"run.json", "metrics.jsonl", "checkpoint.npz", "progression.png", "loss.png"}) {
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
        }
        String run = Files.readString(dir.resolve("run.json"));
        assertTrue(run.contains("\"generated\"") && run.contains("\"synth_seed\"") && run.contains("\"git_commit\""), run);
        assertTrue(run.contains("\"inner_steps\" : \"keep\""), run); // CLEVR's default
        String metrics = Files.readString(dir.resolve("metrics.jsonl"));
        for (String k : new String[] {"train_loss", "train_last", "test_loss", "test_last"}) {
            assertTrue(metrics.contains("\"" + k + "\""), k);
        }
        RunInfo info = RunInfo.besideCheckpoint(dir.resolve(ClevrExperiment.CHECKPOINT));
        assertEquals(2, info.batch());
        assertEquals(data, info.clevrSource());
    }

    @Test
    void clevrKeepsItsInnerStepsByDefaultAndMnistRecomputesThem(@TempDir Path dir) {
        for (ModelConfig.Task t : new ModelConfig.Task[] {ModelConfig.Task.CLEVR_BOX, ModelConfig.Task.CLEVR_STATE}) {
            TrainConfig c = tiny(tinyModel(t, ModelConfig.DecoderKind.DSPN), dir, 1, 1e-3, 0);
            assertFalse(c.recomputeSteps(), t.toString());
            assertTrue(c.withInnerSteps("recompute").recomputeSteps(), t.toString());
        }
        TrainConfig mnist = tiny(ModelConfig.paper(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.DSPN), dir, 1, 1e-3, 0);
        assertTrue(mnist.recomputeSteps());
        assertFalse(mnist.withInnerSteps("keep").recomputeSteps());
    }

    @Test
    void aStateRunWithTheMeanOverAllStepsWritesTheStateTable(@TempDir Path dir) throws IOException {
        ModelConfig m = tinyModel(ModelConfig.Task.CLEVR_STATE, ModelConfig.DecoderKind.DSPN).withOptions(true, false, false);
        TrainingLoop.Outcome o = experiment().train(tiny(m, dir, 3, 3e-4, 0), data, false);
        assertFalse(o.stoppedOnNaN());
        String md = Files.readString(dir.resolve("states.md"));
        assertTrue(md.contains("| truth |"), md);
        assertTrue(Files.size(dir.resolve("states.png")) > 0);
        assertTrue(Files.readString(dir.resolve("run.json")).contains("\"hungarian_all_steps\" : true"));
    }

    @Test
    void resumingEndsWithTheSameBitsAsAnUninterruptedRun(@TempDir Path dir) throws IOException {
        ModelConfig m = tinyModel(ModelConfig.Task.CLEVR_BOX, ModelConfig.DecoderKind.DSPN);
        Path full = dir.resolve("full");
        Path part = dir.resolve("part");
        // 5 steps over 2 batches per epoch: the interruption falls inside an epoch
        experiment().train(tiny(m, full, 5, 3e-4, 0), data, false);
        experiment().train(tiny(m, part, 3, 3e-4, 0), data, false); // "killed" after 3 steps
        TrainingLoop.Outcome o = experiment().train(tiny(m, part, 5, 3e-4, 0), data, true);
        assertEquals(2, o.trainLoss().size());
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
    void resumingWithAnotherModelIsRefused(@TempDir Path dir) throws IOException {
        ModelConfig m = tinyModel(ModelConfig.Task.CLEVR_BOX, ModelConfig.DecoderKind.DSPN);
        experiment().train(tiny(m, dir, 1, 3e-4, 0), data, false);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> experiment().train(tiny(m.withInner(4, 8), dir, 2, 3e-4, 0), data, true));
        assertTrue(e.getMessage().contains("--iters 4 (the run has 3)"), e.getMessage());
    }

    @Test
    void aNonFiniteLossStopsTheRunAndKeepsTheLastGoodCheckpoint(@TempDir Path dir) throws IOException {
        ModelConfig m = tinyModel(ModelConfig.Task.CLEVR_BOX, ModelConfig.DecoderKind.DSPN);
        TrainingLoop.Outcome o = experiment().train(tiny(m, dir, 40, 1e30, 1), data, false);
        assertTrue(o.stoppedOnNaN());
        Path ckpt = dir.resolve(ClevrExperiment.CHECKPOINT);
        if (Files.exists(ckpt)) {
            for (Map.Entry<String, NdArray> e : Npz.read(ckpt).entrySet()) {
                for (double v : e.getValue().toDoubles()) {
                    assertTrue(Double.isFinite(v), "non-finite value kept in " + e.getKey());
                }
            }
        }
    }

    @Test
    void batchesAreSeededShuffledAndDropTheTail() throws IOException {
        ClevrBatches train = ClevrBatches.of(data, "train", org.dspn4j.data.clevr.ClevrDataset.Target.BOXES, 3, 2, true, 7);
        assertEquals(1, train.batchesPerEpoch());
        ClevrBatches again = ClevrBatches.of(data, "train", org.dspn4j.data.clevr.ClevrDataset.Target.BOXES, 3, 2, true, 7);
        for (int e = 0; e < 4; e++) {
            assertArrayEquals(train.order(e), again.order(e));
            ClevrBatches.Batch b = train.batch(e, 0);
            assertEquals(2, b.size());
            assertEquals(2 * 3 * 64 * 64, b.images().length);
            assertEquals(2 * 4 * 10, b.targets().length);
            for (double v : b.images()) {
                assertTrue(v >= 0 && v <= 1);
            }
        }
        List<String> orders = new java.util.ArrayList<>();
        for (int e = 0; e < 8; e++) {
            orders.add(java.util.Arrays.toString(train.order(e)));
        }
        assertTrue(orders.stream().distinct().count() > 1, "the order never changes: " + orders);
    }

    @Test
    void thePaperSizeModelWarnsWhenTheHeapIsTooSmallForItsBatch() {
        ModelConfig paper = ModelConfig.paper(ModelConfig.Task.CLEVR_BOX, ModelConfig.DecoderKind.DSPN);
        ClevrSource src = ClevrSource.generated(Path.of("x"), 1, 1, 1);
        long twoGiB = 2L << 30; // the launcher's heap for the CLEVR commands
        // 0.7 GiB + 0.02 GiB per sample (0.035 with the inner steps kept), hand-worked:
        assertEquals(null, ClevrExperiment.heapWarning(paper, src, 32, false, twoGiB)); // 1.34
        assertEquals(null, ClevrExperiment.heapWarning(paper, src, 32, true, twoGiB)); // 1.82
        assertEquals(null, ClevrExperiment.heapWarning(paper, src, 64, false, twoGiB)); // 1.98
        String w = ClevrExperiment.heapWarning(paper, src, 32, false, 1L << 30);
        assertTrue(w != null && w.contains("--batch") && w.contains("needs about 1.3 GiB") && w.contains("-Xmx3g"), w);
        String kept = ClevrExperiment.heapWarning(paper, src, 64, true, twoGiB); // 2.94
        assertTrue(kept != null && kept.contains("batch 64 with the inner steps kept needs about 2.9 GiB")
                && kept.contains("32 needs about 1.8 GiB") && kept.contains("--inner-steps recompute (about 2.0 GiB at this batch)")
                && kept.contains("-Xmx4g"), kept);
        String keptTooLarge = ClevrExperiment.heapWarning(paper, src, 128, true, twoGiB); // 5.18; recomputed 3.26
        assertTrue(keptTooLarge != null && !keptTooLarge.contains("--inner-steps recompute"), keptTooLarge);
        String big = ClevrExperiment.heapWarning(paper, src, 128, false, twoGiB); // 3.26
        assertTrue(big != null && big.contains("batch 128 with the inner steps recomputed needs about 3.3 GiB") && big.contains("-Xmx5g"), big);
        assertEquals(null, ClevrExperiment.heapWarning(paper, src, 128, false, 4L << 30));
        assertEquals(null, ClevrExperiment.heapWarning(tinyModel(ModelConfig.Task.CLEVR_BOX, ModelConfig.DecoderKind.DSPN),
                src, 32, false, 1L << 20));
    }

    @Test
    void generatedValIsNotACopyOfTrain() throws IOException {
        var train = data.open("train", org.dspn4j.data.clevr.ClevrDataset.Target.STATES);
        var val = data.open("val", org.dspn4j.data.clevr.ClevrDataset.Target.STATES);
        assertFalse(java.util.Arrays.deepEquals(org.dspn4j.data.clevr.StateVector.encode(train.scenes().get(0)),
                org.dspn4j.data.clevr.StateVector.encode(val.scenes().get(0))));
    }
}
