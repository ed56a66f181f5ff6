package org.dspn4j.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ConvPanels#backwardInput}'s additions, {@link ConvPanels#backwardWeight}'s tiles and {@link ConvPanels#paddingSkippable}'s scan on
 * the JDK Vector API (the preferred float vector, as {@link GemmVector}'s kernels use). Only loaded when
 * the module is present.
 */
final class ConvVector {
    private ConvVector() {
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;

    /**
     * The least biased exponent of the nonzero finite values of a[0 … n) (subnormals counted as 1, whose
     * ulp is exponent 1's), or 255 if there is none; plus 256 if any value is infinite or NaN. On the
     * magnitudes' bits as ints: the least nonzero magnitude is the least of (|a| − 1) mod 2³¹ (0 becoming
     * the largest), an infinity or NaN a magnitude of at least 0x7f800000. A vector of each, one loop (the
     * scalar loop ran at 1 ns per element, 17 times slower).
     */
    static int leastExponent(float[] a, int n) {
        IntVector least = IntVector.broadcast(I, Integer.MAX_VALUE);
        IntVector most = IntVector.zero(I);
        int i = 0;
        for (; i <= n - L; i += L) {
            IntVector abs = FloatVector.fromArray(F, a, i).viewAsIntegralLanes().reinterpretAsInts().and(0x7fffffff);
            least = least.min(abs.sub(1).and(0x7fffffff));
            most = most.max(abs);
        }
        int lo = least.reduceLanes(VectorOperators.MIN);
        int hi = most.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            int abs = Float.floatToRawIntBits(a[i]) & 0x7fffffff;
            lo = Math.min(lo, (abs - 1) & 0x7fffffff);
            hi = Math.max(hi, abs);
        }
        int e = lo == Integer.MAX_VALUE ? 255 : Math.min(255, Math.max((lo + 1) >>> 23, 1));
        return e + (hi >= 0x7f800000 ? 256 : 0);
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

    /** Taps per tile of {@link #weightTaps}. */
    static final int WEIGHT_TAPS = 6;

    /**
     * Whether {@link ConvPanels#backwardWeight} runs here: on 512-bit vectors, where a tile's 4 × 6
     * sums, the 4 gy vectors and a broadcast fill 29 of AVX-512's 32 registers. With AVX2's 16, a
     * tile of 2 × 6 was slower than the product through the patch matrix on the smaller images.
     */
    static boolean weightsOnVectors() {
        return L == 16;
    }

    /** Output channels per tile of {@link #weightTaps}: 4 vectors. */
    static int weightChannels() {
        return 4 * L;
    }

    /**
     * {@link ConvPanels#backwardWeight}'s tile: for taps j &lt; {@code count} (at most {@link #WEIGHT_TAPS})
     * and the {@link #weightChannels} channels from the tile's first, over {@code pixels} output pixels q
     * in order, acc[a + j·lda + c] = fma(xp[xo[j] + at[q]], gt[g + go[q] + c], acc[a + j·lda + c]), from
     * the sums there ({@code accumulate}) or from +0; at[q] is pixel q's place in the padded planes
     * relative to the block's first, go[q] its row of gyᵀ relative to g (all the block's pixels, or only
     * those whose taps lie inside the image). The sums stay in registers over the pixels (one loop: C2 keeps
     * vectors in registers across a single loop, and boxes them across nested ones); a tile of fewer
     * taps goes tap by tap.
     */
    static void weightTaps(float[] xp, int[] xo, int count, int[] at, int[] go, int pixels, float[] gt, int g, float[] acc, int a,
                           int lda, boolean accumulate) {
        if (count < WEIGHT_TAPS) {
            for (int j = 0; j < count; j++) {
                weightTap(xp, xo[j], at, go, pixels, gt, g, acc, a + j * lda, accumulate);
            }
        } else {
            weight4x6(xp, xo, at, go, pixels, gt, g, acc, a, lda, accumulate);
        }
    }

    /** {@link #weightTaps}'s tile of 4 vectors of channels × 6 taps. */
    private static void weight4x6(float[] xp, int[] xo, int[] at, int[] go, int pixels, float[] gt, int g0, float[] acc, int a,
            int lda, boolean accumulate) {
        int r = a;
        FloatVector s00 = sum(acc, r, accumulate), s01 = sum(acc, r + L, accumulate), s02 = sum(acc, r + 2 * L, accumulate),
                s03 = sum(acc, r + 3 * L, accumulate);
        r += lda;
        FloatVector s10 = sum(acc, r, accumulate), s11 = sum(acc, r + L, accumulate), s12 = sum(acc, r + 2 * L, accumulate),
                s13 = sum(acc, r + 3 * L, accumulate);
        r += lda;
        FloatVector s20 = sum(acc, r, accumulate), s21 = sum(acc, r + L, accumulate), s22 = sum(acc, r + 2 * L, accumulate),
                s23 = sum(acc, r + 3 * L, accumulate);
        r += lda;
        FloatVector s30 = sum(acc, r, accumulate), s31 = sum(acc, r + L, accumulate), s32 = sum(acc, r + 2 * L, accumulate),
                s33 = sum(acc, r + 3 * L, accumulate);
        r += lda;
        FloatVector s40 = sum(acc, r, accumulate), s41 = sum(acc, r + L, accumulate), s42 = sum(acc, r + 2 * L, accumulate),
                s43 = sum(acc, r + 3 * L, accumulate);
        r += lda;
        FloatVector s50 = sum(acc, r, accumulate), s51 = sum(acc, r + L, accumulate), s52 = sum(acc, r + 2 * L, accumulate),
                s53 = sum(acc, r + 3 * L, accumulate);
        int x0 = xo[0], x1 = xo[1], x2 = xo[2], x3 = xo[3], x4 = xo[4], x5 = xo[5];
        for (int q = 0; q < pixels; q++) {
            int p = at[q];
            int g = g0 + go[q];
            FloatVector y0 = FloatVector.fromArray(F, gt, g);
            FloatVector y1 = FloatVector.fromArray(F, gt, g + L);
            FloatVector y2 = FloatVector.fromArray(F, gt, g + 2 * L);
            FloatVector y3 = FloatVector.fromArray(F, gt, g + 3 * L);
            FloatVector v;
            v = FloatVector.broadcast(F, xp[x0 + p]); s00 = v.fma(y0, s00); s01 = v.fma(y1, s01); s02 = v.fma(y2, s02); s03 = v.fma(y3, s03);
            v = FloatVector.broadcast(F, xp[x1 + p]); s10 = v.fma(y0, s10); s11 = v.fma(y1, s11); s12 = v.fma(y2, s12); s13 = v.fma(y3, s13);
            v = FloatVector.broadcast(F, xp[x2 + p]); s20 = v.fma(y0, s20); s21 = v.fma(y1, s21); s22 = v.fma(y2, s22); s23 = v.fma(y3, s23);
            v = FloatVector.broadcast(F, xp[x3 + p]); s30 = v.fma(y0, s30); s31 = v.fma(y1, s31); s32 = v.fma(y2, s32); s33 = v.fma(y3, s33);
            v = FloatVector.broadcast(F, xp[x4 + p]); s40 = v.fma(y0, s40); s41 = v.fma(y1, s41); s42 = v.fma(y2, s42); s43 = v.fma(y3, s43);
            v = FloatVector.broadcast(F, xp[x5 + p]); s50 = v.fma(y0, s50); s51 = v.fma(y1, s51); s52 = v.fma(y2, s52); s53 = v.fma(y3, s53);
        }
        r = a;
        s00.intoArray(acc, r); s01.intoArray(acc, r + L); s02.intoArray(acc, r + 2 * L); s03.intoArray(acc, r + 3 * L);
        r += lda;
        s10.intoArray(acc, r); s11.intoArray(acc, r + L); s12.intoArray(acc, r + 2 * L); s13.intoArray(acc, r + 3 * L);
        r += lda;
        s20.intoArray(acc, r); s21.intoArray(acc, r + L); s22.intoArray(acc, r + 2 * L); s23.intoArray(acc, r + 3 * L);
        r += lda;
        s30.intoArray(acc, r); s31.intoArray(acc, r + L); s32.intoArray(acc, r + 2 * L); s33.intoArray(acc, r + 3 * L);
        r += lda;
        s40.intoArray(acc, r); s41.intoArray(acc, r + L); s42.intoArray(acc, r + 2 * L); s43.intoArray(acc, r + 3 * L);
        r += lda;
        s50.intoArray(acc, r); s51.intoArray(acc, r + L); s52.intoArray(acc, r + 2 * L); s53.intoArray(acc, r + 3 * L);
    }

    /** {@link #weightTaps} for one tap. */
    private static void weightTap(float[] xp, int x0, int[] at, int[] go, int pixels, float[] gt, int g0, float[] acc, int a,
            boolean accumulate) {
        FloatVector s0 = sum(acc, a, accumulate);
        FloatVector s1 = sum(acc, a + L, accumulate);
        FloatVector s2 = sum(acc, a + 2 * L, accumulate);
        FloatVector s3 = sum(acc, a + 3 * L, accumulate);
        for (int q = 0; q < pixels; q++) {
            int g = g0 + go[q];
            FloatVector v = FloatVector.broadcast(F, xp[x0 + at[q]]);
            s0 = v.fma(FloatVector.fromArray(F, gt, g), s0);
            s1 = v.fma(FloatVector.fromArray(F, gt, g + L), s1);
            s2 = v.fma(FloatVector.fromArray(F, gt, g + 2 * L), s2);
            s3 = v.fma(FloatVector.fromArray(F, gt, g + 3 * L), s3);
        }
        s0.intoArray(acc, a);
        s1.intoArray(acc, a + L);
        s2.intoArray(acc, a + 2 * L);
        s3.intoArray(acc, a + 3 * L);
    }

    /** The sums at acc[a …] to go on from, or +0 to start from. */
    private static FloatVector sum(float[] acc, int a, boolean accumulate) {
        return accumulate ? FloatVector.fromArray(F, acc, a) : FloatVector.zero(F);
    }
}
