package org.dspn4j.testing;

import org.dspn4j.experiment.Checkpoint;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.experiment.ModelConfigJson;
import org.dspn4j.experiment.RunRecord;
import org.dspn4j.model.Net;
import org.dspn4j.optim.Adam;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.apache.commons.math3.random.MersenneTwister;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.dspn4j.data.clevr.BoxFormula;
import org.dspn4j.data.clevr.BoxHeuristic;
import org.dspn4j.data.clevr.ClevrDataset;
import org.dspn4j.data.clevr.ClevrFormatException;
import org.dspn4j.data.clevr.ImageFormatException;
import org.dspn4j.data.clevr.RgbImage;
import org.dspn4j.data.clevr.Scene;
import org.dspn4j.data.clevr.SceneReader;
import org.dspn4j.data.clevr.Slots;
import org.dspn4j.data.clevr.StateVector;
import org.dspn4j.data.mnist.Idx;
import org.dspn4j.data.mnist.IdxFormatException;
import org.dspn4j.eval.ExportFormatException;
import org.dspn4j.eval.ExportReader;
import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npy;
import org.dspn4j.io.NpyFormatException;
import org.dspn4j.io.Npz;
import org.dspn4j.testing.FormatFuzz.Case;
import org.dspn4j.testing.FormatFuzz.Field;
import org.dspn4j.testing.FormatFuzz.Target;

/**
 * Every file reader, fed damaged copies of valid files (see {@link FormatFuzz}): it returns, or
 * throws its own format exception with a one-line message naming the file, and allocates at most a
 * stated number of bytes. One target per reader and input layout; to add a reader, add a line to
 * {@link #TARGETS}.
 */
class ReaderFuzzProperties {

    private static final List<byte[]> NPY = List.of(
            Npy.toBytes(NdArray.of(new double[] {1, -2, 3.5, 0, 1e300, -0.0}, 2, 3)),
            Npy.toBytes(NdArray.of(new int[] {7, 8, 9, 10}, 4)),
            Npy.toBytes(NdArray.of(new boolean[] {true, false, true}, 3)),
            Npy.toBytes(NdArray.ofUnsignedBytes(new byte[] {(byte) 200}, new int[0])),
            Npy.toBytes(NdArray.of(new float[0], 0, 5)),
            Npy.toBytes(NdArray.of(new long[] {1, 2, 3, 4}, 2, 2)));

    private static final String SCENES = "scenes/CLEVR_val_scenes.json";
    private static final String[] IMAGES = {"CLEVR_val_000000.png", "CLEVR_val_000001.png", "CLEVR_val_000015.png"};

    /** Decoding stays below ~130 MB at RgbImage.MAX_PIXELS; 16 bytes a pixel leaves room for the decoder's own buffers. */
    private static final long PNG_LIMIT = 16 * RgbImage.MAX_PIXELS + Target.DEFAULT_LIMIT;

    static final List<Target> TARGETS = List.of(
            Target.file("npy", "a.npy", NPY, Npy::read, NpyFormatException.class)
                    .withFields(seed -> List.of(new Field(8, 2, false))),
            Target.file("npz", "a.npz", List.of(npz(false), npz(true)), Npz::read, NpyFormatException.class)
                    .withFields(FormatFuzz::zipFields),
            Target.folder("npz-entry-stored", NPY, bytes -> Map.of("a.npz", FormatFuzz.zip("x.npy", bytes, false)),
                    root -> Npz.read(root.resolve("a.npz")), NpyFormatException.class)
                    .withFields(seed -> List.of(new Field(8, 2, false))),
            Target.folder("npz-entry-deflated", NPY, bytes -> Map.of("a.npz", FormatFuzz.zip("x.npy", bytes, true)),
                    root -> Npz.read(root.resolve("a.npz")), NpyFormatException.class)
                    .withFields(seed -> List.of(new Field(8, 2, false))),
            Target.file("idx-images", "i-idx3-ubyte", List.of(idxImages(3, 4, 5), idxImages(0, 28, 28)),
                    Idx::readImages, IdxFormatException.class).withFields(ReaderFuzzProperties::idxFields),
            Target.file("idx-labels", "l-idx1-ubyte", List.of(idxLabels(3, 1, 4, 1, 5)), Idx::readLabels,
                    IdxFormatException.class).withFields(ReaderFuzzProperties::idxFields),
            Target.file("idx-images-gz", "i-idx3-ubyte.gz", List.of(FormatFuzz.gzip(idxImages(3, 4, 5))),
                    Idx::readImages, IdxFormatException.class)
                    .withFields(gz -> List.of(new Field(gz.length - 4, 4, false), new Field(gz.length - 8, 4, false))),
            Target.folder("idx-images-gz-content", List.of(idxImages(3, 4, 5)),
                    bytes -> Map.of("i.gz", FormatFuzz.gzip(bytes)), root -> Idx.readImages(root.resolve("i.gz")),
                    IdxFormatException.class).withFields(ReaderFuzzProperties::idxFields),
            Target.file("clevr-scenes", "s.json", List.of(FormatFuzz.resource("/clevr/mini/" + SCENES)),
                    SceneReader::readAll, ClevrFormatException.class),
            Target.folder("clevr-split-scenes", List.of(FormatFuzz.resource("/clevr/mini/" + SCENES)),
                    FormatFuzz.with(SCENES, miniImages()), ReaderFuzzProperties::readSplit,
                    ClevrFormatException.class, ImageFormatException.class, NoSuchFileException.class)
                    .namingAnyPathUnderRoot(),
            Target.folder("clevr-split-image", List.of(FormatFuzz.resource("/clevr/mini/images/val/" + IMAGES[1])),
                    FormatFuzz.with("images/val/" + IMAGES[1], miniSplitWithout(IMAGES[1])), ReaderFuzzProperties::readSplit,
                    ClevrFormatException.class, ImageFormatException.class).withFields(FormatFuzz::pngFields)
                    .withAllocationLimit(PNG_LIMIT),
            Target.file("png", "a.png", pngs(), ReaderFuzzProperties::readPng, ImageFormatException.class)
                    .withFields(FormatFuzz::pngFields).withAllocationLimit(PNG_LIMIT),
            Target.file("png-crc-fixed", "a.png", pngs(), ReaderFuzzProperties::readPng, ImageFormatException.class)
                    .withFields(FormatFuzz::pngFields).withFix(FormatFuzz::fixPngCrcs).withAllocationLimit(PNG_LIMIT),
            Target.folder("ap-detections", List.of(FormatFuzz.resource("/eval/box-tiny/detections/0.txt")),
                    FormatFuzz.with("detections/0.txt", apFolders("detections/0.txt")), ReaderFuzzProperties::readAp,
                    ExportFormatException.class),
            Target.folder("ap-groundtruths", List.of(FormatFuzz.resource("/eval/box-tiny/groundtruths/0.txt")),
                    FormatFuzz.with("groundtruths/0.txt", apFolders("groundtruths/0.txt")), ReaderFuzzProperties::readAp,
                    ExportFormatException.class),
            Target.file("checkpoint", "checkpoint.npz", List.of(checkpoint()), ReaderFuzzProperties::readCheckpoint,
                    NpyFormatException.class, IllegalArgumentException.class).withFields(FormatFuzz::zipFields),
            Target.folder("checkpoint-config", List.of(ModelConfigJson.toJson(small()).getBytes(StandardCharsets.UTF_8)),
                    ReaderFuzzProperties::checkpointWithConfig, root -> readCheckpoint(root.resolve("checkpoint.npz")),
                    IllegalArgumentException.class),
            Target.file("run-json", "run.json", List.of(runJson().getBytes(StandardCharsets.UTF_8)),
                    RunRecord::readJsonObject, IllegalArgumentException.class),
            Target.file("metrics-jsonl", "metrics.jsonl", List.of(metrics().getBytes(StandardCharsets.UTF_8)),
                    file -> RunRecord.planCut(file, 2), IllegalArgumentException.class));

    @BeforeContainer
    static void seedsAreValid() throws Exception {
        for (Target t : TARGETS) {
            FormatFuzz.checkSeeds(t);
        }
    }

    @AfterContainer
    static void report() {
        System.out.print(FormatFuzz.summary());
    }

    @Property(tries = 2000)
    void damagedFilesAreReadOrRefusedWithTheReadersOwnOneLineError(@ForAll("cases") Case c) {
        FormatFuzz.check(c);
    }

    /**
     * A case the property once drew: the archive's first 5 bytes copied over a checkpoint's central directory, which
     * gave an array a name holding control characters that the refusal ("weights do not fit the model: unknown …")
     * quoted onto a second line.
     */
    @Example
    void aCheckpointEntryNamedWithControlCharacters() {
        Target checkpoint = TARGETS.stream().filter(t -> t.name().equals("checkpoint")).findFirst().orElseThrow();
        FormatFuzz.check(new Case(checkpoint, 0, List.of(new FormatFuzz.Splice(0, 12143, 5))));
    }

    @Provide
    Arbitrary<Case> cases() {
        return FormatFuzz.cases(TARGETS);
    }

    // ---------------------------------------------------------------- readers

    /**
     * Opens the mini split as training does, checks its images, builds every target set and mask,
     * and decodes the image the second scene names (the one {@code clevr-split-image} damages).
     */
    private static Object readSplit(Path root) throws IOException {
        ClevrDataset ds = ClevrDataset.open(root, "val", ClevrDataset.Target.BOXES, BoxFormula.AUTHORS);
        ds.checkImages();
        float[] image = null;
        for (Scene s : ds.scenes()) {
            BoxHeuristic.encode(s, BoxFormula.AUTHORS);
            StateVector.encode(s);
            Slots.mask(s);
            if (s.imageFilename().equals(IMAGES[1])) {
                image = ds.image(s);
            }
        }
        return image;
    }

    /** The header check and the decoder must agree: whatever decodes also passes the check. */
    private static Object readPng(Path file) throws IOException {
        ImageFormatException headerProblem = null;
        try {
            RgbImage.checkHeader(file);
        } catch (ImageFormatException e) {
            headerProblem = e;
        }
        RgbImage img = RgbImage.read(file);
        if (headerProblem != null) {
            throw new AssertionError("RgbImage.read accepted a file that checkHeader refused: " + headerProblem.getMessage());
        }
        return img;
    }

    private static Object readAp(Path root) throws IOException {
        return ExportReader.read(root.resolve("detections"), root.resolve("groundtruths"), 4);
    }

    /**
     * What {@code --resume}, {@code eval} and {@code show} do with a checkpoint: the model from its
     * {@code meta/config_json}, then every weight, buffer, Adam moment and counter checked and loaded.
     */
    private static Object readCheckpoint(Path file) throws IOException {
        ModelConfig cfg = Checkpoint.config(file);
        try (CpuBackend be = new CpuBackend(1)) {
            Net net = Net.create(be, cfg, new MersenneTwister(1));
            return Checkpoint.load(file, net, new Adam(net.namedParameters(), 1e-3));
        }
    }

    // ---------------------------------------------------------------- seeds

    private static ModelConfig small() {
        return ModelConfig.paper(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.DSPN).withSizes(4, 8).withSetSize(6);
    }


    private static String runJson() {
        return "{\n  \"config\" : {\n    \"model\" : {\"task\" : \"mnist\", \"decoder\" : \"dspn\", "
            + "\"set_size\" : 342, \"latent\" : 64, \"inner_lr\" : 800.0, \"mask_plus_one\" : false},\n    \"batch\" : 32,\n"
            + "    \"lr\" : 0.01, \"seed\" : 1, \"threads\" : 2\n  },\n  \"git_commit\" : \"0b5bba4\",\n  \"resumes\" : [ {\"step\" : 17, "
            + "\"changed\" : {\"max_steps\" : [10, 20]}} ]\n}\n";
    }

    private static String metrics() {
        return "{\"step\":1,\"epoch\":0,\"train_loss\":0.0887,\"seconds\":2.1}\n"
            + "{\"step\":2,\"epoch\":0,\"train_loss\":0.0865,\"train_last\":0.0861,\"seconds\":1.9}\n"
            + "{\"step\":2,\"epoch\":0,\"test_loss\":0.08,\"test_last\":0.079}\n"
            + "{\"step\":3,\"epoch\":0,\"train_loss\":1e-3";
    }

    /** The small checkpoint with its {@code meta/config_json} replaced by the (mutated) bytes. */
    private static Map<String, byte[]> checkpointWithConfig(byte[] config) throws IOException {
        Path f = Files.createTempFile("seed", ".npz");
        try {
            Files.write(f, checkpoint());
            Map<String, NdArray> a = new LinkedHashMap<>(Npz.read(f));
            a.put("meta/config_json", NdArray.ofUnsignedBytes(config, config.length));
            Npz.write(f, a, false);
            return Map.of("checkpoint.npz", Files.readAllBytes(f));
        } finally {
            Files.delete(f);
        }
    }

    /** A small MNIST DSPN checkpoint after one Adam step (both moments present). */
    private static byte[] checkpoint() {
        ModelConfig cfg = small();
        try (CpuBackend be = new CpuBackend(1)) {
            Net net = Net.create(be, cfg, new MersenneTwister(3));
            Adam adam = new Adam(net.namedParameters(), 1e-3);
            List<Tensor> grads = new ArrayList<>();
            for (var p : net.namedParameters().values()) {
                double[] g = new double[p.value().numel()];
                java.util.Arrays.fill(g, 0.5);
                grads.add(be.fromHost(g, p.value().dtype(), p.shape()));
            }
            adam.step(grads.toArray(new Tensor[0]));
            Path f = Files.createTempFile("seed", ".npz");
            try {
                Checkpoint.save(f, net, adam, new Checkpoint.Position(0, 1, 1), ModelConfigJson.toJson(cfg));
                return Files.readAllBytes(f);
            } finally {
                Files.delete(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] npz(boolean compressed) {
        Map<String, NdArray> m = new LinkedHashMap<>();
        m.put("w", NdArray.of(new float[] {1.5f, -2f, 0.25f, 8f, 0f, -0f}, 2, 3));
        m.put("optim/step", NdArray.of(new long[] {7}, 1));
        m.put("meta/config_json", NdArray.ofUnsignedBytes("{\"a\": 1}".getBytes(), 8));
        try {
            Path f = Files.createTempFile("seed", ".npz");
            try {
                Npz.write(f, m, compressed);
                return Files.readAllBytes(f);
            } finally {
                Files.delete(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** IDX3 images: magic, count, rows, cols, then count*rows*cols bytes. */
    private static byte[] idxImages(int count, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate(16 + count * rows * cols);
        b.putInt(Idx.IMAGES_MAGIC).putInt(count).putInt(rows).putInt(cols);
        for (int k = 0; k < count * rows * cols; k++) {
            b.put((byte) (k * 37));
        }
        return b.array();
    }

    private static byte[] idxLabels(int... values) {
        ByteBuffer b = ByteBuffer.allocate(8 + values.length);
        b.putInt(Idx.LABELS_MAGIC).putInt(values.length);
        for (int v : values) {
            b.put((byte) v);
        }
        return b.array();
    }

    private static List<Field> idxFields(byte[] idx) {
        List<Field> out = new ArrayList<>();
        for (int at = 0; at + 4 <= Math.min(16, idx.length); at += 4) {
            out.add(new Field(at, 4, true));
        }
        return out;
    }

    /** Small PNGs of each colour type the loader reads: RGB, RGBA, grey, palette, and a 128 x 128 CLEVR resize. */
    private static List<byte[]> pngs() {
        List<byte[]> out = new ArrayList<>();
        for (int type : new int[] {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_4BYTE_ABGR,
                BufferedImage.TYPE_BYTE_GRAY, BufferedImage.TYPE_BYTE_INDEXED}) {
            BufferedImage img = new BufferedImage(24, 16, type);
            for (int y = 0; y < 16; y++) {
                for (int x = 0; x < 24; x++) {
                    img.setRGB(x, y, 0x80000000 | (x * 10) << 16 | (y * 15) << 8 | (x * y) & 0xFF);
                }
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try {
                ImageIO.write(img, "png", bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            out.add(bytes.toByteArray());
        }
        out.add(FormatFuzz.resource("/clevr/pil/CLEVR_val_000000_128x128.png"));
        return out;
    }

    private static Map<String, byte[]> miniImages() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (String name : IMAGES) {
            m.put("images/val/" + name, FormatFuzz.resource("/clevr/mini/images/val/" + name));
        }
        return m;
    }

    private static Map<String, byte[]> miniSplitWithout(String image) {
        Map<String, byte[]> m = miniImages();
        m.remove("images/val/" + image);
        m.put(SCENES, FormatFuzz.resource("/clevr/mini/" + SCENES));
        return m;
    }

    /** The box-tiny export: every file except {@code mutated}. */
    private static Map<String, byte[]> apFolders(String mutated) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (String dir : new String[] {"detections", "groundtruths"}) {
            for (String name : new String[] {"0.txt", "1.txt"}) {
                String path = dir + "/" + name;
                if (!path.equals(mutated)) {
                    m.put(path, FormatFuzz.resource("/eval/box-tiny/" + path));
                }
            }
        }
        return m;
    }
}
