package org.dspn4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.dspn4j.cli.Main;
import org.dspn4j.io.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line with the real image encoder (ResNet34 + head, {@code Net.create}) at the smallest
 * size it accepts: one training step of a tiny DSPN (H = D = 8, T = 2) on 65×65 images at B = 2, then
 * {@code dspn4j eval} (AP tables, export) on its checkpoint, with the data and batch size taken from
 * the run's run.json. Slow-ish (a ResNet step takes seconds on 2 cores and the checkpoint with Adam's
 * state is 280 MB), so it is the only test that runs the ResNet; {@code show} is tested with the
 * stand-in encoder ({@link ClevrFiguresTest}).
 */
class ClevrResNetEndToEndTest {

    private static String capture(Runnable r) {
        PrintStream old = System.out;
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        System.setOut(new PrintStream(b, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setOut(old);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    void trainAndEvalRunWithTheResNet(@TempDir Path dir) throws Exception {
        Path cache = ClevrTestData.cache();
        Path run = dir.resolve("run");
        int[] rc = new int[2];
        String train = capture(() -> rc[0] = Main.run("train", "clevr-box", "--image-size", "65", "--batch", "2",
                "--steps", "1", "--hidden", "8", "--latent", "8", "--iters", "2", "--inner-lr", "8", "--synth-cache", cache.toString(),
                "--synth-train", "4", "--synth-val", "2", "--synth-seed", "3", "--out", run.toString(), "--threads", "2", "-q"));
        assertEquals(0, rc[0], train);
        assertTrue(train.contains("final   test_loss"), train);
        Path ckpt = run.resolve("checkpoint.npz");
        assertTrue(Npz.read(ckpt).keySet().stream().anyMatch(k -> k.startsWith("input_encoder.layers.")),
                "the checkpoint holds the ResNet's weights");

        Path export = dir.resolve("export");
        String eval = capture(() -> rc[1] = Main.run("eval", "clevr-box", "--checkpoint", ckpt.toString(), "--iters", "20",
                "--export", export.toString()));
        assertEquals(0, rc[1], eval);
        assertTrue(eval.contains("AP99") && eval.contains("AP60") && eval.contains("DSPN, 20 steps"), eval);
        assertTrue(eval.contains("on 2 val images") && eval.contains("batch 2"), "data and B come from run.json: " + eval);
        assertEquals(2, Files.list(export.resolve("iters20").resolve("detections")).count());
    }
}
