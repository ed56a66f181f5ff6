package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.dspn4j.experiment.TrainingCurves;
import org.dspn4j.experiment.TrainingLoop;
import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;
import org.dspn4j.viz.LossCurveFigure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files a user names and the figures a run draws: every .npz output is named *.npz (refused otherwise, before any
 * work, and nothing written, with --force too); train's loss.png chooses its y axis by the rule of show --curves; show
 * --curves finds a shipped model's curves in the folder of its name beside it, and a refusal names where it looked.
 */
class OutputsFiguresAuditTest {
    private static final Path TORCH = Path.of("src", "test", "resources", "torch", "authors_mnist_dspn_zip");
    private static final Path SHIPPED = Path.of("models", "mnist-dspn.npz");
    private static final Path SHIPPED_RUN = Path.of("models", "mnist-dspn");

    /** A refusal: exit code 2, exactly {@code line} on standard error, nothing on standard output. */
    static void refused(String line, String... args) {
        ImportTorchCommandTest.Run r = ImportTorchCommandTest.run(args);
        assertEquals(2, r.rc(), r.out() + r.err());
        assertEquals(line, r.err().strip(), String.join(" ", args));
        assertEquals("", r.out(), "nothing done before the refusal: " + r.out());
    }

    /** A success: exit code 0. */
    static ImportTorchCommandTest.Run ok(String... args) {
        ImportTorchCommandTest.Run r = ImportTorchCommandTest.run(args);
        assertEquals(0, r.rc(), String.join(" ", args) + "\n" + r.out() + r.err());
        return r;
    }

    private static String npzRefusal(Path out) {
        return "dspn4j: --out " + out + ": writes NumPy arrays (an .npz archive); give a file name ending in .npz";
    }

    // ================================================================ .npz outputs are named *.npz

    @Test
    void everyNpzOutputRefusesAnotherNameBeforeAnyWorkAndWritesNothing(@TempDir Path dir) throws Exception {
        Path input = dir.resolve("input.npz");
        Npz.write(input, Map.of("target_set", NdArray.of(new double[20], 2, 2, 5), "target_mask", NdArray.of(new double[10], 2, 5)));
        List<List<String>> commands = List.of(
                List.of("export-weights", "--latent", "4", "--hidden", "8", "--set-size", "5"),
                List.of("trace", "--model", "mnist", "--backend", "cpu", "--threads", "1", "--iters", "1", "--input", input.toString()),
                List.of("import-torch", TORCH.toString()));
        for (List<String> command : commands) {
            for (String name : new String[] {"weights.txt", "result.png", "weights", ".npz", "w.npz.bak"}) {
                Path out = dir.resolve(name);
                refused(npzRefusal(out), with(command, "--out", out.toString()));
                assertFalse(Files.exists(out), command.get(0) + " wrote " + out);
            }
            // an existing file under another name is no .npz to write over, even with --force
            Path kept = Files.writeString(dir.resolve("result.png"), "a figure kept");
            refused(npzRefusal(kept), with(command, "--out", kept.toString(), "--force"));
            assertEquals("a figure kept", Files.readString(kept));
            Files.delete(kept);
        }
    }

    @Test
    void npzNamesAreWrittenAndAnExistingOneOnlyWithForce(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("W.NPZ"); // the extension in any case, as show's .png
        ok("export-weights", "--latent", "4", "--hidden", "8", "--set-size", "5", "--out", out.toString());
        byte[] first = Files.readAllBytes(out);
        assertTrue(Npz.read(out).containsKey("meta/config_json"));
        ImportTorchCommandTest.Run r = ImportTorchCommandTest.run("export-weights", "--latent", "4", "--hidden", "8",
                "--set-size", "5", "--seed", "2", "--out", out.toString());
        assertEquals(2, r.rc(), r.err());
        assertEquals("dspn4j: --out " + out + " exists; give --force to write over it", r.err().strip());
        assertArrayEquals(first, Files.readAllBytes(out));
        ok("export-weights", "--latent", "4", "--hidden", "8", "--set-size", "5", "--seed", "2", "--out", out.toString(),
                "--force");
        assertFalse(java.util.Arrays.equals(first, Files.readAllBytes(out)), "--force wrote the new weights");
    }

    private static String[] with(List<String> command, String... more) {
        List<String> all = new ArrayList<>(command);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    // ================================================================ loss.png: show --curves' axis rule

    /** A metrics.jsonl as train writes it: the initial evaluation, then train_last per step and test_last every 2. */
    private static Path metrics(Path dir, double... last) throws Exception {
        StringBuilder b = new StringBuilder("{\"step\":0,\"epoch\":0,\"test_loss\":" + last[0] + ",\"test_last\":" + last[0] + "}\n");
        for (int s = 1; s < last.length; s++) {
            b.append("{\"step\":").append(s).append(",\"epoch\":0,\"train_loss\":").append(last[s]).append(",\"train_last\":")
                    .append(last[s]).append(",\"seconds\":1.0}\n");
            if (s % 2 == 0) {
                b.append("{\"step\":").append(s).append(",\"epoch\":0,\"test_loss\":").append(last[s]).append(",\"test_last\":")
                        .append(last[s]).append("}\n");
            }
        }
        Files.createDirectories(dir);
        return Files.writeString(dir.resolve("metrics.jsonl"), b.toString(), StandardCharsets.UTF_8);
    }

    /** Whether the figure's y axis is logarithmic, by where it draws: equal ratios at equal heights. */
    private static boolean drawnOnLogAxis(LossCurveFigure f, double a, double b, double c) {
        double ab = f.pixelOf(1, a)[1] - f.pixelOf(1, b)[1];
        double bc = f.pixelOf(1, b)[1] - f.pixelOf(1, c)[1];
        return Math.abs(ab - bc) < 1e-6;
    }

    @Test
    void lossPngSwitchesToALogAxisWhereTheCurvesSpanMoreThanAHundredfold(@TempDir Path dir) throws Exception {
        // MNIST's first steps: 0.09 to 0.02, a factor of 4.5: linear
        LossCurveFigure narrow = TrainingLoop.lossCurve(metrics(dir.resolve("a"), 0.09, 0.08, 0.06, 0.04, 0.03, 0.02), "t");
        assertFalse(narrow.isLogY());
        assertFalse(drawnOnLogAxis(narrow, 0.08, 0.04, 0.02), "0.08, 0.04, 0.02 are equally spaced on a log axis only");
        // a longer run: 0.09 to 0.0002, a factor of 450: log
        LossCurveFigure wide = TrainingLoop.lossCurve(metrics(dir.resolve("b"), 0.09, 0.02, 0.002, 0.0008, 0.0004, 0.0002), "t");
        assertTrue(wide.isLogY());
        assertTrue(drawnOnLogAxis(wide, 0.08, 0.04, 0.02));
        // the shipped DSPN run's own record (0.0886 before training, about 0.0002 after 3,000 steps)
        assertTrue(TrainingLoop.lossCurve(SHIPPED_RUN.resolve("metrics.jsonl"), "t").isLogY());
    }

    @Test
    void lossPngAndShowCurvesChooseTheSameAxisForTheSameValues(@TempDir Path dir) throws Exception {
        double[][] cases = {{0.09, 0.05, 0.02}, {0.09, 0.009, 0.0009}, {0.1, 0.01, 0.001}, {0.1, 0.01, 0.0009}};
        for (double[] v : cases) {
            LossCurveFigure loss = TrainingLoop.lossCurve(metrics(dir.resolve("r" + v[2]), v[0], v[1], v[2]), "t");
            TrainingCurves.Run run = new TrainingCurves.Run("r", new double[] {1, 2}, new double[] {v[1], v[2]},
                    new double[] {0}, new double[] {v[0]});
            LossCurveFigure curves = TrainingCurves.figure("t", List.of(run));
            assertEquals(v[0] > 100 * v[2], loss.isLogY(), java.util.Arrays.toString(v));
            assertEquals(curves.isLogY(), loss.isLogY(), java.util.Arrays.toString(v));
        }
    }

    // ================================================================ show --curves of a shipped model

    @Test
    void showCurvesOfTheShippedModelReadsTheFolderOfItsName(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("c.png");
        ImportTorchCommandTest.Run r = ok("show", "mnist", "--checkpoint", SHIPPED.toString(), "--curves", png.toString());
        assertEquals("wrote " + png, r.out().strip());
        assertTrue(Files.size(png) > 0);
        // the same layout elsewhere: w.npz beside w/metrics.jsonl
        Path w = Files.copy(SHIPPED, dir.resolve("w.npz"));
        Files.createDirectories(dir.resolve("w"));
        Files.copy(SHIPPED_RUN.resolve("metrics.jsonl"), dir.resolve("w").resolve("metrics.jsonl"));
        ok("show", "mnist", "--checkpoint", w.toString(), "--curves", dir.resolve("w.png").toString());
        assertTrue(Files.isRegularFile(dir.resolve("w.png")));
    }

    @Test
    void showCurvesWithoutARecordNamesWhereItLooked(@TempDir Path dir) throws Exception {
        Path solo = Files.copy(SHIPPED, Files.createDirectories(dir.resolve("kept")).resolve("solo.npz"));
        Path png = dir.resolve("c.png");
        refused("dspn4j: --curves: " + solo + " records no training curves: it holds no authors' tracker, and there is no "
                + dir.resolve("kept").resolve("metrics.jsonl") + " nor " + dir.resolve("kept").resolve("solo").resolve(
                        "metrics.jsonl"), "show", "mnist", "--checkpoint", solo.toString(), "--curves", png.toString());
        assertFalse(Files.exists(png));
    }
}
