package org.dspn4j.data.mnist;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * Batches of MNIST point sets, like the authors' {@code DataLoader(batch_size=32, shuffle=...,
 * drop_last=True)} ({@code dspn/data.py:get_loader} at be3703b; docs/reference-behaviour.md §6, §7): every epoch visits the digits in one order, cut into
 * {@code size / B} batches; the partial last batch is dropped.
 *
 * <p>Order: with {@code shuffle}, epoch {@code e} visits the digits in the order
 * {@code SplitMix64.forStream(seed, DOMAIN_ORDER, e, 0).permutation(size)}; without it (the
 * authors' test loader) in index order. The points of each digit are permuted by
 * {@link MnistSet#get(int, long)} with the same epoch. So batch {@code b} of epoch {@code e} is a
 * pure function of {@code (seed, e, b)}: resuming at any batch gives bit-identical data.
 *
 * <p>Not thread-safe (it caches the order of the last epoch asked for).
 */
public final class MnistBatcher {

    /** Stream domain of the per-epoch sample order (see {@link SplitMix64#streamSeed}). */
    public static final long DOMAIN_ORDER = 2;

    /**
     * One batch.
     *
     * @param features (B, C=2, N=342) channels-first, flat: {@code features[(b*2 + c)*342 + j]}
     * @param mask     (B, N=342), flat: {@code mask[b*342 + j]}
     * @param sizes    (B) number of points per set
     * @param labels   (B) digit labels
     * @param indices  (B) which digits of the data set these are
     */
    public record Batch(long epoch, int batch, double[] features, double[] mask, int[] sizes, int[] labels,
                        int[] indices) {
        /** B. */
        public int batchSize() {
            return sizes.length;
        }
    }

    private final MnistSet set;
    private final int batchSize;
    private final boolean shuffle;

    private long cachedEpoch = Long.MIN_VALUE;
    private int[] cachedOrder;

    /**
     * @param set       the point sets; its seed also seeds the sample order
     * @param batchSize B (32 in the paper)
     * @param shuffle   a fresh order each epoch (training) or index order (evaluation)
     */
    public MnistBatcher(MnistSet set, int batchSize, boolean shuffle) {
        this.set = Objects.requireNonNull(set, "set");
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        this.batchSize = batchSize;
        this.shuffle = shuffle;
    }

    /** Full batches per epoch, {@code size / B} (the remainder is dropped). */
    public int batchesPerEpoch() {
        return set.size() / batchSize;
    }

    public int batchSize() {
        return batchSize;
    }

    /** The digit indices in the order epoch {@code epoch} visits them (all of them, dropped tail included). */
    public int[] order(long epoch) {
        return orderOf(epoch).clone();
    }

    private int[] orderOf(long epoch) {
        if (cachedOrder == null || cachedEpoch != epoch) {
            int[] order;
            if (shuffle) {
                order = SplitMix64.forStream(set.seed(), DOMAIN_ORDER, epoch, 0).permutation(set.size());
            } else {
                order = new int[set.size()];
                for (int i = 0; i < order.length; i++) {
                    order[i] = i;
                }
            }
            cachedOrder = order;
            cachedEpoch = epoch;
        }
        return cachedOrder;
    }

    /** Batch {@code b} (0-based) of epoch {@code epoch}. */
    public Batch batch(long epoch, int b) {
        Objects.checkIndex(b, batchesPerEpoch());
        int[] order = orderOf(epoch);
        int cn = PointSet.C * PointSet.N;
        double[] features = new double[batchSize * cn];
        double[] mask = new double[batchSize * PointSet.N];
        int[] sizes = new int[batchSize];
        int[] labels = new int[batchSize];
        int[] indices = new int[batchSize];
        for (int k = 0; k < batchSize; k++) {
            int i = order[b * batchSize + k];
            indices[k] = i;
            labels[k] = set.digits().label(i);
            sizes[k] = set.fill(i, epoch, features, k * cn, mask, k * PointSet.N);
        }
        return new Batch(epoch, b, features, mask, sizes, labels, indices);
    }

    /** The batches of one epoch, in order; each is built when the iterator reaches it. */
    public Iterable<Batch> epoch(long epoch) {
        return () -> new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < batchesPerEpoch();
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return batch(epoch, next++);
            }
        };
    }
}
