package org.dspn4j.data.mnist;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The digits and labels of one MNIST split, as read from IDX files.
 *
 * <p>Where the files come from:
 * <ul>
 *   <li>{@link #load(Path, MnistSplit)}: a folder holding {@code <prefix>-images-idx3-ubyte} and
 *       {@code <prefix>-labels-idx1-ubyte}, each raw or with {@code .gz} (raw wins when both are
 *       there). If the folder has neither, its {@code MNIST/raw/} subfolder (torchvision's layout) is
 *       tried. This reads full MNIST and the bundled subset alike (the CLI's {@code --data-dir}).</li>
 *   <li>{@link #loadBundled(MnistSplit)}: the 10,000-digit subset in the repository's
 *       {@code data/mnist/} (9,000 train, 1,000 t10k; see its README — the t10k part is <b>not</b> the
 *       official MNIST test set). Found by looking for {@code data/mnist/} in the working directory
 *       and then in each parent. It is deliberately not on the classpath: that would put a second
 *       1.6 MB copy into every jar; a jar run elsewhere passes the folder explicitly.</li>
 * </ul>
 * Immutable.
 */
public final class MnistDataset {

    /** The bundled subset's folder, relative to the repository root. */
    public static final Path BUNDLED_RELATIVE = Path.of("data", "mnist");

    private final String source;
    private final int count;
    private final int rows;
    private final int cols;
    private final byte[] pixels; // (count, rows, cols)
    private final byte[] labels; // (count)

    private MnistDataset(String source, int count, int rows, int cols, byte[] pixels, byte[] labels) {
        this.source = source;
        this.count = count;
        this.rows = rows;
        this.cols = cols;
        this.pixels = pixels;
        this.labels = labels;
    }

    /**
     * Digits held in memory (for tests and synthetic data).
     *
     * @param pixels (count, rows, cols) unsigned bytes, row-major; copied
     * @param labels (count) unsigned bytes; copied
     * @param source a name for messages
     */
    public static MnistDataset of(byte[] pixels, byte[] labels, int rows, int cols, String source) {
        Objects.requireNonNull(pixels, "pixels");
        Objects.requireNonNull(labels, "labels");
        if (rows <= 0 || cols <= 0 || (long) labels.length * rows * cols != pixels.length) {
            throw new IllegalArgumentException(labels.length + " labels and " + rows + "x" + cols
                    + " images need " + (long) labels.length * rows * cols + " pixels, got " + pixels.length);
        }
        return new MnistDataset(source, labels.length, rows, cols, pixels.clone(), labels.clone());
    }

    /** Reads one split from a folder of IDX files (see the class doc for the names tried). */
    public static MnistDataset load(Path dir, MnistSplit split) throws IOException {
        Located at = locate(dir, split);
        if (at.images() == null) {
            throw new FileNotFoundException("no MNIST " + split.prefix() + " files in " + at.dir() + ": need "
                    + need(split));
        }
        Path imagesFile = at.images();
        Path labelsFile = at.labels();
        Idx.Images images = Idx.readImages(imagesFile);
        byte[] labels = Idx.readLabels(labelsFile);
        if (labels.length != images.count()) {
            throw new IOException(labelsFile + " has " + labels.length + " labels but " + imagesFile + " has "
                    + images.count() + " images");
        }
        for (int i = 0; i < labels.length; i++) {
            if ((labels[i] & 0xFF) > 9) {
                throw new IdxFormatException(labelsFile, 8 + i, "label " + (labels[i] & 0xFF) + " is not a digit");
            }
        }
        return new MnistDataset(imagesFile.toString(), images.count(), images.rows(), images.cols(),
                images.pixels(), labels);
    }

    /** The files a split is read from: "train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz]". */
    private static String need(MnistSplit split) {
        return split.imagesName() + "[.gz] and " + split.labelsName() + "[.gz]";
    }

    /**
     * What {@code dir} (an existing folder) lacks for {@link #load} to read {@code split}, as a phrase without the
     * folder ("no MNIST t10k files (need …, in it or in its MNIST/raw/)"), or null when nothing is missing: the files
     * are there, or one of their names is taken by something that is no regular file, which {@link #load} names.
     * Lets a command refuse a folder before any work, naming the option that gave it.
     */
    public static String lacking(Path dir, MnistSplit split) {
        Located at;
        try {
            at = locate(dir, split);
        } catch (FileSystemException e) { // a name taken by no regular file: load says so
            return null;
        }
        if (at.images() != null) {
            return null;
        }
        String no = "no MNIST " + split.prefix() + " files";
        return at.dir().equals(dir) ? no + " (need " + need(split) + ", in it or in its MNIST/raw/)"
                : no + " in its MNIST/raw/ (need " + need(split) + ")";
    }

    /** Where {@link #load} reads a split: the folder looked in last, and its two files (null where one is missing). */
    private record Located(Path dir, Path images, Path labels) {
    }

    /**
     * The files of {@code split} in {@code dir}, else in its {@code MNIST/raw/} (torchvision's layout) where that
     * folder exists; refused where one of their names is taken by something that is no regular file.
     */
    private static Located locate(Path dir, MnistSplit split) throws FileSystemException {
        Path imagesFile = find(dir, split.imagesName());
        Path labelsFile = find(dir, split.labelsName());
        if (imagesFile != null && labelsFile != null) {
            return new Located(dir, imagesFile, labelsFile);
        }
        Path raw = dir.resolve("MNIST").resolve("raw");
        if (Files.isDirectory(raw)) {
            return locate(raw, split);
        }
        for (String name : List.of(split.imagesName(), split.labelsName())) {
            for (Path p : List.of(dir.resolve(name), dir.resolve(name + ".gz"))) {
                if (Files.exists(p) && !Files.isRegularFile(p)) {
                    throw new FileSystemException(p.toString(), null, "not a regular file, but the name of an MNIST "
                            + split.prefix() + " IDX file");
                }
            }
        }
        return new Located(dir, null, null);
    }

    /** Reads one split of the bundled subset (see {@link #bundledDirectory()}). */
    public static MnistDataset loadBundled(MnistSplit split) throws IOException {
        return load(bundledDirectory(), split);
    }

    /**
     * The repository's {@code data/mnist/}: the first of the working directory and its parents that
     * has it.
     *
     * @throws FileNotFoundException naming where it looked
     */
    public static Path bundledDirectory() throws FileNotFoundException {
        Path start = Path.of("").toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            Path candidate = p.resolve(BUNDLED_RELATIVE);
            if (find(candidate, MnistSplit.TRAIN.labelsName()) != null) {
                return candidate;
            }
        }
        throw new FileNotFoundException("the bundled MNIST subset (" + BUNDLED_RELATIVE + ") is not in " + start
                + " or any parent; run from the repository or give the folder explicitly (--data-dir)");
    }

    private static Path find(Path dir, String baseName) {
        for (Path p : List.of(dir.resolve(baseName), dir.resolve(baseName + ".gz"))) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- access

    /** Number of digits. */
    public int size() {
        return count;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** The image file (or the name given to {@link #of}). */
    public String source() {
        return source;
    }

    /** Label of digit {@code i}, 0..9. */
    public int label(int i) {
        Objects.checkIndex(i, count);
        return labels[i] & 0xFF;
    }

    /** Pixel {@code (row, col)} of digit {@code i}, 0..255. */
    public int pixel(int i, int row, int col) {
        Objects.checkIndex(i, count);
        Objects.checkIndex(row, rows);
        Objects.checkIndex(col, cols);
        return pixels[(i * rows + row) * cols + col] & 0xFF;
    }

    /** A copy of digit {@code i}: (rows, cols) unsigned bytes, row-major. */
    public byte[] image(int i) {
        Objects.checkIndex(i, count);
        int n = rows * cols;
        return Arrays.copyOfRange(pixels, i * n, (i + 1) * n);
    }

    /**
     * The first {@code n} digits, e.g. the authors' evaluation subset: the first tenth of the
     * test split ({@code dspn/data.py:MNISTSet.__len__} at be3703b; docs/reference-behaviour.md §6).
     */
    public MnistDataset head(int n) {
        if (n < 0 || n > count) {
            throw new IllegalArgumentException("head(" + n + ") of " + count + " digits");
        }
        return new MnistDataset(source + " [first " + n + "]", n, rows, cols,
                Arrays.copyOf(pixels, n * rows * cols), Arrays.copyOf(labels, n));
    }

    /** Package-private: the backing pixels, (count, rows, cols). Not a copy; do not modify. */
    byte[] pixels() {
        return pixels;
    }

    @Override
    public String toString() {
        return "MnistDataset(" + count + " digits of " + rows + "x" + cols + " from " + source + ")";
    }
}
