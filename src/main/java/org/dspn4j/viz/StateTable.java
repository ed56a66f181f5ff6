package org.dspn4j.viz;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import org.dspn4j.data.clevr.Material;
import org.dspn4j.data.clevr.Shape;
import org.dspn4j.data.clevr.Size;

/**
 * Predicted object states next to the truth, like Table 4 of the paper's appendix C: for each
 * scene, one column per set — typically Ŷ(5), Ŷ(10), Ŷ(20), the truth and a baseline — and one line
 * per object with its 3D position in world units and its attributes
 * ({@code x y z size colour material shape}). Objects are sorted by x within each column.
 *
 * <p>How a state vector (docs/reference-behaviour.md §6, 18 values) is read: coordinates × 3
 * (undoing the /3 of the targets), each attribute the argmax of its one-hot group, first index on
 * ties — as the state evaluator reads it (docs/reference-behaviour.md §8). A predicted slot is
 * listed when its mask exceeds 0.5 (the truth lists its real objects). An attribute is
 * <em>wrong</em> when it differs from that attribute of the nearest true object in 3D; wrong
 * attributes are red in the PNG and followed by {@code *} in the text and Markdown forms. A column
 * with no slot above 0.5 (a baseline early in training, whose masks are raw and small) says so in
 * its first line, {@value #NONE}, rather than standing empty as if nothing had been drawn.
 */
public final class StateTable {

    static {
        Figures.init();
    }

    /** Slots with a mask above this are listed as objects. */
    public static final double PRESENT = 0.5;

    /** What an empty column shows in its first line. */
    public static final String NONE = "(no slot with mask > 0.5)";

    /**
     * One listed object.
     *
     * @param xyz   position in world units
     * @param attrs size, colour, material, shape
     * @param wrong per attribute, whether it differs from the nearest true object's
     */
    public record Obj(double[] xyz, String[] attrs, boolean[] wrong) {
        /** The plain-text form: {@code x y z size colour material shape}, wrong ones followed by {@code *}. */
        public String text(String mark) {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%5.2f %5.2f %4.2f", xyz[0], xyz[1], xyz[2]));
            for (int a = 0; a < attrs.length; a++) {
                sb.append(' ').append(attrs[a]);
                if (wrong[a]) {
                    sb.append(mark);
                }
            }
            return sb.toString();
        }
    }

    /** One scene: a title and, per column, the listed objects sorted by x. */
    public record Block(String title, List<List<Obj>> columns) {
    }

    private final List<String> headers;
    private final List<Block> blocks;

    /**
     * @param headers column titles
     * @param blocks  one per scene, each with one list per column
     */
    public StateTable(List<String> headers, List<Block> blocks) {
        this.headers = List.copyOf(headers);
        this.blocks = List.copyOf(blocks);
        for (Block b : this.blocks) {
            if (b.columns().size() != this.headers.size()) {
                throw new IllegalArgumentException("scene '" + b.title() + "' has " + b.columns().size() + " columns for "
                        + this.headers.size() + " headers");
            }
        }
    }

    public List<Block> blocks() {
        return blocks;
    }

    // ================================================================================ build

    /**
     * Builds a scene's block from raw sets.
     *
     * @param sets        per column, the set as {@code (18, N)} flat channels-first ({@code [c*N + j]})
     * @param masks       per column, {@code (N)}; slots above {@link #PRESENT} are listed
     * @param truthColumn which column holds the truth (its wrong flags stay false)
     */
    public static Block block(String title, double[][] sets, double[][] masks, int truthColumn) {
        Objects.checkIndex(truthColumn, sets.length);
        List<double[]> truth = present(sets[truthColumn], masks[truthColumn]);
        List<List<Obj>> cols = new ArrayList<>();
        for (int c = 0; c < sets.length; c++) {
            List<Obj> objs = new ArrayList<>();
            for (double[] s : present(sets[c], masks[c])) {
                Obj o = decode(s);
                boolean[] wrong = new boolean[4];
                if (c != truthColumn && !truth.isEmpty()) {
                    Obj nearest = decode(nearest(s, truth));
                    for (int a = 0; a < 4; a++) {
                        wrong[a] = !o.attrs()[a].equals(nearest.attrs()[a]);
                    }
                }
                objs.add(new Obj(o.xyz(), o.attrs(), wrong));
            }
            objs.sort(Comparator.comparingDouble(o -> o.xyz()[0]));
            cols.add(objs);
        }
        return new Block(title, cols);
    }

    private static List<double[]> present(double[] set, double[] mask) {
        int n = mask.length;
        int c = set.length / n;
        List<double[]> out = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            if (mask[j] > PRESENT) {
                double[] s = new double[c];
                for (int ch = 0; ch < c; ch++) {
                    s[ch] = set[ch * n + j];
                }
                out.add(s);
            }
        }
        return out;
    }

    private static double[] nearest(double[] s, List<double[]> truth) {
        double best = Double.POSITIVE_INFINITY;
        double[] arg = truth.get(0);
        for (double[] t : truth) {
            double d = 0;
            for (int i = 0; i < 3; i++) {
                double e = 3 * (t[i] - s[i]);
                d += e * e;
            }
            if (d < best) {
                best = d;
                arg = t;
            }
        }
        return arg;
    }

    /** Reads an 18-value state: coordinates × 3 and the argmax of each one-hot group. */
    public static Obj decode(double[] s) {
        if (s.length < 18) {
            throw new IllegalArgumentException("a state has 18 values, got " + s.length);
        }
        int material = argmax(s, 3, 2);
        int colour = argmax(s, 5, 8);
        int shape = argmax(s, 13, 3);
        int size = argmax(s, 16, 2);
        String[] attrs = {Size.values()[size].jsonName(), org.dspn4j.data.clevr.Color.values()[colour].jsonName(), Material.values()[material].jsonName(),
                Shape.values()[shape].jsonName()};
        return new Obj(new double[] {3 * s[0], 3 * s[1], 3 * s[2]}, attrs, new boolean[4]);
    }

    private static int argmax(double[] s, int from, int len) {
        int best = 0;
        for (int i = 1; i < len; i++) {
            if (s[from + i] > s[from + best]) {
                best = i;
            }
        }
        return best;
    }

    // =============================================================================== output

    /** Plain text, one block per scene, columns separated by {@code " | "}; wrong attributes end in {@code *}. */
    public String text() {
        int w = 48;
        StringBuilder sb = new StringBuilder();
        for (Block b : blocks) {
            sb.append(b.title()).append('\n');
            StringBuilder head = new StringBuilder();
            for (int c = 0; c < headers.size(); c++) {
                head.append(c == 0 ? "" : " | ").append(pad(headers.get(c), w));
            }
            sb.append(head.toString().stripTrailing()).append('\n');
            for (int r = 0; r < rows(b); r++) {
                StringBuilder line = new StringBuilder();
                for (int c = 0; c < headers.size(); c++) {
                    List<Obj> col = b.columns().get(c);
                    line.append(c == 0 ? "" : " | ").append(pad(cell(col, r, "*"), w));
                }
                sb.append(line.toString().stripTrailing()).append('\n');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** Markdown, one table per scene; wrong attributes are followed by an escaped {@code \*}. */
    public String markdown() {
        StringBuilder sb = new StringBuilder();
        for (Block b : blocks) {
            sb.append("**").append(b.title()).append("**\n\n|");
            for (String h : headers) {
                sb.append(' ').append(h).append(" |");
            }
            sb.append("\n|").append("---|".repeat(headers.size())).append('\n');
            for (int r = 0; r < rows(b); r++) {
                sb.append('|');
                for (List<Obj> col : b.columns()) {
                    sb.append(' ').append(cell(col, r, "\\*")).append(" |");
                }
                sb.append('\n');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** Lines of a scene: its longest column's, at least one (for {@link #NONE}). */
    private static int rows(Block b) {
        int n = 1;
        for (List<Obj> col : b.columns()) {
            n = Math.max(n, col.size());
        }
        return n;
    }

    /** Line {@code r} of a column as text: its object, {@link #NONE} first in an empty column, else nothing. */
    private static String cell(List<Obj> col, int r, String mark) {
        return r < col.size() ? col.get(r).text(mark) : col.isEmpty() && r == 0 ? NONE : "";
    }

    private static String pad(String s, int w) {
        return s.length() >= w ? s : s + " ".repeat(w - s.length());
    }

    // ==================================================================================== PNG

    static final int MARGIN = 8;
    static final int LINE = 16;
    /** The least column width: a CLEVR object's line at coordinates within ±10 with room to spare. */
    static final int COLUMN = 290;
    /** Space between the widest line of a column and the next column. */
    static final int COLUMN_GAP = 16;

    /**
     * The column width: {@link #COLUMN}, or wider when a line (a header, an object of a far-off prediction such as
     * {@code -123.45 -67.89 12.34 large yellow rubber cylinder}) would otherwise run into the next column.
     */
    private int columnWidth() {
        BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = scratch.createGraphics();
        try {
            g.setFont(Figures.FONT);
            double widest = 0;
            for (String h : headers) {
                widest = Math.max(widest, width(g, h));
            }
            for (Block b : blocks) {
                for (List<Obj> col : b.columns()) {
                    for (Obj o : col) {
                        widest = Math.max(widest, width(g, o.text("")));
                    }
                }
            }
            widest = Math.max(widest, width(g, NONE));
            return Math.max(COLUMN, (int) Math.ceil(widest) + COLUMN_GAP);
        } finally {
            g.dispose();
        }
    }

    /** The width of {@code s} in the table's font (7 pixels a character where the machine has no fonts). */
    private static double width(Graphics2D g, String s) {
        double[] w = {7.0 * s.length()};
        Figures.tryText(() -> w[0] = g.getFontMetrics().stringWidth(s));
        return w[0];
    }

    /** Draws the table: black text, wrong attributes in red. */
    public BufferedImage render() {
        int lines = 0;
        for (Block b : blocks) {
            lines += 3 + rows(b);
        }
        int column = columnWidth();
        int width = 2 * MARGIN + headers.size() * column;
        int height = 2 * MARGIN + Math.max(1, lines) * LINE;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = Figures.whiteCanvas(img);
        try {
            g.setFont(Figures.FONT);
            double y = MARGIN + LINE - 4;
            for (Block b : blocks) {
                g.setColor(Color.BLACK);
                Figures.drawLeft(g, b.title(), MARGIN, y);
                y += LINE;
                for (int c = 0; c < headers.size(); c++) {
                    Figures.drawLeft(g, headers.get(c), MARGIN + c * column, y);
                }
                y += LINE;
                for (int r = 0; r < rows(b); r++) {
                    for (int c = 0; c < headers.size(); c++) {
                        List<Obj> col = b.columns().get(c);
                        if (r < col.size()) {
                            drawObj(g, col.get(r), MARGIN + c * column, y);
                        } else if (col.isEmpty() && r == 0) {
                            g.setColor(Color.GRAY);
                            Figures.drawLeft(g, NONE, MARGIN + c * column, y);
                        }
                    }
                    y += LINE;
                }
                y += LINE;
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    private static void drawObj(Graphics2D g, Obj o, double x, double y) {
        String coords = String.format(Locale.ROOT, "%5.2f %5.2f %4.2f", o.xyz()[0], o.xyz()[1], o.xyz()[2]);
        double[] at = {x};
        g.setColor(Color.BLACK);
        draw(g, coords, at, y);
        for (int a = 0; a < o.attrs().length; a++) {
            g.setColor(o.wrong()[a] ? new Color(0xD01010) : Color.BLACK);
            draw(g, " " + o.attrs()[a], at, y);
        }
    }

    /** Draws {@code s} at {@code at[0]} and advances it (7 px per character if fonts are missing). */
    private static void draw(Graphics2D g, String s, double[] at, double y) {
        double x = at[0];
        Figures.drawLeft(g, s, x, y);
        double[] w = {7.0 * s.length()};
        Figures.tryText(() -> w[0] = g.getFontMetrics().stringWidth(s));
        at[0] = x + w[0];
    }

    /** Draws the table and writes it as a PNG (the parent folder is created if needed). */
    public void writePng(Path file) throws IOException {
        Figures.writePng(render(), file);
    }
}
