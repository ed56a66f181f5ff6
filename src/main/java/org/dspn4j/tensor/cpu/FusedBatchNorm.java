package org.dspn4j.tensor.cpu;

import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * Training-mode batch normalisation of an F32 (B, C, H, W) tensor over (B, H, W), forward and
 * backward, in a few passes over the data instead of the dozen-odd full-size tensors that its
 * definition (the composition of primitive ops in {@code nn.BatchNorm2d}) creates and reads. It
 * computes, element by element and channel by channel, exactly the float operations of that
 * composition and of the backward rules autodiff runs for it, in the same order, so every result
 * has the same bits:
 *
 * <pre>
 *   forward  S1 = Σ x, μ = S1·(1/n), xc = x − μ, S2 = Σ xc·xc, σ² = S2·(1/n), sd = √(σ² + ε),
 *            r = 1/sd, s = γ·r, y = xc·s + β
 *   backward gβ = Σ g, gs = Σ g·xc, gγ = gs·r, gr = gs·γ, gsd = −((gr·r)/sd), gv = (gsd·0.5)/sd,
 *            gσ² = gv·1 + 0, gS2 = gσ²·(1/n), gxc = (g·s + gS2·xc) + gS2·xc,
 *            gμ = Σ −gxc, gS1 = gμ·(1/n), gx = gxc + gS1
 * </pre>
 *
 * each product, quotient and sum rounded to float where the composition stores a float tensor, the
 * affine steps ({@code ·(1/n)}, {@code ·1 + ε}, {@code ·0.5}) computed in double and rounded once as
 * {@code affine} does, and every Σ added in the order of {@link CpuBackend#sum} over dimensions
 * (0, 2, 3): image by image, each image's row of H·W values as four interleaved partial sums. Work is
 * split between threads by channel only, so the thread count changes nothing.
 *
 * <p>Used for shapes with B, C and H·W all at least 2 (see {@link #fuses}); {@code FusedBatchNormTest}
 * checks it against the composition bit for bit.
 */
public final class FusedBatchNorm {
    private final CpuBackend be;
    private final Tensor x;
    private final State st;

    private FusedBatchNorm(CpuBackend be, Tensor x, State st) {
        this.be = be;
        this.x = x;
        this.st = st;
    }

    /**
     * The forward pass of x (B, C, H, W) with weight γ (C) and bias β (C), or null when x is not an F32
     * tensor of {@code be} that the fused path takes (the caller then composes the op).
     */
    public static FusedBatchNorm forward(Tensor x, Tensor weight, Tensor bias, double eps) {
        if (!(x.backend() instanceof CpuBackend be) || !fuses(x.dtype(), x.shape()) || weight.dtype() != DType.F32
                || bias.dtype() != DType.F32 || weight.numel() != x.size(1) || bias.numel() != x.size(1)
                || !(x.storage() instanceof float[] xs) || !(weight.storage() instanceof float[] w)
                || !(bias.storage() instanceof float[] b)) {
            return null;
        }
        return new FusedBatchNorm(be, x, forward(be, xs, x.shape(), w, b, eps));
    }

    /** y (B, C, H, W); handed over once, so that what keeps this object for the backward does not keep y. */
    public Tensor y() {
        if (st.y == null) {
            throw new IllegalStateException("FusedBatchNorm: y was already taken");
        }
        Tensor out = new Tensor(be, DType.F32, x.shape(), st.y);
        st.y = null;
        return out;
    }

    /** The batch mean μ, (1, C, 1, 1). */
    public Tensor mean() {
        return channels(be, st.mu);
    }

    /** The biased batch variance σ², (1, C, 1, 1). */
    public Tensor var() {
        return channels(be, st.var);
    }

    /**
     * The gradients for the output's gradient g (B, C, H, W): {gx (B, C, H, W), or null unless
     * {@code needX}; gγ (C); gβ (C)}. Keeps x and the per-channel values, not y.
     */
    public Tensor[] backward(Tensor g, boolean needX) {
        if (!(g.storage() instanceof float[] gs) || !java.util.Arrays.equals(g.shape(), x.shape())) {
            throw new IllegalArgumentException("FusedBatchNorm: gradient " + org.dspn4j.tensor.Shape.str(g.shape())
                    + " does not fit output " + org.dspn4j.tensor.Shape.str(x.shape()));
        }
        float[] gx = needX ? new float[st.b * st.c * st.p] : null;
        float[] gGamma = new float[st.c];
        float[] gBeta = new float[st.c];
        backward(be, gs, (float[]) x.storage(), st, gx, gGamma, gBeta);
        return new Tensor[] {gx == null ? null : new Tensor(be, DType.F32, x.shape(), gx),
            new Tensor(be, DType.F32, new int[] {st.c}, gGamma), new Tensor(be, DType.F32, new int[] {st.c}, gBeta)};
    }

    /** Whether a tensor of this dtype and shape takes the fused path (the composition's sums take their general order). */
    static boolean fuses(DType dtype, int[] shape) {
        return dtype == DType.F32 && shape.length == 4 && shape[0] >= 2 && shape[1] >= 2 && (long) shape[2] * shape[3] >= 2;
    }

    /** start + Σ x[off, off + len) as {@code CpuBackend.sumOf}: four interleaved partial sums, the tail in the first. */
    private static double sumRow(float[] x, int off, int len, double start) {
        double s0 = 0.0;
        double s1 = 0.0;
        double s2 = 0.0;
        double s3 = 0.0;
        int j = 0;
        for (; j + 4 <= len; j += 4) {
            s0 += x[off + j];
            s1 += x[off + j + 1];
            s2 += x[off + j + 2];
            s3 += x[off + j + 3];
        }
        for (; j < len; j++) {
            s0 += x[off + j];
        }
        return start + ((s0 + s1) + (s2 + s3));
    }

    /**
     * start + Σ (x[j] − μ)² over x[off, off + len), each square rounded to float: {@link #sumRow} of the row of
     * squares, without storing it.
     */
    private static double sumSquaresRow(float[] x, int off, int len, float mu, double start) {
        double s0 = 0.0;
        double s1 = 0.0;
        double s2 = 0.0;
        double s3 = 0.0;
        int j = 0;
        for (; j + 4 <= len; j += 4) {
            float d0 = x[off + j] - mu;
            float d1 = x[off + j + 1] - mu;
            float d2 = x[off + j + 2] - mu;
            float d3 = x[off + j + 3] - mu;
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        for (; j < len; j++) {
            float d = x[off + j] - mu;
            s0 += d * d;
        }
        return start + ((s0 + s1) + (s2 + s3));
    }

    /**
     * start + Σ g[j]·(x[j] − μ) over [off, off + len), each product rounded to float: {@link #sumRow} of the row
     * of products, without storing it.
     */
    private static double sumProductsRow(float[] g, float[] x, int off, int len, float mu, double start) {
        double s0 = 0.0;
        double s1 = 0.0;
        double s2 = 0.0;
        double s3 = 0.0;
        int j = 0;
        for (; j + 4 <= len; j += 4) {
            s0 += g[off + j] * (x[off + j] - mu);
            s1 += g[off + j + 1] * (x[off + j + 1] - mu);
            s2 += g[off + j + 2] * (x[off + j + 2] - mu);
            s3 += g[off + j + 3] * (x[off + j + 3] - mu);
        }
        for (; j < len; j++) {
            s0 += g[off + j] * (x[off + j] - mu);
        }
        return start + ((s0 + s1) + (s2 + s3));
    }

    /**
     * gx[j] = (g[j]·s + v) + v with v = gS2·(x[j] − μ) over [off, off + len); returns start + Σ −gx[j] as
     * {@link #sumRow} of the row of −gx would.
     */
    private static double centredGradientRow(float[] g, float[] x, float[] gx, int off, int len, float mu, float s,
                                             float gs2, double start) {
        double s0 = 0.0;
        double s1 = 0.0;
        double s2 = 0.0;
        double s3 = 0.0;
        int j = 0;
        for (; j + 4 <= len; j += 4) {
            float v0 = gs2 * (x[off + j] - mu);
            float v1 = gs2 * (x[off + j + 1] - mu);
            float v2 = gs2 * (x[off + j + 2] - mu);
            float v3 = gs2 * (x[off + j + 3] - mu);
            float e0 = (g[off + j] * s + v0) + v0;
            float e1 = (g[off + j + 1] * s + v1) + v1;
            float e2 = (g[off + j + 2] * s + v2) + v2;
            float e3 = (g[off + j + 3] * s + v3) + v3;
            gx[off + j] = e0;
            gx[off + j + 1] = e1;
            gx[off + j + 2] = e2;
            gx[off + j + 3] = e3;
            s0 += -e0;
            s1 += -e1;
            s2 += -e2;
            s3 += -e3;
        }
        for (; j < len; j++) {
            float v = gs2 * (x[off + j] - mu);
            float e = (g[off + j] * s + v) + v;
            gx[off + j] = e;
            s0 += -e;
        }
        return start + ((s0 + s1) + (s2 + s3));
    }

    /** The result of the forward pass: y, and what the backward reads, per channel. */
    static final class State {
        final int b, c, p;
        final double invN;
        final float[] mu, var, sd, invStd, scale, gamma;
        float[] y;

        State(int b, int c, int p) {
            this.b = b;
            this.c = c;
            this.p = p;
            this.invN = 1.0 / ((long) b * p);
            y = new float[b * c * p];
            mu = new float[c];
            var = new float[c];
            sd = new float[c];
            invStd = new float[c];
            scale = new float[c];
            gamma = new float[c];
        }
    }

    static State forward(CpuBackend be, float[] x, int[] shape, float[] gamma, float[] beta, double eps) {
        int bn = shape[0];
        int cn = shape[1];
        int p = shape[2] * shape[3];
        State st = new State(bn, cn, p);
        be.parallelFor(cn, 1, (from, to) -> {
            for (int c = from; c < to; c++) {
                double s1 = 0.0;
                for (int b = 0; b < bn; b++) {
                    s1 = sumRow(x, (b * cn + c) * p, p, s1);
                }
                float mu = (float) ((double) (float) s1 * st.invN + 0.0);
                double s2 = 0.0;
                for (int b = 0; b < bn; b++) {
                    s2 = sumSquaresRow(x, (b * cn + c) * p, p, mu, s2);
                }
                float var = (float) ((double) (float) s2 * st.invN + 0.0);
                float sd = (float) Math.sqrt((float) ((double) var * 1.0 + eps));
                float r = 1f / sd;
                float s = gamma[c] * r;
                float bc = beta[c];
                for (int b = 0; b < bn; b++) {
                    int o = (b * cn + c) * p;
                    for (int j = 0; j < p; j++) {
                        float t = (x[o + j] - mu) * s;
                        st.y[o + j] = t + bc;
                    }
                }
                st.mu[c] = mu;
                st.var[c] = var;
                st.sd[c] = sd;
                st.invStd[c] = r;
                st.scale[c] = s;
                st.gamma[c] = gamma[c];
            }
        });
        return st;
    }

    /**
     * The gradients for the output gradient g: {gx (B, C, H, W) or null, gγ (C), gβ (C)} into the
     * given arrays ({@code gx} may be null when x needs none).
     */
    static void backward(CpuBackend be, float[] g, float[] x, State st, float[] gx, float[] gGamma, float[] gBeta) {
        int bn = st.b;
        int cn = st.c;
        int p = st.p;
        be.parallelFor(cn, 1, (from, to) -> {
            for (int c = from; c < to; c++) {
                float mu = st.mu[c];
                double sg = 0.0;
                double sgx = 0.0;
                for (int b = 0; b < bn; b++) {
                    int o = (b * cn + c) * p;
                    sg = sumRow(g, o, p, sg);
                    sgx = sumProductsRow(g, x, o, p, mu, sgx);
                }
                float gs = (float) sgx;
                gBeta[c] = (float) sg;
                gGamma[c] = gs * st.invStd[c];
                if (gx == null) {
                    continue;
                }
                float gr = gs * st.gamma[c];
                float gsd = -((gr * st.invStd[c]) / st.sd[c]);
                float gv = (float) ((double) gsd * 0.5 + 0.0) / st.sd[c];
                float gvar = (float) ((double) gv * 1.0 + 0.0);
                float gs2 = (float) ((double) gvar * st.invN + 0.0);
                float s = st.scale[c];
                double sm = 0.0;
                for (int b = 0; b < bn; b++) {
                    sm = centredGradientRow(g, x, gx, (b * cn + c) * p, p, mu, s, gs2, sm);
                }
                float gs1 = (float) ((double) (float) sm * st.invN + 0.0);
                for (int b = 0; b < bn; b++) {
                    int o = (b * cn + c) * p;
                    for (int j = 0; j < p; j++) {
                        gx[o + j] += gs1;
                    }
                }
            }
        });
    }

    /** Wraps the forward's per-channel values as (1, C, 1, 1) tensors. */
    static Tensor channels(CpuBackend be, float[] v) {
        return new Tensor(be, DType.F32, new int[] {1, v.length, 1, 1}, v.clone());
    }
}
