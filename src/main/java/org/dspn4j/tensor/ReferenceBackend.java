package org.dspn4j.tensor;

import org.dspn4j.match.Hungarian;

import java.util.Arrays;

/**
 * <b>The definition of the op set</b>: every op of {@link Backend} as the plainest loop that computes
 * it, in F64 and F32 (and the integer dtypes where an op takes them). No blocking, no threads, no
 * copies into other layouts, no bit tricks: one output element at a time, in row-major order, reading
 * its inputs by index arithmetic. The fast backends ({@code CpuBackend}, {@code ClBackend}) are tied to
 * it by property tests: {@code CpuBackend} gives the same bits on every op, {@code ClBackend} the same
 * bits or, where its Javadoc says so, values within a stated bound.
 *
 * <p>Storage: a {@code double[]} per tensor, row-major, holding values already rounded to the dtype
 * (floats for F32, integers for I32 and I64). Shapes in the Javadoc read e.g. {@code (B, C, N)}.
 *
 * <p>Precision, op by op (what "computes" means below):
 * <ul>
 *   <li>Elementwise ops, sums, scatter-add and the Chamfer costs compute in <b>double</b> and round
 *       the result once to the dtype ({@link DType#round}). For + − × ÷ of two floats that is exactly
 *       the float operation (a double holds the exact result to more than twice float's precision,
 *       so rounding twice cannot differ).</li>
 *   <li>Matrix products and convolutions compute as a float32 library does: each output element is
 *       <b>one fused multiply-add chain in the tensor's own precision</b>, {@code acc = fma(a, b, acc)}
 *       over the reduced index in increasing order, starting from +0 ({@code Math.fma(float, float,
 *       float)} for F32, the double one otherwise).</li>
 *   <li>Index results (argmax, argsort, chamferArgmin, assign, maxPool2dIndices) are I64.</li>
 * </ul>
 *
 * <p>Argument errors are {@link OpChecks}' (the same for every backend).
 */
public final class ReferenceBackend implements Backend {

    @Override
    public String name() {
        return "reference";
    }

    // ================================================================ storage

    /** The values of a tensor of this backend (read only: tensors are immutable). */
    private static double[] v(Tensor t) {
        if (!(t.backend() instanceof ReferenceBackend) || !(t.storage() instanceof double[])) {
            throw new IllegalArgumentException("tensor " + Shape.str(t.shape()) + " lives on backend '"
                    + t.backend().name() + "', not on the reference backend");
        }
        return (double[]) t.storage();
    }

    /** A tensor of {@code dtype} holding {@code values} rounded to it ({@code values} is modified). */
    private Tensor make(double[] values, DType dtype, int[] shape) {
        for (int i = 0; i < values.length; i++) {
            values[i] = dtype.round(values[i]);
        }
        return new Tensor(this, dtype, shape.clone(), values);
    }

    // ================================================================ index arithmetic

    /** The row-major multi-index of flat position {@code flat} in {@code shape}. */
    private static int[] unravel(int flat, int[] shape) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return idx;
    }

    /** The row-major flat position of multi-index {@code idx} in {@code shape}. */
    private static int ravel(int[] idx, int[] shape) {
        int flat = 0;
        for (int d = 0; d < shape.length; d++) {
            flat = flat * shape[d] + idx[d];
        }
        return flat;
    }

    /**
     * The flat position in {@code shape} of the element that numpy broadcasting maps to output
     * multi-index {@code outIdx}: dimensions aligned right, size-1 dimensions read at 0.
     */
    private static int broadcastFlat(int[] outIdx, int[] shape) {
        int off = outIdx.length - shape.length;
        int flat = 0;
        for (int d = 0; d < shape.length; d++) {
            flat = flat * shape[d] + (shape[d] == 1 ? 0 : outIdx[d + off]);
        }
        return flat;
    }

    // ================================================================ creation and transfer

    /** The values rounded to {@code dtype}, row-major. */
    @Override
    public Tensor fromHost(double[] data, DType dtype, int... shape) {
        OpChecks.fromHost(data, shape);
        return make(data.clone(), dtype, shape);
    }

    @Override
    public double[] toHost(Tensor t) {
        return v(t).clone();
    }

    /** {@code f} applied to the values; its result rounded to {@code outDtype} as {@link #fromHost} does. */
    @Override
    public Tensor hostStep(Tensor in, HostFunction f, DType outDtype, int... outShape) {
        double[] out = f.apply(toHost(in));
        OpChecks.hostStepOutput(out, outShape);
        return fromHost(out, outDtype, outShape);
    }

    /** {@code value} rounded to the dtype, everywhere. */
    @Override
    public Tensor full(double value, DType dtype, int... shape) {
        double[] out = new double[Shape.numel(shape)];
        Arrays.fill(out, value);
        return make(out, dtype, shape);
    }

    /** Each value rounded to the new dtype (float to integer truncates toward zero; NaN gives 0). */
    @Override
    public Tensor cast(Tensor a, DType dtype) {
        return make(v(a).clone(), dtype, a.shape());
    }

    // ================================================================ elementwise

    /**
     * {@code out[i] = a[i] op b[i]} with numpy broadcasting (shapes aligned right, size-1 dimensions
     * repeated), computed in double and rounded to the dtype (integer DIV truncates toward zero).
     */
    @Override
    public Tensor binary(Binary op, Tensor a, Tensor b) {
        int[] os = OpChecks.binary(op, a, b);
        double[] x = v(a);
        double[] y = v(b);
        int[] as = a.shape();
        int[] bs = b.shape();
        double[] out = new double[Shape.numel(os)];
        for (int i = 0; i < out.length; i++) {
            int[] idx = unravel(i, os);
            out[i] = binaryOp(op, x[broadcastFlat(idx, as)], y[broadcastFlat(idx, bs)]);
        }
        return make(out, a.dtype(), os);
    }

    private static double binaryOp(Binary op, double x, double y) {
        switch (op) {
            case ADD: return x + y;
            case SUB: return x - y;
            case MUL: return x * y;
            default: return x / y;
        }
    }

    /** {@code out[i] = f(a[i])}, in double, rounded to the dtype; see {@link #unaryOp} for each f. */
    @Override
    public Tensor unary(Unary op, Tensor a) {
        double[] x = v(a);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = unaryOp(op, x[i]);
        }
        return make(out, a.dtype(), a.shape());
    }

    /**
     * One unary op on a double: Java's {@code Math} functions; RELU and STEP test {@code x > 0} (so
     * −0 and NaN give +0); SIGMOID is {@code 1 / (1 + e^−x)} for x ≥ 0 and {@code e^x / (1 + e^x)}
     * below (neither overflows); SIGN is {@link Math#signum}; SMOOTH_L1 is {@code 0.5·x·x} for
     * |x| &lt; 1, else {@code |x| − 0.5}.
     */
    private static double unaryOp(Unary op, double x) {
        switch (op) {
            case NEG: return -x;
            case EXP: return Math.exp(x);
            case LOG: return Math.log(x);
            case SQRT: return Math.sqrt(x);
            case ABS: return Math.abs(x);
            case RELU: return x > 0 ? x : 0.0;
            case SIGMOID: return x >= 0 ? 1.0 / (1.0 + Math.exp(-x)) : Math.exp(x) / (1.0 + Math.exp(x));
            case TANH: return Math.tanh(x);
            case SIGN: return Math.signum(x);
            case STEP: return x > 0 ? 1.0 : 0.0;
            default: return Math.abs(x) < 1.0 ? 0.5 * x * x : Math.abs(x) - 0.5;
        }
    }

    /** {@code a[i]·scale + shift}: a double product, rounded, then a double sum (no fma), rounded to the dtype. */
    @Override
    public Tensor affine(Tensor a, double scale, double shift) {
        double[] x = v(a);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * scale + shift;
        }
        return make(out, a.dtype(), a.shape());
    }

    /** {@code x·x} for p = 2 exactly, else {@link Math#pow}; in double, rounded to the dtype. */
    @Override
    public Tensor pow(Tensor a, double p) {
        double[] x = v(a);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = p == 2.0 ? x[i] * x[i] : Math.pow(x[i], p);
        }
        return make(out, a.dtype(), a.shape());
    }

    /** {@code Math.min(Math.max(a[i], lo), hi)} (NaN stays NaN; −0 and +0 as Java orders them). */
    @Override
    public Tensor clamp(Tensor a, double lo, double hi) {
        double[] x = v(a);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = Math.min(Math.max(x[i], lo), hi);
        }
        return make(out, a.dtype(), a.shape());
    }

    /** 1 where {@code lo ≤ a[i] ≤ hi}, else 0 (NaN gives 0). */
    @Override
    public Tensor inRange(Tensor a, double lo, double hi) {
        double[] x = v(a);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] >= lo && x[i] <= hi ? 1.0 : 0.0;
        }
        return make(out, a.dtype(), a.shape());
    }

    // ================================================================ reductions and ordering

    /**
     * The sum over {@code dims}, in double, rounded once to the dtype; the order of the additions is
     * part of the definition (it decides the last bits):
     *
     * <p>The inputs of one output element are taken in row-major order and added in <i>runs</i> of
     * L consecutive elements, where L is the number of elements of the trailing block of reduced
     * dimensions: the reduced dimensions after the last kept dimension of size &gt; 1 (dimensions of
     * size 1 belong to neither). A run r<sub>0</sub> … r<sub>L−1</sub> is added as four interleaved
     * partial sums s<sub>m</sub> = ((0 + r<sub>m</sub>) + r<sub>m+4</sub>) + …, m = 0 … 3, over its first
     * 4·⌊L/4⌋ elements, the last L mod 4 elements then added to s<sub>0</sub> in order, combined as
     * (s<sub>0</sub> + s<sub>1</sub>) + (s<sub>2</sub> + s<sub>3</sub>); the output is
     * ((0 + run<sub>0</sub>) + run<sub>1</sub>) + …, starting from +0. With L = 1 (the last kept
     * dimension comes after every reduced one) that is the plain sequential sum 0 + x<sub>0</sub> +
     * x<sub>1</sub> + …. A sum over dimensions that all have size 1 is the identity (−0 stays −0); a
     * sum of no elements is +0.
     *
     * <p>E.g. (B, C, N) summed over N: one run of N per output, four chains. Summed over B: L = 1,
     * sequential over b. Summed over B and N: C is kept and comes after B, so L = N: each output adds
     * B runs of N.
     */
    @Override
    public Tensor sum(Tensor a, int[] dims, boolean keepDim) {
        int[] s = a.shape();
        boolean[] reduce = OpChecks.sum(s, dims);
        int[] keep = s.clone();
        int[] redShape = new int[s.length];
        int lastKept = -1;
        boolean adds = false;
        for (int d = 0; d < s.length; d++) {
            keep[d] = reduce[d] ? 1 : s[d];
            redShape[d] = reduce[d] ? s[d] : 1;
            if (!reduce[d] && s[d] > 1) {
                lastKept = d;
            }
            adds |= reduce[d] && s[d] != 1;
        }
        int run = 1;
        for (int d = lastKept + 1; d < s.length; d++) {
            run *= reduce[d] ? s[d] : 1;
        }
        double[] x = v(a);
        int inputs = Shape.numel(redShape);
        double[] out = new double[Shape.numel(keep)];
        for (int o = 0; o < out.length; o++) {
            int[] oIdx = unravel(o, keep);
            if (!adds) {
                out[o] = x[ravel(oIdx, s)];
                continue;
            }
            // the inputs of output o, row-major: the reduced dimensions walk, the kept ones stay at oIdx
            double[] in = new double[inputs];
            for (int r = 0; r < inputs; r++) {
                int[] rIdx = unravel(r, redShape);
                int[] idx = new int[s.length];
                for (int d = 0; d < s.length; d++) {
                    idx[d] = reduce[d] ? rIdx[d] : oIdx[d];
                }
                in[r] = x[ravel(idx, s)];
            }
            double acc = 0.0;
            for (int r0 = 0; r0 < inputs; r0 += run) {
                acc += runSum(in, r0, run);
            }
            out[o] = acc;
        }
        return make(out, a.dtype(), keepDim ? keep : kept(s, reduce));
    }

    /** The sizes of the dimensions not reduced. */
    private static int[] kept(int[] s, boolean[] reduce) {
        int[] out = new int[0];
        for (int d = 0; d < s.length; d++) {
            if (!reduce[d]) {
                out = Arrays.copyOf(out, out.length + 1);
                out[out.length - 1] = s[d];
            }
        }
        return out;
    }

    /**
     * x[from … from+len) as four partial sums from +0 — element j of the first 4·⌊len/4⌋ into chain
     * j mod 4, the last len mod 4 elements into chain 0 — combined as (s0 + s1) + (s2 + s3).
     */
    private static double runSum(double[] x, int from, int len) {
        double[] s = new double[4];
        for (int j = 0; j < len; j++) {
            int chain = j < len - len % 4 ? j % 4 : 0;
            s[chain] += x[from + j];
        }
        return (s[0] + s[1]) + (s[2] + s[3]);
    }

    /**
     * I64 (keepDim shape): the index along {@code dim} of the first maximum; a NaN counts as larger
     * than every number, and the first NaN wins.
     */
    @Override
    public Tensor argmax(Tensor a, int dim) {
        int[] s = a.shape();
        int k = OpChecks.argmax(s, dim);
        int[] os = Shape.with(s, k, 1);
        double[] x = v(a);
        double[] out = new double[Shape.numel(os)];
        for (int o = 0; o < out.length; o++) {
            int[] idx = unravel(o, os);
            int best = 0;
            double bv = x[ravel(idx, s)];
            for (int j = 1; j < s[k]; j++) {
                idx[k] = j;
                double xv = x[ravel(idx, s)];
                if (xv > bv || (Double.isNaN(xv) && !Double.isNaN(bv))) {
                    best = j;
                    bv = xv;
                }
            }
            out[o] = best;
        }
        return make(out, DType.I64, os);
    }

    /**
     * I64 (B, n): for each square cost matrix, the column matched to each row by the exact
     * minimum-cost assignment that {@link Hungarian#assign} computes (shortest augmenting paths in
     * double; its tie rule is the op's, see {@link Backend#assign}). The assignment is an algorithm,
     * not a loop over elements, so its definition is that procedure, written once in {@code match}.
     */
    @Override
    public Tensor assign(Tensor costs) {
        OpChecks.assign(costs);
        int[] s = costs.shape();
        int[] cols = Hungarian.assign(v(costs), s[0], s[1]);
        double[] out = new double[cols.length];
        for (int i = 0; i < cols.length; i++) {
            out[i] = cols[i];
        }
        return make(out, DType.I64, new int[] {s[0], s[1]});
    }

    /**
     * I64 (same shape): for each line along {@code dim}, the indices that sort it, in the order of
     * {@link Double#compare} (−0 before +0, NaN after +∞) or its reverse. <b>Stable</b> in both
     * directions: equal values keep their index order. Written as an insertion sort.
     */
    @Override
    public Tensor argsort(Tensor a, int dim, boolean descending) {
        int[] s = a.shape();
        int k = OpChecks.argsort(s, dim);
        int len = s[k];
        int[] lines = Shape.with(s, k, 1);
        double[] x = v(a);
        double[] out = new double[x.length];
        for (int l = 0; l < Shape.numel(lines); l++) {
            int[] idx = unravel(l, lines);
            double[] vals = new double[len];
            for (int j = 0; j < len; j++) {
                idx[k] = j;
                vals[j] = x[ravel(idx, s)];
            }
            int[] order = new int[len];
            for (int j = 0; j < len; j++) {
                // insert j after every earlier index that does not come after it (stable)
                int p = j;
                while (p > 0 && comesBefore(vals[j], vals[order[p - 1]], descending)) {
                    order[p] = order[p - 1];
                    p--;
                }
                order[p] = j;
            }
            for (int j = 0; j < len; j++) {
                idx[k] = j;
                out[ravel(idx, s)] = order[j];
            }
        }
        return make(out, DType.I64, s);
    }

    /** Whether u sorts strictly before w. */
    private static boolean comesBefore(double u, double w, boolean descending) {
        return descending ? Double.compare(u, w) > 0 : Double.compare(u, w) < 0;
    }

    /**
     * I64 (…, 2, N) for pred and target (…, C, N) (target's leading dimensions broadcast to pred's):
     * with the cost d(i, j) = (Σ_c Huber(pred[…, c, i] − target[…, c, j])) · (1/C), Huber with β = 1
     * ({@code 0.5·v·v} for |v| &lt; 1, else {@code |v| − 0.5}), the sum over c in increasing order from
     * +0, all in double (F32 values widened), row 0 holds argmin_i d(i, j) for each j and row 1
     * argmin_j d(i, j) for each i. Strict "&lt;" from +∞: the first minimum wins, a NaN cost never does
     * (an all-NaN line gives 0).
     */
    @Override
    public Tensor chamferArgmin(Tensor pred, Tensor target) {
        OpChecks.chamferArgmin(pred, target);
        int[] ps = pred.shape();
        int[] ts = target.shape();
        int r = ps.length;
        int c = ps[r - 2];
        int n = ps[r - 1];
        int[] lead = Arrays.copyOf(ps, r - 2);
        int[] tlead = Arrays.copyOf(ts, ts.length - 2);
        double[] p = v(pred);
        double[] y = v(target);
        int[] os = Arrays.copyOf(lead, r);
        os[r - 2] = 2;
        os[r - 1] = n;
        double[] out = new double[Shape.numel(os)];
        for (int s = 0; s < Shape.numel(lead); s++) {
            double[][] d = chamferCosts(p, s * c * n, y, broadcastFlat(unravel(s, lead), tlead) * c * n, c, n);
            for (int j = 0; j < n; j++) { // row 0: the nearest predicted slot of each target slot
                double[] column = new double[n];
                for (int i = 0; i < n; i++) {
                    column[i] = d[i][j];
                }
                out[s * 2 * n + j] = firstMinimum(column);
            }
            for (int i = 0; i < n; i++) { // row 1: the nearest target slot of each predicted slot
                out[s * 2 * n + n + i] = firstMinimum(d[i]);
            }
        }
        return make(out, DType.I64, os);
    }

    /** The index of the first value strictly below all before it, from +∞ (NaN never wins; 0 if none does). */
    private static int firstMinimum(double[] values) {
        int best = 0;
        double bv = Double.POSITIVE_INFINITY;
        for (int i = 0; i < values.length; i++) {
            if (values[i] < bv) {
                best = i;
                bv = values[i];
            }
        }
        return best;
    }

    /**
     * d[i][j] = (Σ_c Huber(pred[c, i] − target[c, j])) · (1/C) for one (C, N) block of each, the sum
     * over c in increasing order from +0, in double.
     */
    private static double[][] chamferCosts(double[] p, int po, double[] y, int yo, int c, int n) {
        double[][] d = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0.0;
                for (int ch = 0; ch < c; ch++) {
                    double diff = p[po + ch * n + i] - y[yo + ch * n + j];
                    sum += Math.abs(diff) < 1.0 ? 0.5 * diff * diff : Math.abs(diff) - 0.5;
                }
                d[i][j] = sum * (1.0 / c); // a product with 1/C, not a division by C (the rounding differs)
            }
        }
        return d;
    }

    // ================================================================ linear algebra

    @Override
    public Tensor matmul(Tensor a, Tensor b) {
        return matmul(a, false, b, false);
    }

    /**
     * (…, M, K)·(…, K, N) → (…, M, N) with the leading dimensions broadcast; a is stored (…, K, M)
     * when {@code transposeA}, b (…, N, K) when {@code transposeB}. Each output element is the chain
     * {@code acc = fma(A(i, t), B(t, j), acc)} for t = 0 … K−1 from +0, in the dtype's precision
     * ({@link #fma}).
     */
    @Override
    public Tensor matmul(Tensor a, boolean transposeA, Tensor b, boolean transposeB) {
        int[] os = OpChecks.matmul(a, transposeA, b, transposeB);
        int[] as = a.shape();
        int[] bs = b.shape();
        int r = os.length;
        int m = os[r - 2];
        int n = os[r - 1];
        int k = transposeA ? as[as.length - 2] : as[as.length - 1];
        int[] batch = Arrays.copyOf(os, r - 2);
        int[] batchA = Arrays.copyOf(as, as.length - 2);
        int[] batchB = Arrays.copyOf(bs, bs.length - 2);
        boolean f32 = a.dtype() == DType.F32;
        double[] x = v(a);
        double[] y = v(b);
        double[] out = new double[Shape.numel(os)];
        for (int p = 0; p < Shape.numel(batch); p++) {
            int[] pIdx = unravel(p, batch);
            int ao = broadcastFlat(pIdx, batchA) * m * k;
            int bo = broadcastFlat(pIdx, batchB) * k * n;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double acc = 0.0;
                    for (int t = 0; t < k; t++) {
                        double ait = x[ao + (transposeA ? t * m + i : i * k + t)];
                        double btj = y[bo + (transposeB ? j * k + t : t * n + j)];
                        acc = fma(ait, btj, acc, f32);
                    }
                    out[(p * m + i) * n + j] = acc;
                }
            }
        }
        return make(out, a.dtype(), os);
    }

    /** {@code a·b + c} rounded once: in float for F32 operands, in double otherwise. */
    private static double fma(double a, double b, double c, boolean f32) {
        return f32 ? Math.fma((float) a, (float) b, (float) c) : Math.fma(a, b, c);
    }

    // ================================================================ shape

    /** The same values in a new shape of equal element count (one −1 is inferred). */
    @Override
    public Tensor reshape(Tensor a, int... shape) {
        int[] s = OpChecks.reshape(a.shape(), shape);
        return new Tensor(this, a.dtype(), s, v(a)); // storage is never written: sharing it is safe
    }

    /** {@code out[i_0, …, i_r] = a[j]} where j's dimension {@code perm[d]} is i_d. */
    @Override
    public Tensor permute(Tensor a, int... perm) {
        int[] s = a.shape();
        int[] os = OpChecks.permute(s, perm);
        double[] x = v(a);
        double[] out = new double[x.length];
        for (int i = 0; i < out.length; i++) {
            int[] oIdx = unravel(i, os);
            int[] idx = new int[s.length];
            for (int d = 0; d < s.length; d++) {
                idx[Math.floorMod(perm[d], s.length)] = oIdx[d];
            }
            out[i] = x[ravel(idx, s)];
        }
        return make(out, a.dtype(), os);
    }

    /** Broadcasts to {@code shape}: {@code out[i] = a[i]} with size-1 (and missing leading) dimensions repeated. */
    @Override
    public Tensor expand(Tensor a, int... shape) {
        int[] s = a.shape();
        OpChecks.expand(s, shape);
        double[] x = v(a);
        double[] out = new double[Shape.numel(shape)];
        for (int i = 0; i < out.length; i++) {
            out[i] = x[broadcastFlat(unravel(i, shape), s)];
        }
        return make(out, a.dtype(), shape);
    }

    /** The parts one after another along {@code dim}. */
    @Override
    public Tensor concat(int dim, Tensor... parts) {
        int k = OpChecks.concat(dim, parts);
        int total = 0;
        for (Tensor p : parts) {
            total += p.size(k);
        }
        int[] os = Shape.with(parts[0].shape(), k, total);
        double[] out = new double[Shape.numel(os)];
        for (int i = 0; i < out.length; i++) {
            int[] idx = unravel(i, os);
            int part = 0;
            while (idx[k] >= parts[part].size(k)) { // find the part holding position idx[k] along dim
                idx[k] -= parts[part].size(k);
                part++;
            }
            out[i] = v(parts[part])[ravel(idx, parts[part].shape())];
        }
        return make(out, parts[0].dtype(), os);
    }

    /** Elements {@code start ≤ i < end} along {@code dim}. */
    @Override
    public Tensor slice(Tensor a, int dim, int start, int end) {
        int[] s = a.shape();
        int k = OpChecks.slice(s, dim, start, end);
        int[] os = Shape.with(s, k, end - start);
        double[] x = v(a);
        double[] out = new double[Shape.numel(os)];
        for (int i = 0; i < out.length; i++) {
            int[] idx = unravel(i, os);
            idx[k] += start;
            out[i] = x[ravel(idx, s)];
        }
        return make(out, a.dtype(), os);
    }

    /** Zeros of size {@code fullSize} along {@code dim}, with a at positions [start, start + a's size). */
    @Override
    public Tensor padSlice(Tensor a, int dim, int start, int fullSize) {
        int[] s = a.shape();
        int k = OpChecks.padSlice(s, dim, start, fullSize);
        int[] os = Shape.with(s, k, fullSize);
        double[] x = v(a);
        double[] out = new double[Shape.numel(os)];
        for (int i = 0; i < x.length; i++) {
            int[] idx = unravel(i, s);
            idx[k] += start;
            out[ravel(idx, os)] = x[i];
        }
        return make(out, a.dtype(), os);
    }

    /**
     * Output of the index's shape: {@code out[i] = a[i with its dim coordinate replaced by index[i]]}.
     * Every index value must lie in [0, a's size along dim) ({@link OpChecks#indexValues}).
     */
    @Override
    public Tensor gather(Tensor a, int dim, Tensor index) {
        int k = OpChecks.gather(a, dim, index);
        int[] s = a.shape();
        int[] is = index.shape();
        double[] ix = v(index);
        OpChecks.indexValues("gather", ix, dim, s[k]);
        double[] x = v(a);
        double[] out = new double[ix.length];
        for (int i = 0; i < out.length; i++) {
            int[] idx = unravel(i, is);
            idx[k] = (int) ix[i];
            out[i] = x[ravel(idx, s)];
        }
        return make(out, a.dtype(), is);
    }

    /**
     * {@code base} plus {@code src} added at {@code index} along {@code dim}: for every position p of
     * the index (src is at least as large; only the index's region of it is read), {@code src[p]} is
     * added to the output at p with its dim coordinate replaced by {@code index[p]}. The additions run
     * over p in row-major order — so each output element receives its contributions in increasing
     * index position along dim — in double, from base's value, and each output is rounded once to
     * the dtype. Every index value must lie in [0, base's size along dim).
     */
    @Override
    public Tensor scatterAdd(Tensor base, int dim, Tensor index, Tensor src) {
        int k = OpChecks.scatterAdd(base, dim, index, src);
        int[] s = base.shape();
        int[] is = index.shape();
        int[] ss = src.shape();
        double[] ix = v(index);
        OpChecks.indexValues("scatterAdd", ix, dim, s[k]);
        double[] y = v(src);
        double[] out = v(base).clone();
        for (int p = 0; p < ix.length; p++) {
            int[] idx = unravel(p, is);
            double value = y[ravel(idx, ss)];
            idx[k] = (int) ix[p];
            out[ravel(idx, s)] += value;
        }
        return make(out, base.dtype(), s);
    }

    // ================================================================ images

    /** x[n, c, iy, ix] of a (B, C, H, W) tensor, 0 outside the image (zero padding). */
    private static double pixel(double[] x, int[] xs, int n, int c, int iy, int ix) {
        if (iy < 0 || iy >= xs[2] || ix < 0 || ix >= xs[3]) {
            return 0.0;
        }
        return x[((n * xs[1] + c) * xs[2] + iy) * xs[3] + ix];
    }

    /**
     * PyTorch's conv2d (a cross-correlation): x (B, Cin, H, W), w (Cout, Cin, kh, kw), bias (Cout) or
     * null → (B, Cout, Ho, Wo), Ho = (H + 2·pad − kh) / stride + 1. Each output element is the chain
     * {@code acc = fma(w[co, c, ky, kx], x[n, c, oy·stride + ky − pad, ox·stride + kx − pad], acc)} over
     * (c, ky, kx) in row-major order from +0, in the dtype's precision; the padding taps are part of
     * the chain with x = 0 (they change nothing unless a weight is ±∞ or NaN). The bias is then added
     * once, in the dtype's precision.
     */
    @Override
    public Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int pad) {
        int[] os = OpChecks.conv2d(x, w, bias, stride, pad);
        int[] xs = x.shape();
        int[] ws = w.shape();
        boolean f32 = x.dtype() == DType.F32;
        double[] xv = v(x);
        double[] wv = v(w);
        double[] bv = bias == null ? null : v(bias);
        double[] out = new double[Shape.numel(os)];
        for (int o = 0; o < out.length; o++) {
            int[] idx = unravel(o, os);
            int n = idx[0];
            int co = idx[1];
            int oy = idx[2];
            int ox = idx[3];
            double acc = 0.0;
            for (int c = 0; c < ws[1]; c++) {
                for (int ky = 0; ky < ws[2]; ky++) {
                    for (int kx = 0; kx < ws[3]; kx++) {
                        double wt = wv[((co * ws[1] + c) * ws[2] + ky) * ws[3] + kx];
                        acc = fma(wt, pixel(xv, xs, n, c, oy * stride + ky - pad, ox * stride + kx - pad), acc, f32);
                    }
                }
            }
            if (bv != null) {
                acc = f32 ? (float) acc + (float) bv[co] : acc + bv[co];
            }
            out[o] = acc;
        }
        return make(out, x.dtype(), os);
    }

    /**
     * The gradient of conv2d with respect to x (a transposed convolution), gy (B, Cout, Ho, Wo) and
     * w (Cout, Cin, kh, kw) → (B, Cin, H, W). Each tap (ky, kx) of an input pixel (iy, ix) that some
     * output (oy, ox) reads — iy = oy·stride + ky − pad, ix = ox·stride + kx − pad — contributes the
     * chain {@code t = fma(w[co, c, ky, kx], gy[n, co, oy, ox], t)} over co in increasing order from +0;
     * the pixel is the sum of its taps in (ky, kx) row-major order from +0, each addition rounded to
     * the dtype.
     */
    @Override
    public Tensor conv2dBackwardInput(Tensor gy, Tensor w, int[] xShape, int stride, int pad) {
        OpChecks.conv2dBackwardInput(gy, w, xShape, stride, pad);
        int[] ws = w.shape();
        int[] gs = gy.shape();
        boolean f32 = gy.dtype() == DType.F32;
        double[] g = v(gy);
        double[] wv = v(w);
        double[] out = new double[Shape.numel(xShape)];
        for (int o = 0; o < out.length; o++) {
            int[] idx = unravel(o, xShape);
            int n = idx[0];
            int c = idx[1];
            double pixel = 0.0;
            for (int ky = 0; ky < ws[2]; ky++) {
                for (int kx = 0; kx < ws[3]; kx++) {
                    int sy = idx[2] + pad - ky; // = oy·stride
                    int sx = idx[3] + pad - kx;
                    if (sy < 0 || sx < 0 || sy % stride != 0 || sx % stride != 0 || sy / stride >= gs[2] || sx / stride >= gs[3]) {
                        continue; // no output reads x[iy, ix] through this tap
                    }
                    int oy = sy / stride;
                    int ox = sx / stride;
                    double tap = 0.0;
                    for (int co = 0; co < ws[0]; co++) {
                        double wt = wv[((co * ws[1] + c) * ws[2] + ky) * ws[3] + kx];
                        tap = fma(wt, g[((n * ws[0] + co) * gs[2] + oy) * gs[3] + ox], tap, f32);
                    }
                    pixel = f32 ? (float) pixel + (float) tap : pixel + tap;
                }
            }
            out[o] = pixel;
        }
        return make(out, gy.dtype(), xShape);
    }

    /**
     * The gradient of conv2d with respect to w: x (B, Cin, H, W) and gy (B, Cout, Ho, Wo) →
     * (Cout, Cin, kh, kw). Each element is the chain
     * {@code acc = fma(gy[n, co, oy, ox], x[n, c, oy·stride + ky − pad, ox·stride + kx − pad], acc)} over
     * (n, oy, ox) in row-major order from +0, in the dtype's precision, padding taps included with x = 0.
     */
    @Override
    public Tensor conv2dBackwardWeight(Tensor x, Tensor gy, int[] wShape, int stride, int pad) {
        OpChecks.conv2dBackwardWeight(x, gy, wShape, stride, pad);
        int[] xs = x.shape();
        int[] gs = gy.shape();
        boolean f32 = x.dtype() == DType.F32;
        double[] xv = v(x);
        double[] g = v(gy);
        double[] out = new double[Shape.numel(wShape)];
        for (int o = 0; o < out.length; o++) {
            int[] idx = unravel(o, wShape);
            int co = idx[0];
            int c = idx[1];
            int ky = idx[2];
            int kx = idx[3];
            double acc = 0.0;
            for (int n = 0; n < gs[0]; n++) {
                for (int oy = 0; oy < gs[2]; oy++) {
                    for (int ox = 0; ox < gs[3]; ox++) {
                        double gv = g[((n * gs[1] + co) * gs[2] + oy) * gs[3] + ox];
                        acc = fma(gv, pixel(xv, xs, n, c, oy * stride + ky - pad, ox * stride + kx - pad), acc, f32);
                    }
                }
            }
            out[o] = acc;
        }
        return make(out, x.dtype(), wShape);
    }

    /**
     * I64 (B, C, Ho, Wo): for each k×k window (top-left at oy·stride − pad, ox·stride − pad) the
     * position iy·W + ix in its (H, W) plane of the maximum, the window read in row-major order,
     * padding positions skipped: the first maximum wins ties, and a NaN wins over every number (the
     * last NaN over earlier ones), as PyTorch's max-pooling.
     */
    @Override
    public Tensor maxPool2dIndices(Tensor x, int k, int stride, int pad) {
        int[] os = OpChecks.maxPool2d(x.shape(), k, stride, pad);
        int[] xs = x.shape();
        double[] xv = v(x);
        double[] out = new double[Shape.numel(os)];
        for (int o = 0; o < out.length; o++) {
            int[] idx = unravel(o, os);
            int best = -1;
            double bv = Double.NEGATIVE_INFINITY;
            for (int ky = 0; ky < k; ky++) {
                for (int kx = 0; kx < k; kx++) {
                    int iy = idx[2] * stride + ky - pad;
                    int ix = idx[3] * stride + kx - pad;
                    if (iy < 0 || iy >= xs[2] || ix < 0 || ix >= xs[3]) {
                        continue;
                    }
                    double xv1 = xv[((idx[0] * xs[1] + idx[1]) * xs[2] + iy) * xs[3] + ix];
                    if (best < 0 || xv1 > bv || Double.isNaN(xv1)) {
                        best = iy * xs[3] + ix;
                        bv = xv1;
                    }
                }
            }
            out[o] = best;
        }
        return make(out, DType.I64, os);
    }
}
