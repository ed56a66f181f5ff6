package org.dspn4j.data.mnist;

import java.util.Objects;

/**
 * MNIST digits as point sets, as the authors' {@code MNISTSet} ({@code dspn/data.py:MNISTSet.image_to_set},
 * {@code MNISTSet.__getitem__} at be3703b) builds them (docs/reference-behaviour.md §6):
 * <ul>
 *   <li>a pixel is a point when its byte is &ge; {@value #THRESHOLD_BYTE}. The authors test
 *       {@code (v/255 - 0.1307)/0.3081 > 0} after torchvision's {@code ToTensor} and
 *       {@code Normalize}; in float32 that holds exactly for the bytes &ge; 34 (all 256 values are
 *       checked in the tests);</li>
 *   <li>a point's features are (row / 27, column / 27); here computed in double, the authors'
 *       tensors are float32 (differences ≤ 3e-8);</li>
 *   <li>the points, found in row-major order (as {@code nonzero} lists them), are permuted afresh on
 *       every read, then zero-padded to N = {@value PointSet#N}; the mask is 1 for the real points.</li>
 * </ul>
 *
 * <p>NOTE: the authors draw a fresh {@code randperm} on every read from an unseeded generator. Here
 * the permutation of digit {@code index} in epoch {@code epoch} is Fisher-Yates with the stream
 * {@code SplitMix64.forStream(seed, DOMAIN_POINTS, epoch, index)} — a pure function of
 * {@code (seed, epoch, index)}, so a resumed run is bit-identical. Nothing else depends on the
 * order of reads.
 */
public final class MnistSet {

    /** Smallest byte value that is a point: 34/255 = 0.1333 &gt; 0.1307 &gt; 33/255 = 0.1294. */
    public static final int THRESHOLD_BYTE = 34;
    /** Coordinates are divided by this (28 - 1), mapping 0..27 onto [0, 1]. */
    public static final double SCALE = 27.0;
    /** Stream domain of the point permutations (see {@link SplitMix64#streamSeed}). */
    public static final long DOMAIN_POINTS = 1;

    private static final int SIDE = 28;

    private final MnistDataset digits;
    private final long seed;
    private final int[] sizes;

    /**
     * @param digits 28x28 digits, each with at most {@value PointSet#N} points
     * @param seed   seed of all point permutations
     * @throws IllegalArgumentException if the images are not 28x28 or a digit has more than N points
     */
    public MnistSet(MnistDataset digits, long seed) {
        this.digits = Objects.requireNonNull(digits, "digits");
        this.seed = seed;
        if (digits.rows() != SIDE || digits.cols() != SIDE) {
            throw new IllegalArgumentException("MNIST point sets need 28x28 images (coordinates are divided by 27); "
                    + digits + " has " + digits.rows() + "x" + digits.cols());
        }
        byte[] px = digits.pixels();
        sizes = new int[digits.size()];
        for (int i = 0; i < sizes.length; i++) {
            int n = 0;
            for (int k = i * SIDE * SIDE, end = k + SIDE * SIDE; k < end; k++) {
                if (isPoint(px[k] & 0xFF)) {
                    n++;
                }
            }
            if (n > PointSet.N) {
                throw new IllegalArgumentException("digit " + i + " of " + digits.source() + " has " + n
                        + " points, more than the padded size N = " + PointSet.N);
            }
            sizes[i] = n;
        }
    }

    /** True when a pixel byte (0..255) becomes a point. */
    public static boolean isPoint(int byteValue) {
        return byteValue >= THRESHOLD_BYTE;
    }

    /** Number of digits. */
    public int size() {
        return sizes.length;
    }

    /** Seed of the point permutations. */
    public long seed() {
        return seed;
    }

    /** Number of points of digit {@code i}, without building the set. */
    public int pointCount(int i) {
        return sizes[i];
    }

    /** The digits this view is built on. */
    public MnistDataset digits() {
        return digits;
    }

    /** Digit {@code index} as read in epoch {@code epoch}: points permuted by that read's stream. */
    public PointSet get(int index, long epoch) {
        Objects.checkIndex(index, sizes.length);
        return build(index, SplitMix64.forStream(seed, DOMAIN_POINTS, epoch, index));
    }

    /** Digit {@code index} with its points in row-major order, unpermuted. */
    public PointSet getUnpermuted(int index) {
        Objects.checkIndex(index, sizes.length);
        return build(index, null);
    }

    /**
     * Fills one slot row of a batch: features {@code (C, N)} at {@code features[fOffset..]} and mask
     * {@code (N)} at {@code mask[mOffset..]}, both as laid out in {@link PointSet}. Modifies both
     * arrays in those ranges (padding included, so the ranges need not be zero).
     *
     * @return the number of points
     */
    int fill(int index, long epoch, double[] features, int fOffset, double[] mask, int mOffset) {
        return fill(index, SplitMix64.forStream(seed, DOMAIN_POINTS, epoch, index), features, fOffset, mask, mOffset);
    }

    private PointSet build(int index, SplitMix64 rng) {
        double[] features = new double[PointSet.C * PointSet.N];
        double[] mask = new double[PointSet.N];
        int n = fill(index, rng, features, 0, mask, 0);
        return new PointSet(features, mask, n, digits.label(index));
    }

    private int fill(int index, SplitMix64 rng, double[] features, int fOffset, double[] mask, int mOffset) {
        byte[] px = digits.pixels();
        int base = index * SIDE * SIDE;
        int[] points = new int[sizes[index]]; // pixel positions r*28 + c, row-major
        int n = 0;
        for (int k = 0; k < SIDE * SIDE; k++) {
            if (isPoint(px[base + k] & 0xFF)) {
                points[n++] = k;
            }
        }
        if (rng != null) {
            rng.shuffle(points);
        }
        for (int j = 0; j < PointSet.N; j++) {
            boolean real = j < n;
            features[fOffset + j] = real ? (points[j] / SIDE) / SCALE : 0.0;
            features[fOffset + PointSet.N + j] = real ? (points[j] % SIDE) / SCALE : 0.0;
            mask[mOffset + j] = real ? 1.0 : 0.0;
        }
        return n;
    }
}
