package org.dspn4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Reads files written by numpy 1.24 ({@code src/test/resources/io/make_fixtures.py}). */
class NpyNumpyFixturesTest {

    static Path fixture(String name) {
        try {
            return Path.of(NpyNumpyFixturesTest.class.getResource("/io/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test resource /io/" + name, e);
        }
    }

    @Test
    void float32Matrix() throws Exception {
        NdArray a = Npy.read(fixture("f4_2x3.npy"));
        assertEquals(NdArray.DType.F4, a.dtype());
        assertArrayEquals(new int[] {2, 3}, a.shape());
        float[] expected = new float[6];
        for (int i = 0; i < 6; i++) {
            expected[i] = (float) i / 7f; // numpy: float32 arange / float32(7)
        }
        assertArrayEquals(expected, a.floats());
    }

    @Test
    void float64ScalarHasEmptyShape() throws Exception {
        NdArray a = Npy.read(fixture("f8_scalar.npy"));
        assertArrayEquals(new int[0], a.shape());
        assertEquals(1, a.size());
        assertEquals(Math.PI, a.doubles()[0]);
    }

    @Test
    void float64ThreeDimensionalIsCOrder() throws Exception {
        NdArray a = Npy.read(fixture("f8_2x3x4.npy"));
        assertArrayEquals(new int[] {2, 3, 4}, a.shape());
        for (int i = 0; i < 24; i++) {
            assertEquals(i * 0.5 - 3, a.doubles()[i]);
        }
        // element [1][2][3] sits at (1*3 + 2)*4 + 3 = 23
        assertEquals(23 * 0.5 - 3, a.doubles()[(1 * 3 + 2) * 4 + 3]);
    }

    @Test
    void float64SpecialValuesBitExact() throws Exception {
        double[] v = Npy.read(fixture("f8_special.npy")).doubles();
        assertTrue(Double.isNaN(v[0]));
        assertEquals(Double.POSITIVE_INFINITY, v[1]);
        assertEquals(Double.NEGATIVE_INFINITY, v[2]);
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(v[3]));
        assertEquals(Double.MIN_VALUE, v[4]);
        assertEquals(Double.MAX_VALUE, v[5]);
    }

    @Test
    void emptyArray() throws Exception {
        NdArray a = Npy.read(fixture("f8_empty_0x3.npy"));
        assertArrayEquals(new int[] {0, 3}, a.shape());
        assertEquals(0, a.size());
    }

    @Test
    void integersAtTheirLimits() throws Exception {
        assertArrayEquals(new int[] {Integer.MIN_VALUE, -1, 0, 1, Integer.MAX_VALUE},
                Npy.read(fixture("i4_5.npy")).ints());
        NdArray l = Npy.read(fixture("i8_2x2.npy"));
        assertArrayEquals(new int[] {2, 2}, l.shape());
        assertArrayEquals(new long[] {Long.MIN_VALUE, Long.MAX_VALUE, 0, 123456789012L}, l.longs());
    }

    @Test
    void unsignedBytesAndBooleans() throws Exception {
        NdArray u = Npy.read(fixture("u1_5.npy"));
        assertEquals(NdArray.DType.U1, u.dtype());
        assertArrayEquals(new double[] {0, 1, 127, 128, 255}, u.toDoubles());
        assertArrayEquals(new boolean[] {true, false, true}, Npy.read(fixture("b1_3.npy")).booleans());
    }

    @Test
    void formatVersion2() throws Exception {
        NdArray a = Npy.read(fixture("f8_v2_2x2.npy"));
        assertArrayEquals(new double[] {1.5, -2.5, 3.25, 4.0}, a.doubles());
    }

    @ParameterizedTest
    @CsvSource({
        "bad_fortran_2x3.npy, Fortran",
        "bad_bigendian.npy, big-endian",
        "bad_complex.npy, '<c16'",
        "bad_structured.npy, structured",
    })
    void rejectsWhatItCannotRepresent(String name, String why) {
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.read(fixture(name)));
        assertTrue(e.getMessage().contains(name), e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }

    @Test
    void archivesFromSavezAndSavezCompressed() throws Exception {
        for (String name : List.of("savez.npz", "savez_compressed.npz")) {
            Map<String, NdArray> m = Npz.read(fixture(name));
            assertEquals(List.of("w", "b", "step"), List.copyOf(m.keySet()), name);
            float[] w = new float[6];
            for (int i = 0; i < 6; i++) {
                w[i] = (float) i / 3f;
            }
            assertEquals(NdArray.of(w, 3, 2), m.get("w"));
            assertEquals(NdArray.of(new double[] {0.25, -0.5}, 2), m.get("b"));
            assertEquals(NdArray.of(new long[] {42}), m.get("step"));
        }
    }
}
