package org.dspn4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpzTest {

    @TempDir
    Path tmp;

    static Map<String, NdArray> sample() {
        Map<String, NdArray> m = new LinkedHashMap<>();
        m.put("encoder.weight", NdArray.of(new float[] {1.5f, -2f, 0.25f, 8f, 0f, -0f}, 2, 3));
        m.put("z", NdArray.of(new double[] {Math.PI}));
        m.put("epoch", NdArray.of(new long[] {7}));
        m.put("order", NdArray.of(new int[] {3, 1, 2, 0}, 4));
        m.put("empty", NdArray.of(new double[0], 0, 5));
        return m;
    }

    @Test
    void roundTripKeepsKeysInOrder() throws IOException {
        for (boolean compressed : new boolean[] {false, true}) {
            Path f = tmp.resolve("a" + compressed + ".npz");
            Npz.write(f, sample(), compressed);
            Map<String, NdArray> back = Npz.read(f);
            assertEquals(List.copyOf(sample().keySet()), List.copyOf(back.keySet()));
            assertEquals(sample(), back);
        }
    }

    @Test
    void outputIsReproducible() throws IOException {
        Path a = tmp.resolve("a.npz");
        Path b = tmp.resolve("b.npz");
        Npz.write(a, sample());
        Npz.write(b, sample());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    }

    @Test
    void writeAtomicReplacesAndLeavesNoTemporaryFile() throws IOException {
        Path f = tmp.resolve("ckpt.npz");
        Files.writeString(f, "old contents");
        Npz.writeAtomic(f, sample());
        assertEquals(sample(), Npz.read(f));
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of(f), files.toList());
        }
        if (Files.getFileStore(f).supportsFileAttributeView("posix")) {
            assertTrue(Files.getPosixFilePermissions(f).contains(PosixFilePermission.OWNER_READ));
        }
    }

    @Test
    void failedAtomicWriteKeepsTheOldFile() throws IOException {
        Path f = tmp.resolve("ckpt.npz");
        Npz.writeAtomic(f, sample());
        Map<String, NdArray> bad = new LinkedHashMap<>(sample());
        bad.put("", NdArray.of(new double[] {1}));
        assertThrows(IllegalArgumentException.class, () -> Npz.writeAtomic(f, bad));
        assertEquals(sample(), Npz.read(f));
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void truncatedArchiveNamesTheFile() throws IOException {
        Path f = tmp.resolve("t.npz");
        Npz.write(f, sample());
        byte[] full = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(full, full.length / 2));
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npz.read(f));
        assertTrue(e.getMessage().contains("t.npz") && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void badEntryNamesFileAndEntry() throws IOException {
        Path f = tmp.resolve("e.npz");
        byte[] good = Npy.toBytes(NdArray.of(new double[] {1, 2}, 2));
        byte[] cut = Arrays.copyOf(good, good.length - 3);
        try (OutputStream out = Files.newOutputStream(f); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("ok.npy"));
            zip.write(good);
            zip.putNextEntry(new ZipEntry("weights.npy"));
            zip.write(cut);
        }
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npz.read(f));
        assertTrue(e.getMessage().contains("e.npz, entry 'weights.npy'"), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void nonNpyEntryIsRejected() throws IOException {
        Path f = tmp.resolve("n.npz");
        try (OutputStream out = Files.newOutputStream(f); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("notes.txt"));
            zip.write(new byte[] {'h', 'i'});
        }
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npz.read(f));
        assertTrue(e.getMessage().contains("entry 'notes.txt'"), e.getMessage());
    }

    @Test
    void anEntryNameWithALineBreakIsRefusedInOneLine() throws IOException {
        // a damaged archive can name an array with control characters, which every later message quoting
        // the key (a checkpoint's "unknown" weights, say) would carry onto another line
        Path f = tmp.resolve("c.npz");
        try (OutputStream out = Files.newOutputStream(f); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("ok.npy"));
            zip.write(Npy.toBytes(NdArray.of(new double[] {1, 2}, 2)));
            zip.putNextEntry(new ZipEntry("PK\u0003\u0004bad\nname.npy"));
            zip.write(Npy.toBytes(NdArray.of(new double[] {1, 2}, 2)));
        }
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npz.read(f));
        assertTrue(e.getMessage().contains("entry 'PK\\u0003\\u0004bad\\u000aname.npy': the entry's name holds a control character"),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void corruptStoredEntryFailsTheCrc() throws IOException {
        Path f = tmp.resolve("c.npz");
        Map<String, NdArray> one = Map.of("x", NdArray.of(new double[] {1, 2, 3, 4}, 4));
        Npz.write(f, one);
        byte[] bytes = Files.readAllBytes(f);
        // flip a bit in the last data byte of the (stored) entry: the npy data ends 8 bytes
        // before ... find it by searching for the encoding of 4.0 = 0x4010000000000000 LE.
        int at = indexOf(bytes, new byte[] {0, 0, 0, 0, 0, 0, 0x10, 0x40});
        assertTrue(at > 0);
        bytes[at] ^= 1;
        Files.write(f, bytes);
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npz.read(f));
        assertTrue(e.getMessage().contains("entry 'x.npy'") && e.getMessage().contains("CRC"), e.getMessage());
        assertFalse(e.getMessage().isEmpty());
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
