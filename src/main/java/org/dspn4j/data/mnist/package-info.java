/**
 * MNIST digits as point sets, built exactly as the authors' {@code dspn/data.py:MNISTSet} at be3703b
 * builds them (docs/reference-behaviour.md §6): IDX reading ({@link org.dspn4j.data.mnist.Idx}), the
 * digits of one split
 * ({@link org.dspn4j.data.mnist.MnistDataset}), the point-set view
 * ({@link org.dspn4j.data.mnist.MnistSet}, {@link org.dspn4j.data.mnist.PointSet}) and batches
 * ({@link org.dspn4j.data.mnist.MnistBatcher}).
 *
 * <p>Dimension legend: {@code B} batch (32), {@code C} channels per element (2: row, column),
 * {@code N} padded set size (342), {@code H, W} image (28, 28). Sets are channels-first,
 * {@code (B, C, N)}, flattened row-major: element {@code [b][c][j]} of a batch's features is at
 * {@code (b*C + c)*N + j}; the mask {@code (B, N)} at {@code b*N + j}.
 *
 * <p>Randomness (point order within a set, sample order within an epoch) comes from
 * {@link org.dspn4j.data.mnist.SplitMix64} streams whose seeds are pure functions of
 * {@code (seed, epoch, index)}, so a resumed run sees bit-identical batches.
 */
package org.dspn4j.data.mnist;
