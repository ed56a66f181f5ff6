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
 *
 * <p>Where the output rows are whole vectors of the kernel's and the stride is 1 ({@link #shifted}: ResNet34's
 * stages 1 and 2 at CLEVR's size), {@link #forwardShifted} packs no B panel at all: under each tap, a vector
 * of one output row's pixels is one run of a padded input row, which the kernel loads where it lies.
 *
 * <p>{@link #backwardInput} does the same for the input gradient of the stride-1 convolutions whose
 * output rows are as wide as the input's: the product Wᵀ · gy a strip of mr rows at a time, each strip
 * added onto the images as col2im would add it, without the patch matrix. {@link #backwardWeight}
 * computes the weight gradient gy · colsᵀ of every convolution on 512-bit vectors, reading cols where
 * it lies in a zero-padded copy of the images.
 *
 * <p>On small images (at most {@link #INSIDE_PIXELS} output pixels: ResNet34's stages 3 and 4 at CLEVR's
 * size) the forward ({@link #forwardInside}) and the weight gradient leave out the multiply-adds with the
 * padding's zeros, a sixth to a third of them, where {@link #paddingSkippable} shows that this leaves every
 * chain's bits as they are.
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
        float[] packedA = packedWeights(be, w, cv, mr);
        be.parallelFor(pn, Math.max(1, pn / (be.threads() * 8)), (from, to) -> {
            float[] panel = (float[]) Scratch.of(Scratch.B_PANEL, true, k * nr); // packed whole, padding zeroed
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
     * The weights W (Cout, K) packed into the kernel's row panels of mr ({@link Gemm#packRowPanels}), in the
     * calling thread's {@link Scratch#A_PANELS} array: the A operand of every forward here (the padding rows of
     * the last panel reach no stored row).
     */
    private static float[] packedWeights(CpuBackend be, float[] w, CpuBackend.Conv cv, int mr) {
        int pm = (cv.cout + mr - 1) / mr;
        float[] packedA = (float[]) Scratch.of(Scratch.A_PANELS, true, pm * mr * cv.kk);
        Gemm.packRowPanels(be, Gemm.Operand.of(w, new int[] {0}, cv.cout, cv.kk, false), 0, cv.cout, mr, cv.kk, packedA, true);
        return packedA;
    }

    /**
     * Whether {@link #forwardShifted} computes this convolution with this kernel: a vector kernel, stride 1,
     * and output rows a whole number of the tile's vectors, so that each vector of a panel's pixels is a run
     * of one padded input row under every tap. ResNet34's 3 × 3 stride-1 convolutions on 32 × 32 and
     * 16 × 16 images (CLEVR's stages 1 and 2; with 256-bit vectors 8 × 8 too).
     */
    static boolean shifted(CpuBackend.Conv cv, Gemm.Kernel kern) {
        return kern != Gemm.Kernel.SCALAR && cv.stride == 1 && cv.wo % (kern.nr(true) / 2) == 0;
    }

    /**
     * {@link #forward} with no packed B panel, for a convolution that {@link #shifted} admits: the kernel
     * ({@link GemmVector#f32x8Shifted}) reads each row t of a panel where it lies in the images padded with
     * zeros ({@link #padded}). Tap t = (c·kh + ky)·kw + kx of output pixel (oy, ox) is padded pixel
     * (oy + ky, ox + kx) of plane c, so under each tap a vector of pixels of one output row is one load, at
     * that tap's offset from the vector's first pixel; the tile's second vector lies a fixed distance from its
     * first (the same row's next pixels, the next row, or the next image's first). The same chains over every
     * tap, the padding's zeros included: the definition's bits. {@code out} is fresh and fully written.
     */
    static void forwardShifted(CpuBackend be, float[] x, float[] w, CpuBackend.Conv cv, float[] out, Gemm.Kernel kern) {
        int mr = kern.mr();
        int nr = kern.nr(true);
        int lanes = nr / 2;
        int k = cv.kk;
        int pm = (cv.cout + mr - 1) / mr;
        float[] packedA = packedWeights(be, w, cv, mr);
        float[] xp = padded(be, x, cv);
        int wp = cv.w + 2 * cv.pad;
        int plane = (cv.h + 2 * cv.pad) * wp;
        int[] off = new int[k];
        for (int t = 0; t < k; t++) {
            off[t] = tapOffset(cv, t, plane, wp);
        }
        int columns = cv.b * cv.p;
        int pn = (columns + nr - 1) / nr;
        be.parallelFor(pn, Math.max(1, pn / (be.threads() * 8)), (from, to) -> {
            float[] tile = new float[mr * nr];
            for (int cp = from; cp < to; cp++) {
                int j0 = cp * nr;
                int cols = Math.min(nr, columns - j0); // nr or, at the end, one vector
                int n0 = j0 / cv.p;
                int base = paddedPlace(cv, j0, plane, wp);
                int second = cols > lanes ? paddedPlace(cv, j0 + lanes, plane, wp) - base : 0;
                // a full panel of one image: straight into y, whose rows for image n are (n·Cout + co)·P
                boolean direct = cols == nr && (j0 + nr - 1) / cv.p == n0;
                for (int rp = 0; rp < pm; rp++) {
                    int i0 = rp * mr;
                    int rows = Math.min(mr, cv.cout - i0);
                    if (direct && rows == mr) {
                        shiftedKernel(kern, packedA, rp * mr * k, xp, base, off, second, k, out,
                                (n0 * cv.cout + i0) * cv.p + j0 - n0 * cv.p, cv.p);
                        continue;
                    }
                    shiftedKernel(kern, packedA, rp * mr * k, xp, base, off, second, k, tile, 0, nr);
                    for (int v = 0; v < cols; v += lanes) { // each vector's pixels lie in one image
                        int n = (j0 + v) / cv.p;
                        int yo = (n * cv.cout + i0) * cv.p + j0 + v - n * cv.p;
                        for (int ii = 0; ii < rows; ii++) {
                            System.arraycopy(tile, ii * nr + v, out, yo + ii * cv.p, lanes);
                        }
                    }
                }
            }
        });
    }

    /**
     * Where output column j (image n, pixel (oy, ox)) reads its first tap in {@link #padded}'s images (planes of
     * {@code plane} floats, rows of {@code wp}): (n, 0, oy·stride, ox·stride).
     */
    private static int paddedPlace(CpuBackend.Conv cv, int j, int plane, int wp) {
        int n = j / cv.p;
        int pix = j - n * cv.p;
        int oy = pix / cv.wo;
        return n * cv.cin * plane + (oy * wp + pix - oy * cv.wo) * cv.stride;
    }

    /** Tap t = (c·kh + ky)·kw + kx's offset in {@link #padded}'s images from a pixel's first tap: (c, ky, kx). */
    private static int tapOffset(CpuBackend.Conv cv, int t, int plane, int wp) {
        return t / (cv.kh * cv.kw) * plane + t / cv.kw % cv.kh * wp + t % cv.kw;
    }

    private static void shiftedKernel(Gemm.Kernel kern, float[] pa, int ao, float[] b, int base, int[] off, int second, int k,
                                      float[] c, int co, int ldc) {
        if (kern == Gemm.Kernel.WIDE) {
            GemmVector.f32x8Shifted(pa, ao, b, base, off, second, k, c, co, ldc);
        } else {
            GemmVector.f32x5Shifted(pa, ao, b, base, off, second, k, c, co, ldc);
        }
    }

    /**
     * Output pixels per image up to which the forward ({@link #forwardInside}) and the weight gradient leave
     * out the padding's taps ({@link #skipsPadding}): ResNet34's stages 3 and 4 at CLEVR's 128 × 128 images
     * (8 × 8 and 4 × 4 outputs, of whose 3 × 3 tap positions 16 % and 31 % lie in the padding).
     */
    static final int INSIDE_PIXELS = 64;

    /**
     * Whether {@link #forwardInside} computes this convolution with this kernel: the 512-bit one (with the
     * 256-bit 6 × 16 tile reading the weights' columns through the taps' index, the forward took 43–54 ms
     * against 33 ms at stages 3 and 4 on one thread), padding, small images.
     */
    static boolean insideOnly(CpuBackend.Conv cv, Gemm.Kernel kern) {
        return kern == Gemm.Kernel.WIDE && skipsPadding(cv);
    }

    /**
     * Whether leaving out the multiply-adds of the taps in the zero padding leaves every output's bits:
     * no weight is infinite or NaN (their product with the padding's 0 is NaN), and the product of
     * every nonzero weight with every finite nonzero input is a multiple of the smallest subnormal,
     * 2⁻¹⁴⁹ (true when the least ulp of the nonzero weights times the least ulp of those inputs is at least
     * that: biased exponents, subnormals counted as 1, summing to at least 151). Then every partial sum
     * of a chain from +0 is +0 or at least 2⁻¹⁴⁹ in magnitude (a float plus such a product is a multiple
     * of 2⁻¹⁴⁹, which rounds to 0 only when it is 0 exactly, and an exact 0 rounds to +0), never −0,
     * and fma(w, 0, s) = s + (±0) = s for every such s, and for infinite and NaN s. Otherwise a product
     * too small for a float can round a sum to −0, which a padding tap's +0 would turn into +0. On the
     * Vector API ({@link ConvVector#leastExponent}), as {@link #forwardInside} is.
     */
    static boolean paddingSkippable(float[] x, int xn, float[] w, int wn) {
        int lw = ConvVector.leastExponent(w, wn);
        if (lw > 255) {
            return false; // an infinite or NaN weight
        }
        if (lw == 255) {
            return true; // every weight ±0: every product ±0, every sum +0
        }
        int lx = ConvVector.leastExponent(x, xn) & 255; // x's infinities and NaNs do not count
        return lx == 255 || lw + lx >= 151;
    }

    /**
     * {@link #forward} without the multiply-adds of the taps in the zero padding, for a convolution that
     * {@link #insideOnly} admits and whose operands {@link #paddingSkippable} admits: the same bits.
     * The output pixels fall into classes by the taps that lie inside the image (for 3 × 3 and padding 1:
     * the four corners, the four edges, the inside); a class's pixels of all images are cut into panels
     * of nr columns, each packed with only the class's taps (K·4/9 rows at a corner), and the kernel
     * ({@link GemmVector#f32x8Taps}) reads the packed weights' columns of those taps. Each output is the
     * definition's chain over its inside taps in increasing order, which under that condition is the
     * chain over all taps. {@code out} is fresh (zero) and fully written.
     */
    static void forwardInside(CpuBackend be, float[] x, float[] w, CpuBackend.Conv cv, float[] out, Gemm.Kernel kern) {
        int mr = kern.mr();
        int nr = kern.nr(true);
        int k = cv.kk;
        int pm = (cv.cout + mr - 1) / mr;
        float[] packedA = packedWeights(be, w, cv, mr);
        Inside in = new Inside(cv, mr, nr);
        int hw = cv.h * cv.w;
        be.parallelFor(in.panels, 1, (from, to) -> {
            float[] panel = (float[]) Scratch.of(Scratch.B_PANEL, true, k * nr);
            float[] tile = new float[mr * nr];
            int[] src = new int[nr];
            int[] dst = new int[nr];
            for (int u = from; u < to; u++) {
                int cl = in.panelClass[u];
                int first = in.panelFirst[u];
                int[] pixels = in.pixels[cl];
                int cols = Math.min(nr, cv.b * pixels.length - first);
                for (int jj = 0; jj < cols; jj++) {
                    int n = (first + jj) / pixels.length;
                    int pix = pixels[first + jj - n * pixels.length];
                    int oy = pix / cv.wo;
                    int ox = pix - oy * cv.wo;
                    src[jj] = n * cv.cin * hw + (oy * cv.stride - cv.pad) * cv.w + ox * cv.stride - cv.pad;
                    dst[jj] = n * cv.cout * cv.p + pix;
                }
                int[] taps = in.taps[cl];
                int[] offsets = in.offsets[cl];
                int kc = taps.length;
                for (int t = 0; t < kc; t++) {
                    int o = offsets[t];
                    int row = t * nr;
                    for (int jj = 0; jj < cols; jj++) {
                        panel[row + jj] = x[src[jj] + o];
                    }
                    for (int jj = cols; jj < nr; jj++) {
                        panel[row + jj] = 0f;
                    }
                }
                for (int rp = 0; rp < pm; rp++) {
                    int i0 = rp * mr;
                    int rows = Math.min(mr, cv.cout - i0);
                    GemmVector.f32x8Taps(packedA, rp * mr * k, taps, panel, kc, tile);
                    for (int ii = 0; ii < rows; ii++) {
                        int yo = (i0 + ii) * cv.p;
                        for (int jj = 0; jj < cols; jj++) {
                            out[dst[jj] + yo] = tile[ii * nr + jj];
                        }
                    }
                }
            }
        });
    }

    /**
     * {@link #forwardInside}'s classes of output pixels: pixels whose taps inside the image are the same
     * (by the range of ky and of kx that stays inside), each with its pixels in increasing order, its
     * taps' columns in the packed weights ({@code t · mr} for t = (c·kh + ky)·kw + kx, increasing) and
     * their offsets in an image from the pixel's top-left input position ({@code c·H·W + ky·W + kx}); and
     * the panels: each class's columns (image-major, then pixel) cut into runs of nr, the classes with the
     * most taps first.
     */
    private static final class Inside {
        final int[][] pixels;
        final int[][] taps;
        final int[][] offsets;
        final int[] panelClass;
        final int[] panelFirst;
        final int panels;

        Inside(CpuBackend.Conv cv, int mr, int nr) {
            int[] rowClass = new int[cv.ho];
            java.util.List<int[]> rowRanges = ranges(cv.ho, cv.h, cv.kh, cv, rowClass);
            int[] colClass = new int[cv.wo];
            java.util.List<int[]> colRanges = ranges(cv.wo, cv.w, cv.kw, cv, colClass);
            int classes = rowRanges.size() * colRanges.size();
            int[] count = new int[classes];
            for (int pix = 0; pix < cv.p; pix++) {
                count[rowClass[pix / cv.wo] * colRanges.size() + colClass[pix % cv.wo]]++;
            }
            pixels = new int[classes][];
            taps = new int[classes][];
            offsets = new int[classes][];
            int total = 0;
            for (int cl = 0; cl < classes; cl++) {
                pixels[cl] = new int[count[cl]];
                int[] ry = rowRanges.get(cl / colRanges.size());
                int[] rx = colRanges.get(cl % colRanges.size());
                int kc = cv.cin * Math.max(0, ry[1] - ry[0]) * Math.max(0, rx[1] - rx[0]);
                taps[cl] = new int[kc];
                offsets[cl] = new int[kc];
                int t = 0;
                for (int c = 0; c < cv.cin; c++) {
                    for (int ky = ry[0]; ky < ry[1]; ky++) {
                        for (int kx = rx[0]; kx < rx[1]; kx++, t++) {
                            taps[cl][t] = ((c * cv.kh + ky) * cv.kw + kx) * mr;
                            offsets[cl][t] = c * cv.h * cv.w + ky * cv.w + kx;
                        }
                    }
                }
                total += (cv.b * count[cl] + nr - 1) / nr;
            }
            int[] filled = new int[classes];
            for (int pix = 0; pix < cv.p; pix++) {
                int cl = rowClass[pix / cv.wo] * colRanges.size() + colClass[pix % cv.wo];
                pixels[cl][filled[cl]++] = pix;
            }
            panels = total;
            panelClass = new int[total];
            panelFirst = new int[total];
            // the classes with the most taps first, so that the threads, taking panels in order, end together
            Integer[] order = new Integer[classes];
            for (int cl = 0; cl < classes; cl++) {
                order[cl] = cl;
            }
            java.util.Arrays.sort(order, (p, q) -> Integer.compare(taps[q].length, taps[p].length));
            int u = 0;
            for (int cl : order) {
                for (int first = 0; first < cv.b * count[cl]; first += nr, u++) {
                    panelClass[u] = cl;
                    panelFirst[u] = first;
                }
            }
        }

        /**
         * The distinct ranges [lo, hi) of kernel offsets whose input position o·stride + k − pad lies inside
         * [0, size), over the outputs o &lt; outSize; {@code classOf[o]} = the index of o's range.
         */
        private static java.util.List<int[]> ranges(int outSize, int size, int kernel, CpuBackend.Conv cv, int[] classOf) {
            java.util.List<int[]> ranges = new java.util.ArrayList<>();
            for (int o = 0; o < outSize; o++) {
                int lo = Math.max(0, cv.pad - o * cv.stride);
                int hi = Math.min(kernel, size + cv.pad - o * cv.stride);
                int found = -1;
                for (int r = 0; r < ranges.size(); r++) {
                    if (ranges.get(r)[0] == lo && ranges.get(r)[1] == hi) {
                        found = r;
                    }
                }
                if (found < 0) {
                    found = ranges.size();
                    ranges.add(new int[] {lo, hi});
                }
                classOf[o] = found;
            }
            return ranges;
        }
    }

    /**
     * gx (B, Cin, H, W) = the input gradient of a convolution whose output rows are as wide as its
     * input's ({@link CpuBackend.Conv#sameWidth}: stride 1, 2·pad = kw − 1), F32, with kernel
     * {@code kern}, without the patch matrix: {@link CpuBackend#conv2dBackwardInput}'s product
     * cols (K, B·P) = Wᵀ (K, Cout) · gy (Cout, B·P) is added onto gx a strip of rows at a time, as the
     * micro-kernel leaves it, instead of being written out whole and read back by col2im (for a
     * ResNet34 stage-1 convolution at batch 32, 75 MB each way). {@code out} is fresh (zero) and fully
     * written.
     *
     * <p>A task owns a group of images (taps never cross images). For each row panel of mr cols rows
     * it computes the strip of those rows over all the group's columns, tile by tile, then adds the
     * strip's rows onto the images in increasing order, each row over a whole image at a time.
     *
     * <p>The bits are col2im's. Every cols element is the same fma chain over the output channels.
     * col2im adds, into each input pixel from +0, its taps' elements in increasing tap order (ky, kx),
     * and only those; a pixel's tap t is cols row t = (c·kh + ky)·kw + kx, so its additions here come
     * row panel by row panel, and within a strip row by row, in the same order.
     */
    static void backwardInput(CpuBackend be, float[] gy, float[] w, CpuBackend.Conv cv, float[] out, Gemm.Kernel kern) {
        int mr = kern.mr();
        int nr = kern.nr(true);
        int k = cv.cout;
        int pm = (cv.kk + mr - 1) / mr;
        // Wᵀ (K, Cout), A(i, t) = w[t·K + i], packed once into row panels of mr
        float[] packedA = (float[]) Scratch.of(Scratch.A_PANELS, true, pm * mr * k); // padding rows reach no added row
        Gemm.Operand wt = Gemm.Operand.of(w, new int[] {0}, cv.cout, cv.kk, true);
        Gemm.packRowPanels(be, wt, 0, cv.kk, mr, k, packedA, true);
        Taps taps = new Taps(cv);
        boolean vector = kern != Gemm.Kernel.SCALAR;
        // tasks: groups of whole images, at least a panel's width of columns each
        int perGroup = Math.max(1, Math.min(cv.b, (nr + cv.p - 1) / cv.p));
        int groups = (cv.b + perGroup - 1) / perGroup;
        int stride = (perGroup * cv.p + nr - 1) / nr * nr; // a strip row: a full group's column panels
        be.parallelFor(groups, 1, (from, to) -> {
            float[] strip = new float[mr * stride];
            float[] panels = null;
            Segments segments = null;
            Segments images = new Segments(1, perGroup * cv.p);
            for (int gi = from; gi < to; gi++) {
                int q0 = gi * perGroup;
                int columns = Math.min(perGroup, cv.b - q0) * cv.p;
                int pn = (columns + nr - 1) / nr;
                if (panels == null || panels.length < pn * k * nr) {
                    panels = (float[]) Scratch.of(Scratch.B_PANEL, true, pn * k * nr); // packed whole, padding zeroed
                    segments = new Segments(pn, nr);
                }
                segments.of(cv, q0, columns, nr, pn);
                packColumns(gy, cv, segments, columns, nr, pn, panels);
                images.of(cv, q0, columns, stride, 1); // one piece per image: its P columns
                for (int rp = 0; rp < pm; rp++) {
                    int rows = Math.min(mr, cv.kk - rp * mr);
                    for (int cp = 0; cp < pn; cp++) {
                        Gemm.kernel(kern, packedA, rp * mr * k, panels, cp * k * nr, nr, k, nr, strip, cp * nr, stride, false, true);
                    }
                    taps.add(strip, stride, rows, rp * mr, images, out, vector);
                }
            }
        });
    }

    /**
     * gW (Cout, K) = the weight gradient of a convolution, F32, on vectors, without the patch matrix:
     * gW(co, t) is the fma chain, from +0, over the images and their output pixels in order, of
     * gy(n, co, pixel) · cols(t, (n, pixel)) — {@link CpuBackend#conv2dBackwardWeight}'s product
     * gy · colsᵀ element for element, so the bits are the same. {@code out} is fully written.
     *
     * <p>Here the vectors run along the output channels and cols is never formed: its element under
     * tap t = (c·kh + ky)·kw + kx for output pixel (oy, ox) is read where it lies, in a copy of x with
     * {@code pad} zeros around each plane (pixel (oy·stride + ky, ox·stride + kx) of plane (n, c)), and
     * broadcast. The product's other operand, gy, is read as gyᵀ (pixel, channel), a copy with the
     * channels padded with zeros to whole tiles. {@link ConvVector#weightTaps} accumulates a tile of 4
     * vectors of channels × 6 taps in registers over a block of images' output pixels; a task owns a
     * range of tiles and passes the images block by block, so each element's chain runs over them in
     * order. With {@code leaveOutPadding}, on images of at most {@link #INSIDE_PIXELS} output pixels where
     * {@link #paddingSkippable} allows it for gy and x, the products of gy with the padding's zeros are left
     * out: a tile then holds one tap (ky, kx) of 6 input channels and runs over the output pixels whose
     * input pixel under it lies inside the image, in order (the same bits, as for {@link #forwardInside}).
     * The im2col route instead writes the K × B·P patch matrix and then packs it into the product's
     * panels by a transposing copy (for a ResNet34 stage-1 convolution at batch 32, 75 MB each).
     */
    static void backwardWeight(CpuBackend be, float[] x, float[] gy, CpuBackend.Conv cv, float[] out, boolean leaveOutPadding) {
        int pad = cv.pad;
        int wp = cv.w + 2 * pad;
        int plane = (cv.h + 2 * pad) * wp;
        float[] xp = padded(be, x, cv);
        int cw = ConvVector.weightChannels();
        int cp = (cv.cout + cw - 1) / cw * cw; // channels padded to whole tiles
        float[] gt = (float[]) Scratch.of(Scratch.MATRIX, true, cv.b * cv.p * cp);
        be.parallelFor(cv.b, 1, (from, to) -> {
            for (int n = from; n < to; n++) {
                int d = n * cv.p * cp;
                Gemm.transpose(gy, n * cv.cout * cv.p, cv.p, cv.cout, cv.p, gt, d, cp);
                for (int q = 0; q < cv.p; q++) {
                    Arrays.fill(gt, d + q * cp + cv.cout, d + (q + 1) * cp, 0f); // the padding channels
                }
            }
        });
        int coTiles = cp / cw;
        int tileSums = ConvVector.WEIGHT_TAPS * cw;
        // blocks of images with at least 256 output pixels between the loads and stores of each tile's sums
        int perBlock = Math.max(1, Math.min(cv.b, (256 + cv.p - 1) / cv.p));
        int taps = cv.kh * cv.kw;
        // Without the padding's taps (small images, where the check allows): a tile's taps are one tap (ky, kx) of
        // 6 consecutive input channels, and its pixels only those whose input pixel under it lies inside the
        // image; otherwise 6 consecutive taps t over all pixels.
        boolean inside = leaveOutPadding && skipsPadding(cv)
                && paddingSkippable(x, cv.b * cv.cin * cv.h * cv.w, gy, cv.b * cv.cout * cv.p);
        int groups = (cv.cin + ConvVector.WEIGHT_TAPS - 1) / ConvVector.WEIGHT_TAPS; // with inside: channel groups per tap
        int tapTiles = inside ? taps * groups : (cv.kk + ConvVector.WEIGHT_TAPS - 1) / ConvVector.WEIGHT_TAPS;
        int tiles = coTiles * tapTiles;
        // per pixel list (all the block's pixels; with inside, one per tap): each output pixel q of a block, its place
        // in the padded planes from the block's first and its row of gyᵀ
        int lists = inside ? taps : 1;
        int[][] at = new int[lists][];
        int[][] go = new int[lists][];
        int[] perImage = new int[lists];
        for (int l = 0; l < lists; l++) {
            int ky = l / cv.kw;
            int kx = l % cv.kw;
            int[] a = new int[perBlock * cv.p];
            int[] o = new int[perBlock * cv.p];
            int n = 0;
            for (int q = 0; q < perBlock * cv.p; q++) {
                int oy = q % cv.p / cv.wo;
                int ox = q % cv.wo;
                int iy = oy * cv.stride + ky - pad;
                int ix = ox * cv.stride + kx - pad;
                if (!inside || iy >= 0 && iy < cv.h && ix >= 0 && ix < cv.w) {
                    a[n] = paddedPlace(cv, q, plane, wp);
                    o[n++] = q * cp;
                }
            }
            at[l] = Arrays.copyOf(a, n);
            go[l] = Arrays.copyOf(o, n);
            perImage[l] = n / perBlock;
        }
        // a task per thread: each passes over all of xp and gyᵀ
        be.parallelFor(tiles, (tiles + be.threads() - 1) / be.threads(), (from, to) -> {
            int[] xo = new int[ConvVector.WEIGHT_TAPS];
            // the task's tiles' sums, tile after tile: sums[(i − from)·tileSums + j·cw + lane]
            float[] sums = (float[]) Scratch.of(Scratch.B_PANEL, true, (to - from) * tileSums);
            for (int n0 = 0; n0 < cv.b; n0 += perBlock) {
                int images = Math.min(perBlock, cv.b - n0);
                for (int i = from; i < to; i++) {
                    // tap tile by tap tile, its channel tiles together: the taps' pixels are read once from L2
                    int co0 = i % coTiles * cw;
                    int tile = i / coTiles;
                    int l = inside ? tile / groups : 0;
                    int count = weightTaps(cv, inside, groups, tile);
                    for (int j = 0; j < count; j++) {
                        xo[j] = n0 * cv.cin * plane + tapOffset(cv, weightTap(cv, inside, groups, tile, j), plane, wp);
                    }
                    ConvVector.weightTaps(xp, xo, count, at[l], go[l], images * perImage[l], gt, n0 * cv.p * cp + co0, sums,
                            (i - from) * tileSums, cw, n0 > 0);
                }
            }
            for (int i = from; i < to; i++) {
                int co0 = i % coTiles * cw;
                int tile = i / coTiles;
                int count = weightTaps(cv, inside, groups, tile);
                for (int c = 0; c < Math.min(cw, cv.cout - co0); c++) {
                    for (int j = 0; j < count; j++) {
                        out[(co0 + c) * cv.kk + weightTap(cv, inside, groups, tile, j)] = sums[(i - from) * tileSums + j * cw + c];
                    }
                }
            }
        });
    }

    /**
     * The images x (B, Cin, H, W) with {@code pad} zeros around each plane, (B, Cin, H + 2·pad, W + 2·pad), in the
     * calling thread's {@link Scratch#REGROUPED} array: where a convolution's patches lie, read without im2col.
     */
    static float[] padded(CpuBackend be, float[] x, CpuBackend.Conv cv) {
        int pad = cv.pad;
        int wp = cv.w + 2 * pad;
        int plane = (cv.h + 2 * pad) * wp;
        int planes = cv.b * cv.cin;
        float[] xp = (float[]) Scratch.of(Scratch.REGROUPED, true, planes * plane);
        be.parallelFor(planes, Math.max(1, planes / (be.threads() * 4)), (from, to) -> {
            for (int pl = from; pl < to; pl++) {
                int d = pl * plane;
                Arrays.fill(xp, d, d + pad * wp, 0f);
                for (int iy = 0; iy < cv.h; iy++) {
                    int r = d + (iy + pad) * wp;
                    Arrays.fill(xp, r, r + pad, 0f);
                    System.arraycopy(x, (pl * cv.h + iy) * cv.w, xp, r + pad, cv.w);
                    Arrays.fill(xp, r + pad + cv.w, r + wp, 0f);
                }
                Arrays.fill(xp, d + (pad + cv.h) * wp, d + plane, 0f);
            }
        });
        return xp;
    }

    /**
     * Tap t = (c·kh + ky)·kw + kx of {@link #backwardWeight}'s tile of taps {@code tile}, its j-th: 6 consecutive
     * taps, or with {@code inside} tap (ky, kx) = tile / groups of input channel (tile mod groups)·6 + j.
     */
    private static int weightTap(CpuBackend.Conv cv, boolean inside, int groups, int tile, int j) {
        int taps = cv.kh * cv.kw;
        return inside ? (tile % groups * ConvVector.WEIGHT_TAPS + j) * taps + tile / groups : tile * ConvVector.WEIGHT_TAPS + j;
    }

    /** How many taps {@link #backwardWeight}'s tile {@code tile} holds: 6, or fewer in the last of a tap or of all. */
    private static int weightTaps(CpuBackend.Conv cv, boolean inside, int groups, int tile) {
        return inside ? Math.min(ConvVector.WEIGHT_TAPS, cv.cin - tile % groups * ConvVector.WEIGHT_TAPS)
                : Math.min(ConvVector.WEIGHT_TAPS, cv.kk - tile * ConvVector.WEIGHT_TAPS);
    }

    /**
     * Whether a convolution's padding's taps are worth leaving out (where {@link #paddingSkippable} also
     * allows it), in the forward ({@link #insideOnly}) and in {@link #backwardWeight}: padding and images of
     * at most {@link #INSIDE_PIXELS} output pixels.
     */
    static boolean skipsPadding(CpuBackend.Conv cv) {
        return cv.pad > 0 && cv.p <= INSIDE_PIXELS;
    }

    /**
     * A group's column panels cut by image, once per group for its packing and its additions: panel cp
     * has pieces first[cp] … first[cp + 1] − 1, piece s covering tile columns jj[s] … jj[s] + len[s] − 1,
     * which are output pixels pix[s] … of image image[s] (an absolute index into the batch); column[s]
     * is pix[s]'s output column.
     */
    private static final class Segments {
        final int[] first;
        final int[] image;
        final int[] pix;
        final int[] len;
        final int[] jj;
        final int[] column;

        Segments(int pn, int nr) {
            first = new int[pn + 1];
            // a panel of nr columns holds at most nr pieces
            image = new int[pn * nr];
            pix = new int[pn * nr];
            len = new int[pn * nr];
            jj = new int[pn * nr];
            column = new int[pn * nr];
        }

        void of(CpuBackend.Conv cv, int q0, int columns, int nr, int pn) {
            int s = 0;
            for (int cp = 0; cp < pn; cp++) {
                first[cp] = s;
                int j0 = cp * nr;
                int cols = Math.min(nr, columns - j0);
                for (int c = 0; c < cols; s++) {
                    int q = (j0 + c) / cv.p;
                    image[s] = q0 + q;
                    pix[s] = j0 + c - q * cv.p;
                    len[s] = Math.min(cv.p - pix[s], cols - c);
                    jj[s] = c;
                    column[s] = pix[s] % cv.w;
                    c += len[s];
                }
            }
            first[pn] = s;
        }
    }

    /**
     * panels[(cp·Cout + co)·nr + jj] = gy(image, co, pixel) of the panel's pieces, and 0 past the
     * {@code columns} columns.
     */
    private static void packColumns(float[] gy, CpuBackend.Conv cv, Segments sg, int columns, int nr, int pn, float[] panels) {
        for (int cp = 0; cp < pn; cp++) {
            int base = cp * cv.cout * nr;
            for (int s = sg.first[cp]; s < sg.first[cp + 1]; s++) {
                int src = sg.image[s] * cv.cout * cv.p + sg.pix[s];
                for (int co = 0; co < cv.cout; co++) {
                    System.arraycopy(gy, src + co * cv.p, panels, base + co * nr + sg.jj[s], sg.len[s]);
                }
            }
            int cols = Math.min(nr, columns - cp * nr);
            if (cols < nr) {
                for (int co = 0; co < cv.cout; co++) {
                    Arrays.fill(panels, base + co * nr + cols, base + (co + 1) * nr, 0f);
                }
            }
        }
    }

    /**
     * Where each cols row's elements go in a same-width convolution's input gradient: output pixel v
     * of an image adds onto input pixel v + shift of its channel's plane, shift = (ky − pad)·W + kx − pad,
     * for v + shift inside the plane and output column v mod W whose tap column lies inside the image.
     */
    private static final class Taps {
        private final CpuBackend.Conv cv;
        /** Per cols row: the plane's offset in an image plus the shift, and the first and end output pixel inside the plane. */
        private final int[] at;
        private final int[] from;
        private final int[] to;
        /** Per cols row: the offset of its kx's row in {@link #keep}. */
        private final int[] keepAt;
        /** Per kx, W + P values: 1 where output column u mod W reads inside the image, else 0. */
        private final float[] keep;

        Taps(CpuBackend.Conv cv) {
            this.cv = cv;
            int hw = cv.h * cv.w;
            int keepLength = cv.w + cv.p; // from a piece's first output column across an image's P pixels
            keep = new float[cv.kw * keepLength];
            for (int kx = 0; kx < cv.kw; kx++) {
                for (int u = 0; u < keepLength; u++) {
                    int ix = u % cv.w + kx - cv.pad;
                    keep[kx * keepLength + u] = ix >= 0 && ix < cv.w ? 1f : 0f;
                }
            }
            at = new int[cv.kk];
            from = new int[cv.kk];
            to = new int[cv.kk];
            keepAt = new int[cv.kk];
            int taps = cv.kh * cv.kw;
            for (int r = 0; r < cv.kk; r++) {
                int c = r / taps;
                int ky = r / cv.kw % cv.kh;
                int kx = r % cv.kw;
                int shift = (ky - cv.pad) * cv.w + kx - cv.pad;
                at[r] = c * hw + shift;
                from[r] = -shift;
                to[r] = hw - shift;
                keepAt[r] = kx * keepLength;
            }
        }

        /**
         * Adds rows 0 … rows − 1 of the strip (cols rows r0 + ii, row ii at strip[ii·stride …], the
         * columns of the pieces of panel 0 of {@code sg}) onto their taps' input pixels in {@code out},
         * row after row (col2im's additions for these elements), on vectors when {@code vector}.
         */
        void add(float[] strip, int stride, int rows, int r0, Segments sg, float[] out, boolean vector) {
            int image = cv.cin * cv.h * cv.w;
            for (int ii = 0; ii < rows; ii++) {
                int r = r0 + ii;
                for (int s = sg.first[0]; s < sg.first[1]; s++) {
                    int pix = sg.pix[s];
                    int base = sg.image[s] * image + at[r];
                    int a = Math.max(pix, from[r]);
                    int b = Math.min(pix + sg.len[s], to[r]);
                    int ts = ii * stride + sg.jj[s] - pix; // the strip element of output pixel v: ts + v
                    int kept = keepAt[r] + sg.column[s] - pix; // its column's keep: keep[kept + v]
                    if (vector) { // only then is ConvVector loaded
                        ConvVector.addKept(out, base, strip, ts, keep, kept, a, b);
                    } else {
                        for (int v = a; v < b; v++) {
                            if (keep[kept + v] > 0) {
                                out[base + v] += strip[ts + v];
                            }
                        }
                    }
                }
            }
        }
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
