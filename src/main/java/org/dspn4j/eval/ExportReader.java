package org.dspn4j.eval;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

import org.dspn4j.text.FileErrors;
import org.dspn4j.text.StrictUtf8;

/**
 * Reads predictions and ground truths in the authors' export format ({@code dspn/train.py:main} at
 * be3703b; docs/reference-behaviour.md §8) into {@link ImageDetections}, for
 * {@link AveragePrecision}.
 *
 * <p>Layout: a detections folder and a ground-truths folder, one {@code <name>.txt} per image
 * in each. Detection lines are {@code box <confidence> <f1> … <fF>} (one per predicted slot);
 * ground-truth lines are {@code box <f1> … <fF> 1.0} (one per real object; the trailing value is
 * ignored). F is 4 for boxes, 18 for states.
 *
 * <p>Like the authors' parsers: only {@code *.txt} files count, names containing {@code step}
 * (DSPN's per-step exports {@code <i>-step<k>.txt}) and hidden files are skipped, blank lines are
 * skipped, and values after the first F (or 1 + F) numbers are ignored. Stricter than them:
 * both folders must hold the same file names, tokens may be separated by any run of whitespace,
 * the class label must be {@code box}, and features must be finite; each violation is an
 * {@link ExportFormatException} naming the file and, for content errors, the line number.
 *
 * <p>Numbers are parsed as Python's {@code float()} parses a string (the authors'
 * {@code Object-Detection-Metrics/pascalvoc.py:getBoundingBoxes at be3703b} calls it on each
 * token): {@code 1e5}, {@code .5}, {@code 5.}, {@code 1_000} (underscores between digits),
 * {@code inf}, {@code infinity} and {@code nan} in any case and with a sign, non-ASCII decimal
 * digits, and surrounding whitespace; not Java's extras {@code 0.5d}, {@code 1f} or hexadecimal
 * {@code 0x1p-1}. Files are decoded as strict UTF-8 (as Python 3's {@code open} does on a UTF-8
 * system), with {@code \n}, {@code \r\n} and {@code \r} ending lines; a file over
 * {@link #MAX_FILE_BYTES} is refused before it is read.
 */
public final class ExportReader {

    private static final String LABEL = "box";

    /**
     * The largest export file read: 16 MiB. One image's file holds a line per predicted slot or
     * object (at most a few kB for CLEVR's 10 slots of 18 numbers).
     */
    public static final long MAX_FILE_BYTES = 16L << 20;

    private ExportReader() {
    }

    /**
     * Reads all images.
     *
     * @param detectionsDir   folder of {@code <name>.txt} prediction files
     * @param groundTruthsDir folder of {@code <name>.txt} ground-truth files
     * @param features        F, features per element: {@link AveragePrecision#BOX_FEATURES} or
     *                        {@link AveragePrecision#STATE_FEATURES}
     * @return one entry per image, in file order (names sorted as strings)
     */
    public static List<ImageDetections> read(Path detectionsDir, Path groundTruthsDir, int features) throws IOException {
        return read(detectionsDir, groundTruthsDir, features, Integer.MAX_VALUE);
    }

    /**
     * Reads the first {@code limit} images in file order, as the authors' {@code --limit} option
     * does (their evaluation scripts pass it to get quicker, partial results).
     */
    public static List<ImageDetections> read(Path detectionsDir, Path groundTruthsDir, int features, int limit)
            throws IOException {
        if (features < 1) {
            throw new IllegalArgumentException("features per element must be >= 1; got " + features);
        }
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0; got " + limit);
        }
        TreeSet<String> detNames = listNames(detectionsDir, "detections");
        TreeSet<String> gtNames = listNames(groundTruthsDir, "ground-truths");
        if (Files.isSameFile(detectionsDir, groundTruthsDir)) {
            // each file would be scored against itself, its confidences read as features
            throw new ExportFormatException(groundTruthsDir, 0, "the ground-truths folder " + groundTruthsDir
                    + " is the detections folder; give the groundtruths/ beside detections/");
        }
        for (String name : detNames) {
            if (!gtNames.contains(name)) {
                throw new ExportFormatException(detectionsDir.resolve(name + ".txt"), 0, detectionsDir.resolve(name + ".txt")
                        + " has no matching ground-truth file " + groundTruthsDir.resolve(name + ".txt"));
            }
        }
        for (String name : gtNames) {
            if (!detNames.contains(name)) {
                throw new ExportFormatException(groundTruthsDir.resolve(name + ".txt"), 0, groundTruthsDir.resolve(name + ".txt")
                        + " has no matching detections file " + detectionsDir.resolve(name + ".txt"));
            }
        }
        List<ImageDetections> images = new ArrayList<>();
        for (String name : detNames) { // TreeSet<String>: sorted as strings, the evaluator's order
            if (images.size() == limit) {
                break;
            }
            List<double[]> det = readLines(detectionsDir.resolve(name + ".txt"), 1 + features, true);
            List<double[]> gt = readLines(groundTruthsDir.resolve(name + ".txt"), features, false);
            double[] confidences = new double[det.size()];
            double[][] slots = new double[det.size()][];
            for (int s = 0; s < det.size(); s++) {
                double[] row = det.get(s);
                confidences[s] = row[0];
                slots[s] = Arrays.copyOfRange(row, 1, row.length);
            }
            images.add(new ImageDetections(name, confidences, slots, gt.toArray(new double[0][])));
        }
        return images;
    }

    private static TreeSet<String> listNames(Path dir, String what) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new ExportFormatException(dir, 0, what + " folder does not exist or is not a folder: " + dir);
        }
        TreeSet<String> names = new TreeSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.txt")) {
            for (Path f : files) {
                String file = f.getFileName().toString();
                // Python's glob('*.txt') skips hidden files; the authors drop per-step exports.
                if (file.startsWith(".") || file.contains("step") || !Files.isRegularFile(f)) {
                    continue;
                }
                names.add(file.substring(0, file.length() - ".txt".length()));
            }
        }
        return names;
    }

    /**
     * Parses each non-blank line to its first {@code count} numbers after the label. For a
     * detections file the first number is the confidence, which may be infinite (baseline masks
     * are unbounded) but not NaN; every other number is a feature and must be finite.
     */
    private static List<double[]> readLines(Path file, int count, boolean detections) throws IOException {
        List<String> lines = readUtf8Lines(file);
        List<double[]> rows = new ArrayList<>(lines.size());
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty()) {
                continue;
            }
            String where = file + " line " + (n + 1) + ": ";
            String[] tokens = line.split("\\s+");
            if (!tokens[0].equals(LABEL)) {
                throw error(file, n + 1, where + "expected the class label '" + LABEL + "' first, found '"
                        + quote(tokens[0]) + "'");
            }
            if (tokens.length - 1 < count) {
                throw error(file, n + 1, where + "expected at least " + count + " numbers after '" + LABEL
                        + "'" + (detections ? " (a confidence, then the features)" : "") + ", found " + (tokens.length - 1));
            }
            double[] row = new double[count];
            for (int i = 0; i < count; i++) {
                try {
                    row[i] = PythonFloat.parse(tokens[i + 1]);
                } catch (NumberFormatException e) {
                    throw error(file, n + 1, where + "'" + quote(tokens[i + 1]) + "' is not a number");
                }
                if (detections && i == 0) {
                    if (Double.isNaN(row[i])) {
                        throw error(file, n + 1, where + "confidence is NaN");
                    }
                } else if (!Double.isFinite(row[i])) {
                    int feature = detections ? i - 1 : i;
                    throw error(file, n + 1, where + "feature " + feature + " is " + row[i] + "; features must be finite");
                }
            }
            rows.add(row);
        }
        return rows;
    }

    private static ExportFormatException error(Path file, int line, String message) {
        return new ExportFormatException(file, line, message);
    }

    /**
     * The file's lines, decoded as strict UTF-8; {@code \n}, {@code \r\n} and {@code \r} end a
     * line, as {@link Files#readAllLines} and Python's universal newlines have it.
     */
    private static List<String> readUtf8Lines(Path file) throws IOException {
        long size = Files.size(file);
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = size > MAX_FILE_BYTES ? null : in.readNBytes((int) MAX_FILE_BYTES + 1);
        } catch (IOException e) {
            throw FileErrors.named(file, e); // a read error: the JDK's message names no file
        }
        if (bytes == null || bytes.length > MAX_FILE_BYTES) {
            throw error(file, 0, file + ": " + Math.max(size, bytes == null ? 0 : bytes.length)
                    + " bytes is more than the limit of " + MAX_FILE_BYTES + " bytes for an export file"
                    + " (ExportReader.MAX_FILE_BYTES)");
        }
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            boolean end = i == bytes.length;
            if (end || bytes[i] == '\n' || bytes[i] == '\r') {
                if (end && start == i) {
                    break;
                }
                try {
                    lines.add(StrictUtf8.decode(bytes, start, i));
                } catch (StrictUtf8.Malformed e) {
                    throw error(file, lines.size() + 1, file + " line " + (lines.size() + 1) + ": invalid UTF-8 at byte offset "
                            + e.at + String.format(Locale.ROOT, " (byte 0x%02x)", bytes[e.at] & 0xFF));
                }
                if (!end && bytes[i] == '\r' && i + 1 < bytes.length && bytes[i + 1] == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        return lines;
    }

    /** A token quoted in a message: control characters escaped, at most 40 characters. */
    private static String quote(String token) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < token.length() && sb.length() < 40; i++) {
            char c = token.charAt(i);
            sb.append(c < 0x20 || c == 0x7f || c == 0x85 || c == 0x2028 || c == 0x2029
                    ? String.format(Locale.ROOT, "\\u%04x", (int) c) : String.valueOf(c));
        }
        return sb.length() < 40 ? sb.toString() : sb + "...";
    }
}
