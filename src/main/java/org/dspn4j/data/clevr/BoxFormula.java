package org.dspn4j.data.clevr;

/**
 * Which depth coordinate the CLEVR box heuristic uses (the authors' {@code dspn/data.py:CLEVR.extract_bounding_boxes}
 * at be3703b; {@code docs/deviations-clevr-boxes.md}, docs/reference-behaviour.md §6).
 */
public enum BoxFormula {
    /**
     * The authors' (inherited larchen/clevr-vqa) code: y₁' = −x₁'·sin θ + y₁·cos θ with the
     * <em>already rotated</em> x₁'. Reproduces the paper's box targets; the default.
     */
    AUTHORS,
    /** The intended rotation y₁' = −x₁·sin θ + y₁·cos θ with the original x₁ (distance behind the origin). */
    CORRECTED
}
