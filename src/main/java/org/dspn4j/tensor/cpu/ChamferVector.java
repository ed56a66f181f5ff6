package org.dspn4j.tensor.cpu;

import java.util.Arrays;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link CpuBackend#chamferArgmin}'s loop over one sample on the JDK Vector API (jdk.incubator.vector).
 * The costs d(i, j) = (Σ_k Huber(pred[k, i] − target[k, j])) · (1/C) are computed for four predicted
 * slots i at a time against a block of target slots j, one j per lane, and fed straight into both
 * argmins: row 0 (for each target slot j, the first i with the least cost) and row 1 (for each
 * predicted slot i, the first j). The four rows share the target loads and one load and store of the
 * block's running column minimum.
 *
 * <p>The indices are those of the scalar loop in CpuBackend, and so of the definition
 * ({@code ReferenceBackend.chamferArgmin}), for every input — ties, NaN, ±∞, huge values and −0
 * included:
 * <ul>
 *   <li>Each lane computes its cost with the scalar loop's operations in its order:
 *       {@code a = |pk − y|}, {@code mm = a < 1 ? a : 1}, {@code dist += mm · (a − 0.5·mm)} for
 *       k = 0 … C−1 from +0, then {@code dist · (1/C)}. Lanewise sub, abs, mul and add round as the
 *       scalar operations do, and the multiply and the add stay two operations (no fma, which Java
 *       never contracts either). {@code mm} is the same compare and blend, not a vector min:
 *       {@code a < 1} is false for NaN, so NaN takes 1 in both. (A min would give NaN there; the
 *       cost would still be NaN, as {@code a − 0.5·mm} is, but the blend needs no such argument.)
 *       The first term is added to +0 like the others.</li>
 *   <li>Row 0 is lanewise already: where {@code d < colMin} (strict, false for NaN) the lane takes d
 *       and the index i. The four rows update the block one after another in increasing i, so a
 *       later i takes a column only with a strictly smaller cost, as in the scalar loop.</li>
 *   <li>Row 1: each lane keeps a running minimum from +∞ with strict {@code <} and the j it came
 *       from, so it holds the first j of its lane with that lane's least non-NaN cost. The scalar
 *       answer is the first j whose cost equals the least cost m over all j: the smallest index among
 *       the lanes whose minimum equals m. If no cost is below +∞, no lane took a value, m is +∞ and
 *       the answer stays j = 0, as in the scalar loop; otherwise a lane that never took a value still
 *       holds +∞ and cannot equal m. Costs are never −0 (each term is +0, positive, +∞ or NaN, and
 *       the sum starts from +0), and lanes are matched to m with {@code ==}, which holds for either
 *       zero, so the reduction could not pick a different index there either.</li>
 *   <li>The tail (n not a multiple of the lane count) runs the scalar loop, continuing row 1 from
 *       the reduced minimum and index: its j are all larger.</li>
 * </ul>
 *
 * <p>Vectors are 256 bits (four doubles), or the preferred vector where that is narrower: on an
 * AVX-512 machine with JDK 17, where the compare masks cost more on 512-bit vectors, 256-bit
 * vectors ran the MNIST shape (32, 2, 342) in about 2.5 ms against about 3.2 ms. C2 keeps the vectors
 * in registers only while it sees all their uses: they stay within one method (but for
 * {@link #huber}, called only in the hot loop, where C2 inlines it; a reduction moved to a helper
 * method, a loop vector starting from one built by {@code addIndex}, or eight rows instead of four
 * made it allocate vectors on the heap in the loop, two to three times slower), and the tails take
 * the reduced minimum and index as doubles. Only loaded when the module is present.
 */
final class ChamferVector {
    private ChamferVector() {
    }

    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED.vectorBitSize() <= 256
            ? DoubleVector.SPECIES_PREFERRED : DoubleVector.SPECIES_256;
    private static final int L = S.length();

    /** 0, 1, …, L−1: the lane offsets of a block's j. */
    private static final DoubleVector IOTA = DoubleVector.zero(S).addIndex(1);

    /**
     * One sample: pred's (C, N) block at p[po], target's at y[yo]. Writes row 0 to out[oo … oo+n−1]
     * (which must hold zeros) and row 1 to out[oo+n … oo+2n−1]; {@code colMin} (at least n values) is
     * scratch.
     */
    static void sample(double[] p, int po, double[] y, int yo, int c, int n, double invC, double[] colMin,
                       double[] out, int oo) {
        Arrays.fill(colMin, 0, n, Double.POSITIVE_INFINITY);
        int bound = S.loopBound(n);
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            rows4(p, po, y, yo, c, n, invC, colMin, out, oo, i, bound);
        }
        for (; i < n; i++) {
            row(p, po, y, yo, c, n, invC, colMin, out, oo, i, bound);
        }
    }

    /** Huber(pk − y) lanewise, as the scalar loop: m·(a − 0.5·m) with a = |pk − y|, m = a < 1 ? a : 1. */
    private static DoubleVector huber(double pk, DoubleVector y, DoubleVector one) {
        DoubleVector a = DoubleVector.broadcast(S, pk).sub(y).abs();
        DoubleVector mm = one.blend(a, a.lt(1.0)); // a < 1.0 ? a : 1.0 (NaN: 1.0)
        return mm.mul(a.sub(mm.mul(0.5)));
    }

    /** Predicted slots i … i+3 against the vector blocks of target slots, then each one's tail. */
    private static void rows4(double[] p, int po, double[] y, int yo, int c, int n, double invC, double[] colMin,
                              double[] out, int oo, int i, int bound) {
        DoubleVector one = DoubleVector.broadcast(S, 1.0);
        DoubleVector inf = DoubleVector.broadcast(S, Double.POSITIVE_INFINITY);
        DoubleVector i0 = DoubleVector.broadcast(S, (double) i);
        DoubleVector i1 = DoubleVector.broadcast(S, (double) (i + 1));
        DoubleVector i2 = DoubleVector.broadcast(S, (double) (i + 2));
        DoubleVector i3 = DoubleVector.broadcast(S, (double) (i + 3));
        // per row: each lane's least cost so far and its j (+∞ until the lane takes a value)
        DoubleVector b0 = inf, b1 = inf, b2 = inf, b3 = inf;
        DoubleVector x0 = inf, x1 = inf, x2 = inf, x3 = inf;
        for (int j = 0; j < bound; j += L) {
            DoubleVector d0 = DoubleVector.zero(S), d1 = d0, d2 = d0, d3 = d0;
            for (int k = 0; k < c; k++) {
                DoubleVector yk = DoubleVector.fromArray(S, y, yo + k * n + j);
                int pk = po + k * n + i;
                d0 = d0.add(huber(p[pk], yk, one));
                d1 = d1.add(huber(p[pk + 1], yk, one));
                d2 = d2.add(huber(p[pk + 2], yk, one));
                d3 = d3.add(huber(p[pk + 3], yk, one));
            }
            d0 = d0.mul(invC);
            d1 = d1.mul(invC);
            d2 = d2.mul(invC);
            d3 = d3.mul(invC);
            // row 0, in increasing i; strict: the first i wins ties
            DoubleVector cm = DoubleVector.fromArray(S, colMin, j);
            DoubleVector ci = DoubleVector.fromArray(S, out, oo + j);
            VectorMask<Double> m;
            m = d0.lt(cm); cm = cm.blend(d0, m); ci = ci.blend(i0, m);
            m = d1.lt(cm); cm = cm.blend(d1, m); ci = ci.blend(i1, m);
            m = d2.lt(cm); cm = cm.blend(d2, m); ci = ci.blend(i2, m);
            m = d3.lt(cm); cm = cm.blend(d3, m); ci = ci.blend(i3, m);
            cm.intoArray(colMin, j);
            ci.intoArray(out, oo + j);
            // row 1, lane by lane; strict: the first j of each lane wins ties
            DoubleVector jv = IOTA.add((double) j);
            m = d0.lt(b0); b0 = b0.blend(d0, m); x0 = x0.blend(jv, m);
            m = d1.lt(b1); b1 = b1.blend(d1, m); x1 = x1.blend(jv, m);
            m = d2.lt(b2); b2 = b2.blend(d2, m); x2 = x2.blend(jv, m);
            m = d3.lt(b3); b3 = b3.blend(d3, m); x3 = x3.blend(jv, m);
        }
        // each row's least cost, and the smallest j among the lanes that hold it (+∞ if none took a value)
        double m0 = b0.reduceLanes(VectorOperators.MIN);
        double m1 = b1.reduceLanes(VectorOperators.MIN);
        double m2 = b2.reduceLanes(VectorOperators.MIN);
        double m3 = b3.reduceLanes(VectorOperators.MIN);
        tail(p, po, y, yo, c, n, invC, colMin, out, oo, i, bound, m0, x0.blend(inf, b0.compare(VectorOperators.NE, m0)).reduceLanes(VectorOperators.MIN));
        tail(p, po, y, yo, c, n, invC, colMin, out, oo, i + 1, bound, m1, x1.blend(inf, b1.compare(VectorOperators.NE, m1)).reduceLanes(VectorOperators.MIN));
        tail(p, po, y, yo, c, n, invC, colMin, out, oo, i + 2, bound, m2, x2.blend(inf, b2.compare(VectorOperators.NE, m2)).reduceLanes(VectorOperators.MIN));
        tail(p, po, y, yo, c, n, invC, colMin, out, oo, i + 3, bound, m3, x3.blend(inf, b3.compare(VectorOperators.NE, m3)).reduceLanes(VectorOperators.MIN));
    }

    /** Predicted slot i alone (the last n mod 4): as {@link #rows4} for one row. */
    private static void row(double[] p, int po, double[] y, int yo, int c, int n, double invC, double[] colMin,
                            double[] out, int oo, int i, int bound) {
        DoubleVector one = DoubleVector.broadcast(S, 1.0);
        DoubleVector inf = DoubleVector.broadcast(S, Double.POSITIVE_INFINITY);
        DoubleVector i0 = DoubleVector.broadcast(S, (double) i);
        DoubleVector b0 = inf;
        DoubleVector x0 = inf;
        for (int j = 0; j < bound; j += L) {
            DoubleVector d0 = DoubleVector.zero(S);
            for (int k = 0; k < c; k++) {
                d0 = d0.add(huber(p[po + k * n + i], DoubleVector.fromArray(S, y, yo + k * n + j), one));
            }
            d0 = d0.mul(invC);
            DoubleVector cm = DoubleVector.fromArray(S, colMin, j);
            VectorMask<Double> m = d0.lt(cm);
            cm.blend(d0, m).intoArray(colMin, j);
            DoubleVector.fromArray(S, out, oo + j).blend(i0, m).intoArray(out, oo + j);
            m = d0.lt(b0);
            b0 = b0.blend(d0, m);
            x0 = x0.blend(IOTA.add((double) j), m);
        }
        double m0 = b0.reduceLanes(VectorOperators.MIN); // as in rows4
        tail(p, po, y, yo, c, n, invC, colMin, out, oo, i, bound, m0, x0.blend(inf, b0.compare(VectorOperators.NE, m0)).reduceLanes(VectorOperators.MIN));
    }

    /**
     * Target slots bound … n−1 of predicted slot i, the scalar loop's steps, continuing row 1 from the
     * vector blocks' least cost {@code best} and its j; writes row 1's index of i.
     */
    private static void tail(double[] p, int po, double[] y, int yo, int c, int n, double invC, double[] colMin,
                             double[] out, int oo, int i, int bound, double best, double firstJ) {
        int bestJ = best < Double.POSITIVE_INFINITY ? (int) firstJ : 0;
        for (int j = bound; j < n; j++) {
            double dist = 0.0;
            for (int k = 0; k < c; k++) {
                double a = Math.abs(p[po + k * n + i] - y[yo + k * n + j]);
                double mm = a < 1.0 ? a : 1.0;
                dist += mm * (a - 0.5 * mm);
            }
            double dij = dist * invC;
            if (dij < colMin[j]) { // strict: the first i wins ties
                colMin[j] = dij;
                out[oo + j] = i;
            }
            if (dij < best) { // strict: the first j wins ties
                best = dij;
                bestJ = j;
            }
        }
        out[oo + n + i] = bestJ;
    }
}
