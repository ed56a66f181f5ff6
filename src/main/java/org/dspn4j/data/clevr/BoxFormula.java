package org.dspn4j.data.clevr;

/**
 * Which depth coordinate the CLEVR box heuristic uses (spec §5.2, clevr-scene-facts §4,
 * {@code docs/deviations-clevr-boxes.md}).
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
