/**
 * Exact linear assignment for the Hungarian set loss ({@code dspn/utils.py:hungarian_loss at be3703b}).
 *
 * <p>Plain Java on {@code double} arrays: no tensors, no backend. {@link org.dspn4j.match.Hungarian}
 * solves square cost matrices and defines the op {@code Backend.assign} (its procedure is the tie
 * rule every backend follows); the loss package builds the (N, N) matrices (predicted slots × target
 * slots, padding included) and differentiates through the matched entries only.
 */
package org.dspn4j.match;
