package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.experiment.Checkpoint;
import org.dspn4j.experiment.ModelConfigJson;
import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.optim.Adam;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code dspn4j import-torch} and {@code dspn4j inspect} on files written by torch.save (golden/generate_torch_files.py). */
class ImportTorchCommandTest {
    private static final Path DIR = Path.of("src", "test", "resources", "torch");
    private static final ModelConfig AUTHORS = new ModelConfig(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.DSPN, 342, 8, 16, 10,
            800.0, 1.0, false, false, true, DType.F32);

    /** Exit code, stdout, stderr. */
    record Run(int rc, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = System.out;
        PrintStream e = System.err;
        int rc;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            rc = Main.run(args);
        } finally {
            System.setOut(o);
            System.setErr(e);
        }
        return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Run ok(String... args) {
        Run r = run(args);
        assertEquals(0, r.rc(), String.join(" ", args) + "\n" + r.out() + r.err());
        return r;
    }

    /** A failure: exit code 2 and one line on stderr containing {@code part}. */
    private static void fails(String part, String... args) {
        Run r = run(args);
        assertEquals(2, r.rc(), r.out() + r.err());
        String err = r.err().strip();
        assertFalse(err.contains("\n"), err);
        assertFalse(err.contains("\tat "), err);
        assertTrue(err.startsWith("dspn4j: ") && err.contains(part), err);
    }

    /** The expected weights (as PyTorch loaded them), under their state_dict names. */
    private static Map<String, NdArray> expectedWeights(String name) throws Exception {
        Map<String, NdArray> w = new LinkedHashMap<>();
        for (Map.Entry<String, NdArray> e : Npz.read(DIR.resolve(name + ".expected.npz")).entrySet()) {
            if (e.getKey().startsWith("weights/")) {
                w.put(e.getKey().substring("weights/".length()), e.getValue());
            }
        }
        return w;
    }

    private static void assertFloatBits(NdArray want, NdArray got, String what) {
        assertEquals(want.dtype(), got.dtype(), what);
        assertArrayEquals(want.shape(), got.shape(), what);
        for (int i = 0; i < want.size(); i++) {
            assertEquals(Float.floatToRawIntBits(want.floats()[i]), Float.floatToRawIntBits(got.floats()[i]), what + " [" + i + "]");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"authors_mnist_dspn_2019", "authors_mnist_dspn_zip"})
    void importWritesTheWeightsBitForBitWithTheirSettingsAndLog(String name, @TempDir Path dir) throws Exception {
        Path out = dir.resolve("w.npz");
        Run r = ok("import-torch", DIR.resolve(name).toString(), "--out", out.toString());
        Map<String, NdArray> w = Npz.read(out);
        Map<String, NdArray> want = expectedWeights(name);
        List<String> weightKeys = new ArrayList<>(w.keySet());
        weightKeys.removeIf(k -> k.startsWith("meta/"));
        assertEquals(new ArrayList<>(want.keySet()), weightKeys, "the authors' names, in file order");
        for (String k : want.keySet()) {
            assertFloatBits(want.get(k), w.get(k), k);
        }
        assertEquals(AUTHORS, ModelConfigJson.parse(TorchReport.text(w.get("meta/config_json"))));
        assertEquals(1L, w.get("meta/format_version").longs()[0]);
        assertEquals("dspn-mnist", TorchReport.text(w.get("meta/torch/name")));
        assertEquals("f4ad7965041a4b81bd1c60739f1339cbde28a0bd", TorchReport.text(w.get("meta/torch/hash")));
        assertTrue(TorchReport.text(w.get("meta/torch/args_json")).contains("\"dataset\":\"mnist\""));
        Map<String, NdArray> exp = Npz.read(DIR.resolve(name + ".expected.npz"));
        for (String k : List.of("train_loss", "train_last", "test_loss", "test_last", "train_mae")) {
            double[] m = exp.get("tracker_mean/" + k).doubles();
            double[] got = w.get("meta/torch/tracker/" + k + "/epoch_mean").doubles();
            for (int i = 0; i < m.length; i++) {
                assertEquals(Double.doubleToLongBits(m[i]), Double.doubleToLongBits(got[i]), k);
            }
        }
        assertArrayEquals(new long[] {4, 4, 4}, w.get("meta/torch/tracker/train_loss/counts").longs());
        assertEquals(12, w.get("meta/torch/tracker/train_loss/values").size());

        String text = r.out();
        assertTrue(text.contains("name     dspn-mnist\n"), text);
        assertTrue(text.contains("commit   f4ad7965041a4b81bd1c60739f1339cbde28a0bd\n"), text);
        assertTrue(text.contains("args     name='dspn-mnist' resume=None encoder='FSEncoder' decoder='DSPN' epochs=3 latent=8 dim=16"), text);
        double testLoss = exp.get("tracker_mean/test_loss").doubles()[2];
        assertTrue(text.contains("tracker  3 epochs; last epoch means: train_loss ") && text.contains("test_loss "
                + String.format(Locale.ROOT, "%.6g", testLoss) + " (2 batches)"), text);
        assertTrue(text.contains("weights  16 tensors, 2,306 values; float32; saved on cuda:0, read onto the host"), text);
        assertTrue(text.contains("model    mnist dspn model (hidden 16, latent 8, N 342), T 10, eta 800.0, float")
                && !text.contains("lambda"), text);
        assertTrue(text.endsWith("wrote " + out + "\n"), text);
    }

    @Test
    void aTraceOfTheImportedFileEqualsTheTraceOfTheSameWeightsAsNpz(@TempDir Path dir) throws Exception {
        Path imported = dir.resolve("imported.npz");
        ok("import-torch", DIR.resolve("authors_mnist_dspn_2019").toString(), "--out", imported.toString());
        Path plain = dir.resolve("plain.npz");
        Npz.write(plain, expectedWeights("authors_mnist_dspn_2019")); // what numpy wrote from torch.load's tensors
        Random rng = new Random(11);
        double[] set = new double[2 * 2 * 342];
        double[] mask = new double[2 * 342];
        for (int i = 0; i < set.length; i++) {
            set[i] = rng.nextDouble();
        }
        for (int i = 0; i < mask.length; i++) {
            mask[i] = i % 342 < 40 + 30 * (i / 342) ? 1 : 0;
        }
        Map<String, NdArray> in = new LinkedHashMap<>();
        in.put("target_set", NdArray.of(set, 2, 2, 342));
        in.put("target_mask", NdArray.of(mask, 2, 342));
        Path input = dir.resolve("in.npz");
        Npz.write(input, in);
        Path a = dir.resolve("a.npz");
        Path b = dir.resolve("b.npz");
        ok("trace", "--model", "mnist", "--weights", imported.toString(), "--input", input.toString(), "--out", a.toString(),
                "--iters", "2", "--dtype", "f64");
        ok("trace", "--model", "mnist", "--weights", plain.toString(), "--input", input.toString(), "--out", b.toString(),
                "--iters", "2", "--dtype", "f64");
        Map<String, NdArray> ta = Npz.read(a);
        Map<String, NdArray> tb = Npz.read(b);
        assertEquals(tb.keySet(), ta.keySet());
        assertTrue(ta.containsKey("grad/set_decoder.starting_set") && ta.containsKey("sets"));
        for (String k : tb.keySet()) {
            assertEquals(tb.get(k), ta.get(k), k);
        }
    }

    @Test
    void neverWritesOverAFileOrTheInputUnlessForced(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("dspn-mnist");
        Files.copy(DIR.resolve("authors_mnist_dspn_zip"), src);
        byte[] before = Files.readAllBytes(src);
        // FILE is no .npz by name: never its own --out, even with --force
        fails("--out " + src + ": writes NumPy arrays (an .npz archive); give a file name ending in .npz", "import-torch",
                src.toString(), "--out", src.toString(), "--force");
        assertArrayEquals(before, Files.readAllBytes(src));
        Path named = dir.resolve("dspn-mnist.npz"); // a torch.save file named *.npz (recognised by content)
        Files.copy(src, named);
        fails("--out " + named + " is the input file; give --force to write over it", "import-torch", named.toString(), "--out",
                named.toString());
        assertArrayEquals(before, Files.readAllBytes(named));
        Path out = dir.resolve("w.npz");
        Files.writeString(out, "keep me");
        fails("--out " + out + " exists; give --force", "import-torch", src.toString(), "--out", out.toString());
        assertEquals("keep me", Files.readString(out));
        ok("import-torch", src.toString(), "--out", out.toString(), "--force");
        assertEquals(16 + 2, Npz.read(out).keySet().stream().filter(k -> !k.startsWith("meta/torch/")).count());
        // a run folder's checkpoint, not even with --force
        Path run = Files.createDirectories(dir.resolve("run"));
        Files.writeString(run.resolve("run.json"), "{}");
        Path ck = Files.writeString(run.resolve("checkpoint.npz"), "the run's");
        fails("--out " + ck + ": " + run.toAbsolutePath() + " is a run folder (it holds run.json); write outside it",
                "import-torch", src.toString(), "--out", ck.toString(), "--force");
        assertEquals("the run's", Files.readString(ck));
    }

    @Test
    void hostileOrForeignFilesAreOneLineErrorsAndWriteNothing(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("w.npz");
        fails("refused global 'posix.system'", "import-torch", DIR.resolve("hostile_os_system_legacy.pt").toString(), "--out", out.toString());
        fails("an .npz already", "import-torch", DIR.resolve("views_zip.pt.expected.npz").toString(), "--out", out.toString());
        Path txt = dir.resolve("notes");
        Files.writeString(txt, "not a checkpoint");
        fails(txt + ": not a torch.save file", "import-torch", txt.toString(), "--out", out.toString());
        fails("no such file", "import-torch", dir.resolve("missing").toString(), "--out", out.toString());
        fails("does not exist", "import-torch", DIR.resolve("authors_mnist_dspn_zip").toString(), "--out",
                dir.resolve("no/such/folder/w.npz").toString());
        fails("no state_dict", "import-torch", DIR.resolve("views_legacy.pt").toString(), "--out", out.toString());
        fails("--model: ", "import-torch", DIR.resolve("authors_mnist_dspn_zip").toString(), "--out", out.toString(), "--model", "mnist");
        assertFalse(Files.exists(out));
    }

    @Test
    void aBareStateDictImportsWithModelSettingsFromModelAndItsShapes(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("mlp.npz");
        Path sd = DIR.resolve("mnist_mlp_state_dict.pt");
        fails("weights do not fit the mnist dspn model (hidden 4, latent 8, N 342): missing set_decoder.starting_set",
                "import-torch", sd.toString(), "--out", out.toString(), "--model", "mnist");
        Run r = ok("import-torch", sd.toString(), "--out", out.toString(), "--model", "mnist", "--decoder", "mlp");
        assertTrue(r.out().contains("model    mnist mlp model (hidden 4, latent 8, N 342)"), r.out());
        ModelConfig c = ModelConfigJson.parse(TorchReport.text(Npz.read(out).get("meta/config_json")));
        assertEquals(ModelConfig.paper(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.MLP).withSizes(8, 4), c);
        // without --model: the weights alone, and a note saying so
        Path bare = dir.resolve("bare.npz");
        Run r2 = ok("import-torch", sd.toString(), "--out", bare.toString());
        assertTrue(r2.out().contains("note     no args in the file"), r2.out());
        assertFalse(Npz.read(bare).containsKey("meta/config_json"));
        assertEquals(13 + 1, Npz.read(bare).size());
    }

    @Test
    void theImportedFileEvaluatesAsACheckpoint(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("w.npz");
        ok("import-torch", DIR.resolve("authors_mnist_dspn_zip").toString(), "--out", out.toString());
        Run r = ok("eval", "mnist", "--checkpoint", out.toString(), "--threads", "2");
        assertTrue(r.out().contains("test_loss") && r.out().contains("images 96"), r.out());
    }

    // ================================================================ inspect

    @Test
    void inspectShowsTheAuthorsFileAndItsTensors() {
        Run r = ok("inspect", DIR.resolve("authors_mnist_dspn_2019").toString());
        String t = r.out();
        assertTrue(t.contains("format   legacy torch.save format (PyTorch before 1.6), pickle protocol 2"), t);
        assertTrue(t.contains("name     dspn-mnist") && t.contains("commit   f4ad79") && t.contains("tracker  3 epochs"), t);
        assertTrue(t.contains("(from the file's args; shapes fit)"), t);
        assertTrue(t.contains("\n  set_decoder.starting_set           float32  (1, 2, 342)  cuda:0\n"), t);
        Run z = ok("inspect", DIR.resolve("views_zip.pt").toString());
        assertTrue(z.out().contains("'nested': [1, -1099511627776,") && z.out().contains("weights  none (no state_dict"), z.out());
        Run s = ok("inspect", DIR.resolve("state_dict_legacy.pt").toString());
        assertTrue(s.out().contains("  f16                  float16   (7,)    cpu"), s.out());
    }

    @Test
    void inspectShowsOurCheckpointsRunFoldersAndWeights(@TempDir Path dir) throws Exception {
        ModelConfig cfg = ModelConfig.paper(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.DSPN).withSizes(4, 8).withSetSize(12);
        Path run = Files.createDirectories(dir.resolve("run"));
        try (CpuBackend be = new CpuBackend(1)) {
            Net net = Net.create(be, cfg, new MersenneTwister(3));
            Checkpoint.save(run.resolve("checkpoint.npz"), net, new Adam(net.namedParameters(), 1e-3), new Checkpoint.Position(2, 5, 17),
                    ModelConfigJson.toJson(cfg));
        }
        for (Path p : List.of(run, run.resolve("checkpoint.npz"))) {
            Run r = ok("inspect", p.toString());
            String t = r.out();
            assertTrue(t.contains("format   dspn4j training checkpoint (.npz)"), t);
            assertTrue(t.contains("position epoch 2, batch 5 (step 17); Adam steps 0\n"), t);
            assertTrue(t.contains("model    mnist dspn model (hidden 8, latent 4, N 12)") && t.contains("(meta/config_json; shapes fit)"), t);
            assertTrue(t.contains("  set_decoder.starting_set           <f4  (1, 2, 12)"), t);
        }
        assertTrue(ok("inspect", run.toString()).out().startsWith("run      " + run + "\n"));

        // a weights file whose settings disagree with its shapes: exit code 1 and the problem named
        Path w = dir.resolve("w.npz");
        ok("export-weights", "--model", "mnist", "--latent", "4", "--hidden", "8", "--set-size", "12", "--out", w.toString());
        Run plain = ok("inspect", w.toString());
        assertTrue(plain.out().contains("format   dspn4j weights (.npz) under the authors' names, format version 1"), plain.out());
        Map<String, NdArray> a = new LinkedHashMap<>(Npz.read(w));
        a.put("meta/config_json", TorchReport.text(ModelConfigJson.toJson(cfg.withSizes(4, 16))));
        Npz.write(w, a);
        Run bad = run("inspect", w.toString());
        assertEquals(1, bad.rc(), bad.out() + bad.err());
        assertTrue(bad.out().contains("shapes DO NOT FIT") && bad.out().contains("problem  weights do not fit the mnist dspn model "
                + "(hidden 16, latent 4, N 12): wrong shape set_encoder.conv.0.weight expected (16, 3, 1), found (8, 3, 1)"), bad.out());
        fails("a folder without checkpoint.npz", "inspect", dir.toString());
        fails("refused global 'posix.system'", "inspect", DIR.resolve("hostile_os_system_zip.pt").toString());
    }
}
