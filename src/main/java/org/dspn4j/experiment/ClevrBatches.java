package org.dspn4j.experiment;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

import org.dspn4j.data.clevr.BoxFormula;
import org.dspn4j.data.clevr.BoxHeuristic;
import org.dspn4j.data.clevr.ClevrDataset;
import org.dspn4j.data.clevr.RgbImage;
import org.dspn4j.data.clevr.Scene;
import org.dspn4j.data.clevr.Slots;
import org.dspn4j.data.clevr.StateVector;
import org.dspn4j.data.mnist.SplitMix64;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * Batches of CLEVR samples, like the authors' {@code DataLoader(batch_size=32, shuffle=...,
 * drop_last=True)}: the first {@code count} scenes of a split, cut into
 * {@code count / B} full batches; the partial last batch is dropped.
 *
 * <p>Order: with {@code shuffle} (training), epoch {@code e} visits the scenes in the order
 * {@code SplitMix64.forStream(seed, 3, e, 0).permutation(count)}; without it (evaluation) in file
 * order, so that sample i of the evaluation is scene i — the number its export file gets. Batch
 * {@code b} of epoch {@code e} is a pure function of {@code (seed, e, b)}: resuming at any batch
 * gives bit-identical data. Objects keep their JSON order inside a set (no shuffling), as the authors'.
 *
 * <p>Images are 128×128 by default, the authors' input, read through {@link ClevrDataset#image}
 * (Pillow's bilinear resize). Another side {@code S} resizes the original image straight to
 * S×S with the same filter; it exists so tests can run the ResNet on smaller inputs. Small data sets
 * (≤ {@value #MEMO_LIMIT} scenes) keep their decoded images in memory.
 *
 * <p>Not thread-safe.
 */
public final class ClevrBatches {

    /** Stream domain of the per-epoch sample order (MNIST uses 2). */
    public static final long DOMAIN_ORDER = 3;
    static final int MEMO_LIMIT = 1024; // 1024 images of 128×128 are 200 MB of heap

    /**
     * One batch, flat and channels-first.
     *
     * @param indices (B) scene indices in the split (file order)
     * @param images  (B, 3, S, S) in [0, 1]
     * @param targets (B, C, N)
     * @param masks   (B, N)
     */
    public record Batch(int[] indices, double[] images, double[] targets, double[] masks) {
        public int size() {
            return indices.length;
        }
    }

    private final ClevrDataset data;
    private final Path imageDir;
    private final ClevrDataset.Target target;
    private final BoxFormula boxFormula;
    private final int count;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final int side;
    private final float[][] memo;

    private long cachedEpoch = Long.MIN_VALUE;
    private int[] cachedOrder;

    /**
     * @param data      an opened split
     * @param boxFormula the box heuristic (must be the one {@code data} was opened with)
     * @param imageDir  the split's image folder ({@code root/images/<split>}), read when {@code side != 128}
     * @param count     use the first {@code count} scenes
     * @param batchSize B
     * @param shuffle   a fresh order each epoch (training) or file order (evaluation)
     * @param seed      seeds the order
     * @param side      S, the image side
     */
    public ClevrBatches(ClevrDataset data, Path imageDir, ClevrDataset.Target target, BoxFormula boxFormula, int count,
                        int batchSize, boolean shuffle, long seed, int side) {
        this.data = Objects.requireNonNull(data, "data");
        this.imageDir = imageDir;
        this.target = Objects.requireNonNull(target, "target");
        this.boxFormula = Objects.requireNonNull(boxFormula, "boxFormula");
        if (count < 0 || count > data.size()) {
            throw new IllegalArgumentException("asked for " + count + " scenes of a split that has " + data.size());
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        this.count = count;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.seed = seed;
        this.side = side;
        this.memo = count <= MEMO_LIMIT ? new float[count][] : null;
    }

    /**
     * Opens the batches of one split of a source.
     *
     * @param count the first {@code count} scenes, or all of them if negative
     */
    public static ClevrBatches of(ClevrSource src, String split, ClevrDataset.Target target, int count, int batch,
                                  boolean shuffle, long seed) throws IOException {
        ClevrDataset d = src.open(split, target);
        return new ClevrBatches(d, src.root().resolve("images").resolve(split), target, src.boxFormula(),
                count < 0 ? d.size() : count, batch, shuffle, seed, src.imageSize());
    }

    /** Full batches per epoch, {@code count / B}. */
    public int batchesPerEpoch() {
        return count / batchSize;
    }

    /** The samples the batches cover: {@code batchesPerEpoch() * B}. */
    public int samples() {
        return batchesPerEpoch() * batchSize;
    }

    public int batchSize() {
        return batchSize;
    }

    public int imageSize() {
        return side;
    }

    public ClevrDataset.Target target() {
        return target;
    }

    public ClevrDataset dataset() {
        return data;
    }

    /** Channels C of a target element (4 boxes, 18 states). */
    public int channels() {
        return target == ClevrDataset.Target.BOXES ? 4 : 18;
    }

    /** The scene indices epoch {@code epoch} visits, in order (dropped tail included). */
    public int[] order(long epoch) {
        if (cachedOrder == null || cachedEpoch != epoch) {
            int[] order;
            if (shuffle) {
                order = SplitMix64.forStream(seed, DOMAIN_ORDER, epoch, 0).permutation(count);
            } else {
                order = new int[count];
                for (int i = 0; i < count; i++) {
                    order[i] = i;
                }
            }
            cachedOrder = order;
            cachedEpoch = epoch;
        }
        return cachedOrder;
    }

    /** Batch {@code b} (0-based) of epoch {@code epoch}. */
    public Batch batch(long epoch, int b) throws IOException {
        Objects.checkIndex(b, batchesPerEpoch());
        int[] order = order(epoch);
        int c = channels();
        int n = Slots.MAX_OBJECTS;
        int px = 3 * side * side;
        int[] idx = new int[batchSize];
        double[] images = new double[batchSize * px];
        double[] targets = new double[batchSize * c * n];
        double[] masks = new double[batchSize * n];
        for (int k = 0; k < batchSize; k++) {
            int i = order[b * batchSize + k];
            idx[k] = i;
            float[] img = image(i);
            for (int p = 0; p < px; p++) {
                images[k * px + p] = img[p];
            }
            double[][] t = targetSet(i);
            for (int ch = 0; ch < c; ch++) {
                System.arraycopy(t[ch], 0, targets, (k * c + ch) * n, n);
            }
            System.arraycopy(Slots.mask(data.scenes().get(i)), 0, masks, k * n, n);
        }
        return new Batch(idx, images, targets, masks);
    }

    /**
     * The batch as tensors in the model's dtype (targets and masks rounded to it, as the authors'
     * float32 tensors): {images (B, 3, S, S), targets (B, C, N), masks (B, N)}.
     */
    public Tensor[] tensors(Backend be, DType dt, Batch b) {
        int n = Slots.MAX_OBJECTS;
        return new Tensor[] {be.fromHost(b.images(), dt, b.size(), 3, side, side),
                be.fromHost(b.targets(), dt, b.size(), channels(), n), be.fromHost(b.masks(), dt, b.size(), n)};
    }

    /** Image i as (3, S, S) floats in [0, 1]. */
    public float[] image(int i) throws IOException {
        if (memo != null && memo[i] != null) {
            return memo[i];
        }
        Scene s = data.scenes().get(i);
        float[] img = side == RgbImage.NETWORK_SIZE ? data.image(s)
                : RgbImage.read(imageDir.resolve(s.imageFilename())).resizeBilinear(side, side).toUnitFloats();
        if (memo != null) {
            memo[i] = img;
        }
        return img;
    }

    /** Scene i's image at its original size (for figures). */
    public java.awt.image.BufferedImage originalImage(int i) throws IOException {
        return RgbImage.read(imageDir.resolve(data.scenes().get(i).imageFilename())).toBufferedImage();
    }

    /** Scene i's target set, (C, N) channels-first, as {@link ClevrDataset#get} builds it. */
    public double[][] targetSet(int i) {
        Scene s = data.scenes().get(i);
        return target == ClevrDataset.Target.BOXES ? BoxHeuristic.encode(s, boxFormula) : StateVector.encode(s);
    }
}
