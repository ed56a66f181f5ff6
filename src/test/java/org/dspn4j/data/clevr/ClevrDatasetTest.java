package org.dspn4j.data.clevr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClevrDatasetTest {

    @TempDir
    Path tmp;

    @Test
    void samplesComeInSceneOrderWithPillowImagesAndTargets() throws IOException {
        ClevrDataset boxes = ClevrDataset.open(Fixtures.mini(), "val", ClevrDataset.Target.BOXES, BoxFormula.AUTHORS);
        assertEquals(3, boxes.size());
        List<ClevrDataset.Sample> samples = boxes.stream().toList();
        assertEquals(List.of(0, 1, 15), samples.stream().map(ClevrDataset.Sample::imageIndex).toList());

        ClevrDataset.Sample s0 = samples.get(0);
        float[] expected = RgbImage.read(Fixtures.root().resolve("pil/CLEVR_val_000000_128x128.png")).toUnitFloats();
        assertArrayEquals(expected, s0.image());
        assertEquals(3 * 128 * 128, s0.image().length);
        Scene scene0 = boxes.scenes().get(0);
        assertTrue(java.util.Arrays.deepEquals(BoxHeuristic.encode(scene0, BoxFormula.AUTHORS), s0.target()));
        assertArrayEquals(new double[] {1, 1, 1, 1, 1, 0, 0, 0, 0, 0}, s0.mask());

        ClevrDataset states = ClevrDataset.open(Fixtures.mini(), "val", ClevrDataset.Target.STATES, BoxFormula.AUTHORS);
        ClevrDataset.Sample t2 = states.get(2);
        assertEquals(18, t2.target().length);
        assertTrue(java.util.Arrays.deepEquals(StateVector.encode(states.scenes().get(2)), t2.target()));
        assertArrayEquals(RgbImage.read(Fixtures.root().resolve("pil/CLEVR_val_000015_128x128.png")).toUnitFloats(),
                t2.image());
    }

    @Test
    void wrongLayoutNamesTheMissingPath() throws IOException {
        Path root = tmp.resolve("clevr");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> open(root));
        assertEquals(root.toString(), e.getFile());

        Files.createDirectories(root);
        e = assertThrows(NoSuchFileException.class, () -> open(root));
        assertEquals(root.resolve("scenes/CLEVR_val_scenes.json").toString(), e.getFile());
        assertTrue(e.getMessage().contains("scene file"), e.getMessage());

        Files.createDirectories(root.resolve("scenes"));
        Files.copy(Fixtures.miniScenes(), root.resolve("scenes/CLEVR_val_scenes.json"));
        e = assertThrows(NoSuchFileException.class, () -> open(root));
        assertEquals(root.resolve("images/val").toString(), e.getFile());

        Files.createDirectories(root.resolve("images/val"));
        ClevrDataset ds = open(root);
        e = assertThrows(NoSuchFileException.class, () -> ds.get(0));
        assertEquals(root.resolve("images/val/CLEVR_val_000000.png").toString(), e.getFile());
    }

    private static ClevrDataset open(Path root) throws IOException {
        return ClevrDataset.open(root, "val", ClevrDataset.Target.STATES, BoxFormula.AUTHORS);
    }
}
