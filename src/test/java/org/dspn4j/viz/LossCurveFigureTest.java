package org.dspn4j.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LossCurveFigureTest {

    @TempDir
    Path tmp;

    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    @Test
    void writesAPngOfTheRequestedSize() throws IOException {
        double[] epochs = {1, 2, 3, 4, 5};
        Path f = tmp.resolve("loss.png");
        new LossCurveFigure("MNIST", "epoch", "Chamfer loss")
                .addSeries("train", epochs, new double[] {0.5, 0.3, 0.2, 0.15, 0.12})
                .addSeries("test", epochs, new double[] {0.55, 0.35, Double.NaN, 0.2, 0.18})
                .size(640, 400).writePng(f);
        BufferedImage img = ImageIO.read(f.toFile());
        assertEquals(640, img.getWidth());
        assertEquals(400, img.getHeight());
    }

    @Test
    void curvePassesThroughItsPoints() {
        LossCurveFigure fig = new LossCurveFigure("t", "step", "loss")
                .addSeries("flat", new double[] {0, 10}, new double[] {0.4, 0.4});
        BufferedImage img = fig.render();
        double[] mid = fig.pixelOf(5, 0.4);
        int rgb = img.getRGB((int) Math.round(mid[0]), (int) Math.round(mid[1]));
        assertEquals(0x1f77b4, rgb & 0xFFFFFF, "first palette colour on the line");
        int off = img.getRGB((int) Math.round(mid[0]), (int) Math.round(mid[1]) + 12) & 0xFFFFFF;
        assertTrue(off != 0x1f77b4, "12 pixels below the line is background");
    }

    @Test
    void markersMakeALonePointADotOfTheirRadius() {
        double[] x = {0, 2};
        double[] y = {0.9, 0.9};
        double[] y0 = {0.1, 0.1}; // the axes' extent: two flat lines far from the lone point
        LossCurveFigure plain = new LossCurveFigure("t", "epoch", "loss").addSeries("lone", new double[] {1}, new double[] {0.5})
                .addSeries("top", x, y).addSeries("bottom", x, y0);
        LossCurveFigure dots = new LossCurveFigure("t", "epoch", "loss").addSeries("lone", new double[] {1}, new double[] {0.5})
                .addSeries("top", x, y).addSeries("bottom", x, y0).markers(true);
        double[] p = dots.pixelOf(1, 0.5);
        int[] ring = {0, 0};
        BufferedImage[] imgs = {plain.render(), dots.render()};
        for (int k = 0; k < 2; k++) {
            // the 4 pixels next to the one holding the point: wholly inside a radius-3 dot (their far edges lie
            // within 2 pixels of the point), never wholly inside a speck of radius 0.9 (their centres lie 0.5 or more from it)
            for (int[] d : new int[][] {{-1, 0}, {1, 0}, {0, -1}, {0, 1}}) {
                int rgb = imgs[k].getRGB((int) Math.floor(p[0]) + d[0], (int) Math.floor(p[1]) + d[1]) & 0xFFFFFF;
                ring[k] += rgb == 0x1f77b4 ? 1 : 0;
            }
        }
        assertEquals(0, ring[0], "without markers a lone point is a speck of the stroke's width");
        assertEquals(4, ring[1], "with markers, a dot of radius " + LossCurveFigure.MARKER_RADIUS);
    }

    @Test
    void logAxisMapsDecadesEvenly() {
        LossCurveFigure fig = new LossCurveFigure("t", "epoch", "loss").logY(true)
                .addSeries("a", new double[] {0, 1, 2}, new double[] {1e-3, 1e-2, 1e-1});
        double y1 = fig.pixelOf(0, 1e-3)[1];
        double y2 = fig.pixelOf(0, 1e-2)[1];
        double y3 = fig.pixelOf(0, 1e-1)[1];
        assertEquals(y1 - y2, y2 - y3, 1e-9);
        assertTrue(y1 > y3, "larger loss is higher up");
        fig.render(); // zero and negative values would be skipped, not crash
    }

    @Test
    void niceTicks() {
        assertArrayEquals(new double[] {0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}, LossCurveFigure.niceTicks(0, 1, 6));
        assertArrayEquals(new double[] {0, 20, 40, 60, 80, 100}, LossCurveFigure.niceTicks(1, 100, 6));
        double[] t = LossCurveFigure.niceTicks(0.123, 0.456, 6);
        assertTrue(t[0] <= 0.123 && t[t.length - 1] >= 0.456);
        assertEquals(3, LossCurveFigure.niceTicks(2, 2, 3).length);
    }

    @Test
    void labels() {
        assertEquals("100", LossCurveFigure.label(100));
        assertEquals("0.25", LossCurveFigure.label(0.25));
        assertEquals("0.6", LossCurveFigure.label(0.6000000000000001));
        assertEquals("1.00e-05", LossCurveFigure.label(1e-5));
    }

    @Test
    void rejectsMismatchedSeries() {
        assertThrows(IllegalArgumentException.class,
                () -> new LossCurveFigure("t", "x", "y").addSeries("a", new double[2], new double[3]));
    }
}
