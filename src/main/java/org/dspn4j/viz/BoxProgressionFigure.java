package org.dspn4j.viz;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Bounding-box progressions over CLEVR images like Figure 4 of the paper's appendix C: one
 * row per scene, one column per set — typically Ŷ(0), Ŷ(5), Ŷ(10), Ŷ(20), the truth and optionally
 * a baseline's prediction. Each cell shows the scene image with the boxes of that set drawn on it.
 *
 * <p>A box is (x1, y1, x2, y2) in coordinates normalised by the image width and height (the CLEVR
 * box targets, docs/reference-behaviour.md §6), drawn with opacity {@code clamp(mask, 0, 1)}: a
 * slot whose mask is 0 is invisible, as the mask is the element's presence. Slot j has the same
 * colour in every column, so one can follow a slot through the steps. Boxes are not clipped to the
 * image (neither are the targets); the part outside the cell is cut off. Non-finite boxes or masks
 * are skipped. An inverted box (x2 &lt; x1 or y2 &lt; y1: an early model predicts many) is drawn over
 * the rectangle its corners span, dashed: the box evaluators read its coordinates as they are
 * ({@link org.dspn4j.eval.IouVariant}), so it does not score as the rectangle it is drawn as.
 */
public final class BoxProgressionFigure {

    static {
        Figures.init();
    }

    static final int MARGIN = 8;
    static final int HEADER = 20;
    static final int GAP = 6;

    private final List<String> headers;
    private final BufferedImage[] images;
    private final double[][][] boxes;
    private final double[][][] masks;
    private final int cellWidth;
    private final int cellHeight;

    /**
     * @param headers   one title per column
     * @param images    one image per row (any size; drawn scaled to the cell)
     * @param boxes     {@code boxes[row][column]}: a set of N boxes, {@code (4, N)} flat, channels-first —
     *                  {@code [c*N + j]} is coordinate c (x1, y1, x2, y2) of slot j
     * @param masks     {@code masks[row][column]}: {@code (N)} presence of each slot
     * @param cellWidth width of each cell in pixels; the height follows the first image's aspect ratio
     */
    public BoxProgressionFigure(List<String> headers, BufferedImage[] images, double[][][] boxes, double[][][] masks,
                                int cellWidth) {
        this.headers = List.copyOf(headers);
        this.images = Objects.requireNonNull(images, "images").clone();
        this.boxes = Objects.requireNonNull(boxes, "boxes");
        this.masks = Objects.requireNonNull(masks, "masks");
        if (cellWidth < 16) {
            throw new IllegalArgumentException("cellWidth must be at least 16 pixels, got " + cellWidth);
        }
        if (images.length != boxes.length || boxes.length != masks.length) {
            throw new IllegalArgumentException(images.length + " images, " + boxes.length + " rows of boxes and "
                    + masks.length + " rows of masks");
        }
        for (int r = 0; r < boxes.length; r++) {
            Objects.requireNonNull(images[r], "image of row " + r);
            if (boxes[r].length != this.headers.size() || masks[r].length != this.headers.size()) {
                throw new IllegalArgumentException("row " + r + " has " + boxes[r].length + " sets and " + masks[r].length
                        + " masks for " + this.headers.size() + " columns");
            }
            for (int c = 0; c < boxes[r].length; c++) {
                if (boxes[r][c].length != 4 * masks[r][c].length) {
                    throw new IllegalArgumentException("row " + r + ", column " + c + ": a (4, N) set needs "
                            + 4 * masks[r][c].length + " values for a mask of N = " + masks[r][c].length + ", got "
                            + boxes[r][c].length);
                }
            }
        }
        this.cellWidth = cellWidth;
        this.cellHeight = images.length == 0 ? cellWidth
                : Math.max(1, (int) Math.round(cellWidth * (double) images[0].getHeight() / images[0].getWidth()));
    }

    public int width() {
        return 2 * MARGIN + headers.size() * cellWidth + Math.max(0, headers.size() - 1) * GAP;
    }

    public int height() {
        return 2 * MARGIN + HEADER + images.length * cellHeight + Math.max(0, images.length - 1) * GAP;
    }

    /**
     * Where a box of cell (row, column) is drawn: {x, y, width, height} in image pixels (fractional).
     */
    public double[] pixelsOf(int row, int column, double x1, double y1, double x2, double y2) {
        double x0 = MARGIN + column * (cellWidth + GAP);
        double y0 = MARGIN + HEADER + row * (cellHeight + GAP);
        double left = Math.min(x1, x2);
        double top = Math.min(y1, y2);
        return new double[] {x0 + left * cellWidth, y0 + top * cellHeight, Math.abs(x2 - x1) * cellWidth,
                Math.abs(y2 - y1) * cellHeight};
    }

    /** The colour of slot j: evenly spaced hues, the same in every column. */
    static Color slotColour(int j, int n) {
        return Color.getHSBColor((float) j / Math.max(1, n), 0.85f, 1.0f);
    }

    /** Draws the figure. */
    public BufferedImage render() {
        BufferedImage img = new BufferedImage(width(), height(), BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = Figures.whiteCanvas(img);
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setFont(Figures.FONT);
            g.setColor(Color.BLACK);
            for (int c = 0; c < headers.size(); c++) {
                Figures.drawCentred(g, headers.get(c), MARGIN + c * (cellWidth + GAP) + cellWidth / 2.0, MARGIN + HEADER - 6);
            }
            for (int r = 0; r < images.length; r++) {
                for (int c = 0; c < headers.size(); c++) {
                    drawCell(g, r, c);
                }
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    private void drawCell(Graphics2D g, int r, int c) {
        int x0 = MARGIN + c * (cellWidth + GAP);
        int y0 = MARGIN + HEADER + r * (cellHeight + GAP);
        Graphics2D cell = (Graphics2D) g.create();
        try {
            cell.clipRect(x0, y0, cellWidth, cellHeight);
            cell.drawImage(images[r], x0, y0, cellWidth, cellHeight, null);
            double[] set = boxes[r][c];
            double[] mask = masks[r][c];
            int n = mask.length;
            float width = Math.max(1.5f, cellWidth / 160f);
            BasicStroke solid = new BasicStroke(width);
            BasicStroke dashed = new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                    new float[] {4 * width, 3 * width}, 0f);
            for (int j = 0; j < n; j++) {
                double m = mask[j];
                double bx1 = set[j];
                double by1 = set[n + j];
                double bx2 = set[2 * n + j];
                double by2 = set[3 * n + j];
                if (!Double.isFinite(m) || !Double.isFinite(bx1) || !Double.isFinite(by1) || !Double.isFinite(bx2)
                        || !Double.isFinite(by2)) {
                    continue;
                }
                float alpha = (float) Math.min(1.0, Math.max(0.0, m));
                if (alpha == 0f) {
                    continue;
                }
                Color col = slotColour(j, n);
                cell.setColor(new Color(col.getRed() / 255f, col.getGreen() / 255f, col.getBlue() / 255f, alpha));
                double[] p = pixelsOf(r, c, bx1, by1, bx2, by2);
                cell.setStroke(bx2 < bx1 || by2 < by1 ? dashed : solid);
                cell.draw(new Rectangle2D.Double(p[0], p[1], p[2], p[3]));
            }
        } finally {
            cell.dispose();
        }
    }

    /** Draws the figure and writes it as a PNG (the parent folder is created if needed). */
    public void writePng(Path file) throws IOException {
        Figures.writePng(render(), file);
    }
}
