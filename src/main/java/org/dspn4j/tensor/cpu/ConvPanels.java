package org.dspn4j.tensor.cpu;

import java.util.Arrays;

/**
 * {@link CpuBackend#conv2d} in F32 as the matrix product y (Cout, B·P) = W (Cout, K) · cols (K, B·P)
 * without forming cols, the im2col matrix (K = Cin·kh·kw rows, one column per image and output
 * pixel): each B panel of {@link Gemm}'s micro-kernel — nr columns of cols, all K rows — is packed
 * straight from the images, and the tiles are stored straight into y's (B, Cout, P) layout.
 *
 * <p>The product is {@link Gemm}'s, panel for panel and tile for tile: every output element is the
 * fma chain over t = (c·kh + ky)·kw + kx in increasing order from +0, as the im2col route computes it,
 * so the bits are the same. What it saves is the im2col matrix itself — for a ResNet34 stage-1
 * convolution at batch 32 and 128 × 128 images, 75 MB written and read back through a 16 KB stride —
 * and the copy of each group's product into y. Columns run across images (image-major, then output
 * pixel), so a panel may hold the end of one image and the start of the next.
 */
final class ConvPanels {
    private ConvPanels() {
    }

    /**
     * y (B, Cout, Ho, Wo) = conv(x, w) without bias, F32, with kernel {@code kern}; {@code out} is
     * fresh (zero) and fully written.
     */
    static void forward(CpuBackend be, float[] x, float[] w, CpuBackend.Conv cv, float[] out, Gemm.Kernel kern) {
        int mr = kern.mr();
        int nr = kern.nr(true);
        int k = cv.kk;
        int pm = (cv.cout + mr - 1) / mr;
        int columns = cv.b * cv.p;
        int pn = (columns + nr - 1) / nr;
        float[] packedA = new float[pm * mr * k];
        Gemm.Operand wa = Gemm.Operand.of(w, new int[] {0}, cv.cout, k, false);
        for (int rp = 0; rp < pm; rp++) {
            Gemm.packA(wa, rp * mr * k, Math.min(mr, cv.cout - rp * mr), mr, k, packedA, rp * mr * k, true);
        }
        be.parallelFor(pn, Math.max(1, pn / (be.threads() * 8)), (from, to) -> {
            float[] panel = new float[k * nr];
            float[] tile = new float[mr * nr];
            Runs runs = new Runs(nr);
            for (int cp = from; cp < to; cp++) {
                int j0 = cp * nr;
                int cols = Math.min(nr, columns - j0);
                runs.of(cv, j0, cols);
                pack(x, cv, runs, cols, nr, panel);
                // one image and a full tile: straight into y, whose rows for image n are (n·Cout + co)·P
                boolean direct = cols == nr && runs.n[0] == runs.n[runs.count - 1];
                int n0 = j0 / cv.p;
                int pix0 = j0 - n0 * cv.p;
                for (int rp = 0; rp < pm; rp++) {
                    int i0 = rp * mr;
                    int rows = Math.min(mr, cv.cout - i0);
                    if (direct && rows == mr) {
                        Gemm.kernel(kern, packedA, rp * mr * k, panel, k, nr, out, (n0 * cv.cout + i0) * cv.p + pix0, cv.p,
                                false, true);
                        continue;
                    }
                    Gemm.kernel(kern, packedA, rp * mr * k, panel, k, nr, tile, 0, nr, false, true);
                    for (int r = 0; r < runs.count; r++) {
                        int yo = (runs.n[r] * cv.cout + i0) * cv.p + runs.oy[r] * cv.wo + runs.ox[r];
                        for (int ii = 0; ii < rows; ii++) {
                            System.arraycopy(tile, ii * nr + runs.jj[r], out, yo + ii * cv.p, runs.len[r]);
                        }
                    }
                }
            }
        });
    }

    /**
     * The columns j0 … j0 + cols − 1 of cols as runs along output rows: run r covers panel columns
     * jj[r] … jj[r] + len[r] − 1, which are output pixels (oy[r], ox[r] …) of image n[r].
     */
    private static final class Runs {
        final int[] n;
        final int[] oy;
        final int[] ox;
        final int[] jj;
        final int[] len;
        int count;
        /** Each image's share of the panel: its first run and its length (its runs are consecutive pixels). */
        final int[] segFirst;
        final int[] segLen;
        int segments;

        Runs(int nr) {
            n = new int[nr];
            oy = new int[nr];
            ox = new int[nr];
            jj = new int[nr];
            len = new int[nr];
            segFirst = new int[nr];
            segLen = new int[nr];
        }

        void of(CpuBackend.Conv cv, int j0, int cols) {
            count = 0;
            segments = 0;
            for (int j = 0; j < cols; ) {
                int q = j0 + j;
                int img = q / cv.p;
                int pix = q - img * cv.p;
                int y = pix / cv.wo;
                int x = pix - y * cv.wo;
                int l = Math.min(cv.wo - x, cols - j);
                if (count == 0 || img != n[count - 1]) {
                    segFirst[segments] = count;
                    segLen[segments++] = 0;
                }
                segLen[segments - 1] += l;
                n[count] = img;
                oy[count] = y;
                ox[count] = x;
                jj[count] = j;
                len[count] = l;
                count++;
                j += l;
            }
        }
    }

    /**
     * panel[t·nr + jj] = cols(t, j0 + jj) — the input pixel (oy·stride + ky − pad, ox·stride + kx − pad)
     * of channel c, or 0 outside the image — for the runs' {@code cols} columns, and 0 for the padding columns.
     */
    private static void pack(float[] x, CpuBackend.Conv cv, Runs runs, int cols, int nr, float[] panel) {
        int hw = cv.h * cv.w;
        if (cv.sameWidth()) {
            // the runs of one image are consecutive output pixels: one shifted copy per image and tap
            int row = 0;
            for (int c = 0; c < cv.cin; c++) {
                for (int ky = 0; ky < cv.kh; ky++) {
                    for (int kx = 0; kx < cv.kw; kx++, row += nr) {
                        for (int sg = 0; sg < runs.segments; sg++) {
                            int r = runs.segFirst[sg];
                            cv.copyTaps(x, (runs.n[r] * cv.cin + c) * hw, ky, kx, runs.oy[r] * cv.wo + runs.ox[r],
                                    runs.segLen[sg], panel, row + runs.jj[r], true);
                        }
                        if (cols < nr) {
                            Arrays.fill(panel, row + cols, row + nr, 0f);
                        }
                    }
                }
            }
            return;
        }
        for (int t = 0; t < cv.kk; t++) {
            int c = t / (cv.kh * cv.kw);
            int ky = t / cv.kw % cv.kh;
            int kx = t % cv.kw;
            int lo = cv.validFrom(kx, cv.w);
            int hi = cv.validTo(kx, cv.w);
            int row = t * nr;
            for (int r = 0; r < runs.count; r++) {
                int d = row + runs.jj[r];
                int ox0 = runs.ox[r];
                int ox1 = ox0 + runs.len[r];
                int iy = runs.oy[r] * cv.stride + ky - cv.pad;
                int a = Math.max(ox0, lo);
                int b = Math.min(ox1, hi);
                if (iy < 0 || iy >= cv.h || a >= b) {
                    zero(panel, d, d + runs.len[r]);
                    continue;
                }
                // the pixels left and right of the image (none, or as many as the padding, in most runs)
                zero(panel, d, d + a - ox0);
                zero(panel, d + b - ox0, d + runs.len[r]);
                int xs = (runs.n[r] * cv.cin + c) * hw + iy * cv.w + a * cv.stride + kx - cv.pad;
                int dd = d + a - ox0;
                if (cv.stride == 1) {
                    System.arraycopy(x, xs, panel, dd, b - a);
                } else {
                    for (int o = a; o < b; o++, xs += cv.stride) {
                        panel[dd++] = x[xs];
                    }
                }
            }
            if (cols < nr) {
                Arrays.fill(panel, row + cols, row + nr, 0f);
            }
        }
    }

    /** panel[from … to) = 0, inline: most of these ranges are empty or one element long. */
    private static void zero(float[] panel, int from, int to) {
        for (int i = from; i < to; i++) {
            panel[i] = 0f;
        }
    }
}
