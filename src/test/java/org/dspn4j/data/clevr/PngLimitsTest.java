package org.dspn4j.data.clevr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;
import org.dspn4j.testing.Bombs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RgbImage#read} and {@link RgbImage#checkHeader}: the PNG's structure and size are checked
 * before it is decoded, every error names the image, and valid images decode as before.
 */
class PngLimitsTest {

    @TempDir
    Path tmp;

    private static final long SMALL = 16L << 20;

    // ---------------------------------------------------------------- building PNGs

    static byte[] chunk(String type, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(12 + data.length);
        b.putInt(data.length).put(type.getBytes(StandardCharsets.US_ASCII)).put(data);
        CRC32 crc = new CRC32();
        crc.update(b.array(), 4, 4 + data.length);
        return b.putInt((int) crc.getValue()).array();
    }

    static byte[] ihdr(int width, int height, int depth, int colour) {
        return chunk("IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) depth).put((byte) colour)
                .put((byte) 0).put((byte) 0).put((byte) 0).array());
    }

    static byte[] png(byte[]... chunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        for (byte[] c : chunks) {
            out.writeBytes(c);
        }
        return out.toByteArray();
    }

    static byte[] zlib(byte[] data) {
        Deflater d = new Deflater();
        d.setInput(data);
        d.finish();
        byte[] buf = new byte[data.length + 1024];
        int n = d.deflate(buf);
        d.end();
        return Arrays.copyOf(buf, n);
    }

    private static byte[] encode(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, "png", out));
        return out.toByteArray();
    }

    private static BufferedImage pattern(int type) {
        BufferedImage img = new BufferedImage(40, 30, type);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                img.setRGB(x, y, 0x40000000 | (x * 6) << 16 | (y * 8) << 8 | (x ^ y) * 3);
            }
        }
        return img;
    }

    /** Splits a PNG after its IHDR chunk and inserts {@code extra} chunks there. */
    private static byte[] withChunksAfterIhdr(byte[] png, byte[]... extra) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(png, 0, 33);
        for (byte[] c : extra) {
            out.writeBytes(c);
        }
        out.write(png, 33, png.length - 33);
        return out.toByteArray();
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(tmp.resolve(name), bytes);
    }

    // ---------------------------------------------------------------- size limits

    @Test
    void a26000By26000PngOfTwoMegabytesIsRefusedFromItsHeader() throws IOException {
        int side = 26_000;
        long raw = (long) side * (1 + 3L * side); // each row: filter byte, then RGB
        byte[] deflated = Bombs.deflatedZeros(new byte[0], raw);
        ByteBuffer idat = ByteBuffer.allocate(2 + deflated.length + 4);
        idat.put((byte) 0x78).put((byte) 0xda).put(deflated).putInt((int) ((raw % 65521) << 16 | 1)); // Adler-32 of zeros
        Path f = write("huge.png", png(ihdr(side, side, 8, 2), chunk("IDAT", idat.array()), chunk("IEND", new byte[0])));
        assertTrue(Files.size(f) < 2_500_000, Files.size(f) + " bytes");

        long allocated = Bombs.allocatedBy(() -> RgbImage.read(f));
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> RgbImage.read(f));
        assertEquals(f + ": 26000 x 26000 pixels is more than the limit of 16,777,216 pixels (RgbImage.MAX_PIXELS)",
                e.getMessage());
        assertTrue(allocated < SMALL, allocated + " bytes allocated");
        e = assertThrows(ImageFormatException.class, () -> RgbImage.checkHeader(f));
        assertEquals(f + ": 26000 x 26000 pixels is more than the limit of 16,777,216 pixels (RgbImage.MAX_PIXELS)",
                e.getMessage());
    }

    @Test
    void aCompressedTextChunkIsNotInflated() throws IOException {
        // a palette image (the JDK's decoder reads a palette image's metadata) with 300 MB of text in 300 kB
        byte[] keyword = "Comment\0\0".getBytes(StandardCharsets.ISO_8859_1); // keyword, NUL, method 0
        byte[] deflated = Bombs.deflatedZeros(new byte[0], 300_000_000L);
        ByteBuffer z = ByteBuffer.allocate(keyword.length + 2 + deflated.length + 4);
        z.put(keyword).put((byte) 0x78).put((byte) 0xda).put(deflated).putInt((int) ((300_000_000L % 65521) << 16 | 1));
        byte[] palette = encode(pattern(BufferedImage.TYPE_BYTE_INDEXED));
        Path f = write("text.png", withChunksAfterIhdr(palette, chunk("zTXt", z.array())));

        long allocated = Bombs.allocatedBy(() -> RgbImage.read(f));
        assertTrue(allocated < SMALL, allocated + " bytes allocated");
        assertArrayEquals(RgbImage.read(write("plain.png", palette)).planes(), RgbImage.read(f).planes());
    }

    @Test
    void theLimitItselfIsAllowed() throws IOException {
        // 16,777,216 x 1 grey pixels, all zero
        byte[] rows = new byte[1 + (1 << 24)];
        Path f = write("wide.png", png(ihdr(1 << 24, 1, 8, 0), chunk("IDAT", zlib(rows)), chunk("IEND", new byte[0])));
        assertArrayEquals(new int[] {1 << 24, 1}, RgbImage.checkHeader(f));
        RgbImage img = RgbImage.read(f);
        assertEquals(1 << 24, img.width());
    }

    // ---------------------------------------------------------------- damage names the image

    @Test
    void corruptPixelDataNamesTheImage() throws IOException {
        byte[] good = encode(pattern(BufferedImage.TYPE_3BYTE_BGR));
        // the IDAT's zlib stream damaged, its CRC recomputed so that only the decoder can notice
        byte[] idat = zlib(new byte[30 * (1 + 120)]);
        idat[3] ^= 0x55;
        idat[4] ^= 0x7f;
        Path f = write("bad-data.png", png(ihdr(40, 30, 8, 2), chunk("IDAT", idat), chunk("IEND", new byte[0])));
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> RgbImage.read(f));
        assertTrue(e.getMessage().startsWith(f + ": cannot decode the PNG data: Error reading PNG image data"),
                e.getMessage());

        byte[] flipped = good.clone();
        flipped[good.length - 20] ^= 1; // inside the last IDAT: its CRC no longer matches
        Path g = write("bad-crc.png", flipped);
        e = assertThrows(ImageFormatException.class, () -> RgbImage.read(g));
        assertTrue(e.getMessage().startsWith(g + ": CRC mismatch in the IDAT chunk at byte offset "), e.getMessage());
    }

    @Test
    void truncatedAndForeignFilesNameTheImage() throws IOException {
        byte[] good = encode(pattern(BufferedImage.TYPE_4BYTE_ABGR));
        for (int cut : new int[] {0, 5, 8, 20, 33, 60, good.length / 2, good.length - 1}) {
            Path f = write("cut" + cut + ".png", Arrays.copyOf(good, cut));
            ImageFormatException e = assertThrows(ImageFormatException.class, () -> RgbImage.read(f), "cut at " + cut);
            assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
            e = assertThrows(ImageFormatException.class, () -> RgbImage.checkHeader(f), "cut at " + cut);
            assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        }
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(pattern(BufferedImage.TYPE_3BYTE_BGR), "jpeg", jpeg);
        Path j = write("photo.png", jpeg.toByteArray());
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> RgbImage.read(j));
        assertEquals(j + ": not a PNG file (no PNG signature)", e.getMessage());
        Path extra = write("extra.png", Arrays.copyOf(good, good.length + 3));
        e = assertThrows(ImageFormatException.class, () -> RgbImage.read(extra));
        assertEquals(extra + ": 3 unexpected bytes after the IEND chunk at byte offset " + good.length, e.getMessage());
        Path sixteen = write("deep.png", png(ihdr(2, 2, 16, 2), chunk("IDAT", zlib(new byte[2 * 13])),
                chunk("IEND", new byte[0])));
        e = assertThrows(ImageFormatException.class, () -> RgbImage.read(sixteen));
        assertTrue(e.getMessage().startsWith(sixteen + ": 16-bit samples are not supported"), e.getMessage());
    }

    // ---------------------------------------------------------------- valid images decode as before

    @Test
    void clevrImagesDecodeToTheSamplesTheJdkDecoderReadsFromTheWholeFile() throws IOException {
        for (String name : new String[] {"mini/images/val/CLEVR_val_000000.png", "mini/images/val/CLEVR_val_000001.png",
                "mini/images/val/CLEVR_val_000015.png", "pil/noise_37x23.png"}) {
            Path f = Fixtures.root().resolve(name);
            java.awt.image.Raster reference = ImageIO.read(f.toFile()).getRaster();
            RgbImage got = RgbImage.read(f);
            int w = reference.getWidth();
            int plane = w * reference.getHeight();
            assertEquals(3 * plane, got.planes().length, name);
            for (int i = 0; i < plane; i++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(reference.getSample(i % w, i / w, c), got.planes()[c * plane + i] & 0xFF, name + " pixel " + i);
                }
            }
        }
    }

    @Test
    void everySupportedKindDecodesAsTheJdkDecoderDoesOnTheWholeFile() throws IOException {
        byte[] text = chunk("tEXt", "Software\0test".getBytes(StandardCharsets.ISO_8859_1));
        byte[] gamma = chunk("gAMA", ByteBuffer.allocate(4).putInt(45455).array());
        for (int type : new int[] {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_4BYTE_ABGR,
                BufferedImage.TYPE_BYTE_GRAY, BufferedImage.TYPE_BYTE_INDEXED, BufferedImage.TYPE_BYTE_BINARY}) {
            byte[] bytes = withChunksAfterIhdr(encode(pattern(type)), text, gamma);
            Path f = write("kind" + type + ".png", bytes);
            BufferedImage reference = ImageIO.read(f.toFile());
            RgbImage got = RgbImage.read(f);
            int plane = 40 * 30;
            for (int i = 0; i < plane; i++) {
                int rgb = reference.getRGB(i % 40, i / 40);
                if (reference.getColorModel() instanceof java.awt.image.IndexColorModel
                        || reference.getRaster().getNumBands() >= 3) {
                    assertEquals(rgb >> 16 & 0xFF, got.planes()[i] & 0xFF, "type " + type + " pixel " + i);
                    assertEquals(rgb >> 8 & 0xFF, got.planes()[plane + i] & 0xFF, "type " + type + " pixel " + i);
                    assertEquals(rgb & 0xFF, got.planes()[2 * plane + i] & 0xFF, "type " + type + " pixel " + i);
                } else { // grey: the stored sample in all three planes
                    int grey = reference.getRaster().getSample(i % 40, i / 40, 0);
                    for (int c = 0; c < 3; c++) {
                        assertEquals(grey, got.planes()[c * plane + i] & 0xFF, "type " + type + " pixel " + i);
                    }
                }
            }
            assertArrayEquals(new int[] {40, 30}, RgbImage.checkHeader(f));
        }
    }
}
