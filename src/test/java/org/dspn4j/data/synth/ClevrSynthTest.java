package org.dspn4j.data.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.dspn4j.data.clevr.BoxFormula;
import org.dspn4j.data.clevr.ClevrDataset;
import org.dspn4j.data.clevr.RgbImage;
import org.dspn4j.data.clevr.Scene;
import org.dspn4j.data.clevr.SceneReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end: generated folders are CLEVR-shaped, readable by the loader, and identical for a seed. */
class ClevrSynthTest {

    @TempDir
    Path tmp;

    @Test
    void writesClevrLayoutDeterministically() throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        ClevrSynth.generate(a, "val", 3, 42, 1, null);
        ClevrSynth.generate(b, "val", 3, 42, 2, null);

        Path json = Path.of("scenes", "CLEVR_val_scenes.json");
        assertArrayEquals(Files.readAllBytes(a.resolve(json)), Files.readAllBytes(b.resolve(json)));
        for (int i = 0; i < 3; i++) {
            Path png = Path.of("images", "val", String.format("CLEVR_val_%06d.png", i));
            RgbImage ia = RgbImage.read(a.resolve(png));
            assertEquals(480, ia.width());
            assertEquals(320, ia.height());
            assertArrayEquals(ia.planes(), RgbImage.read(b.resolve(png)).planes(), "image " + i);
        }

        List<Scene> scenes = SceneReader.readAll(a.resolve(json));
        for (int i = 0; i < 3; i++) {
            assertEquals(ClevrSynth.sample("val", i, 42).scene(), scenes.get(i), "scene " + i + " round trip");
        }
        ClevrDataset ds = ClevrDataset.open(a, "val", ClevrDataset.Target.BOXES, BoxFormula.AUTHORS);
        assertEquals(3, ds.size());
        assertEquals(3 * 128 * 128, ds.get(2).image().length);
    }

    /**
     * Scenes are rendered a few at a time (four per thread ahead of the one written), still written in order: more
     * scenes than one thread's window, each as sampled, and progress counted one by one.
     */
    @Test
    void moreScenesThanRenderedAtATimeComeInOrder() throws IOException {
        Path a = tmp.resolve("a");
        List<Integer> done = new java.util.ArrayList<>();
        ClevrSynth.generate(a, "train", 6, 7, 1, done::add);
        assertEquals(List.of(1, 2, 3, 4, 5, 6), done);
        List<Scene> scenes = SceneReader.readAll(a.resolve("scenes").resolve("CLEVR_train_scenes.json"));
        assertEquals(6, scenes.size());
        for (int i = 0; i < 6; i++) {
            assertEquals(ClevrSynth.sample("train", i, 7).scene(), scenes.get(i), "scene " + i);
            assertEquals(true, Files.isRegularFile(a.resolve("images/train").resolve(scenes.get(i).imageFilename())));
        }
    }
}
