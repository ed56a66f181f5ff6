package org.dspn4j.eval;

import java.util.Objects;

/**
 * One image's predicted set and ground-truth set, in the layout of the authors' export
 * (docs/reference-behaviour.md §8, "CLEVR export"): the in-memory equivalent of
 * {@code detections/<name>.txt} and {@code groundtruths/<name>.txt}.
 *
 * <p>Rows are elements, columns are features: (x1, y1, x2, y2) for boxes, the 18-dimensional
 * state vector for the state task. Columns beyond those the task needs are ignored, so rows that
 * still carry the mask feature are fine. Every predicted slot is a detection, none is thresholded;
 * its confidence is the predicted mask.
 *
 * <p>The arrays are not copied; do not change them while an evaluation runs.
 *
 * @param name         the image's file name without {@code .txt}; it fixes the evaluator's order
 *                     (names compared as strings, docs/reference-behaviour.md §8), so pass the
 *                     loader index as a string ({@code "0"}, {@code "1"}, …) to reproduce the
 *                     exported files' result
 * @param confidences  (S) one confidence per predicted slot
 * @param features     (S, F) predicted slots
 * @param groundTruths (G, F) ground-truth objects, padding removed
 */
public record ImageDetections(String name, double[] confidences, double[][] features, double[][] groundTruths) {

    /** Checks the structure (nulls, matching slot counts); feature widths are checked per task. */
    public ImageDetections {
        Objects.requireNonNull(name, "image name is null");
        Objects.requireNonNull(confidences, () -> "image '" + name + "': confidences are null");
        Objects.requireNonNull(features, () -> "image '" + name + "': detection features are null");
        Objects.requireNonNull(groundTruths, () -> "image '" + name + "': ground truths are null");
        if (confidences.length != features.length) {
            throw new IllegalArgumentException("image '" + name + "': " + confidences.length
                    + " confidences but " + features.length + " detections");
        }
        for (int s = 0; s < features.length; s++) {
            if (features[s] == null) {
                throw new IllegalArgumentException("image '" + name + "': detection " + s + " is null");
            }
        }
        for (int g = 0; g < groundTruths.length; g++) {
            if (groundTruths[g] == null) {
                throw new IllegalArgumentException("image '" + name + "': ground truth " + g + " is null");
            }
        }
    }
}
