package org.dspn4j.data.mnist;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

import org.dspn4j.text.FileErrors;

/**
 * Reads MNIST's IDX files (LeCun et al., <a href="http://yann.lecun.com/exdb/mnist/">the
 * MNIST page</a>), raw or gzip'd — gzip is recognised by its magic bytes {@code 1f 8b}, not by the
 * file name:
 * <pre>
 *   images  int32 0x00000803 | int32 count | int32 rows | int32 cols | count*rows*cols unsigned bytes
 *   labels  int32 0x00000801 | int32 count | count unsigned bytes
 * </pre>
 * All integers big-endian; pixels row-major per image. A wrong magic, a short file, bytes after
 * the data or a corrupt gzip stream is an {@link IdxFormatException} naming the file and the
 * byte offset (in the decompressed data for a {@code .gz}). Dimensions that declare more than
 * {@link #MAX_DATA_BYTES} are refused before the data is read, and the data is read as it comes
 * (a short file never causes the declared size to be allocated).
 */
public final class Idx {

    /** Magic of an image file: unsigned bytes ({@code 0x08}), 3 dimensions. */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic of a label file: unsigned bytes ({@code 0x08}), 1 dimension. */
    public static final int LABELS_MAGIC = 0x00000801;

    /**
     * The most data bytes an IDX header may declare (count × rows × cols for images, count for
     * labels): 256 MiB, five times MNIST's training images (60,000 × 28 × 28 = 47,040,000 bytes).
     * A header that declares more is refused before its data is read; a raw file must also hold
     * exactly the declared bytes, checked against its size first.
     */
    public static final long MAX_DATA_BYTES = 256L << 20;

    private Idx() {
    }

    /**
     * The images of an IDX3 file.
     *
     * @param pixels (count, rows, cols) unsigned bytes, row-major; read a pixel as {@code b & 0xFF}
     */
    public record Images(int count, int rows, int cols, byte[] pixels) {
    }

    /** Reads an image file ({@code *-images-idx3-ubyte[.gz]}). */
    public static Images readImages(Path file) throws IOException {
        try (Reader r = new Reader(file)) {
            r.expectMagic(IMAGES_MAGIC, "images");
            int count = r.readDim("image count");
            int rows = r.readDim("row count");
            int cols = r.readDim("column count");
            long n;
            try {
                n = Math.multiplyExact(Math.multiplyExact((long) count, rows), cols);
            } catch (ArithmeticException e) {
                n = Long.MAX_VALUE; // three dimensions up to 2^31 - 1 can overflow a long
            }
            String what = count + " images of " + rows + "x" + cols + " pixels";
            r.expectData(n, what, 3);
            byte[] pixels = r.readBytes((int) n, what);
            r.expectEnd();
            return new Images(count, rows, cols, pixels);
        } catch (IOException e) {
            throw named(file, e);
        }
    }

    /** Reads a label file ({@code *-labels-idx1-ubyte[.gz]}); one unsigned byte per label. */
    public static byte[] readLabels(Path file) throws IOException {
        try (Reader r = new Reader(file)) {
            r.expectMagic(LABELS_MAGIC, "labels");
            int count = r.readDim("label count");
            r.expectData(count, count + " labels", 1);
            byte[] labels = r.readBytes(count, count + " labels");
            r.expectEnd();
            return labels;
        } catch (IOException e) {
            throw named(file, e);
        }
    }

    /** {@code e} if it names {@code file} (a format error, a file-system error), else a wrapper naming it (a read error). */
    private static IOException named(Path file, IOException e) {
        return e instanceof IdxFormatException ? e : FileErrors.named(file, e);
    }

    /** A stream over the (decompressed) IDX bytes that knows its offset for error messages. */
    private static final class Reader implements AutoCloseable {
        private final Path file;
        private final InputStream in;
        private final boolean gzip;
        /** The file's size; for a raw file, the IDX data's length. */
        private final long fileSize;
        long offset;
        /** Bytes the (decompressed) stream has delivered: where a corrupt gzip stream broke off. */
        long delivered;

        Reader(Path file) throws IOException {
            this.file = file;
            this.fileSize = Files.size(file);
            BufferedInputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
            raw.mark(2);
            boolean gz = raw.read() == 0x1f && raw.read() == 0x8b;
            raw.reset();
            this.gzip = gz;
            InputStream s = raw;
            if (gz) {
                try {
                    s = new GZIPInputStream(raw, 1 << 16);
                } catch (IOException e) {
                    raw.close();
                    throw new IdxFormatException(file, 0, "corrupt gzip header", e);
                }
            }
            this.in = new java.io.FilterInputStream(s) {
                @Override
                public int read() throws IOException {
                    int b = super.read();
                    if (b >= 0) {
                        delivered++;
                    }
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    if (n > 0) {
                        delivered += n;
                    }
                    return n;
                }
            };
        }

        void expectMagic(int expected, String kind) throws IOException {
            int magic = readInt("magic number");
            if (magic != expected) {
                throw new IdxFormatException(file, 0, String.format("wrong magic 0x%08x for an IDX %s file"
                        + " (expected 0x%08x)", magic, kind, expected));
            }
        }

        /**
         * Refuses a header that declares {@code n} data bytes over {@link #MAX_DATA_BYTES} or, for
         * a raw file, other than the bytes the file holds after the header: before any is read.
         *
         * @param dims the header's dimension fields, to point at the first of them
         */
        void expectData(long n, String what, int dims) throws IOException {
            if (n > MAX_DATA_BYTES) {
                throw new IdxFormatException(file, offset - 4L * dims, "the header declares " + what + " = "
                        + (n == Long.MAX_VALUE ? "more than 2^63" : String.valueOf(n)) + " bytes, more than the limit of "
                        + MAX_DATA_BYTES + " (Idx.MAX_DATA_BYTES)");
            }
            if (!gzip && offset + n > fileSize) {
                throw new IdxFormatException(file, fileSize, "truncated: " + what + " need " + n
                        + " bytes from byte offset " + offset + " but the file ends");
            }
            if (!gzip && offset + n < fileSize) {
                throw new IdxFormatException(file, offset + n, "unexpected bytes after the data (the header declares "
                        + what + " but the file has " + fileSize + " bytes)");
            }
        }

        int readDim(String what) throws IOException {
            long at = offset;
            int d = readInt(what);
            if (d < 0) {
                throw new IdxFormatException(file, at, what + " " + (d & 0xFFFFFFFFL) + " is too large");
            }
            return d;
        }

        int readInt(String what) throws IOException {
            byte[] b = readBytes(4, what);
            return (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | (b[3] & 0xFF);
        }

        /** Exactly {@code n} bytes, or an exception saying how many were there. */
        byte[] readBytes(int n, String what) throws IOException {
            byte[] out;
            try {
                out = in.readNBytes(n); // grows as it reads: a lying header cannot force a huge allocation
            } catch (ZipException | EOFException e) {
                // the offset the stream broke at (the decompressed bytes it delivered), not where the read began
                throw new IdxFormatException(file, delivered, "corrupt or truncated gzip stream while reading "
                        + what + " from byte offset " + offset + " (" + e.getMessage() + ")", e);
            }
            if (out.length < n) {
                throw new IdxFormatException(file, offset + out.length, "truncated: " + what + " need "
                        + n + " bytes from byte offset " + offset + " but the " + (gzip ? "decompressed " : "")
                        + "data ends");
            }
            offset += n;
            return out;
        }

        void expectEnd() throws IOException {
            int extra;
            try {
                extra = in.read();
            } catch (ZipException | EOFException e) {
                throw new IdxFormatException(file, delivered, "corrupt or truncated gzip stream after the data ("
                        + e.getMessage() + ")", e);
            }
            if (extra != -1) {
                throw new IdxFormatException(file, offset, "unexpected bytes after the data");
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
