package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dspn4j trace} on a CLEVR-state DSPN with the image encoder: images in, every intermediate
 * and the batch-norm running statistics after the step out, under the authors' names. (The numbers
 * are checked against PyTorch by ConvEncoderGoldenTest and GoldenModelsTest; this test checks the
 * interface.) Small: batch 2, 65×65 images, H = 8, D = 8, T = 2.
 */
class TraceClevrTest {
    @Test
    void clevrStateTraceWritesEveryIntermediateAndTheRunningStatistics(@TempDir Path dir) throws Exception {
        Random r = new Random(4);
        int b = 2;
        int n = 3;
        double[] images = new double[b * 3 * 65 * 65];
        for (int i = 0; i < images.length; i++) {
            images[i] = r.nextDouble();
        }
        double[] set = new double[b * 18 * n];
        double[] mask = {1, 1, 0, 1, 0, 0};
        for (int i = 0; i < set.length; i++) {
            set[i] = r.nextDouble();
        }
        Map<String, NdArray> in = new LinkedHashMap<>();
        in.put("images", NdArray.of(images, b, 3, 65, 65));
        in.put("target_set", NdArray.of(set, b, 18, n));
        in.put("target_mask", NdArray.of(mask, b, n));
        Path input = dir.resolve("in.npz");
        Npz.write(input, in);
        Path w = dir.resolve("w.npz");
        assertEquals(0, Main.run("export-weights", "--model", "clevr-state", "--latent", "8", "--hidden", "8",
                "--set-size", "3", "--dtype", "f64", "--seed", "5", "--out", w.toString()));
        Path out = dir.resolve("trace.npz");
        assertEquals(0, Main.run("trace", "--model", "clevr-state", "--weights", w.toString(), "--input", input.toString(),
                "--out", out.toString(), "--iters", "2", "--dtype", "f64"));
        Map<String, NdArray> t = Npz.read(out);
        assertArrayEquals(new int[] {3, b, 18, n}, t.get("sets").shape());
        assertArrayEquals(new int[] {3, b, n}, t.get("masks").shape());
        assertArrayEquals(new int[] {2}, t.get("inner_losses").shape());
        assertArrayEquals(new int[] {b, 8}, t.get("z").shape());
        assertArrayEquals(new int[] {1}, t.get("set_loss").shape()); // Hungarian on the final set only
        assertTrue(t.containsKey("grad/input_encoder.layers.0.weight"));
        assertTrue(t.containsKey("grad/set_decoder.starting_set"));
        NdArray before = Npz.read(w).get("input_encoder.layers.1.running_mean");
        NdArray after = t.get("buffer_after/input_encoder.layers.1.running_mean");
        assertArrayEquals(before.shape(), after.shape());
        boolean moved = false;
        for (int i = 0; i < after.size(); i++) {
            moved |= before.getDouble(i) != after.getDouble(i);
        }
        assertTrue(moved, "the training step updates the batch-norm running mean");
        assertEquals(1L, (long) t.get("buffer_after/input_encoder.layers.1.num_batches_tracked").getDouble(0));
    }
}
