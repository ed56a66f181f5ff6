package org.dspn4j.data.clevr;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.zip.CRC32;

/**
 * The parts of the PNG format (W3C, "Portable Network Graphics (PNG) Specification", 2nd edition,
 * §5 "Datastream structure") that {@link RgbImage} checks itself before the JDK's decoder sees a
 * file:
 * <pre>
 *   8-byte signature 89 50 4E 47 0D 0A 1A 0A
 *   chunks: uint32 BE length | 4-letter type | length data bytes | uint32 BE CRC-32 of type + data
 *   IHDR first (13 bytes: width, height, bit depth, colour type, compression, filter, interlace),
 *   PLTE for palette images, one or more IDAT (the zlib stream of the pixels), IEND last and empty
 * </pre>
 * The header is read and checked against {@link RgbImage#MAX_PIXELS} before any pixel memory is
 * allocated; every chunk must lie inside the file, so no declared length can make a reader
 * allocate more than the file holds.
 */
final class Png {

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final int IHDR = type("IHDR");
    private static final int PLTE = type("PLTE");
    private static final int IDAT = type("IDAT");
    private static final int IEND = type("IEND");

    private Png() {
    }

    /**
     * The IHDR fields.
     *
     * @param colourType 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA
     */
    record Header(int width, int height, int bitDepth, int colourType, int interlace) {
    }

    /**
     * A checked PNG ready for decoding.
     *
     * @param critical the PNG rebuilt from its IHDR, PLTE, IDAT and IEND chunks only
     */
    record Checked(Header header, byte[] critical) {
    }

    /**
     * Checks a file's structure without reading its pixel data: size, signature, IHDR (with its
     * CRC), then each chunk's length and type, seeking over the data, up to an IEND chunk at the
     * very end of the file. A few dozen bytes are read per chunk.
     */
    static Header check(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            return walk(file, size, (pos, dst, n) -> {
                ByteBuffer b = ByteBuffer.wrap(dst, 0, n);
                while (b.hasRemaining()) {
                    if (ch.read(b, pos + b.position()) < 0) {
                        throw new ImageFormatException(file, "the file ended while it was read");
                    }
                }
            }, null);
        }
    }

    /**
     * Reads a whole file, checks its structure as {@link #check} does and every chunk's CRC, and
     * rebuilds it from the chunks that define the pixels (IHDR, PLTE, IDAT, IEND). Ancillary chunks
     * (text, ICC profile, gamma, ...) are dropped: the samples are taken as stored, as Pillow's
     * {@code convert("RGB")} does, so none of them changes a pixel, and none is then inflated.
     */
    static Checked read(Path file) throws IOException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            long size = Files.size(file);
            if (size > RgbImage.MAX_FILE_BYTES) {
                throw tooLarge(file, size);
            }
            bytes = in.readNBytes((int) size);
        }
        ByteArrayOutputStream keep = new ByteArrayOutputStream(bytes.length);
        keep.write(SIGNATURE, 0, SIGNATURE.length);
        Header h = walk(file, bytes.length, (pos, dst, n) -> System.arraycopy(bytes, (int) pos, dst, 0, n),
                (pos, length) -> {
                    CRC32 crc = new CRC32();
                    crc.update(bytes, (int) pos + 4, 4 + length);
                    if ((int) crc.getValue() != getInt(bytes, (int) pos + 8 + length)) {
                        throw new ImageFormatException(file, "CRC mismatch in the " + typeName(getInt(bytes, (int) pos + 4))
                                + " chunk at byte offset " + pos + ": the file is corrupt");
                    }
                    int type = getInt(bytes, (int) pos + 4);
                    if (type == IHDR || type == PLTE || type == IDAT || type == IEND) {
                        keep.write(bytes, (int) pos, 12 + length);
                    }
                });
        return new Checked(h, keep.toByteArray());
    }

    private interface Reader {
        void read(long pos, byte[] dst, int n) throws IOException;
    }

    private interface ChunkVisitor {
        /** A chunk at byte offset {@code pos} with {@code length} data bytes, inside the file. */
        void chunk(long pos, int length) throws IOException;
    }

    private static Header walk(Path file, long size, Reader r, ChunkVisitor visitor) throws IOException {
        if (size > RgbImage.MAX_FILE_BYTES) {
            throw tooLarge(file, size);
        }
        byte[] sig = new byte[SIGNATURE.length];
        if (size < sig.length) {
            throw new ImageFormatException(file, "not a PNG file (" + size + " bytes)");
        }
        r.read(0, sig, sig.length);
        if (!java.util.Arrays.equals(sig, SIGNATURE)) {
            throw new ImageFormatException(file, "not a PNG file (no PNG signature)");
        }
        Header header = null;
        boolean palette = false;
        boolean data = false;
        long pos = SIGNATURE.length;
        byte[] head = new byte[8];
        while (true) {
            if (pos + 12 > size) {
                throw new ImageFormatException(file, "truncated: " + (header == null ? "no IHDR chunk" : "no IEND chunk")
                        + " before the file ends at byte offset " + size);
            }
            r.read(pos, head, 8);
            long length = getInt(head, 0) & 0xFFFFFFFFL;
            int type = getInt(head, 4);
            if (!isType(type)) {
                throw new ImageFormatException(file, "corrupt: no valid chunk type at byte offset " + (pos + 4));
            }
            if (length > Integer.MAX_VALUE || pos + 12 + length > size) {
                throw new ImageFormatException(file, "truncated or corrupt: the " + typeName(type) + " chunk at byte offset "
                        + pos + " declares " + length + " data bytes but the file ends at byte offset " + size);
            }
            if (header == null) {
                if (type != IHDR || length != 13) {
                    throw new ImageFormatException(file, "corrupt: the first chunk is " + typeName(type) + " of " + length
                            + " bytes, not a 13-byte IHDR");
                }
                byte[] ihdr = new byte[4 + 13 + 4];
                r.read(pos + 4, ihdr, ihdr.length);
                CRC32 crc = new CRC32();
                crc.update(ihdr, 0, 4 + 13);
                if ((int) crc.getValue() != getInt(ihdr, 17)) {
                    throw new ImageFormatException(file, "CRC mismatch in the IHDR chunk: the file is corrupt");
                }
                header = header(file, ihdr);
            } else if (type == IHDR) {
                throw new ImageFormatException(file, "corrupt: a second IHDR chunk at byte offset " + pos);
            }
            if (visitor != null) {
                visitor.chunk(pos, (int) length);
            }
            if (type == PLTE) {
                palette = true;
            } else if (type == IDAT) {
                data = true;
            } else if (type == IEND) {
                if (length != 0) {
                    throw new ImageFormatException(file, "corrupt: the IEND chunk at byte offset " + pos + " is not empty");
                }
                long end = pos + 12;
                if (end != size) {
                    throw new ImageFormatException(file, (size - end) + " unexpected bytes after the IEND chunk at byte offset "
                            + end);
                }
                break;
            }
            pos += 12 + length;
        }
        if (!data) {
            throw new ImageFormatException(file, "corrupt: no IDAT chunk (no pixel data)");
        }
        if (header.colourType() == 3 && !palette) {
            throw new ImageFormatException(file, "corrupt: a palette image without a PLTE chunk");
        }
        return header;
    }

    /** Parses and checks the IHDR fields ({@code ihdr}: type, 13 data bytes, CRC). */
    private static Header header(Path file, byte[] ihdr) throws ImageFormatException {
        long width = getInt(ihdr, 4) & 0xFFFFFFFFL;
        long height = getInt(ihdr, 8) & 0xFFFFFFFFL;
        int depth = ihdr[12] & 0xFF;
        int colour = ihdr[13] & 0xFF;
        int compression = ihdr[14] & 0xFF;
        int filter = ihdr[15] & 0xFF;
        int interlace = ihdr[16] & 0xFF;
        if (width == 0 || height == 0 || width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
            throw new ImageFormatException(file, "corrupt: the IHDR chunk gives a size of " + width + " x " + height);
        }
        if (width * height > RgbImage.MAX_PIXELS) {
            throw new ImageFormatException(file, String.format(Locale.ROOT,
                    "%d x %d pixels is more than the limit of %,d pixels (RgbImage.MAX_PIXELS)", width, height,
                    RgbImage.MAX_PIXELS));
        }
        boolean valid = switch (colour) {
            case 0 -> depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
            case 3 -> depth == 1 || depth == 2 || depth == 4 || depth == 8;
            case 2, 4, 6 -> depth == 8 || depth == 16;
            default -> false;
        };
        if (!valid || compression != 0 || filter != 0 || interlace > 1) {
            throw new ImageFormatException(file, "corrupt: the IHDR chunk has bit depth " + depth + ", colour type " + colour
                    + ", compression " + compression + ", filter " + filter + ", interlace " + interlace);
        }
        if (depth == 16) {
            throw new ImageFormatException(file, "16-bit samples are not supported (need 8-bit grey, grey + alpha, RGB,"
                    + " RGBA or a palette)");
        }
        return new Header((int) width, (int) height, depth, colour, interlace);
    }

    private static ImageFormatException tooLarge(Path file, long size) {
        return new ImageFormatException(file, String.format(Locale.ROOT,
                "%,d bytes is more than the limit of %,d bytes for an image file (RgbImage.MAX_FILE_BYTES)", size,
                RgbImage.MAX_FILE_BYTES));
    }

    private static int getInt(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
    }

    private static int type(String name) {
        return getInt(name.getBytes(StandardCharsets.US_ASCII), 0);
    }

    /** Chunk types are four ASCII letters. */
    private static boolean isType(int type) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            int c = type >> shift & 0xFF;
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z')) {
                return false;
            }
        }
        return true;
    }

    private static String typeName(int type) {
        return new String(new byte[] {(byte) (type >> 24), (byte) (type >> 16), (byte) (type >> 8), (byte) type},
                StandardCharsets.ISO_8859_1);
    }
}
