package org.dspn4j.tensor.cpu;

import org.dspn4j.match.Hungarian;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.OpChecks;
import org.dspn4j.tensor.Shape;
import org.dspn4j.tensor.Tensor;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The fast CPU backend: Java loops over row-major arrays — {@code float[]} for F32 tensors,
 * {@code double[]} for F64 and for the integer types (which hold exact integers) — with threads,
 * blocked and vectorised matrix products ({@link Gemm}), im2col convolutions and radix sorts.
 *
 * <p>What it computes is {@link org.dspn4j.tensor.ReferenceBackend}'s definition of each op, bit for
 * bit, on any number of threads ({@code CpuBackendReferenceProperties} ties every op to it):
 * elementwise ops, sums and the other reductions compute in double and round an F32 result to float
 * when they store it (for +, −, ×, ÷ that is the same as float arithmetic, which the F32 paths use);
 * sums add in the definition's order (runs of four chains, {@code ReferenceBackend.sum}). Matrix
 * products and convolutions compute as a float32 library does: each output is one fused
 * multiply-add chain in the tensor's own precision ({@link Gemm}). Argument errors are
 * {@link OpChecks}' (the same on every backend).
 *
 * <p>Determinism: the same inputs give the same bits whatever the thread count. Work is split only
 * over independent output elements (tiles of a matrix product, planes of an image), never inside
 * one sum, so every reduction runs in one fixed order.
 */
public final class CpuBackend implements Backend, AutoCloseable {
    private final int threads;
    private final ForkJoinPool pool;

    /** A backend using all available processors. */
    public CpuBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /**
     * A backend computing on {@code threads} threads: the caller's and {@code threads − 1} workers (1 = run
     * on the caller's thread alone).
     */
    public CpuBackend(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.pool = threads > 1 ? new ForkJoinPool(threads - 1) : null;
    }

    @Override
    public String name() {
        return "cpu";
    }

    /** Threads that compute: the caller and the workers. */
    public int threads() {
        return threads;
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdown();
        }
        Scratch.release(); // the closing thread's scratch arrays; the pool's threads end with it
    }

    // ================================================================ storage helpers

    /** The storage of a tensor of this backend: a float[] (F32) or a double[] (every other dtype). */
    private static Object raw(Tensor t) {
        Object s = t.storage();
        if (!(s instanceof double[]) && !(s instanceof float[])) {
            throw new IllegalArgumentException("tensor " + Shape.str(t.shape()) + " lives on backend '"
                    + t.backend().name() + "', not on the CPU backend");
        }
        return s;
    }

    /** The double[] storage of an F64 or integer tensor (never written: tensors are immutable). */
    private static double[] d(Tensor t) {
        return (double[]) raw(t);
    }

    /** The float[] storage of an F32 tensor. */
    private static float[] f(Tensor t) {
        return (float[]) raw(t);
    }

    /** The values as doubles: the storage itself, or a widened copy for F32. Read only. */
    private static double[] values(Tensor t) {
        Object s = raw(t);
        if (s instanceof double[]) {
            return (double[]) s;
        }
        float[] x = (float[]) s;
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i];
        }
        return out;
    }

    /** Fresh zeroed storage for n elements of a dtype. */
    private static Object alloc(DType dtype, int n) {
        return dtype == DType.F32 ? new float[n] : new double[n];
    }

    /** Wraps storage whose values already fit the dtype. */
    private Tensor wrap(Object data, DType dtype, int[] shape) {
        return new Tensor(this, dtype, shape, data);
    }

    /** Wraps values computed in double, rounding them to the dtype ({@code data} may be modified). */
    private Tensor make(double[] data, DType dtype, int[] shape) {
        if (dtype == DType.F32) {
            float[] out = new float[data.length];
            for (int i = 0; i < data.length; i++) {
                out[i] = (float) data[i];
            }
            return wrap(out, dtype, shape);
        }
        if (dtype != DType.F64) {
            for (int i = 0; i < data.length; i++) {
                data[i] = dtype.round(data[i]);
            }
        }
        return wrap(data, dtype, shape);
    }

    /**
     * Runs body(from, to) over [0, n) in chunks of fixed size; chunk boundaries never depend on timing.
     * The caller takes chunks too, beside the workers, so a call starts at once and the caller's thread
     * computes instead of waiting; which thread runs a chunk changes nothing in its result. A body may
     * call parallelFor again: the inner caller can always take every chunk itself.
     */
    void parallelFor(int n, int grain, RangeBody body) {
        if (pool == null || n <= grain) {
            body.run(0, n);
            return;
        }
        Chunks chunks = new Chunks(n, grain, body);
        int helpers = Math.min(threads - 1, chunks.count - 1);
        for (int h = 0; h < helpers; h++) {
            pool.execute(chunks::work);
        }
        chunks.work();
        chunks.await();
    }

    /** The chunks of one {@link #parallelFor}: taken in order by whichever thread asks next. */
    private static final class Chunks {
        final int n;
        final int grain;
        final int count;
        final RangeBody body;
        final AtomicInteger next = new AtomicInteger();
        final CountDownLatch done;
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Chunks(int n, int grain, RangeBody body) {
            this.n = n;
            this.grain = grain;
            this.count = (n + grain - 1) / grain;
            this.body = body;
            this.done = new CountDownLatch(count);
        }

        /** Runs chunks until none is left (a chunk after a failure is skipped, not run). */
        void work() {
            for (int c = next.getAndIncrement(); c < count; c = next.getAndIncrement()) {
                try {
                    if (failure.get() == null) {
                        body.run(c * grain, Math.min(n, (c + 1) * grain));
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.countDown();
                }
            }
        }

        /** Waits for the chunks other threads took, then rethrows the first failure. */
        void await() {
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            Throwable t = failure.get();
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error e) {
                throw e;
            }
            if (t != null) {
                throw new IllegalStateException(t);
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

    /** Elements below which an elementwise loop stays on the caller's thread. */
    private static final int PARALLEL_ELEMENTS = 1 << 16;

    /** Runs an elementwise body over [0, n), split between threads when n is large (outputs are independent). */
    private void elementwise(int n, RangeBody body) {
        if (n < PARALLEL_ELEMENTS) {
            body.run(0, n);
        } else {
            parallelFor(n, Math.max(PARALLEL_ELEMENTS / 2, grainFor(n)), body);
        }
    }

    // ================================================================ creation and transfer

    @Override
    public Tensor fromHost(double[] data, DType dtype, int... shape) {
        OpChecks.fromHost(data, shape);
        return make(data.clone(), dtype, shape);
    }

    @Override
    public double[] toHost(Tensor t) {
        Object s = raw(t);
        return s instanceof float[] ? values(t) : ((double[]) s).clone();
    }

    /** Applies {@code f} to the values (no transfer: the tensor already lives on the host). */
    @Override
    public Tensor hostStep(Tensor in, HostFunction f, DType outDtype, int... outShape) {
        double[] out = f.apply(toHost(in));
        OpChecks.hostStepOutput(out, outShape);
        return fromHost(out, outDtype, outShape);
    }

    @Override
    public Tensor full(double value, DType dtype, int... shape) {
        int n = Shape.numel(shape);
        // a fresh array is already +0 (all bits zero): filled only with another value (-0 included)
        if (dtype == DType.F32) {
            float[] out = new float[n];
            float v = (float) value;
            if (Float.floatToRawIntBits(v) != 0) {
                Arrays.fill(out, v);
            }
            return wrap(out, dtype, shape);
        }
        double[] out = new double[n];
        double v = dtype.round(value);
        if (Double.doubleToRawLongBits(v) != 0) {
            Arrays.fill(out, v);
        }
        return wrap(out, dtype, shape);
    }

    @Override
    public Tensor cast(Tensor a, DType dtype) {
        return make(values(a).clone(), dtype, a.shape());
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

    /**
     * Merges neighbouring dimensions that both operands step through as one (and drops size-1 ones),
     * so the innermost loop is as long as possible. Returns {dims, stridesA, stridesB}, rank ≥ 1.
     */
    private static int[][] coalesce(int[] dims, int[] sa, int[] sb) {
        int r = dims.length;
        int[] d = new int[Math.max(r, 1)];
        int[] a = new int[d.length];
        int[] b = new int[d.length];
        int m = 0;
        for (int i = 0; i < r; i++) {
            if (dims[i] == 1) {
                continue;
            }
            if (m > 0 && a[m - 1] == sa[i] * dims[i] && b[m - 1] == sb[i] * dims[i]) {
                d[m - 1] *= dims[i];
                a[m - 1] = sa[i];
                b[m - 1] = sb[i];
            } else {
                d[m] = dims[i];
                a[m] = sa[i];
                b[m] = sb[i];
                m++;
            }
        }
        if (m == 0) {
            d[0] = 1;
            m = 1;
        }
        return new int[][] {Arrays.copyOf(d, m), Arrays.copyOf(a, m), Arrays.copyOf(b, m)};
    }

    @Override
    public Tensor binary(Binary op, Tensor a, Tensor b) {
        int[] os = OpChecks.binary(op, a, b);
        DType dt = a.dtype();
        int n = Shape.numel(os);
        Object out = alloc(dt, n);
        if (n == 0) {
            return wrap(out, dt, os);
        }
        int[][] c = coalesce(os, broadcastStrides(a.shape(), os), broadcastStrides(b.shape(), os));
        int[] dims = c[0];
        int[] sa = c[1];
        int[] sb = c[2];
        int rank = dims.length;
        int inner = dims[rank - 1];
        int ia = sa[rank - 1];
        int ib = sb[rank - 1];
        Object x = raw(a);
        Object y = raw(b);
        // outputs are independent: split the elements between threads, walking whole or partial rows
        elementwise(n, (from, to) -> {
            for (int e = from; e < to; ) {
                int r = e / inner;
                int j0 = e - r * inner;
                int len = Math.min(inner - j0, to - e);
                int pa = j0 * ia;
                int pb = j0 * ib;
                for (int k = rank - 2, rem = r; k >= 0; k--) {
                    int i = rem % dims[k];
                    rem /= dims[k];
                    pa += i * sa[k];
                    pb += i * sb[k];
                }
                if (x instanceof float[]) {
                    binaryRow(op, (float[]) x, pa, ia, (float[]) y, pb, ib, (float[]) out, e, len);
                } else {
                    binaryRow(op, (double[]) x, pa, ia, (double[]) y, pb, ib, (double[]) out, e, len);
                }
                e += len;
            }
        });
        // integer tensors hold integers: DIV truncates toward zero, as the OpenCL backend and Java do
        return dt.isFloating() ? wrap(out, dt, os) : make((double[]) out, dt, os);
    }

    /** out[o + j] = x[pa + j·ia] op y[pb + j·ib] for j < len, in float arithmetic. */
    private static void binaryRow(Binary op, float[] x, int pa, int ia, float[] y, int pb, int ib, float[] out, int o, int len) {
        if (ia == 1 && ib == 0) {
            binaryScalar(op, x, pa, y[pb], false, out, o, len);
            return;
        }
        if (ia == 0 && ib == 1) {
            binaryScalar(op, y, pb, x[pa], true, out, o, len);
            return;
        }
        boolean contiguous = ia == 1 && ib == 1;
        switch (op) {
            case ADD:
                if (contiguous) {
                    for (int j = 0; j < len; j++) {
                        out[o + j] = x[pa + j] + y[pb + j];
                    }
                } else {
                    for (int j = 0; j < len; j++) {
                        out[o + j] = x[pa + j * ia] + y[pb + j * ib];
                    }
                }
                break;
            case SUB:
                if (contiguous) {
                    for (int j = 0; j < len; j++) {
                        out[o + j] = x[pa + j] - y[pb + j];
                    }
                } else {
                    for (int j = 0; j < len; j++) {
                        out[o + j] = x[pa + j * ia] - y[pb + j * ib];
                    }
                }
                break;
            case MUL:
                if (contiguous) {
                    for (int j = 0; j < len; j++) {
                        out[o + j] = x[pa + j] * y[pb + j];
                    }
                } else {
                    for (int j = 0; j < len; j++) {
                        out[o + j] = x[pa + j * ia] * y[pb + j * ib];
                    }
                }
                break;
            default:
                if (contiguous) {
                    for (int j = 0; j < len; j++) {
                        out[o + j] = x[pa + j] / y[pb + j];
                    }
                } else {
                    for (int j = 0; j < len; j++) {
                        out[o + j] = x[pa + j * ia] / y[pb + j * ib];
                    }
                }
        }
    }

    /**
     * out[o + j] = x[pa + j] op v (or v op x[pa + j] when {@code swapped}): one operand broadcast along
     * the row, as a bias or a per-channel scale is.
     */
    private static void binaryScalar(Binary op, float[] x, int pa, float v, boolean swapped, float[] out, int o, int len) {
        switch (op) {
            case ADD:
                for (int j = 0; j < len; j++) {
                    out[o + j] = x[pa + j] + v;
                }
                break;
            case MUL:
                for (int j = 0; j < len; j++) {
                    out[o + j] = x[pa + j] * v;
                }
                break;
            case SUB:
                if (swapped) {
                    for (int j = 0; j < len; j++) {
                        out[o + j] = v - x[pa + j];
                    }
                } else {
                    for (int j = 0; j < len; j++) {
                        out[o + j] = x[pa + j] - v;
                    }
                }
                break;
            default:
                if (swapped) {
                    for (int j = 0; j < len; j++) {
                        out[o + j] = v / x[pa + j];
                    }
                } else {
                    for (int j = 0; j < len; j++) {
                        out[o + j] = x[pa + j] / v;
                    }
                }
        }
    }

    /** As above in double. */
    private static void binaryScalar(Binary op, double[] x, int pa, double v, boolean swapped, double[] out, int o, int len) {
        switch (op) {
            case ADD:
                for (int j = 0; j < len; j++) {
                    out[o + j] = x[pa + j] + v;
                }
                break;
            case MUL:
                for (int j = 0; j < len; j++) {
                    out[o + j] = x[pa + j] * v;
                }
                break;
            case SUB:
                if (swapped) {
                    for (int j = 0; j < len; j++) {
                        out[o + j] = v - x[pa + j];
                    }
                } else {
                    for (int j = 0; j < len; j++) {
                        out[o + j] = x[pa + j] - v;
                    }
                }
                break;
            default:
                if (swapped) {
                    for (int j = 0; j < len; j++) {
                        out[o + j] = v / x[pa + j];
                    }
                } else {
                    for (int j = 0; j < len; j++) {
                        out[o + j] = x[pa + j] / v;
                    }
                }
        }
    }

    /** As above in double. */
    private static void binaryRow(Binary op, double[] x, int pa, int ia, double[] y, int pb, int ib, double[] out, int o, int len) {
        if (ia == 1 && ib == 0) {
            binaryScalar(op, x, pa, y[pb], false, out, o, len);
            return;
        }
        if (ia == 0 && ib == 1) {
            binaryScalar(op, y, pb, x[pa], true, out, o, len);
            return;
        }
        boolean contiguous = ia == 1 && ib == 1;
        switch (op) {
            case ADD:
                if (contiguous) {
                    for (int j = 0; j < len; j++) {
                        out[o + j] = x[pa + j] + y[pb + j];
                    }
                } else {
                    for (int j = 0; j < len; j++) {
                        out[o + j] = x[pa + j * ia] + y[pb + j * ib];
                    }
                }
                break;
            case SUB:
                if (contiguous) {
                    for (int j = 0; j < len; j++) {
                        out[o + j] = x[pa + j] - y[pb + j];
                    }
                } else {
                    for (int j = 0; j < len; j++) {
                        out[o + j] = x[pa + j * ia] - y[pb + j * ib];
                    }
                }
                break;
            case MUL:
                if (contiguous) {
                    for (int j = 0; j < len; j++) {
                        out[o + j] = x[pa + j] * y[pb + j];
                    }
                } else {
                    for (int j = 0; j < len; j++) {
                        out[o + j] = x[pa + j * ia] * y[pb + j * ib];
                    }
                }
                break;
            default:
                if (contiguous) {
                    for (int j = 0; j < len; j++) {
                        out[o + j] = x[pa + j] / y[pb + j];
                    }
                } else {
                    for (int j = 0; j < len; j++) {
                        out[o + j] = x[pa + j * ia] / y[pb + j * ib];
                    }
                }
        }
    }

    /** A loop over doubles: out[oo + j] = f(x[xo + j]) for j &lt; len. */
    private interface DoubleKernel {
        void apply(double[] x, int xo, double[] out, int oo, int len);
    }

    /** Elements per block when an F32 tensor passes through a double kernel. */
    private static final int BLOCK = 1024;

    /**
     * Applies a double kernel to every element of {@code a}, giving a tensor of dtype {@code dt}
     * (F32 values are widened and the results rounded, block by block).
     */
    private Tensor map(Tensor a, DType dt, DoubleKernel k) {
        Object x = raw(a);
        int n = a.numel();
        if (x instanceof double[]) {
            double[] xd = (double[]) x;
            double[] out = new double[n];
            elementwise(n, (from, to) -> k.apply(xd, from, out, from, to - from));
            return make(out, dt, a.shape());
        }
        float[] xf = (float[]) x;
        float[] out = new float[n];
        elementwise(n, (from, to) -> {
            double[] in = new double[BLOCK];
            double[] res = new double[BLOCK];
            for (int b = from; b < to; b += BLOCK) {
                int len = Math.min(BLOCK, to - b);
                for (int j = 0; j < len; j++) {
                    in[j] = xf[b + j];
                }
                k.apply(in, 0, res, 0, len);
                for (int j = 0; j < len; j++) {
                    out[b + j] = (float) res[j];
                }
            }
        });
        return wrap(out, dt, a.shape());
    }

    @Override
    public Tensor unary(Unary op, Tensor a) {
        if (a.dtype() == DType.F32 && (op == Unary.RELU || op == Unary.STEP || op == Unary.NEG)) {
            return wrap(exactF32(op, f(a)), DType.F32, a.shape()); // exact in float: no detour through double
        }
        return map(a, a.dtype(), unaryKernel(op));
    }

    /**
     * g·step(y) in one pass: each element g times the 1 or +0 that STEP gives for y (the same float or
     * double multiplication as the composition, so the same bits, ±0 and NaN included).
     */
    @Override
    public Tensor mulStep(Tensor g, Tensor y) {
        if (!Shape.same(g.shape(), y.shape()) || g.dtype() != y.dtype() || !g.dtype().isFloating()) {
            return Backend.super.mulStep(g, y);
        }
        int n = g.numel();
        if (g.dtype() == DType.F32) {
            float[] gf = f(g);
            float[] yf = f(y);
            float[] out = new float[n];
            elementwise(n, (from, to) -> {
                for (int i = from; i < to; i++) {
                    out[i] = gf[i] * Float.intBitsToFloat(ONE_BITS_F32 & positiveMask(Float.floatToRawIntBits(yf[i])));
                }
            });
            return wrap(out, DType.F32, g.shape());
        }
        double[] gd = d(g);
        double[] yd = d(y);
        double[] out = new double[n];
        elementwise(n, (from, to) -> {
            for (int i = from; i < to; i++) {
                out[i] = gd[i] * Double.longBitsToDouble(ONE_BITS & positiveMask(Double.doubleToRawLongBits(yd[i])));
            }
        });
        return wrap(out, g.dtype(), g.shape());
    }

    /**
     * Adam's update in one pass per element, each op of {@link Backend#adamUpdate}'s composition
     * computed as this backend computes it: affine in double, rounded to float for F32; add, mul, div
     * in the dtype; sqrt in double, rounded. Same-shape, same-dtype floating tensors only (else null:
     * the composition runs).
     */
    @Override
    public Tensor[] adamUpdate(Tensor p, Tensor g, Tensor m, Tensor v, double beta1, double beta2, double[] c) {
        DType dt = p.dtype();
        if (!dt.isFloating() || g.dtype() != dt || m.dtype() != dt || v.dtype() != dt || !Shape.same(p.shape(), g.shape())
                || !Shape.same(p.shape(), m.shape()) || !Shape.same(p.shape(), v.shape())) {
            return null;
        }
        int n = p.numel();
        double a1 = 1.0 - beta1;
        double a2 = 1.0 - beta2;
        if (dt == DType.F32) {
            float[] pf = f(p);
            float[] gf = f(g);
            float[] mf = f(m);
            float[] vf = f(v);
            float[] po = new float[n];
            float[] mo = new float[n];
            float[] vo = new float[n];
            elementwise(n, (from, to) -> {
                for (int i = from; i < to; i++) {
                    float gi = gf[i];
                    float m1 = (float) (mf[i] * beta1 + 0.0) + (float) (gi * a1 + 0.0);
                    float v1 = (float) (vf[i] * beta2 + 0.0) + (float) ((gi * gi) * a2 + 0.0);
                    float denom = (float) ((float) Math.sqrt(v1) * c[0] + c[1]);
                    po[i] = pf[i] - (float) ((m1 / denom) * c[2] + c[3]);
                    mo[i] = m1;
                    vo[i] = v1;
                }
            });
            return new Tensor[] {wrap(po, dt, p.shape()), wrap(mo, dt, p.shape()), wrap(vo, dt, p.shape())};
        }
        double[] pd = d(p);
        double[] gd = d(g);
        double[] md = d(m);
        double[] vd = d(v);
        double[] po = new double[n];
        double[] mo = new double[n];
        double[] vo = new double[n];
        elementwise(n, (from, to) -> {
            for (int i = from; i < to; i++) {
                double gi = gd[i];
                double m1 = (md[i] * beta1 + 0.0) + (gi * a1 + 0.0);
                double v1 = (vd[i] * beta2 + 0.0) + ((gi * gi) * a2 + 0.0);
                po[i] = pd[i] - ((m1 / (Math.sqrt(v1) * c[0] + c[1])) * c[2] + c[3]);
                mo[i] = m1;
                vo[i] = v1;
            }
        });
        return new Tensor[] {wrap(po, dt, p.shape()), wrap(mo, dt, p.shape()), wrap(vo, dt, p.shape())};
    }

    /** RELU, STEP and NEG of floats, whose results are exact in float (the same bits as via double). */
    private float[] exactF32(Unary op, float[] x) {
        float[] out = new float[x.length];
        elementwise(x.length, (from, to) -> {
            switch (op) {
                case RELU:
                    for (int i = from; i < to; i++) {
                        int bits = Float.floatToRawIntBits(x[i]);
                        out[i] = Float.intBitsToFloat(bits & positiveMask(bits));
                    }
                    break;
                case STEP:
                    for (int i = from; i < to; i++) {
                        out[i] = Float.intBitsToFloat(ONE_BITS_F32 & positiveMask(Float.floatToRawIntBits(x[i])));
                    }
                    break;
                default:
                    for (int i = from; i < to; i++) {
                        out[i] = -x[i];
                    }
            }
        });
        return out;
    }

    private static DoubleKernel unaryKernel(Unary op) {
        switch (op) {
            case NEG: return (x, xo, o, oo, len) -> {
                for (int j = 0; j < len; j++) {
                    o[oo + j] = -x[xo + j];
                }
            };
            case EXP: return (x, xo, o, oo, len) -> {
                for (int j = 0; j < len; j++) {
                    o[oo + j] = Math.exp(x[xo + j]);
                }
            };
            case LOG: return (x, xo, o, oo, len) -> {
                for (int j = 0; j < len; j++) {
                    o[oo + j] = Math.log(x[xo + j]);
                }
            };
            case SQRT: return (x, xo, o, oo, len) -> {
                for (int j = 0; j < len; j++) {
                    o[oo + j] = Math.sqrt(x[xo + j]);
                }
            };
            case ABS: return (x, xo, o, oo, len) -> {
                for (int j = 0; j < len; j++) {
                    o[oo + j] = Math.abs(x[xo + j]);
                }
            };
            case RELU: return (x, xo, o, oo, len) -> { // v > 0 ? v : 0, without a branch on the sign
                for (int j = 0; j < len; j++) {
                    long bits = Double.doubleToRawLongBits(x[xo + j]);
                    o[oo + j] = Double.longBitsToDouble(bits & positiveMask(bits));
                }
            };
            case SIGMOID: return (x, xo, o, oo, len) -> {
                for (int j = 0; j < len; j++) {
                    double v = x[xo + j];
                    o[oo + j] = v >= 0 ? 1.0 / (1.0 + Math.exp(-v)) : Math.exp(v) / (1.0 + Math.exp(v));
                }
            };
            case TANH: return (x, xo, o, oo, len) -> {
                for (int j = 0; j < len; j++) {
                    o[oo + j] = Math.tanh(x[xo + j]);
                }
            };
            case SIGN: return (x, xo, o, oo, len) -> {
                for (int j = 0; j < len; j++) {
                    o[oo + j] = Math.signum(x[xo + j]);
                }
            };
            case STEP: return (x, xo, o, oo, len) -> { // v > 0 ? 1 : 0, without a branch on the sign
                for (int j = 0; j < len; j++) {
                    long bits = Double.doubleToRawLongBits(x[xo + j]);
                    o[oo + j] = Double.longBitsToDouble(ONE_BITS & positiveMask(bits));
                }
            };
            case SMOOTH_L1: return (x, xo, o, oo, len) -> {
                for (int j = 0; j < len; j++) {
                    double v = x[xo + j];
                    double r = Math.abs(v);
                    o[oo + j] = r < 1.0 ? 0.5 * v * v : r - 0.5;
                }
            };
            default: throw new IllegalArgumentException("unknown unary op " + op);
        }
    }

    private static final long ONE_BITS = Double.doubleToRawLongBits(1.0);

    /**
     * All ones when the double with these bits is &gt; 0 (+∞ included, NaN not), else 0. Signs of
     * activations are unpredictable, and a branch on them costs more than the arithmetic: a positive
     * non-NaN double has bits in [1, bits(+∞)], so t = bits − 1 lies in [0, bits(+∞) − 1] exactly then,
     * which the sign bit of t | (bits(+∞) − 1 − t) tests.
     */
    private static long positiveMask(long bits) {
        long t = bits - 1;
        return ~((t | (0x7fefffffffffffffL - t)) >> 63);
    }

    private static final int ONE_BITS_F32 = Float.floatToRawIntBits(1f);

    /** As {@link #positiveMask(long)} for the bits of a float. */
    private static int positiveMask(int bits) {
        int t = bits - 1;
        return ~((t | (0x7f7fffff - t)) >> 31);
    }

    @Override
    public Tensor affine(Tensor a, double scale, double shift) {
        return map(a, a.dtype(), (x, xo, o, oo, len) -> {
            for (int j = 0; j < len; j++) {
                o[oo + j] = x[xo + j] * scale + shift;
            }
        });
    }

    /**
     * Both scalings in one pass over {@code a}: for F32, block by block, widened, scaled, rounded to
     * float as the first {@link #affine} rounds, widened again, scaled and rounded; each block loop
     * simple enough for C2 to vectorize (a loop converting both ways is not).
     */
    @Override
    public Tensor scaleTwice(Tensor a, double s1, double s2) {
        Object x = raw(a);
        if (!(x instanceof float[])) {
            return map(a, a.dtype(), (xs, xo, o, oo, len) -> {
                for (int j = 0; j < len; j++) {
                    o[oo + j] = (xs[xo + j] * s1 + 0.0) * s2 + 0.0;
                }
            });
        }
        float[] xf = (float[]) x;
        int n = a.numel();
        float[] out = new float[n];
        elementwise(n, (from, to) -> {
            double[] d = new double[BLOCK];
            float[] f = new float[BLOCK];
            for (int b = from; b < to; b += BLOCK) {
                int len = Math.min(BLOCK, to - b);
                for (int j = 0; j < len; j++) {
                    d[j] = xf[b + j];
                }
                for (int j = 0; j < len; j++) {
                    d[j] = d[j] * s1 + 0.0;
                }
                for (int j = 0; j < len; j++) {
                    f[j] = (float) d[j];
                }
                for (int j = 0; j < len; j++) {
                    d[j] = f[j];
                }
                for (int j = 0; j < len; j++) {
                    d[j] = d[j] * s2 + 0.0;
                }
                for (int j = 0; j < len; j++) {
                    out[b + j] = (float) d[j];
                }
            }
        });
        return wrap(out, DType.F32, a.shape());
    }

    @Override
    public Tensor pow(Tensor a, double p) {
        return map(a, a.dtype(), (x, xo, o, oo, len) -> {
            for (int j = 0; j < len; j++) {
                o[oo + j] = p == 2.0 ? x[xo + j] * x[xo + j] : Math.pow(x[xo + j], p);
            }
        });
    }

    @Override
    public Tensor clamp(Tensor a, double lo, double hi) {
        return map(a, a.dtype(), (x, xo, o, oo, len) -> {
            for (int j = 0; j < len; j++) {
                o[oo + j] = Math.min(Math.max(x[xo + j], lo), hi);
            }
        });
    }

    @Override
    public Tensor inRange(Tensor a, double lo, double hi) {
        return map(a, a.dtype(), (x, xo, o, oo, len) -> {
            for (int j = 0; j < len; j++) {
                o[oo + j] = x[xo + j] >= lo && x[xo + j] <= hi ? 1.0 : 0.0;
            }
        });
    }

    // ================================================================ reductions and ordering

    /** dst[j] = src[off + j·stride] widened to double, j &lt; len. */
    private static void read(Object src, int off, int stride, double[] dst, int len) {
        if (stride == 1) {
            if (src instanceof float[]) {
                float[] x = (float[]) src;
                for (int j = 0; j < len; j++) {
                    dst[j] = x[off + j];
                }
            } else {
                System.arraycopy(src, off, dst, 0, len);
            }
        } else if (src instanceof float[]) {
            float[] x = (float[]) src;
            for (int j = 0; j < len; j++) {
                dst[j] = x[off + j * stride];
            }
        } else {
            double[] x = (double[]) src;
            for (int j = 0; j < len; j++) {
                dst[j] = x[off + j * stride];
            }
        }
    }

    @Override
    public Tensor sum(Tensor a, int[] dims, boolean keepDim) {
        int[] s = a.shape();
        boolean[] reduce = OpChecks.sum(s, dims);
        int[] keep = s.clone();
        for (int i = 0; i < s.length; i++) {
            if (reduce[i]) {
                keep[i] = 1;
            }
        }
        int[] shape = reducedShape(s, reduce, keep, keepDim);
        if (a.numel() == 0) { // no inputs: every output there is adds nothing, +0
            return make(new double[Shape.numel(keep)], a.dtype(), shape);
        }
        Object x = raw(a);
        double[] out = new double[Shape.numel(keep)];
        int first = -1;
        int last = -1;
        for (int i = 0; i < s.length; i++) {
            if (reduce[i] && s[i] != 1) {
                first = first < 0 ? i : first;
                last = i;
            }
        }
        if (first < 0) { // nothing to add up: a copy
            read(x, 0, 1, out, out.length);
            return make(out, a.dtype(), shape);
        }
        boolean contiguous = true;
        for (int i = first + 1; contiguous && i < last; i++) {
            contiguous = reduce[i] || s[i] == 1;
        }
        if (contiguous) {
            // (outer, r, inner) layout: each output adds its r inputs in order, starting from 0
            int outer = Shape.numel(Arrays.copyOfRange(s, 0, first));
            int r = Shape.numel(Arrays.copyOfRange(s, first, last + 1));
            int inner = Shape.numel(Arrays.copyOfRange(s, last + 1, s.length));
            int work = outer * r * inner;
            if (inner == 1) {
                parallelFor(outer, work < PARALLEL_ELEMENTS ? outer : Math.max(1, grainFor(outer)), (from, to) -> {
                    double[] row = new double[r];
                    for (int o = from; o < to; o++) {
                        read(x, o * r, 1, row, r);
                        out[o] = sumOf(row, r, 0.0);
                    }
                });
            } else {
                // split over (outer, inner-chunk) outputs; each keeps the q order
                int chunk = 4096;
                int blocks = (inner + chunk - 1) / chunk;
                parallelFor(outer * blocks, work < PARALLEL_ELEMENTS ? outer * blocks : Math.max(1, grainFor(outer * blocks)),
                        (from, to) -> {
                            for (int u = from; u < to; u++) {
                                int o = u / blocks;
                                int j0 = (u % blocks) * chunk;
                                int len = Math.min(chunk, inner - j0);
                                int oo = o * inner + j0;
                                for (int q = 0; q < r; q++) {
                                    int xo = (o * r + q) * inner + j0;
                                    if (x instanceof float[]) {
                                        float[] xf = (float[]) x;
                                        for (int j = 0; j < len; j++) {
                                            out[oo + j] += xf[xo + j];
                                        }
                                    } else {
                                        double[] xd = (double[]) x;
                                        for (int j = 0; j < len; j++) {
                                            out[oo + j] += xd[xo + j];
                                        }
                                    }
                                }
                            }
                        });
            }
            return make(out, a.dtype(), shape);
        }
        // general case: walk the input row by row (its last dimension after merging neighbours of the
        // same kind); every output adds its inputs in input order, as above
        int[] ost = Shape.strides(keep);
        int[] ist = Shape.strides(s);
        int[] dimsM = new int[s.length];
        int[] inS = new int[s.length];
        int[] outS = new int[s.length];
        boolean[] red = new boolean[s.length];
        int rank = 0;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == 1) {
                continue;
            }
            if (rank > 0 && red[rank - 1] == reduce[i]) {
                dimsM[rank - 1] *= s[i];
                inS[rank - 1] = ist[i];
                outS[rank - 1] = reduce[i] ? 0 : ost[i];
            } else {
                dimsM[rank] = s[i];
                inS[rank] = ist[i];
                outS[rank] = reduce[i] ? 0 : ost[i];
                red[rank] = reduce[i];
                rank++;
            }
        }
        int inner = dimsM[rank - 1];
        boolean innerReduced = red[rank - 1];
        int rows = a.numel() / inner;
        if (rank == 3 && red[0] && innerReduced) {
            // (B, C, N) summed over B and N (a bias's gradient): each output c adds its B runs of N in
            // order, as the walk below does, and outputs are independent, so channels split between threads
            int nb = dimsM[0];
            int nc = dimsM[1];
            parallelFor(nc, a.numel() < PARALLEL_ELEMENTS ? nc : Math.max(1, grainFor(nc)), (from, to) -> {
                int c = from;
                if (x instanceof float[]) {
                    // two channels at a time, straight from the floats: eight independent chains in flight
                    float[] xf = (float[]) x;
                    for (; c + 2 <= to; c += 2) {
                        double acc0 = 0.0;
                        double acc1 = 0.0;
                        for (int b = 0; b < nb; b++) {
                            int o = (b * nc + c) * inner;
                            double[] pair = sumOfPair(xf, o, o + inner, inner, acc0, acc1);
                            acc0 = pair[0];
                            acc1 = pair[1];
                        }
                        out[c] = acc0;
                        out[c + 1] = acc1;
                    }
                }
                double[] run = new double[inner];
                for (; c < to; c++) {
                    double acc = 0.0;
                    for (int b = 0; b < nb; b++) {
                        read(x, (b * nc + c) * inner, 1, run, inner);
                        acc = sumOf(run, inner, acc);
                    }
                    out[c] = acc;
                }
            });
            return make(out, a.dtype(), shape);
        }
        double[] row = new double[inner];
        int[] idx = new int[rank];
        int o = 0;
        for (int rr = 0; rr < rows; rr++) {
            read(x, rr * inner, 1, row, inner);
            if (innerReduced) {
                out[o] = sumOf(row, inner, out[o]);
            } else {
                for (int j = 0; j < inner; j++) {
                    out[o + j] += row[j];
                }
            }
            for (int k = rank - 2; k >= 0; k--) {
                idx[k]++;
                o += outS[k];
                if (idx[k] < dimsM[k]) {
                    break;
                }
                o -= outS[k] * dimsM[k];
                idx[k] = 0;
            }
        }
        return make(out, a.dtype(), shape);
    }

    /**
     * start + Σ row[0, len) in a fixed order: four interleaved partial sums (j mod 4), combined as
     * start + ((s0 + s1) + (s2 + s3)) — four independent chains instead of one long dependent one.
     */
    private static double sumOf(double[] row, int len, double start) {
        double s0 = 0.0;
        double s1 = 0.0;
        double s2 = 0.0;
        double s3 = 0.0;
        int j = 0;
        for (; j + 4 <= len; j += 4) {
            s0 += row[j];
            s1 += row[j + 1];
            s2 += row[j + 2];
            s3 += row[j + 3];
        }
        for (; j < len; j++) {
            s0 += row[j];
        }
        return start + ((s0 + s1) + (s2 + s3));
    }

    /**
     * {@link #sumOf} of the floats x[o0, o0 + len) from start0 and of x[o1, o1 + len) from start1, read
     * as doubles, computed side by side: each of the two the same chains in the same order.
     */
    private static double[] sumOfPair(float[] x, int o0, int o1, int len, double start0, double start1) {
        double s0 = 0.0;
        double s1 = 0.0;
        double s2 = 0.0;
        double s3 = 0.0;
        double t0 = 0.0;
        double t1 = 0.0;
        double t2 = 0.0;
        double t3 = 0.0;
        int j = 0;
        for (; j + 4 <= len; j += 4) {
            s0 += x[o0 + j];
            t0 += x[o1 + j];
            s1 += x[o0 + j + 1];
            t1 += x[o1 + j + 1];
            s2 += x[o0 + j + 2];
            t2 += x[o1 + j + 2];
            s3 += x[o0 + j + 3];
            t3 += x[o1 + j + 3];
        }
        for (; j < len; j++) {
            s0 += x[o0 + j];
            t0 += x[o1 + j];
        }
        return new double[] {start0 + ((s0 + s1) + (s2 + s3)), start1 + ((t0 + t1) + (t2 + t3))};
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
        int k = OpChecks.argmax(s, dim);
        int len = s[k];
        int inner = Shape.numel(Arrays.copyOfRange(s, k + 1, s.length));
        int outer = Shape.numel(Arrays.copyOfRange(s, 0, k));
        double[] x = values(a);
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
        return wrap(out, DType.I64, Shape.with(s, k, 1));
    }

    @Override
    public Tensor argsort(Tensor a, int dim, boolean descending) {
        int[] s = a.shape();
        int k = OpChecks.argsort(s, dim);
        int len = s[k];
        int inner = Shape.numel(Arrays.copyOfRange(s, k + 1, s.length));
        int outer = Shape.numel(Arrays.copyOfRange(s, 0, k));
        Object x = raw(a);
        double[] out = new double[a.numel()];
        // F32 values are floats: 32-bit keys order them as their doubles would be ordered
        boolean f32 = x instanceof float[];
        parallelFor(outer * inner, grainFor(outer * inner), (from, to) -> {
            double[] vals = new double[len];
            StableSort sorter = new StableSort(len);
            boolean byRank = f32 && StableSort.byRank(len);
            for (int r = from; r < to; r++) {
                int base = (r / inner) * len * inner + r % inner;
                read(x, base, inner, vals, len);
                int[] order;
                if (byRank) {
                    for (int j = 0; j < len; j++) {
                        int key = (int) StableSort.orderedBits((float) vals[j]);
                        sorter.ints[j] = descending ? ~key : key;
                    }
                    order = sorter.sortByRank(len);
                } else {
                    for (int j = 0; j < len; j++) {
                        long key = f32 ? StableSort.orderedBits((float) vals[j]) : StableSort.orderedBits(vals[j]);
                        sorter.keys[j] = descending ? ~key : key;
                    }
                    order = sorter.sort(len, f32 ? 4 : 8);
                }
                for (int j = 0; j < len; j++) {
                    out[base + j * inner] = order[j];
                }
            }
        });
        return wrap(out, DType.I64, s);
    }

    /** {@link Hungarian#assign}: the op's definition, solved in double on the costs' values. */
    @Override
    public Tensor assign(Tensor costs) {
        OpChecks.assign(costs);
        int[] s = costs.shape();
        int[] cols = Hungarian.assign(values(costs), s[0], s[1]);
        double[] out = new double[cols.length];
        for (int i = 0; i < cols.length; i++) {
            out[i] = cols[i];
        }
        return wrap(out, DType.I64, new int[] {s[0], s[1]});
    }

    /**
     * The costs of each sample in double, both argmins taken as they are computed: with the vector
     * loop ({@link ChamferVector}) when the JVM has the Vector API, else with the scalar loop below.
     * Both give the definition's indices.
     */
    @Override
    public Tensor chamferArgmin(Tensor pred, Tensor target) {
        return chamferArgmin(pred, target, Gemm.VECTOR);
    }

    /**
     * As above, with the vector loop or the scalar one (tests compare each with the definition). The
     * vector loop needs the jdk.incubator.vector module.
     */
    Tensor chamferArgmin(Tensor pred, Tensor target, boolean vector) {
        if (vector && !Gemm.VECTOR) {
            throw new IllegalStateException("chamferArgmin: the vector loop needs --add-modules=jdk.incubator.vector");
        }
        OpChecks.chamferArgmin(pred, target);
        int[] ps = pred.shape();
        int[] ts = target.shape();
        int r = ps.length;
        int c = ps[r - 2];
        int n = ps[r - 1];
        int[] lead = Arrays.copyOf(ps, r - 2);
        int[] tlead = Arrays.copyOf(ts, ts.length - 2);
        int m = Shape.numel(lead);
        int[] tst = broadcastStrides(tlead, lead);
        int[] lst = Shape.strides(lead);
        double[] p = values(pred);
        double[] y = values(target);
        double[] out = new double[m * 2 * n];
        double invC = 1.0 / c;
        parallelFor(m, 1, (from, to) -> {
            double[] colMin = new double[n];
            double[] dist = new double[n];
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
                if (vector) { // only then is ChamferVector loaded
                    ChamferVector.sample(p, po, y, yo, c, n, invC, colMin, out, oo);
                    continue;
                }
                Arrays.fill(colMin, Double.POSITIVE_INFINITY);
                for (int i = 0; i < n; i++) {
                    // dist[j] = Σ_k Huber(pred[k, i] − target[k, j]), k in increasing order. Huber as
                    // m·(|v| − m/2) with m = |v| < 1 ? |v| : 1 — ½v² below 1, |v| − ½ above, with the
                    // same roundings as the two-branch form — a conditional move instead of a branch.
                    Arrays.fill(dist, 0.0);
                    for (int k = 0; k < c; k++) {
                        double pk = p[po + k * n + i];
                        int yk = yo + k * n;
                        for (int j = 0; j < n; j++) {
                            double a = Math.abs(pk - y[yk + j]);
                            double mm = a < 1.0 ? a : 1.0;
                            dist[j] += mm * (a - 0.5 * mm);
                        }
                    }
                    double best = Double.POSITIVE_INFINITY;
                    int bestJ = 0;
                    for (int j = 0; j < n; j++) {
                        double dij = dist[j] * invC;
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
        });
        int[] os = Arrays.copyOf(lead, lead.length + 2);
        os[lead.length] = 2;
        os[lead.length + 1] = n;
        return wrap(out, DType.I64, os);
    }

    // ================================================================ linear algebra

    @Override
    public Tensor matmul(Tensor a, Tensor b) {
        return matmul(a, false, b, false);
    }

    @Override
    public Tensor matmul(Tensor a, boolean transposeA, Tensor b, boolean transposeB) {
        return product(a, transposeA, b, transposeB, null);
    }

    /**
     * {@link Backend#linear}'s composition in one pass over the result: each tile of the product gets
     * the bias and the ReLU as soon as its chains are done ({@link Gemm.Epilogue}), instead of two more
     * passes over fresh arrays. The bits are the definition's: the chain, then one rounding of the sum
     * with the bias in the dtype (ADD), then {@code v > 0 ? v : +0} (RELU).
     */
    @Override
    public Tensor linear(Tensor w, Tensor x, Tensor bias, boolean relu) {
        return linear(w, x, bias, relu, Gemm.VECTOR);
    }

    /** As above, the tail on vectors ({@link GemmVector#addBias}) or by the scalar loop (tests run both). */
    Tensor linear(Tensor w, Tensor x, Tensor bias, boolean relu, boolean vector) {
        OpChecks.linear(w, x, bias);
        if (vector && !Gemm.VECTOR) {
            throw new IllegalStateException("jdk.incubator.vector is not present");
        }
        Object bv = raw(bias);
        return product(w, false, x, false, (out, offC, n) -> biasEpilogue(out, offC, n, bv, relu, vector));
    }

    /**
     * {@link Backend#matmulStep}'s composition without its second array: the product, then each of its
     * elements multiplied in place by STEP of y (mulStep's arithmetic: times 1 or +0), in one pass split
     * between threads. (Masking each tile as it is finished, as linear adds its bias, was slower: the
     * tiles read y row by row across the whole array instead of in one sequential sweep.)
     */
    @Override
    public Tensor matmulStep(Tensor a, boolean transposeA, Tensor b, boolean transposeB, Tensor y) {
        return matmulStep(a, transposeA, b, transposeB, y, Gemm.VECTOR);
    }

    /** As above, the mask on vectors ({@link GemmVector#mulStep}) or by the scalar loop (tests run both). */
    Tensor matmulStep(Tensor a, boolean transposeA, Tensor b, boolean transposeB, Tensor y, boolean vector) {
        OpChecks.matmulStep(a, transposeA, b, transposeB, y);
        if (vector && !Gemm.VECTOR) {
            throw new IllegalStateException("jdk.incubator.vector is not present");
        }
        Tensor product = product(a, transposeA, b, transposeB, null);
        Object c = raw(product); // fresh: this op's own, so it may be written in place
        Object yv = raw(y);
        elementwise(product.numel(), (from, to) -> mulStepInPlace(c, yv, from, to - from, vector));
        return product;
    }

    /** c[o …] *= STEP(y[o …]) for {@code len} elements, mulStep's arithmetic (times 1 or +0). */
    private static void mulStepInPlace(Object c, Object y, int o, int len, boolean vector) {
        if (c instanceof float[]) {
            float[] cf = (float[]) c;
            float[] yf = (float[]) y;
            if (vector) {
                GemmVector.mulStep(cf, yf, o, len);
                return;
            }
            for (int j = o; j < o + len; j++) {
                cf[j] *= Float.intBitsToFloat(ONE_BITS_F32 & positiveMask(Float.floatToRawIntBits(yf[j])));
            }
            return;
        }
        double[] cd = (double[]) c;
        double[] yd = (double[]) y;
        if (vector) {
            GemmVector.mulStep(cd, yd, o, len);
            return;
        }
        for (int j = o; j < o + len; j++) {
            cd[j] *= Double.longBitsToDouble(ONE_BITS & positiveMask(Double.doubleToRawLongBits(yd[j])));
        }
    }

    /**
     * {@link Backend#matmulBatchSum}'s composition without the whole batched product: the products of a
     * chunk of problems into a scratch of at most 4 MB, added to a double accumulator in problem order
     * (the sum's order where the product has more than one element), rounded once at the end. The
     * relation encoder's weight gradient would otherwise write and read a (32, 512, 512) product, 33.5 MB.
     */
    @Override
    public Tensor matmulBatchSum(Tensor a, boolean transposeA, Tensor b, boolean transposeB) {
        int[] os = OpChecks.matmul(a, transposeA, b, transposeB);
        DType dt = a.dtype();
        // one output element or none (M·N ≤ 1): sum reads the whole batch as one contiguous run and adds it
        // as four chains, not in problem order, so the composition itself is the definition there
        if (os.length < 3 || !dt.isFloating() || os[os.length - 2] * os[os.length - 1] <= 1) {
            return Backend.super.matmulBatchSum(a, transposeA, b, transposeB);
        }
        Problems pr = problems(a, transposeA, b, transposeB, os);
        int mn = pr.m * pr.n;
        int nb = pr.offA.length;
        double[] acc = new double[mn];
        // a chunk of problems at a time, batched (threads split the chunk's tiles), into a scratch of at
        // most BATCH_SUM_SCRATCH elements; then added to the accumulator in problem order
        int chunk = Math.max(1, Math.min(nb, BATCH_SUM_SCRATCH / mn));
        Object c = Scratch.of(Scratch.MATRIX, dt == DType.F32, chunk * mn); // each chunk's products written whole before they are added
        for (int p0 = 0; p0 < nb; p0 += chunk) {
            int g = Math.min(chunk, nb - p0);
            int[] offC = new int[g];
            for (int q = 0; q < g; q++) {
                offC[q] = q * mn;
            }
            Gemm.multiply(this, pr.m, pr.n, pr.k,
                    Gemm.Operand.of(raw(a), Arrays.copyOfRange(pr.offA, p0, p0 + g), pr.ra, pr.ca, transposeA),
                    Gemm.Operand.of(raw(b), Arrays.copyOfRange(pr.offB, p0, p0 + g), pr.rb, pr.cb, transposeB),
                    c, offC, false);
            elementwise(mn, (from, to) -> {
                if (c instanceof float[]) {
                    float[] cf = (float[]) c;
                    for (int q = 0; q < g; q++) {
                        for (int i = from, o = q * mn; i < to; i++) {
                            acc[i] += cf[o + i];
                        }
                    }
                } else {
                    double[] cd = (double[]) c;
                    for (int q = 0; q < g; q++) {
                        for (int i = from, o = q * mn; i < to; i++) {
                            acc[i] += cd[o + i];
                        }
                    }
                }
            });
        }
        return make(acc, dt, new int[] {pr.m, pr.n});
    }

    /** Elements of {@link #matmulBatchSum}'s scratch: a chunk of problems' products (4 MB of floats). */
    private static final int BATCH_SUM_SCRATCH = 1 << 20;

    /** The tail of a fused product: its epilogue over the result array and C's offsets and row length. */
    private interface Tail {
        Gemm.Epilogue over(Object out, int[] offC, int n);
    }

    /** A batched product's sizes and the offsets of each problem's A and B (broadcast batches share one). */
    private record Problems(int m, int n, int k, int ra, int ca, int rb, int cb, int[] offA, int[] offB) {
    }

    private static Problems problems(Tensor a, boolean transposeA, Tensor b, boolean transposeB, int[] os) {
        int[] as = a.shape();
        int[] bs = b.shape();
        int ra = as[as.length - 2]; // stored rows and columns
        int ca = as[as.length - 1];
        int rb = bs[bs.length - 2];
        int cb = bs[bs.length - 1];
        int m = transposeA ? ca : ra;
        int k = transposeA ? ra : ca;
        int n = transposeB ? rb : cb;
        int[] batchA = Arrays.copyOf(as, as.length - 2);
        int[] batchB = Arrays.copyOf(bs, bs.length - 2);
        int[] batch = Arrays.copyOf(os, os.length - 2);
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
        return new Problems(m, n, k, ra, ca, rb, cb, offA, offB);
    }

    /** op(a)·op(b), with the tail's epilogue applied to each finished tile when {@code tail} is not null. */
    private Tensor product(Tensor a, boolean transposeA, Tensor b, boolean transposeB, Tail tail) {
        int[] os = OpChecks.matmul(a, transposeA, b, transposeB);
        DType dt = a.dtype();
        Problems pr = problems(a, transposeA, b, transposeB, os);
        int[] offC = new int[pr.offA.length];
        for (int p = 0; p < offC.length; p++) {
            offC[p] = p * pr.m * pr.n;
        }
        Object out = alloc(dt, offC.length * pr.m * pr.n);
        Gemm.multiply(this, pr.m, pr.n, pr.k, Gemm.Operand.of(raw(a), pr.offA, pr.ra, pr.ca, transposeA),
                Gemm.Operand.of(raw(b), pr.offB, pr.rb, pr.cb, transposeB), out, offC, false,
                tail == null ? null : tail.over(out, offC, pr.n));
        return wrap(out, dt, os);
    }

    /** Adds bias[i] to row i of a finished block of C (rounded in C's dtype), then ReLU when {@code relu}. */
    private static Gemm.Epilogue biasEpilogue(Object out, int[] offC, int n, Object bias, boolean relu, boolean vector) {
        if (out instanceof float[]) {
            float[] c = (float[]) out;
            float[] bv = (float[]) bias;
            return (p, i0, rows, j0, cols) -> {
                for (int i = i0; i < i0 + rows; i++) {
                    float b = bv[i];
                    int o = offC[p] + i * n + j0;
                    if (vector) {
                        GemmVector.addBias(c, o, cols, b, relu);
                    } else if (relu) {
                        for (int j = o; j < o + cols; j++) { // v > 0 ? v : +0, without a branch on the sign
                            int bits = Float.floatToRawIntBits(c[j] + b);
                            c[j] = Float.intBitsToFloat(bits & positiveMask(bits));
                        }
                    } else {
                        for (int j = o; j < o + cols; j++) {
                            c[j] += b;
                        }
                    }
                }
            };
        }
        double[] c = (double[]) out;
        double[] bv = (double[]) bias;
        return (p, i0, rows, j0, cols) -> {
            for (int i = i0; i < i0 + rows; i++) {
                double b = bv[i];
                int o = offC[p] + i * n + j0;
                if (vector) {
                    GemmVector.addBias(c, o, cols, b, relu);
                } else if (relu) {
                    for (int j = o; j < o + cols; j++) {
                        long bits = Double.doubleToRawLongBits(c[j] + b);
                        c[j] = Double.longBitsToDouble(bits & positiveMask(bits));
                    }
                } else {
                    for (int j = o; j < o + cols; j++) {
                        c[j] += b;
                    }
                }
            }
        };
    }

    // ================================================================ shape

    @Override
    public Tensor reshape(Tensor a, int... shape) {
        int[] s = OpChecks.reshape(a.shape(), shape);
        // Storage is never written after creation, so sharing it is safe.
        return wrap(raw(a), a.dtype(), s);
    }

    @Override
    public Tensor permute(Tensor a, int... perm) {
        int[] s = a.shape();
        int[] os = OpChecks.permute(s, perm);
        int[] st = Shape.strides(s);
        int[] src = new int[s.length];
        for (int i = 0; i < perm.length; i++) {
            src[i] = st[Math.floorMod(perm[i], s.length)];
        }
        return wrap(gatherStrided(raw(a), os, src, 0), a.dtype(), os);
    }

    /** Reads {@code x} with the given strides/offset into a fresh row-major array of shape {@code os}. */
    private Object gatherStrided(Object x, int[] os, int[] strides, int offset) {
        int n = Shape.numel(os);
        Object out = x instanceof float[] ? new float[n] : new double[n];
        if (n == 0) {
            return out;
        }
        int[][] c = coalesce(os, strides, Shape.strides(os));
        int[] dims = c[0];
        int[] st = c[1];
        int rank = dims.length;
        int inner = dims[rank - 1];
        int is = st[rank - 1];
        elementwise(n, (from, to) -> {
            for (int e = from; e < to; ) {
                int r = e / inner;
                int j0 = e - r * inner;
                int len = Math.min(inner - j0, to - e);
                int src = offset + j0 * is;
                for (int k = rank - 2, rem = r; k >= 0; k--) {
                    src += (rem % dims[k]) * st[k];
                    rem /= dims[k];
                }
                if (is == 1) {
                    System.arraycopy(x, src, out, e, len);
                } else if (is == 0) { // a broadcast row
                    if (x instanceof float[]) {
                        Arrays.fill((float[]) out, e, e + len, ((float[]) x)[src]);
                    } else {
                        Arrays.fill((double[]) out, e, e + len, ((double[]) x)[src]);
                    }
                } else if (x instanceof float[]) {
                    float[] xf = (float[]) x;
                    float[] of = (float[]) out;
                    for (int j = 0; j < len; j++) {
                        of[e + j] = xf[src + j * is];
                    }
                } else {
                    double[] xd = (double[]) x;
                    double[] od = (double[]) out;
                    for (int j = 0; j < len; j++) {
                        od[e + j] = xd[src + j * is];
                    }
                }
                e += len;
            }
        });
        return out;
    }

    @Override
    public Tensor expand(Tensor a, int... shape) {
        int[] s = a.shape();
        OpChecks.expand(s, shape);
        return wrap(gatherStrided(raw(a), shape, broadcastStrides(s, shape), 0), a.dtype(), shape.clone());
    }

    @Override
    public Tensor concat(int dim, Tensor... parts) {
        int k = OpChecks.concat(dim, parts);
        int[] s0 = parts[0].shape();
        int total = 0;
        for (Tensor p : parts) {
            total += p.size(k);
        }
        int[] os = Shape.with(s0, k, total);
        int outer = Shape.numel(Arrays.copyOfRange(s0, 0, k));
        int inner = Shape.numel(Arrays.copyOfRange(s0, k + 1, s0.length));
        Object out = alloc(parts[0].dtype(), Shape.numel(os));
        int at = 0;
        for (Tensor p : parts) {
            int len = p.size(k) * inner;
            Object x = raw(p);
            for (int o = 0; o < outer; o++) {
                System.arraycopy(x, o * len, out, o * total * inner + at, len);
            }
            at += len;
        }
        return wrap(out, parts[0].dtype(), os);
    }

    @Override
    public Tensor slice(Tensor a, int dim, int start, int end) {
        int[] s = a.shape();
        int k = OpChecks.slice(s, dim, start, end);
        int[] os = Shape.with(s, k, end - start);
        return wrap(gatherStrided(raw(a), os, Shape.strides(s), start * Shape.strides(s)[k]), a.dtype(), os);
    }

    @Override
    public Tensor padSlice(Tensor a, int dim, int start, int fullSize) {
        int[] s = a.shape();
        int k = OpChecks.padSlice(s, dim, start, fullSize);
        int[] os = Shape.with(s, k, fullSize);
        int outer = Shape.numel(Arrays.copyOfRange(s, 0, k));
        int inner = Shape.numel(Arrays.copyOfRange(s, k + 1, s.length));
        Object x = raw(a);
        Object out = alloc(a.dtype(), Shape.numel(os));
        int len = s[k] * inner;
        for (int o = 0; o < outer; o++) {
            System.arraycopy(x, o * len, out, o * fullSize * inner + start * inner, len);
        }
        return wrap(out, a.dtype(), os);
    }

    /**
     * The rows of an index tensor of shape {@code is} along dimension k (every position of the other
     * dimensions, in row-major order): for each, the offset Σ_{q≠k} idx[q]·strides[q].
     */
    private static int[] rowOffsets(int[] is, int k, int[] strides) {
        int rank = is.length;
        int rows = is[k] == 0 ? 0 : Shape.numel(is) / is[k];
        int[] out = new int[rows];
        int[] idx = new int[rank];
        int off = 0;
        for (int r = 0; r < rows; r++) {
            out[r] = off;
            for (int q = rank - 1; q >= 0; q--) {
                if (q == k) {
                    continue;
                }
                idx[q]++;
                off += strides[q];
                if (idx[q] < is[q]) {
                    break;
                }
                off -= strides[q] * is[q];
                idx[q] = 0;
            }
        }
        return out;
    }

    @Override
    public Tensor gather(Tensor a, int dim, Tensor index) {
        int k = OpChecks.gather(a, dim, index);
        int[] s = a.shape();
        int[] is = index.shape();
        Object x = raw(a);
        double[] ix = d(index);
        Object out = alloc(a.dtype(), ix.length);
        int[] st = Shape.strides(s);
        int[] ist = Shape.strides(is);
        int[] base = rowOffsets(is, k, st);
        int[] at = rowOffsets(is, k, ist);
        int len = is[k];
        int size = s[k];
        int sk = st[k];
        int ik = ist[k];
        AtomicBoolean bad = new AtomicBoolean();
        // rows split between threads; each index is checked where it is read (a bad one is skipped and
        // reported below, by the serial check, which names the first bad index)
        parallelFor(base.length, ix.length < PARALLEL_ELEMENTS ? base.length : grainFor(base.length), (from, to) -> {
            boolean ok = true;
            for (int r = from; r < to; r++) {
                if (x instanceof float[]) {
                    float[] xf = (float[]) x;
                    float[] of = (float[]) out;
                    for (int j = 0, i = at[r]; j < len; j++, i += ik) {
                        int iv = index(ix[i], size);
                        if (iv < 0) {
                            ok = false;
                            continue;
                        }
                        of[i] = xf[base[r] + iv * sk];
                    }
                } else {
                    double[] xd = (double[]) x;
                    double[] od = (double[]) out;
                    for (int j = 0, i = at[r]; j < len; j++, i += ik) {
                        int iv = index(ix[i], size);
                        if (iv < 0) {
                            ok = false;
                            continue;
                        }
                        od[i] = xd[base[r] + iv * sk];
                    }
                }
            }
            if (!ok) {
                bad.set(true);
            }
        });
        if (bad.get()) {
            OpChecks.indexValues("gather", ix, dim, size);
        }
        return wrap(out, a.dtype(), is);
    }

    /** The index value v as an int when it is a whole number in [0, size), else −1 (NaN included). */
    private static int index(double v, int size) {
        int iv = (int) v;
        return iv == v && iv >= 0 && iv < size ? iv : -1;
    }

    @Override
    public Tensor scatterAdd(Tensor base, int dim, Tensor index, Tensor src) {
        int k = OpChecks.scatterAdd(base, dim, index, src);
        int[] s = base.shape();
        int[] is = index.shape();
        // Each index row adds into its own row of the output (the positions that share all other
        // coordinates), so rows are independent: each is accumulated in double, in index order, and
        // rounded once.
        Object out = base.dtype() == DType.F32 ? f(base).clone() : d(base).clone();
        double[] ix = d(index);
        Object y = raw(src);
        int[] st = Shape.strides(s);
        int[] ss = Shape.strides(src.shape());
        int[] ist = Shape.strides(is);
        int[] rowBase = rowOffsets(is, k, st);
        int[] rowSrc = rowOffsets(is, k, ss);
        int[] rowIdx = rowOffsets(is, k, ist);
        int len = is[k];
        int size = s[k];
        int sk = st[k];
        int srk = ss[k];
        int ik = ist[k];
        AtomicBoolean bad = new AtomicBoolean();
        parallelFor(rowBase.length, Math.max(1, grainFor(rowBase.length)), (from, to) -> {
            double[] acc = new double[size];
            boolean ok = true;
            for (int r = from; r < to; r++) {
                read(out, rowBase[r], sk, acc, size);
                int io = rowIdx[r];
                int so = rowSrc[r];
                // as gather: an index is checked where it is read, a bad one skipped and reported below
                if (y instanceof float[]) {
                    float[] yf = (float[]) y;
                    for (int j = 0; j < len; j++) {
                        int iv = index(ix[io + j * ik], size);
                        if (iv < 0) {
                            ok = false;
                            continue;
                        }
                        acc[iv] += yf[so + j * srk];
                    }
                } else {
                    double[] yd = (double[]) y;
                    for (int j = 0; j < len; j++) {
                        int iv = index(ix[io + j * ik], size);
                        if (iv < 0) {
                            ok = false;
                            continue;
                        }
                        acc[iv] += yd[so + j * srk];
                    }
                }
                if (out instanceof float[]) {
                    float[] of = (float[]) out;
                    for (int v = 0; v < size; v++) {
                        of[rowBase[r] + v * sk] = (float) acc[v];
                    }
                } else {
                    double[] od = (double[]) out;
                    for (int v = 0; v < size; v++) {
                        od[rowBase[r] + v * sk] = acc[v];
                    }
                }
            }
            if (!ok) {
                bad.set(true);
            }
        });
        if (bad.get()) {
            OpChecks.indexValues("scatterAdd", ix, dim, size);
        }
        return out instanceof float[] ? wrap(out, base.dtype(), s) : make((double[]) out, base.dtype(), s);
    }

    /**
     * One pass per row (b, c): the products x[perm[j]]·w[j], each rounded as binary MUL rounds it, added
     * up as {@link #sum} adds a row ({@link #sumOf}, in double from 0, rounded once). N = 1 rows are
     * copied by sum, not added, so they take the composition.
     */
    @Override
    public Tensor sortedPool(Tensor x, Tensor perm, Tensor w) {
        OpChecks.sortedPool(x, perm, w);
        int[] s = x.shape();
        int nb = s[0];
        int nc = s[1];
        int n = s[2];
        if (n < 2 || nb * nc == 0) { // N = 1: sum copies, N = 0: sum of nothing
            return Backend.super.sortedPool(x, perm, w);
        }
        boolean perSample = w.rank() == 3;
        Object xs = raw(x);
        Object ws = raw(w);
        boolean f32 = xs instanceof float[];
        double[] ix = d(perm);
        double[] out = new double[nb * nc];
        AtomicBoolean bad = new AtomicBoolean();
        int rows = nb * nc;
        parallelFor(rows, ix.length < PARALLEL_ELEMENTS ? rows : grainFor(rows), (from, to) -> {
            double[] row = new double[n];
            boolean ok = true;
            for (int r = from; r < to; r++) {
                int base = r * n;
                int wo = (perSample ? r : r % nc) * n;
                for (int j = 0; j < n; j++) {
                    int iv = index(ix[base + j], n);
                    if (iv < 0) {
                        ok = false;
                        continue;
                    }
                    row[j] = f32
                            ? ((float[]) xs)[base + iv] * ((float[]) ws)[wo + j]
                            : ((double[]) xs)[base + iv] * ((double[]) ws)[wo + j];
                }
                out[r] = sumOf(row, n, 0.0);
            }
            if (!ok) {
                bad.set(true);
            }
        });
        if (bad.get()) {
            OpChecks.indexValues("sortedPool", ix, 2, n);
        }
        return make(out, x.dtype(), new int[] {nb, nc});
    }

    /**
     * One pass per row (b, c): position perm[j] gets 0 + g·w[j] (the product rounded as binary MUL
     * rounds it, the sum in double as scatterAdd's, rounded once), in j order.
     */
    @Override
    public Tensor sortedPoolGradX(Tensor g, Tensor w, Tensor perm) {
        int[] s = OpChecks.sortedPoolGrad(g, w, perm, w.shape());
        int nc = s[1];
        int n = s[2];
        if (s[0] * nc * n == 0) {
            return Backend.super.sortedPoolGradX(g, w, perm);
        }
        boolean perSample = w.rank() == 3;
        Object gs = raw(g);
        Object ws = raw(w);
        boolean f32 = gs instanceof float[];
        double[] ix = d(perm);
        Object out = alloc(g.dtype(), ix.length);
        AtomicBoolean bad = new AtomicBoolean();
        int rows = s[0] * nc;
        parallelFor(rows, ix.length < PARALLEL_ELEMENTS ? rows : grainFor(rows), (from, to) -> {
            double[] acc = new double[n];
            boolean ok = true;
            for (int r = from; r < to; r++) {
                int base = r * n;
                int wo = (perSample ? r : r % nc) * n;
                Arrays.fill(acc, 0.0);
                for (int j = 0; j < n; j++) {
                    int iv = index(ix[base + j], n);
                    if (iv < 0) {
                        ok = false;
                        continue;
                    }
                    acc[iv] += f32
                            ? ((float[]) gs)[r] * ((float[]) ws)[wo + j]
                            : ((double[]) gs)[r] * ((double[]) ws)[wo + j];
                }
                if (f32) {
                    float[] of = (float[]) out;
                    for (int v = 0; v < n; v++) {
                        of[base + v] = (float) acc[v];
                    }
                } else {
                    System.arraycopy(acc, 0, out, base, n);
                }
            }
            if (!ok) {
                bad.set(true);
            }
        });
        if (bad.get()) {
            OpChecks.indexValues("sortedPool gradient", ix, 2, n);
        }
        return wrap(out, g.dtype(), s);
    }

    /**
     * For w (C, N): per channel c, the B products g[b, c]·x[b, c, perm[j]] (rounded as binary MUL rounds
     * them) added in b order in double from 0 and rounded once, as sum over the batch adds them; a
     * batch of one is copied by sum, not added, and with C = N = 1 sum reads the B products as one run
     * and adds them in four chains, so those two take the composition. For w (B, C, N): the products
     * themselves.
     */
    @Override
    public Tensor sortedPoolGradW(Tensor g, Tensor x, Tensor perm, int[] wShape) {
        int[] s = OpChecks.sortedPoolGrad(g, x, perm, wShape);
        int nb = s[0];
        int nc = s[1];
        int n = s[2];
        boolean perSample = wShape.length == 3;
        if ((!perSample && (nb < 2 || nc * n == 1)) || nb * nc * n == 0) {
            return Backend.super.sortedPoolGradW(g, x, perm, wShape);
        }
        Object gs = raw(g);
        Object xs = raw(x);
        double[] ix = d(perm);
        boolean f32 = xs instanceof float[];
        AtomicBoolean bad = new AtomicBoolean();
        Object out;
        if (perSample) {
            out = alloc(g.dtype(), ix.length);
            int rows = nb * nc;
            parallelFor(rows, ix.length < PARALLEL_ELEMENTS ? rows : grainFor(rows), (from, to) -> {
                boolean ok = true;
                for (int r = from; r < to; r++) {
                    int base = r * n;
                    for (int j = 0; j < n; j++) {
                        int iv = index(ix[base + j], n);
                        if (iv < 0) {
                            ok = false;
                        } else if (f32) {
                            ((float[]) out)[base + j] = ((float[]) gs)[r] * ((float[]) xs)[base + iv];
                        } else {
                            ((double[]) out)[base + j] = ((double[]) gs)[r] * ((double[]) xs)[base + iv];
                        }
                    }
                }
                if (!ok) {
                    bad.set(true);
                }
            });
        } else {
            double[] acc = new double[nc * n];
            out = acc;
            // a task owns a range of channels and passes the samples in order, each sample's rows of the range
            // in turn: every acc element still adds its products in sample order, and the rows are read where
            // they lie one after the other instead of a sample's stride apart
            parallelFor(nc, ix.length < PARALLEL_ELEMENTS ? nc : grainFor(nc), (from, to) -> {
                boolean ok = true;
                for (int b = 0; b < nb; b++) {
                    for (int c = from; c < to; c++) {
                        int co = c * n;
                        int r = b * nc + c;
                        int base = r * n;
                        for (int j = 0; j < n; j++) {
                            int iv = index(ix[base + j], n);
                            if (iv < 0) {
                                ok = false;
                                continue;
                            }
                            acc[co + j] += f32 ? ((float[]) gs)[r] * ((float[]) xs)[base + iv]
                                    : ((double[]) gs)[r] * ((double[]) xs)[base + iv];
                        }
                    }
                }
                if (!ok) {
                    bad.set(true);
                }
            });
        }
        if (bad.get()) {
            OpChecks.indexValues("sortedPool gradient", ix, 2, n);
        }
        if (perSample) {
            return wrap(out, g.dtype(), s);
        }
        return make((double[]) out, g.dtype(), wShape.clone());
    }

    // ================================================================ images

    /** Output size of a window op along one side (the geometry was checked by {@link OpChecks}). */
    private static int outSize(String op, int in, int kernel, int stride, int pad) {
        return (in + 2 * pad - kernel) / stride + 1;
    }

    /**
     * The geometry of one convolution. Images are processed in groups of {@code group}: the group's
     * im2col matrix cols (K, G·P) — K = Cin·kh·kw rows, one column per (image, output pixel) — is
     * small enough to stay in cache-friendly bounds, and each convolution becomes one matrix product.
     * The group size depends only on the shapes.
     */
    static final class Conv {
        final int b, cin, h, w, cout, kh, kw, stride, pad, ho, wo, p, kk, group;

        Conv(int[] xs, int[] ws, int stride, int pad, String op) {
            b = xs[0];
            cin = xs[1];
            h = xs[2];
            w = xs[3];
            cout = ws[0];
            kh = ws[2];
            kw = ws[3];
            this.stride = stride;
            this.pad = pad;
            ho = outSize(op, h, kh, stride, pad);
            wo = outSize(op, w, kw, stride, pad);
            p = ho * wo;
            kk = cin * kh * kw;
            group = Math.max(1, Math.min(b, COLUMNS_PER_GROUP / p));
        }

        /**
         * Whether consecutive output pixels read consecutive input pixels under every tap: stride 1 and output
         * rows as wide as the input's (2·pad = kw − 1, ResNet34's 3 × 3 convolutions with padding 1). Output
         * pixel oy·wo + ox then reads, under tap (ky, kx), input pixel oy·w + ox + (ky − pad)·w + kx − pad.
         */
        boolean sameWidth() {
            return stride == 1 && wo == w;
        }

        /**
         * With {@link #sameWidth}: {@code dst[d + j]} = tap (ky, kx) of output pixel pix0 + j of the input
         * plane at {@code x[plane]} for j &lt; len, the input pixel or 0 where the tap lies outside the image.
         * One copy of the shifted run of pixels, then zeros where the run starts before the plane or ends past
         * it (taps above or below the image) and in the columns whose tap lies left or right of the image
         * (there the copy took the end of the row above or the start of the row below): the values im2col
         * defines, row by row, in a few calls instead of one per output row.
         */
        void copyTaps(Object x, int plane, int ky, int kx, int pix0, int len, Object dst, int d, boolean f32) {
            int s0 = pix0 + (ky - pad) * w + kx - pad;
            int a = Math.max(0, -s0);
            int b = Math.min(len, h * w - s0);
            if (a >= b) {
                fill(dst, d, d + len, f32);
                return;
            }
            fill(dst, d, d + a, f32);
            System.arraycopy(x, plane + s0 + a, dst, d + a, b - a);
            fill(dst, d + b, d + len, f32);
            int left = Math.min(w, pad - kx);      // output columns ox < left tap left of the image
            int right = Math.max(0, w + pad - kx); // ox ≥ right tap right of it
            if (left <= 0 && right >= w) {
                return;
            }
            for (int row = pix0 / w * w; row < pix0 + len; row += w) {
                fill(dst, d + Math.max(row, pix0) - pix0, d + Math.min(row + left, pix0 + len) - pix0, f32);
                fill(dst, d + Math.max(row + right, pix0) - pix0, d + Math.min(row + w, pix0 + len) - pix0, f32);
            }
        }

        /** The first output column whose input column o·stride + k − pad is ≥ 0. */
        int validFrom(int k, int size) {
            int need = pad - k; // o·stride ≥ need
            return need <= 0 ? 0 : Math.min(wo, (need + stride - 1) / stride);
        }

        /** One past the last output column whose input column o·stride + k − pad is &lt; size. */
        int validTo(int k, int size) {
            int lim = size - 1 + pad - k; // o·stride ≤ lim
            return lim < 0 ? 0 : Math.min(wo, lim / stride + 1);
        }
    }

    /**
     * Pixels per block of the weight gradient's product (its k): a packed B panel (k × 32 floats, 128 KB)
     * stays in L2 instead of streaming a 4096-pixel panel through it.
     */
    private static final int WEIGHT_KC = 1024;

    /** Target columns (image pixels) of one im2col matrix. */
    private static final int COLUMNS_PER_GROUP = 4096;

    /** cols (K, G·P) of images [n0, n0 + g): cols[(c·kh + ky)·kw + kx][q·P + oy·Wo + ox] (modified). */
    private void im2col(Object x, Conv cv, int n0, int g, Object cols) {
        int np = g * cv.p;
        boolean f32 = x instanceof float[];
        parallelFor(cv.kk, Math.max(1, grainFor(cv.kk)), (from, to) -> {
            for (int t = from; t < to; t++) {
                int c = t / (cv.kh * cv.kw);
                int ky = t / cv.kw % cv.kh;
                int kx = t % cv.kw;
                // output columns whose input column ix = ox·stride + kx − pad lies inside the image
                int lo = cv.validFrom(kx, cv.w);
                int hi = cv.validTo(kx, cv.w);
                for (int q = 0; q < g; q++) {
                    int xo = ((n0 + q) * cv.cin + c) * cv.h * cv.w;
                    int row = t * np + q * cv.p;
                    if (cv.sameWidth()) {
                        cv.copyTaps(x, xo, ky, kx, 0, cv.p, cols, row, f32);
                        continue;
                    }
                    for (int oy = 0; oy < cv.ho; oy++) {
                        int iy = oy * cv.stride + ky - cv.pad;
                        int ro = row + oy * cv.wo;
                        if (iy < 0 || iy >= cv.h || lo >= hi) {
                            fill(cols, ro, ro + cv.wo, f32);
                            continue;
                        }
                        fill(cols, ro, ro + lo, f32);
                        fill(cols, ro + hi, ro + cv.wo, f32);
                        int xs = xo + iy * cv.w + lo * cv.stride + kx - cv.pad;
                        if (cv.stride == 1) {
                            System.arraycopy(x, xs, cols, ro + lo, hi - lo);
                        } else if (f32) {
                            float[] xf = (float[]) x;
                            float[] cf = (float[]) cols;
                            for (int ox = lo; ox < hi; ox++, xs += cv.stride) {
                                cf[ro + ox] = xf[xs];
                            }
                        } else {
                            double[] xd = (double[]) x;
                            double[] cd = (double[]) cols;
                            for (int ox = lo; ox < hi; ox++, xs += cv.stride) {
                                cd[ro + ox] = xd[xs];
                            }
                        }
                    }
                }
            }
        });
    }

    /** a[from … to) = 0, a float[] when {@code f32}, else a double[]. */
    static void fill(Object a, int from, int to, boolean f32) {
        if (from < to) {
            if (f32) {
                Arrays.fill((float[]) a, from, to, 0f);
            } else {
                Arrays.fill((double[]) a, from, to, 0.0);
            }
        }
    }

    /**
     * Copies between the (B, C, P) layout of images [n0, n0 + g) and a (C, G·P) matrix; {@code toMatrix}
     * chooses the direction.
     */
    private static void regroup(Object images, int n0, int g, int c, int p, Object matrix, boolean toMatrix) {
        for (int q = 0; q < g; q++) {
            for (int ch = 0; ch < c; ch++) {
                int io = ((n0 + q) * c + ch) * p;
                int mo = ch * g * p + q * p;
                if (toMatrix) {
                    System.arraycopy(images, io, matrix, mo, p);
                } else {
                    System.arraycopy(matrix, mo, images, io, p);
                }
            }
        }
    }

    @Override
    public Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int pad) {
        OpChecks.conv2d(x, w, bias, stride, pad);
        DType dt = x.dtype();
        int[] xs = x.shape();
        int[] ws = w.shape();
        Conv cv = new Conv(xs, ws, stride, pad, "conv2d");
        Object xd = raw(x);
        Object out = alloc(dt, cv.b * cv.cout * cv.p);
        if (dt == DType.F32) {
            float[] xf = (float[]) xd;
            float[] wf = (float[]) raw(w);
            if (ConvPanels.insideOnly(cv, Gemm.PREFERRED)
                    && ConvPanels.paddingSkippable(xf, x.numel(), wf, w.numel())) {
                ConvPanels.forwardInside(this, xf, wf, cv, (float[]) out, Gemm.PREFERRED);
            } else if (ConvPanels.shifted(cv, Gemm.PREFERRED)) {
                ConvPanels.forwardShifted(this, xf, wf, cv, (float[]) out, Gemm.PREFERRED);
            } else {
                ConvPanels.forward(this, xf, wf, cv, (float[]) out, Gemm.PREFERRED);
            }
            return conv2dBias(out, bias, cv, dt);
        }
        Object cols = Scratch.of(Scratch.MATRIX, dt == DType.F32, cv.kk * cv.group * cv.p);
        Object prod = cv.group > 1 ? Scratch.of(Scratch.REGROUPED, dt == DType.F32, cv.cout * cv.group * cv.p) : null;
        Gemm.Operand wa = Gemm.Operand.of(raw(w), new int[] {0}, cv.cout, cv.kk, false);
        for (int n0 = 0; n0 < cv.b; n0 += cv.group) {
            int g = Math.min(cv.group, cv.b - n0);
            int np = g * cv.p;
            im2col(xd, cv, n0, g, cols);
            // y (Cout, G·P) = W (Cout, K) · cols (K, G·P)
            Gemm.Operand cb = new Gemm.Operand(cols, new int[] {0}, np, 1);
            if (g == 1) {
                Gemm.multiply(this, cv.cout, np, cv.kk, wa, cb, out, new int[] {n0 * cv.cout * cv.p}, false);
            } else {
                Gemm.multiply(this, cv.cout, np, cv.kk, wa, cb, prod, new int[] {0}, false);
                regroup(out, n0, g, cv.cout, cv.p, prod, false);
            }
        }
        return conv2dBias(out, bias, cv, dt);
    }

    /** y += bias per output channel (rounded to the dtype), then the (B, Cout, Ho, Wo) tensor. */
    private Tensor conv2dBias(Object out, Tensor bias, Conv cv, DType dt) {
        if (bias != null) {
            double[] bv = values(bias);
            for (int n = 0; n < cv.b; n++) {
                for (int co = 0; co < cv.cout; co++) {
                    int o = (n * cv.cout + co) * cv.p;
                    if (out instanceof float[]) {
                        float[] of = (float[]) out;
                        float bf = (float) bv[co];
                        for (int j = 0; j < cv.p; j++) {
                            of[o + j] += bf;
                        }
                    } else {
                        double[] od = (double[]) out;
                        for (int j = 0; j < cv.p; j++) {
                            od[o + j] += bv[co];
                        }
                    }
                }
            }
        }
        return wrap(out, dt, new int[] {cv.b, cv.cout, cv.ho, cv.wo});
    }

    @Override
    public Tensor conv2dBackwardInput(Tensor gy, Tensor w, int[] xShape, int stride, int pad) {
        OpChecks.conv2dBackwardInput(gy, w, xShape, stride, pad);
        DType dt = gy.dtype();
        int[] ws = w.shape();
        Conv cv = new Conv(xShape, ws, stride, pad, "conv2dBackwardInput");
        Object g = raw(gy);
        Object out = alloc(dt, Shape.numel(xShape));
        if (dt == DType.F32 && cv.sameWidth()) {
            ConvPanels.backwardInput(this, (float[]) g, (float[]) raw(w), cv, (float[]) out, Gemm.PREFERRED);
            return wrap(out, dt, xShape.clone());
        }
        Object cols = Scratch.of(Scratch.MATRIX, dt == DType.F32, cv.kk * cv.group * cv.p);
        Object gm = cv.group > 1 ? Scratch.of(Scratch.REGROUPED, dt == DType.F32, cv.cout * cv.group * cv.p) : null;
        Gemm.Operand wt = Gemm.Operand.of(raw(w), new int[] {0}, cv.cout, cv.kk, true);
        for (int n0 = 0; n0 < cv.b; n0 += cv.group) {
            int gn = Math.min(cv.group, cv.b - n0);
            int np = gn * cv.p;
            Gemm.Operand gb;
            if (gn == 1) {
                gb = new Gemm.Operand(g, new int[] {n0 * cv.cout * cv.p}, cv.p, 1);
            } else {
                regroup(g, n0, gn, cv.cout, cv.p, gm, true);
                gb = new Gemm.Operand(gm, new int[] {0}, np, 1);
            }
            // cols (K, G·P) = Wᵀ (K, Cout) · gy (Cout, G·P)
            Gemm.multiply(this, cv.kk, np, cv.cout, wt, gb, cols, new int[] {0}, false);
            col2im(cols, cv, n0, gn, out);
        }
        return wrap(out, dt, xShape.clone());
    }

    /**
     * Adds cols (K, G·P) back onto the image planes of images [n0, n0 + g) (modified); planes are
     * independent, and each adds its contributions in the fixed (ky, kx, oy, ox) order.
     */
    private void col2im(Object cols, Conv cv, int n0, int g, Object out) {
        int np = g * cv.p;
        boolean f32 = out instanceof float[];
        parallelFor(g * cv.cin, Math.max(1, grainFor(g * cv.cin)), (from, to) -> {
            for (int u = from; u < to; u++) {
                int q = u / cv.cin;
                int c = u % cv.cin;
                int xo = ((n0 + q) * cv.cin + c) * cv.h * cv.w;
                for (int ky = 0; ky < cv.kh; ky++) {
                    for (int kx = 0; kx < cv.kw; kx++) {
                        int row = ((c * cv.kh + ky) * cv.kw + kx) * np + q * cv.p;
                        int lo = cv.validFrom(kx, cv.w);
                        int hi = cv.validTo(kx, cv.w);
                        for (int oy = 0; oy < cv.ho; oy++) {
                            int iy = oy * cv.stride + ky - cv.pad;
                            if (iy < 0 || iy >= cv.h) {
                                continue;
                            }
                            int ro = row + oy * cv.wo;
                            int xs = xo + iy * cv.w + lo * cv.stride + kx - cv.pad;
                            if (f32) {
                                float[] of = (float[]) out;
                                float[] cf = (float[]) cols;
                                for (int ox = lo; ox < hi; ox++, xs += cv.stride) {
                                    of[xs] += cf[ro + ox];
                                }
                            } else {
                                double[] od = (double[]) out;
                                double[] cd = (double[]) cols;
                                for (int ox = lo; ox < hi; ox++, xs += cv.stride) {
                                    od[xs] += cd[ro + ox];
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    @Override
    public Tensor conv2dBackwardWeight(Tensor x, Tensor gy, int[] wShape, int stride, int pad) {
        OpChecks.conv2dBackwardWeight(x, gy, wShape, stride, pad);
        DType dt = x.dtype();
        int[] xs = x.shape();
        Conv cv = new Conv(xs, wShape, stride, pad, "conv2dBackwardWeight");
        Object xd = raw(x);
        Object g = raw(gy);
        Object out = alloc(dt, cv.cout * cv.kk);
        // on vectors where images have at least 16 output pixels: at ResNet34's last stride-2 convolution (2 × 2
        // outputs) the vector path took 7.5 ms a call against 5 ms through the patch matrix (op profile, two threads)
        if (dt == DType.F32 && cv.p >= 16 && Gemm.PREFERRED == Gemm.Kernel.WIDE && ConvVector.weightsOnVectors()) {
            ConvPanels.backwardWeight(this, (float[]) xd, (float[]) g, cv, (float[]) out, true);
            return wrap(out, dt, wShape.clone());
        }
        Object cols = Scratch.of(Scratch.MATRIX, dt == DType.F32, cv.kk * cv.group * cv.p);
        Object gm = cv.group > 1 ? Scratch.of(Scratch.REGROUPED, dt == DType.F32, cv.cout * cv.group * cv.p) : null;
        for (int n0 = 0; n0 < cv.b; n0 += cv.group) {
            int gn = Math.min(cv.group, cv.b - n0);
            int np = gn * cv.p;
            im2col(xd, cv, n0, gn, cols);
            Gemm.Operand ga;
            if (gn == 1) {
                ga = new Gemm.Operand(g, new int[] {n0 * cv.cout * cv.p}, cv.p, 1);
            } else {
                regroup(g, n0, gn, cv.cout, cv.p, gm, true);
                ga = new Gemm.Operand(gm, new int[] {0}, np, 1);
            }
            // gW (Cout, K) += gy (Cout, G·P) · colsᵀ (G·P, K), a block of WEIGHT_KC columns of gy at a
            // time (the packed panels of a block stay in L2): each element's chain runs on over the
            // blocks and the groups in image order, so neither changes the bits
            for (int t0 = 0; t0 < np; t0 += WEIGHT_KC) {
                Gemm.Operand a = new Gemm.Operand(ga.data(), new int[] {ga.off()[0] + t0}, ga.rowStride(), 1);
                Gemm.Operand b = Gemm.Operand.of(cols, new int[] {t0}, cv.kk, np, true);
                Gemm.multiply(this, cv.cout, cv.kk, Math.min(WEIGHT_KC, np - t0), a, b, out, new int[] {0}, n0 > 0 || t0 > 0);
            }
        }
        return wrap(out, dt, wShape.clone());
    }

    /**
     * The definition's scan (rows then columns of each window, the first maximum kept, a NaN always
     * taken) over the part of each window inside the image, read in place: float values compare as
     * their doubles do. An F32 plane without a NaN takes {@link #planeMax}, which finds the same
     * element in two passes.
     */
    @Override
    public Tensor maxPool2dIndices(Tensor x, int k, int stride, int pad) {
        int[] os = OpChecks.maxPool2d(x.shape(), k, stride, pad);
        int[] xs = x.shape();
        int planes = xs[0] * xs[1], h = xs[2], w = xs[3];
        int ho = os[2];
        int wo = os[3];
        Object xr = raw(x);
        double[] out = new double[planes * ho * wo];
        boolean f32 = xr instanceof float[];
        parallelFor(planes, Math.max(1, grainFor(planes)), (from, to) -> {
            int[] keys = f32 ? new int[h * w] : null;
            int[] rowKey = f32 ? new int[h * wo] : null;
            int[] rowCol = f32 ? new int[h * wo] : null;
            for (int pl = from; pl < to; pl++) {
                int base = pl * h * w;
                if (f32 && planeMax((float[]) xr, base, h, w, k, stride, pad, ho, wo, keys, rowKey, rowCol, out,
                        pl * ho * wo)) {
                    continue;
                }
                for (int oy = 0; oy < ho; oy++) {
                    int iy0 = oy * stride - pad;
                    int kyLo = Math.max(0, -iy0);
                    int kyHi = Math.min(k, h - iy0);
                    for (int ox = 0; ox < wo; ox++) {
                        int ix0 = ox * stride - pad;
                        int kxLo = Math.max(0, -ix0);
                        int kxHi = Math.min(k, w - ix0);
                        out[(pl * ho + oy) * wo + ox] = f32
                                ? windowMax((float[]) xr, base, w, iy0, ix0, kyLo, kyHi, kxLo, kxHi)
                                : windowMax((double[]) xr, base, w, iy0, ix0, kyLo, kyHi, kxLo, kxHi);
                    }
                }
            }
        });
        return wrap(out, DType.I64, new int[] {xs[0], xs[1], ho, wo});
    }

    /** The index within its plane of the window's first maximum (or last NaN); rows [kyLo, kyHi), columns [kxLo, kxHi). */
    private static int windowMax(float[] x, int base, int w, int iy0, int ix0, int kyLo, int kyHi, int kxLo, int kxHi) {
        int best = (iy0 + kyLo) * w + ix0 + kxLo; // the first element is taken whatever its value
        float bv = x[base + best];
        for (int ky = kyLo; ky < kyHi; ky++) {
            int row = (iy0 + ky) * w + ix0;
            for (int kx = kxLo; kx < kxHi; kx++) {
                float v = x[base + row + kx];
                boolean take = v > bv | v != v; // no short circuit: a conditional move, not a branch
                bv = take ? v : bv;
                best = take ? row + kx : best;
            }
        }
        return best;
    }

    /**
     * {@link #windowMax} of every window of one F32 plane without a NaN (false, nothing written, if it
     * has one), each element compared once per row instead of once per window it falls in. Without a
     * NaN the scan's answer is the first element of the largest value, +0 and −0 being equal, and the
     * first in the scan's order (rows, then columns) is the first column of the first row that holds
     * it. So: each element's order-preserving int key (of v + 0, which makes −0 +0); for every image row
     * and output column, the largest key over the window's columns and its first column ({@code
     * rowKey}, {@code rowCol}); for every window, the first row whose largest key is the window's
     * largest. ResNet34's stem pooling (3 × 3, stride 2, on 64 × 64 planes) reads each element's key
     * about twice instead of computing it in up to four windows.
     */
    private static boolean planeMax(float[] x, int base, int h, int w, int k, int stride, int pad, int ho, int wo,
                                    int[] keys, int[] rowKey, int[] rowCol, double[] out, int oo) {
        boolean nan = false;
        for (int i = 0; i < h * w; i++) {
            float v = x[base + i];
            nan |= v != v;
            keys[i] = key(v);
        }
        if (nan) {
            return false;
        }
        for (int y = 0; y < h; y++) {
            int r = y * w;
            for (int ox = 0; ox < wo; ox++) {
                int ix0 = ox * stride - pad;
                int lo = Math.max(0, ix0);
                int col = lo + firstLargest(keys, r + lo, 1, Math.min(w, ix0 + k) - lo);
                rowKey[y * wo + ox] = keys[r + col];
                rowCol[y * wo + ox] = col;
            }
        }
        for (int oy = 0; oy < ho; oy++) {
            int iy0 = oy * stride - pad;
            int lo = Math.max(0, iy0);
            int hi = Math.min(h, iy0 + k);
            for (int ox = 0; ox < wo; ox++) {
                int row = lo + firstLargest(rowKey, lo * wo + ox, wo, hi - lo);
                out[oo + oy * wo + ox] = row * w + rowCol[row * wo + ox];
            }
        }
        return true;
    }

    /** j in [0, n) of the first largest of keys[at], keys[at + step], …, keys[at + (n − 1)·step]. */
    private static int firstLargest(int[] keys, int at, int step, int n) {
        if (n == 3) { // a whole window of ResNet34's stem pooling: no loops, conditional moves
            int a = keys[at];
            int b = keys[at + step];
            int m = Math.max(Math.max(a, b), keys[at + 2 * step]);
            int j = b == m ? 1 : 2;
            return a == m ? 0 : j;
        }
        int m = keys[at];
        for (int j = 1; j < n; j++) {
            m = Math.max(m, keys[at + j * step]);
        }
        int first = n - 1;
        for (int j = n - 2; j >= 0; j--) {
            first = keys[at + j * step] == m ? j : first;
        }
        return first;
    }

    /** An int ordered as the float v is (v not NaN), the same for +0 and −0. */
    private static int key(float v) {
        int bits = Float.floatToRawIntBits(v + 0.0f);
        return bits ^ ((bits >> 31) >>> 1);
    }

    private static int windowMax(double[] x, int base, int w, int iy0, int ix0, int kyLo, int kyHi, int kxLo, int kxHi) {
        int best = (iy0 + kyLo) * w + ix0 + kxLo; // the first element is taken whatever its value
        double bv = x[base + best];
        for (int ky = kyLo; ky < kyHi; ky++) {
            int row = (iy0 + ky) * w + ix0;
            for (int kx = kxLo; kx < kxHi; kx++) {
                double v = x[base + row + kx];
                boolean take = v > bv | v != v; // no short circuit: a conditional move, not a branch
                bv = take ? v : bv;
                best = take ? row + kx : best;
            }
        }
        return best;
    }
}
