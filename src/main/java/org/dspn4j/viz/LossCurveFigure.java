package org.dspn4j.viz;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Loss curves (e.g. train and test loss against epoch or step) on simple axes: ticks at "nice"
 * values (1, 2, 5 × 10^k) with labels — whole numbers only on an x axis whose values are all whole
 * (steps, epochs) —, a linear or logarithmic y axis, a legend on the right.
 * Each series is a polyline through its finite points; a non-finite value (or, on a log axis, a
 * value ≤ 0) breaks the line. The legend's column is as wide as its longest name needs (at least
 * {@value #RIGHT} pixels, at most half the figure: a longer name is cut, ending in "…"), so that
 * no name runs off the image; markers at the plot's edge are drawn whole. The title is centred over the plot, moved
 * sideways as far as keeps it whole inside the figure (e.g. show --curves --compare naming two long run folders), and
 * cut, ending in "…", only where it is wider than the figure.
 *
 * <pre>
 *   new LossCurveFigure("MNIST", "epoch", "Chamfer loss")
 *       .addSeries("train", epochs, train).addSeries("test", epochs, test)
 *       .logYWhenWide().writePng(Path.of("loss.png"));
 * </pre>
 */
public final class LossCurveFigure {

    static {
        Figures.init();
    }

    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
    };
    static final int LEFT = 70;
    static final int RIGHT = 130;
    static final int TOP = 30;
    static final int BOTTOM = 45;

    private record Series(String name, double[] x, double[] y) {
    }

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private boolean logY;
    private boolean markers;
    /** The legend's column, once measured ({@link #right()}); -1 until then, and again after a series or size. */
    private int right = -1;
    private int width = 720;
    private int height = 440;

    /** A figure with no series yet. */
    public LossCurveFigure(String title, String xLabel, String yLabel) {
        this.title = Objects.requireNonNull(title, "title");
        this.xLabel = Objects.requireNonNull(xLabel, "xLabel");
        this.yLabel = Objects.requireNonNull(yLabel, "yLabel");
    }

    /**
     * Adds a curve. The arrays are copied.
     *
     * @param x (n) e.g. epochs or steps
     * @param y (n) the loss at each x
     */
    public LossCurveFigure addSeries(String name, double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("series '" + name + "': " + x.length + " x values but " + y.length + " y values");
        }
        series.add(new Series(Objects.requireNonNull(name, "name"), x.clone(), y.clone()));
        right = -1;
        return this;
    }

    /** A logarithmic y axis (values ≤ 0 are then left out). Default: linear. */
    public LossCurveFigure logY(boolean on) {
        this.logY = on;
        return this;
    }

    /**
     * Where the largest value drawn is more than this many times the smallest, {@link #logYWhenWide} chooses a
     * logarithmic y axis: on a linear one a run from 0.09 before training to 0.0002 draws every point after the
     * first on the axis' floor.
     */
    public static final double LOG_AXIS_RATIO = 100;

    /**
     * Chooses the y axis from the series added so far: logarithmic when their finite values are all positive and the
     * largest is more than {@value #LOG_AXIS_RATIO} times the smallest, else linear. The one rule of every loss
     * figure (train's {@code loss.png}, {@code show --curves}); call it after the last series.
     */
    public LossCurveFigure logYWhenWide() {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (double y : s.y) {
                if (Double.isFinite(y)) {
                    lo = Math.min(lo, y);
                    hi = Math.max(hi, y);
                }
            }
        }
        return logY(lo > 0 && hi > LOG_AXIS_RATIO * lo);
    }

    /** Whether the y axis is logarithmic. */
    public boolean isLogY() {
        return logY;
    }

    /**
     * A dot of {@value #MARKER_RADIUS} pixels' radius at every point, for curves of few points (e.g. one
     * per epoch), where a lone point would otherwise be a speck. Default: off.
     */
    public LossCurveFigure markers(boolean on) {
        this.markers = on;
        return this;
    }


    /** The radius of a marker, in pixels. */
    public static final double MARKER_RADIUS = 3;

    /** Image size in pixels. Default 720 × 440. */
    public LossCurveFigure size(int width, int height) {
        if (width < LEFT + RIGHT + 50 || height < TOP + BOTTOM + 50) {
            throw new IllegalArgumentException("figure of " + width + "x" + height + " is too small for its axes");
        }
        this.width = width;
        this.height = height;
        right = -1;
        return this;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    // ---------------------------------------------------------------- axes

    /** Data ranges after rounding out to ticks: {xmin, xmax, ymin, ymax}; y in log10 units on a log axis. */
    private double[] ranges() {
        double x0 = Double.POSITIVE_INFINITY;
        double x1 = Double.NEGATIVE_INFINITY;
        double y0 = Double.POSITIVE_INFINITY;
        double y1 = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x.length; i++) {
                double y = yValue(s.y[i]);
                if (Double.isFinite(s.x[i]) && Double.isFinite(y)) {
                    x0 = Math.min(x0, s.x[i]);
                    x1 = Math.max(x1, s.x[i]);
                    y0 = Math.min(y0, y);
                    y1 = Math.max(y1, y);
                }
            }
        }
        if (x0 > x1) { // nothing to plot
            x0 = 0;
            x1 = 1;
            y0 = 0;
            y1 = 1;
        }
        double[] xt = xTicks(x0, x1);
        double[] yt = logY ? new double[] {Math.floor(y0), Math.max(Math.ceil(y1), Math.floor(y0) + 1)}
                : niceTicks(y0, y1, 6);
        return new double[] {xt[0], xt[xt.length - 1], yt[0], yt[yt.length - 1]};
    }

    private double yValue(double y) {
        return logY ? (y > 0 ? Math.log10(y) : Double.NaN) : y;
    }

    /**
     * Where the data point {@code (x, y)} is drawn, as {@code {px, py}} image pixels (fractional).
     * On a log axis, {@code y} is the loss itself, not its logarithm.
     */
    public double[] pixelOf(double x, double y) {
        return pixelOf(ranges(), x, yValue(y));
    }

    private double[] pixelOf(double[] r, double x, double yv) {
        double plotW = width - LEFT - right();
        double plotH = height - TOP - BOTTOM;
        return new double[] {LEFT + (x - r[0]) / (r[1] - r[0]) * plotW, TOP + (r[3] - yv) / (r[3] - r[2]) * plotH};
    }


    /**
     * About {@code target} evenly spaced ticks at multiples of 1, 2 or 5 × 10^k that cover
     * {@code [lo, hi]}: the first tick is ≤ lo, the last ≥ hi. A zero-width range is widened.
     */
    static double[] niceTicks(double lo, double hi, int target) {
        return niceTicks(lo, hi, target, 0);
    }

    /** Whether every finite x of every series is a whole number (steps, epochs): its ticks are then whole too. */
    private boolean wholeX() {
        for (Series s : series) {
            for (double x : s.x) {
                if (Double.isFinite(x) && x != Math.rint(x)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The x axis' ticks over {@code [lo, hi]}: {@link #niceTicks}, whole numbers only where every x is whole. */
    double[] xTicks(double lo, double hi) {
        return niceTicks(lo, hi, 8, wholeX() ? 1 : 0);
    }

    /** As {@link #niceTicks(double, double, int)}, with ticks at least {@code minStep} apart (1: whole numbers only). */
    static double[] niceTicks(double lo, double hi, int target, double minStep) {
        if (!(hi > lo)) {
            double pad = lo == 0 ? 1 : Math.abs(lo) * 0.1;
            lo -= pad;
            hi += pad;
        }
        double raw = (hi - lo) / Math.max(1, target - 1);
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = mag;
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * mag >= raw) {
                step = m * mag;
                break;
            }
        }
        step = Math.max(step, minStep);
        long first = (long) Math.floor(lo / step + 1e-9);
        long last = (long) Math.ceil(hi / step - 1e-9);
        double[] ticks = new double[(int) (last - first + 1)];
        for (int i = 0; i < ticks.length; i++) {
            ticks[i] = (first + i) * step;
        }
        return ticks;
    }

    /** A short label: integers as such, otherwise up to 4 significant digits, exponent for extremes. */
    static String label(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e7) {
            return String.valueOf((long) v);
        }
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-3 || a >= 1e7)) {
            return String.format(Locale.ROOT, "%.2e", v); // %g writes 1e-4 as 0.000100
        }
        String s = String.format(Locale.ROOT, "%.4g", v);
        if (s.contains(".") && !s.contains("e")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s;
    }

    // ---------------------------------------------------------------- legend

    /** From the plot's right edge to a legend name's start: the gap and the line sample. */
    private static final int LEGEND_TEXT = 38;
    /** White space kept right of the longest legend name. */
    private static final int LEGEND_PAD = 8;

    /**
     * The width of the legend's column right of the plot: {@value #RIGHT} pixels, or what the longest name needs,
     * up to half the figure.
     */
    int right() {
        if (right < 0) { // measured once: pixelOf asks for every point
            int need = LEGEND_TEXT + LEGEND_PAD;
            for (Series s : series) {
                need = Math.max(need, LEGEND_TEXT + textWidth(s.name) + LEGEND_PAD);
            }
            right = Math.min(Math.max(RIGHT, need), maxRight());
        }
        return right;
    }

    private int maxRight() {
        return Math.max(RIGHT, width / 2);
    }

    /**
     * A name as the legend draws it: whole when it fits the legend's widest column, else cut and ending in "…".
     */
    String legendName(String name) {
        return cut(name, maxRight() - LEGEND_TEXT - LEGEND_PAD);
    }

    /** {@code text} whole when it is at most {@code room} pixels wide, else cut to fit and ending in "…". */
    private static String cut(String text, int room) {
        if (textWidth(text) <= room) {
            return text;
        }
        String dots = Figures.displayable(Figures.FONT, "\u2026", "...");
        int n = text.length();
        while (n > 0 && textWidth(text.substring(0, n) + dots) > room) {
            n--;
        }
        return text.substring(0, n) + dots;
    }

    /** White space kept left and right of the title. */
    static final int TITLE_PAD = 6;

    /** The title as drawn: whole when it fits the figure's width (less {@value #TITLE_PAD} pixels a side), else cut, ending in "…". */
    String titleText() {
        return cut(title, width - 2 * TITLE_PAD);
    }

    /**
     * The x the title is centred on: the plot's centre, moved just as far as keeps the whole title (a long one, e.g.
     * two run folders' names) inside the figure.
     */
    double titleCentre() {
        double half = textWidth(titleText()) / 2.0;
        double cx = (LEFT + width - right()) / 2.0;
        return Math.max(TITLE_PAD + half, Math.min(cx, width - TITLE_PAD - half));
    }

    /**
     * The width of {@code text} in the figure's font, in pixels; where the machine has no fonts (the text is then
     * not drawn, {@link Figures#tryText}) an estimate of 7 pixels a character.
     */
    private static int textWidth(String text) {
        int[] w = {7 * text.length()};
        BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = scratch.createGraphics();
        try {
            Figures.tryText(() -> w[0] = g.getFontMetrics(Figures.FONT).stringWidth(text));
        } finally {
            g.dispose();
        }
        return w[0];
    }

    // ---------------------------------------------------------------- drawing

    /** Draws the figure. */
    public BufferedImage render() {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = Figures.whiteCanvas(img);
        try {
            g.setFont(Figures.FONT);
            double[] r = ranges();
            int plotR = width - right();
            int plotB = height - BOTTOM;
            Color grid = new Color(0xE6E6E6);

            // x ticks and grid
            for (double t : xTicks(r[0], r[1])) {
                double px = pixelOf(r, t, r[2])[0];
                g.setColor(grid);
                g.drawLine((int) Math.round(px), TOP, (int) Math.round(px), plotB);
                g.setColor(Color.BLACK);
                g.drawLine((int) Math.round(px), plotB, (int) Math.round(px), plotB + 4);
                Figures.drawCentred(g, label(t), px, plotB + 17);
            }
            // y ticks and grid
            List<Double> yTicks = new ArrayList<>();
            if (logY) {
                for (double e = r[2]; e <= r[3] + 1e-9; e++) {
                    yTicks.add(e);
                }
            } else {
                for (double t : niceTicks(r[2], r[3], 6)) {
                    yTicks.add(t);
                }
            }
            for (double t : yTicks) {
                double py = pixelOf(r, r[0], t)[1];
                g.setColor(grid);
                g.drawLine(LEFT, (int) Math.round(py), plotR, (int) Math.round(py));
                g.setColor(Color.BLACK);
                g.drawLine(LEFT - 4, (int) Math.round(py), LEFT, (int) Math.round(py));
                Figures.drawRight(g, logY ? label(Math.pow(10, t)) : label(t), LEFT - 7, py + 4);
            }
            // frame, title, axis labels
            g.setColor(Color.BLACK);
            g.drawRect(LEFT, TOP, plotR - LEFT, plotB - TOP);
            Figures.drawCentred(g, titleText(), titleCentre(), TOP - 10);
            Figures.drawCentred(g, xLabel, (LEFT + plotR) / 2.0, height - 10);
            Graphics2D rotated = (Graphics2D) g.create();
            rotated.rotate(-Math.PI / 2);
            Figures.drawCentred(rotated, yLabel + (logY ? " (log scale)" : ""), -(TOP + plotB) / 2.0, 16);
            rotated.dispose();

            // curves, clipped to the plot (with room for a marker's dot at its edges)
            Graphics2D plot = (Graphics2D) g.create();
            int pad = markers ? (int) Math.ceil(MARKER_RADIUS) + 1 : 0;
            plot.clipRect(LEFT - pad, TOP - pad, plotR - LEFT + 1 + 2 * pad, plotB - TOP + 1 + 2 * pad);
            plot.setStroke(new BasicStroke(1.8f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            for (int k = 0; k < series.size(); k++) {
                Series s = series.get(k);
                plot.setColor(PALETTE[k % PALETTE.length]);
                Path2D.Double path = new Path2D.Double();
                boolean penDown = false;
                for (int i = 0; i < s.x.length; i++) {
                    double yv = yValue(s.y[i]);
                    if (!Double.isFinite(s.x[i]) || !Double.isFinite(yv)) {
                        penDown = false;
                        continue;
                    }
                    double[] p = pixelOf(r, s.x[i], yv);
                    if (penDown) {
                        path.lineTo(p[0], p[1]);
                    } else {
                        path.moveTo(p[0], p[1]);
                        path.lineTo(p[0], p[1]); // a lone point still shows as a dot
                        penDown = true;
                    }
                }
                plot.draw(path);
                if (markers) {
                    for (int i = 0; i < s.x.length; i++) {
                        double yv = yValue(s.y[i]);
                        if (Double.isFinite(s.x[i]) && Double.isFinite(yv)) {
                            double[] p = pixelOf(r, s.x[i], yv);
                            plot.fill(new java.awt.geom.Ellipse2D.Double(p[0] - MARKER_RADIUS, p[1] - MARKER_RADIUS,
                                    2 * MARKER_RADIUS, 2 * MARKER_RADIUS));
                        }
                    }
                }
            }
            plot.dispose();

            // legend
            for (int k = 0; k < series.size(); k++) {
                int y = TOP + 12 + 18 * k;
                g.setColor(PALETTE[k % PALETTE.length]);
                g.setStroke(new BasicStroke(2.5f));
                g.drawLine(plotR + 12, y - 4, plotR + LEGEND_TEXT - 6, y - 4);
                g.setColor(Color.BLACK);
                Figures.drawLeft(g, legendName(series.get(k).name), plotR + LEGEND_TEXT, y);
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    /** Draws the figure and writes it as a PNG (the parent folder is created if needed). */
    public void writePng(Path file) throws IOException {
        Figures.writePng(render(), file);
    }
}
