package org.dspn4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;

import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.ReferenceBackend;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The F32 convolution packed straight from the images ({@link ConvPanels}) against the definition
 * ({@link ReferenceBackend#conv2d}), bit for bit, with every micro-kernel and on 1 and 3 threads, at
 * shapes whose panels end inside an image, hold the end of one image and the start of the next, or
 * fill whole output rows (stored straight into y), with strides, padding and 1 × 1 kernels; the
 * stride-1 "same" cases take the packing by shifted copies ({@link CpuBackend.Conv#copyTaps}); for
 * those, the input gradient added onto the images a strip of rows at a time ({@link ConvPanels#backwardInput}),
 * and for all, the weight gradient on vectors ({@link ConvPanels#backwardWeight}).
 */
class ConvPanelsTest {
    private static final CpuBackend ONE = new CpuBackend(1);
    private static final CpuBackend THREE = new CpuBackend(3);
    private static final ReferenceBackend REF = new ReferenceBackend();

    @AfterAll
    static void close() {
        ONE.close();
        THREE.close();
    }

    /** {B, Cin, H, W, Cout, k, stride, pad}. */
    private static final int[][] CASES = {
        {3, 8, 9, 7, 5, 3, 1, 1},      // P = 63: panels across images, 5 rows (an edge row panel)
        {2, 16, 32, 32, 16, 3, 1, 1},  // P = 1024: whole output rows per panel, stored straight into y
        {5, 4, 4, 4, 9, 3, 1, 1},      // P = 16: every panel spans images
        {2, 3, 17, 17, 6, 7, 2, 3},    // ResNet34's first layer in small: 7 × 7, stride 2
        {2, 8, 8, 8, 16, 1, 2, 0},     // a 1 × 1 shortcut, stride 2
        {1, 2, 5, 40, 3, 3, 1, 0},     // no padding, output rows longer than a panel
        {4, 6, 6, 6, 8, 3, 3, 1},      // stride 3: columns read through a stride
        {33, 1, 1, 1, 2, 1, 1, 0},     // one pixel per image
        {2, 5, 6, 6, 7, 1, 1, 0},      // 1 × 1, stride 1: every tap in place
        {3, 3, 3, 3, 4, 5, 1, 2},      // 5 × 5 on 3 × 3 images: taps whose rows or columns all lie outside
        {2, 2, 4, 9, 3, 5, 1, 2},      // 5 × 5, padding 2: two columns outside on either side
        // whole rows per panel (the backend's forward reads them where they lie: theForwardReadingThePaddedImagesIsTheDefinition)
        {2, 3, 16, 16, 9, 3, 1, 1},    // 16-pixel rows: two per 32-column panel, one per 16-column panel
        {1, 2, 6, 64, 3, 3, 1, 1},     // 64-pixel rows: each cut into panels
        {2, 2, 8, 32, 4, 5, 1, 2},     // 5 × 5: taps two columns left and right of the image
        {3, 2, 8, 8, 5, 3, 1, 1},      // 8-pixel rows: whole vectors only where vectors are 8 floats or fewer
    };

    @Test
    void everyKernelGivesTheDefinitionsBits() {
        Random r = new Random(7);
        for (int[] c : CASES) {
            int[] xs = {c[0], c[1], c[2], c[3]};
            int[] ws = {c[4], c[1], c[5], c[5]};
            double[] x = values(r, xs[0] * xs[1] * xs[2] * xs[3]);
            double[] w = values(r, ws[0] * ws[1] * ws[2] * ws[3]);
            double[] want = REF.conv2d(REF.fromHost(x, DType.F32, xs), REF.fromHost(w, DType.F32, ws), null, c[6], c[7])
                    .toDoubles();
            CpuBackend.Conv cv = new CpuBackend.Conv(xs, ws, c[6], c[7], "conv2d");
            for (Gemm.Kernel kern : Gemm.Kernel.values()) {
                if (kern != Gemm.Kernel.SCALAR && !Gemm.VECTOR) {
                    continue;
                }
                for (CpuBackend be : new CpuBackend[] {ONE, THREE}) {
                    float[] out = new float[cv.b * cv.cout * cv.p];
                    ConvPanels.forward(be, floats(x), floats(w), cv, out, kern);
                    same(want, out, java.util.Arrays.toString(c) + " " + kern + " " + be.threads() + " threads");
                }
            }
        }
    }

    /**
     * The input gradient added onto the images a strip of rows at a time ({@link ConvPanels#backwardInput}) for the
     * cases above whose output rows are as wide as the input's, and for kernels taller or shorter than
     * wide ({B, Cin, H, W, Cout, kh, kw, pad}: more or fewer output rows than input rows).
     */
    @Test
    void theInputGradientByStripsIsTheDefinition() {
        Random r = new Random(13);
        java.util.List<int[]> cases = withRectangularKernels(
                new int[] {2, 9, 3, 40, 5, 3, 3, 1, 1});  // rows longer than a panel, a panel across two rows
        int tested = 0;
        for (int[] c : cases) {
            int[] xs = {c[0], c[1], c[2], c[3]};
            int[] ws = {c[4], c[1], c[5], c[6]};
            CpuBackend.Conv cv = new CpuBackend.Conv(xs, ws, c[8], c[7], "conv2dBackwardInput");
            if (!cv.sameWidth()) {
                continue;
            }
            tested++;
            int[] gs = {c[0], c[4], cv.ho, cv.wo};
            double[] g = values(r, gs[0] * gs[1] * gs[2] * gs[3]);
            double[] w = values(r, ws[0] * ws[1] * ws[2] * ws[3]);
            double[] want = REF.conv2dBackwardInput(REF.fromHost(g, DType.F32, gs), REF.fromHost(w, DType.F32, ws), xs, 1, c[7])
                    .toDoubles();
            for (Gemm.Kernel kern : Gemm.Kernel.values()) {
                if (kern != Gemm.Kernel.SCALAR && !Gemm.VECTOR) {
                    continue;
                }
                for (CpuBackend be : new CpuBackend[] {ONE, THREE}) {
                    float[] out = new float[xs[0] * xs[1] * xs[2] * xs[3]];
                    ConvPanels.backwardInput(be, floats(g), floats(w), cv, out, kern);
                    same(want, out, java.util.Arrays.toString(c) + " " + kern + " " + be.threads() + " threads");
                }
            }
        }
        assertEquals(14, tested, "cases with output rows as wide as the input's");
    }

    /**
     * The weight gradient on vectors ({@link ConvPanels#backwardWeight}: the channels a vector at a
     * time, the taps read from zero-padded images) for the cases above (strides 1, 2 and 3, 1 × 1 to
     * 7 × 7), for more output channels than a tile holds (the last tile part padding), more taps than
     * tiles of 6 hold, and images so small that a block holds many of them, over one block and over
     * several.
     */
    @Test
    void theWeightGradientOnVectorsIsTheDefinition() {
        assumeTrue(Gemm.VECTOR && ConvVector.weightsOnVectors(), "runs on 512-bit vectors only");
        Random r = new Random(17);
        java.util.List<int[]> cases = withRectangularKernels(
                new int[] {2, 3, 6, 6, 70, 3, 3, 1, 1},   // 70 output channels: two tiles, the second mostly padding
                new int[] {2, 5, 4, 4, 130, 3, 3, 1, 1},  // 45 taps: 7 tiles of 6 and 3 taps alone; three channel tiles
                new int[] {40, 2, 2, 2, 5, 3, 3, 1, 1},   // 4 pixels an image: one block of 40 images
                new int[] {70, 2, 2, 2, 5, 3, 3, 1, 1});  // two blocks, the second of 6 images
        int tested = 0;
        int leftOut = 0;
        for (int[] c : cases) {
            int[] xs = {c[0], c[1], c[2], c[3]};
            int[] ws = {c[4], c[1], c[5], c[6]};
            CpuBackend.Conv cv = new CpuBackend.Conv(xs, ws, c[8], c[7], "conv2dBackwardWeight");
            tested++;
            int[] gs = {c[0], c[4], cv.ho, cv.wo};
            double[] x = values(r, xs[0] * xs[1] * xs[2] * xs[3]);
            double[] g = values(r, gs[0] * gs[1] * gs[2] * gs[3]);
            double[] want = REF.conv2dBackwardWeight(REF.fromHost(x, DType.F32, xs), REF.fromHost(g, DType.F32, gs), ws, c[8], c[7])
                    .toDoubles();
            for (boolean leaveOut : new boolean[] {false, true}) {
                for (CpuBackend be : new CpuBackend[] {ONE, THREE}) {
                    float[] out = new float[ws[0] * ws[1] * ws[2] * ws[3]];
                    ConvPanels.backwardWeight(be, floats(x), floats(g), cv, out, leaveOut);
                    same(want, out, java.util.Arrays.toString(c) + (leaveOut ? " without the padding's taps " : " ") + be.threads()
                            + " threads");
                }
            }
            if (ConvPanels.skipsPadding(cv)) {
                org.junit.jupiter.api.Assertions.assertTrue(ConvPanels.paddingSkippable(floats(x), x.length, floats(g), g.length),
                        java.util.Arrays.toString(c));
                leftOut++;
            }
        }
        assertEquals(21, tested, "cases");
        assertEquals(12, leftOut, "cases without the padding's taps");
    }

    /**
     * The forward without the padding's taps ({@link ConvPanels#forwardInside}) for every case with padding
     * (rectangular kernels, strides 2 and 3, 5 × 5 kernels whose taps' rows or columns all lie outside,
     * panels that end inside a class), and the shapes of ResNet34's stages 3 and 4 in small (a class's
     * columns a multiple of the tile's width), bit for bit against the definition, with the 512-bit kernel
     * (emulated where vectors are narrower) on 1 and 3 threads. The values (zeros of both signs, ±1e30 whose products overflow) pass
     * {@link ConvPanels#paddingSkippable}.
     */
    @Test
    void theForwardWithoutThePaddingsTapsIsTheDefinition() {
        assumeTrue(Gemm.VECTOR, "the vector kernels only");
        Random r = new Random(23);
        java.util.List<int[]> cases = withRectangularKernels(
                new int[] {32, 16, 4, 4, 24, 3, 3, 1, 1},  // stage 4 in small: 32 columns per corner
                new int[] {32, 8, 8, 8, 9, 3, 3, 1, 1},    // stage 3 in small; 9 output channels (an edge row panel)
                new int[] {5, 6, 8, 8, 7, 3, 3, 1, 2});    // stride 2 from 8 × 8
        int tested = 0;
        for (int[] c : cases) {
            if (c[7] == 0) {
                continue;
            }
            int[] xs = {c[0], c[1], c[2], c[3]};
            int[] ws = {c[4], c[1], c[5], c[6]};
            double[] x = values(r, xs[0] * xs[1] * xs[2] * xs[3]);
            double[] w = values(r, ws[0] * ws[1] * ws[2] * ws[3]);
            double[] want = REF.conv2d(REF.fromHost(x, DType.F32, xs), REF.fromHost(w, DType.F32, ws), null, c[8], c[7])
                    .toDoubles();
            CpuBackend.Conv cv = new CpuBackend.Conv(xs, ws, c[8], c[7], "conv2d");
            float[] xf = floats(x);
            float[] wf = floats(w);
            org.junit.jupiter.api.Assertions.assertTrue(ConvPanels.paddingSkippable(xf, xf.length, wf, wf.length),
                    java.util.Arrays.toString(c));
            tested++;
            for (CpuBackend be : new CpuBackend[] {ONE, THREE}) {
                float[] out = new float[cv.b * cv.cout * cv.p];
                ConvPanels.forwardInside(be, xf, wf, cv, out, Gemm.Kernel.WIDE);
                same(want, out, java.util.Arrays.toString(c) + " " + be.threads() + " threads");
            }
        }
        assertEquals(16, tested, "cases");
    }

    /**
     * The forward that reads its panels where they lie in the padded images ({@link ConvPanels#forwardShifted})
     * for every case above that {@link ConvPanels#shifted} admits and for shapes made for it ({B, Cin, H, W, Cout,
     * kh, kw, pad, stride}): rows of 32 and 64 pixels (the tile's two vectors in one row), of 16 (two rows per
     * panel of the 512-bit tile) and of 8 (two rows per panel of the 256-bit one), of 48 (a panel across rows),
     * panels across images and a last panel of one vector, no padding, rectangular, 1 × 1 and 5 × 5 kernels,
     * output channels that leave an edge row panel; bit for bit against the definition
     * with both vector kernels (the 512-bit one emulated where vectors are narrower), on 1 and 3 threads, and
     * through the backend's conv2d.
     */
    @Test
    void theForwardReadingThePaddedImagesIsTheDefinition() {
        assumeTrue(Gemm.VECTOR, "the vector kernels only");
        Random r = new Random(29);
        java.util.List<int[]> cases = withRectangularKernels(
                new int[] {2, 3, 6, 32, 9, 3, 3, 1, 1},   // 32-pixel rows; 9 output channels (an edge row panel)
                new int[] {3, 4, 4, 16, 13, 3, 3, 1, 1},  // 16-pixel rows: two per 32-column panel
                new int[] {2, 5, 6, 8, 7, 3, 3, 1, 1},    // 8-pixel rows: two per 16-column panel
                new int[] {1, 2, 4, 64, 8, 5, 5, 2, 1},   // 5 × 5 on 64-pixel rows
                new int[] {2, 3, 4, 34, 8, 3, 3, 0, 1},   // no padding: output rows narrower than the input's
                new int[] {2, 6, 5, 34, 16, 3, 5, 1, 1},  // 3 × 5, padding 1
                new int[] {2, 3, 8, 16, 8, 5, 3, 1, 1},   // 5 × 3, padding 1
                new int[] {2, 4, 8, 16, 8, 1, 1, 0, 1},   // 1 × 1
                new int[] {3, 4, 3, 16, 13, 3, 3, 1, 1},  // P = 48: panels across images, a last panel of one vector
                new int[] {3, 5, 3, 8, 7, 3, 3, 1, 1},    // P = 24: the same for the narrow tile
                new int[] {2, 3, 3, 48, 8, 3, 3, 1, 1},   // 48-pixel rows: a panel across rows and images
                new int[] {2, 4, 8, 32, 8, 3, 3, 1, 2},   // stride 2: not admitted
                new int[] {2, 4, 3, 20, 8, 3, 3, 1, 1});  // 20-pixel rows: not admitted
        java.util.Map<Gemm.Kernel, Integer> tested = new java.util.EnumMap<>(Gemm.Kernel.class);
        for (int[] c : cases) {
            int[] xs = {c[0], c[1], c[2], c[3]};
            int[] ws = {c[4], c[1], c[5], c[6]};
            CpuBackend.Conv cv = new CpuBackend.Conv(xs, ws, c[8], c[7], "conv2d");
            double[] x = values(r, xs[0] * xs[1] * xs[2] * xs[3]);
            double[] w = values(r, ws[0] * ws[1] * ws[2] * ws[3]);
            double[] want = REF.conv2d(REF.fromHost(x, DType.F32, xs), REF.fromHost(w, DType.F32, ws), null, c[8], c[7])
                    .toDoubles();
            for (Gemm.Kernel kern : new Gemm.Kernel[] {Gemm.Kernel.WIDE, Gemm.Kernel.NARROW}) {
                if (!ConvPanels.shifted(cv, kern)) {
                    continue;
                }
                tested.merge(kern, 1, Integer::sum);
                for (CpuBackend be : new CpuBackend[] {ONE, THREE}) {
                    float[] out = new float[cv.b * cv.cout * cv.p];
                    ConvPanels.forwardShifted(be, floats(x), floats(w), cv, out, kern);
                    same(want, out, java.util.Arrays.toString(c) + " " + kern + " " + be.threads() + " threads");
                }
            }
            double[] got = THREE.conv2d(THREE.fromHost(x, DType.F32, xs), THREE.fromHost(w, DType.F32, ws), null, c[8], c[7])
                    .toDoubles();
            same(want, floats(got), java.util.Arrays.toString(c) + " backend");
        }
        // the 512-bit tile (vectors of 16): rows of 16, 32, 48 or 64 pixels (13 cases); the narrow tile (vectors of 8
        // where they have 256 bits) those and rows of 8 (3)
        assertEquals(13, tested.get(Gemm.Kernel.WIDE), "cases for the 512-bit tile");
        org.junit.jupiter.api.Assertions.assertTrue(tested.getOrDefault(Gemm.Kernel.NARROW, 0) >= 16,
                "cases for the narrow tile: " + tested);
    }

    /**
     * Where {@link ConvPanels#paddingSkippable} refuses, leaving out the padding's taps would change the
     * bits, and the backend's conv2d keeps them. A 3 × 3 kernel on one pixel: the chain's only tap inside is
     * t = 4, whose product −2⁻¹⁶⁰ rounds the sum to −0, and tap 5, in the padding, adds 1 · (+0), which
     * makes it +0; without it the output stays −0. And an infinite weight on a padding tap: its product with
     * the padding's 0 is NaN, which the output must be.
     */
    @Test
    void theBackendKeepsThePaddingsTapsWhereLeavingThemOutWouldChangeTheBits() {
        assumeTrue(Gemm.VECTOR, "the vector kernels only");
        int[] xs = {1, 1, 1, 1};
        int[] ws = {1, 1, 3, 3};
        double tiny = Math.scalb(1.0, -80);
        double[][] weights = {
            {0, 0, 0, 0, -tiny, 1, 0, 0, 0},
            {0, 0, 0, 0, 2, Double.POSITIVE_INFINITY, 0, 0, 0},
        };
        long[] wantBits = {Double.doubleToLongBits(0.0), Double.doubleToLongBits(Double.NaN)};
        double[] x = {tiny};
        for (int i = 0; i < weights.length; i++) {
            double[] w = weights[i];
            float[] xf = floats(x);
            float[] wf = floats(w);
            org.junit.jupiter.api.Assertions.assertFalse(ConvPanels.paddingSkippable(xf, 1, wf, 9), "weights " + i);
            double[] want = REF.conv2d(REF.fromHost(x, DType.F32, xs), REF.fromHost(w, DType.F32, ws), null, 1, 1).toDoubles();
            assertEquals(wantBits[i], Double.doubleToLongBits(want[0]), "the definition, weights " + i);
            float[] skipped = new float[1];
            ConvPanels.forwardInside(ONE, xf, wf, new CpuBackend.Conv(xs, ws, 1, 1, "conv2d"), skipped, Gemm.Kernel.WIDE);
            org.junit.jupiter.api.Assertions.assertNotEquals(Double.doubleToLongBits(want[0]),
                    Double.doubleToLongBits(skipped[0]), "without the padding's taps, weights " + i);
            double[] got = THREE.conv2d(THREE.fromHost(x, DType.F32, xs), THREE.fromHost(w, DType.F32, ws), null, 1, 1).toDoubles();
            assertEquals(wantBits[i], Double.doubleToLongBits(got[0]), "the backend, weights " + i);
        }
    }

    /**
     * {@link ConvVector#leastExponent} against its definition by {@link Math#getExponent} (the least of
     * max(exponent + 127, 1) over the nonzero finite values, 255 if none, plus 256 for any infinity or NaN), on
     * arrays of every length up to three vectors and more, with the extreme value at every position.
     */
    @Test
    void theLeastExponentIsTheDefinitions() {
        assumeTrue(Gemm.VECTOR, "the vector scan only");
        float[] extremes = {0f, -0f, Float.MIN_VALUE, -Float.MIN_NORMAL, 3e-39f, Float.MAX_VALUE, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.NaN, Float.intBitsToFloat(0x7fc12345), 1e-20f, -2.5f};
        Random r = new Random(5);
        int checked = 0;
        for (int n = 0; n <= 50; n++) {
            for (float extreme : extremes) {
                for (int at = 0; at < Math.max(1, n); at += 7) {
                    float[] a = new float[n + 3];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = r.nextInt(4) == 0 ? 0f : (float) (r.nextGaussian() * 100);
                    }
                    a[n] = Float.MIN_VALUE; // past n: never read
                    if (n > 0) {
                        a[at] = extreme;
                    }
                    int least = 255;
                    boolean nonFinite = false;
                    for (int i = 0; i < n; i++) {
                        if (!Float.isFinite(a[i])) {
                            nonFinite = true;
                        } else if (a[i] != 0f) {
                            least = Math.min(least, Math.max(Math.getExponent(a[i]) + 127, 1));
                        }
                    }
                    assertEquals(least + (nonFinite ? 256 : 0), ConvVector.leastExponent(a, n), "n " + n + ", " + extreme + " at " + at);
                    checked++;
                }
            }
        }
        org.junit.jupiter.api.Assertions.assertTrue(checked > 1000, "arrays checked: " + checked);
    }

    /**
     * {@link #CASES} as {B, Cin, H, W, Cout, kh, kw, pad, stride}, then two kernels taller or shorter than
     * wide (more or fewer output rows than input rows), then {@code more}.
     */
    private static java.util.List<int[]> withRectangularKernels(int[]... more) {
        java.util.List<int[]> cases = new java.util.ArrayList<>();
        for (int[] c : CASES) {
            cases.add(new int[] {c[0], c[1], c[2], c[3], c[4], c[5], c[5], c[7], c[6]});
        }
        cases.add(new int[] {2, 3, 5, 6, 4, 1, 3, 1, 1});   // 1 × 3, padding 1: two more output rows than input rows
        cases.add(new int[] {3, 2, 7, 5, 3, 5, 3, 1, 1});   // 5 × 3, padding 1: two fewer
        cases.addAll(java.util.Arrays.asList(more));
        return cases;
    }

    @Test
    void theBackendsConvolutionWithBiasIsTheDefinition() {
        Random r = new Random(11);
        int[] xs = {3, 5, 10, 12};
        int[] ws = {7, 5, 3, 3};
        double[] x = values(r, 3 * 5 * 10 * 12);
        double[] w = values(r, 7 * 5 * 9);
        double[] b = values(r, 7);
        for (int stride = 1; stride <= 2; stride++) {
            double[] want = REF.conv2d(REF.fromHost(x, DType.F32, xs), REF.fromHost(w, DType.F32, ws),
                    REF.fromHost(b, DType.F32, 7), stride, 1).toDoubles();
            Tensor got = THREE.conv2d(THREE.fromHost(x, DType.F32, xs), THREE.fromHost(w, DType.F32, ws),
                    THREE.fromHost(b, DType.F32, 7), stride, 1);
            double[] g = got.toDoubles();
            assertEquals(want.length, g.length);
            for (int i = 0; i < want.length; i++) {
                assertEquals(Double.doubleToLongBits(want[i]), Double.doubleToLongBits(g[i]), "stride " + stride + " element " + i);
            }
        }
    }

    /** Gaussian values with a few exact zeros of both signs, infinities and large magnitudes mixed in. */
    private static double[] values(Random r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            int pick = r.nextInt(200);
            v[i] = pick == 0 ? -0.0 : pick == 1 ? 0.0 : pick == 2 ? 1e30 : pick == 3 ? -1e30 : r.nextGaussian();
        }
        return v;
    }

    private static float[] floats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    private static void same(double[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            float wf = (float) want[i];
            if (Float.floatToIntBits(wf) != Float.floatToIntBits(got[i])) {
                throw new AssertionError(what + ": element " + i + " expected " + wf + " got " + got[i]);
            }
        }
    }
}
