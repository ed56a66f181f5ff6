/**
 * Exact linear assignment for the Hungarian set loss (spec §3.2).
 *
 * <p>Plain Java on {@code double[][]}: no tensors, no backend. {@link org.dspn4j.match.Hungarian}
 * solves square cost matrices; the loss package builds the (N, N) matrices (predicted slots ×
 * target slots, padding included) and differentiates through the matched entries only.
 */
package org.dspn4j.match;
