package org.dspn4j.data.clevr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a split must satisfy before training starts: scene files that parse, image names confined
 * to {@code images/<split>/}, at most {@link Slots#MAX_OBJECTS} objects, and images that
 * {@link ClevrDataset#checkImages()} finds present and well-formed.
 */
class SceneValidationTest {

    @TempDir
    Path tmp;

    private static final String OBJECT = "{\"shape\": \"cube\", \"size\": \"small\", \"material\": \"metal\", \"color\": \"gray\","
            + " \"rotation\": 1.5, \"3d_coords\": [1, 2, 0.35], \"pixel_coords\": [10, 20, 9.5]}";

    private static String scene(int index, String filename, int objects) {
        return "{\"image_index\": " + index + ", \"image_filename\": \"" + filename + "\", \"objects\": ["
                + String.join(", ", java.util.Collections.nCopies(objects, OBJECT))
                + "], \"directions\": {\"right\": [0.65, 0.75, 0]}}";
    }

    /** A split root with the mini fixture's images and the given scenes. */
    private Path split(String... scenes) throws IOException {
        Path root = tmp.resolve("clevr");
        Files.createDirectories(root.resolve("scenes"));
        Files.createDirectories(root.resolve("images/val"));
        for (String name : new String[] {"CLEVR_val_000000.png", "CLEVR_val_000001.png", "CLEVR_val_000015.png"}) {
            Files.copy(Fixtures.mini().resolve("images/val/" + name), root.resolve("images/val/" + name));
        }
        Files.writeString(root.resolve("scenes/CLEVR_val_scenes.json"), "{\"scenes\": [" + String.join(", ", scenes) + "]}");
        return root;
    }

    private static ClevrDataset open(Path root) throws IOException {
        return ClevrDataset.open(root, "val", ClevrDataset.Target.BOXES, BoxFormula.AUTHORS);
    }

    // ---------------------------------------------------------------- image_filename

    @ParameterizedTest
    @ValueSource(strings = {"../secret.png", "/etc/passwd", "a/../../secret.png", "..", ".", "", "./"})
    void imageFilenamesThatLeaveTheImageFolderAreRefusedAtOpen(String name) throws IOException {
        Path root = split(scene(0, "CLEVR_val_000000.png", 3), scene(1, name, 3));
        Files.copy(Fixtures.mini().resolve("images/val/CLEVR_val_000001.png"), root.resolve("images/secret.png"));
        ClevrFormatException e = assertThrows(ClevrFormatException.class, () -> open(root));
        Path scenes = root.resolve("scenes/CLEVR_val_scenes.json");
        assertEquals(1, e.sceneIndex());
        assertEquals("image_filename", e.field());
        assertTrue(e.getMessage().startsWith(scenes + ": scene 1: field 'image_filename': '" + name + "' is "), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"CLEVR_val_000001.png", "CLEVR_val_.png", "image.png", "CLEVR_val_0x1.png"})
    void aFileNameThatDoesNotCarryTheImageIndexIsRefusedAtOpen(String name) throws IOException {
        // the authors' preprocess-images.py reads the image's id after the file name's last '_' and data.py
        // looks the scene's image_index up among those ids: scene 1 below is image_index 15
        Path root = split(scene(0, "CLEVR_val_000000.png", 3), scene(15, name, 3));
        ClevrFormatException e = assertThrows(ClevrFormatException.class, () -> open(root));
        assertEquals(1, e.sceneIndex());
        assertEquals("image_filename", e.field());
        assertTrue(e.getMessage().contains("'" + name + "' "), e.getMessage());
        assertTrue(e.getMessage().contains("but the scene's image_index is 15"), e.getMessage());
    }

    @Test
    void theImageNumberIsReadAsTheAuthorsPreprocessingReadsIt() throws IOException {
        // int("000015") is 15; the number ends at the first '.' after the last '_'
        Path root = split(scene(0, "CLEVR_val_000000.png", 3), scene(15, "CLEVR_val_000015.png", 2));
        assertEquals(2, open(root).size());
    }

    @Test
    void namesThatStayInsideAreKept() throws IOException {
        Path root = split(scene(0, "sub/../CLEVR_val_000000.png", 3), scene(1, "./CLEVR_val_000001.png", 2));
        ClevrDataset ds = open(root);
        assertEquals(2, ds.checkImages());
        assertEquals(root.resolve("images/val/CLEVR_val_000000.png"), ds.imagePath(ds.scenes().get(0)));
        assertEquals(3 * 128 * 128, ds.get(1).image().length);
    }

    // ---------------------------------------------------------------- objects

    @Test
    void elevenObjectsAreRefusedAtOpenNamingTheScene() throws IOException {
        Path root = split(scene(0, "CLEVR_val_000000.png", 10), scene(7, "CLEVR_val_000001.png", 11));
        ClevrFormatException e = assertThrows(ClevrFormatException.class, () -> open(root));
        assertEquals(1, e.sceneIndex());
        assertEquals("objects", e.field());
        assertTrue(e.getMessage().startsWith(root.resolve("scenes/CLEVR_val_scenes.json")
                + ": scene 1: field 'objects': more than 10 objects; a CLEVR scene has at most 10 (the set size N)"
                + " (image_index 7)"), e.getMessage());
        assertInstanceOf(IllegalArgumentException.class, e, "the command line reports IllegalArgumentException as one line");
    }

    // ---------------------------------------------------------------- JSON damage

    @Test
    void truncationInsideASkippedFieldIsAClevrFormatException() throws IOException {
        // cut inside "relationships", which the reader skips without looking at
        String text = Files.readString(Fixtures.miniScenes());
        int cut = text.indexOf("\"relationships\"") + 40; // scene 0's
        Path f = Files.writeString(tmp.resolve("cut.json"), text.substring(0, cut));
        ClevrFormatException e = assertThrows(ClevrFormatException.class, () -> SceneReader.readAll(f));
        assertEquals(0, e.sceneIndex());
        assertTrue(e.getMessage().startsWith(f + ": scene 0: invalid JSON: Unexpected end-of-input"), e.getMessage());
        try (Stream<Scene> s = SceneReader.stream(f)) {
            e = assertThrows(ClevrFormatException.class, () -> s.toList());
            assertEquals(0, e.sceneIndex());
        }
    }

    @Test
    void invalidUtf8InASkippedFieldIsAClevrFormatException() throws IOException {
        byte[] text = Files.readAllBytes(Fixtures.miniScenes());
        int at = new String(text, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("\"license\"") + 12;
        text[at] = (byte) 0xff;
        Path f = Files.write(tmp.resolve("utf8.json"), text);
        ClevrFormatException e = assertThrows(ClevrFormatException.class, () -> SceneReader.readAll(f));
        assertTrue(e.getMessage().startsWith(f + ": invalid JSON: Invalid UTF-8 start byte 0xff"), e.getMessage());
    }

    @Test
    void numbersBeyondDoubleAreRefused() throws IOException {
        Path root = split(scene(0, "CLEVR_val_000000.png", 1).replace("[1, 2, 0.35]", "[1e999, 2, 0.35]"));
        ClevrFormatException e = assertThrows(ClevrFormatException.class, () -> open(root));
        assertEquals("objects[0].3d_coords[0]", e.field());
        assertTrue(e.getMessage().contains("number out of range: 1e999"), e.getMessage());
    }

    /** Scene 1 of a split, whose second object has {@code field} (as in OBJECT) set to {@code value}. */
    private Path withSecondObject(String from, String to) throws IOException {
        assertTrue(OBJECT.contains(from) || scene(1, "x", 0).contains(from), from);
        String bad = OBJECT.replace(from, to);
        String second = scene(1, "CLEVR_val_000001.png", 1).replace(OBJECT, OBJECT + ", " + bad);
        if (!OBJECT.contains(from)) {
            second = scene(1, "CLEVR_val_000001.png", 2).replace(from, to);
        }
        return split(scene(0, "CLEVR_val_000000.png", 1), second);
    }

    /**
     * Finite but absurd coordinates (1e308 in pixel_coords ended in an infinite Hungarian cost that
     * named no file) are refused when the scene file is read, naming the scene, the object and the
     * field; 1e6 in magnitude, the limit, is read.
     */
    @ParameterizedTest
    @ValueSource(strings = {"1e308", "-1e308", "1000000.5", "-1.0000001e6"})
    void coordinatesBeyondTheLimitAreRefusedNamingSceneObjectAndField(String value) throws IOException {
        String[][] cases = {
            {"[1, 2, 0.35]", "[1, " + value + ", 0.35]", "objects[1].3d_coords[1]"},
            {"[10, 20, 9.5]", "[" + value + ", 20, 9.5]", "objects[1].pixel_coords[0]"},
            {"[10, 20, 9.5]", "[10, 20, " + value + "]", "objects[1].pixel_coords[2]"},
        };
        for (String[] c : cases) {
            Path root = withSecondObject(c[0], c[1]);
            Path scenes = root.resolve("scenes/CLEVR_val_scenes.json");
            ClevrFormatException e = assertThrows(ClevrFormatException.class, () -> open(root));
            assertEquals(1, e.sceneIndex());
            assertEquals(c[2], e.field());
            assertTrue(e.getMessage().startsWith(scenes + ": scene 1: field '" + c[2] + "': " + value
                    + " is larger in magnitude than 1e6"), e.getMessage());
            deleteSplit(root);
        }
        Path root = withSecondObject("[0.65, 0.75, 0]", "[0.65, " + value + ", 0]");
        ClevrFormatException e = assertThrows(ClevrFormatException.class, () -> open(root));
        assertEquals("directions.right[1]", e.field());
        assertEquals(1, e.sceneIndex());
    }

    @Test
    void coordinatesAtTheLimitAreRead() throws IOException {
        Path root = withSecondObject("\"3d_coords\": [1, 2, 0.35], \"pixel_coords\": [10, 20, 9.5]",
                "\"3d_coords\": [1e6, -1e6, 0.35], \"pixel_coords\": [-1000000, 1e6, 9.5]");
        ClevrDataset ds = open(root);
        assertEquals(1e6, ds.scenes().get(1).objects().get(1).coords().x());
        assertEquals(-1e6, ds.scenes().get(1).objects().get(1).pixelCoords().x());
    }

    /**
     * A cube at y' = -10 (directions.right = [1, 0, 0], so y' = y) sits on a pole of the box heuristic,
     * which divides by 10 + y': its coordinates are within the limit, its box is infinite. The box task
     * refuses the scene when the file is opened, naming the scene and the object; the state task, which
     * draws no box, reads it.
     */
    @Test
    void aBoxThatIsNotFiniteIsRefusedAtOpenNamingSceneAndObject() throws IOException {
        Path root = split(scene(0, "CLEVR_val_000000.png", 1), scene(1, "CLEVR_val_000001.png", 1)
                .replace(OBJECT, OBJECT + ", " + OBJECT.replace("[1, 2, 0.35]", "[1, -10, 0.35]"))
                .replace("[0.65, 0.75, 0]", "[1, 0, 0]"));
        Path scenes = root.resolve("scenes/CLEVR_val_scenes.json");
        ClevrFormatException e = assertThrows(ClevrFormatException.class, () -> open(root));
        assertEquals(1, e.sceneIndex());
        assertEquals("objects[1]", e.field());
        assertTrue(e.getMessage().startsWith(scenes + ": scene 1: field 'objects[1]': its box (x_min, y_min, x_max, y_max) = ")
                && e.getMessage().contains("is not finite (image_index 1)"), e.getMessage());
        assertEquals(2, ClevrDataset.open(root, "val", ClevrDataset.Target.STATES, BoxFormula.AUTHORS).size());
    }

    private static void deleteSplit(Path root) throws IOException {
        try (var s = Files.walk(root)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    // ---------------------------------------------------------------- checkImages

    @Test
    void checkImagesAcceptsTheMiniSplit() throws IOException {
        assertEquals(3, open(Fixtures.mini()).checkImages());
    }

    @Test
    void checkImagesNamesAMissingImageAndItsScene() throws IOException {
        Path root = split(scene(0, "CLEVR_val_000000.png", 3), scene(4, "CLEVR_val_000004.png", 3));
        ClevrDataset ds = open(root);
        NoSuchFileException e = assertThrows(NoSuchFileException.class, ds::checkImages);
        assertEquals(root.resolve("images/val/CLEVR_val_000004.png").toString(), e.getFile());
        assertEquals(root.resolve("images/val/CLEVR_val_000004.png") + ": missing image of scene 1 (image_index 4) of "
                + root.resolve("scenes/CLEVR_val_scenes.json"), e.getMessage());
    }

    @Test
    void checkImagesNamesATruncatedImageAndItsScene() throws IOException {
        Path root = split(scene(0, "CLEVR_val_000000.png", 3), scene(1, "CLEVR_val_000001.png", 3),
                scene(15, "CLEVR_val_000015.png", 3));
        Path image = root.resolve("images/val/CLEVR_val_000015.png");
        byte[] png = Files.readAllBytes(image);
        Files.write(image, java.util.Arrays.copyOf(png, png.length - 100));
        ImageFormatException e = assertThrows(ImageFormatException.class, open(root)::checkImages);
        assertEquals(image, e.file());
        assertTrue(e.getMessage().startsWith(image + ": truncated or corrupt: the IDAT chunk at byte offset "), e.getMessage());
        assertTrue(e.getMessage().endsWith("; image of scene 2 (image_index 15) of " + root.resolve("scenes/CLEVR_val_scenes.json")),
                e.getMessage());
    }

    @Test
    void checkImagesRefusesAnOversizedImageWithoutDecodingIt() throws IOException {
        Path root = split(scene(0, "CLEVR_val_000000.png", 3));
        Path image = root.resolve("images/val/CLEVR_val_000000.png");
        byte[] png = PngLimitsTest.png(PngLimitsTest.ihdr(5000, 5000, 8, 6),
                PngLimitsTest.chunk("IDAT", PngLimitsTest.zlib(new byte[16])), PngLimitsTest.chunk("IEND", new byte[0]));
        Files.write(image, png);
        ImageFormatException e = assertThrows(ImageFormatException.class, open(root)::checkImages);
        assertTrue(e.getMessage().startsWith(image + ": 5000 x 5000 pixels is more than the limit of 16,777,216 pixels"),
                e.getMessage());
    }

    @Test
    void scenesBuiltInCodeCannotLeaveTheImageFolderEither() throws IOException {
        ClevrDataset ds = open(Fixtures.mini());
        Scene s = ds.scenes().get(0);
        Scene outside = new Scene(s.split(), s.imageIndex(), "../../scenes/CLEVR_val_scenes.json", s.objects(), s.directions());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ds.image(outside));
        assertTrue(e.getMessage().contains("leads outside"), e.getMessage());
        assertEquals(List.of(0, 1, 15), ds.scenes().stream().map(Scene::imageIndex).toList());
    }
}
