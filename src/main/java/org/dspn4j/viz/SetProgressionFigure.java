package org.dspn4j.viz;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Ellipse2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A grid of 2-D point sets like Figure 3 of the paper's appendix C: one row per
 * example, one column per set — typically Ŷ(0), …, Ŷ(T), the target and optionally a baseline's
 * prediction ({@link #progressionHeaders}). Each element is a dot at (row, column) ∈ [0, 1]²,
 * drawn at image {@code (y, x)} inside its cell, black with opacity {@code clamp(mask, 0, 1)}: a
 * mask of 0 draws nothing, as in the paper where the mask is the element's presence. Elements
 * outside [0, 1]² are clipped at the cell's edge; elements with a non-finite coordinate or mask
 * are skipped.
 *
 * <p>Geometry (pixels): a margin of {@value #MARGIN}, a header band of {@value #HEADER} for the
 * column titles, square cells of {@code cellSize} with gaps of {@value #GAP}. Inside a cell a
 * coordinate {@code v} maps to {@code inset + v * (cellSize - 2*inset)}, {@code inset = radius + 1},
 * so dots at 0 and 1 stay whole. See {@link #pixelOf}.
 */
public final class SetProgressionFigure {

    static {
        Figures.init();
    }

    static final int MARGIN = 8;
    static final int HEADER = 20;
    static final int GAP = 6;
    private static final Color FRAME = new Color(0xC8C8C8);

    private final List<String> headers;
    private final double[][][] sets;
    private final double[][][] masks;
    private final int cellSize;
    private final double radius;

    /**
     * @param headers one title per column
     * @param sets    {@code sets[example][column]}: a set of N elements, {@code (2, N)} flat,
     *                channels-first — {@code [j]} is the row (y) and {@code [N + j]} the column (x) of
     *                element j, in [0, 1]. N may differ between cells.
     * @param masks   {@code masks[example][column]}: {@code (N)} presence of each element; values
     *                are clamped to [0, 1] for the opacity
     * @param cellSize side of each cell in pixels (96 is a good size for MNIST)
     */
    public SetProgressionFigure(List<String> headers, double[][][] sets, double[][][] masks, int cellSize) {
        this.headers = List.copyOf(headers);
        this.sets = Objects.requireNonNull(sets, "sets");
        this.masks = Objects.requireNonNull(masks, "masks");
        if (cellSize < 8) {
            throw new IllegalArgumentException("cellSize must be at least 8 pixels, got " + cellSize);
        }
        this.cellSize = cellSize;
        this.radius = Math.max(1.0, cellSize / 60.0);
        if (sets.length != masks.length) {
            throw new IllegalArgumentException(sets.length + " rows of sets but " + masks.length + " rows of masks");
        }
        for (int r = 0; r < sets.length; r++) {
            if (sets[r].length != this.headers.size() || masks[r].length != this.headers.size()) {
                throw new IllegalArgumentException("row " + r + " has " + sets[r].length + " sets and "
                        + masks[r].length + " masks for " + this.headers.size() + " columns");
            }
            for (int c = 0; c < sets[r].length; c++) {
                if (sets[r][c].length != 2 * masks[r][c].length) {
                    throw new IllegalArgumentException("row " + r + ", column " + c + ": a (2, N) set needs "
                            + 2 * masks[r][c].length + " values for a mask of N = " + masks[r][c].length
                            + ", got " + sets[r][c].length);
                }
            }
        }
    }

    /**
     * Column titles for a progression: {@code Ŷ(0) … Ŷ(T)}, {@code target}, and {@code baseline}
     * if asked. Where the font cannot draw Ŷ, {@code Y^(t)} is used.
     */
    public static List<String> progressionHeaders(int steps, boolean baseline) {
        List<String> out = new ArrayList<>();
        String hat = Figures.displayable(Figures.FONT, "\u0176", "Y^");
        for (int t = 0; t <= steps; t++) {
            out.add(hat + "(" + t + ")");
        }
        out.add("target");
        if (baseline) {
            out.add("baseline");
        }
        return out;
    }

    public int width() {
        return 2 * MARGIN + headers.size() * cellSize + Math.max(0, headers.size() - 1) * GAP;
    }

    public int height() {
        return 2 * MARGIN + HEADER + sets.length * cellSize + Math.max(0, sets.length - 1) * GAP;
    }

    /**
     * Where an element at {@code (row, col)} of cell {@code (example, column)} is drawn: the
     * centre of its dot as {@code {x, y}} in image pixels (fractional).
     */
    public double[] pixelOf(int example, int column, double row, double col) {
        double inset = radius + 1;
        double span = cellSize - 2 * inset;
        double x0 = MARGIN + column * (cellSize + GAP);
        double y0 = MARGIN + HEADER + example * (cellSize + GAP);
        return new double[] {x0 + inset + col * span, y0 + inset + row * span};
    }

    /** Draws the figure. */
    public BufferedImage render() {
        BufferedImage img = new BufferedImage(width(), height(), BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = Figures.whiteCanvas(img);
        try {
            g.setFont(Figures.FONT);
            g.setColor(Color.BLACK);
            for (int c = 0; c < headers.size(); c++) {
                Figures.drawCentred(g, headers.get(c), MARGIN + c * (cellSize + GAP) + cellSize / 2.0, MARGIN + HEADER - 6);
            }
            for (int r = 0; r < sets.length; r++) {
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
        int x0 = MARGIN + c * (cellSize + GAP);
        int y0 = MARGIN + HEADER + r * (cellSize + GAP);
        g.setColor(FRAME);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(x0, y0, cellSize - 1, cellSize - 1);
        Graphics2D cell = (Graphics2D) g.create();
        try {
            cell.clipRect(x0 + 1, y0 + 1, cellSize - 2, cellSize - 2);
            double[] set = sets[r][c];
            double[] mask = masks[r][c];
            int n = mask.length;
            for (int j = 0; j < n; j++) {
                double row = set[j];
                double col = set[n + j];
                double m = mask[j];
                if (!Double.isFinite(row) || !Double.isFinite(col) || !Double.isFinite(m)) {
                    continue;
                }
                float alpha = (float) Math.min(1.0, Math.max(0.0, m));
                if (alpha == 0f) {
                    continue;
                }
                double[] p = pixelOf(r, c, row, col);
                cell.setColor(new Color(0f, 0f, 0f, alpha));
                cell.fill(new Ellipse2D.Double(p[0] - radius, p[1] - radius, 2 * radius, 2 * radius));
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
