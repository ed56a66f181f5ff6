package org.dspn4j.data.clevr;

import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * An 8-bit RGB image held as planes, as the CLEVR pipeline sees it after Pillow's
 * {@code Image.open(path).convert("RGB")} (spec §5.2, authors' {@code preprocess-images.py}).
 *
 * @param width   W
 * @param height  H
 * @param planes  (3, H, W) unsigned bytes, row-major: {@code (c, y, x)} at {@code c*H*W + y*W + x};
 *                not copied, do not modify
 */
public record RgbImage(int width, int height, byte[] planes) {

    /** Side of the square network input (spec §4.4, §5.2). */
    public static final int NETWORK_SIZE = 128;

    public RgbImage {
        if (width <= 0 || height <= 0 || planes.length != 3 * width * height) {
            throw new IllegalArgumentException("expected 3x" + height + "x" + width + " bytes, got " + planes.length);
        }
    }

    /**
     * Reads a PNG (or any format ImageIO reads) and drops alpha without compositing, as Pillow's
     * {@code convert("RGB")} does. 8-bit grey, grey+alpha, RGB, RGBA and palette images are
     * supported; samples are taken from the raster as stored (no colour-space conversion).
     *
     * @throws IOException if the file is missing, unreadable, or of an unsupported sample format
     */
    public static RgbImage read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString(), null, "image file not found");
        }
        BufferedImage img = ImageIO.read(file.toFile());
        if (img == null) {
            throw new IOException(file + ": not an image ImageIO can read");
        }
        int w = img.getWidth();
        int h = img.getHeight();
        int plane = w * h;
        byte[] out = new byte[3 * plane];
        Raster r = img.getRaster();
        if (img.getColorModel() instanceof IndexColorModel) {
            int[] argb = img.getRGB(0, 0, w, h, null, 0, w); // palette lookup is exact
            for (int i = 0; i < plane; i++) {
                out[i] = (byte) (argb[i] >> 16);
                out[plane + i] = (byte) (argb[i] >> 8);
                out[2 * plane + i] = (byte) argb[i];
            }
        } else if (img.getColorModel() instanceof ComponentColorModel
                && r.getTransferType() == DataBuffer.TYPE_BYTE) {
            int bands = r.getNumBands();
            int colourBands = bands >= 3 ? 3 : 1; // grey or grey+alpha: replicate; RGB(A): drop alpha
            int[] row = new int[w * bands];
            for (int y = 0; y < h; y++) {
                r.getPixels(0, y, w, 1, row);
                for (int x = 0; x < w; x++) {
                    for (int c = 0; c < 3; c++) {
                        out[c * plane + y * w + x] = (byte) row[x * bands + (colourBands == 3 ? c : 0)];
                    }
                }
            }
        } else {
            throw new IOException(file + ": unsupported image format (need 8-bit grey, RGB, RGBA or palette), got "
                    + img.getColorModel().getClass().getSimpleName() + " with transfer type " + r.getTransferType());
        }
        return new RgbImage(w, h, out);
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
