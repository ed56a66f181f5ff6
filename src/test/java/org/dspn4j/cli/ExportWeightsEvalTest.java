package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.dspn4j.io.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A weights file written by {@code export-weights --checkpoint} carries its model's settings
 * ({@code meta/config_json}), so {@code eval} gives the checkpoint's own numbers from it.
 */
class ExportWeightsEvalTest {

    private static String[] with(String[] base, String last) {
        String[] a = java.util.Arrays.copyOf(base, base.length + 1);
        a[base.length] = last;
        return a;
    }

    @Test
    void theExportedWeightsEvaluateLikeTheirCheckpoint(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        ImportTorchCommandTest.Run t = ImportTorchCommandTest.run("train", "mnist", "--decoder", "mlp", "--steps", "3",
                "--hidden", "16", "--latent", "8", "--threads", "1", "--backend", "cpu", "-q", "--out", run.toString());
        assertEquals(0, t.rc(), t.out() + t.err());
        Path w = dir.resolve("w.npz");
        ImportTorchCommandTest.Run x = ImportTorchCommandTest.run("export-weights", "--checkpoint",
                run.resolve("checkpoint.npz").toString(), "--out", w.toString());
        assertEquals(0, x.rc(), x.out() + x.err());
        var a = Npz.read(w);
        assertTrue(a.containsKey("meta/config_json") && !a.containsKey("optim/step"), a.keySet().toString());
        // the run folder stands for its checkpoint.npz: the same file
        Path w2 = dir.resolve("w2.npz");
        ImportTorchCommandTest.Run x2 = ImportTorchCommandTest.run("export-weights", "--checkpoint", run.toString(), "--out",
                w2.toString());
        assertEquals(0, x2.rc(), x2.out() + x2.err());
        assertTrue(java.util.Arrays.equals(java.nio.file.Files.readAllBytes(w), java.nio.file.Files.readAllBytes(w2)));

        String[] eval = {"eval", "mnist", "--backend", "cpu", "--threads", "1", "--checkpoint"};
        ImportTorchCommandTest.Run fromCheckpoint = ImportTorchCommandTest.run(
                with(eval, run.resolve("checkpoint.npz").toString()));
        ImportTorchCommandTest.Run fromWeights = ImportTorchCommandTest.run(with(eval, w.toString()));
        assertEquals(0, fromCheckpoint.rc(), fromCheckpoint.err());
        assertEquals(0, fromWeights.rc(), fromWeights.err());
        assertTrue(fromCheckpoint.out().contains("test_loss "), fromCheckpoint.out());
        // the same numbers; the line before them says where the evaluated part of the split was decided (the run's
        // run.json beside the checkpoint, the default for weights alone)
        assertEquals(fromCheckpoint.out().substring(fromCheckpoint.out().indexOf("test_loss ")),
                fromWeights.out().substring(fromWeights.out().indexOf("test_loss ")));
        assertTrue(fromWeights.out().contains(": the first tenth of the test split (the default; --full takes all), batch 32\n"),
                fromWeights.out());
    }
}
