package org.dspn4j.data.mnist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {

    static MnistDataset train;
    static MnistDataset test;

    @TempDir
    Path tmp;

    @BeforeAll
    static void loadBundled() throws IOException {
        train = MnistDataset.loadBundled(MnistSplit.TRAIN);
        test = MnistDataset.loadBundled(MnistSplit.TEST);
    }

    @Test
    void bundledSubsetHasTheDocumentedSplit() {
        assertEquals(9000, train.size());
        assertEquals(1000, test.size());
        assertEquals(28, train.rows());
        assertEquals(28, train.cols());
        // per-label counts from data/mnist/README.md
        assertArrayEquals(new int[] {901, 1014, 892, 929, 882, 777, 912, 963, 850, 880}, labelCounts(train));
        assertArrayEquals(new int[] {100, 113, 99, 103, 98, 86, 102, 107, 94, 98}, labelCounts(test));
    }

    /** The files are the ones whose checksums data/mnist/README.md lists. */
    @Test
    void bundledFilesMatchTheReadmeChecksums() throws Exception {
        Path dir = MnistDataset.bundledDirectory();
        java.util.Map<String, String> sha256 = java.util.Map.of(
                "train-images-idx3-ubyte.gz", "3c5d38f36cbb67b5363fbaa1f0be71ff72b87e0cab3860ab2247a5c13c38b9c7",
                "train-labels-idx1-ubyte.gz", "e7ae1a099ab4480403eed7d2f2fd2fc3958738210fdd726fc27e626492eb5a80",
                "t10k-images-idx3-ubyte.gz", "4c944ccceef5cbd78260c4f879a3a61c2a65fd557241f0851eb0a1af0b554e5f",
                "t10k-labels-idx1-ubyte.gz", "5c35855e16eae5baec9751581c38c12c8b0d7207076b5245f18b937743203e96");
        for (var e : sha256.entrySet()) {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(Files.readAllBytes(dir.resolve(e.getKey())));
            assertEquals(e.getValue(), java.util.HexFormat.of().formatHex(digest), e.getKey());
        }
    }

    private static int[] labelCounts(MnistDataset d) {
        int[] c = new int[10];
        for (int i = 0; i < d.size(); i++) {
            c[d.label(i)]++;
        }
        return c;
    }

    @Test
    void rawAndGzipReadTheSame() throws IOException {
        Path dir = MnistDataset.bundledDirectory();
        Path raw = tmp.resolve(MnistSplit.TEST.imagesName());
        Files.write(raw, gunzip(Files.readAllBytes(dir.resolve(MnistSplit.TEST.imagesName() + ".gz"))));
        Idx.Images a = Idx.readImages(raw);
        Idx.Images b = Idx.readImages(dir.resolve(MnistSplit.TEST.imagesName() + ".gz"));
        assertEquals(1000, a.count());
        assertArrayEquals(a.pixels(), b.pixels());
        assertArrayEquals(test.image(0), Arrays.copyOf(a.pixels(), 784));
    }

    @Test
    void loadsTorchvisionLayoutAndRawFiles() throws IOException {
        Path rawDir = tmp.resolve("MNIST").resolve("raw");
        Files.createDirectories(rawDir);
        Files.write(rawDir.resolve("t10k-images-idx3-ubyte"), images(2, 28, 28));
        Files.write(rawDir.resolve("t10k-labels-idx1-ubyte"), labels(3, 9));
        MnistDataset d = MnistDataset.load(tmp, MnistSplit.TEST);
        assertEquals(2, d.size());
        assertEquals(9, d.label(1));
        assertEquals((27 * 28 + 27 + 28 * 28) & 0xFF, d.pixel(1, 27, 27));
    }

    @Test
    void missingFolderSaysWhatItNeeds() {
        FileNotFoundException e = assertThrows(FileNotFoundException.class,
                () -> MnistDataset.load(tmp, MnistSplit.TRAIN));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte[.gz]"), e.getMessage());
    }

    @Test
    void wrongMagicNamesFileAndOffset() throws IOException {
        Path f = tmp.resolve("swapped");
        Files.write(f, labels(1, 2));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> Idx.readImages(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("0x00000801")
                && e.getMessage().contains("byte offset 0"), e.getMessage());
    }

    @Test
    void truncatedRawFileNamesTheOffset() throws IOException {
        byte[] full = images(3, 28, 28);
        Path f = tmp.resolve("short-images-idx3-ubyte");
        Files.write(f, Arrays.copyOf(full, 16 + 784 + 100));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> Idx.readImages(f));
        assertEquals(16 + 784 + 100, e.offset());
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("truncated")
                && e.getMessage().contains("byte offset 900"), e.getMessage());
        Files.write(f, Arrays.copyOf(full, 6));
        e = assertThrows(IdxFormatException.class, () -> Idx.readImages(f));
        assertEquals(6, e.offset());
    }

    @Test
    void truncatedGzipIsAClearError() throws IOException {
        byte[] gz = gzip(images(50, 28, 28));
        for (int len : new int[] {1, 5, 20, gz.length / 2, gz.length - 4}) {
            Path f = tmp.resolve("cut.gz");
            Files.write(f, Arrays.copyOf(gz, len));
            IdxFormatException e = assertThrows(IdxFormatException.class, () -> Idx.readImages(f), "length " + len);
            assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("byte offset"),
                    e.getMessage());
        }
    }

    @Test
    void trailingBytesAreAnError() throws IOException {
        byte[] full = labels(1, 2, 3);
        Path f = tmp.resolve("long");
        Files.write(f, Arrays.copyOf(full, full.length + 1));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> Idx.readLabels(f));
        assertEquals(11, e.offset());
    }

    @Test
    void labelCountMustMatch() throws IOException {
        Files.write(tmp.resolve("train-images-idx3-ubyte"), images(2, 28, 28));
        Files.write(tmp.resolve("train-labels-idx1-ubyte"), labels(1, 2, 3));
        IOException e = assertThrows(IOException.class, () -> MnistDataset.load(tmp, MnistSplit.TRAIN));
        assertTrue(e.getMessage().contains("3 labels") && e.getMessage().contains("2 images"), e.getMessage());
    }

    // ---------------------------------------------------------------- helpers

    /** An IDX3 file whose pixel k of image i is (i*rows*cols + k) mod 256. */
    static byte[] images(int count, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate(16 + count * rows * cols);
        b.putInt(Idx.IMAGES_MAGIC).putInt(count).putInt(rows).putInt(cols);
        for (int k = 0; k < count * rows * cols; k++) {
            b.put((byte) k);
        }
        return b.array();
    }

    static byte[] labels(int... values) {
        ByteBuffer b = ByteBuffer.allocate(8 + values.length);
        b.putInt(Idx.LABELS_MAGIC).putInt(values.length);
        for (int v : values) {
            b.put((byte) v);
        }
        return b.array();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    static byte[] gunzip(byte[] data) throws IOException {
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(data))) {
            return in.readAllBytes();
        }
    }
}
