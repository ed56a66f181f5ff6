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

class MnistSetTest {

    static MnistSet set;

    @BeforeAll
    static void load() throws IOException {
        set = new MnistSet(MnistDataset.loadBundled(MnistSplit.TEST), 1234);
    }

    @Test
    void unpermutedSetIsThePixelsAtOrAbove34InRowMajorOrder() {
        MnistDataset d = set.digits();
        for (int i = 0; i < 20; i++) {
            PointSet p = set.getUnpermuted(i);
            int j = 0;
            for (int r = 0; r < 28; r++) {
                for (int c = 0; c < 28; c++) {
                    if (d.pixel(i, r, c) >= 34) {
                        assertEquals(r / 27.0, p.row(j));
                        assertEquals(c / 27.0, p.col(j));
                        assertEquals(1.0, p.mask()[j]);
                        j++;
                    }
                }
            }
            assertEquals(j, p.size());
            assertEquals(d.label(i), p.label());
            for (int k = j; k < PointSet.N; k++) {
                assertEquals(0.0, p.row(k));
                assertEquals(0.0, p.col(k));
                assertEquals(0.0, p.mask()[k]);
            }
        }
    }

    @Test
    void eachReadPermutesThePointsAndNothingElse() {
        for (int i = 0; i < 20; i++) {
            PointSet ref = set.getUnpermuted(i);
            PointSet a = set.get(i, 0);
            PointSet b = set.get(i, 1);
            assertEquals(points(ref), points(a));
            assertEquals(points(ref), points(b));
            assertArrayEquals(ref.mask(), a.mask());
            assertFalse(Arrays.equals(a.features(), b.features()), "epochs 0 and 1 read digit " + i + " alike");
        }
    }

    @Test
    void aReadIsAPureFunctionOfSeedEpochAndIndex() {
        MnistSet again = new MnistSet(set.digits(), 1234);
        assertArrayEquals(set.get(17, 5).features(), again.get(17, 5).features());
        set.get(3, 9); // other reads in between change nothing
        assertArrayEquals(set.get(17, 5).features(), again.get(17, 5).features());
        MnistSet other = new MnistSet(set.digits(), 1235);
        assertFalse(Arrays.equals(set.get(17, 5).features(), other.get(17, 5).features()));
    }

    @Test
    void featuresAreInTheUnitSquareAndSizesFitN() {
        for (int i = 0; i < set.size(); i++) {
            assertTrue(set.pointCount(i) > 0 && set.pointCount(i) <= PointSet.N);
        }
        PointSet p = set.get(0, 0);
        for (double v : p.features()) {
            assertTrue(v >= 0 && v <= 1);
        }
    }

    @Test
    void tooManyPointsIsRejected() {
        byte[] white = new byte[2 * 784];
        Arrays.fill(white, 784, 2 * 784, (byte) 255);
        MnistDataset d = MnistDataset.of(white, new byte[] {0, 1}, 28, 28, "synthetic");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MnistSet(d, 0));
        assertTrue(e.getMessage().contains("digit 1") && e.getMessage().contains("784 points"), e.getMessage());
    }

    @Test
    void otherImageSizesAreRejected() {
        MnistDataset d = MnistDataset.of(new byte[4], new byte[] {0}, 2, 2, "tiny");
        assertThrows(IllegalArgumentException.class, () -> new MnistSet(d, 0));
    }

    private static Set<String> points(PointSet p) {
        Set<String> s = new HashSet<>();
        for (int j = 0; j < p.size(); j++) {
            s.add(p.row(j) + "," + p.col(j));
        }
        assertEquals(p.size(), s.size(), "points are distinct pixels");
        return s;
    }
}
