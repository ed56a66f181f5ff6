package org.dspn4j.data.clevr;

import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * An 8-bit RGB image held as planes, as the CLEVR pipeline sees it after Pillow's
 * {@code Image.open(path).convert("RGB")} (the authors' {@code dspn/preprocess-images.py:CLEVR_Images.__getitem__}
 * at be3703b; docs/reference-behaviour.md §6).
 *
 * @param width   W
 * @param height  H
 * @param planes  (3, H, W) unsigned bytes, row-major: {@code (c, y, x)} at {@code c*H*W + y*W + x};
 *                not copied, do not modify
 */
public record RgbImage(int width, int height, byte[] planes) {

    /** Side of the square network input ({@code dspn/preprocess-images.py:create_coco_loader}; docs/reference-behaviour.md §4, §6). */
    public static final int NETWORK_SIZE = 128;

    public RgbImage {
        if (width <= 0 || height <= 0 || planes.length != 3 * width * height) {
            throw new IllegalArgumentException("expected 3x" + height + "x" + width + " bytes, got " + planes.length);
        }
    }

    /**
     * The most pixels (width × height) an image may have: 16,777,216 (2^24, e.g. 4096 × 4096), 109
     * times a CLEVR image (480 × 320). Decoding one that large allocates the decoder's raster (up
     * to 4 bytes a pixel, 64 MiB) and the 3 planes of 1 byte (48 MiB), besides the file; a header that
     * declares more is refused before anything is decoded.
     */
    public static final long MAX_PIXELS = 1L << 24;

    /**
     * The largest image file read: 128 MiB, twice an uncompressed 8-bit RGBA PNG of
     * {@link #MAX_PIXELS} pixels (the CLEVR images among this project's test fixtures are 43 to 68 kB).
     * The file is read into memory once before it is decoded.
     */
    public static final long MAX_FILE_BYTES = 128L << 20;

    /** Pixels copied out of the decoder's raster at a time. */
    private static final int SPAN = 4096;

    /**
     * Reads a PNG and drops alpha without compositing, as Pillow's {@code convert("RGB")} does.
     * 8-bit grey, grey+alpha, RGB, RGBA and palette images (and grey or palette of 1, 2 or 4 bits)
     * are supported; samples are taken from the raster as stored (no colour-space conversion).
     *
     * <p>Before decoding, the file's size ({@link #MAX_FILE_BYTES}), PNG structure, every chunk's
     * CRC and the header's size ({@link #MAX_PIXELS}) are checked; the JDK's PNG decoder then sees
     * only the chunks that define the pixels.
     *
     * @throws java.nio.file.NoSuchFileException if the file is missing
     * @throws ImageFormatException naming the file, if it is not a PNG this method reads
     */
    public static RgbImage read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString(), null, "image file not found");
        }
        Png.Checked png = Png.read(file);
        BufferedImage img;
        ImageReader reader = ImageIO.getImageReadersByFormatName("png").next();
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(png.critical()))) {
            reader.setInput(in, true, true);
            img = reader.read(0);
        } catch (IOException | RuntimeException e) {
            // the JDK's decoder reports corrupt data as IIOException, and some as runtime exceptions
            throw new ImageFormatException(file, "cannot decode the PNG data: " + describe(e), e);
        } finally {
            reader.dispose();
        }
        if (img.getWidth() != png.header().width() || img.getHeight() != png.header().height()) {
            throw new ImageFormatException(file, "decoded " + img.getWidth() + " x " + img.getHeight()
                    + " pixels but the header says " + png.header().width() + " x " + png.header().height());
        }
        int w = img.getWidth();
        int h = img.getHeight();
        int plane = w * h;
        byte[] out = new byte[3 * plane];
        Raster r = img.getRaster();
        // Pixels are copied in runs of at most SPAN along a row, so that the buffer stays small
        // however wide the image.
        if (img.getColorModel() instanceof IndexColorModel) {
            int[] argb = new int[Math.min(w, SPAN)];
            for (int y = 0; y < h; y++) {
                for (int x0 = 0; x0 < w; x0 += SPAN) {
                    int n = Math.min(SPAN, w - x0);
                    img.getRGB(x0, y, n, 1, argb, 0, n); // palette lookup is exact
                    for (int k = 0; k < n; k++) {
                        int i = y * w + x0 + k;
                        out[i] = (byte) (argb[k] >> 16);
                        out[plane + i] = (byte) (argb[k] >> 8);
                        out[2 * plane + i] = (byte) argb[k];
                    }
                }
            }
        } else if (img.getColorModel() instanceof ComponentColorModel
                && r.getTransferType() == DataBuffer.TYPE_BYTE) {
            int bands = r.getNumBands();
            int colourBands = bands >= 3 ? 3 : 1; // grey or grey+alpha: replicate; RGB(A): drop alpha
            int[] row = new int[Math.min(w, SPAN) * bands];
            for (int y = 0; y < h; y++) {
                for (int x0 = 0; x0 < w; x0 += SPAN) {
                    int n = Math.min(SPAN, w - x0);
                    r.getPixels(x0, y, n, 1, row);
                    for (int k = 0; k < n; k++) {
                        for (int c = 0; c < 3; c++) {
                            out[c * plane + y * w + x0 + k] = (byte) row[k * bands + (colourBands == 3 ? c : 0)];
                        }
                    }
                }
            }
        } else {
            throw new ImageFormatException(file, "unsupported image format (need 8-bit grey, RGB, RGBA or palette), got "
                    + img.getColorModel().getClass().getSimpleName() + " with transfer type " + r.getTransferType());
        }
        return new RgbImage(w, h, out);
    }

    /**
     * Checks an image file without decoding it: present, at most {@link #MAX_FILE_BYTES}, a PNG
     * whose header (with its CRC) gives at most {@link #MAX_PIXELS} pixels of a supported sample
     * format, and whose chunks all lie inside the file up to an IEND chunk at its end. Reads a few
     * dozen bytes per chunk, not the pixel data: a file that passes can still fail {@link #read}
     * on corrupt compressed data (a CRC mismatch or a bad zlib stream).
     *
     * @return the image's width and height
     * @throws java.nio.file.NoSuchFileException if the file is missing
     * @throws ImageFormatException naming the file
     */
    public static int[] checkHeader(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString(), null, "image file not found");
        }
        Png.Header h = Png.check(file);
        return new int[] {h.width(), h.height()};
    }

    /** An exception's message and its causes', on one line. */
    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null && sb.length() < 500; t = t.getCause()) {
            String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (sb.indexOf(m) < 0) {
                sb.append(sb.length() == 0 ? "" : ": ").append(m);
            }
        }
        return sb.toString().replaceAll("\\s+", " ").strip();
    }

    /**
     * @return this image resized to {@code outW × outH} with Pillow's bilinear filter, byte for byte
     *     as {@code Image.resize((outW, outH), Image.BILINEAR)} (see {@link PilResample})
     */
    public RgbImage resizeBilinear(int outW, int outH) {
        return new RgbImage(outW, outH, PilResample.resize(planes, 3, width, height, outW, outH));
    }

    /** @return the samples divided by 255, shape (3, H, W) in the same row-major layout (torchvision {@code ToTensor}) */
    public float[] toUnitFloats() {
        float[] out = new float[planes.length];
        for (int i = 0; i < planes.length; i++) {
            out[i] = (planes[i] & 0xFF) / 255f;
        }
        return out;
    }

    /** @return an 8-bit RGB {@link BufferedImage} copy (e.g. for writing a PNG) */
    public BufferedImage toBufferedImage() {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int plane = width * height;
        int[] rgb = new int[plane];
        for (int i = 0; i < plane; i++) {
            rgb[i] = (planes[i] & 0xFF) << 16 | (planes[plane + i] & 0xFF) << 8 | (planes[2 * plane + i] & 0xFF);
        }
        img.setRGB(0, 0, width, height, rgb, 0, width);
        return img;
    }
}
