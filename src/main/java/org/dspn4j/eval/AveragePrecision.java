package org.dspn4j.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Average precision of predicted sets, computed exactly as the authors' two evaluators do
 * ({@code dspn/Object-Detection-Metrics/lib/Evaluator.py:Evaluator.GetPascalVOCMetrics} for boxes,
 * the same method in {@code dspn/Object-Detection-Metrics-State/} for object states, at be3703b;
 * docs/reference-behaviour.md §8, with the tie rules).
 *
 * <p>One class, so AP = mAP. How a value is reduced:
 * <ol>
 *   <li><b>Pool and rank.</b> All detections of all images are pooled and sorted by confidence,
 *       descending, with a <em>stable</em> sort. Before sorting they are in the evaluator's
 *       reading order: images by name compared as strings ({@code "0" < "1" < "10" < "100" <
 *       "11" < "2"}), then slot order within an image. So among equal confidences (frequent: DSPN
 *       masks are clamped and sit at exactly 1.0) the reading order decides. Confidences compare
 *       as numbers, so {@code -0.0} ties with {@code 0.0}.</li>
 *   <li><b>Greedy matching</b> in that order, against the ground truths of the same image:
 *     <ul>
 *       <li>box: the ground truth with the highest IoU. The running best starts at the smallest
 *           positive normal double (Python's {@code sys.float_info.min}) and is replaced only on a
 *           strict {@code >}, so an IoU of exactly 0 never matches and the first ground truth in
 *           file order wins ties. True positive iff that IoU ≥ threshold and that ground truth is
 *           still unmatched.</li>
 *       <li>state: candidates are the ground truths whose (material, colour, shape, size) —
 *           each the argmax of its one-hot group, first index on ties — equals the detection's.
 *           The nearest candidate by ‖3·(gt_xyz − det_xyz)‖₂ (world units) wins, replaced only
 *           on a strict {@code <}, so the first in file order wins ties. True positive iff a
 *           candidate exists, its distance ≤ threshold, and it is still unmatched.</li>
 *     </ul>
 *     Everything else is a false positive. There is no fallback: a detection whose best ground
 *     truth is taken is a false positive even if another unmatched one would pass.</li>
 *   <li><b>Curve.</b> After k detections, precision = TP/k and recall = TP/G, where G is the
 *       number of ground-truth objects over all images (missed objects lower recall; there is
 *       no per-image averaging).</li>
 *   <li><b>Every-point interpolation</b> (VOC 2010+): add the points (recall 0, precision 0)
 *       and (1, 0), replace each precision by the maximum precision to its right, and sum
 *       Δrecall × that precision over the points where recall changes.</li>
 *   <li>The result is reported in percent (AP × 100); the authors print it with two decimals.</li>
 * </ol>
 * The arithmetic follows the Python evaluators operation by operation, so for the same inputs
 * the results agree to the last bit, except that the state distance sums its three squares in
 * order where numpy's {@code dot} may use another order (a last-bit difference at most).
 *
 * <p><b>Input rules.</b> Image names must be unique. Detections need at least 4 (box) or 18
 * (state) features, ground truths likewise; extra columns are ignored, as the authors' parsers
 * ignore extra values on a line. Features must be finite and confidences not NaN. There must be
 * at least one ground-truth object, since recall divides by their number.
 */
public final class AveragePrecision {

    /** Box features per element: x1, y1, x2, y2 in normalised image coordinates (docs/reference-behaviour.md §6). */
    public static final int BOX_FEATURES = 4;

    /** State features per element: 3 coordinates, then one-hot material, colour, shape, size (docs/reference-behaviour.md §6). */
    public static final int STATE_FEATURES = 18;

    /** Sizes of the one-hot groups after the 3 coordinates: material, colour, shape, size. */
    private static final int[] STATE_GROUPS = {2, 8, 3, 2};

    /** Distance thresholds of the authors' state evaluation script, in world units. */
    private static final double[] STATE_THRESHOLDS = {Double.POSITIVE_INFINITY, 1, 0.5, 0.25, 0.125};

    private AveragePrecision() {
    }

    // ==================================================================================== API

    /** The state task's default distance thresholds ∞, 1, 0.5, 0.25, 0.125 (a fresh copy). */
    public static double[] stateThresholds() {
        return STATE_THRESHOLDS.clone();
    }

    /**
     * Box AP at one IoU threshold (docs/reference-behaviour.md §8, "Box AP").
     *
     * @param images       predicted and true boxes per image, in any order
     * @param variant      which IoU the evaluator uses; the paper's numbers need
     *                     {@link IouVariant#PAPER_PLUS_ONE}
     * @param iouThreshold a detection needs IoU ≥ this; finite and &gt; 0
     * @return AP in percent, in [0, 100]
     */
    public static double box(List<ImageDetections> images, IouVariant variant, double iouThreshold) {
        Objects.requireNonNull(variant, "IoU variant is null");
        if (!(iouThreshold > 0) || Double.isInfinite(iouThreshold)) {
            throw new IllegalArgumentException("IoU threshold must be a finite number > 0; got " + iouThreshold);
        }
        List<ImageDetections> ordered = inReadingOrder(images, BOX_FEATURES, "box");
        int[][] ranked = rank(ordered);
        int[] rankImage = ranked[0];
        int[] rankSlot = ranked[1];

        boolean[][] matched = newMatchedFlags(ordered);
        boolean[] tp = new boolean[rankImage.length];
        for (int k = 0; k < rankImage.length; k++) {
            ImageDetections img = ordered.get(rankImage[k]);
            double[] det = img.features()[rankSlot[k]];
            double[][] gts = img.groundTruths();
            // NOTE: Python's sys.float_info.min, the smallest positive *normal* double, and a
            // strict '>': IoU 0 never matches, the first ground truth wins ties (Evaluator.GetPascalVOCMetrics).
            double best = Double.MIN_NORMAL;
            int bestGt = -1;
            for (int g = 0; g < gts.length; g++) {
                double iou = variant.iou(det, gts[g]);
                if (iou > best) {
                    best = iou;
                    bestGt = g;
                }
            }
            if (bestGt >= 0 && best >= iouThreshold && !matched[rankImage[k]][bestGt]) {
                matched[rankImage[k]][bestGt] = true;
                tp[k] = true;
            }
        }
        return 100 * everyPoint(tp, groundTruthCount(ordered));
    }

    /**
     * State AP at one distance threshold (docs/reference-behaviour.md §8, "State AP").
     *
     * @param images            predicted and true 18-d state vectors per image, in any order
     * @param distanceThreshold a detection needs distance ≤ this, in world units; ≥ 0, and
     *                          {@code Double.POSITIVE_INFINITY} means only the attributes must match
     * @return AP in percent, in [0, 100]
     */
    public static double state(List<ImageDetections> images, double distanceThreshold) {
        if (!(distanceThreshold >= 0)) {
            throw new IllegalArgumentException("distance threshold must be >= 0 (Infinity allowed); got " + distanceThreshold);
        }
        List<ImageDetections> ordered = inReadingOrder(images, STATE_FEATURES, "state");
        int[][] ranked = rank(ordered);
        int[] rankImage = ranked[0];
        int[] rankSlot = ranked[1];

        // Attribute tuples once per element, not once per pair.
        int[][] detKeys = new int[ordered.size()][];
        int[][] gtKeys = new int[ordered.size()][];
        for (int i = 0; i < ordered.size(); i++) {
            detKeys[i] = attributeKeys(ordered.get(i).features());
            gtKeys[i] = attributeKeys(ordered.get(i).groundTruths());
        }

        boolean[][] matched = newMatchedFlags(ordered);
        boolean[] tp = new boolean[rankImage.length];
        for (int k = 0; k < rankImage.length; k++) {
            int im = rankImage[k];
            double[] det = ordered.get(im).features()[rankSlot[k]];
            int key = detKeys[im][rankSlot[k]];
            double[][] gts = ordered.get(im).groundTruths();
            // Strict '<' from +Infinity: the first nearest ground truth in file order wins (the state Evaluator.GetPascalVOCMetrics).
            double best = Double.POSITIVE_INFINITY;
            int bestGt = -1;
            for (int g = 0; g < gts.length; g++) {
                if (gtKeys[im][g] == key) {
                    double d = worldDistance(gts[g], det);
                    if (d < best) {
                        best = d;
                        bestGt = g;
                    }
                }
            }
            if (bestGt >= 0 && best <= distanceThreshold && !matched[im][bestGt]) {
                matched[im][bestGt] = true;
                tp[k] = true;
            }
        }
        return 100 * everyPoint(tp, groundTruthCount(ordered));
    }

    // ========================================================================= every-point AP

    /**
     * Every-point interpolated AP as a fraction in [0, 1].
     *
     * @param truePositive per ranked detection, whether it was a true positive
     * @param groundTruths G, the recall denominator; ≥ 1
     */
    static double everyPoint(boolean[] truePositive, int groundTruths) {
        int n = truePositive.length;
        double[] recall = new double[n + 2];    // with the added end points at 0 and n + 1
        double[] precision = new double[n + 2];
        double accTp = 0;
        double accFp = 0;
        for (int k = 0; k < n; k++) {
            if (truePositive[k]) {
                accTp += 1;
            } else {
                accFp += 1;
            }
            recall[k + 1] = accTp / groundTruths;
            precision[k + 1] = accTp / (accFp + accTp);
        }
        recall[n + 1] = 1;
        precision[n + 1] = 0;
        for (int i = n + 1; i > 0; i--) {
            precision[i - 1] = Math.max(precision[i - 1], precision[i]);
        }
        double ap = 0;
        for (int i = 1; i <= n + 1; i++) {
            if (recall[i] != recall[i - 1]) {
                ap += (recall[i] - recall[i - 1]) * precision[i];
            }
        }
        return ap;
    }

    // ================================================================================ helpers

    /** Validates, then sorts images by name as strings: the evaluator's file order. */
    private static List<ImageDetections> inReadingOrder(List<ImageDetections> images, int width, String task) {
        Objects.requireNonNull(images, "list of images is null");
        List<ImageDetections> ordered = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            ImageDetections img = Objects.requireNonNull(images.get(i), "image " + i + " of the list is null");
            checkRows(img, img.features(), "detection", width, task);
            checkRows(img, img.groundTruths(), "ground truth", width, task);
            for (int s = 0; s < img.confidences().length; s++) {
                if (Double.isNaN(img.confidences()[s])) {
                    throw new IllegalArgumentException("image '" + img.name() + "': detection " + s + " has confidence NaN");
                }
            }
            ordered.add(img);
        }
        // String.compareTo orders by UTF-16 code unit, the same as Python's str order for the
        // ASCII names of the export.
        ordered.sort((a, b) -> a.name().compareTo(b.name()));
        for (int i = 1; i < ordered.size(); i++) {
            if (ordered.get(i).name().equals(ordered.get(i - 1).name())) {
                throw new IllegalArgumentException("image name '" + ordered.get(i).name() + "' appears twice");
            }
        }
        return ordered;
    }

    private static void checkRows(ImageDetections img, double[][] rows, String what, int width, String task) {
        for (int r = 0; r < rows.length; r++) {
            if (rows[r].length < width) {
                throw new IllegalArgumentException("image '" + img.name() + "': " + what + " " + r + " has "
                        + rows[r].length + " features; the " + task + " task needs " + width);
            }
            for (int c = 0; c < width; c++) {
                if (!Double.isFinite(rows[r][c])) {
                    throw new IllegalArgumentException("image '" + img.name() + "': " + what + " " + r
                            + " has " + rows[r][c] + " at feature " + c + "; features must be finite");
                }
            }
        }
    }

    /**
     * Stable ranking by descending confidence. Returns {imageIndex[], slot[]} in rank order.
     * Compared with {@code <} and {@code >}, not {@link Double#compare}, so that -0.0 and 0.0 tie
     * as they do in Python.
     */
    private static int[][] rank(List<ImageDetections> ordered) {
        int total = 0;
        for (ImageDetections img : ordered) {
            total += img.confidences().length;
        }
        int[] image = new int[total];
        int[] slot = new int[total];
        double[] conf = new double[total];
        int k = 0;
        for (int i = 0; i < ordered.size(); i++) {
            double[] c = ordered.get(i).confidences();
            for (int s = 0; s < c.length; s++, k++) {
                image[k] = i;
                slot[k] = s;
                conf[k] = c[s];
            }
        }
        Integer[] order = new Integer[total];
        for (int j = 0; j < total; j++) {
            order[j] = j;
        }
        // Arrays.sort on objects is a stable merge sort, like Python's sorted(..., reverse=True).
        Arrays.sort(order, (p, q) -> conf[p] > conf[q] ? -1 : (conf[p] < conf[q] ? 1 : 0));
        int[] rankImage = new int[total];
        int[] rankSlot = new int[total];
        for (int j = 0; j < total; j++) {
            rankImage[j] = image[order[j]];
            rankSlot[j] = slot[order[j]];
        }
        return new int[][] {rankImage, rankSlot};
    }

    private static boolean[][] newMatchedFlags(List<ImageDetections> ordered) {
        boolean[][] matched = new boolean[ordered.size()][];
        for (int i = 0; i < ordered.size(); i++) {
            matched[i] = new boolean[ordered.get(i).groundTruths().length];
        }
        return matched;
    }

    private static int groundTruthCount(List<ImageDetections> ordered) {
        int count = 0;
        for (ImageDetections img : ordered) {
            count += img.groundTruths().length;
        }
        if (count == 0) {
            throw new IllegalArgumentException("no ground-truth objects in " + ordered.size()
                    + " images; recall (TP / number of ground truths) is undefined");
        }
        return count;
    }

    /**
     * Packs the four attribute argmaxes of each row into one int, so that comparing tuples is
     * comparing ints. Each argmax takes the first index on ties, as numpy's does.
     */
    private static int[] attributeKeys(double[][] rows) {
        int[] keys = new int[rows.length];
        for (int r = 0; r < rows.length; r++) {
            int key = 0;
            int offset = 3;
            for (int size : STATE_GROUPS) {
                int arg = 0;
                for (int c = 1; c < size; c++) {
                    if (rows[r][offset + c] > rows[r][offset + arg]) {
                        arg = c;
                    }
                }
                key = key * 8 + arg; // every group has at most 8 entries
                offset += size;
            }
            keys[r] = key;
        }
        return keys;
    }

    /** ‖3·(gt − det)‖₂ over the 3 coordinates: undoes the /3 normalisation of {@code dspn/data.py:CLEVR.object_to_fv}. */
    private static double worldDistance(double[] gt, double[] det) {
        double dx = 3 * (gt[0] - det[0]);
        double dy = 3 * (gt[1] - det[1]);
        double dz = 3 * (gt[2] - det[2]);
        return Math.sqrt(dx * dx + dy * dy + dz * dz);
    }
}
