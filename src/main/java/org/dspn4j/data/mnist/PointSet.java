package org.dspn4j.data.mnist;

/**
 * One MNIST digit as a padded point set (docs/reference-behaviour.md §6).
 *
 * @param features (C=2, N=342) channels-first, row-major: {@code features[c*N + j]} is channel
 *                 {@code c} of slot {@code j}; channel 0 = row / 27 (y, pointing down), channel 1 =
 *                 column / 27 (x); slots {@code size..N-1} are 0
 * @param mask     (N=342): 1 for slots {@code 0..size-1}, 0 for the padding
 * @param size     number of real points, n
 * @param label    the digit 0..9 (the authors' loader returns it as "input"; auto-encoding ignores it)
 *
 * The arrays are not copied; treat them as read-only.
 */
public record PointSet(double[] features, double[] mask, int size, int label) {

    /** Channels per element: row, column. */
    public static final int C = 2;
    /** Padded set size, the authors' hard-coded maximum cardinality. */
    public static final int N = 342;

    public PointSet {
        if (features.length != C * N || mask.length != N || size < 0 || size > N) {
            throw new IllegalArgumentException("a point set needs (" + C + ", " + N + ") features and (" + N
                    + ") mask with 0 <= size <= " + N + "; got " + features.length + ", " + mask.length + ", " + size);
        }
    }

    /** Channel 0 (row / 27) of slot {@code j}. */
    public double row(int j) {
        return features[j];
    }

    /** Channel 1 (column / 27) of slot {@code j}. */
    public double col(int j) {
        return features[N + j];
    }
}
