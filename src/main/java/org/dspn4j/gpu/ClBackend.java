package org.dspn4j.gpu;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.dspn4j.match.Hungarian;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.OpChecks;
import org.dspn4j.tensor.Shape;
import org.dspn4j.tensor.Tensor;

/**
 * The {@link Backend} seam on an OpenCL device: tensors live in the {@link ClEngine}'s resident
 * arena and ops run there without host round trips (only {@link #fromHost}, {@link #toHost},
 * {@code item()}, {@link #hostStep} and an eager {@link #assign}'s status read move data). A tensor's
 * arena range is freed when the tensor (and every reshape or cast sharing its storage) becomes
 * unreachable.
 *
 * <p>Storage: F32 tensors hold floats. <b>Index tensors (I32, I64) are held as floats too</b>,
 * which represent every integer of magnitude ≤ 2^24 = 16,777,216 exactly; {@link #fromHost}
 * refuses larger ones. Every index this project produces (sort positions, set slots, pixel
 * positions) is far below that. F64 is not supported on the device.
 *
 * <p>Precision, against the definition ({@code ReferenceBackend}, which {@code CpuBackend} equals bit
 * for bit): elementwise ops, index ops and scatter-add compute in double on the device and round
 * once, as the definition does, so their F32 results are the same bits (exp, log, tanh, pow and
 * sigmoid may differ by a float ulp where OpenCL's double builtins differ from Java's in the last
 * bits of the double). The matrix product and conv2d are the definition's float {@code fma} chains:
 * the same bits. Sums and the two convolution gradients add in another order (sums in plain
 * row-major order in double; a pixel's taps in double; one chain per image): within the bounds
 * {@code ClBackendReferenceProperties} states.
 *
 * <p>Argument errors are {@link OpChecks}': the same exception and message as every backend. An
 * out-of-range gather or scatter index surfaces at the next host read ({@link #checkIndices}).
 *
 * <p>Every op of {@link Backend} runs on the device; shapes beyond six dimensions that cannot be
 * merged throw {@link UnsupportedOperationException}.
 */
public final class ClBackend implements Backend {
    private static final Cleaner CLEANER = Cleaner.create();

    /** Largest integer magnitude an index tensor may hold: floats are exact up to 2^24. */
    static final double MAX_EXACT_INDEX = 1 << 24;
    /** Collections tried before an allocation that does not fit gives up. */
    private static final int GC_RETRIES = 3;

    private final ClEngine engine;
    /** The task graph being recorded by this backend, or null. */
    private Recording recording;

    /** Uses an open engine (not closed by this backend). */
    public ClBackend(ClEngine engine) {
        this.engine = engine;
    }

    @Override
    public String name() {
        return "opencl:" + engine.device().name();
    }

    public ClEngine engine() {
        return engine;
    }

    /** An arena range of one engine, owned by one or more tensors (reshapes and casts share it). */
    static final class Buffer {
        final ClEngine engine;
        final int offset;
        final int length;
        /** The recording (task graph) that owns this range, or null for a tensor freed by the collector. */
        final Recording owner;

        Buffer(ClEngine engine, int offset, int length) {
            this(engine, offset, length, null);
        }

        Buffer(ClEngine engine, int offset, int length, Recording owner) {
            this.engine = engine;
            this.offset = offset;
            this.length = length;
            this.owner = owner;
        }
    }

    /**
     * The state of one recording and, afterwards, of its task graph: the arena ranges it owns (freed
     * together when the graph closes), and the buffers of tensors made before the recording that its
     * ops read (kept reachable, so the collector cannot free them while the graph may replay).
     */
    static final class Recording {
        final Thread thread = Thread.currentThread();
        final List<Integer> owned = new ArrayList<>();
        final Map<Buffer, Boolean> externals = new IdentityHashMap<>();
        /**
         * Device checks of the recorded ops: the status range of each {@link #assign}, {offset,
         * problems, size}. A replay cannot read them (that would be a host read in the middle of the
         * graph); it sets {@link #unchecked}, and the next host read of a range the graph owns reads
         * them first ({@link #verify}).
         */
        final List<int[]> checks = new ArrayList<>();
        /** Set by a replay of a graph with checks; cleared when they were read and passed. */
        volatile boolean unchecked;
        /** Set when the checks of the last replay were read and failed (a bad assignment was reported). */
        volatile boolean assignFailed;
        /** The gathers and scatters the recording issued, in order: noted again at each replay. */
        final List<IndexUse> indexUses = new ArrayList<>();
        volatile boolean closed;
    }

    private Tensor allocate(DType dtype, int[] shape) {
        if (dtype == DType.F64) {
            throw new IllegalArgumentException("the OpenCL backend holds F32 tensors (and indices as floats), not " + dtype);
        }
        int n = Shape.numel(shape);
        ClArena arena = engine.arena();
        Recording rec = recording;
        if (rec != null) {
            if (Thread.currentThread() != rec.thread) {
                throw new IllegalStateException("this OpenCL backend is recording a task graph on thread '" + rec.thread.getName()
                        + "'; other threads cannot issue ops until the recording ends");
            }
            int off = allocOffset(arena, Math.max(n, 1));
            rec.owned.add(off);
            return new Tensor(this, dtype, shape, new Buffer(engine, off, n, rec)); // freed when the graph closes
        }
        int off = allocOffset(arena, Math.max(n, 1));
        Buffer b = new Buffer(engine, off, n);
        Tensor t = new Tensor(this, dtype, shape, b);
        ClEngine e = engine;
        CLEANER.register(b, () -> {
            synchronized (e) {
                arena.free(off);
            }
        });
        return t;
    }

    /**
     * Allocates in the arena; when it is full, first lets the collector find unreachable tensors.
     * NOTE: the Java heap does not feel arena pressure (a tensor object is a few bytes whatever its
     * size on the device), so garbage can fill the arena long before a collection would run.
     */
    private int allocOffset(ClArena arena, int n) {
        for (int attempt = 0; ; attempt++) {
            synchronized (engine) {
                try {
                    return arena.alloc(n);
                } catch (IllegalStateException full) {
                    if (attempt == GC_RETRIES) {
                        throw full;
                    }
                }
            }
            System.gc();
            try {
                Thread.sleep(10L << (2 * attempt)); // 10, 40, 160 ms for the cleaner thread to free ranges
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for arena space", e);
            }
        }
    }

    /** The arena range of a tensor of this backend's engine (other backends and engines are refused). */
    private Buffer buf(Tensor t) {
        Object s = t.storage();
        if (!(s instanceof Buffer) || ((Buffer) s).engine != engine) {
            throw new IllegalArgumentException("tensor " + Shape.str(t.shape()) + " lives on backend '"
                    + t.backend().name() + "', not on this OpenCL engine (" + name() + ")");
        }
        Buffer b = (Buffer) s;
        if (b.owner != null && b.owner.closed) {
            throw new IllegalStateException("tensor " + Shape.str(t.shape()) + " belongs to a task graph that was closed;"
                    + " its arena range has been freed");
        }
        Recording rec = recording;
        if (rec != null && b.owner != rec) {
            rec.externals.put(b, Boolean.TRUE);
        }
        return b;
    }

    private int off(Tensor t) {
        return buf(t).offset;
    }

    /**
     * Keeps tensors reachable until their kernels have run: once only their int offsets are in use,
     * the collector could otherwise free their ranges and a later allocation could reuse them.
     */
    private static void keep(Tensor a) {
        Reference.reachabilityFence(a);
    }

    /** For ops added to {@link Backend} before their kernel exists: names the op. */
    @SuppressWarnings("unused")
    private static UnsupportedOperationException notYet(String op) {
        return new UnsupportedOperationException("the OpenCL backend does not run '" + op + "' yet");
    }


    /** Integer dtypes store truncated values (as the definition rounds on store): truncates in place. */
    private Tensor rounded(Tensor t) {
        if (!t.dtype().isFloating() && t.numel() > 0) {
            engine.trunc(off(t), off(t), t.numel());
        }
        return t;
    }

    // ---------------------------------------------------------------- task graphs

    /**
     * Records {@code body} once on this backend and returns a graph that replays its device launches
     * on new inputs, with consecutive elementwise launches fused ({@link ClTaskGraph}). The inputs
     * given to the body are F32 tensors of the given shapes (zeros while recording).
     *
     * @throws IllegalStateException when the body reads device data on the host (toHost, item(); a
     *     {@link #hostStep} is the one host read a recording captures) or records while another
     *     recording runs; the message names the op
     */
    public ClTaskGraph record(Function<Tensor[], Tensor[]> body, int[]... inputShapes) {
        return record(true, body, inputShapes);
    }

    /** As {@link #record(Function, int[]...)}; {@code fuse = false} replays the captured launches one by one. */
    public ClTaskGraph record(boolean fuse, Function<Tensor[], Tensor[]> body, int[]... inputShapes) {
        if (recording != null) {
            throw new IllegalStateException("this OpenCL backend is already recording a task graph (recordings do not nest)");
        }
        int[][] shapes = new int[inputShapes.length][];
        for (int i = 0; i < shapes.length; i++) {
            shapes[i] = inputShapes[i].clone();
        }
        Recording rec = new Recording();
        List<ClEngine.Launch> launches;
        Tensor[] inputs = new Tensor[shapes.length];
        Tensor[] outputs;
        boolean done = false;
        synchronized (engine) {
            recording = rec;
        }
        try {
            for (int i = 0; i < shapes.length; i++) {
                inputs[i] = allocate(DType.F32, shapes[i]);
                if (inputs[i].numel() > 0) {
                    engine.fill(off(inputs[i]), inputs[i].numel(), 0f);
                }
            }
            engine.beginRecording();
            try {
                outputs = body.apply(inputs.clone());
            } finally {
                launches = engine.endRecording();
            }
            if (outputs == null) {
                throw new IllegalArgumentException("task graph body returned null");
            }
            for (Tensor o : outputs) {
                buf(o); // refuses other backends; keeps outputs made before the recording reachable
            }
            done = true;
        } finally {
            synchronized (engine) {
                recording = null;
            }
            if (!done) {
                freeOwned(rec);
            }
        }
        return new ClTaskGraph(this, rec, shapes, inputs, outputs, launches, fuse);
    }

    /** Frees every range a recording owns; its tensors refuse further use. */
    void freeOwned(Recording rec) {
        rec.closed = true;
        synchronized (engine) {
            for (int off : rec.owned) {
                engine.arena().free(off);
            }
        }
        rec.owned.clear();
        rec.externals.clear();
    }

    /** An arena range owned by a recording, outside any tensor (a fused program). */
    int allocateOwned(Recording rec, int n) {
        int off = allocOffset(engine.arena(), Math.max(n, 1));
        rec.owned.add(off);
        return off;
    }

    /** Buffer of a tensor of this engine (package access for ClTaskGraph). */
    Buffer bufferOf(Tensor t) {
        return buf(t);
    }

    // ---------------------------------------------------------------- transfers

    @Override
    public Tensor fromHost(double[] data, DType dtype, int... shape) {
        OpChecks.fromHost(data, shape);
        Tensor t = allocate(dtype, shape);
        float[] f = deviceFloats("fromHost", data, dtype);
        if (f.length > 0) {
            engine.upload(off(t), f);
        }
        return t;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here: downloads {@code in}'s range, applies {@code f}, uploads the result into a new tensor's
     * range ({@link ClEngine#hostStep}). While recording, the step is captured as a host-step entry of
     * the graph (source range, {@code f}, the output's range, which the graph owns); each replay
     * performs it again at its place.
     */
    @Override
    public Tensor hostStep(Tensor in, HostFunction f, DType outDtype, int... outShape) {
        if (recording == null) {
            checkIndices();
        }
        Buffer src = buf(in);
        int[] os = outShape.clone();
        Tensor out = allocate(outDtype, os);
        int m = out.numel();
        ClEngine.HostCall call = values -> {
            double[] d = new double[values.length];
            for (int i = 0; i < d.length; i++) {
                d[i] = values[i];
            }
            double[] r = f.apply(d);
            OpChecks.hostStepOutput(r, os);
            return deviceFloats("hostStep", r, outDtype);
        };
        engine.hostStep(src.offset, src.length, call, off(out), m);
        keep(in);
        return out;
    }

    /** Host values rounded to {@code dtype}, as floats for the arena (index values must be exact floats). */
    private static float[] deviceFloats(String op, double[] data, DType dtype) {
        float[] f = new float[data.length];
        boolean index = !dtype.isFloating();
        for (int i = 0; i < f.length; i++) {
            double v = dtype.round(data[i]);
            if (index && Math.abs(v) > MAX_EXACT_INDEX) {
                throw new IllegalArgumentException(op + ": " + dtype + " value " + (long) v + " at " + i
                        + " exceeds 2^24; the OpenCL backend holds index tensors as floats");
            }
            f[i] = (float) v;
        }
        return f;
    }

    @Override
    public double[] toHost(Tensor t) {
        if (recording == null && t.storage() instanceof Buffer && ((Buffer) t.storage()).owner != null) {
            verify(((Buffer) t.storage()).owner);
        }
        if (recording != null) {
            throw new IllegalStateException("toHost of a tensor " + Shape.str(t.shape()) + " (toDoubles(), toFloats(), item()) "
                    + "while recording a task graph: a host read of device data cannot be recorded, since a replay "
                    + "re-issues only the device launches; read the graph's outputs after replay instead");
        }
        checkIndices();
        Buffer b = buf(t);
        double[] out = new double[b.length];
        if (b.length == 0) {
            return out;
        }
        float[] f = engine.download(b.offset, b.length);
        for (int i = 0; i < out.length; i++) {
            out[i] = f[i];
        }
        return out;
    }

    @Override
    public Tensor full(double value, DType dtype, int... shape) {
        Tensor t = allocate(dtype, shape);
        if (t.numel() > 0) {
            engine.fill(off(t), t.numel(), (float) dtype.round(value));
        }
        return t;
    }

    @Override
    public Tensor cast(Tensor a, DType dtype) {
        Buffer b = buf(a);
        if (dtype == DType.F64) {
            throw new IllegalArgumentException("the OpenCL backend holds F32 tensors (and indices as floats), not " + dtype);
        }
        if (a.dtype().isFloating() && !dtype.isFloating()) {
            Tensor out = allocate(dtype, a.shape());
            if (a.numel() > 0) {
                engine.trunc(b.offset, off(out), a.numel());
            }
            keep(a);
            return out;
        }
        // integers to F32, between integer types, or to the same type: the floats already hold the values
        return new Tensor(this, dtype, a.shape(), b);
    }

    // ---------------------------------------------------------------- elementwise

    @Override
    public Tensor binary(Binary op, Tensor a, Tensor b) {
        int[] os = OpChecks.binary(op, a, b);
        Tensor out = allocate(a.dtype(), os);
        engine.binary(op, off(a), Geometry.broadcastStrides(a.shape(), os), off(b),
                Geometry.broadcastStrides(b.shape(), os), off(out), os);
        keep(a);
        keep(b);
        return rounded(out);
    }

    @Override
    public Tensor unary(Unary op, Tensor a) {
        Tensor out = allocate(a.dtype(), a.shape());
        engine.unary(op, off(a), off(out), a.numel());
        keep(a);
        return rounded(out);
    }

    @Override
    public Tensor affine(Tensor a, double scale, double shift) {
        Tensor out = allocate(a.dtype(), a.shape());
        engine.affine(off(a), off(out), a.numel(), scale, shift);
        keep(a);
        return rounded(out);
    }

    @Override
    public Tensor affine(Tensor a, Tensor coefficients, int pair) {
        OpChecks.affineCoefficients(coefficients, pair);
        Tensor out = allocate(a.dtype(), a.shape());
        engine.affineAt(off(a), off(coefficients) + 6 * pair, off(out), a.numel());
        keep(a);
        keep(coefficients);
        return rounded(out);
    }

    @Override
    public Tensor pow(Tensor a, double p) {
        Tensor out = allocate(a.dtype(), a.shape());
        engine.pow(off(a), off(out), a.numel(), p);
        keep(a);
        return rounded(out);
    }

    @Override
    public Tensor clamp(Tensor a, double lo, double hi) {
        Tensor out = allocate(a.dtype(), a.shape());
        engine.clamp(off(a), off(out), a.numel(), lo, hi);
        keep(a);
        return rounded(out);
    }

    @Override
    public Tensor inRange(Tensor a, double lo, double hi) {
        Tensor out = allocate(a.dtype(), a.shape());
        engine.inRange(off(a), off(out), a.numel(), lo, hi);
        keep(a);
        return out;
    }

    // ---------------------------------------------------------------- reductions and ordering

    @Override
    public Tensor sum(Tensor a, int[] dims, boolean keepDim) {
        int[] s = a.shape();
        boolean[] reduce = OpChecks.sum(s, dims);
        int[] st = Shape.strides(s);
        int kept = 0;
        for (boolean r : reduce) {
            kept += r ? 0 : 1;
        }
        int[] keptShape = new int[kept];
        int[] keptStrides = new int[kept];
        int[] redShape = new int[s.length - kept];
        int[] redStrides = new int[s.length - kept];
        int[] outShape = keepDim ? s.clone() : keptShape;
        for (int i = 0, k = 0, r = 0; i < s.length; i++) {
            if (reduce[i]) {
                redShape[r] = s[i];
                redStrides[r++] = st[i];
                if (keepDim) {
                    outShape[i] = 1;
                }
            } else {
                keptShape[k] = s[i];
                keptStrides[k++] = st[i];
            }
        }
        Tensor out = allocate(a.dtype(), outShape);
        engine.sumDims(off(a), keptShape, keptStrides, redShape, redStrides, off(out));
        keep(a);
        return out;
    }

    /** Sizes before, along and after dimension k: (outer, len, inner). */
    private static int[] aroundDim(int[] s, int k) {
        return new int[] {Shape.numel(Arrays.copyOfRange(s, 0, k)), s[k], Shape.numel(Arrays.copyOfRange(s, k + 1, s.length))};
    }

    @Override
    public Tensor argmax(Tensor a, int dim) {
        int[] s = a.shape();
        int k = OpChecks.argmax(s, dim);
        int[] oli = aroundDim(s, k);
        Tensor out = allocate(DType.I64, Shape.with(s, k, 1));
        engine.argmax(off(a), oli[0], oli[1], oli[2], off(out));
        keep(a);
        return out;
    }

    @Override
    public Tensor argsort(Tensor a, int dim, boolean descending) {
        int[] s = a.shape();
        int k = OpChecks.argsort(s, dim);
        int[] oli = aroundDim(s, k);
        Tensor out = allocate(DType.I64, s);
        engine.argsort(off(a), oli[0], oli[1], oli[2], descending, off(out));
        keep(a);
        return out;
    }

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
        int[] tst = Geometry.broadcastStrides(tlead, lead);
        for (int i = 0; i < tst.length; i++) {
            tst[i] *= c * n;
        }
        int[] os = Arrays.copyOf(lead, lead.length + 2);
        os[lead.length] = 2;
        os[lead.length + 1] = n;
        Tensor out = allocate(DType.I64, os);
        engine.chamferArgmin(off(pred), off(target), lead, tst, c, n, off(out));
        keep(pred);
        keep(target);
        return out;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here: one ASSIGN launch ({@link ClEngine#assign}: one work-item per problem, Hungarian's
     * procedure in double over arena scratch, no host step) that also writes a status per problem.
     * Eagerly the status (two floats per problem) is read right after the launch, and a bad cost throws
     * here. While a task graph is recorded nothing may be read: the status range belongs to the graph
     * and is registered with it; after each replay the first host read of a range the graph owns (its
     * outputs: a loss's {@code item()}) reads the statuses first and throws the same message
     * ({@link ClTaskGraph#check}). A problem with a bad cost gets NaN indices, so what is gathered
     * with them is NaN too, not a plausible number.
     */
    @Override
    public Tensor assign(Tensor costs) {
        OpChecks.assign(costs);
        int[] s = costs.shape();
        int b = s[0];
        int n = s[1];
        ClEngine.checkAssignSize(n);
        Tensor out = allocate(DType.I64, new int[] {b, n});
        Tensor status = allocate(DType.F32, new int[] {b, 2});
        Tensor scratch = allocate(DType.F32, new int[] {ClEngine.assignScratch(b, n)});
        engine.assign(off(costs), b, n, Hungarian.MAX_ASSIGN_COST, off(scratch), off(status), off(out));
        Recording rec = recording;
        if (rec != null) {
            rec.checks.add(new int[] {off(status), b, n});
        } else {
            checkAssign(off(status), b, n);
        }
        keep(costs);
        keep(scratch);
        keep(status);
        return out;
    }

    /** Reads an ASSIGN status range and throws for the first problem with a bad cost. */
    private void checkAssign(int status, int problems, int size) {
        if (problems == 0) {
            return;
        }
        float[] st = engine.download(status, 2 * problems);
        for (int p = 0; p < problems; p++) {
            int code = (int) st[2 * p];
            if (code > 0) {
                int e = code - 1;
                throw new IllegalArgumentException(Hungarian.badCost(p, e / size, e % size, st[2 * p + 1]));
            }
            if (code != 0) {
                throw new IllegalStateException("assign: the device solver found no augmenting column for costs[" + p
                        + "] (status " + st[2 * p] + "); the costs were within the bound, so this is a bug");
            }
        }
    }

    /** The device checks of a replayed graph, once per replay (see {@link Recording#checks}). */
    void verify(Recording rec) {
        if (!rec.unchecked || rec.closed) {
            return;
        }
        try {
            for (int[] c : rec.checks) {
                checkAssign(c[0], c[1], c[2]);
            }
        } catch (IllegalArgumentException e) {
            rec.assignFailed = true;
            throw e;
        }
        rec.unchecked = false;
    }

    /**
     * Clears the index-error flag and the noted gathers and scatters without reporting them: for a
     * replay whose bad assignment was reported already, whose NaN indices then raised the flag.
     */
    void discardIndexError() {
        engine.takeIndexError();
    }

    // ---------------------------------------------------------------- linear algebra

    @Override
    public Tensor matmul(Tensor a, Tensor b) {
        int[] os = OpChecks.matmul(a, false, b, false);
        DType dt = a.dtype();
        int[] as = a.shape();
        int[] bs = b.shape();
        int m = as[as.length - 2];
        int k = as[as.length - 1];
        int n = bs[bs.length - 1];
        int[] batchA = Arrays.copyOf(as, as.length - 2);
        int[] batchB = Arrays.copyOf(bs, bs.length - 2);
        int[] batch = Arrays.copyOf(os, os.length - 2);
        int[] sa = Geometry.broadcastStrides(batchA, batch);
        int[] sb = Geometry.broadcastStrides(batchB, batch);
        for (int i = 0; i < batch.length; i++) {
            sa[i] *= m * k;
            sb[i] *= k * n;
        }
        Tensor out = allocate(dt, os);
        engine.matmul(off(a), sa, off(b), sb, batch, off(out), m, k, n);
        keep(a);
        keep(b);
        return out;
    }

    /** Transposed operands are copied once on the device by the strided-copy kernel, then multiplied. */
    @Override
    public Tensor matmul(Tensor a, boolean transposeA, Tensor b, boolean transposeB) {
        OpChecks.matmul(a, transposeA, b, transposeB);
        return matmul(transposeA ? swapLastTwo(a) : a, transposeB ? swapLastTwo(b) : b);
    }

    private Tensor swapLastTwo(Tensor t) {
        int r = t.rank();
        int[] perm = new int[r];
        for (int i = 0; i < r; i++) {
            perm[i] = i;
        }
        perm[r - 2] = r - 1;
        perm[r - 1] = r - 2;
        return permute(t, perm);
    }

    // ---------------------------------------------------------------- shape

    @Override
    public Tensor reshape(Tensor a, int... shape) {
        int[] s = OpChecks.reshape(a.shape(), shape);
        return new Tensor(this, a.dtype(), s, buf(a)); // shares the arena range (tensors are immutable)
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
        Tensor out = allocate(a.dtype(), os);
        engine.stridedCopy(off(a), src, off(out), Shape.strides(os), os);
        keep(a);
        return out;
    }

    @Override
    public Tensor expand(Tensor a, int... shape) {
        int[] s = a.shape();
        OpChecks.expand(s, shape);
        Tensor out = allocate(a.dtype(), shape);
        engine.stridedCopy(off(a), Geometry.broadcastStrides(s, shape), off(out), Shape.strides(shape), shape);
        keep(a);
        return out;
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
        int[] ost = Shape.strides(os);
        Tensor out = allocate(parts[0].dtype(), os);
        int at = 0;
        for (Tensor p : parts) {
            int[] ps = p.shape();
            engine.stridedCopy(off(p), Shape.strides(ps), off(out) + at * ost[k], ost, ps);
            at += ps[k];
            keep(p);
        }
        return out;
    }

    @Override
    public Tensor slice(Tensor a, int dim, int start, int end) {
        int[] s = a.shape();
        int k = OpChecks.slice(s, dim, start, end);
        int[] os = Shape.with(s, k, end - start);
        int[] st = Shape.strides(s);
        Tensor out = allocate(a.dtype(), os);
        if (Shape.numel(os) > 0) {
            engine.stridedCopy(off(a) + start * st[k], st, off(out), Shape.strides(os), os);
        }
        keep(a);
        return out;
    }

    @Override
    public Tensor padSlice(Tensor a, int dim, int start, int fullSize) {
        int[] s = a.shape();
        int k = OpChecks.padSlice(s, dim, start, fullSize);
        int[] os = Shape.with(s, k, fullSize);
        int[] ost = Shape.strides(os);
        Tensor out = full(0.0, a.dtype(), os);
        if (a.numel() > 0) {
            engine.stridedCopy(off(a), Shape.strides(s), off(out) + start * ost[k], ost, s);
        }
        keep(a);
        return out;
    }

    /**
     * {@inheritDoc}
     *
     * <p>An index outside the dimension is the same {@link IndexOutOfBoundsException} as on every
     * backend ({@link OpChecks#indexValues}), raised at the next host read rather than here: the kernel
     * writes NaN there and raises the engine's index-error flag, which {@link #checkIndices} reads.
     */
    @Override
    public Tensor gather(Tensor a, int dim, Tensor index) {
        int k = OpChecks.gather(a, dim, index);
        int[] s = a.shape();
        int[] is = index.shape();
        int[] st = Shape.strides(s);
        int[] dataStrides = st.clone();
        dataStrides[k] = 0;
        Tensor out = allocate(a.dtype(), is);
        engine.gather(off(a), dataStrides, st[k], s[k], off(index), is, off(out));
        noteIndexUse(new IndexUse("gather", dim, s[k], index));
        keep(a);
        keep(index);
        return out;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Deterministic without atomics: one work-item per output element collects its
     * contributions in index order (the definition's order) in double. When the index is smaller than
     * {@code base} off the scattered dimension, or src differs from the index's shape, index and src
     * are first copied into blocks of base's extent (index padded with NaN, which never matches).
     * An index outside the dimension is reported as by {@link #gather}.
     */
    @Override
    public Tensor scatterAdd(Tensor base, int dim, Tensor index, Tensor src) {
        int k = OpChecks.scatterAdd(base, dim, index, src);
        int[] s = base.shape();
        int[] is = index.shape();
        int[] padded = Shape.with(s, k, is[k]);
        Tensor idx = index;
        Tensor vals = src;
        if (!Shape.same(is, padded)) {
            idx = full(Double.NaN, DType.F32, padded);
            engine.stridedCopy(off(index), Shape.strides(is), off(idx), Shape.strides(padded), is);
        }
        if (!Shape.same(src.shape(), padded)) {
            vals = full(0.0, src.dtype(), padded);
            engine.stridedCopy(off(src), Shape.strides(src.shape()), off(vals), Shape.strides(padded), is);
        }
        int[] oli = aroundDim(s, k);
        Tensor out = allocate(base.dtype(), s);
        engine.scatterAdd(off(base), oli[0], oli[1], oli[2], off(idx), is[k], off(vals), off(out));
        noteIndexUse(new IndexUse("scatterAdd", dim, s[k], index));
        keep(base);
        keep(index);
        keep(src);
        keep(idx);
        keep(vals);
        return out;
    }

    // ---------------------------------------------------------------- index checks

    /** A gather or scatter issued on the engine: its op, dimension and size, and the index it read. */
    record IndexUse(String op, int dim, int size, Tensor index) {
    }

    /** Most index uses noted before an eager op checks them (each holds its index tensor's range). */
    private static final int MAX_PENDING_INDEX_USES = 4096;

    private void noteIndexUse(IndexUse use) {
        engine.noteIndexUse(use);
        Recording rec = recording;
        if (rec != null) {
            rec.indexUses.add(use);
        } else if (engine.pendingIndexUses() >= MAX_PENDING_INDEX_USES) {
            checkIndices();
        }
    }

    /**
     * Out-of-range gather and scatter indices, reported where the host next reads the device: the
     * GATHER and SCATTER_ADD kernels cannot throw, so they raise the engine's index-error flag. This
     * reads it (one download of one float, only when a gather or scatter ran since the last read) at
     * every host read ({@link #toHost}, {@code item()}, a {@link #hostStep} outside a recording), before
     * a task graph replays again, and every {@value #MAX_PENDING_INDEX_USES} eager gathers and scatters;
     * never inside a recording, where a read could not be replayed. When the flag is up, the index
     * tensors of the uses since the last read are downloaded in launch order and the first out-of-range
     * value throws {@link OpChecks#indexValues}' exception — the one every backend throws.
     */
    void checkIndices() {
        List<Object> uses = engine.takeIndexError();
        if (uses == null) {
            return;
        }
        for (Object u : uses) {
            IndexUse use = (IndexUse) u;
            Buffer b = (Buffer) use.index().storage();
            if (b.owner != null && b.owner.closed) {
                continue; // its task graph was closed: its indices are gone
            }
            float[] f = engine.download(b.offset, b.length);
            double[] values = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                values[i] = f[i];
            }
            OpChecks.indexValues(use.op(), values, use.dim(), use.size());
        }
        throw new IndexOutOfBoundsException("gather/scatterAdd: an index was out of range in a task graph that has been "
                + "closed since");
    }

    // ---------------------------------------------------------------- images
    // conv2d as im2col + a batched matmul with the weight broadcast over the batch; its gradients
    // as the adjoint pieces (matmul with the transposed weight + col2im; im2col + matmul + a sum
    // over the batch, or, with more output channels than pixels, one matmul over batch and pixels).
    // Products are the definition's float fma chains, so conv2d gives its bits; the gradients add
    // their pieces in another order (ClBackendImageOpsTest states the bound).

    /** cols (B, Cin·kh·kw, Ho·Wo) of x (B, Cin, H, W). */
    private Tensor im2col(Tensor x, int kh, int kw, int stride, int pad, int ho, int wo) {
        int[] xs = x.shape();
        Tensor cols = allocate(x.dtype(), new int[] {xs[0], xs[1] * kh * kw, ho * wo});
        engine.im2col(off(x), xs[0], xs[1], xs[2], xs[3], kh, kw, stride, pad, ho, wo, off(cols));
        keep(x);
        return cols;
    }

    @Override
    public Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int pad) {
        int[] os = OpChecks.conv2d(x, w, bias, stride, pad);
        int[] xs = x.shape();
        int[] ws = w.shape();
        int cout = ws[0];
        int ho = os[2];
        int wo = os[3];
        Tensor cols = im2col(x, ws[2], ws[3], stride, pad, ho, wo);                  // (B, kk, P)
        Tensor y = matmul(reshape(w, cout, ws[1] * ws[2] * ws[3]), cols);             // (B, Cout, P)
        if (bias != null) {
            y = binary(Binary.ADD, y, reshape(bias, cout, 1));
        }
        return reshape(y, xs[0], cout, ho, wo);
    }

    @Override
    public Tensor conv2dBackwardInput(Tensor gy, Tensor w, int[] xShape, int stride, int pad) {
        OpChecks.conv2dBackwardInput(gy, w, xShape, stride, pad);
        int[] ws = w.shape();
        int b = xShape[0], cin = xShape[1], h = xShape[2], wd = xShape[3];
        int cout = ws[0], kh = ws[2], kw = ws[3];
        int ho = gy.size(2);
        int wo = gy.size(3);
        int kk = cin * kh * kw;
        Tensor wt = permute(reshape(w, cout, kk), 1, 0);                              // (kk, Cout)
        Tensor cols = matmul(wt, reshape(gy, b, cout, ho * wo));                      // (B, kk, P)
        Tensor out = allocate(gy.dtype(), xShape);
        engine.col2im(off(cols), b, cin, h, wd, kh, kw, stride, pad, ho, wo, off(out));
        keep(cols);
        return out;
    }

    @Override
    public Tensor conv2dBackwardWeight(Tensor x, Tensor gy, int[] wShape, int stride, int pad) {
        OpChecks.conv2dBackwardWeight(x, gy, wShape, stride, pad);
        int[] xs = x.shape();
        int b = xs[0], cin = xs[1];
        int cout = wShape[0], kh = wShape[2], kw = wShape[3];
        int ho = gy.size(2);
        int wo = gy.size(3);
        int p = ho * wo;
        int kk = cin * kh * kw;
        Tensor colsT = permute(im2col(x, kh, kw, stride, pad, ho, wo), 0, 2, 1);     // (B, P, kk)
        if (cout <= p) {
            Tensor perImage = matmul(reshape(gy, b, cout, p), colsT);                 // (B, Cout, kk)
            return reshape(sum(perImage, new int[] {0}, false), wShape);
        }
        // more output channels than pixels (ResNet34's last stages): the per-image products would
        // be larger than the patches (B·Cout·kk floats, 302 MB at stage 4 for batch 32), so one
        // product runs over the batch and the pixels together, gy's images side by side
        Tensor gyT = permute(reshape(gy, b, cout, p), 1, 0, 2);                       // (Cout, B, P)
        return reshape(matmul(reshape(gyT, cout, b * p), reshape(colsT, b * p, kk)), wShape);
    }

    @Override
    public Tensor maxPool2dIndices(Tensor x, int k, int stride, int pad) {
        int[] os = OpChecks.maxPool2d(x.shape(), k, stride, pad);
        int[] xs = x.shape();
        int ho = os[2];
        int wo = os[3];
        Tensor out = allocate(DType.I64, os);
        engine.maxPoolIndices(off(x), xs[0] * xs[1], xs[2], xs[3], k, stride, pad, ho, wo, off(out));
        keep(x);
        return out;
    }
}
