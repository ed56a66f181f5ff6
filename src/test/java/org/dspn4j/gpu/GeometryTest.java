package org.dspn4j.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;

import org.dspn4j.tensor.Shape;
import org.junit.jupiter.api.Test;

/** The index spaces of the strided kernels (plain Java, no OpenCL needed). */
class GeometryTest {

    @Test
    void contiguousOperandsMergeIntoOneDimension() {
        int[] s = {2, 3, 4};
        Geometry g = Geometry.of(s, Shape.strides(s), Shape.strides(s));
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 24}, g.sizes);
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 1}, g.strides[0]);
    }

    @Test
    void broadcastDimensionsStaySeparateAndSizeOneDimensionsVanish() {
        int[] out = {4, 1, 3, 5};
        Geometry g = Geometry.of(out, Shape.strides(out), Geometry.broadcastStrides(new int[] {3, 1}, out));
        // a (4, 3, 5) walked against b = (3, 1) broadcast: nothing merges, the size-1 dimension goes
        assertArrayEquals(new int[] {1, 1, 1, 4, 3, 5}, g.sizes);
        assertArrayEquals(new int[] {0, 0, 0, 15, 5, 1}, g.strides[0]);
        assertArrayEquals(new int[] {0, 0, 0, 0, 1, 0}, g.strides[1]);
        int[] row = {6, 5};
        Geometry h = Geometry.of(row, Shape.strides(row), Geometry.broadcastStrides(new int[] {5}, row));
        assertArrayEquals(new int[] {1, 1, 1, 1, 6, 5}, h.sizes);
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 1}, h.strides[1]);
    }

    @Test
    void moreThanSixUnmergeableDimensionsAreRefused() {
        int[] s = {2, 2, 2, 2, 2, 2, 2};
        int[] alternate = {0, 1, 0, 1, 0, 1, 0};
        assertThrows(UnsupportedOperationException.class, () -> Geometry.of(s, Shape.strides(s), alternate));
    }

    @Test
    void mergedOffsetsEqualTheOriginalOnes() {
        Random r = new Random(5);
        for (int trial = 0; trial < 200; trial++) {
            int rank = 1 + r.nextInt(6);
            int[] s = new int[rank];
            for (int d = 0; d < rank; d++) {
                s[d] = 1 + r.nextInt(3);
            }
            int[] a = Shape.strides(s);
            int[] perm = a.clone();
            for (int d = rank - 1; d > 0; d--) { // a permuted layout
                int e = r.nextInt(d + 1);
                int t = perm[d];
                perm[d] = perm[e];
                perm[e] = t;
            }
            int[] b = a.clone();
            for (int d = 0; d < rank; d++) {
                if (r.nextBoolean()) {
                    b[d] = 0; // broadcast
                }
            }
            Geometry g = Geometry.of(s, a, perm, b);
            for (int i = 0; i < Shape.numel(s); i++) {
                assertEquals(Geometry.offsetOf(i, s, a), Geometry.offsetOf(i, g.sizes, g.strides[0]));
                assertEquals(Geometry.offsetOf(i, s, perm), Geometry.offsetOf(i, g.sizes, g.strides[1]));
                assertEquals(Geometry.offsetOf(i, s, b), Geometry.offsetOf(i, g.sizes, g.strides[2]));
            }
        }
    }

    @Test
    void extentCoversTheLastElement() {
        assertEquals(24, Geometry.extent(new int[] {2, 3, 4}, new int[] {12, 4, 1}));
        assertEquals(4, Geometry.extent(new int[] {2, 3, 4}, new int[] {0, 0, 1}));
        assertEquals(0, Geometry.extent(new int[] {2, 0, 4}, new int[] {0, 4, 1}));
    }
}
