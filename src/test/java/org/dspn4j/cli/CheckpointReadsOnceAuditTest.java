package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.experiment.Checkpoint;
import org.dspn4j.experiment.ModelConfigJson;
import org.dspn4j.io.NdArray;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.model.Weights;
import org.dspn4j.optim.Adam;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * eval and show read an .npz checkpoint once: its batch size (without a run.json), its configuration and its model
 * come from the arrays {@link CheckpointOptions} read first, so the model loaded is the one checked even when the file
 * is gone (or replaced) by the time it is loaded.
 */
class CheckpointReadsOnceAuditTest {
    @TempDir
    Path dir;

    @Test
    void theModelIsLoadedFromTheArraysReadForItsConfiguration() throws IOException {
        Path f = dir.resolve("checkpoint.npz");
        try (CpuBackend be = new CpuBackend(1)) {
            ModelConfig cfg = ModelConfig.paper(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.DSPN);
            Net saved = Net.create(be, cfg, new MersenneTwister(5));
            Checkpoint.save(f, saved, new Adam(saved.namedParameters(), 1e-3), new Checkpoint.Position(0, 0, 0),
                    ModelConfigJson.toJson(cfg));
            for (boolean clevrLoader : new boolean[] {false, true}) {
                CheckpointOptions input = new CheckpointOptions();
                input.checkpoint = f;
                assertEquals(32, input.batch(input.run(ModelConfig.Task.MNIST))); // no run.json, no recorded batch
                assertEquals(cfg, input.model(ModelConfig.Task.MNIST));
                Path away = dir.resolve("moved.npz");
                Files.move(f, away); // the file is gone: the model comes from what was read
                if (clevrLoader) {
                    // an MNIST model is refused by the CLEVR loader with the message of the arrays it was given
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> input.loadClevr(be));
                    assertEquals(f + " holds a mnist model, not a CLEVR one", e.getMessage());
                } else {
                    Net loaded = input.loadModel(be, (b, c, r) -> new Net(b, c, r, null));
                    Map<String, NdArray> want = Weights.toArrays(saved);
                    assertEquals(want, Weights.toArrays(loaded));
                }
                Files.move(away, f);
            }
        }
    }
}
