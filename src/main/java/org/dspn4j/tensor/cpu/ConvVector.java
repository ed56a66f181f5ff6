package org.dspn4j.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ConvPanels#forward}'s packing of whole image rows and {@link ConvPanels#backwardInput}'s
 * additions on the JDK Vector API (the preferred float vector, as {@link GemmVector}'s kernels use).
 * Only loaded when the module is present.
 */
final class ConvVector {
    private ConvVector() {
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    /**
     * Whether {@link #packRows} packs cv's column panels of {@code nr}: a convolution whose output rows
     * are as wide as the input's ({@link CpuBackend.Conv#sameWidth}), whose panels each lie in one image
     * ({@code P} a multiple of nr) and hold whole output rows or equal parts of one, in whole vectors,
     * with padding narrower than a vector.
     */
    static boolean packsRows(CpuBackend.Conv cv, int nr) {
        int seg = Math.min(cv.w, nr);
        return cv.sameWidth() && cv.p % nr == 0 && seg % L == 0 && Math.max(cv.w, nr) % seg == 0 && cv.pad < L;
    }

    /**
     * {@link ConvPanels#forward}'s panel of the nr columns from j0 — panel[t·nr + jj] = the input pixel
     * under tap t = (c·kh + ky)·kw + kx of output pixel j0 + jj, or +0 outside the image — for a
     * convolution that {@link #packsRows}. The panel holds output rows (or one part of a row) of one
     * image; under tap (ky, kx) a row's pixels are the input row oy + ky − pad shifted by kx − pad, so
     * each row of the panel is copied a vector at a time from there, and the pixels whose tap lies left
     * or right of the image (which the shifted copy took from the neighbouring row) are then set to +0,
     * as are whole rows whose tap lies above or below it. The values are those of
     * {@link CpuBackend.Conv#copyTaps}, which packs the other same-width panels, without its calls per row.
     */
    static void packRows(float[] x, CpuBackend.Conv cv, int j0, int nr, float[] panel) {
        int n = j0 / cv.p;
        int pix0 = j0 - n * cv.p;
        int w = cv.w;
        int seg = Math.min(w, nr); // pixels of one output row in the panel
        int segs = nr / seg;
        int y0 = pix0 / w;
        int x0 = pix0 - y0 * w; // 0 when the panel holds whole rows
        int hw = cv.h * w;
        int row = 0;
        for (int c = 0; c < cv.cin; c++) {
            int plane = (n * cv.cin + c) * hw;
            for (int ky = 0; ky < cv.kh; ky++) {
                for (int kx = 0; kx < cv.kw; kx++, row += nr) {
                    int shift = kx - cv.pad;
                    for (int g = 0; g < segs; g++) {
                        int d = row + g * seg;
                        int iy = y0 + g + ky - cv.pad;
                        if (iy < 0 || iy >= cv.h) {
                            ConvPanels.zero(panel, d, d + seg);
                            continue;
                        }
                        int src = plane + iy * w + x0 + shift;
                        for (int v = 0; v < seg; v += L) {
                            int o = src + v;
                            if (o >= 0 && o + L <= x.length) {
                                FloatVector.fromArray(F, x, o).intoArray(panel, d + v);
                            } else { // a shifted copy at either end of x: the lanes past it are set to +0 below
                                for (int l = 0; l < L; l++) {
                                    panel[d + v + l] = o + l >= 0 && o + l < x.length ? x[o + l] : 0f;
                                }
                            }
                        }
                        if (shift < 0 && x0 == 0) {
                            ConvPanels.zero(panel, d, d - shift);
                        } else if (shift > 0 && x0 + seg == w) {
                            ConvPanels.zero(panel, d + seg - shift, d + seg);
                        }
                    }
                }
            }
        }
    }

    /**
     * out[base + v] += tile[ts + v] for v in [a, b) where keep[kept + v] &gt; 0. A whole vector adds +0
     * where keep is 0, which leaves the sum as it is: out holds sums of these additions from +0, never
     * −0, and x + (+0) is x for every other float, NaN and infinities included. The tail runs the
     * scalar loop.
     */
    static void addKept(float[] out, int base, float[] tile, int ts, float[] keep, int kept, int a, int b) {
        FloatVector zero = FloatVector.zero(F);
        int v = a;
        for (int end = b - L; v <= end; v += L) {
            FloatVector t = FloatVector.fromArray(F, tile, ts + v);
            FloatVector k = FloatVector.fromArray(F, keep, kept + v);
            FloatVector o = FloatVector.fromArray(F, out, base + v);
            o.add(zero.blend(t, k.compare(VectorOperators.GT, 0f))).intoArray(out, base + v);
        }
        for (; v < b; v++) {
            if (keep[kept + v] > 0) {
                out[base + v] += tile[ts + v];
            }
        }
    }
}
