package org.dspn4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.viz.BoxProgressionFigure;
import org.dspn4j.viz.StateTable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The paper's Figure 4 and Table 4 for CLEVR models, and the two drawing classes behind them. */
class ClevrFiguresTest {
    private static final CpuBackend BE = new CpuBackend(2);

    @AfterAll
    static void close() {
        BE.close();
    }

    private static Net tiny(ModelConfig.Task task, ModelConfig.DecoderKind decoder) {
        return ClevrStandIn.create(BE, ClevrExperimentTest.tinyModel(task, decoder), new MersenneTwister(5));
    }

    private static ClevrBatches val(ModelConfig.Task task) throws IOException {
        return ClevrExperiment.testBatches(ClevrTestData.source(ClevrStandIn.SIDE), ClevrEvaluation.target(task), false, 2);
    }

    @Test
    void figure4HasTheStepsTheTruthAndTheBaseline(@TempDir Path dir) throws IOException {
        ModelConfig.Task box = ModelConfig.Task.CLEVR_BOX;
        BoxProgressionFigure fig = ClevrShow.boxFigure(BE, tiny(box, ModelConfig.DecoderKind.DSPN),
                tiny(box, ModelConfig.DecoderKind.MLP), val(box), 2);
        Path png = dir.resolve("fig4.png");
        fig.writePng(png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(2 * 8 + 6 * 240 + 5 * 6, img.getWidth(), "6 columns: Y(0), Y(5), Y(10), Y(20), truth, baseline");
        assertEquals(2 * 8 + 20 + 2 * 160 + 6, img.getHeight(), "2 rows of 480x320 images at 240x160");
    }

    @Test
    void table4ListsStatesAtThreeStepsTheTruthAndTheBaseline(@TempDir Path dir) throws IOException {
        ModelConfig.Task state = ModelConfig.Task.CLEVR_STATE;
        StateTable t = ClevrShow.stateTable(BE, tiny(state, ModelConfig.DecoderKind.DSPN),
                tiny(state, ModelConfig.DecoderKind.RNN), val(state), 2);
        assertEquals(2, t.blocks().size());
        assertEquals(5, t.blocks().get(0).columns().size());
        String text = t.text();
        assertTrue(text.contains("(5)") && text.contains("(20)") && text.contains("truth") && text.contains("baseline (rnn)"), text);
        // the truth column lists the scene's objects, sorted by x
        List<StateTable.Obj> truth = t.blocks().get(0).columns().get(3);
        assertFalse(truth.isEmpty());
        for (int i = 1; i < truth.size(); i++) {
            assertTrue(truth.get(i - 1).xyz()[0] <= truth.get(i).xyz()[0]);
        }
        t.writePng(dir.resolve("t4.png"));
        assertTrue(Files.size(dir.resolve("t4.png")) > 0);
        assertTrue(t.markdown().contains("| truth |"));
    }

    /** A state (18 values) at world position (x, y, z) with the given one-hot indices. */
    private static double[] state(double x, double y, double z, int material, int colour, int shape, int size) {
        double[] s = new double[18];
        s[0] = x / 3;
        s[1] = y / 3;
        s[2] = z / 3;
        s[3 + material] = 1;
        s[5 + colour] = 1;
        s[13 + shape] = 1;
        s[16 + size] = 1;
        return s;
    }

    /** Slots as a (18, N) channels-first set. */
    private static double[] set(double[]... slots) {
        int n = slots.length;
        double[] out = new double[18 * n];
        for (int j = 0; j < n; j++) {
            for (int c = 0; c < 18; c++) {
                out[c * n + j] = slots[j][c];
            }
        }
        return out;
    }

    @Test
    void wrongAttributesAreMarkedAgainstTheNearestTrueObject() {
        double[] truth = set(state(2, 0, 0.7, 1, 4, 1, 0), state(-1, 1, 0.35, 0, 0, 0, 1), new double[18]);
        // slot 0 near the red metal cube but blue; slot 1 right; slot 2 absent (mask 0.2)
        double[] pred = set(state(1.9, 0.1, 0.7, 1, 1, 1, 0), state(-1.1, 1, 0.35, 0, 0, 0, 1), state(0, 0, 0, 0, 0, 0, 0));
        StateTable.Block b = StateTable.block("scene", new double[][] {pred, truth},
                new double[][] {{0.9, 0.8, 0.2}, {1, 1, 0}}, 1);
        List<StateTable.Obj> p = b.columns().get(0);
        assertEquals(2, p.size(), "the slot with mask 0.2 is not listed");
        assertEquals(-1.1, p.get(0).xyz()[0], 1e-12, "sorted by x, in world units");
        assertEquals("small cyan rubber sphere", String.join(" ", p.get(0).attrs()));
        assertFalse(p.get(0).wrong()[0] || p.get(0).wrong()[1] || p.get(0).wrong()[2] || p.get(0).wrong()[3]);
        assertEquals("large blue metal cube", String.join(" ", p.get(1).attrs()));
        assertTrue(p.get(1).wrong()[1], "the colour is wrong");
        assertFalse(p.get(1).wrong()[0] || p.get(1).wrong()[2] || p.get(1).wrong()[3]);
        assertTrue(p.get(1).text("*").endsWith("large blue* metal cube"), p.get(1).text("*"));
    }

    @Test
    void boxesAreDrawnWithTheirMaskAsOpacity() {
        BufferedImage black = new BufferedImage(48, 32, BufferedImage.TYPE_INT_RGB);
        // slot 0: a box over the left half, mask 1; slot 1: the right half, mask 0 (invisible)
        double[] boxes = {0.1, 0.6, 0.1, 0.1, 0.4, 0.9, 0.9, 0.9};
        BoxProgressionFigure fig = new BoxProgressionFigure(List.of("a"), new BufferedImage[] {black},
                new double[][][] {{boxes}}, new double[][][] {{{1, 0}}}, 240);
        BufferedImage img = fig.render();
        double[] p0 = fig.pixelsOf(0, 0, 0.1, 0.1, 0.4, 0.9);
        double[] p1 = fig.pixelsOf(0, 0, 0.6, 0.1, 0.9, 0.9);
        int inside = img.getRGB((int) (p0[0] + p0[2] / 2), (int) p0[1]) & 0xFFFFFF;
        int hidden = img.getRGB((int) (p1[0] + p1[2] / 2), (int) p1[1]) & 0xFFFFFF;
        assertNotEquals(0, inside, "the edge of the visible box is drawn");
        assertEquals(0, hidden, "a box with mask 0 is not drawn");
    }
}
