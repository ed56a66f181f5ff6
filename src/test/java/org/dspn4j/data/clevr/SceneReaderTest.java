package org.dspn4j.data.clevr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SceneReaderTest {

    @TempDir
    Path tmp;

    @Test
    void readsTheFixtureInFileOrder() throws IOException {
        List<Scene> scenes = Fixtures.miniSceneList();
        assertEquals(3, scenes.size());
        assertEquals(List.of(0, 1, 15), scenes.stream().map(Scene::imageIndex).toList());

        Scene s = scenes.get(0); // the real CLEVR_val_000000 (src/test/resources/clevr/README.md)
        assertEquals("val", s.split());
        assertEquals("CLEVR_val_000000.png", s.imageFilename());
        assertEquals(5, s.objects().size());
        ClevrObject o = s.objects().get(0);
        assertEquals(new Vec3(-1.4937210083007812, -1.9936031103134155, 0.699999988079071), o.coords());
        assertEquals(new Vec3(119, 131, 10.801968574523926), o.pixelCoords());
        assertEquals(178.92387258999463, o.rotation());
        assertEquals(Shape.CYLINDER, o.shape());
        assertEquals(Color.BROWN, o.color());
        assertEquals(Material.RUBBER, o.material());
        assertEquals(Size.LARGE, o.size());
        assertEquals(new Vec3(0.6563112735748291, 0.7544902563095093, -0.0), s.right());
        assertEquals(List.of("behind", "front", "left", "right", "above", "below"), List.copyOf(s.directions().keySet()));

        Scene g = scenes.get(2); // written by the synthetic generator, with relationships and synth_render keys
        assertEquals(10, g.objects().size());
        assertEquals("CLEVR_val_000015.png", g.imageFilename());
    }

    @Test
    void splitIsOptionalAndUnknownKeysAreSkipped() throws IOException {
        Path f = write("{\"scenes\": [{\"extra\": {\"a\": [1, {\"b\": null}]}, \"image_index\": 4, \"image_filename\": \"x.png\","
                + " \"objects\": [], \"directions\": {\"right\": [1, 0, 0]}}], \"info\": {\"version\": \"1.0\"}}");
        Scene s = SceneReader.readAll(f).get(0);
        assertNull(s.split());
        assertEquals(4, s.imageIndex());
        assertEquals(List.of(), s.objects());
    }

    @Test
    void streamIsLazyAndCloses() throws IOException {
        try (Stream<Scene> st = SceneReader.stream(Fixtures.miniScenes())) {
            assertEquals(1, st.skip(1).findFirst().orElseThrow().imageIndex());
        }
    }

    /** One valid scene, then the broken one (scene 1), so errors must name the right scene. */
    private static final String GOOD = "{\"image_index\": 0, \"image_filename\": \"CLEVR_val_000000.png\", \"objects\": [{"
            + "\"shape\": \"cube\", \"size\": \"small\", \"material\": \"metal\", \"color\": \"gray\", \"rotation\": 1.5,"
            + " \"3d_coords\": [1, 2, 0.35], \"pixel_coords\": [10, 20, 9.5]}], \"directions\": {\"right\": [0.65, 0.75, 0]}}";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "missing shape        | \"shape\": \"cube\",                    |                                   | objects[0].shape",
        "unknown colour       | \"color\": \"gray\"                     | \"color\": \"pink\"                | objects[0].color",
        "coords as string     | \"3d_coords\": [1, 2, 0.35]             | \"3d_coords\": \"1 2 0.35\"        | objects[0].3d_coords",
        "two coords           | \"3d_coords\": [1, 2, 0.35]             | \"3d_coords\": [1, 2]              | objects[0].3d_coords",
        "four pixel coords    | \"pixel_coords\": [10, 20, 9.5]         | \"pixel_coords\": [10, 20, 9.5, 1] | objects[0].pixel_coords",
        "null rotation        | \"rotation\": 1.5                       | \"rotation\": null                 | objects[0].rotation",
        "string in coords     | \"3d_coords\": [1, 2, 0.35]             | \"3d_coords\": [1, \"2\", 0.35]    | objects[0].3d_coords[1]",
        "fractional index     | \"image_index\": 0                      | \"image_index\": 0.5               | image_index",
        "missing index        | \"image_index\": 0,                     |                                   | image_index",
        "missing right        | \"right\": [0.65, 0.75, 0]              | \"left\": [0.65, 0.75, 0]          | directions.right",
        "objects not an array | \"objects\": [{                         | \"objects\": {\"a\": {             | objects",
    })
    void malformedFieldsNameFileSceneAndField(String name, String from, String to, String field) throws IOException {
        String bad = GOOD.replace(from, to == null ? "" : to);
        Path f = write("{\"info\": {}, \"scenes\": [" + GOOD + ", " + bad + "]}");
        ClevrFormatException e = assertThrows(ClevrFormatException.class, () -> SceneReader.readAll(f));
        assertEquals(1, e.sceneIndex(), e.getMessage());
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith(f.toString() + ": scene 1: field '" + field + "'"), e.getMessage());
    }

    @Test
    void truncatedAndNonSceneFilesAreRejected() throws IOException {
        Path truncated = write("{\"scenes\": [" + GOOD.substring(0, 60));
        ClevrFormatException e = assertThrows(ClevrFormatException.class, () -> SceneReader.readAll(truncated));
        assertEquals(0, e.sceneIndex());
        assertTrue(e.getMessage().contains("end of file") || e.getMessage().contains("invalid JSON"), e.getMessage());

        Path noScenes = write("{\"info\": {\"split\": \"val\"}}");
        e = assertThrows(ClevrFormatException.class, () -> SceneReader.readAll(noScenes));
        assertEquals("scenes", e.field());
        assertTrue(e.getMessage().contains(noScenes.toString()));

        Path notJson = write("scenes: []");
        assertThrows(ClevrFormatException.class, () -> SceneReader.readAll(notJson));
    }

    private Path write(String json) throws IOException {
        return Files.writeString(Files.createTempFile(tmp, "scenes", ".json"), json);
    }
}
