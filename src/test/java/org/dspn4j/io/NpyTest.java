package org.dspn4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {

    @TempDir
    Path tmp;

    // ---------------------------------------------------------------- round trips

    @Property(tries = 200)
    void roundTripIsExact(@ForAll("arrays") NdArray a) throws IOException {
        byte[] bytes = Npy.toBytes(a);
        assertEquals(a, Npy.read(bytes, "mem"));
        assertEquals(0, headerEnd(bytes) % 64, "data starts on a 64-byte boundary");
    }

    @Provide
    Arbitrary<NdArray> arrays() {
        Arbitrary<int[]> shapes = Arbitraries.integers().between(0, 4)
                .flatMap(nd -> Arbitraries.integers().between(0, 5).array(int[].class).ofSize(nd));
        Arbitrary<NdArray.DType> dtypes = Arbitraries.of(NdArray.DType.class);
        Arbitrary<Long> seeds = Arbitraries.longs();
        return Combinators.combine(shapes, dtypes, seeds).as(NpyTest::randomArray);
    }

    static NdArray randomArray(int[] shape, NdArray.DType dtype, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        NdArray a = NdArray.zeros(dtype, shape);
        for (int i = 0; i < a.size(); i++) {
            switch (dtype) {
                case F4: a.floats()[i] = Float.intBitsToFloat(r.nextInt()); break;   // any bit pattern, NaNs too
                case F8: a.doubles()[i] = Double.longBitsToDouble(r.nextLong()); break;
                case I4: a.ints()[i] = r.nextInt(); break;
                case I8: a.longs()[i] = r.nextLong(); break;
                case U1: a.unsignedBytes()[i] = (byte) r.nextInt(); break;
                case B1: a.booleans()[i] = r.nextBoolean(); break;
                default: throw new AssertionError(dtype);
            }
        }
        return a;
    }

    @Test
    void writesNumpyHeaderVersion1() throws IOException {
        byte[] bytes = Npy.toBytes(NdArray.of(new double[6], 2, 3));
        assertEquals((byte) 0x93, bytes[0]);
        assertEquals("NUMPY", new String(bytes, 1, 5, StandardCharsets.US_ASCII));
        assertEquals(1, bytes[6]);
        assertEquals(0, bytes[7]);
        String header = new String(bytes, 10, headerEnd(bytes) - 10, StandardCharsets.US_ASCII);
        assertTrue(header.startsWith("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"), header);
        assertTrue(header.endsWith("\n"));
        assertEquals(128, headerEnd(bytes)); // 10 + 59 + 1 bytes, padded to 64 as numpy does
        assertEquals(128 + 6 * 8, bytes.length);
    }

    @Test
    void shapeReprIsPython() {
        assertEquals("()", Npy.shapeRepr(new int[0]));
        assertEquals("(5,)", Npy.shapeRepr(new int[] {5}));
        assertEquals("(2, 3, 4)", Npy.shapeRepr(new int[] {2, 3, 4}));
    }

    @Test
    void switchesToVersion2WhenTheHeaderIsTooLong() throws IOException {
        int[] shape = new int[25_000]; // "1, " each: a header of ~75 kB
        Arrays.fill(shape, 1);
        NdArray a = NdArray.of(new double[] {7.5}, shape);
        byte[] bytes = Npy.toBytes(a);
        assertEquals(2, bytes[6]);
        assertEquals(a, Npy.read(bytes, "mem"));
    }

    @Test
    void fileRoundTrip() throws IOException {
        Path f = tmp.resolve("a.npy");
        NdArray a = NdArray.of(new int[] {1, -2, 3}, 3);
        Npy.write(f, a);
        assertEquals(a, Npy.read(f));
    }

    // ---------------------------------------------------------------- bad input

    @Test
    void everyTruncationIsAClearError() throws IOException {
        Path f = NpyNumpyFixturesTest.fixture("f8_2x3x4.npy");
        byte[] full = Files.readAllBytes(f);
        for (int len = 0; len < full.length; len++) {
            byte[] cut = Arrays.copyOf(full, len);
            NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.read(cut, "cut.npy"));
            assertTrue(e.getMessage().startsWith("cut.npy: "), e.getMessage());
            if (len > 128) {
                assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("offset " + len),
                        e.getMessage());
            }
        }
    }

    @Test
    void truncatedFileNamesTheFileAndOffset() throws IOException {
        byte[] full = Files.readAllBytes(NpyNumpyFixturesTest.fixture("f8_2x3x4.npy"));
        Path f = tmp.resolve("short.npy");
        Files.write(f, Arrays.copyOf(full, full.length - 5));
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.read(f));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("needs 192 bytes from byte offset 128"), e.getMessage());
        assertTrue(e.getMessage().contains("ends at byte offset " + (full.length - 5)), e.getMessage());
    }

    @Test
    void trailingBytesAreAnError() throws IOException {
        byte[] full = Npy.toBytes(NdArray.of(new double[] {1}, 1));
        byte[] longer = Arrays.copyOf(full, full.length + 1);
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.read(longer, "x.npy"));
        assertTrue(e.getMessage().contains("after the data"), e.getMessage());
    }

    @Test
    void wrongMagic() {
        byte[] bytes = Npy.toBytes(NdArray.of(new double[] {1}, 1));
        bytes[3] = 'X';
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.read(bytes, "m.npy"));
        assertTrue(e.getMessage().contains("m.npy") && e.getMessage().contains("magic"), e.getMessage());
    }

    @Test
    void unknownVersion() {
        byte[] bytes = Npy.toBytes(NdArray.of(new double[] {1}, 1));
        bytes[6] = 4;
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.read(bytes, "v.npy"));
        assertTrue(e.getMessage().contains("version 4.0"), e.getMessage());
    }

    @Test
    void malformedHeaders() {
        for (String dict : new String[] {
            "{'descr': '<f8', 'fortran_order': False}",                      // missing key
            "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': 1}", // extra key
            "{'descr': '<f8', 'fortran_order': Maybe, 'shape': (2,), }",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (2, -1), }",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), } trailing",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999,), }",
        }) {
            byte[] bytes = withHeader(dict, new byte[16]);
            NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.read(bytes, "h.npy"), dict);
            assertTrue(e.getMessage().startsWith("h.npy: "), e.getMessage());
        }
    }

    @Test
    void acceptsHeaderVariantsNumpyMayWrite() throws IOException {
        // keys in another order, double quotes, no trailing comma, Python 2 long suffix
        byte[] file = Npy.toBytes(NdArray.of(new double[] {1, 2}, 2));
        byte[] bytes = withHeader("{\"shape\": (2L,), \"fortran_order\": False, \"descr\": \"<f8\"}",
                Arrays.copyOfRange(file, headerEnd(file), file.length));
        assertEquals(NdArray.of(new double[] {1, 2}, 2), Npy.read(bytes, "h.npy"));
    }

    @Test
    void shapeDataMismatchIsRejectedAtConstruction() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NdArray.of(new double[5], 2, 3));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NdArray.of(new double[0], 2, -1));
    }

    @Test
    void typedAccessorRejectsTheWrongDtype() {
        NdArray a = NdArray.of(new float[] {1f}, 1);
        IllegalStateException e = assertThrows(IllegalStateException.class, a::doubles);
        assertTrue(e.getMessage().contains("F4"), e.getMessage());
        assertNotEquals(a, NdArray.of(new double[] {1}, 1));
    }

    // ---------------------------------------------------------------- helpers

    /** Index of the first data byte of a version 1.0 file. */
    private static int headerEnd(byte[] bytes) {
        return 10 + ((bytes[8] & 0xFF) | (bytes[9] & 0xFF) << 8);
    }

    /** A version 1.0 file with the given header text and data bytes. */
    private static byte[] withHeader(String dict, byte[] data) {
        String header = dict + "\n";
        byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[10 + h.length + data.length];
        out[0] = (byte) 0x93;
        System.arraycopy("NUMPY".getBytes(StandardCharsets.US_ASCII), 0, out, 1, 5);
        out[6] = 1;
        out[8] = (byte) h.length;
        out[9] = (byte) (h.length >> 8);
        System.arraycopy(h, 0, out, 10, h.length);
        System.arraycopy(data, 0, out, 10 + h.length, data.length);
        return out;
    }
}
