package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** show's --rows, bench's up-front checks, import-torch's --out folder, eval's --iters on a baseline, synth's --help on the seed of a val split. */
class SmallCliFixesTest {
    private static final String[] TINY = {"--latent", "4", "--hidden", "8", "--iters", "2", "--batch", "4", "-q",
        "--threads", "1", "--backend", "cpu"};

    @TempDir
    static Path shared;
    /** A finished 2-step MNIST DSPN run at --batch 4. */
    static Path dspn;

    @BeforeAll
    static void train() {
        dspn = shared.resolve("dspn");
        CliErrorsTest.Result r = CliErrorsTest.run(CliErrorsTest.with(TINY, "train", "mnist", "--steps", "2", "--out",
                dspn.toString()));
        assertEquals(0, r.rc(), r.out() + r.err());
    }

    private static int height(Path png) throws IOException {
        BufferedImage img = ImageIO.read(png.toFile());
        return img.getHeight();
    }

    @Test
    void showMnistDrawsTheRowsAskedForFromSeveralBatches(@TempDir Path dir) throws IOException {
        String ckpt = dspn.resolve("checkpoint.npz").toString();
        int[] heights = new int[3];
        String[] rows = {"4", "12", null};
        for (int i = 0; i < rows.length; i++) {
            Path png = dir.resolve("s" + i + ".png");
            CliErrorsTest.Result r = rows[i] == null
                    ? CliErrorsTest.run("show", "mnist", "--checkpoint", ckpt, "--out", png.toString(), "--threads", "1",
                            "--backend", "cpu")
                    : CliErrorsTest.run("show", "mnist", "--checkpoint", ckpt, "--out", png.toString(), "--rows", rows[i],
                            "--threads", "1", "--backend", "cpu");
            assertEquals(0, r.rc(), r.out() + r.err());
            heights[i] = height(png);
        }
        // rows of equal height below a header: 4, 12 and the default 8 rows
        int row = (heights[1] - heights[0]) / 8;
        assertTrue(row > 0, java.util.Arrays.toString(heights));
        assertEquals(heights[0] + 4 * row, heights[2], java.util.Arrays.toString(heights));
    }

    @Test
    void showRefusesAHugeRowCount(@TempDir Path dir) {
        CliErrorsTest.refused(new String[] {"show", "mnist", "--checkpoint", dspn.resolve("checkpoint.npz").toString(),
            "--out", dir.resolve("s.png").toString(), "--rows", "100000", "--threads", "1", "--backend", "cpu"}, "--rows");
    }

    @Test
    void benchChecksPythonAndAuthorsCodeBeforeTimingAnything(@TempDir Path dir) throws IOException {
        Path code = java.nio.file.Files.createDirectories(dir.resolve("dspn"));
        java.nio.file.Files.writeString(code.resolve("model.py"), "");
        java.nio.file.Files.writeString(code.resolve("dspn.py"), "");
        String[] small = {"--batch", "2", "--warmup", "1", "--steps", "1", "--threads", "1", "--backend", "cpu"};
        CliErrorsTest.Result r = CliErrorsTest.refused(CliErrorsTest.with(small, "bench", "mnist-step", "--python",
                dir.resolve("nonexistent").toString(), "--authors-code", code.toString()), "--python", "no such file");
        assertTrue(!r.out().contains("s/step"), r.out());
        CliErrorsTest.refused(CliErrorsTest.with(small, "bench", "mnist-step", "--python", dir.toString(), "--authors-code",
                code.toString()), "--python", "not an executable file");
        CliErrorsTest.refused(CliErrorsTest.with(small, "bench", "mnist-step", "--python", "no-such-python-here",
                "--authors-code", code.toString()), "--python", "PATH");
        r = CliErrorsTest.refused(CliErrorsTest.with(small, "bench", "mnist-step", "--authors-code",
                dir.resolve("absent").toString()), "--authors-code", "no such folder");
        assertTrue(!r.out().contains("s/step"), r.out());
    }

    @Test
    void benchHelpDescribesDtype() {
        CliErrorsTest.Result r = CliErrorsTest.run("bench", "--help");
        assertEquals(0, r.rc());
        String help = r.out();
        int at = help.indexOf("      --dtype=<dtype>");
        assertTrue(at >= 0, help);
        String line = help.substring(at, help.indexOf('\n', at));
        assertTrue(line.contains("f32") && line.contains("f64"), line);
    }

    @Test
    void importTorchRefusesAFolderAsOutUpFront(@TempDir Path dir) throws IOException {
        Path folder = java.nio.file.Files.createDirectories(dir.resolve("fold"));
        String input = Path.of("src", "test", "resources", "torch", "authors_mnist_dspn_2019").toString();
        for (boolean force : new boolean[] {true, false}) {
            String[] args = force ? new String[] {"import-torch", input, "--out", folder.toString(), "--force"}
                    : new String[] {"import-torch", input, "--out", folder.toString()};
            CliErrorsTest.Result r = CliErrorsTest.refused(args, "--out " + folder + " is a folder; give a file name");
            assertEquals("", r.out(), "nothing read or reported before the refusal");
        }
    }

    @Test
    void evalRefusesItersForABaseline(@TempDir Path dir) {
        Path mlp = dir.resolve("mlp");
        CliErrorsTest.Result r = CliErrorsTest.run(CliErrorsTest.with(TINY, "train", "mnist", "--decoder", "mlp", "--steps", "1",
                "--out", mlp.toString()));
        assertEquals(0, r.rc(), r.out() + r.err());
        r = CliErrorsTest.refused(new String[] {"eval", "mnist", "--checkpoint", mlp.toString(), "--iters", "5", "--threads", "1",
            "--backend", "cpu"}, "--iters", "baseline (mlp)");
        assertTrue(!r.out().contains("test_loss"), r.out());
        r = CliErrorsTest.run("eval", "mnist", "--checkpoint", dspn.toString(), "--iters", "5", "--threads", "1", "--backend",
                "cpu");
        assertEquals(0, r.rc(), r.out() + r.err());
    }

    @Test
    void synthHelpSaysAValSplitNeedsAnotherSeed() {
        CliErrorsTest.Result r = CliErrorsTest.run("synth", "--help");
        assertEquals(0, r.rc());
        String help = r.out().replaceAll("\\s+", " ");
        assertTrue(help.contains("not on --split") && help.contains("give val another seed"), help);
    }

    @Test
    void evalRefusesItersForAClevrBaseline(@TempDir Path dir) {
        Path mlp = dir.resolve("mlp");
        CliErrorsTest.Result r = CliErrorsTest.run("train", "clevr-box", "--decoder", "mlp", "--image-size", "65", "--batch", "2",
                "--steps", "1", "--hidden", "8", "--latent", "8", "--synth-cache", dir.resolve("cache").toString(),
                "--synth-train", "4", "--synth-val", "2", "--synth-seed", "3", "--out", mlp.toString(), "--threads", "1", "-q",
                "--backend", "cpu");
        assertEquals(0, r.rc(), r.out() + r.err());
        r = CliErrorsTest.refused(new String[] {"eval", "clevr-box", "--checkpoint", mlp.toString(), "--iters", "20",
            "--threads", "1", "--backend", "cpu"}, "--iters", "baseline (mlp)");
        assertTrue(!r.out().contains("test_loss"), r.out());
    }
}
