package org.dspn4j.cli;

import static org.dspn4j.cli.CliErrorsTest.refused;
import static org.dspn4j.cli.CliErrorsTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.dspn4j.viz.BoxProgressionFigure;
import org.dspn4j.viz.LossCurveFigure;
import org.dspn4j.viz.StateTable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A newcomer's CLEVR session on generated scenes (synth, train, eval, show --out/--curves), judged by what it
 * prints and draws. Each case here once read or looked wrong: a refusal that did not say why 8 val scenes were
 * "fewer than one batch of 4", a missing split named as "(expected root/…)" in nested parentheses, a run's recorded
 * data folder blamed on a --data-dir nobody gave, a legend cut off at the figure's edge, fractional ticks on an axis
 * of whole epochs, an empty baseline column and a far-off prediction running into the next column in Table 4, and
 * inverted boxes drawn in Figure 4 as if they were valid.
 */
class ClevrWalkthroughAuditTest {

    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    /** Whether this machine can measure and draw text (a JDK without fonts cannot; the figures then have no text). */
    private static boolean fonts() {
        BufferedImage img = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            return g.getFontMetrics().stringWidth("compared train") > 0;
        } catch (RuntimeException | Error e) {
            return false;
        } finally {
            g.dispose();
        }
    }

    /**
     * synth's train and val splits given as --data-dir are read as CLEVR v1.0, whose evaluation is the first tenth of
     * val: train used to refuse with "the evaluated val scenes are fewer than one batch of 2", not saying how many
     * were evaluated nor that --full-eval evaluates them all (eval says both). synth itself said "1 threads".
     */
    @Test
    void trainSaysTheFirstTenthOfValIsEvaluatedAndWhichOptionEvaluatesAll(@TempDir Path dir) {
        Path data = dir.resolve("clevr");
        for (String split : new String[] {"train", "val"}) {
            CliErrorsTest.Result r = run("synth", "clevr", "--scenes", "2", "--split", split, "--seed",
                    "train".equals(split) ? "1" : "2", "--threads", "1", "--out", data.toString());
            assertEquals(0, r.rc(), r.err());
            // its last line used to read "(… images/s, 1 threads)"
            assertTrue(r.out().strip().endsWith(" images/s, 1 thread)"), r.out());
        }
        Path out = dir.resolve("run");
        refused(new String[] {"train", "clevr-box", "--data-dir", data.toString(), "--image-size", "65", "--batch", "2",
            "--steps", "1", "--latent", "8", "--hidden", "8", "--iters", "1", "--threads", "1", "-q", "--backend", "cpu",
            "--out", out.toString()}, data + ": the 0 evaluated val scenes (the first tenth of the 2; --full-eval",
            "--batch of 2");
        assertFalse(Files.exists(out), "nothing written");
    }

    /** Generated scenes: a --synth-val smaller than the batch is refused naming the option that makes more. */
    @Test
    void tooFewGeneratedValScenesNameSynthVal(@TempDir Path dir) {
        Path out = dir.resolve("run");
        refused(new String[] {"train", "clevr-box", "--synth-train", "2", "--synth-val", "1", "--synth-cache",
            dir.resolve("cache").toString(), "--image-size", "65", "--batch", "2", "--steps", "1", "--latent", "8", "--hidden",
            "8", "--iters", "1", "--threads", "1", "-q", "--backend", "cpu", "--out", out.toString()},
                "the 1 evaluated val scenes are fewer than one --batch of 2; give a larger --synth-val or a smaller --batch");
        assertFalse(Files.exists(out), "nothing written");
    }

    /**
     * synth writes one split a call: a --data-dir with only the val split used to be refused with "(missing scene file
     * (expected root/scenes/CLEVR_train_scenes.json))", parentheses in parentheses and a "root" the user never named.
     */
    @Test
    void aDataDirWithoutItsTrainSplitSaysWhatIsMissingAndWhatWritesIt(@TempDir Path dir) {
        Path data = dir.resolve("clevr");
        assertEquals(0, run("synth", "clevr", "--scenes", "1", "--split", "val", "--seed", "2", "--threads", "1", "--out",
                data.toString()).rc());
        CliErrorsTest.Result r = refused(new String[] {"train", "clevr-box", "--data-dir", data.toString(), "--steps", "1",
            "--threads", "1", "-q", "--backend", "cpu", "--out", dir.resolve("run").toString()},
                data.resolve("scenes").resolve("CLEVR_train_scenes.json") + ": no such file or folder (missing the scene file "
                + "of the train split; a CLEVR v1.0 folder holds scenes/CLEVR_train_scenes.json and images/train/, as "
                + "dspn4j synth clevr --split train writes them)");
        assertFalse(r.err().contains("))") || r.err().contains("root/"), r.err());
        assertFalse(Files.exists(dir.resolve("run")), "nothing written");
    }

    /**
     * run.json records the data folder as train was given it; eval or show from another folder used to say
     * "--data-dir data is not a folder" to a user who gave no --data-dir.
     */
    @Test
    void aRunsRecordedDataFolderThatIsNotThereIsNamedAsTheRunsNotAsDataDir(@TempDir Path dir) throws IOException {
        Path weights = dir.resolve("clevr-box.npz");
        assertEquals(0, run("export-weights", "--model", "clevr-box", "--latent", "4", "--hidden", "8", "--out",
                weights.toString()).rc());
        Path runDir = Files.createDirectories(dir.resolve("run"));
        Path ck = Files.createLink(runDir.resolve("checkpoint.npz"), weights);
        Path json = runDir.resolve("run.json");
        Files.writeString(json, "{\"config\": {\"batch\": 2, \"full_eval\": true, \"data\": {\"kind\": \"clevr\", "
                + "\"root\": \"no-such-clevr-folder\", \"image_size\": 65}}}");
        for (String[] cmd : new String[][] {{"eval", "clevr-box", "--checkpoint", ck.toString(), "--backend", "cpu"},
            {"show", "clevr-box", "--checkpoint", ck.toString(), "--backend", "cpu", "--out", dir.resolve("f.png").toString()}}) {
            CliErrorsTest.Result r = refused(cmd, json.toString(), "no-such-clevr-folder (config.data.root)",
                    "run from the folder train ran in", "give --data-dir");
            assertFalse(r.err().contains("--data-dir no-such"), r.err());
        }
        assertFalse(Files.exists(dir.resolve("f.png")));
    }

    /** show --curves --compare: "compared train" and "compared test" used to be cut off at the figure's right edge. */
    @Test
    void theCurvesLegendFitsInsideTheFigure() {
        assumeTrue(fonts(), "no fonts on this machine: the figure has no text to clip");
        LossCurveFigure fig = new LossCurveFigure("run a vs run b", "epoch", "loss").markers(true)
                .addSeries("this run train", new double[] {1}, new double[] {0.12})
                .addSeries("this run test", new double[] {0, 1}, new double[] {0.07, 0.06})
                .addSeries("compared train", new double[] {1}, new double[] {0.19})
                .addSeries("compared test", new double[] {0, 1}, new double[] {0.13, 0.12});
        BufferedImage img = fig.render();
        int w = img.getWidth();
        // the legend's names are drawn to the right of the plot ...
        double plotRight = fig.pixelOf(1, 0.1)[0];
        assertTrue(dark(img, (int) plotRight + 40, w - 1, 30, 110), "the legend is drawn");
        // ... and end before the image does: its last 4 pixel columns are background
        assertFalse(dark(img, w - 4, w - 1, 0, img.getHeight() - 1), "text reaches the figure's right edge");
    }

    /** An axis of whole steps or epochs (0 and 1 after one epoch) used to get ticks and grid lines at 0.2, 0.4, … */
    @Test
    void anAxisOfWholeEpochsHasWholeTicks() {
        LossCurveFigure fig = new LossCurveFigure("t", "epoch", "loss")
                .addSeries("a", new double[] {0, 1}, new double[] {1, 1})
                .addSeries("b", new double[] {0, 1}, new double[] {2, 2});
        BufferedImage img = fig.render();
        double[] whole = fig.pixelOf(1, 1.5);
        double[] fifth = fig.pixelOf(0.2, 1.5);
        double[] half = fig.pixelOf(0.5, 1.5);
        int y = (int) Math.round(whole[1]);
        assertEquals(0xFFFFFF, img.getRGB((int) Math.round(fifth[0]), y) & 0xFFFFFF, "no grid line at epoch 0.2");
        assertEquals(0xFFFFFF, img.getRGB((int) Math.round(half[0]), y) & 0xFFFFFF, "no grid line at epoch 0.5");
        // and a figure of fractional x keeps its fractional ticks
        LossCurveFigure frac = new LossCurveFigure("t", "x", "loss")
                .addSeries("a", new double[] {0, 0.5, 1}, new double[] {1, 1, 1})
                .addSeries("b", new double[] {0, 1}, new double[] {2, 2});
        BufferedImage fimg = frac.render();
        double[] p = frac.pixelOf(0.2, 1.5);
        assertEquals(0xE6E6E6, fimg.getRGB((int) Math.round(p[0]), (int) Math.round(p[1])) & 0xFFFFFF,
                "a grid line at 0.2 where x is fractional");
    }

    /**
     * Table 4 of a baseline a few steps into training: its raw masks are all below 0.5, and its column used to stand
     * empty (PNG, text and .md), as if the baseline had not been drawn.
     */
    @Test
    void anEmptyColumnOfTable4SaysThatNoSlotIsAboveTheMaskThreshold() {
        double[] truth = new double[18 * 2];
        truth[0] = 0.5; // slot 0 at x = 1.5, a large (index 16) object: any one-hot will do for the truth
        truth[16 * 2] = 1;
        double[] baseline = new double[18 * 2];
        StateTable.Block b = StateTable.block("scene 0", new double[][] {truth, baseline},
                new double[][] {{1, 0}, {0.12, 0.3}}, 0);
        StateTable t = new StateTable(List.of("truth", "baseline (mlp)"), List.of(b));
        String none = "(no slot with mask > 0.5)";
        String[] text = t.text().split("\n");
        assertTrue(text[2].endsWith("| " + none), t.text());
        assertTrue(t.markdown().contains("| " + none + " |"), t.markdown());
        assumeTrue(fonts(), "no fonts on this machine: the PNG has no text");
        BufferedImage img = t.render();
        // the baseline's column starts at 8 + 290 pixels; its first line's baseline is 8 + 12 + 2 * 16 = 52
        assertTrue(dark(img, 8 + 290, 8 + 290 + 150, 42, 54), "the baseline column's first line is drawn");
    }

    /**
     * A prediction far from the scene (an early or diverging model) has coordinates beyond ±10, whose line is wider
     * than Table 4's fixed 290-pixel column: it used to run into the next column's text.
     */
    @Test
    void aWideLineOfTable4DoesNotRunIntoTheNextColumn() {
        assumeTrue(fonts(), "no fonts on this machine: the PNG has no text");
        double[] far = new double[18 * 1];
        far[0] = -123.45 / 3;
        far[1] = -67.89 / 3;
        far[2] = -12.34 / 3;
        far[5 + 7] = 1; // a colour
        far[13 + 1] = 1; // a shape
        double[] truth = new double[18 * 1];
        truth[0] = 1.0 / 3;
        truth[1] = 1.0 / 3;
        StateTable.Block b = StateTable.block("scene 0", new double[][] {far, truth}, new double[][] {{1}, {1}}, 1);
        BufferedImage img = new StateTable(List.of("Ŷ(20)", "truth"), List.of(b)).render();
        // the second column starts where its header "truth" does (header line: baseline 36), the first dark pixel
        // after a wide gap behind "Ŷ(20)"
        int column2 = -1;
        int lastDark = -1;
        for (int x = 0; x < img.getWidth() && column2 < 0; x++) {
            if (dark(img, x, x, 24, 38)) {
                if (lastDark >= 0 && x - lastDark > 40) {
                    column2 = x;
                }
                lastDark = x;
            }
        }
        assertTrue(column2 > 0, "the second header is drawn");
        // the object's line (baseline 52) has nothing in the 6 pixels before the second column: the first column's
        // text ends before it
        assertFalse(dark(img, column2 - 6, column2 - 1, 42, 55), "the first column's line runs into the second column");
    }

    /**
     * An early model predicts many inverted boxes (y2 < y1 in the export), which Figure 4 drew exactly as valid ones:
     * an inverted box is now dashed, a valid one still solid.
     */
    @Test
    void figure4DrawsAnInvertedBoxDashedAndAValidOneSolid() {
        BufferedImage black = new BufferedImage(48, 32, BufferedImage.TYPE_INT_RGB);
        // slot 0: (0.1, 0.2) to (0.4, 0.8), valid; slot 1: (0.6, 0.8) to (0.9, 0.2), y inverted
        double[] boxes = {0.1, 0.6, 0.2, 0.8, 0.4, 0.9, 0.8, 0.2};
        BoxProgressionFigure fig = new BoxProgressionFigure(List.of("Ŷ(10)"), new BufferedImage[] {black},
                new double[][][] {{boxes}}, new double[][][] {{{1, 1}}}, 240);
        BufferedImage img = fig.render();
        assertEquals(0, gapsAlongTopEdge(img, fig.pixelsOf(0, 0, 0.1, 0.2, 0.4, 0.8)), "the valid box's edge is solid");
        assertTrue(gapsAlongTopEdge(img, fig.pixelsOf(0, 0, 0.6, 0.8, 0.9, 0.2)) >= 5, "the inverted box's edge is dashed");
    }

    /** Background (black) pixels on the top edge of a drawn box {x, y, width, height}, its corners left out. */
    private static int gapsAlongTopEdge(BufferedImage img, double[] p) {
        int y = (int) Math.round(p[1]);
        int gaps = 0;
        for (int x = (int) Math.ceil(p[0]) + 3; x <= (int) Math.floor(p[0] + p[2]) - 3; x++) {
            if ((img.getRGB(x, y) & 0xFFFFFF) == 0) {
                gaps++;
            }
        }
        return gaps;
    }

    /** Whether any pixel of the rectangle is darker than light grey (text or a line, not background or grid). */
    private static boolean dark(BufferedImage img, int x0, int x1, int y0, int y1) {
        for (int x = Math.max(0, x0); x <= Math.min(img.getWidth() - 1, x1); x++) {
            for (int y = Math.max(0, y0); y <= Math.min(img.getHeight() - 1, y1); y++) {
                int rgb = img.getRGB(x, y);
                int lum = ((rgb >> 16) & 0xFF) + ((rgb >> 8) & 0xFF) + (rgb & 0xFF);
                if (lum < 3 * 0xB0) {
                    return true;
                }
            }
        }
        return false;
    }
}
