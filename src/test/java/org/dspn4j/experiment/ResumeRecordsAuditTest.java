package org.dspn4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.dspn4j.model.ModelConfig;
import org.dspn4j.testing.FolderSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What run.json's {@code resumes} entries record: every free setting a resume ran with, the folder of generated scenes
 * ({@code --synth-cache}) included, recorded as the run's {@code config.data.synth_cache} is, and a change of it
 * listed under {@code changed} against the previous part of the run.
 */
class ResumeRecordsAuditTest {

    private static ModelConfig box() {
        return ClevrExperimentTest.tinyModel(ModelConfig.Task.CLEVR_BOX, ModelConfig.DecoderKind.DSPN);
    }

    private static ClevrSource scenesIn(Path cache) {
        return ClevrSource.generated(cache, 4, 2, 3).withImageSize(ClevrStandIn.SIDE);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> resume(Path out, int i) throws IOException {
        return (Map<String, Object>) ((List<?>) RunRecord.readJsonObject(out.resolve(RunRecord.RUN)).get("resumes")).get(i);
    }

    @SuppressWarnings("unchecked")
    private static Object synthCache(Map<String, Object> m) {
        return m.get("data") instanceof Map<?, ?> d ? ((Map<String, Object>) d).get("synth_cache") : null;
    }

    @Test
    @SuppressWarnings("unchecked")
    void aResumeRecordsTheFolderOfGeneratedScenesItRanWithAndItsChange(@TempDir Path dir) throws IOException {
        ClevrSource first = ClevrTestData.source(ClevrStandIn.SIDE);
        Path out = dir.resolve("run");
        ClevrExperimentTest.experiment().train(ClevrExperimentTest.tiny(box(), out, 2, 3e-4, 0), first, false);
        Map<String, Object> config = RunRecord.object(RunRecord.readJsonObject(out.resolve(RunRecord.RUN)), "config",
                out.resolve(RunRecord.RUN));
        String recorded = first.synthCache().toString();
        assertEquals(recorded, synthCache(config), config.toString());

        // the same folder: recorded as the run records it, and no change
        ClevrExperimentTest.experiment().train(ClevrExperimentTest.tiny(box(), out, 3, 3e-4, 0), first, true);
        Map<String, Object> r0 = resume(out, 0);
        assertEquals(recorded, synthCache((Map<String, Object>) r0.get("settings")), r0.toString());
        assertEquals(Map.of("max_steps", "2 -> 3"), r0.get("changed"));

        // another folder of the same scenes: recorded, and listed as a change against the previous part
        Path other = dir.resolve("other-cache");
        ClevrExperimentTest.experiment().train(ClevrExperimentTest.tiny(box(), out, 4, 3e-4, 0), scenesIn(other), true);
        Map<String, Object> r1 = resume(out, 1);
        assertEquals(other.toString(), synthCache((Map<String, Object>) r1.get("settings")), r1.toString());
        Map<String, Object> changed = new LinkedHashMap<>();
        changed.put("max_steps", "3 -> 4");
        changed.put("data.synth_cache", recorded + " -> " + other);
        assertEquals(changed, r1.get("changed"));
        // the run's own record is left as it was written
        assertEquals(config, RunRecord.readJsonObject(out.resolve(RunRecord.RUN)).get("config"));
    }

    /**
     * summarise takes a resumed run's settings from its last resume: the folder of scenes a resume records does not
     * make it another experiment than a run trained in one go (the scenes are the same, by their digests).
     */
    @Test
    void summariseAveragesAResumedRunWithOneTrainedInOneGo(@TempDir Path dir) throws IOException {
        ClevrSource scenes = ClevrTestData.source(ClevrStandIn.SIDE);
        Path once = dir.resolve("once");
        Path resumed = dir.resolve("resumed");
        ClevrExperimentTest.experiment().train(seeded(once, 3, 7), scenes, false);
        ClevrExperimentTest.experiment().train(seeded(resumed, 2, 8), scenes, false);
        ClevrExperimentTest.experiment().train(seeded(resumed, 3, 8), scenesIn(dir.resolve("other-cache")), true);
        org.dspn4j.experiment.grid.Summary s = org.dspn4j.experiment.grid.Summary.of("two runs", List.of(once, resumed));
        assertEquals(2, s.finished().size());
    }

    private static TrainConfig seeded(Path out, int steps, long seed) {
        return new TrainConfig(box(), null, 1000, steps, 2, 3e-4, seed, out, 0, false, 2, true);
    }

    @Test
    void aResumeGivenAllowNonfiniteSaysSo(@TempDir Path dir) throws IOException {
        ModelConfig m = ModelConfig.paper(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.DSPN).withSizes(4, 8)
                .withInner(2, 800).withDtype(org.dspn4j.tensor.DType.F32);
        Path out = dir.resolve("run");
        for (int steps = 1; steps <= 3; steps++) {
            TrainConfig c = new TrainConfig(m, null, 1, steps, 4, 0.01, 7, out, 0, false, 1, true);
            TrainingLoop.Start start = steps == 1 ? TrainingLoop.Start.NEW : new TrainingLoop.Start(true, false, steps == 3);
            try (Compute compute = Compute.cpu(1)) {
                new TrainingLoop(new java.io.PrintStream(new java.io.ByteArrayOutputStream())).run(c, new MnistTask(c), compute,
                        start);
            }
        }
        assertFalse(resume(out, 0).containsKey("allow_nonfinite"), resume(out, 0).toString());
        assertEquals(true, resume(out, 1).get("allow_nonfinite"), resume(out, 1).toString());
    }

    /** A run.json whose resumes is no list is refused before metrics.jsonl is cut back to the checkpoint. */
    @Test
    void aResumesFieldThatIsNoListIsRefusedBeforeTheRecordIsCut(@TempDir Path dir) throws IOException {
        ModelConfig m = ModelConfig.paper(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.DSPN).withSizes(4, 8)
                .withInner(2, 800).withDtype(org.dspn4j.tensor.DType.F32);
        Path out = dir.resolve("run");
        TrainConfig two = new TrainConfig(m, null, 1, 2, 4, 0.01, 7, out, 0, false, 1, true);
        try (Compute compute = Compute.cpu(1)) {
            new TrainingLoop(new java.io.PrintStream(new java.io.ByteArrayOutputStream())).run(two, new MnistTask(two), compute,
                    TrainingLoop.Start.NEW);
        }
        // a line written after the checkpoint (a run killed before its next one), which a resume drops
        Files.writeString(out.resolve(RunRecord.METRICS), "{\"step\": 3, \"epoch\": 0, \"train_loss\": 1.0}\n",
                java.nio.file.StandardOpenOption.APPEND);
        Path runJson = out.resolve(RunRecord.RUN);
        String json = Files.readString(runJson);
        Files.writeString(runJson, json.replaceFirst("\\{", "{\n  \"resumes\" : \"none\","));
        Map<String, String> before = FolderSnapshot.of(out);
        TrainConfig three = new TrainConfig(m, null, 1, 3, 4, 0.01, 7, out, 0, false, 1, true);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> {
            try (Compute compute = Compute.cpu(1)) {
                new TrainingLoop(new java.io.PrintStream(new java.io.ByteArrayOutputStream())).run(three, new MnistTask(three),
                        compute, TrainingLoop.Start.RESUME);
            }
        });
        assertEquals(runJson + ": resumes must be a JSON array, got \"none\" (a string)", e.getMessage());
        assertEquals(before, FolderSnapshot.of(out), "the run folder changed by a refused resume");
    }

    @Test
    void aRelativeFolderOfScenesIsComparedByThePlaceItNamesFromTheFolderItWasRecordedIn(@TempDir Path dir)
            throws IOException {
        Path ranIn = Files.createDirectories(dir.resolve("a")).toRealPath();
        Map<String, Object> before = Map.of("max_steps", 2L, "data", Map.of("synth_cache", "synth"));
        Map<String, Object> same = Map.of("max_steps", 2L, "data", Map.of("synth_cache", ranIn.resolve("synth").toString()));
        assertEquals(Map.of(), ResumeCheck.changes(before, same, ranIn));
        Map<String, Object> moved = Map.of("max_steps", 2L, "data", Map.of("synth_cache", ranIn.resolve("elsewhere").toString()));
        assertEquals(Map.of("data.synth_cache", "synth -> " + ranIn.resolve("elsewhere")),
                ResumeCheck.changes(before, moved, ranIn));
    }

    @Test
    void theFreeSettingsOfMnistHaveNoFolderOfScenes() {
        Map<String, Object> mnist = new LinkedHashMap<>(Map.of("data_dir", "bundled", "max_steps", 3L, "epochs", 1L,
                "eval_every", 0L, "threads", 1L));
        Map<String, Object> settings = ResumeCheck.freeSettings(mnist);
        assertFalse(settings.containsKey("data"), settings.toString());
        assertEquals(3L, settings.get("max_steps"));
        Map<String, Object> gen = new LinkedHashMap<>(mnist);
        gen.remove("data_dir");
        gen.put("data", Map.of("kind", "generated", "synth_cache", "c", "synth_seed", 1L));
        assertEquals(Map.of("synth_cache", "c"), ResumeCheck.freeSettings(gen).get("data"),
                "only the free data setting, not the fixed ones");
        assertTrue(ResumeCheck.FREE.containsKey("data.synth_cache"));
    }
}
