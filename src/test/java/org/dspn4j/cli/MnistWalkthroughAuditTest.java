package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

import org.dspn4j.experiment.RunRecord;
import org.dspn4j.experiment.TrainingCurves;
import org.dspn4j.viz.LossCurveFigure;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A newcomer's MNIST session after the first training run, as README.md and docs/reproduction.md lead it: {@code eval
 * mnist}, {@code show mnist --out/--baseline/--rows/--curves/--compare} on the shipped models, judged by what they print
 * and draw.
 */
class MnistWalkthroughAuditTest {

    /** Figure 3's geometry (SetProgressionFigure): margin, header band, gap between cells, the cell MNIST uses. */
    private static final int MARGIN = 8;
    private static final int HEADER = 20;
    private static final int GAP = 6;
    private static final int CELL = 96;

    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    private static ImportTorchCommandTest.Run ok(String... args) {
        ImportTorchCommandTest.Run r = ImportTorchCommandTest.run(args);
        assertEquals(0, r.rc(), String.join(" ", args) + "\n" + r.out() + r.err());
        return r;
    }

    private static int figureWidth(int columns) {
        return 2 * MARGIN + columns * CELL + (columns - 1) * GAP;
    }

    private static int figureHeight(int rows) {
        return 2 * MARGIN + HEADER + rows * CELL + (rows - 1) * GAP;
    }

    // ================================================================ show mnist --out

    /**
     * A baseline shown with another baseline beside it ({@code --checkpoint models/mnist-mlp.npz --baseline
     * models/mnist-rnn.npz}): three columns, the model, the target and the baseline. It failed with the figure's
     * internal "row 0 has 3 sets and 3 masks for 2 columns".
     */
    @Test
    void aBaselineWithABaselineBesideItDrawsThreeColumns(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("fig.png");
        ok("show", "mnist", "--checkpoint", "models/mnist-mlp.npz", "--baseline", "models/mnist-rnn.npz", "--out",
                png.toString(), "--rows", "1", "--backend", "cpu", "--threads", "1");
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(figureWidth(3), img.getWidth(), "mlp, target, baseline");
        assertEquals(figureHeight(1), img.getHeight());
    }

    /**
     * docs/reproduction.md's command for Figure 3 from the shipped model draws the figure shown under it (13 columns:
     * Ŷ(0)…Ŷ(10), the target, the MLP baseline), and README's (with the rows it names) the README's figure. The
     * command printed there drew 12 columns, without the baseline the image shows.
     */
    @Test
    void theDocsFigure3CommandsDrawTheFiguresShownWithThem(@TempDir Path dir) throws Exception {
        String doc = Files.readString(Path.of("docs", "reproduction.md"));
        int at = doc.indexOf("### Figure 3 from the shipped model");
        assertTrue(at >= 0, "docs/reproduction.md has its Figure 3 section");
        Matcher cmd = Pattern.compile("`\\./dspn4j (show mnist [^`]*)`").matcher(doc);
        assertTrue(cmd.find(at), "the section gives the command");
        Matcher img = Pattern.compile("!\\[[^]]*]\\((img/[^)]+\\.png)\\)").matcher(doc);
        assertTrue(img.find(cmd.end()), "an image follows the command");
        assertSameSize(dir, cmd.group(1), List.of(), Path.of("docs", img.group(1)));
        // the baselines': a command that runs as printed (it lacked --out), and the first image after it
        assertTrue(cmd.find(img.end()), "the baselines' command follows");
        assertTrue(cmd.group(1).contains("models/mnist-mlp.npz"), cmd.group(1));
        assertTrue(img.find(cmd.end()), "the baselines' figures follow");
        assertSameSize(dir, cmd.group(1), List.of(), Path.of("docs", img.group(1)));

        String readme = Files.readString(Path.of("README.md")).replace("\n", " ");
        Matcher rcmd = Pattern.compile("`\\./dspn4j (show mnist --checkpoint +models/mnist-dspn\\.npz[^`]*)`, the figure "
                + "below with `(--rows \\d+)`").matcher(readme);
        assertTrue(rcmd.find(), "README names the command of its figure and its rows");
        Matcher rimg = Pattern.compile("!\\[[^]]*]\\((docs/img/[^)]+\\.png)\\)").matcher(readme);
        assertTrue(rimg.find(rcmd.end()), "README's figure follows");
        assertSameSize(dir, rcmd.group(1), List.of(rcmd.group(2).split(" ")), Path.of(rimg.group(1)));
    }

    private static void assertSameSize(Path dir, String command, List<String> more, Path shown) throws Exception {
        List<String> args = new ArrayList<>(List.of(command.trim().split(" +")));
        int out = args.indexOf("--out");
        assertTrue(out > 0, command);
        Path png = dir.resolve("drawn-" + shown.getFileName());
        args.set(out + 1, png.toString());
        args.addAll(more);
        args.addAll(List.of("--backend", "cpu", "--threads", "1"));
        ok(args.toArray(String[]::new));
        BufferedImage drawn = ImageIO.read(png.toFile());
        BufferedImage expected = ImageIO.read(shown.toFile());
        assertEquals(expected.getWidth() + "x" + expected.getHeight(), drawn.getWidth() + "x" + drawn.getHeight(),
                "`" + command + "` " + String.join(" ", more) + " against " + shown);
    }

    // ================================================================ show mnist --curves

    /** A legend name longer than the legend's usual column ("compared train" was cut at the image's edge). */
    @Test
    void aLongLegendNameEndsInsideTheImage() {
        double[] x = {0, 1, 2};
        LossCurveFigure fig = new LossCurveFigure("t", "epoch", "loss")
                .addSeries("mnist-dspn-seed1 train", x, new double[] {0.3, 0.2, 0.1})
                .markers(true);
        BufferedImage img = fig.render();
        int top = 30; // LossCurveFigure's top margin; the first legend entry's baseline is 12 below it
        int dark = 0;
        for (int y = top + 2; y < top + 16; y++) { // below the frame's top line
            for (int col = img.getWidth() - 8; col < img.getWidth(); col++) {
                assertEquals(0xFFFFFF, img.getRGB(col, y) & 0xFFFFFF, "pixel (" + col + ", " + y + ") at the image's right edge");
            }
            for (int col = img.getWidth() / 2; col < img.getWidth(); col++) {
                int rgb = img.getRGB(col, y) & 0xFFFFFF;
                dark += (rgb >> 16 & 0xFF) < 128 && (rgb >> 8 & 0xFF) < 128 && (rgb & 0xFF) < 128 ? 1 : 0;
            }
        }
        assertTrue(dark > 20, "the legend's name is drawn (" + dark + " dark pixels)");
    }

    /** A point at the plot's right edge (the last epoch) gets its whole marker, not the left half of it. */
    @Test
    void aMarkerAtThePlotsEdgeIsWhole() {
        LossCurveFigure fig = new LossCurveFigure("t", "epoch", "loss")
                .addSeries("train", new double[] {0, 1, 2}, new double[] {0.3, 0.1, 0.2}).markers(true);
        BufferedImage img = fig.render();
        double[] p = fig.pixelOf(2, 0.2); // x = 2 is the axis' last tick: the plot's right edge
        // the pixel right of the one holding the point lies wholly inside a dot of radius 3 (its far corner within
        // sqrt(5) of the point) and right of the plot's frame
        int rgb = img.getRGB((int) Math.floor(p[0]) + 1, (int) Math.floor(p[1])) & 0xFFFFFF;
        assertEquals(0x1f77b4, rgb, "the pixel right of the last point, at x " + p[0]);
    }

    /**
     * {@code --compare}'s legend names each run by its folder, not "this run" and "compared": the curves written are
     * those of two runs labelled with their folders' names.
     */
    @Test
    void compareNamesEachRunInTheLegend(@TempDir Path dir) throws Exception {
        Path mine = Files.createDirectories(dir.resolve("my-mlp"));
        Files.copy(Path.of("models", "mnist-mlp.npz"), mine.resolve("weights.npz"));
        Files.copy(Path.of("models", "mnist-mlp", RunRecord.METRICS), mine.resolve(RunRecord.METRICS));
        Path png = dir.resolve("curves.png");
        ok("show", "mnist", "--checkpoint", mine.resolve("weights.npz").toString(), "--curves", png.toString(),
                "--compare", "models/mnist-dspn");
        BufferedImage expected = TrainingCurves.figure("run my-mlp vs run mnist-dspn", List.of(
                TrainingCurves.ours(mine.resolve(RunRecord.METRICS), "my-mlp"),
                TrainingCurves.ours(Path.of("models", "mnist-dspn", RunRecord.METRICS), "mnist-dspn"))).render();
        assertSameImage(expected, ImageIO.read(png.toFile()), "the figure of the two runs named my-mlp and mnist-dspn");
    }

    /**
     * A 3,000-step run's curves span 0.17 (before training) to 0.00015: drawn on a log axis, where the epochs after
     * the first are told apart (on a linear one they all lie on the axis' floor).
     */
    @Test
    void curvesThatSpanDecadesAreDrawnOnALogAxis(@TempDir Path dir) throws Exception {
        Path mine = Files.createDirectories(dir.resolve("my-mlp"));
        Files.copy(Path.of("models", "mnist-mlp.npz"), mine.resolve("weights.npz"));
        Files.copy(Path.of("models", "mnist-mlp", RunRecord.METRICS), mine.resolve(RunRecord.METRICS));
        Path png = dir.resolve("curves.png");
        ok("show", "mnist", "--checkpoint", mine.resolve("weights.npz").toString(), "--curves", png.toString());
        TrainingCurves.Run run = TrainingCurves.ours(mine.resolve(RunRecord.METRICS), "this run");
        LossCurveFigure log = new LossCurveFigure("run my-mlp", "epoch (test_loss: after the epoch's training; 0: before "
                + "training)", "train_loss, test_loss: mean of each epoch").markers(true).logY(true)
                .addSeries("this run train", run.trainX(), run.train()).addSeries("this run test", run.testX(), run.test());
        assertSameImage(log.render(), ImageIO.read(png.toFile()), "the curves on a log axis");
    }

    private static void assertSameImage(BufferedImage expected, BufferedImage drawn, String what) {
        assertEquals(expected.getWidth() + "x" + expected.getHeight(), drawn.getWidth() + "x" + drawn.getHeight(), what);
        int differ = 0;
        for (int y = 0; y < drawn.getHeight(); y++) {
            for (int x = 0; x < drawn.getWidth(); x++) {
                differ += drawn.getRGB(x, y) == expected.getRGB(x, y) ? 0 : 1;
            }
        }
        assertEquals(0, differ, "pixels unlike " + what);
    }

    @Test
    void runsOfTheSameFolderNameAreToldApartByTheirParents() {
        assertArrayEquals(new String[] {"seed-1/run", "seed-2/run"},
                ShowCommand.runNames(Path.of("/g/out/seed-1/run"), Path.of("/g/out/seed-2/run")));
        assertArrayEquals(new String[] {"a", "b"}, ShowCommand.runNames(Path.of("/x/a"), Path.of("/x/b")));
        assertArrayEquals(new String[] {"this run", "compared"}, ShowCommand.runNames(Path.of("/x/a"), Path.of("/x/./a")));
    }

    // ================================================================ eval mnist

    /** {@code eval mnist --iters 2}: the line before the numbers says they are T = 2's, not only "trained T=10". */
    @Test
    void evalWithItersSaysWhichTItDecodedWith() {
        ImportTorchCommandTest.Run r = ok("eval", "mnist", "--checkpoint", "models/mnist-dspn.npz", "--iters", "2",
                "--backend", "cpu", "--threads", "1");
        assertTrue(r.out().contains("mnist dspn (trained T=10, decoded with T=2) on 96 test images"), r.out());
        ImportTorchCommandTest.Run plain = ok("eval", "mnist", "--checkpoint", "models/mnist-mlp.npz", "--backend", "cpu",
                "--threads", "1");
        assertTrue(plain.out().startsWith("backend: cpu") && plain.out().contains("\nmnist mlp on 96 test images"),
                plain.out());
    }

    /**
     * The shipped model's folder ({@code models/mnist-dspn/}: its run.json and metrics.jsonl) given as the checkpoint:
     * the refusal names the weights beside it, {@code models/mnist-dspn.npz}.
     */
    @Test
    void theShippedModelsFolderAsCheckpointPointsToItsWeights() {
        ImportTorchCommandTest.Run r = ImportTorchCommandTest.run("eval", "mnist", "--checkpoint", "models/mnist-dspn",
                "--backend", "cpu", "--threads", "1");
        assertEquals(2, r.rc(), r.out() + r.err());
        assertEquals("", r.out());
        assertEquals("dspn4j: Invalid value for option '--checkpoint': models/mnist-dspn: a folder without checkpoint.npz; "
                + "its weights are models/mnist-dspn.npz (dspn4j eval --help lists the options)\n", r.err());
        r = ImportTorchCommandTest.run("inspect", "models/mnist-dspn");
        assertEquals(2, r.rc(), r.out() + r.err());
        assertEquals("dspn4j: models/mnist-dspn: a folder without checkpoint.npz; its weights are models/mnist-dspn.npz\n",
                r.err());
    }

    // ================================================================ --help

    /**
     * Each entry of show's and eval's description is a whole paragraph that picocli wraps at the help's width: an entry
     * cut mid-sentence was printed as a short fragment line ("feature) and test_loss") before the next entry.
     */
    @Test
    void helpDescriptionsAreWholeParagraphs() {
        for (Object command : new Object[] {new ShowCommand(), new EvalCommand()}) {
            String[] description = new CommandLine(command).getCommandSpec().usageMessage().description();
            for (String d : description) {
                char last = d.charAt(d.length() - 1);
                assertTrue(last == '.' || last == ':' || last == ';', command.getClass().getSimpleName() + ": \"" + d + "\"");
            }
        }
    }
}
