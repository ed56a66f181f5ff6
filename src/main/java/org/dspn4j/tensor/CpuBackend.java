package org.dspn4j.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutionException;

/**
 * The reference backend: plain Java loops over {@code double[]} storage, row-major.
 *
 * <p>Precision: every op computes in double. An F32 result is rounded to float when it is stored,
 * so F32 tensors always hold float values (sums and products accumulate in double, which is at
 * least as accurate as a float32 library). Integer tensors hold exact integers.
 *
 * <p>Determinism: the same inputs give the same bits whatever the thread count. Work is split only
 * over independent output elements (rows of a matrix product, output channels of a convolution),
 * never inside one sum, so every reduction runs in one fixed order.
 */
public final class CpuBackend implements Backend, AutoCloseable {
    private final int threads;
    private final ForkJoinPool pool;

    /** A backend using all available processors. */
    public CpuBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /** A backend using {@code threads} worker threads (1 = run on the caller's thread). */
    public CpuBackend(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.pool = threads > 1 ? new ForkJoinPool(threads) : null;
    }

    @Override
    public String name() {
        return "cpu";
    }

    /** Worker threads. */
    public int threads() {
        return threads;
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdown();
        }
    }

    // ================================================================ storage helpers

    private static double[] d(Tensor t) {
        Object s = t.storage();
        if (!(s instanceof double[])) {
            throw new IllegalArgumentException("tensor " + Shape.str(t.shape()) + " lives on backend '"
                    + t.backend().name() + "', not on the CPU backend");
        }
        return (double[]) s;
    }

    private Tensor make(double[] data, DType dtype, int[] shape) {
        if (dtype == DType.F32) {
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) data[i];
            }
        } else if (dtype != DType.F64) {
            for (int i = 0; i < data.length; i++) {
                data[i] = dtype.round(data[i]);
            }
        }
        return new Tensor(this, dtype, shape, data);
    }

    private static DType floating(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(op + ": dtypes differ: " + a.dtype() + " and " + b.dtype());
        }
        return a.dtype();
    }

    private static DType requireIndex(String op, Tensor index) {
        if (index.dtype() != DType.I32 && index.dtype() != DType.I64) {
            throw new IllegalArgumentException(op + ": index must be I32 or I64, got " + index.dtype());
        }
        return index.dtype();
    }

    /** Runs body(from, to) over [0, n) in chunks of fixed size; chunk boundaries never depend on timing. */
    void parallelFor(int n, int grain, RangeBody body) {
        if (pool == null || n <= grain) {
            body.run(0, n);
            return;
        }
        List<Future<?>> fs = new ArrayList<>();
        for (int from = 0; from < n; from += grain) {
            int lo = from;
            int hi = Math.min(n, from + grain);
            fs.add(pool.submit(() -> body.run(lo, hi)));
        }
        for (Future<?> f : fs) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof RuntimeException) {
                    throw (RuntimeException) c;
                }
                throw new IllegalStateException(c);
            }
        }
    }

    /** A loop over [from, to). */
    interface RangeBody {
        void run(int from, int to);
    }

    private int grainFor(int n) {
        return Math.max(1, (n + threads * 4 - 1) / (threads * 4));
    }

    // ================================================================ creation and transfer

    @Override
    public Tensor fromHost(double[] data, DType dtype, int... shape) {
        if (data.length != Shape.numel(shape)) {
            throw new IllegalArgumentException("fromHost: " + data.length + " values do not fill shape " + Shape.str(shape));
        }
        return make(data.clone(), dtype, shape);
    }

    @Override
    public double[] toHost(Tensor t) {
        return d(t).clone();
    }

    @Override
    public Tensor full(double value, DType dtype, int... shape) {
        double[] out = new double[Shape.numel(shape)];
        Arrays.fill(out, dtype.round(value));
        return new Tensor(this, dtype, shape, out);
    }

    @Override
    public Tensor cast(Tensor a, DType dtype) {
        return make(d(a).clone(), dtype, a.shape());
    }

    // ================================================================ elementwise

    /** Strides of {@code shape} aligned to {@code out}, 0 where broadcast. */
    private static int[] broadcastStrides(int[] shape, int[] out) {
        int[] st = Shape.strides(shape);
        int[] r = new int[out.length];
        int off = out.length - shape.length;
        for (int i = 0; i < shape.length; i++) {
            r[i + off] = shape[i] == 1 ? 0 : st[i];
        }
        return r;
    }

    @Override
    public Tensor binary(Binary op, Tensor a, Tensor b) {
        DType dt = floating(op.name().toLowerCase(), a, b);
        int[] as = a.shape();
        int[] bs = b.shape();
        int[] os = Shape.broadcast(op.name().toLowerCase(), as, bs);
        double[] x = d(a);
        double[] y = d(b);
        int n = Shape.numel(os);
        double[] out = new double[n];
        if (n == 0) {
            return make(out, dt, os);
        }
        int[] sa = broadcastStrides(as, os);
        int[] sb = broadcastStrides(bs, os);
        int rank = os.length;
        int inner = rank == 0 ? 1 : os[rank - 1];
        int ia = rank == 0 ? 0 : sa[rank - 1];
        int ib = rank == 0 ? 0 : sb[rank - 1];
        int[] idx = new int[Math.max(rank - 1, 0)];
        int offA = 0;
        int offB = 0;
        for (int o = 0; o < n; o += inner) {
            int pa = offA;
            int pb = offB;
            switch (op) {
                case ADD:
                    for (int j = 0; j < inner; j++, pa += ia, pb += ib) {
                        out[o + j] = x[pa] + y[pb];
                    }
                    break;
                case SUB:
                    for (int j = 0; j < inner; j++, pa += ia, pb += ib) {
                        out[o + j] = x[pa] - y[pb];
                    }
                    break;
                case MUL:
                    for (int j = 0; j < inner; j++, pa += ia, pb += ib) {
                        out[o + j] = x[pa] * y[pb];
                    }
                    break;
                default:
                    for (int j = 0; j < inner; j++, pa += ia, pb += ib) {
                        out[o + j] = x[pa] / y[pb];
                    }
            }
            // advance the odometer over the outer dimensions
            for (int k = rank - 2; k >= 0; k--) {
                idx[k]++;
                offA += sa[k];
                offB += sb[k];
                if (idx[k] < os[k]) {
                    break;
                }
                offA -= sa[k] * os[k];
                offB -= sb[k] * os[k];
                idx[k] = 0;
            }
        }
        return make(out, dt, os);
    }

    @Override
    public Tensor unary(Unary op, Tensor a) {
        double[] x = d(a);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = apply(op, x[i]);
        }
        return make(out, a.dtype(), a.shape());
    }

    private static double apply(Unary op, double v) {
        switch (op) {
            case NEG: return -v;
            case EXP: return Math.exp(v);
            case LOG: return Math.log(v);
            case SQRT: return Math.sqrt(v);
            case ABS: return Math.abs(v);
            case RELU: return v > 0 ? v : 0.0;
            case SIGMOID: return v >= 0 ? 1.0 / (1.0 + Math.exp(-v)) : Math.exp(v) / (1.0 + Math.exp(v));
            case TANH: return Math.tanh(v);
            case SIGN: return Math.signum(v);
            case STEP: return v > 0 ? 1.0 : 0.0;
            case SMOOTH_L1: {
                double r = Math.abs(v);
                return r < 1.0 ? 0.5 * v * v : r - 0.5;
            }
            default: throw new IllegalArgumentException("unknown unary op " + op);
        }
    }

    @Override
    public Tensor affine(Tensor a, double scale, double shift) {
        double[] x = d(a);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * scale + shift;
        }
        return make(out, a.dtype(), a.shape());
    }

    @Override
    public Tensor pow(Tensor a, double p) {
        double[] x = d(a);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = p == 2.0 ? x[i] * x[i] : Math.pow(x[i], p);
        }
        return make(out, a.dtype(), a.shape());
    }

    @Override
    public Tensor clamp(Tensor a, double lo, double hi) {
        double[] x = d(a);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = Math.min(Math.max(x[i], lo), hi);
        }
        return make(out, a.dtype(), a.shape());
    }

    @Override
    public Tensor inRange(Tensor a, double lo, double hi) {
        double[] x = d(a);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] >= lo && x[i] <= hi ? 1.0 : 0.0;
        }
        return make(out, a.dtype(), a.shape());
    }

    // ================================================================ reductions and ordering

    @Override
    public Tensor sum(Tensor a, int[] dims, boolean keepDim) {
        int[] s = a.shape();
        boolean[] reduce = new boolean[s.length];
        for (int dim : dims) {
            int k = Shape.dim("sum", dim, s.length);
            if (reduce[k]) {
                throw new IllegalArgumentException("sum: dimension " + dim + " repeated");
            }
            reduce[k] = true;
        }
        int[] keep = s.clone();
        for (int i = 0; i < s.length; i++) {
            if (reduce[i]) {
                keep[i] = 1;
            }
        }
        double[] x = d(a);
        double[] out = new double[Shape.numel(keep)];
        int first = -1;
        int last = -1;
        for (int i = 0; i < s.length; i++) {
            if (reduce[i] && s[i] != 1) {
                first = first < 0 ? i : first;
                last = i;
            }
        }
        boolean contiguous = first >= 0;
        for (int i = first + 1; contiguous && i < last; i++) {
            contiguous = reduce[i] || s[i] == 1;
        }
        if (contiguous) {
            // (outer, r, inner) layout: sum r blocks of length inner, in order
            int outer = Shape.numel(Arrays.copyOfRange(s, 0, first));
            int r = Shape.numel(Arrays.copyOfRange(s, first, last + 1));
            int inner = Shape.numel(Arrays.copyOfRange(s, last + 1, s.length));
            for (int o = 0; o < outer; o++) {
                int oo = o * inner;
                for (int q = 0; q < r; q++) {
                    int xo = (o * r + q) * inner;
                    for (int j = 0; j < inner; j++) {
                        out[oo + j] += x[xo + j];
                    }
                }
            }
            return make(out, a.dtype(), reducedShape(s, reduce, keep, keepDim));
        }
        int[] os = Shape.strides(keep);
        for (int i = 0; i < s.length; i++) {
            if (reduce[i]) {
                os[i] = 0;
            }
        }
        int rank = s.length;
        int[] idx = new int[rank];
        int off = 0;
        for (int i = 0; i < x.length; i++) {
            out[off] += x[i];
            for (int k = rank - 1; k >= 0; k--) {
                idx[k]++;
                off += os[k];
                if (idx[k] < s[k]) {
                    break;
                }
                off -= os[k] * s[k];
                idx[k] = 0;
            }
        }
        return make(out, a.dtype(), reducedShape(s, reduce, keep, keepDim));
    }

    private static int[] reducedShape(int[] s, boolean[] reduce, int[] keep, boolean keepDim) {
        if (keepDim) {
            return keep;
        }
        int m = 0;
        for (boolean r : reduce) {
            m += r ? 0 : 1;
        }
        int[] shape = new int[m];
        for (int i = 0, j = 0; i < s.length; i++) {
            if (!reduce[i]) {
                shape[j++] = s[i];
            }
        }
        return shape;
    }

    @Override
    public Tensor argmax(Tensor a, int dim) {
        int[] s = a.shape();
        int k = Shape.dim("argmax", dim, s.length);
        int len = s[k];
        int inner = Shape.numel(Arrays.copyOfRange(s, k + 1, s.length));
        int outer = Shape.numel(Arrays.copyOfRange(s, 0, k));
        double[] x = d(a);
        double[] out = new double[outer * inner];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * len * inner + i;
                int best = 0;
                double bv = x[base];
                for (int j = 1; j < len; j++) {
                    double v = x[base + j * inner];
                    if (v > bv || (Double.isNaN(v) && !Double.isNaN(bv))) {
                        bv = v;
                        best = j;
                    }
                }
                out[o * inner + i] = best;
            }
        }
        return new Tensor(this, DType.I64, Shape.with(s, k, 1), out);
    }

    @Override
    public Tensor argsort(Tensor a, int dim, boolean descending) {
        int[] s = a.shape();
        int k = Shape.dim("argsort", dim, s.length);
        int len = s[k];
        int inner = Shape.numel(Arrays.copyOfRange(s, k + 1, s.length));
        int outer = Shape.numel(Arrays.copyOfRange(s, 0, k));
        double[] x = d(a);
        double[] out = new double[x.length];
        parallelFor(outer * inner, grainFor(outer * inner), (from, to) -> {
            Integer[] order = new Integer[len];
            double[] vals = new double[len];
            for (int r = from; r < to; r++) {
                int o = r / inner;
                int i = r % inner;
                int base = o * len * inner + i;
                for (int j = 0; j < len; j++) {
                    order[j] = j;
                    vals[j] = x[base + j * inner];
                }
                // Arrays.sort on objects is a stable merge sort: ties keep index order.
                if (descending) {
                    Arrays.sort(order, (p, q) -> Double.compare(vals[q], vals[p]));
                } else {
                    Arrays.sort(order, (p, q) -> Double.compare(vals[p], vals[q]));
                }
                for (int j = 0; j < len; j++) {
                    out[base + j * inner] = order[j];
                }
            }
        });
        return new Tensor(this, DType.I64, s, out);
    }

    @Override
    public Tensor chamferArgmin(Tensor pred, Tensor target) {
        floating("chamferArgmin", pred, target);
        int[] ps = pred.shape();
        int[] ts = target.shape();
        int r = ps.length;
        if (r < 2 || ts.length < 2 || ps[r - 2] != ts[ts.length - 2] || ps[r - 1] != ts[ts.length - 1]) {
            throw new IllegalArgumentException("chamferArgmin: pred " + Shape.str(ps) + " and target " + Shape.str(ts)
                    + " need the same (C, N) in their last two dimensions");
        }
        int c = ps[r - 2];
        int n = ps[r - 1];
        int[] lead = Arrays.copyOf(ps, r - 2);
        int[] tlead = Arrays.copyOf(ts, ts.length - 2);
        int[] bl = Shape.broadcast("chamferArgmin", lead, tlead);
        if (!Shape.same(bl, lead)) {
            throw new IllegalArgumentException("chamferArgmin: target " + Shape.str(ts) + " must broadcast to pred " + Shape.str(ps));
        }
        int m = Shape.numel(lead);
        int[] tst = broadcastStrides(tlead, lead);
        int[] lst = Shape.strides(lead);
        double[] p = d(pred);
        double[] y = d(target);
        double[] out = new double[m * 2 * n];
        double invC = 1.0 / c;
        parallelFor(m, 1, (from, to) -> {
            double[] rowMin = new double[n];
            double[] colMin = new double[n];
            double[] diffCol = new double[c];
            for (int s = from; s < to; s++) {
                int rem = s;
                int to0 = 0;
                for (int q = 0; q < lead.length; q++) {
                    int iq = rem / lst[q];
                    rem %= lst[q];
                    to0 += iq * tst[q];
                }
                int po = s * c * n;
                int yo = to0 * c * n;
                int oo = s * 2 * n;
                Arrays.fill(rowMin, Double.POSITIVE_INFINITY);
                Arrays.fill(colMin, Double.POSITIVE_INFINITY);
                for (int i = 0; i < n; i++) {
                    for (int k = 0; k < c; k++) {
                        diffCol[k] = p[po + k * n + i];
                    }
                    for (int j = 0; j < n; j++) {
                        double sum = 0.0;
                        for (int k = 0; k < c; k++) {
                            double v = diffCol[k] - y[yo + k * n + j];
                            double a = Math.abs(v);
                            sum += a < 1.0 ? 0.5 * v * v : a - 0.5;
                        }
                        double dij = sum * invC;
                        if (dij < colMin[j]) { // strict: the first i wins ties
                            colMin[j] = dij;
                            out[oo + j] = i;
                        }
                        if (dij < rowMin[i]) { // strict: the first j wins ties
                            rowMin[i] = dij;
                            out[oo + n + i] = j;
                        }
                    }
                }
            }
        });
        int[] os = Arrays.copyOf(lead, lead.length + 2);
        os[lead.length] = 2;
        os[lead.length + 1] = n;
        return new Tensor(this, DType.I64, os, out);
    }

    // ================================================================ linear algebra

    @Override
    public Tensor matmul(Tensor a, Tensor b) {
        DType dt = floating("matmul", a, b);
        int[] as = a.shape();
        int[] bs = b.shape();
        if (as.length < 2 || bs.length < 2) {
            throw new IllegalArgumentException("matmul: needs rank >= 2, got " + Shape.str(as) + " and " + Shape.str(bs));
        }
        int m = as[as.length - 2];
        int k = as[as.length - 1];
        int n = bs[bs.length - 1];
        if (bs[bs.length - 2] != k) {
            throw new IllegalArgumentException("matmul: inner dimensions differ: " + Shape.str(as) + " and " + Shape.str(bs));
        }
        int[] batchA = Arrays.copyOf(as, as.length - 2);
        int[] batchB = Arrays.copyOf(bs, bs.length - 2);
        int[] batch = Shape.broadcast("matmul", batchA, batchB);
        int nb = Shape.numel(batch);
        int[] sa = broadcastStrides(batchA, batch);
        int[] sb = broadcastStrides(batchB, batch);
        int[] bst = Shape.strides(batch);
        int[] offA = new int[nb];
        int[] offB = new int[nb];
        for (int p = 0; p < nb; p++) {
            int rem = p;
            int oa = 0;
            int ob = 0;
            for (int q = 0; q < batch.length; q++) {
                int iq = rem / bst[q];
                rem %= bst[q];
                oa += iq * sa[q];
                ob += iq * sb[q];
            }
            offA[p] = oa * m * k;
            offB[p] = ob * k * n;
        }
        double[] x = d(a);
        double[] y = d(b);
        double[] out = new double[nb * m * n];
        int grain = Math.max(4, (Math.min(grainFor(m), 64) + 3) / 4 * 4); // whole blocks of four rows
        int chunks = (m + grain - 1) / grain;
        if (dt == DType.F32) {
            // float arithmetic, as a float32 library computes it; operands are floats already
            float[] xf = toFloats(x);
            float[] yf = toFloats(y);
            float[] of = new float[out.length];
            parallelFor(nb * chunks, 1, (from, to) -> {
                for (int q = from; q < to; q++) {
                    int p = q / chunks;
                    int lo = (q % chunks) * grain;
                    Gemm.f32(xf, offA[p], yf, offB[p], of, p * m * n, k, n, lo, Math.min(m, lo + grain));
                }
            });
            for (int i = 0; i < out.length; i++) {
                out[i] = of[i];
            }
        } else {
            parallelFor(nb * chunks, 1, (from, to) -> {
                for (int q = from; q < to; q++) {
                    int p = q / chunks;
                    int lo = (q % chunks) * grain;
                    Gemm.f64(x, offA[p], y, offB[p], out, p * m * n, k, n, lo, Math.min(m, lo + grain));
                }
            });
        }
        int[] os = Arrays.copyOf(batch, batch.length + 2);
        os[batch.length] = m;
        os[batch.length + 1] = n;
        return make(out, dt, os);
    }

    private static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    // ================================================================ shape

    @Override
    public Tensor reshape(Tensor a, int... shape) {
        int[] s = shape.clone();
        int infer = -1;
        int known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("reshape: more than one -1 in " + Shape.str(shape));
                }
                infer = i;
            } else {
                known *= s[i];
            }
        }
        if (infer >= 0) {
            s[infer] = known == 0 ? 0 : a.numel() / known;
        }
        if (Shape.numel(s) != a.numel()) {
            throw new IllegalArgumentException("reshape: cannot view " + Shape.str(a.shape()) + " as " + Shape.str(shape));
        }
        // Storage is never written after creation, so sharing it is safe.
        return new Tensor(this, a.dtype(), s, d(a));
    }

    @Override
    public Tensor permute(Tensor a, int... perm) {
        int[] s = a.shape();
        if (perm.length != s.length) {
            throw new IllegalArgumentException("permute: " + Arrays.toString(perm) + " does not fit shape " + Shape.str(s));
        }
        boolean[] seen = new boolean[s.length];
        int[] os = new int[s.length];
        int[] st = Shape.strides(s);
        int[] src = new int[s.length];
        for (int i = 0; i < perm.length; i++) {
            int p = Shape.dim("permute", perm[i], s.length);
            if (seen[p]) {
                throw new IllegalArgumentException("permute: " + Arrays.toString(perm) + " repeats a dimension");
            }
            seen[p] = true;
            os[i] = s[p];
            src[i] = st[p];
        }
        return new Tensor(this, a.dtype(), os, gatherStrided(d(a), os, src, 0));
    }

    /** Reads {@code x} with the given strides/offset into a fresh row-major array of shape {@code os}. */
    private static double[] gatherStrided(double[] x, int[] os, int[] strides, int offset) {
        int n = Shape.numel(os);
        double[] out = new double[n];
        int rank = os.length;
        if (n == 0) {
            return out;
        }
        int[] idx = new int[rank];
        int off = offset;
        for (int i = 0; i < n; i++) {
            out[i] = x[off];
            for (int k = rank - 1; k >= 0; k--) {
                idx[k]++;
                off += strides[k];
                if (idx[k] < os[k]) {
                    break;
                }
                off -= strides[k] * os[k];
                idx[k] = 0;
            }
        }
        return out;
    }

    @Override
    public Tensor expand(Tensor a, int... shape) {
        int[] s = a.shape();
        if (shape.length < s.length) {
            throw new IllegalArgumentException("expand: cannot expand " + Shape.str(s) + " to " + Shape.str(shape));
        }
        int off = shape.length - s.length;
        for (int i = 0; i < s.length; i++) {
            if (s[i] != 1 && s[i] != shape[i + off]) {
                throw new IllegalArgumentException("expand: cannot expand " + Shape.str(s) + " to " + Shape.str(shape));
            }
        }
        return new Tensor(this, a.dtype(), shape, gatherStrided(d(a), shape, broadcastStrides(s, shape), 0));
    }

    @Override
    public Tensor concat(int dim, Tensor... parts) {
        if (parts.length == 0) {
            throw new IllegalArgumentException("concat: no tensors");
        }
        int[] s0 = parts[0].shape();
        int k = Shape.dim("concat", dim, s0.length);
        int total = 0;
        for (Tensor p : parts) {
            int[] s = p.shape();
            boolean ok = s.length == s0.length && p.dtype() == parts[0].dtype();
            for (int i = 0; ok && i < s.length; i++) {
                ok = i == k || s[i] == s0[i];
            }
            if (!ok) {
                throw new IllegalArgumentException("concat: " + Shape.str(s0) + " " + parts[0].dtype() + " and "
                        + Shape.str(s) + " " + p.dtype() + " do not fit along dimension " + dim);
            }
            total += s[k];
        }
        int[] os = Shape.with(s0, k, total);
        int outer = Shape.numel(Arrays.copyOfRange(s0, 0, k));
        int inner = Shape.numel(Arrays.copyOfRange(s0, k + 1, s0.length));
        double[] out = new double[Shape.numel(os)];
        int at = 0;
        for (Tensor p : parts) {
            int len = p.size(k) * inner;
            double[] x = d(p);
            for (int o = 0; o < outer; o++) {
                System.arraycopy(x, o * len, out, o * total * inner + at, len);
            }
            at += len;
        }
        return new Tensor(this, parts[0].dtype(), os, out);
    }

    @Override
    public Tensor slice(Tensor a, int dim, int start, int end) {
        int[] s = a.shape();
        int k = Shape.dim("slice", dim, s.length);
        if (start < 0 || end > s[k] || start > end) {
            throw new IllegalArgumentException("slice: [" + start + ", " + end + ") out of range for dimension "
                    + dim + " of " + Shape.str(s));
        }
        int[] os = Shape.with(s, k, end - start);
        return new Tensor(this, a.dtype(), os, gatherStrided(d(a), os, Shape.strides(s), start * Shape.strides(s)[k]));
    }

    @Override
    public Tensor padSlice(Tensor a, int dim, int start, int fullSize) {
        int[] s = a.shape();
        int k = Shape.dim("padSlice", dim, s.length);
        if (start < 0 || start + s[k] > fullSize) {
            throw new IllegalArgumentException("padSlice: " + s[k] + " elements at " + start + " exceed size " + fullSize);
        }
        int[] os = Shape.with(s, k, fullSize);
        int outer = Shape.numel(Arrays.copyOfRange(s, 0, k));
        int inner = Shape.numel(Arrays.copyOfRange(s, k + 1, s.length));
        double[] x = d(a);
        double[] out = new double[Shape.numel(os)];
        int len = s[k] * inner;
        for (int o = 0; o < outer; o++) {
            System.arraycopy(x, o * len, out, o * fullSize * inner + start * inner, len);
        }
        return new Tensor(this, a.dtype(), os, out);
    }

    /** Checks gather/scatter index shapes: same rank, every non-{@code dim} size ≤ the data's. */
    private static void checkIndex(String op, int[] data, int[] index, int k) {
        boolean ok = data.length == index.length;
        for (int i = 0; ok && i < data.length; i++) {
            ok = i == k || index[i] <= data[i];
        }
        if (!ok) {
            throw new IllegalArgumentException(op + ": index shape " + Shape.str(index) + " does not fit data shape "
                    + Shape.str(data) + " along dimension " + k);
        }
    }

    @Override
    public Tensor gather(Tensor a, int dim, Tensor index) {
        requireIndex("gather", index);
        int[] s = a.shape();
        int[] is = index.shape();
        int k = Shape.dim("gather", dim, s.length);
        checkIndex("gather", s, is, k);
        double[] x = d(a);
        double[] ix = d(index);
        double[] out = new double[ix.length];
        int[] st = Shape.strides(s);
        forEachIndexed(is, k, st, (i, base, j) -> {
            int v = (int) ix[i];
            if (v < 0 || v >= s[k]) {
                throw new IndexOutOfBoundsException("gather: index " + v + " out of range for dimension " + dim + " of size " + s[k]);
            }
            out[i] = x[base + v * st[k]];
        });
        return make(out, a.dtype(), is);
    }

    @Override
    public Tensor scatterAdd(Tensor base, int dim, Tensor index, Tensor src) {
        requireIndex("scatterAdd", index);
        int[] s = base.shape();
        int[] is = index.shape();
        int k = Shape.dim("scatterAdd", dim, s.length);
        checkIndex("scatterAdd", s, is, k);
        checkIndex("scatterAdd", src.shape(), is, k);
        if (src.dtype() != base.dtype()) {
            throw new IllegalArgumentException("scatterAdd: dtypes differ: " + base.dtype() + " and " + src.dtype());
        }
        double[] out = d(base).clone();
        double[] ix = d(index);
        double[] y = d(src);
        int[] st = Shape.strides(s);
        int[] ss = Shape.strides(src.shape());
        int[] is2 = Shape.strides(is);
        forEachIndexed(is, k, st, (i, b0, j) -> {
            int v = (int) ix[i];
            if (v < 0 || v >= s[k]) {
                throw new IndexOutOfBoundsException("scatterAdd: index " + v + " out of range for dimension " + dim + " of size " + s[k]);
            }
            // position of element i in src: same multi-index as in index
            int rem = i;
            int so = 0;
            for (int q = 0; q < is.length; q++) {
                int iq = rem / is2[q];
                rem %= is2[q];
                so += iq * ss[q];
            }
            out[b0 + v * st[k]] += y[so];
        });
        return make(out, base.dtype(), s);
    }

    /** Visits every element i of an index tensor; {@code base} is its data offset with dim k zeroed. */
    private static void forEachIndexed(int[] is, int k, int[] dataStrides, IndexVisitor v) {
        int n = Shape.numel(is);
        int rank = is.length;
        int[] idx = new int[rank];
        int base = 0;
        for (int i = 0; i < n; i++) {
            v.visit(i, base, idx[k]);
            for (int q = rank - 1; q >= 0; q--) {
                idx[q]++;
                if (q != k) {
                    base += dataStrides[q];
                }
                if (idx[q] < is[q]) {
                    break;
                }
                if (q != k) {
                    base -= dataStrides[q] * is[q];
                }
                idx[q] = 0;
            }
        }
    }

    private interface IndexVisitor {
        void visit(int i, int base, int j);
    }

    // ================================================================ images

    private static int outSize(String op, int in, int kernel, int stride, int pad) {
        int o = (in + 2 * pad - kernel) / stride + 1;
        if (o <= 0) {
            throw new IllegalArgumentException(op + ": input size " + in + " too small for kernel " + kernel
                    + " with padding " + pad);
        }
        return o;
    }

    /** cols (Cin·kh·kw, Ho·Wo) of one image x[b] (Cin, H, W). */
    private static void im2col(double[] x, int xo, int cin, int h, int w, int kh, int kw, int stride, int pad,
                               int ho, int wo, double[] cols) {
        int p = ho * wo;
        for (int c = 0; c < cin; c++) {
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                    int row = ((c * kh + ky) * kw + kx) * p;
                    for (int oy = 0; oy < ho; oy++) {
                        int iy = oy * stride + ky - pad;
                        for (int ox = 0; ox < wo; ox++) {
                            int ix = ox * stride + kx - pad;
                            cols[row + oy * wo + ox] = iy >= 0 && iy < h && ix >= 0 && ix < w
                                    ? x[xo + (c * h + iy) * w + ix] : 0.0;
                        }
                    }
                }
            }
        }
    }

    private static void checkConv(String op, int[] xs, int[] ws) {
        if (xs.length != 4 || ws.length != 4 || xs[1] != ws[1]) {
            throw new IllegalArgumentException(op + ": input " + Shape.str(xs) + " and weight " + Shape.str(ws)
                    + " do not fit (need (B, Cin, H, W) and (Cout, Cin, kh, kw))");
        }
    }

    @Override
    public Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int pad) {
        DType dt = floating("conv2d", x, w);
        int[] xs = x.shape();
        int[] ws = w.shape();
        checkConv("conv2d", xs, ws);
        int b = xs[0], cin = xs[1], h = xs[2], wd = xs[3];
        int cout = ws[0], kh = ws[2], kw = ws[3];
        if (bias != null && (bias.rank() != 1 || bias.size(0) != cout)) {
            throw new IllegalArgumentException("conv2d: bias " + Shape.str(bias.shape()) + " does not fit weight " + Shape.str(ws));
        }
        int ho = outSize("conv2d", h, kh, stride, pad);
        int wo = outSize("conv2d", wd, kw, stride, pad);
        int p = ho * wo;
        int kk = cin * kh * kw;
        double[] xd = d(x);
        double[] wdat = d(w);
        double[] bd = bias == null ? null : d(bias);
        double[] out = new double[b * cout * p];
        double[] cols = new double[kk * p];
        for (int n = 0; n < b; n++) {
            im2col(xd, n * cin * h * wd, cin, h, wd, kh, kw, stride, pad, ho, wo, cols);
            int oo = n * cout * p;
            parallelFor(cout, Math.max(1, Math.min(grainFor(cout), 16)), (from, to) -> {
                for (int co = from; co < to; co++) {
                    int orow = oo + co * p;
                    if (bd != null) {
                        Arrays.fill(out, orow, orow + p, bd[co]);
                    }
                    for (int t = 0; t < kk; t++) {
                        double wv = wdat[co * kk + t];
                        if (wv == 0.0) {
                            continue;
                        }
                        int cr = t * p;
                        for (int j = 0; j < p; j++) {
                            out[orow + j] += wv * cols[cr + j];
                        }
                    }
                }
            });
        }
        return make(out, dt, new int[] {b, cout, ho, wo});
    }

    @Override
    public Tensor conv2dBackwardInput(Tensor gy, Tensor w, int[] xShape, int stride, int pad) {
        DType dt = floating("conv2dBackwardInput", gy, w);
        int[] ws = w.shape();
        checkConv("conv2dBackwardInput", xShape, ws);
        int b = xShape[0], cin = xShape[1], h = xShape[2], wd = xShape[3];
        int cout = ws[0], kh = ws[2], kw = ws[3];
        int ho = outSize("conv2dBackwardInput", h, kh, stride, pad);
        int wo = outSize("conv2dBackwardInput", wd, kw, stride, pad);
        int[] gs = gy.shape();
        if (!Shape.same(gs, new int[] {b, cout, ho, wo})) {
            throw new IllegalArgumentException("conv2dBackwardInput: gradient " + Shape.str(gs) + " does not fit output "
                    + Shape.str(new int[] {b, cout, ho, wo}));
        }
        int p = ho * wo;
        int kk = cin * kh * kw;
        double[] g = d(gy);
        double[] wdat = d(w);
        double[] out = new double[Shape.numel(xShape)];
        double[] cols = new double[kk * p];
        for (int n = 0; n < b; n++) {
            int go = n * cout * p;
            // cols = W^T (kk, Cout) · gy[n] (Cout, P), summed over Cout in fixed order
            parallelFor(kk, Math.max(1, Math.min(grainFor(kk), 64)), (from, to) -> {
                Arrays.fill(cols, from * p, to * p, 0.0);
                for (int co = 0; co < cout; co++) {
                    int grow = go + co * p;
                    for (int t = from; t < to; t++) {
                        double wv = wdat[co * kk + t];
                        if (wv == 0.0) {
                            continue;
                        }
                        int cr = t * p;
                        for (int j = 0; j < p; j++) {
                            cols[cr + j] += wv * g[grow + j];
                        }
                    }
                }
            });
            // col2im: accumulate, in fixed (c, ky, kx, oy, ox) order
            int xo = n * cin * h * wd;
            for (int c = 0; c < cin; c++) {
                for (int ky = 0; ky < kh; ky++) {
                    for (int kx = 0; kx < kw; kx++) {
                        int row = ((c * kh + ky) * kw + kx) * p;
                        for (int oy = 0; oy < ho; oy++) {
                            int iy = oy * stride + ky - pad;
                            if (iy < 0 || iy >= h) {
                                continue;
                            }
                            for (int ox = 0; ox < wo; ox++) {
                                int ix = ox * stride + kx - pad;
                                if (ix >= 0 && ix < wd) {
                                    out[xo + (c * h + iy) * wd + ix] += cols[row + oy * wo + ox];
                                }
                            }
                        }
                    }
                }
            }
        }
        return make(out, dt, xShape.clone());
    }

    @Override
    public Tensor conv2dBackwardWeight(Tensor x, Tensor gy, int[] wShape, int stride, int pad) {
        DType dt = floating("conv2dBackwardWeight", x, gy);
        int[] xs = x.shape();
        checkConv("conv2dBackwardWeight", xs, wShape);
        int b = xs[0], cin = xs[1], h = xs[2], wd = xs[3];
        int cout = wShape[0], kh = wShape[2], kw = wShape[3];
        int ho = outSize("conv2dBackwardWeight", h, kh, stride, pad);
        int wo = outSize("conv2dBackwardWeight", wd, kw, stride, pad);
        int[] gs = gy.shape();
        if (!Shape.same(gs, new int[] {b, cout, ho, wo})) {
            throw new IllegalArgumentException("conv2dBackwardWeight: gradient " + Shape.str(gs) + " does not fit output "
                    + Shape.str(new int[] {b, cout, ho, wo}));
        }
        int p = ho * wo;
        int kk = cin * kh * kw;
        double[] xd = d(x);
        double[] g = d(gy);
        double[] out = new double[cout * kk];
        double[] cols = new double[kk * p];
        for (int n = 0; n < b; n++) {
            im2col(xd, n * cin * h * wd, cin, h, wd, kh, kw, stride, pad, ho, wo, cols);
            int go = n * cout * p;
            // gW (Cout, kk) += gy[n] (Cout, P) · cols^T (P, kk)
            parallelFor(cout, Math.max(1, Math.min(grainFor(cout), 16)), (from, to) -> {
                for (int co = from; co < to; co++) {
                    int grow = go + co * p;
                    for (int t = 0; t < kk; t++) {
                        int cr = t * p;
                        double s = 0.0;
                        for (int j = 0; j < p; j++) {
                            s += g[grow + j] * cols[cr + j];
                        }
                        out[co * kk + t] += s;
                    }
                }
            });
        }
        return make(out, dt, wShape.clone());
    }

    @Override
    public Tensor maxPool2dIndices(Tensor x, int k, int stride, int pad) {
        int[] xs = x.shape();
        if (xs.length != 4) {
            throw new IllegalArgumentException("maxPool2d: input must be (B, C, H, W), got " + Shape.str(xs));
        }
        if (pad * 2 > k) {
            throw new IllegalArgumentException("maxPool2d: padding " + pad + " must be at most half the kernel " + k);
        }
        int planes = xs[0] * xs[1], h = xs[2], w = xs[3];
        int ho = outSize("maxPool2d", h, k, stride, pad);
        int wo = outSize("maxPool2d", w, k, stride, pad);
        double[] xd = d(x);
        double[] out = new double[planes * ho * wo];
        for (int pl = 0; pl < planes; pl++) {
            int xo = pl * h * w;
            for (int oy = 0; oy < ho; oy++) {
                for (int ox = 0; ox < wo; ox++) {
                    int best = -1;
                    double bv = Double.NEGATIVE_INFINITY;
                    for (int ky = 0; ky < k; ky++) {
                        int iy = oy * stride + ky - pad;
                        if (iy < 0 || iy >= h) {
                            continue;
                        }
                        for (int kx = 0; kx < k; kx++) {
                            int ix = ox * stride + kx - pad;
                            if (ix < 0 || ix >= w) {
                                continue;
                            }
                            double v = xd[xo + iy * w + ix];
                            if (best < 0 || v > bv || Double.isNaN(v)) {
                                bv = v;
                                best = iy * w + ix;
                            }
                        }
                    }
                    out[(pl * ho + oy) * wo + ox] = best;
                }
            }
        }
        return new Tensor(this, DType.I64, new int[] {xs[0], xs[1], ho, wo}, out);
    }
}
