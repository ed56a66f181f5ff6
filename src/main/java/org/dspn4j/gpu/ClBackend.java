package org.dspn4j.gpu;

import java.lang.ref.Cleaner;

import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Shape;
import org.dspn4j.tensor.Tensor;

/**
 * The {@link Backend} seam on an OpenCL device: tensors live in the {@link ClEngine}'s resident
 * arena (F32 only) and ops run there without host round trips. A tensor's arena range is freed when
 * the tensor (and every reshape sharing its storage) becomes unreachable.
 *
 * <p>This is the first slice of the device backend: transfers, {@code full}, same-shape ADD and
 * MUL, RELU, the full sum and the 2-D matrix product run on the device. Every other op throws
 * {@link UnsupportedOperationException} naming it; the rest of the op set follows (see
 * docs/gpu.md), each tied to the CPU reference by a test.
 */
public final class ClBackend implements Backend {
    private static final Cleaner CLEANER = Cleaner.create();

    private final ClEngine engine;

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

    /** An arena range owned by one or more tensors (reshapes share it). */
    static final class Buffer {
        final int offset;
        final int length;

        Buffer(int offset, int length) {
            this.offset = offset;
            this.length = length;
        }
    }

    private Tensor allocate(DType dtype, int[] shape) {
        if (dtype != DType.F32) {
            throw new IllegalArgumentException("the OpenCL backend holds F32 tensors only, not " + dtype);
        }
        int n = Shape.numel(shape);
        int off;
        synchronized (engine) {
            off = engine.arena().alloc(Math.max(n, 1));
        }
        Buffer b = new Buffer(off, n);
        Tensor t = new Tensor(this, dtype, shape, b);
        ClArena arena = engine.arena();
        CLEANER.register(b, () -> {
            synchronized (engine) {
                arena.free(off);
            }
        });
        return t;
    }

    private static Buffer buf(Tensor t) {
        if (!(t.storage() instanceof Buffer)) {
            throw new IllegalArgumentException("tensor " + Shape.str(t.shape()) + " lives on backend '"
                    + t.backend().name() + "', not on the OpenCL backend");
        }
        return (Buffer) t.storage();
    }

    private static UnsupportedOperationException notYet(String op) {
        return new UnsupportedOperationException("the OpenCL backend does not run '" + op + "' yet");
    }

    // ---------------------------------------------------------------- transfers

    @Override
    public Tensor fromHost(double[] data, DType dtype, int... shape) {
        if (data.length != Shape.numel(shape)) {
            throw new IllegalArgumentException("fromHost: " + data.length + " values do not fill shape " + Shape.str(shape));
        }
        Tensor t = allocate(dtype, shape);
        float[] f = new float[data.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) data[i];
        }
        if (f.length > 0) {
            engine.upload(buf(t).offset, f);
        }
        return t;
    }

    @Override
    public double[] toHost(Tensor t) {
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
            engine.fill(buf(t).offset, t.numel(), (float) value);
        }
        return t;
    }

    @Override
    public Tensor cast(Tensor a, DType dtype) {
        throw notYet("cast");
    }

    // ---------------------------------------------------------------- on the device

    @Override
    public Tensor binary(Binary op, Tensor a, Tensor b) {
        if (!Shape.same(a.shape(), b.shape())) {
            throw notYet(op.name().toLowerCase() + " with broadcasting " + Shape.str(a.shape()) + " and " + Shape.str(b.shape()));
        }
        Tensor out = allocate(a.dtype(), a.shape());
        int n = a.numel();
        switch (op) {
            case ADD:
                engine.add(buf(a).offset, buf(b).offset, buf(out).offset, n);
                return out;
            case MUL:
                engine.mul(buf(a).offset, buf(b).offset, buf(out).offset, n);
                return out;
            default:
                throw notYet(op.name().toLowerCase());
        }
    }

    @Override
    public Tensor unary(Unary op, Tensor a) {
        if (op != Unary.RELU) {
            throw notYet(op.name().toLowerCase());
        }
        Tensor out = allocate(a.dtype(), a.shape());
        engine.relu(buf(a).offset, buf(out).offset, a.numel());
        return out;
    }

    @Override
    public Tensor sum(Tensor a, int[] dims, boolean keepDim) {
        if (dims.length != a.rank()) {
            throw notYet("sum over some dimensions");
        }
        int[] shape = new int[keepDim ? a.rank() : 0];
        java.util.Arrays.fill(shape, 1);
        Tensor out = allocate(a.dtype(), shape);
        engine.sum(buf(a).offset, a.numel(), buf(out).offset);
        return out;
    }

    @Override
    public Tensor matmul(Tensor a, Tensor b) {
        if (a.rank() != 2 || b.rank() != 2) {
            throw notYet("batched matmul");
        }
        if (a.size(1) != b.size(0)) {
            throw new IllegalArgumentException("matmul: inner dimensions differ: " + Shape.str(a.shape()) + " and "
                    + Shape.str(b.shape()));
        }
        Tensor out = allocate(a.dtype(), new int[] {a.size(0), b.size(1)});
        engine.matmul(buf(a).offset, buf(b).offset, buf(out).offset, a.size(0), a.size(1), b.size(1));
        return out;
    }

    @Override
    public Tensor matmul(Tensor a, boolean transposeA, Tensor b, boolean transposeB) {
        throw notYet("matmul with transposed operands");
    }

    @Override
    public Tensor reshape(Tensor a, int... shape) {
        if (Shape.numel(shape) != a.numel()) {
            throw new IllegalArgumentException("reshape: cannot view " + Shape.str(a.shape()) + " as " + Shape.str(shape));
        }
        return new Tensor(this, a.dtype(), shape, buf(a)); // shares the arena range
    }

    // ---------------------------------------------------------------- not on the device yet

    @Override
    public Tensor affine(Tensor a, double scale, double shift) {
        throw notYet("affine");
    }

    @Override
    public Tensor pow(Tensor a, double p) {
        throw notYet("pow");
    }

    @Override
    public Tensor clamp(Tensor a, double lo, double hi) {
        throw notYet("clamp");
    }

    @Override
    public Tensor inRange(Tensor a, double lo, double hi) {
        throw notYet("inRange");
    }

    @Override
    public Tensor argmax(Tensor a, int dim) {
        throw notYet("argmax");
    }

    @Override
    public Tensor argsort(Tensor a, int dim, boolean descending) {
        throw notYet("argsort");
    }

    @Override
    public Tensor chamferArgmin(Tensor pred, Tensor target) {
        throw notYet("chamferArgmin");
    }

    @Override
    public Tensor permute(Tensor a, int... perm) {
        throw notYet("permute");
    }

    @Override
    public Tensor expand(Tensor a, int... shape) {
        throw notYet("expand");
    }

    @Override
    public Tensor concat(int dim, Tensor... parts) {
        throw notYet("concat");
    }

    @Override
    public Tensor slice(Tensor a, int dim, int start, int end) {
        throw notYet("slice");
    }

    @Override
    public Tensor padSlice(Tensor a, int dim, int start, int fullSize) {
        throw notYet("padSlice");
    }

    @Override
    public Tensor gather(Tensor a, int dim, Tensor index) {
        throw notYet("gather");
    }

    @Override
    public Tensor scatterAdd(Tensor base, int dim, Tensor index, Tensor src) {
        throw notYet("scatterAdd");
    }

    @Override
    public Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int pad) {
        throw notYet("conv2d");
    }

    @Override
    public Tensor conv2dBackwardInput(Tensor gy, Tensor w, int[] xShape, int stride, int pad) {
        throw notYet("conv2dBackwardInput");
    }

    @Override
    public Tensor conv2dBackwardWeight(Tensor x, Tensor gy, int[] wShape, int stride, int pad) {
        throw notYet("conv2dBackwardWeight");
    }

    @Override
    public Tensor maxPool2dIndices(Tensor x, int k, int stride, int pad) {
        throw notYet("maxPool2dIndices");
    }
}
