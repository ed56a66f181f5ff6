package org.dspn4j.eval;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * Reads predictions and ground truths in the authors' export format (spec §7.2) into
 * {@link ImageDetections}, for {@link AveragePrecision}.
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
 * {@link IOException} naming the file and, for content errors, the line number.
 */
public final class ExportReader {

    private static final String LABEL = "box";

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
        for (String name : detNames) {
            if (!gtNames.contains(name)) {
                throw new IOException(detectionsDir.resolve(name + ".txt") + " has no matching ground-truth file "
                        + groundTruthsDir.resolve(name + ".txt"));
            }
        }
        for (String name : gtNames) {
            if (!detNames.contains(name)) {
                throw new IOException(groundTruthsDir.resolve(name + ".txt") + " has no matching detections file "
                        + detectionsDir.resolve(name + ".txt"));
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
            throw new IOException(what + " folder does not exist or is not a folder: " + dir);
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
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<double[]> rows = new ArrayList<>(lines.size());
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty()) {
                continue;
            }
            String where = file + " line " + (n + 1) + ": ";
            String[] tokens = line.split("\\s+");
            if (!tokens[0].equals(LABEL)) {
                throw new IOException(where + "expected the class label '" + LABEL + "' first, found '" + tokens[0] + "'");
            }
            if (tokens.length - 1 < count) {
                throw new IOException(where + "expected at least " + count + " numbers after '" + LABEL
                        + "'" + (detections ? " (a confidence, then the features)" : "") + ", found " + (tokens.length - 1));
            }
            double[] row = new double[count];
            for (int i = 0; i < count; i++) {
                row[i] = parse(tokens[i + 1], where);
                if (detections && i == 0) {
                    if (Double.isNaN(row[i])) {
                        throw new IOException(where + "confidence is NaN");
                    }
                } else if (!Double.isFinite(row[i])) {
                    int feature = detections ? i - 1 : i;
                    throw new IOException(where + "feature " + feature + " is " + row[i] + "; features must be finite");
                }
            }
            rows.add(row);
        }
        return rows;
    }

    /** Python's float() spellings of the special values, then Java's decimal syntax. */
    private static double parse(String token, String where) throws IOException {
        switch (token.toLowerCase(Locale.ROOT)) {
            case "inf", "+inf", "infinity", "+infinity":
                return Double.POSITIVE_INFINITY;
            case "-inf", "-infinity":
                return Double.NEGATIVE_INFINITY;
            case "nan", "+nan", "-nan":
                return Double.NaN;
            default:
                break;
        }
        try {
            return Double.parseDouble(token);
        } catch (NumberFormatException e) {
            throw new IOException(where + "'" + token + "' is not a number");
        }
    }
}
