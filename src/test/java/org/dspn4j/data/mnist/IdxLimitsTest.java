package org.dspn4j.data.mnist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.dspn4j.testing.Bombs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Declared IDX dimensions are checked against {@link Idx#MAX_DATA_BYTES} and the file before the data is read. */
class IdxLimitsTest {

    @TempDir
    Path tmp;

    private static final long SMALL = 16L << 20;

    private static byte[] header(int count, int rows, int cols) {
        return ByteBuffer.allocate(16).putInt(Idx.IMAGES_MAGIC).putInt(count).putInt(rows).putInt(cols).array();
    }

    @Test
    void rawFileDeclaringMoreThanTheLimitIsRefusedBeforeItsDataIsRead() throws IOException {
        // 1,000,000 images of 28 x 28 = 784 MB, present as a sparse file of exactly that size
        Path f = tmp.resolve("huge-images-idx3-ubyte");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.write(header(1_000_000, 28, 28));
            raf.setLength(16 + 784_000_000L);
        }
        long allocated = Bombs.allocatedBy(() -> Idx.readImages(f));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> Idx.readImages(f));
        assertEquals(4, e.offset());
        assertEquals(f + ": the header declares 1000000 images of 28x28 pixels = 784000000 bytes, more than the limit of "
                + Idx.MAX_DATA_BYTES + " (Idx.MAX_DATA_BYTES) (at byte offset 4)", e.getMessage());
        assertTrue(allocated < SMALL, allocated + " bytes allocated");
    }

    @Test
    void gzipDeclaringMoreThanTheLimitIsRefusedAfterItsHeader() throws IOException {
        // 400 MB of zero pixels in a 400 kB gzip: refused at the header, never inflated
        byte[] idx = header(510_204, 28, 28);
        long pixels = 510_204L * 784;
        byte[] deflated = Bombs.deflatedZeros(idx, pixels);
        ByteBuffer gz = ByteBuffer.allocate(10 + deflated.length + 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        gz.put(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff}).put(deflated)
                .putInt((int) Bombs.crcOfZeros(idx, pixels)).putInt((int) (16 + pixels));
        Path f = tmp.resolve("bomb-images-idx3-ubyte.gz");
        Files.write(f, gz.array());

        long allocated = Bombs.allocatedBy(() -> Idx.readImages(f));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> Idx.readImages(f));
        assertTrue(e.getMessage().startsWith(f + ": the header declares 510204 images of 28x28 pixels = 399999936 bytes,"
                + " more than the limit"), e.getMessage());
        assertEquals(4, e.offset());
        assertTrue(allocated < SMALL, allocated + " bytes allocated");
    }

    @Test
    void rawFileSizeMustMatchTheHeaderBeforeReading() throws IOException {
        // declares 60,000 images (47 MB) but holds 2
        byte[] two = Arrays.copyOf(header(60_000, 28, 28), 16 + 2 * 784);
        Path f = tmp.resolve("short-images-idx3-ubyte");
        Files.write(f, two);
        long allocated = Bombs.allocatedBy(() -> Idx.readImages(f));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> Idx.readImages(f));
        assertEquals(16 + 2 * 784, e.offset());
        assertEquals(f + ": truncated: 60000 images of 28x28 pixels need 47040000 bytes from byte offset 16 but the file ends"
                + " (at byte offset 1584)", e.getMessage());
        assertTrue(allocated < 1 << 20, allocated + " bytes allocated");
    }

    @Test
    void dimensionsWhoseProductOverflowsALongAreRefused() throws IOException {
        // (2^31 - 1)^3 > 2^63: the product must not wrap around to a small or negative size
        Path f = tmp.resolve("wrap-images-idx3-ubyte");
        Files.write(f, header(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> Idx.readImages(f));
        assertEquals(f + ": the header declares 2147483647 images of 2147483647x2147483647 pixels = more than 2^63 bytes,"
                + " more than the limit of " + Idx.MAX_DATA_BYTES + " (Idx.MAX_DATA_BYTES) (at byte offset 4)", e.getMessage());
        Path g = tmp.resolve("wrap-images-idx3-ubyte.gz");
        Files.write(g, org.dspn4j.testing.FormatFuzz.gzip(header(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE)));
        assertThrows(IdxFormatException.class, () -> Idx.readImages(g));
    }

    @Test
    void mnistSizedFilesStillRead() throws IOException {
        // the full MNIST training set's size, 60,000 x 28 x 28, is well inside the limit
        byte[] idx = Arrays.copyOf(header(60_000, 28, 28), 16 + 47_040_000);
        idx[16 + 47_039_999] = 7;
        Path f = tmp.resolve("train-images-idx3-ubyte");
        Files.write(f, idx);
        Idx.Images im = Idx.readImages(f);
        assertEquals(60_000, im.count());
        assertEquals(7, im.pixels()[47_039_999]);
    }
}
