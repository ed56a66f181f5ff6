package org.dspn4j.cli;

import static org.dspn4j.cli.CliErrorsTest.refused;
import static org.dspn4j.cli.CliErrorsTest.TINY;
import static org.dspn4j.cli.CliErrorsTest.run;
import static org.dspn4j.cli.CliErrorsTest.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.dspn4j.cli.CliErrorsTest.Result;
import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged and unusual files a user may point a command at (checkpoints and imported weights,
 * CLEVR and MNIST folders, export folders for {@code ap}): each is refused in one line naming the
 * file and the entry, field or folder, with exit code 2, never as an internal error or a stack
 * trace, and never accepted silently.
 */
class InputFilesAuditTest {
    @TempDir
    static Path shared;
    /** checkpoint.npz of a finished 2-step MNIST run. */
    static Path checkpoint;

    @BeforeAll
    static void train() {
        Path run = shared.resolve("fixture");
        Result r = run(with(TINY, "train", "mnist", "--steps", "2", "--out", run.toString()));
        assertEquals(0, r.rc(), r.out() + r.err());
        checkpoint = run.resolve("checkpoint.npz");
    }

    /** A copy of the fixture's checkpoint, alone in its folder (no run.json), with entries replaced and removed. */
    static Path edited(Path dir, Map<String, NdArray> put, String... remove) throws IOException {
        Map<String, NdArray> a = new LinkedHashMap<>(Npz.read(checkpoint));
        for (String k : remove) {
            a.remove(k);
        }
        a.putAll(put);
        Path f = dir.resolve("edited.npz");
        Npz.write(f, a);
        return f;
    }

    static NdArray text(byte[] b) {
        return NdArray.ofUnsignedBytes(b, b.length);
    }

    static NdArray text(String s) {
        return text(s.getBytes(StandardCharsets.UTF_8));
    }

    static String[] evalMnist(Path ck) {
        return new String[] {"eval", "mnist", "--checkpoint", ck.toString(), "--threads", "2", "--backend", "cpu"};
    }

    // ------------------------------------------------------------ meta/config_json

    @Test
    void inspectRefusesAConfigThatIsNoTextNamingTheFileAndEntry(@TempDir Path dir) throws IOException {
        // was an internal error (exit code 1) naming neither: "array has dtype I8 (<i8), not U1"
        Path f = edited(dir, Map.of("meta/config_json", NdArray.of(new long[] {3})));
        refused(new String[] {"inspect", f.toString()}, f + ": meta/config_json", "uint8 vector");
        refused(evalMnist(f), f + ": meta/config_json", "uint8 vector");
    }

    @Test
    void inspectRefusesATwoDimensionalConfigAsEvalDoes(@TempDir Path dir) throws IOException {
        // inspect used to read the bytes of any uint8 array; eval refused the same file
        byte[] json = new String(Npz.read(checkpoint).get("meta/config_json").unsignedBytes(), StandardCharsets.UTF_8)
                .getBytes(StandardCharsets.UTF_8);
        Path f = edited(dir, Map.of("meta/config_json", NdArray.ofUnsignedBytes(json, 1, json.length)));
        refused(new String[] {"inspect", f.toString()}, f + ": meta/config_json", "uint8 vector");
        refused(evalMnist(f), f + ": meta/config_json", "uint8 vector");
    }

    @Test
    void inspectNamesTheFileOfAMalformedConfig(@TempDir Path dir) throws IOException {
        // inspect printed "dspn4j: model config: malformed JSON: ..." without the file
        Path f = edited(dir, Map.of("meta/config_json", text("not json {")));
        refused(new String[] {"inspect", f.toString()}, f + ": meta/config_json", "malformed JSON");
    }

    @Test
    void aConfigThatIsNotUtf8IsNamedAsSuch(@TempDir Path dir) throws IOException {
        // was decoded with replacement characters and refused as "Unexpected character ('\uFFFD' ...)"
        Path f = edited(dir, Map.of("meta/config_json", text(new byte[] {'{', (byte) 0xff, '}'})));
        Result r = refused(evalMnist(f), f + ": meta/config_json", "not UTF-8", "byte 1");
        assertFalse(r.err().contains("\uFFFD"), r.err());
        refused(new String[] {"inspect", f.toString()}, f + ": meta/config_json", "not UTF-8");
    }

    // ------------------------------------------------------------ meta/torch/* (an imported log)

    @Test
    void inspectRefusesImportedTextEntriesOfAnotherDtype(@TempDir Path dir) throws IOException {
        // each was an internal error: "array has dtype I8 (<i8), not U1"
        for (String key : new String[] {"meta/torch/name", "meta/torch/hash", "meta/torch/args_json"}) {
            Path f = edited(dir, Map.of(key, NdArray.of(new long[] {1, 2, 3}, 3)));
            refused(new String[] {"inspect", f.toString()}, f + ": " + key, "uint8 vector");
        }
    }

    @Test
    void inspectRefusesATrackerWhoseMeansAndCountsDifferInLength(@TempDir Path dir) throws IOException {
        // was an internal error: "Index 999 out of bounds for length 3"
        Path f = edited(dir, Map.of(
                "meta/torch/tracker/test_loss/epoch_mean", NdArray.of(new double[1000], 1000),
                "meta/torch/tracker/test_loss/counts", NdArray.of(new long[] {1, 1, 1}, 3)));
        refused(new String[] {"inspect", f.toString()}, f + ": meta/torch/tracker/test_loss/epoch_mean", "(1000,)",
                "meta/torch/tracker/test_loss/counts", "(3,)");
    }

    @Test
    void evalNamesTheFileAndEntryOfMalformedImportedArgs(@TempDir Path dir) throws IOException {
        // was "dspn4j: Unexpected character ('b' (code 98)): ..." without the file
        Path f = edited(dir, Map.of("meta/torch/args_json", text("{bad")));
        refused(evalMnist(f), f + ": meta/torch/args_json", "malformed JSON");
    }

    @Test
    void evalRefusesImportedArgsOfAnotherDtypeInsteadOfIgnoringTheirBatchSize(@TempDir Path dir) throws IOException {
        // were skipped: eval then decoded with batch 32 whatever batch the authors' run had
        Path f = edited(dir, Map.of("meta/torch/args_json", NdArray.of(new double[] {1.5}, 1)));
        refused(evalMnist(f), f + ": meta/torch/args_json", "uint8 vector");
    }

    // ------------------------------------------------------------ weights

    @Test
    void encoderAliasesOfDifferentShapesAreInconsistent(@TempDir Path dir) throws IOException {
        // the two names of DSPN's set encoder held the same values in shapes (96,) and (8, 3, 1): eval loaded the file
        Map<String, NdArray> a = Npz.read(checkpoint);
        NdArray w = a.get("set_encoder.conv.0.weight");
        assertEquals(3, w.ndim(), "the fixture's first convolution weight");
        NdArray flat = NdArray.of(w.floats().clone(), w.size());
        Path f = edited(dir, Map.of("set_encoder.conv.0.weight", flat));
        refused(evalMnist(f), f + ": weights do not fit the model", "inconsistent", "set_encoder.conv.0.weight");
        // the file as it was loads: the refusal is the shape's, not the file's
        Path same = edited(Files.createDirectories(dir.resolve("same")), Map.of());
        Result ok = run(evalMnist(same));
        assertEquals(0, ok.rc(), ok.out() + ok.err());
    }

    // ------------------------------------------------------------ CLEVR and MNIST folders

    /** A CLEVR folder of two generated scenes in each of train and val. */
    private static Path twoSceneClevr(Path dir) {
        Path data = dir.resolve("clevr");
        for (String split : new String[] {"train", "val"}) {
            assertEquals(0, run("synth", "clevr", "--scenes", "2", "--split", split, "--seed", "3", "--threads", "1", "--out",
                    data.toString()).rc());
        }
        return data;
    }

    /** A one-step clevr-box training on all of {@code data} at the smallest sizes, into {@code out}. */
    private static String[] tinyClevrTrain(Path data, Path out) {
        return new String[] {"train", "clevr-box", "--data-dir", data.toString(), "--image-size", "65", "--batch", "2", "--steps",
            "1", "--latent", "8", "--hidden", "8", "--iters", "1", "--threads", "2", "-q", "--backend", "cpu", "--full-eval",
            "--out", out.toString()};
    }

    @Test
    void aClevrPathOfTheWrongKindIsNamedAsSuchAndAMissingImageWithItsScene(@TempDir Path dir) throws IOException {
        Path data = twoSceneClevr(dir);
        Path scenes = data.resolve("scenes").resolve("CLEVR_train_scenes.json");
        Path image = data.resolve("images").resolve("train").resolve("CLEVR_train_000001.png");
        byte[] png = Files.readAllBytes(image);

        // a missing image: the CLI used to drop the scene the loader names ("...png: no such file or folder")
        Files.delete(image);
        refused(tinyClevrTrain(data, dir.resolve("r1")), image + ": no such file or folder", "scene 1 (image_index 1)",
                scenes.toString());
        // a folder where the image should be: was "no such file or folder"
        Files.createDirectory(image);
        Result r = refused(tinyClevrTrain(data, dir.resolve("r2")), image + ": not a regular file", "scene 1 (image_index 1)");
        assertFalse(r.err().contains("no such file"), r.err());
        Files.delete(image);
        Files.write(image, png);

        // a folder where the scene file should be, a file where the image folder should be: were "no such file or folder"
        String json = Files.readString(scenes);
        Files.delete(scenes);
        Files.createDirectory(scenes);
        r = refused(tinyClevrTrain(data, dir.resolve("r3")), scenes + ": not a regular file", "the scene file");
        assertFalse(r.err().contains("no such file"), r.err());
        Files.delete(scenes);
        Files.writeString(scenes, json);
        Path valImages = data.resolve("images").resolve("val");
        Path moved = dir.resolve("val-images");
        Files.move(valImages, moved);
        Files.writeString(valImages, "not a folder");
        r = refused(tinyClevrTrain(data, dir.resolve("r4")), valImages + ": not a folder", "the image folder");
        assertFalse(r.err().contains("no such file"), r.err());
        for (String out : new String[] {"r1", "r2", "r3", "r4"}) {
            assertFalse(Files.exists(dir.resolve(out)), out + " written");
        }
        // the folder as it was trains: the refusals were the paths'
        Files.delete(valImages);
        Files.move(moved, valImages);
        Result ok = run(tinyClevrTrain(data, dir.resolve("r5")));
        assertEquals(0, ok.rc(), ok.out() + ok.err());
    }

    @Test
    void anMnistFileThatIsAFolderIsNamedAsSuch(@TempDir Path dir) throws IOException {
        // was "no MNIST train files in DIR: need train-images-idx3-ubyte[.gz] and ...", naming neither the folder in the way
        Path bundled = Path.of("data", "mnist");
        Path data = Files.createDirectories(dir.resolve("mnist"));
        for (String f : new String[] {"train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
            Files.copy(bundled.resolve(f), data.resolve(f));
        }
        Path images = Files.createDirectory(data.resolve("train-images-idx3-ubyte"));
        String[] train = {"train", "mnist", "--data-dir", data.toString(), "--steps", "1", "--out", dir.resolve("run").toString(),
            "--latent", "4", "--hidden", "8", "--iters", "2", "--batch", "4", "-q", "--threads", "2", "--backend", "cpu"};
        refused(train, images + ": not a regular file", "MNIST train");
        assertFalse(Files.exists(dir.resolve("run")));
    }

    // ------------------------------------------------------------ ap

    @Test
    void apNamesEmptyExportFoldersAndGroundTruthsWithoutObjects(@TempDir Path dir) throws IOException {
        Path det = Files.createDirectories(dir.resolve("detections"));
        Path gt = Files.createDirectories(dir.resolve("groundtruths"));
        String[] ap = {"ap", "--task", "box", "--detections", det.toString(), "--groundtruths", gt.toString()};
        // empty folders: was "no ground-truth objects in 0 images; ...", naming neither folder
        refused(ap, "--detections " + det, "--groundtruths " + gt, "no <i>.txt files");
        // per-step exports alone are not read
        Files.writeString(det.resolve("0-step1.txt"), "box 1.0 0.1 0.1 0.2 0.2\n");
        Files.writeString(gt.resolve("0-step1.txt"), "box 0.1 0.1 0.2 0.2 1.0\n");
        refused(ap, "--detections " + det, "no <i>.txt files");
        // files without a ground-truth object
        Files.writeString(det.resolve("0.txt"), "box 1.0 0.1 0.1 0.2 0.2\n");
        Files.writeString(gt.resolve("0.txt"), "\n");
        refused(ap, "--groundtruths " + gt, "no ground-truth objects in the 1 file read");
        // one object: AP is defined (the one detection matches it exactly: 100 %)
        Files.writeString(gt.resolve("0.txt"), "box 0.1 0.1 0.2 0.2 1.0\n");
        Result ok = run(ap);
        assertEquals(0, ok.rc(), ok.out() + ok.err());
        assertTrue(ok.out().contains("100.00"), ok.out());
    }

    // ------------------------------------------------------------ files of another kind

    @Test
    void aNpyFileGivenForAnNpzIsNamedAsOne(@TempDir Path dir) throws IOException {
        // eval said "not a readable zip archive (zip END header not found); the file may be truncated";
        // inspect "not a torch.save file (it starts with bytes 93 4e 55 4d 50 59 ...)"
        Path npy = dir.resolve("weight.npy");
        org.dspn4j.io.Npy.write(npy, NdArray.of(new double[] {1, 2, 3}, 3));
        refused(evalMnist(npy), npy + ": not a readable zip archive: a .npy file (one array), not an .npz");
        refused(new String[] {"inspect", npy.toString()}, npy + ": neither an .npz", "nor a torch.save file, but a .npy file");
    }

    @Test
    void inspectSaysWhatAZipWithoutNpyEntriesLacksAsAnNpz(@TempDir Path dir) throws IOException {
        // was "a zip archive without <folder>/data.pkl: not a torch.save file", about the one kind the user did not mean
        Path f = dir.resolve("weights.npz");
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(Files.newOutputStream(f))) {
            z.putNextEntry(new java.util.zip.ZipEntry("notes.txt"));
            z.write("hello".getBytes(StandardCharsets.UTF_8));
            z.closeEntry();
        }
        refused(new String[] {"inspect", f.toString()}, f + ", entry 'notes.txt': not a .npy entry");
        refused(evalMnist(f), f + ", entry 'notes.txt': not a .npy entry");
        // a text file: neither kind, said once
        Path txt = Files.writeString(dir.resolve("notes.npz"), "hello world\n");
        Result r = refused(new String[] {"inspect", txt.toString()}, txt + ": neither an .npz (a zip archive) nor a torch.save file");
        assertEquals(r.err().indexOf(txt.toString()), r.err().lastIndexOf(txt.toString()), "named once: " + r.err());
    }

    @Test
    void evalChecksEveryValImageBeforeEvaluatingAsTrainDoes(@TempDir Path dir) throws IOException {
        // eval evaluated batch after batch until it reached the bad image, then named it without its scene
        Path data = twoSceneClevr(dir);
        Path weights = dir.resolve("clevr-box.npz");
        assertEquals(0, run("export-weights", "--model", "clevr-box", "--latent", "4", "--hidden", "8", "--out",
                weights.toString()).rc());
        String[] eval = {"eval", "clevr-box", "--checkpoint", weights.toString(), "--data-dir", data.toString(), "--full",
            "--batch", "1", "--threads", "2", "--backend", "cpu"};
        Path image = data.resolve("images").resolve("val").resolve("CLEVR_val_000001.png");
        byte[] png = Files.readAllBytes(image);
        Files.writeString(image, "GIF89a");
        Result r = refused(eval, image + ": not a PNG file", "scene 1 (image_index 1)");
        assertFalse(r.out().contains("val images"), "evaluation started: " + r.out());
        Files.write(image, png);
        Result ok = run(eval);
        assertEquals(0, ok.rc(), ok.out() + ok.err());
    }

    // ------------------------------------------------------------ CLEVR scene files Python's json.load refuses or reads otherwise

    @Test
    void aSceneFileWithDuplicateKeysOrContentAfterItsObjectIsRefused(@TempDir Path dir) throws IOException {
        String json = Files.readString(Path.of("src", "test", "resources", "clevr", "mini", "scenes", "CLEVR_val_scenes.json"));
        Path f = dir.resolve("CLEVR_val_scenes.json");
        Files.writeString(f, json);
        assertEquals(3, org.dspn4j.data.clevr.SceneReader.readAll(f).size(), "the fixture as it is");
        String[][] cases = {
            // json.load keeps the last of duplicate keys; the streaming reader took the first
            {json.replaceFirst("\"objects\": \\[", "\"objects\": [], \"objects\": ["), "Duplicate field 'objects'", "scene 0"},
            {json.replaceFirst("\"3d_coords\":", "\"3d_coords\": [0, 0, 0], \"3d_coords\":"), "Duplicate field '3d_coords'",
                "scene 0"},
            {json.replaceFirst("\"scenes\": \\[", "\"scenes\": [], \"scenes\": ["), "Duplicate field 'scenes'", null},
            // json.load: "Extra data"; the reader stopped at the end of the scenes array
            {json + "{}", "an object after the top-level object", null},
            {json + "garbage", "invalid JSON after the top-level object", null},
            // cut inside the closing brace, or inside a key after the scenes
            {json.strip().substring(0, json.strip().length() - 1), "Unexpected end-of-input", null},
            {json.strip().substring(0, json.strip().length() - 1) + ", \"extra\": {\"a\": ", "Unexpected end-of-input", null},
        };
        for (String[] c : cases) {
            Files.writeString(f, c[0]);
            org.dspn4j.data.clevr.ClevrFormatException e = org.junit.jupiter.api.Assertions.assertThrows(
                    org.dspn4j.data.clevr.ClevrFormatException.class, () -> org.dspn4j.data.clevr.SceneReader.readAll(f), c[1]);
            assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains(c[1]), e.getMessage());
            assertEquals(-1, e.getMessage().indexOf('\n'), e.getMessage());
            if (c[2] != null) {
                assertTrue(e.getMessage().contains(c[2]), e.getMessage());
            }
        }
        // other keys after the scenes are read past, as json.load reads them
        Files.writeString(f, json.strip().substring(0, json.strip().length() - 1) + ", \"extra\": {\"a\": [1, {\"b\": 2}]}}\n");
        assertEquals(3, org.dspn4j.data.clevr.SceneReader.readAll(f).size());
    }

    @Test
    void aBrokenGzipIdxFileIsNamedWithTheOffsetItBrokeAt(@TempDir Path dir) throws IOException {
        // the offset was where the read began (16, after the header), wherever the stream broke
        int count = 2000;
        java.nio.ByteBuffer idx = java.nio.ByteBuffer.allocate(16 + count * 28 * 28);
        idx.putInt(0x803).putInt(count).putInt(28).putInt(28);
        java.util.Random r = new java.util.Random(1);
        while (idx.hasRemaining()) {
            idx.put((byte) r.nextInt(256)); // noise: the compressed stream is about as long as the data
        }
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(gz)) {
            z.write(idx.array());
        }
        byte[] whole = gz.toByteArray();
        Path f = dir.resolve("train-images-idx3-ubyte.gz");
        Files.write(f, java.util.Arrays.copyOf(whole, whole.length / 2));
        org.dspn4j.data.mnist.IdxFormatException e = org.junit.jupiter.api.Assertions.assertThrows(
                org.dspn4j.data.mnist.IdxFormatException.class, () -> org.dspn4j.data.mnist.Idx.readImages(f));
        // half the compressed noise inflates to about half the data: the offset lies past the first quarter, before the end
        assertTrue(e.offset() > idx.capacity() / 4 && e.offset() < idx.capacity(), e.getMessage());
        assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("(at byte offset " + e.offset() + ")"),
                e.getMessage());
    }
}
