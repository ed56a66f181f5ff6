package org.dspn4j.data.clevr;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * CLEVR v1.0 (or the synthetic look-alike) as (image, target set, mask) samples in scene-file order
 * (the authors' {@code dspn/data.py:CLEVR} at be3703b; docs/reference-behaviour.md §6).
 *
 * <p>Expected layout under {@code root}, identical to the CLEVR v1.0 download:
 * <pre>
 *   root/scenes/CLEVR_&lt;split&gt;_scenes.json
 *   root/images/&lt;split&gt;/&lt;image_filename of each scene&gt;
 * </pre>
 * The scene file is read once with the streaming parser and kept as {@link Scene} records (a few
 * hundred bytes per object); images are read and resized on demand. Sample {@code i} is the
 * {@code i}-th scene of the file, and its image is the scene's {@code image_filename}. The authors pair a
 * scene with the image whose file name carries its {@code image_index} (the number after the last
 * {@code _}, {@code dspn/preprocess-images.py:CLEVR_Images._find_images}, looked up by
 * {@code dspn/data.py:CLEVR.load_image}); {@link #open} refuses a scene whose file name carries another
 * number, so both pairings give the same image.
 *
 * <p>Not reproduced here: the authors evaluate on the first 1/10 of val during training and use
 * {@code drop_last} batching ({@code CLEVR.__len__}, {@code dspn/data.py:get_loader}); both belong to the experiment layer.
 */
public final class ClevrDataset {

    /** What the target set describes. */
    public enum Target {
        /** 4-channel heuristic boxes ({@link BoxHeuristic}). */
        BOXES,
        /** 18-channel object states ({@link StateVector}). */
        STATES
    }

    /**
     * One sample.
     *
     * @param imageIndex the scene's {@code image_index}
     * @param image      (3, 128, 128) floats in [0, 1], row-major ({@code c*128*128 + y*128 + x})
     * @param target     (C, N = 10) channels-first target set, C = 4 (boxes) or 18 (states)
     * @param mask       (N = 10): 1 for real objects, 0 for padding
     */
    public record Sample(int imageIndex, float[] image, double[][] target, double[] mask) {
    }

    private final Path imageDir;
    private final Path scenesFile;
    private final Target target;
    private final BoxFormula boxFormula;
    private final List<Scene> scenes;

    private ClevrDataset(Path imageDir, Path scenesFile, Target target, BoxFormula boxFormula, List<Scene> scenes) {
        this.imageDir = imageDir;
        this.scenesFile = scenesFile;
        this.target = target;
        this.boxFormula = boxFormula;
        this.scenes = scenes;
    }

    /**
     * Opens a split and reads its scene file.
     *
     * @param split      {@code train} or {@code val} (any name with a scene file works; {@code test} has none)
     * @param boxFormula the box heuristic variant; ignored for {@link Target#STATES}
     * <p>The whole scene file is read and checked here (see {@link SceneReader}: schema, at most
     * {@link Slots#MAX_OBJECTS} objects a scene, image file names confined to
     * {@code images/<split>/}); the images are not opened. Call {@link #checkImages()} to check
     * them too before a long run.
     *
     * @throws NoSuchFileException  naming the first missing path of the expected layout ({@link FileSystemException}
     *     where it exists but is a file instead of a folder or the other way round)
     * @throws ClevrFormatException if the scene file breaks the schema, or (for {@link Target#BOXES}) a
     *     scene's box is not finite or beyond {@link BoxHeuristic#MAX_PIXELS}
     */
    public static ClevrDataset open(Path root, String split, Target target, BoxFormula boxFormula) throws IOException {
        if (!Files.isDirectory(root)) {
            throw absent(root, "CLEVR root folder", true);
        }
        Path scenesFile = scenesFile(root, split);
        if (!Files.isRegularFile(scenesFile)) {
            throw absent(scenesFile, "scene file of the " + split + " split" + layout(split), false);
        }
        Path imageDir = root.resolve("images").resolve(split);
        if (!Files.isDirectory(imageDir)) {
            throw absent(imageDir, "image folder of the " + split + " split" + layout(split), true);
        }
        List<Scene> scenes = SceneReader.readAll(scenesFile);
        checkPairing(scenesFile, scenes);
        if (target == Target.BOXES) {
            checkBoxes(scenesFile, scenes, boxFormula);
        }
        return new ClevrDataset(imageDir, scenesFile, target, boxFormula, scenes);
    }

    /**
     * Refuses a scene whose heuristic box ({@link BoxHeuristic#pixelBox}) is not finite or larger in
     * magnitude than {@link BoxHeuristic#MAX_PIXELS}: the heuristic divides by {@code 10 + y'} and
     * {@code 9.4 + y'} (y' the rotated depth), so coordinates within {@link SceneReader#MAX_COORDINATE}
     * can still give an infinite box, which would reach the set loss as an infinite cost.
     */
    static void checkBoxes(Path scenesFile, List<Scene> scenes, BoxFormula boxFormula) {
        for (int i = 0; i < scenes.size(); i++) {
            Scene s = scenes.get(i);
            for (int j = 0; j < s.objects().size(); j++) {
                double[] b = BoxHeuristic.pixelBox(s.objects().get(j), s.right(), boxFormula);
                for (double v : b) {
                    if (!(Math.abs(v) <= BoxHeuristic.MAX_PIXELS)) {
                        throw new ClevrFormatException(scenesFile, i, "objects[" + j + "]", "its box (x_min, y_min, "
                                + "x_max, y_max) = " + java.util.Arrays.toString(b) + " pixels, from its 3d_coords, "
                                + "pixel_coords and the scene's directions.right, is " + (Double.isFinite(v) ? "larger in "
                                + "magnitude than 1e25 pixels" : "not finite") + " (image_index " + s.imageIndex() + ")",
                                null);
                    }
                }
            }
        }
    }

    /**
     * Refuses a scene whose {@code image_filename} does not carry its {@code image_index} the way the authors'
     * preprocessing reads it: the text after the file name's last {@code _} and before the first {@code .} that
     * follows, as an integer ({@code CLEVR_val_000015.png} is image 15). The authors' code looks a scene's image
     * up by that number, this loader by the name; where they disagree the two would train on other images.
     */
    static void checkPairing(Path scenesFile, List<Scene> scenes) {
        for (int i = 0; i < scenes.size(); i++) {
            Scene s = scenes.get(i);
            Path name = Path.of(s.imageFilename()).getFileName();
            String n = name == null ? "" : name.toString();
            String id = n.substring(n.lastIndexOf('_') + 1);
            int dot = id.indexOf('.');
            id = (dot < 0 ? id : id.substring(0, dot)).strip();
            Long parsed = id.matches("[+-]?[0-9]{1,18}") ? Long.parseLong(id) : null;
            if (parsed == null || parsed != s.imageIndex()) {
                throw new ClevrFormatException(scenesFile, i, "image_filename", "'" + s.imageFilename() + "' "
                        + (parsed == null ? "carries no image number after its last '_'" : "is image " + parsed)
                        + ", but the scene's image_index is " + s.imageIndex() + " (the authors' code pairs a scene with "
                        + "the image whose file name carries its image_index, CLEVR_<split>_<image_index>.png)", null);
            }
        }
    }

    /** @return {@code root/scenes/CLEVR_<split>_scenes.json} */
    public static Path scenesFile(Path root, String split) {
        return root.resolve("scenes").resolve("CLEVR_" + split + "_scenes.json");
    }

    /** @return the number of scenes */
    public int size() {
        return scenes.size();
    }

    /** @return the scenes, in file order (unmodifiable) */
    public List<Scene> scenes() {
        return scenes;
    }

    /**
     * @return sample {@code i}: reads and resizes its image
     * @throws NoSuchFileException naming the image path when it is missing
     */
    public Sample get(int i) throws IOException {
        Scene s = scenes.get(i);
        double[][] t = target == Target.BOXES ? BoxHeuristic.encode(s, boxFormula) : StateVector.encode(s);
        return new Sample(s.imageIndex(), image(s), t, Slots.mask(s));
    }

    /** @return all samples in scene order, lazily; I/O errors surface as {@link UncheckedIOException} */
    public Stream<Sample> stream() {
        return IntStream.range(0, size()).mapToObj(i -> {
            try {
                return get(i);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** @return the scene's image as (3, 128, 128) floats in [0, 1] (Pillow bilinear resize, then /255) */
    public float[] image(Scene s) throws IOException {
        Path file = imagePath(s);
        if (!Files.isRegularFile(file)) {
            throw notAFile(file, "image of scene image_index " + s.imageIndex());
        }
        return RgbImage.read(file).resizeBilinear(RgbImage.NETWORK_SIZE, RgbImage.NETWORK_SIZE).toUnitFloats();
    }

    /** @return the split's image folder, {@code root/images/<split>/} */
    public Path imageDir() {
        return imageDir;
    }

    /**
     * @return the scene's image file, {@code root/images/<split>/<image_filename>}
     * @throws IllegalArgumentException if the name leads outside the image folder (a scene read by
     *     {@link SceneReader} never does; this guards scenes built in code)
     */
    public Path imagePath(Scene s) {
        Path file = imageDir.resolve(s.imageFilename()).normalize();
        if (!file.startsWith(imageDir.normalize()) || file.equals(imageDir.normalize())) {
            throw new IllegalArgumentException(scenesFile + ": image_filename '" + s.imageFilename() + "' of image_index "
                    + s.imageIndex() + " leads outside " + imageDir);
        }
        return file;
    }

    /**
     * Checks every scene's image without decoding it ({@link RgbImage#checkHeader}): present, a PNG
     * of at most {@link RgbImage#MAX_PIXELS} pixels and a supported sample format, whose chunks lie
     * inside the file up to its end. Meant to run once before training, so that a missing,
     * truncated or oversized image is reported at once rather than epochs later; it reads a few
     * dozen bytes per PNG chunk, not the pixel data, so corrupt
     * compressed data still only shows when the image is decoded.
     *
     * @return the number of images checked (one per scene)
     * @throws NoSuchFileException   naming a missing image, and its scene
     * @throws ImageFormatException  naming the first bad image, and its scene
     */
    public int checkImages() throws IOException {
        for (int i = 0; i < scenes.size(); i++) {
            Scene s = scenes.get(i);
            String scene = "image of scene " + i + " (image_index " + s.imageIndex() + ") of " + scenesFile;
            Path file = imagePath(s);
            if (!Files.isRegularFile(file)) {
                throw notAFile(file, scene);
            }
            try {
                RgbImage.checkHeader(file);
            } catch (ImageFormatException e) {
                throw new ImageFormatException(file, e.problem() + "; " + scene, e);
            }
        }
        return scenes.size();
    }

    /** A missing image as {@link #missing}; a folder (or other non-file) where the image should be as an {@link ImageFormatException}. */
    private static IOException notAFile(Path p, String what) {
        return Files.exists(p) ? new ImageFormatException(p, "not a regular file (a folder?); " + what) : missing(p, what);
    }

    /**
     * Where a split lives, for a refusal that ends up inside the parentheses of a file error: no parentheses of its
     * own, and the command that writes a generated split.
     */
    private static String layout(String split) {
        return "; a CLEVR v1.0 folder holds scenes/CLEVR_" + split + "_scenes.json and images/" + split
                + "/, as dspn4j synth clevr --split " + split + " writes them";
    }

    /** A missing path as {@link #missing}; one that exists but is not a folder (or not a regular file) said so. */
    private static IOException absent(Path p, String what, boolean folder) {
        return Files.exists(p) ? new FileSystemException(p.toString(), null, (folder ? "not a folder" : "not a regular file")
                + ", but the " + what) : missing(p, "the " + what);
    }

    private static NoSuchFileException missing(Path p, String what) {
        return new NoSuchFileException(p.toString(), null, "missing " + what);
    }
}
