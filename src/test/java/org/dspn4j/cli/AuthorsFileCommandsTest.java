package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

import org.dspn4j.experiment.RunRecord;
import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;
import org.dspn4j.viz.LossCurveFigure;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code eval}, {@code show} and {@code trace} on the authors' {@code torch.save} log given directly
 * (golden/generate_torch_files.py): the same bits as on the {@code .npz} that {@code import-torch}
 * writes from it; args that disagree with the weights, and files of another task, refused in one line
 * with nothing written; {@code show --curves [--compare RUN]}.
 */
class AuthorsFileCommandsTest {
    private static final Path DIR = Path.of("src", "test", "resources", "torch");
    private static final String[] CPU = {"--threads", "2", "--backend", "cpu"};
    /** The palette of LossCurveFigure: the first four series. */
    private static final int BLUE = 0x1f77b4;
    private static final int ORANGE = 0xff7f0e;
    private static final int GREEN = 0x2ca02c;
    private static final int RED = 0xd62728;

    @TempDir
    static Path shared;
    /** The import of each authors' file, by name. */
    private static final Map<String, Path> IMPORTED = new LinkedHashMap<>();
    /** A finished 2-step MNIST run of dspn4j. */
    private static Path ourRun;

    @BeforeAll
    static void importAndTrain() throws Exception {
        for (String name : List.of("authors_mnist_dspn_2019", "authors_mnist_dspn_zip")) {
            Path out = shared.resolve(name + ".npz");
            ok("import-torch", torch(name), "--out", out.toString());
            IMPORTED.put(name, out);
        }
        ourRun = shared.resolve("ours");
        ok("train", "mnist", "--steps", "2", "--latent", "4", "--hidden", "8", "--iters", "2", "--batch", "4", "-q",
                "--threads", "2", "--backend", "cpu", "--out", ourRun.toString());
    }

    private static String torch(String name) {
        return DIR.resolve(name).toString();
    }

    private static String[] with(String[] tail, String... head) {
        String[] a = new String[head.length + tail.length];
        System.arraycopy(head, 0, a, 0, head.length);
        System.arraycopy(tail, 0, a, head.length, tail.length);
        return a;
    }

    private static ImportTorchCommandTest.Run ok(String... args) {
        ImportTorchCommandTest.Run r = ImportTorchCommandTest.run(args);
        assertEquals(0, r.rc(), String.join(" ", args) + "\n" + r.out() + r.err());
        return r;
    }

    /** A refusal: exit code 2 and one line on stderr containing every part. */
    private static String fails(String[] parts, String... args) {
        ImportTorchCommandTest.Run r = ImportTorchCommandTest.run(args);
        assertEquals(2, r.rc(), String.join(" ", args) + "\n" + r.out() + r.err());
        String err = r.err().strip();
        assertFalse(err.contains("\n"), err);
        assertFalse(err.contains("\tat "), err);
        assertTrue(err.startsWith("dspn4j: "), err);
        for (String p : parts) {
            assertTrue(err.contains(p), "expected '" + p + "' in: " + err);
        }
        return err;
    }

    /** Every file under a folder, by relative path, with its bytes. */
    private static Map<String, byte[]> tree(Path root) throws Exception {
        Map<String, byte[]> m = new LinkedHashMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                m.put(root.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return m;
    }

    // ================================================================ the same bits as the import

    @ParameterizedTest
    @ValueSource(strings = {"authors_mnist_dspn_2019", "authors_mnist_dspn_zip"})
    void evalOnTheAuthorsFileGivesTheBitsOfEvalOnItsImport(String name, @TempDir Path dir) throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        ImportTorchCommandTest.Run direct = ok(with(CPU, "eval", "mnist", "--checkpoint", torch(name), "--export", a.toString()));
        ImportTorchCommandTest.Run imported = ok(with(CPU, "eval", "mnist", "--checkpoint", IMPORTED.get(name).toString(), "--export",
                b.toString()));
        assertTrue(direct.out().contains("test_loss ") && direct.out().contains("images 96"), direct.out());
        assertEquals(imported.out().replace(b.toString(), "OUT"), direct.out().replace(a.toString(), "OUT"));
        Map<String, byte[]> ta = tree(a);
        Map<String, byte[]> tb = tree(b);
        assertEquals(tb.keySet(), ta.keySet());
        assertTrue(ta.containsKey("detections/95.txt") && ta.containsKey("detections/0-step10.txt"), ta.keySet().toString());
        for (String k : ta.keySet()) {
            assertArrayEquals(tb.get(k), ta.get(k), k);
        }
    }

    @Test
    void evalDecodesWithTheBatchSizeOfTheAuthorsArgs(@TempDir Path dir) throws Exception {
        // the import with args.batch_size = 8 in place of 32 (DSPN's inner step is eta/(B*D): B changes the numbers)
        Map<String, NdArray> a = new LinkedHashMap<>(Npz.read(IMPORTED.get("authors_mnist_dspn_zip")));
        String args = TorchReport.text(a.get("meta/torch/args_json"));
        assertTrue(args.contains("\"batch_size\":32"), args);
        a.put("meta/torch/args_json", TorchReport.text(args.replace("\"batch_size\":32", "\"batch_size\":8")));
        Path b8 = dir.resolve("b8.npz");
        Npz.write(b8, a);
        String recorded = ok(with(CPU, "eval", "mnist", "--checkpoint", b8.toString())).out();
        assertEquals(ok(with(CPU, "eval", "mnist", "--checkpoint", b8.toString(), "--batch", "8")).out(), recorded);
        String at32 = ok(with(CPU, "eval", "mnist", "--checkpoint", b8.toString(), "--batch", "32")).out();
        assertFalse(at32.equals(recorded), "B = 8 and B = 32 decode differently:\n" + recorded + at32);
        assertEquals(ok(with(CPU, "eval", "mnist", "--checkpoint", torch("authors_mnist_dspn_zip"))).out(), at32,
                "the file's own args.batch_size is 32");
    }

    @Test
    void traceOnTheAuthorsFileTakesItsArgsAndGivesTheBitsOfTraceOnItsImport(@TempDir Path dir) throws Exception {
        Random rng = new Random(5);
        double[] set = new double[2 * 2 * 342];
        double[] mask = new double[2 * 342];
        for (int i = 0; i < set.length; i++) {
            set[i] = rng.nextDouble();
        }
        for (int i = 0; i < mask.length; i++) {
            mask[i] = i % 342 < 30 + 50 * (i / 342) ? 1 : 0;
        }
        Map<String, NdArray> in = new LinkedHashMap<>();
        in.put("target_set", NdArray.of(set, 2, 2, 342));
        in.put("target_mask", NdArray.of(mask, 2, 342));
        Path input = dir.resolve("in.npz");
        Npz.write(input, in);
        String file = torch("authors_mnist_dspn_2019");
        String npz = IMPORTED.get("authors_mnist_dspn_2019").toString();

        // no option: the args' model (T 10, eta 800, float32 FSPool ratios, float32); the import needs them spelt out
        Path a = dir.resolve("a.npz");
        Path b = dir.resolve("b.npz");
        ok("trace", "--model", "mnist", "--weights", file, "--input", input.toString(), "--out", a.toString(), "--backend", "cpu");
        ok("trace", "--model", "mnist", "--weights", npz, "--input", input.toString(), "--out", b.toString(), "--backend", "cpu",
                "--dtype", "f32", "--iters", "10", "--inner-lr", "800", "--float32-ratios");
        assertSameArrays(Npz.read(b), Npz.read(a));
        assertEquals(NdArray.DType.F4, Npz.read(a).get("sets").dtype(), "float32, as the args' run (trace's own default is f64)");
        assertEquals(11, Npz.read(a).get("sets").shape()[0], "T = 10: Y(0)..Y(10)");

        // options given override the args
        Path c = dir.resolve("c.npz");
        Path d = dir.resolve("d.npz");
        ok("trace", "--model", "mnist", "--weights", file, "--input", input.toString(), "--out", c.toString(), "--backend", "cpu",
                "--iters", "2", "--dtype", "f64");
        ok("trace", "--model", "mnist", "--weights", npz, "--input", input.toString(), "--out", d.toString(), "--backend", "cpu",
                "--iters", "2", "--dtype", "f64", "--float32-ratios");
        assertSameArrays(Npz.read(d), Npz.read(c));
        assertEquals(NdArray.DType.F8, Npz.read(c).get("sets").dtype());
        assertEquals(3, Npz.read(c).get("sets").shape()[0]);
    }

    private static void assertSameArrays(Map<String, NdArray> want, Map<String, NdArray> got) {
        assertEquals(want.keySet(), got.keySet());
        assertTrue(got.containsKey("grad/set_decoder.starting_set") && got.containsKey("outer_loss"), got.keySet().toString());
        for (String k : want.keySet()) {
            assertEquals(want.get(k), got.get(k), k); // NdArray equality: dtype, shape and every bit
        }
    }

    @Test
    void showOnTheAuthorsFileDrawsTheBitsOfShowOnItsImportWithAnAuthorsBaseline(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.png");
        Path b = dir.resolve("b.png");
        ok(with(CPU, "show", "mnist", "--checkpoint", torch("authors_mnist_dspn_2019"), "--baseline", torch("authors_mnist_dspn_zip"),
                "--rows", "2", "--out", a.toString()));
        ok(with(CPU, "show", "mnist", "--checkpoint", IMPORTED.get("authors_mnist_dspn_2019").toString(), "--baseline",
                IMPORTED.get("authors_mnist_dspn_zip").toString(), "--rows", "2", "--out", b.toString()));
        assertArrayEquals(Files.readAllBytes(b), Files.readAllBytes(a));
    }

    // ================================================================ refusals

    @Test
    void argsThatDisagreeWithTheWeightsAreOneLineNamingTheFileTheWeightAndBothShapesAndNothingIsWritten(@TempDir Path dir)
            throws Exception {
        String bad = torch("authors_mnist_dspn_args_mismatch_zip");
        String[] parts = {bad + ": weights do not fit the mnist dspn model (hidden 32, latent 8, N 342)",
            "set_encoder.conv.0.weight expected (32, 3, 1), found (16, 3, 1)"};
        Path export = dir.resolve("export");
        Path png = dir.resolve("fig.png");
        Path curves = dir.resolve("curves.png");
        Path trace = dir.resolve("trace.npz");
        fails(parts, with(CPU, "eval", "mnist", "--checkpoint", bad, "--export", export.toString()));
        fails(parts, with(CPU, "show", "mnist", "--checkpoint", bad, "--out", png.toString(), "--curves", curves.toString()));
        fails(parts, with(CPU, "show", "mnist", "--checkpoint", torch("authors_mnist_dspn_zip"), "--baseline", bad, "--out",
                png.toString()));
        Path input = dir.resolve("in.npz");
        Map<String, NdArray> in = new LinkedHashMap<>();
        in.put("target_set", NdArray.of(new double[2 * 342], 1, 2, 342));
        in.put("target_mask", NdArray.of(new double[342], 1, 342));
        Npz.write(input, in);
        fails(parts, "trace", "--model", "mnist", "--weights", bad, "--input", input.toString(), "--out", trace.toString());
        // an option that disagrees with the weights: the user's --decoder against the authors' DSPN weights
        fails(new String[] {torch("authors_mnist_dspn_zip") + ": weights do not fit the mnist mlp model", "unknown set_decoder.starting_set"},
                "trace", "--model", "mnist", "--decoder", "mlp", "--weights", torch("authors_mnist_dspn_zip"), "--input", input.toString(),
                "--out", trace.toString());
        for (Path p : List.of(export, png, curves, trace)) {
            assertFalse(Files.exists(p), p + " was written");
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(input), s.toList(), "nothing but the input in the folder");
        }
    }

    @Test
    void aFileOfAnotherTaskIsOneLineNamingItAndNothingIsWritten(@TempDir Path dir) throws Exception {
        String clevr = torch("authors_clevr_state_args_zip");
        String mnist = torch("authors_mnist_dspn_zip");
        Path png = dir.resolve("fig.png");
        fails(new String[] {"--checkpoint " + clevr + " holds a clevr-state model, not mnist"},
                with(CPU, "eval", "mnist", "--checkpoint", clevr));
        fails(new String[] {"--checkpoint " + clevr + " holds a clevr-state model, not mnist"},
                with(CPU, "show", "mnist", "--checkpoint", clevr, "--curves", png.toString()));
        fails(new String[] {"--baseline " + clevr + " holds a clevr-state model, not mnist"},
                with(CPU, "show", "mnist", "--checkpoint", mnist, "--baseline", clevr, "--out", png.toString()));
        fails(new String[] {"--checkpoint " + mnist + " holds a mnist model, not clevr-box"},
                with(CPU, "eval", "clevr-box", "--checkpoint", mnist));
        fails(new String[] {"--checkpoint " + mnist + " holds a mnist model, not clevr-state"},
                with(CPU, "show", "clevr-state", "--checkpoint", mnist, "--out", png.toString()));
        Path input = dir.resolve("in.npz");
        Map<String, NdArray> in = new LinkedHashMap<>();
        in.put("target_set", NdArray.of(new double[2 * 342], 1, 2, 342));
        in.put("target_mask", NdArray.of(new double[342], 1, 342));
        Npz.write(input, in);
        Path trace = dir.resolve("trace.npz");
        fails(new String[] {"--weights " + clevr + " holds a clevr-state model (its args), not mnist"},
                "trace", "--model", "mnist", "--weights", clevr, "--input", input.toString(), "--out", trace.toString());
        // given to its own task, the file's weights (an MNIST model's) do not fit the model its args describe
        fails(new String[] {clevr + ": weights do not fit the clevr-state dspn model (hidden 16, latent 8, N 10)"},
                with(CPU, "eval", "clevr-state", "--checkpoint", clevr));
        assertFalse(Files.exists(png));
        assertFalse(Files.exists(trace));
    }

    @Test
    void aStateDictWithoutArgsIsRefusedAsACheckpointNamingImportTorch(@TempDir Path dir) {
        String sd = torch("mnist_mlp_state_dict.pt");
        fails(new String[] {sd + ": a torch.save file without the authors' args", "import-torch " + sd + " --model"},
                with(CPU, "eval", "mnist", "--checkpoint", sd));
    }

    // ================================================================ show --curves

    /** The image, with its size checked. */
    private static BufferedImage png(Path p) throws Exception {
        BufferedImage img = ImageIO.read(p.toFile());
        assertEquals(720, img.getWidth());
        assertEquals(440, img.getHeight());
        return img;
    }

    private static boolean near(int rgb, int colour) {
        for (int shift = 0; shift <= 16; shift += 8) {
            if (Math.abs((rgb >> shift & 0xFF) - (colour >> shift & 0xFF)) > 24) {
                return false;
            }
        }
        return true;
    }

    /** Pixels of the colour within the plot (the legend, right of x = 590, left out). */
    private static int count(BufferedImage img, int colour) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < 590; x++) {
                n += near(img.getRGB(x, y), colour) ? 1 : 0;
            }
        }
        return n;
    }

    /** Whether the colour is within 2 pixels of the point. */
    private static boolean drawnAt(BufferedImage img, double[] px, int colour) {
        for (int dy = -2; dy <= 2; dy++) {
            for (int dx = -2; dx <= 2; dx++) {
                if (near(img.getRGB((int) Math.round(px[0]) + dx, (int) Math.round(px[1]) + dy), colour)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The per-epoch means torch.load and Python computed ({@code tracker_mean/<metric>} of the expected npz). */
    private static double[] expectedMeans(String metric) throws Exception {
        return Npz.read(DIR.resolve("authors_mnist_dspn_2019.expected.npz")).get("tracker_mean/" + metric).doubles();
    }

    @Test
    void curvesDrawTheAuthorsPerEpochMeansTheSameFromTheFileAndFromItsImport(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.png");
        Path b = dir.resolve("b.png");
        ImportTorchCommandTest.Run r = ok("show", "mnist", "--checkpoint", torch("authors_mnist_dspn_2019"), "--curves", a.toString());
        assertEquals("wrote " + a + "\n", r.out(), "--curves alone decodes nothing");
        ok("show", "mnist", "--checkpoint", IMPORTED.get("authors_mnist_dspn_2019").toString(), "--curves", b.toString());
        assertArrayEquals(Files.readAllBytes(b), Files.readAllBytes(a));
        BufferedImage img = png(a);
        int white = 0;
        for (int y = 0; y < 440; y++) {
            for (int x = 0; x < 720; x++) {
                white += img.getRGB(x, y) == 0xFFFFFFFF ? 1 : 0;
            }
        }
        assertTrue(white < 720 * 440 - 5000, "not blank: " + (720 * 440 - white) + " pixels drawn");
        assertTrue(count(img, BLUE) > 100 && count(img, ORANGE) > 100, "train (blue) and test (orange) lines");
        assertEquals(0, count(img, GREEN), "no third series without --compare");
        // where the points are: the axes of a figure of the same values (the means torch.load's lists give)
        double[] x = {1, 2, 3};
        double[] train = expectedMeans("train_loss");
        double[] test = expectedMeans("test_loss");
        LossCurveFigure axes = new LossCurveFigure("", "", "").addSeries("t", x, train).addSeries("v", x, test);
        for (int i = 0; i < 3; i++) {
            assertTrue(drawnAt(img, axes.pixelOf(x[i], train[i]), BLUE), "train_loss of epoch " + (i + 1));
            assertTrue(drawnAt(img, axes.pixelOf(x[i], test[i]), ORANGE), "test_loss of epoch " + (i + 1));
        }
    }

    @Test
    void curvesCompareTheAuthorsRunWithOursPerEpoch(@TempDir Path dir) throws Exception {
        Path c = dir.resolve("c.png");
        ok("show", "mnist", "--checkpoint", torch("authors_mnist_dspn_zip"), "--curves", c.toString(), "--compare", ourRun.toString());
        BufferedImage img = png(c);
        assertTrue(count(img, BLUE) > 100 && count(img, ORANGE) > 100, "the authors' train and test lines");
        assertTrue(count(img, RED) > 20, "our test_loss: before training (epoch 0) and after (epoch 1)");
        // our run: 2 steps of epoch 0 (train_loss, their mean at epoch 1), test_loss at step 0 and the final evaluation
        List<Double> ourTrain = new ArrayList<>();
        List<Double> ourTest = new ArrayList<>();
        for (String line : Files.readAllLines(ourRun.resolve("metrics.jsonl"))) {
            Map<String, Double> f = RunRecord.numbers(line);
            if (f.containsKey("train_loss")) {
                assertEquals(0.0, f.get("epoch"));
                ourTrain.add(f.get("train_loss"));
            }
            if (f.containsKey("test_loss")) {
                ourTest.add(f.get("test_loss"));
            }
        }
        assertEquals(2, ourTrain.size());
        assertEquals(2, ourTest.size());
        double[] x = {1, 2, 3};
        LossCurveFigure axes = new LossCurveFigure("", "", "")
                .addSeries("a", x, expectedMeans("train_loss")).addSeries("b", x, expectedMeans("test_loss"))
                .addSeries("c", new double[] {1}, new double[] {(ourTrain.get(0) + ourTrain.get(1)) / 2})
                .addSeries("d", new double[] {0, 1}, new double[] {ourTest.get(0), ourTest.get(1)});
        assertTrue(drawnAt(img, axes.pixelOf(1, (ourTrain.get(0) + ourTrain.get(1)) / 2), GREEN), "our train_loss at epoch 1");
        assertTrue(drawnAt(img, axes.pixelOf(0, ourTest.get(0)), RED), "our test_loss before training");
        assertTrue(drawnAt(img, axes.pixelOf(1, ourTest.get(1)), RED), "our test_loss after epoch 1");
        assertTrue(drawnAt(img, axes.pixelOf(3, expectedMeans("test_loss")[2]), ORANGE), "the authors' last test_loss");

        // our own checkpoint: the metrics.jsonl beside it
        Path own = dir.resolve("own.png");
        ok("show", "mnist", "--checkpoint", ourRun.resolve("checkpoint.npz").toString(), "--curves", own.toString());
        assertTrue(count(png(own), ORANGE) > 20, "this run's test_loss");
    }

    @Test
    void curvesRefuseWhatIsNotARunFolderOrHasNoCurvesAndWriteNothing(@TempDir Path dir) throws Exception {
        Path c = dir.resolve("c.png");
        String file = torch("authors_mnist_dspn_zip");
        Path empty = Files.createDirectories(dir.resolve("not-a-run"));
        fails(new String[] {"--compare " + empty + ": not a run folder (no metrics.jsonl)"},
                "show", "mnist", "--checkpoint", file, "--curves", c.toString(), "--compare", empty.toString());
        fails(new String[] {"--compare " + ourRun.resolve("checkpoint.npz") + ": not a folder"},
                "show", "mnist", "--checkpoint", file, "--curves", c.toString(), "--compare", ourRun.resolve("checkpoint.npz").toString());
        fails(new String[] {"--compare draws a run's curves beside the checkpoint's: it needs --curves"},
                "show", "mnist", "--checkpoint", file, "--out", c.toString(), "--compare", ourRun.toString());
        fails(new String[] {"give --out (the paper's figure), --curves (the training curves) or both"},
                "show", "mnist", "--checkpoint", file);
        Path broken = Files.createDirectories(dir.resolve("broken"));
        Files.writeString(broken.resolve("metrics.jsonl"), "{\"step\": 1, \"epoch\": 0, \"train_loss\": 0.5}\n{\"step\": 2, \"ep");
        fails(new String[] {broken.resolve("metrics.jsonl") + ": line 2 is not a JSON object"},
                "show", "mnist", "--checkpoint", file, "--curves", c.toString(), "--compare", broken.toString());
        Path sd = dir.resolve("mlp.npz");
        ok("import-torch", torch("mnist_mlp_state_dict.pt"), "--model", "mnist", "--decoder", "mlp", "--out", sd.toString());
        fails(new String[] {"--curves: " + sd + " records no training curves"}, "show", "mnist", "--checkpoint", sd.toString(),
                "--curves", c.toString());
        assertFalse(Files.exists(c));
    }
}
