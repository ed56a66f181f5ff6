package org.dspn4j.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SetProgressionFigureTest {

    @TempDir
    Path tmp;

    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    /** One example, two columns; column 0 has a point at (0.5, 0.5), column 1 the same point masked out. */
    private static SetProgressionFigure twoCells(double mask1) {
        double[] set = {0.5, 0.0, 0.5, 0.0}; // (2, N=2): rows {0.5, 0}, cols {0.5, 0}
        double[][][] sets = {{set, set}};
        double[][][] masks = {{new double[] {1, 0}, new double[] {mask1, 0}}};
        return new SetProgressionFigure(List.of("a", "b"), sets, masks, 64);
    }

    @Test
    void writesAPngOfTheStatedSize() throws IOException {
        SetProgressionFigure fig = twoCells(0);
        Path f = tmp.resolve("sub/fig.png");
        fig.writePng(f);
        BufferedImage img = ImageIO.read(f.toFile());
        assertEquals(fig.width(), img.getWidth());
        assertEquals(fig.height(), img.getHeight());
        assertEquals(2 * 8 + 2 * 64 + 6, img.getWidth());
        assertEquals(2 * 8 + 20 + 64, img.getHeight());
        assertTrue(Files.size(f) > 0);
    }

    @Test
    void maskOneDarkensThePointAndMaskZeroLeavesItBlank() {
        SetProgressionFigure fig = twoCells(0);
        BufferedImage img = fig.render();
        double[] p0 = fig.pixelOf(0, 0, 0.5, 0.5);
        double[] p1 = fig.pixelOf(0, 1, 0.5, 0.5);
        assertTrue(gray(img, p0) < 100, "mask 1 draws a dark dot, got " + gray(img, p0));
        assertEquals(255, gray(img, p1), "mask 0 draws nothing");
        // the masked-out padding slot at (0, 0) is blank too
        assertEquals(255, gray(img, fig.pixelOf(0, 0, 0, 0)));
    }

    @Test
    void intermediateMaskGivesAGreyAndMaskAboveOneIsClamped() {
        int half = gray(twoCells(0.5).render(), twoCells(0.5).pixelOf(0, 1, 0.5, 0.5));
        assertTrue(half > 60 && half < 200, "mask 0.5 gives a mid grey, got " + half);
        SetProgressionFigure over = twoCells(7.0);
        int full = gray(over.render(), over.pixelOf(0, 1, 0.5, 0.5));
        int ref = gray(over.render(), over.pixelOf(0, 0, 0.5, 0.5));
        assertEquals(ref, full, "mask 7 draws like mask 1");
    }

    @Test
    void rowsAndColumnsMapToImageYAndX() {
        double[] set = {0.0, 1.0, 1.0, 0.0}; // elements: (row 0, col 1) and (row 1, col 0)
        SetProgressionFigure fig = new SetProgressionFigure(List.of("x"), new double[][][] {{set}},
                new double[][][] {{new double[] {1, 1}}}, 96);
        BufferedImage img = fig.render();
        double[] topRight = fig.pixelOf(0, 0, 0.0, 1.0);
        double[] bottomLeft = fig.pixelOf(0, 0, 1.0, 0.0);
        assertTrue(topRight[0] > bottomLeft[0] && topRight[1] < bottomLeft[1]);
        assertTrue(gray(img, topRight) < 128);
        assertTrue(gray(img, bottomLeft) < 128);
        assertEquals(255, gray(img, fig.pixelOf(0, 0, 0.0, 0.0)));
    }

    @Test
    void progressionHeadersFollowThePaper() {
        List<String> h = SetProgressionFigure.progressionHeaders(10, true);
        assertEquals(13, h.size());
        assertTrue(h.get(0).endsWith("(0)") && h.get(10).endsWith("(10)"));
        assertEquals(List.of("target", "baseline"), h.subList(11, 13));
    }

    @Test
    void rejectsMismatchedShapes() {
        double[][][] sets = {{new double[6]}};
        double[][][] masks = {{new double[2]}};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SetProgressionFigure(List.of("a"), sets, masks, 64));
        assertTrue(e.getMessage().contains("needs 4 values"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new SetProgressionFigure(List.of("a", "b"), sets, masks, 64));
    }

    static int gray(BufferedImage img, double[] p) {
        int rgb = img.getRGB((int) Math.floor(p[0]), (int) Math.floor(p[1]));
        return ((rgb >> 16 & 0xFF) + (rgb >> 8 & 0xFF) + (rgb & 0xFF)) / 3;
    }
}
