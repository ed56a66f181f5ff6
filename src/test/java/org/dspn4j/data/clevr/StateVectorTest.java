package org.dspn4j.data.clevr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class StateVectorTest {

    @Test
    void encodesCoordinatesOverThreeThenOneHots() throws IOException {
        Scene s = Fixtures.miniSceneList().get(0);
        double[][] st = StateVector.encode(s);
        assertEquals(18, st.length);
        assertEquals(10, st[0].length);
        // object 0: large brown rubber cylinder at (-1.4937…, -1.9936…, 0.7)
        double[] expected0 = {
            -1.4937210083007812 / 3, -1.9936031103134155 / 3, 0.699999988079071 / 3,
            1, 0,                   // rubber, metal
            0, 0, 0, 0, 0, 0, 0, 1, // cyan blue yellow purple red green gray brown
            0, 0, 1,                // sphere cube cylinder
            1, 0};                  // large small
        assertArrayEquals(expected0, column(st, 0), 0);
        // object 3: large purple metal sphere
        double[] expected3 = {
            -0.8073106408119202 / 3, 1.914123773574829 / 3, 0.699999988079071 / 3,
            0, 1,
            0, 0, 0, 1, 0, 0, 0, 0,
            1, 0, 0,
            1, 0};
        assertArrayEquals(expected3, column(st, 3), 0);
        // object 4: small gray metal cube
        assertArrayEquals(new double[] {0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1},
                java.util.Arrays.copyOfRange(column(st, 4), 3, 18), 0);
        for (int j = 5; j < 10; j++) {
            assertArrayEquals(new double[18], column(st, j), 0, "padding slot " + j);
        }
        assertArrayEquals(new double[] {1, 1, 1, 1, 1, 0, 0, 0, 0, 0}, Slots.mask(s), 0);
    }

    @Test
    void eachOneHotGroupSumsToOne() throws IOException {
        for (Scene s : Fixtures.miniSceneList()) {
            double[][] st = StateVector.encode(s);
            for (int j = 0; j < s.objects().size(); j++) {
                double[] v = column(st, j);
                assertEquals(1, sum(v, 3, 5));
                assertEquals(1, sum(v, 5, 13));
                assertEquals(1, sum(v, 13, 16));
                assertEquals(1, sum(v, 16, 18));
            }
        }
    }

    @Test
    void tenObjectsFillTheMaskAndElevenAreRejected() throws IOException {
        Scene ten = Fixtures.miniSceneList().get(2);
        assertArrayEquals(new double[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, Slots.mask(ten), 0);
        List<ClevrObject> eleven = new ArrayList<>(ten.objects());
        eleven.add(ten.objects().get(0));
        Scene big = new Scene("val", 99, "x.png", eleven, ten.directions());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StateVector.encode(big));
        assertEquals("x.png (image_index 99) has 11 objects; at most 10 are supported", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Slots.mask(big));
        assertThrows(IllegalArgumentException.class, () -> BoxHeuristic.encode(big, BoxFormula.AUTHORS));
        Scene empty = new Scene("val", 0, "e.png", Collections.emptyList(), ten.directions());
        assertArrayEquals(new double[10], Slots.mask(empty), 0);
    }

    static double[] column(double[][] set, int j) {
        double[] v = new double[set.length];
        for (int c = 0; c < set.length; c++) {
            v[c] = set[c][j];
        }
        return v;
    }

    private static double sum(double[] v, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += v[i];
        }
        return s;
    }
}
