package org.dspn4j.data.clevr;

/**
 * Pillow's {@code Image.resize(size, Image.BILINEAR)} for 8-bit images, reproduced operation for
 * operation so that the output bytes are identical (Pillow {@code src/libImaging/Resample.c}, the
 * algorithm unchanged from Pillow 4 to at least 11; checked against Debian's Pillow 9.4 by
 * {@code golden/clevr/pil_resize.py}).
 *
 * <p>The algorithm: a separable convolution, horizontal pass first into an 8-bit intermediate,
 * then vertical. The kernel is the triangle filter with support 1 <em>scaled by the downscale
 * factor</em> (so downscaling averages over the whole footprint — antialiasing). For each output
 * index the tap weights are evaluated in double at the input sample centres, normalised to sum 1,
 * then rounded to fixed point with 22 fractional bits; the sum starts at one half and is truncated
 * and clamped to 0..255.
 */
final class PilResample {

    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PilResample() {
    }

    /**
     * @param src  the image, (C, inH, inW) row-major planes of unsigned bytes; not modified
     * @return the resized image, (C, outH, outW) row-major planes of unsigned bytes
     */
    static byte[] resize(byte[] src, int channels, int inW, int inH, int outW, int outH) {
        if (src.length != channels * inW * inH) {
            throw new IllegalArgumentException("expected " + channels + "x" + inH + "x" + inW + " bytes, got " + src.length);
        }
        if (outW <= 0 || outH <= 0) {
            throw new IllegalArgumentException("bad output size " + outW + "x" + outH);
        }
        Coefficients vert = Coefficients.of(inH, outH);
        byte[] img = src;
        int w = inW;
        int h = inH;
        if (outW != inW) {
            // Only the rows the vertical pass reads are resampled horizontally (as Pillow does).
            int first = vert.bounds[0];
            int last = vert.bounds[2 * outH - 2] + vert.bounds[2 * outH - 1];
            Coefficients horiz = Coefficients.of(inW, outW);
            img = horizontal(img, channels, w, h, first, last - first, horiz);
            for (int i = 0; i < outH; i++) {
                vert.bounds[2 * i] -= first;
            }
            w = outW;
            h = last - first;
        }
        if (outH != inH) {
            img = vertical(img, channels, w, h, outH, vert);
        } else if (img == src) {
            img = src.clone();
        }
        return img;
    }

    private static byte[] horizontal(byte[] in, int channels, int w, int h, int rowOffset, int rows, Coefficients k) {
        int outW = k.outSize;
        byte[] out = new byte[channels * rows * outW];
        for (int c = 0; c < channels; c++) {
            int inPlane = c * w * h;
            int outPlane = c * outW * rows;
            for (int yy = 0; yy < rows; yy++) {
                int inRow = inPlane + (yy + rowOffset) * w;
                for (int xx = 0; xx < outW; xx++) {
                    int xmin = k.bounds[2 * xx];
                    int xmax = k.bounds[2 * xx + 1];
                    int kOff = xx * k.ksize;
                    int ss = 1 << (PRECISION_BITS - 1);
                    for (int x = 0; x < xmax; x++) {
                        ss += (in[inRow + x + xmin] & 0xFF) * k.kk[kOff + x];
                    }
                    out[outPlane + yy * outW + xx] = clip8(ss);
                }
            }
        }
        return out;
    }

    private static byte[] vertical(byte[] in, int channels, int w, int h, int outH, Coefficients k) {
        byte[] out = new byte[channels * outH * w];
        for (int c = 0; c < channels; c++) {
            int inPlane = c * w * h;
            int outPlane = c * w * outH;
            for (int yy = 0; yy < outH; yy++) {
                int ymin = k.bounds[2 * yy];
                int ymax = k.bounds[2 * yy + 1];
                int kOff = yy * k.ksize;
                for (int xx = 0; xx < w; xx++) {
                    int ss = 1 << (PRECISION_BITS - 1);
                    for (int y = 0; y < ymax; y++) {
                        ss += (in[inPlane + (y + ymin) * w + xx] & 0xFF) * k.kk[kOff + y];
                    }
                    out[outPlane + yy * w + xx] = clip8(ss);
                }
            }
        }
        return out;
    }

    private static byte clip8(int ss) {
        int v = ss >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    /** Pillow's {@code precompute_coeffs} + {@code normalize_coeffs_8bpc} for one axis. */
    static final class Coefficients {
        final int outSize;
        final int ksize;
        /** (outSize, 2): first input index and tap count of each output index. Modified by {@link #resize}. */
        final int[] bounds;
        /** (outSize, ksize): fixed-point weights with {@link #PRECISION_BITS} fractional bits. */
        final int[] kk;

        private Coefficients(int outSize, int ksize, int[] bounds, int[] kk) {
            this.outSize = outSize;
            this.ksize = ksize;
            this.bounds = bounds;
            this.kk = kk;
        }

        static Coefficients of(int inSize, int outSize) {
            double support = 1.0; // bilinear (triangle) filter
            double scale = (double) inSize / outSize;
            double filterscale = Math.max(scale, 1.0);
            support = support * filterscale;
            int ksize = (int) Math.ceil(support) * 2 + 1;
            int[] bounds = new int[2 * outSize];
            int[] kk = new int[outSize * ksize];
            double[] k = new double[ksize];
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                double ww = 0.0;
                double ss = 1.0 / filterscale;
                int xmin = (int) (center - support + 0.5);
                if (xmin < 0) {
                    xmin = 0;
                }
                int xmax = (int) (center + support + 0.5);
                if (xmax > inSize) {
                    xmax = inSize;
                }
                xmax -= xmin;
                for (int x = 0; x < xmax; x++) {
                    double wgt = triangle((x + xmin - center + 0.5) * ss);
                    k[x] = wgt;
                    ww += wgt;
                }
                for (int x = 0; x < ksize; x++) {
                    double v = x < xmax ? (ww != 0.0 ? k[x] / ww : k[x]) : 0.0;
                    kk[xx * ksize + x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS))
                            : (int) (0.5 + v * (1 << PRECISION_BITS));
                }
                bounds[2 * xx] = xmin;
                bounds[2 * xx + 1] = xmax;
            }
            return new Coefficients(outSize, ksize, bounds, kk);
        }

        private static double triangle(double x) {
            if (x < 0.0) {
                x = -x;
            }
            return x < 1.0 ? 1.0 - x : 0.0;
        }
    }
}
