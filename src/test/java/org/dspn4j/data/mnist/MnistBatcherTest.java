package org.dspn4j.data.mnist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MnistBatcherTest {

    static MnistSet train;
    static MnistSet test;

    @BeforeAll
    static void load() throws IOException {
        train = new MnistSet(MnistDataset.loadBundled(MnistSplit.TRAIN), 99);
        test = new MnistSet(MnistDataset.loadBundled(MnistSplit.TEST), 99);
    }

    @Test
    void dropsThePartialLastBatch() {
        assertEquals(9000 / 32, new MnistBatcher(train, 32, true).batchesPerEpoch());
        // the authors' evaluation subset: the first tenth of the test split, 31 batches of 32
        MnistSet tenth = new MnistSet(test.digits().head(test.size() / 10), 99);
        assertEquals(3, new MnistBatcher(tenth, 32, false).batchesPerEpoch());
    }

    @Test
    void batchLayoutIsChannelsFirst() {
        MnistBatcher batcher = new MnistBatcher(train, 32, true);
        MnistBatcher.Batch batch = batcher.batch(4, 7);
        assertEquals(32 * 2 * 342, batch.features().length);
        assertEquals(32 * 342, batch.mask().length);
        for (int b = 0; b < 32; b++) {
            PointSet p = train.get(batch.indices()[b], 4);
            assertArrayEquals(p.features(), Arrays.copyOfRange(batch.features(), b * 2 * 342, (b + 1) * 2 * 342));
            assertArrayEquals(p.mask(), Arrays.copyOfRange(batch.mask(), b * 342, (b + 1) * 342));
            assertEquals(p.size(), batch.sizes()[b]);
            assertEquals(p.label(), batch.labels()[b]);
            // element [b][c][j] at (b*2 + c)*342 + j
            assertEquals(p.col(3), batch.features()[(b * 2 + 1) * 342 + 3]);
        }
    }

    @Test
    void anEpochVisitsEachDigitAtMostOnceInASeededOrder() {
        MnistBatcher batcher = new MnistBatcher(train, 32, true);
        Set<Integer> seen = new HashSet<>();
        int batches = 0;
        for (MnistBatcher.Batch b : batcher.epoch(0)) {
            for (int i : b.indices()) {
                assertTrue(seen.add(i));
            }
            batches++;
        }
        assertEquals(281, batches);
        assertEquals(281 * 32, seen.size());
        assertFalse(Arrays.equals(batcher.order(0), batcher.order(1)), "each epoch has its own order");
        int[] sorted = batcher.order(0);
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i]);
        }
    }

    @Test
    void resumingGivesBitIdenticalBatches() {
        MnistBatcher first = new MnistBatcher(train, 32, true);
        MnistBatcher.Batch expected = null;
        for (MnistBatcher.Batch b : first.epoch(3)) {
            if (b.batch() == 100) {
                expected = b;
                break;
            }
        }
        MnistBatcher resumed = new MnistBatcher(new MnistSet(train.digits(), 99), 32, true);
        MnistBatcher.Batch actual = resumed.batch(3, 100);
        assertArrayEquals(expected.indices(), actual.indices());
        assertArrayEquals(expected.features(), actual.features());
        assertArrayEquals(expected.mask(), actual.mask());
    }

    @Test
    void withoutShuffleTheOrderIsTheIndexOrder() {
        MnistBatcher batcher = new MnistBatcher(test, 32, false);
        assertArrayEquals(new int[] {32, 33, 34}, Arrays.copyOf(batcher.batch(0, 1).indices(), 3));
        assertFalse(Arrays.equals(batcher.batch(0, 1).features(), batcher.batch(1, 1).features()),
                "points are still permuted afresh each epoch");
    }

    @Test
    void badArguments() {
        assertThrows(IllegalArgumentException.class, () -> new MnistBatcher(train, 0, true));
        assertThrows(IndexOutOfBoundsException.class, () -> new MnistBatcher(train, 32, true).batch(0, 281));
    }
}
