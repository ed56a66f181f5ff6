package org.dspn4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.CRC32;
import org.dspn4j.testing.Bombs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Declared sizes are checked against each other and against {@link Npy#MAX_DATA_BYTES} and
 * {@link Npz#MAX_ARCHIVE_BYTES} before anything is allocated or inflated.
 */
class NpyLimitsTest {

    @TempDir
    Path tmp;

    /** 16 MiB: far below every array these files declare, far above what refusing them takes. */
    private static final long SMALL = 16L << 20;

    /** A version 1.0 header for a 1-d {@code <f8} array of n elements, padded to 128 bytes. */
    private static byte[] f8Header(long n) {
        String dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + n + ",), }";
        byte[] out = new byte[128];
        Arrays.fill(out, (byte) ' ');
        out[0] = (byte) 0x93;
        System.arraycopy("NUMPY".getBytes(StandardCharsets.US_ASCII), 0, out, 1, 5);
        out[6] = 1;
        out[7] = 0;
        out[8] = (byte) (128 - 10);
        out[9] = 0;
        System.arraycopy(dict.getBytes(StandardCharsets.US_ASCII), 0, out, 10, dict.length());
        out[127] = '\n';
        return out;
    }

    @Test
    void aThreeGigabyteEntryDeflatedToThreeMegabytesIsRefusedBeforeInflating() throws IOException {
        long elements = 375_000_000L; // 3.0 GB of <f8 zeros
        byte[] header = f8Header(elements);
        long size = header.length + 8 * elements;
        byte[] deflated = Bombs.deflatedZeros(header, 8 * elements);
        Path f = tmp.resolve("bomb.npz");
        Files.write(f, Bombs.zipWithDeflatedEntry("w.npy", deflated, Bombs.crcOfZeros(header, 8 * elements), size));
        assertTrue(Files.size(f) < 3_000_000, "the archive is " + Files.size(f) + " bytes");

        long allocated = Bombs.allocatedBy(() -> Npz.read(f));
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npz.read(f));
        assertTrue(e.getMessage().startsWith(f + ", entry 'w.npy': declares " + size + " uncompressed bytes, more than the limit"),
                e.getMessage());
        assertTrue(allocated < SMALL, allocated + " bytes allocated");
    }

    @Test
    void anEntryThatInflatesPastItsDeclaredSizeIsCutThere() throws IOException {
        byte[] npy = Npy.toBytes(NdArray.of(new double[] {0, 0, 0, 0}, 4));
        // the stream holds the array and then 200 MB more zeros; the headers declare only the array
        byte[] deflated = Bombs.deflatedZeros(npy, 200_000_000L);
        CRC32 crc = new CRC32();
        crc.update(npy);
        Path f = tmp.resolve("long.npz");
        Files.write(f, Bombs.zipWithDeflatedEntry("x.npy", deflated, crc.getValue(), npy.length));

        long allocated = Bombs.allocatedBy(() -> Npz.read(f));
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npz.read(f));
        assertEquals(f + ", entry 'x.npy': unexpected bytes after the data at byte offset " + npy.length, e.getMessage());
        assertTrue(allocated < SMALL, allocated + " bytes allocated");
    }

    @Test
    void entrySizeAndNpyHeaderMustAgree() throws IOException {
        // a stored entry of 128 + 16 bytes whose header claims 10^7 elements (80 MB)
        byte[] header = f8Header(10_000_000L);
        byte[] entry = Arrays.copyOf(header, header.length + 16);
        Path f = tmp.resolve("lie.npz");
        try (var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(f))) {
            java.util.zip.ZipEntry z = new java.util.zip.ZipEntry("x.npy");
            CRC32 crc = new CRC32();
            crc.update(entry);
            z.setMethod(java.util.zip.ZipEntry.STORED);
            z.setSize(entry.length);
            z.setCompressedSize(entry.length);
            z.setCrc(crc.getValue());
            out.putNextEntry(z);
            out.write(entry);
        }
        long allocated = Bombs.allocatedBy(() -> Npz.read(f));
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npz.read(f));
        assertTrue(e.getMessage().startsWith(f + ", entry 'x.npy': truncated: the data (10000000 elements of <f8"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("needs 80000000 bytes from byte offset 128 but the file ends at byte offset 144"),
                e.getMessage());
        assertTrue(allocated < SMALL, allocated + " bytes allocated");
    }

    @Test
    void aDeflatedEntryCannotDeclareMoreThanItsCompressedBytesCanHold() throws IOException {
        byte[] npy = Npy.toBytes(NdArray.of(new double[] {1, 2}, 2));
        byte[] deflated = Bombs.deflatedZeros(npy, 0);
        CRC32 crc = new CRC32();
        crc.update(npy);
        Path f = tmp.resolve("ratio.npz");
        Files.write(f, Bombs.zipWithDeflatedEntry("x.npy", deflated, crc.getValue(), 50_000_000L));
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npz.read(f));
        assertEquals(f + ", entry 'x.npy': declares 50000000 uncompressed bytes, more than " + deflated.length
                + " deflated bytes can hold", e.getMessage());
    }

    @Test
    void theArchiveLimitCountsAllEntries() throws IOException {
        // five entries of 250 MB each are each under the per-array limit, 1.25 GB together is not
        long elements = 31_250_000L;
        byte[] header = f8Header(elements);
        byte[] deflated = Bombs.deflatedZeros(header, 8 * elements);
        long crc = Bombs.crcOfZeros(header, 8 * elements);
        Path f = tmp.resolve("many.npz");
        try (var out = Files.newOutputStream(f)) {
            out.write(manyEntries(5, deflated, crc, header.length + 8 * elements));
        }
        long allocated = Bombs.allocatedBy(() -> Npz.read(f));
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npz.read(f));
        assertTrue(e.getMessage().contains("entry 'w4.npy'") && e.getMessage().contains("Npz.MAX_ARCHIVE_BYTES"),
                e.getMessage());
        assertTrue(allocated < SMALL, allocated + " bytes allocated: nothing is inflated from a refused archive");
    }

    @Test
    void aNpyFileDeclaringMoreThanTheLimitIsRefusedBeforeItsDataIsRead() throws IOException {
        long elements = 100_000_000L; // 800 MB of <f8, present as a sparse file
        Path f = tmp.resolve("big.npy");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.write(f8Header(elements));
            raf.setLength(128 + 8 * elements);
        }
        long allocated = Bombs.allocatedBy(() -> Npy.read(f));
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.read(f));
        assertEquals(f + ": shape (100000000,) of <f8 declares more than the limit of " + Npy.MAX_DATA_BYTES
                + " data bytes (Npy.MAX_DATA_BYTES)", e.getMessage());
        assertTrue(allocated < SMALL, allocated + " bytes allocated");
    }

    @Test
    void arraysUpToTheLimitStillRead() throws IOException {
        // a ResNet34 conv weight, 512 x 512 x 3 x 3 in <f8 (18.9 MB), the largest array a checkpoint holds
        double[] w = new double[512 * 512 * 9];
        for (int i = 0; i < w.length; i++) {
            w[i] = i * 0.5;
        }
        Path f = tmp.resolve("w.npz");
        Npz.write(f, Map.of("layer4.0.conv2.weight", NdArray.of(w, 512, 512, 3, 3)), true);
        assertEquals(NdArray.of(w, 512, 512, 3, 3), Npz.read(f).get("layer4.0.conv2.weight"));
    }

    private static byte[] manyEntries(int n, byte[] deflated, long crc, long size) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream central = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            byte[] one = Bombs.zipWithDeflatedEntry("w" + i + ".npy", deflated, crc, size);
            int local = 30 + ("w" + i + ".npy").length() + deflated.length;
            java.nio.ByteBuffer cen = java.nio.ByteBuffer.wrap(Arrays.copyOfRange(one, local, one.length - 22))
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            cen.putInt(42, out.size()); // this entry's local header offset
            out.write(one, 0, local);
            central.writeBytes(cen.array());
        }
        int cdOffset = out.size();
        out.writeBytes(central.toByteArray());
        java.nio.ByteBuffer end = java.nio.ByteBuffer.allocate(22).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        end.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) n).putShort((short) n)
                .putInt(central.size()).putInt(cdOffset).putShort((short) 0);
        out.writeBytes(end.array());
        return out.toByteArray();
    }
}
