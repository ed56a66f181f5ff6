package org.dspn4j.set;

import static org.dspn4j.autodiff.Ops.*;

import org.apache.commons.math3.random.RandomGenerator;
import org.dspn4j.nn.Init;
import org.dspn4j.nn.Module;
import org.dspn4j.nn.Parameter;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * Featurewise sort pooling (Zhang et al., FSPool; the authors'
 * {@code dspn/fspool.py:FSPool.forward} and {@code determine_weight} at be3703b;
 * docs/reference-behaviour.md §4). Each channel is sorted independently in descending order along
 * the set axis, and the sorted values are summed with weights w_c(r) that are piecewise linear in
 * the relative position r_j = j / max(n − 1, 1):
 * <pre>
 *   w_c(r) = Σ_{i=0..k} max(0, 1 − |k·r − i|) · W[c, i]      (k pieces, k + 1 knots)
 *   y_c    = Σ_j sort↓(x_c)_j · w_c(r_j) · [r_j ≤ 1]
 * </pre>
 * Without sizes (what DSPN always does) n = N for every sample, so padding slots are pooled as
 * ordinary elements. With sizes, the positions pooled are those whose ratio j / max(n − 1, 1) is at
 * most 1 ({@code fspool.py:fill_sizes}): the first n for n ≥ 2, and for n = 1 or 0, whose divisor is
 * clamped to 1, positions 0 and 1 (weights w(0) and w(1)). The other positions get −99999 added
 * before the sort (they sort last) and weight 0, as the authors' code does.
 *
 * <p>Gradients: ∂y_c/∂x_{c,j} is the weight of the sorted position element j occupies (ties follow
 * the stable sort: equal values keep slot order). Second derivatives in x are zero almost
 * everywhere; the mixed (x, W) terms are not, and flow through the rules of {@code Ops.sortPool}, one
 * recorded node with the value and derivatives of {@code sum(mul(sort(x), w(W)), {2})}.
 *
 * <p>NOTE: the authors compute the ratios in float32 even in a float64 run
 * (docs/reference-behaviour.md §4, §9). By default we compute them in double;
 * {@link #float32Ratios(boolean)} switches to the authors' rounding.
 */
public final class FSPool extends Module {
    private final Parameter weight;
    private final int pieces;
    private boolean float32Ratios;

    /**
     * @param channels C
     * @param pieces   k (20 everywhere in DSPN); the weight is (C, k + 1), initialised N(0, 1)
     */
    public FSPool(Backend be, DType dt, RandomGenerator rng, int channels, int pieces) {
        if (pieces < 1) {
            throw new IllegalArgumentException("FSPool needs at least one piece, got " + pieces);
        }
        this.pieces = pieces;
        this.weight = param("weight", Init.normal(be, dt, rng, channels, pieces + 1));
    }

    /** Computes the ratios j/(n−1) in float32 as the authors' code does (default false: double). */
    public FSPool float32Ratios(boolean on) {
        this.float32Ratios = on;
        return this;
    }

    /** Pools every sample over all N slots (DSPN's usage). @param x (B, C, N) @return (B, C) */
    public Tensor forward(Tensor x) {
        int n = x.size(2);
        Tensor coef = x.backend().fromHost(coefficients(n, n), x.dtype(), pieces + 1, n);
        Tensor w = matmul(weight.value(), coef); // (C, N)
        return sortPool(x, w, true); // sum(mul(sort(x, 2, true), w), {2}) as one node
    }

    /**
     * Pools sample b over its first {@code sizes[b]} sorted positions ({@link #pooled}: its first two
     * for a size of 0 or 1, as the authors' {@code fill_sizes}).
     *
     * @param x     (B, C, N)
     * @param sizes (B) set sizes n_b, 0 ≤ n_b ≤ N
     * @return (B, C)
     */
    public Tensor forward(Tensor x, int[] sizes) {
        int b = x.size(0);
        int n = x.size(2);
        if (sizes.length != b) {
            throw new IllegalArgumentException("FSPool: " + sizes.length + " sizes for a batch of " + b);
        }
        double[] coef = new double[b * (pieces + 1) * n];
        double[] penalty = new double[b * n];
        for (int s = 0; s < b; s++) {
            if (sizes[s] < 0 || sizes[s] > n) {
                throw new IllegalArgumentException("FSPool: size " + sizes[s] + " of sample " + s + " outside [0, " + n + "]");
            }
            System.arraycopy(coefficients(sizes[s], n), 0, coef, s * (pieces + 1) * n, (pieces + 1) * n);
            for (int j = pooled(sizes[s], n); j < n; j++) {
                penalty[s * n + j] = -99999.0;
            }
        }
        Backend be = x.backend();
        Tensor shifted = add(x, be.fromHost(penalty, x.dtype(), b, 1, n));
        Tensor w = matmul(weight.value(), be.fromHost(coef, x.dtype(), b, pieces + 1, n)); // (B, C, N)
        return sortPool(shifted, w, true); // sum(mul(sort(shifted, 2, true), w), {2}) as one node
    }

    /**
     * How many of N sorted positions a set of the given size pools: those whose ratio j / max(size − 1, 1)
     * is at most 1 ({@code fspool.py:fill_sizes}'s mask), so {@code size} for sizes of 2 or more and 2 for
     * sizes of 0 and 1 (at most N).
     */
    static int pooled(int size, int n) {
        return Math.min(Math.max(size - 1, 1) + 1, n);
    }

    /**
     * The hat-function coefficients (k + 1, N): column j holds max(0, 1 − |k·r_j − i|) over knots i
     * for a set of size n; the columns past {@link #pooled} are zero (masked out).
     */
    double[] coefficients(int size, int n) {
        int k = pieces;
        double[] c = new double[(k + 1) * n];
        for (int j = 0; j < pooled(size, n); j++) {
            double u;
            double frac;
            int i;
            if (float32Ratios) {
                float r = (float) j / (float) Math.max(size - 1, 1);
                float uf = k * Math.min(r, 1f);
                i = (int) uf;
                float ff = uf - i;
                frac = ff;
                u = 1f - ff; // the left weight, rounded in float32 as (1 - frac) is there
                c[i * n + j] += u;
            } else {
                double r = Math.min((double) j / Math.max(size - 1, 1), 1.0);
                u = k * r;
                i = (int) Math.floor(u);
                frac = u - i;
                c[i * n + j] += 1.0 - frac;
            }
            c[Math.min(i + 1, k) * n + j] += frac;
        }
        return c;
    }

    /** The (C, k + 1) knot weights. */
    public Parameter weight() {
        return weight;
    }
}
