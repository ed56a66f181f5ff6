package org.dspn4j.data.clevr;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.CharConversionException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import org.dspn4j.text.JsonErrors;

/**
 * Reads a CLEVR v1.0 scene file ({@code scenes/CLEVR_<split>_scenes.json}; schema in {@link org.dspn4j.data.clevr})
 * one scene at a time with Jackson's streaming parser, so the 100 MB train file is never held as a
 * JSON tree. Scenes come out in file order.
 *
 * <p>Top-level keys other than {@code scenes} ({@code info}) and scene/object keys this layer does
 * not use ({@code relationships}, unknown extensions) are skipped. Every field listed in
 * {@link Scene} and {@link ClevrObject} is required except the scene's {@code split}; a missing or
 * malformed one raises {@link ClevrFormatException} naming the file, the scene and the field. So do
 * invalid or truncated JSON (the whole file is parsed, the keys after {@code scenes} too), a duplicate
 * key in any object, anything after the top-level object, numbers that overflow a double, a coordinate ({@code 3d_coords},
 * {@code pixel_coords}, {@code directions}) beyond ±{@link #MAX_COORDINATE}, a scene with more than
 * {@link Slots#MAX_OBJECTS} objects, and an {@code image_filename} that is absolute or leaves
 * {@code images/<split>/} ({@code ../x.png}). {@link ClevrFormatException} is the only exception the
 * iterator and the stream throw.
 */
public final class SceneReader implements Iterator<Scene>, Closeable {

    /**
     * Duplicate keys are refused: Python's {@code json} (the authors' loader) keeps the last of them,
     * a streaming reader sees the first, so a file with two {@code objects} or {@code scenes} would
     * mean different scenes to the two.
     */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    /**
     * The largest magnitude of a coordinate of {@code 3d_coords}, {@code pixel_coords} or a
     * {@code directions} vector: 10^6. CLEVR's {@code pixel_coords} lie within the 480 × 320 image
     * (and a depth of about 15), its {@code 3d_coords} within a few units of the origin, its directions
     * are unit vectors; 10^6 admits all of them with room to spare (2,000 image widths), while the
     * values derived from them stay finite: the state divides them by 3 ({@link StateVector}), the box
     * heuristic multiplies a few of them ({@link BoxHeuristic}: below 10^25 pixels, except near the
     * poles of its divisions, which {@link ClevrDataset#open} refuses), so the set losses' costs stay
     * far below the 2^100 the Hungarian assignment accepts.
     */
    public static final double MAX_COORDINATE = 1e6;

    private final Path file;
    private final JsonParser p;
    private int nextScene;
    private Scene lookahead;
    private boolean finished;
    // context for error messages
    private int sceneIndex = -1;
    private int imageIndex = -1;

    private SceneReader(Path file, JsonParser p) {
        this.file = file;
        this.p = p;
    }

    // ------------------------------------------------------------------ public API

    /**
     * Opens {@code file} and positions the reader at the first scene.
     *
     * @throws IOException          if the file cannot be read
     * @throws ClevrFormatException if the file has no top-level {@code scenes} array
     */
    public static SceneReader open(Path file) throws IOException {
        JsonParser p;
        try {
            p = FACTORY.createParser(file.toFile());
        } catch (JsonProcessingException | CharConversionException e) {
            throw new ClevrFormatException(file, -1, null, "invalid JSON: " + JsonErrors.messageOf(e), e);
        }
        SceneReader r = new SceneReader(file, p);
        try {
            r.seekScenes();
        } catch (JsonProcessingException | CharConversionException e) {
            p.close();
            throw r.fail(null, "invalid JSON: " + JsonErrors.messageOf(e), e);
        } catch (IOException | RuntimeException e) {
            p.close();
            throw e;
        }
        return r;
    }

    /** Reads every scene of {@code file}, in file order. */
    public static List<Scene> readAll(Path file) throws IOException {
        List<Scene> out = new ArrayList<>();
        try (SceneReader r = open(file)) {
            r.forEachRemaining(out::add);
        }
        return out;
    }

    /**
     * Streams the scenes of {@code file} in file order; close the stream to close the file.
     * Every problem while streaming, a read error included, surfaces as a
     * {@link ClevrFormatException}.
     */
    public static Stream<Scene> stream(Path file) throws IOException {
        SceneReader r = open(file);
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(r,
                Spliterator.ORDERED | Spliterator.NONNULL), false).onClose(r::closeQuietly);
    }

    @Override
    public boolean hasNext() {
        if (lookahead == null && !finished) {
            try {
                lookahead = readNext();
            } catch (JsonProcessingException | CharConversionException e) {
                throw fail(null, "invalid JSON: " + JsonErrors.messageOf(e), e);
            } catch (IOException e) {
                throw fail(null, "cannot read the file: " + e.getMessage(), e);
            }
        }
        return lookahead != null;
    }

    @Override
    public Scene next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Scene s = lookahead;
        lookahead = null;
        return s;
    }

    @Override
    public void close() throws IOException {
        finished = true;
        p.close();
    }

    private void closeQuietly() {
        try {
            close();
        } catch (IOException e) {
            throw fail(null, "cannot close the file: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ top level

    private void seekScenes() throws IOException {
        if (token() != JsonToken.START_OBJECT) {
            throw fail(null, "expected a JSON object at the top level");
        }
        JsonToken t;
        while ((t = token()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = token();
            if (name.equals("scenes")) {
                if (v != JsonToken.START_ARRAY) {
                    throw fail("scenes", "expected an array, got " + describe(v));
                }
                return;
            }
            p.skipChildren();
        }
        throw fail("scenes", t == JsonToken.END_OBJECT ? "missing top-level 'scenes' array" : "unexpected " + describe(t));
    }

    /** @return the next scene, or null after the end of the {@code scenes} array */
    private Scene readNext() throws IOException {
        JsonToken t = token();
        if (t == JsonToken.END_ARRAY) {
            finishTopLevel();
            close();
            return null;
        }
        sceneIndex = nextScene++;
        imageIndex = -1;
        if (t != JsonToken.START_OBJECT) {
            throw fail(null, "expected a scene object, got " + describe(t));
        }
        return readScene();
    }

    /**
     * After the {@code scenes} array: the rest of the top-level object, parsed and skipped, and then
     * the end of the file, as {@code json.load} requires (it refuses a file cut inside the closing
     * keys, and "Extra data" after the object).
     */
    private void finishTopLevel() throws IOException {
        sceneIndex = -1;
        imageIndex = -1;
        while (token() == JsonToken.FIELD_NAME) {
            token();
            p.skipChildren();
        }
        JsonToken after;
        try {
            after = p.nextToken();
        } catch (JsonProcessingException e) {
            throw fail(null, "invalid JSON after the top-level object: " + JsonErrors.messageOf(e), e);
        }
        if (after != null) {
            throw fail(null, describe(after) + " after the top-level object, where the file should end");
        }
    }

    // ------------------------------------------------------------------ scene, object, directions

    private Scene readScene() throws IOException {
        String split = null;
        String filename = null;
        boolean hasIndex = false;
        List<ClevrObject> objects = null;
        Map<String, Vec3> directions = null;
        JsonToken t;
        while ((t = token()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = token();
            switch (name) {
                case "split" -> split = string(v, "split");
                case "image_index" -> {
                    imageIndex = integer(v, "image_index");
                    hasIndex = true;
                }
                case "image_filename" -> filename = imageFilename(string(v, "image_filename"));
                case "objects" -> objects = readObjects(v);
                case "directions" -> directions = readDirections(v);
                default -> p.skipChildren();
            }
        }
        expectEndObject(t, null);
        if (!hasIndex) {
            throw fail("image_index", "missing");
        }
        if (filename == null) {
            throw fail("image_filename", "missing");
        }
        if (objects == null) {
            throw fail("objects", "missing");
        }
        if (directions == null) {
            throw fail("directions", "missing");
        }
        return new Scene(split, imageIndex, filename, objects, directions);
    }

    private List<ClevrObject> readObjects(JsonToken v) throws IOException {
        if (v != JsonToken.START_ARRAY) {
            throw fail("objects", "expected an array, got " + describe(v));
        }
        List<ClevrObject> out = new ArrayList<>();
        JsonToken t;
        while ((t = token()) != JsonToken.END_ARRAY) {
            if (out.size() == Slots.MAX_OBJECTS) {
                throw fail("objects", "more than " + Slots.MAX_OBJECTS + " objects; a CLEVR scene has at most "
                        + Slots.MAX_OBJECTS + " (the set size N)");
            }
            String where = "objects[" + out.size() + "]";
            if (t != JsonToken.START_OBJECT) {
                throw fail(where, "expected an object, got " + describe(t));
            }
            out.add(readObject(where));
        }
        return out;
    }

    private ClevrObject readObject(String where) throws IOException {
        Vec3 coords = null;
        Vec3 pixel = null;
        Double rotation = null;
        Shape shape = null;
        Color color = null;
        Material material = null;
        Size size = null;
        JsonToken t;
        while ((t = token()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            String field = where + "." + name;
            JsonToken v = token();
            switch (name) {
                case "3d_coords" -> coords = vec3(v, field);
                case "pixel_coords" -> pixel = vec3(v, field);
                case "rotation" -> rotation = number(v, field);
                case "shape" -> shape = vocabulary(Shape.fromJson(string(v, field)), field);
                case "color" -> color = vocabulary(Color.fromJson(string(v, field)), field);
                case "material" -> material = vocabulary(Material.fromJson(string(v, field)), field);
                case "size" -> size = vocabulary(Size.fromJson(string(v, field)), field);
                default -> p.skipChildren();
            }
        }
        expectEndObject(t, where);
        require(coords, where + ".3d_coords");
        require(pixel, where + ".pixel_coords");
        require(rotation, where + ".rotation");
        require(shape, where + ".shape");
        require(color, where + ".color");
        require(material, where + ".material");
        require(size, where + ".size");
        return new ClevrObject(coords, pixel, rotation, shape, color, material, size);
    }

    private Map<String, Vec3> readDirections(JsonToken v) throws IOException {
        if (v != JsonToken.START_OBJECT) {
            throw fail("directions", "expected an object, got " + describe(v));
        }
        Map<String, Vec3> out = new LinkedHashMap<>();
        JsonToken t;
        while ((t = token()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            out.put(name, vec3(token(), "directions." + name));
        }
        expectEndObject(t, "directions");
        require(out.get("right"), "directions.right");
        return out;
    }

    // ------------------------------------------------------------------ values

    private Vec3 vec3(JsonToken v, String field) throws IOException {
        if (v != JsonToken.START_ARRAY) {
            throw fail(field, "expected an array of 3 numbers, got " + describe(v));
        }
        double[] a = new double[3];
        int n = 0;
        JsonToken t;
        while ((t = token()) != JsonToken.END_ARRAY) {
            if (n == 3) {
                throw fail(field, "expected an array of 3 numbers, got more");
            }
            a[n++] = number(t, field + "[" + (n - 1) + "]");
            if (Math.abs(a[n - 1]) > MAX_COORDINATE) {
                throw fail(field + "[" + (n - 1) + "]", shorten(p.getText()) + " is larger in magnitude than 1e6, the most a coordinate may have "
                        + "(CLEVR's pixel_coords lie within the 480 x 320 image, its 3d_coords within a few units of the "
                        + "origin, its directions are unit vectors)");
            }
        }
        if (n != 3) {
            throw fail(field, "expected an array of 3 numbers, got " + n);
        }
        return new Vec3(a[0], a[1], a[2]);
    }

    private double number(JsonToken v, String field) throws IOException {
        if (v != JsonToken.VALUE_NUMBER_INT && v != JsonToken.VALUE_NUMBER_FLOAT) {
            throw fail(field, "expected a number, got " + describe(v));
        }
        double d = p.getDoubleValue();
        if (!Double.isFinite(d)) {
            throw fail(field, "number out of range: " + shorten(p.getText()));
        }
        return d;
    }

    /**
     * An {@code image_filename} must name a file inside {@code images/<split>/}: relative, and
     * still inside after {@code ..} and {@code .} are resolved (CLEVR's are plain names such as
     * {@code CLEVR_val_000000.png}).
     */
    private String imageFilename(String name) {
        String problem = null;
        try {
            Path path = Path.of(name);
            Path normal = path.normalize();
            if (path.isAbsolute() || path.getRoot() != null) {
                problem = "an absolute path";
            } else if (normal.toString().isEmpty() || normal.startsWith("..")) {
                problem = "a path that leaves the image folder";
            }
        } catch (java.nio.file.InvalidPathException e) {
            problem = "not a valid file name (" + e.getReason() + ")";
        }
        if (problem != null) {
            throw fail("image_filename", "'" + shorten(name) + "' is " + problem
                    + "; it must name a file inside images/<split>/");
        }
        return name;
    }

    private int integer(JsonToken v, String field) throws IOException {
        if (v != JsonToken.VALUE_NUMBER_INT) {
            throw fail(field, "expected an integer, got " + describe(v));
        }
        if (p.getNumberType() != JsonParser.NumberType.INT) {
            throw fail(field, "integer out of range: " + shorten(p.getText()));
        }
        return p.getIntValue();
    }

    private String string(JsonToken v, String field) throws IOException {
        if (v != JsonToken.VALUE_STRING) {
            throw fail(field, "expected a string, got " + describe(v));
        }
        return p.getText();
    }

    private <T> T vocabulary(T value, String field) throws IOException {
        if (value == null) {
            throw fail(field, "unknown value '" + shorten(p.getText()) + "'");
        }
        return value;
    }

    private void require(Object value, String field) {
        if (value == null) {
            throw fail(field, "missing");
        }
    }

    private void expectEndObject(JsonToken t, String field) throws IOException {
        if (t != JsonToken.END_OBJECT) {
            throw fail(field, "unexpected " + describe(t));
        }
    }

    // ------------------------------------------------------------------ tokens and errors

    /** Next token; a truncated file or broken JSON becomes a {@link ClevrFormatException}. */
    private JsonToken token() throws IOException {
        JsonToken t;
        try {
            t = p.nextToken();
        } catch (JsonProcessingException e) {
            throw fail(null, "invalid JSON: " + JsonErrors.messageOf(e), e);
        }
        if (t == null) {
            throw fail(null, "unexpected end of file");
        }
        return t;
    }

    private String describe(JsonToken t) throws IOException {
        if (t == null) {
            return "end of file";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case END_OBJECT, END_ARRAY -> "the end of the enclosing value";
            case VALUE_NULL -> "null";
            case VALUE_STRING -> "the string '" + shorten(p.getText()) + "'";
            default -> shorten(p.getText());
        };
    }

    /** A value quoted in a message: at most 80 characters. */
    private static String shorten(String text) {
        return text == null || text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }

    private ClevrFormatException fail(String field, String message) {
        return fail(field, message, null);
    }

    private ClevrFormatException fail(String field, String message, Throwable cause) {
        var loc = p.currentTokenLocation();
        String context = (imageIndex >= 0 ? " (image_index " + imageIndex + ")" : "")
                + " [line " + loc.getLineNr() + ", column " + loc.getColumnNr() + "]";
        return new ClevrFormatException(file, sceneIndex, field, message + context, cause);
    }
}
