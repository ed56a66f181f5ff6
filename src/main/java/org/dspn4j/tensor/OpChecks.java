package org.dspn4j.tensor;

import java.util.Arrays;

/**
 * The argument checks of the op set, one method per op, shared by every backend
 * ({@link ReferenceBackend}, {@code CpuBackend}, {@code ClBackend}): each backend calls an op's check
 * before anything else, so the same bad input gives the same exception and the same one-line message
 * whatever computes it. Shape, rank, dimension, dtype and geometry errors are
 * {@link IllegalArgumentException}s naming the op and the shapes; an index value outside its
 * dimension is an {@link IndexOutOfBoundsException} ({@link #indexValues}).
 *
 * <p>What is left to the backends: refusing tensors of another backend, and what a backend cannot
 * hold (F64 and integers beyond 2^24 on OpenCL).
 */
public final class OpChecks {
    private OpChecks() {
    }

    // ---------------------------------------------------------------- creation and transfer

    /** {@link Backend#fromHost}: the values fill the shape. */
    public static void fromHost(double[] data, int[] shape) {
        if (data.length != Shape.numel(shape)) {
            throw new IllegalArgumentException("fromHost: " + data.length + " values do not fill shape " + Shape.str(shape));
        }
    }

    /** {@link Backend#hostStep}: what the host function returned fills the output shape. */
    public static void hostStepOutput(double[] out, int[] outShape) {
        if (out == null || out.length != Shape.numel(outShape)) {
            throw new IllegalArgumentException("hostStep: the host function returned " + (out == null ? "null" : out.length + " values")
                    + " for output shape " + Shape.str(outShape));
        }
    }

    // ---------------------------------------------------------------- elementwise

    /** Two operands of one op have one dtype; returns it. */
    public static DType sameDType(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(op + ": dtypes differ: " + a.dtype() + " and " + b.dtype());
        }
        return a.dtype();
    }

    /** {@link Backend#binary}: one dtype, shapes that broadcast; returns the output shape. */
    public static int[] binary(Backend.Binary op, Tensor a, Tensor b) {
        String name = op.name().toLowerCase(java.util.Locale.ROOT);
        sameDType(name, a, b);
        return Shape.broadcast(name, a.shape(), b.shape());
    }

    /** {@link Backend#affine(Tensor, Tensor, int)}: an F32 tensor holding coefficient pair {@code pair}. */
    public static void affineCoefficients(Tensor coefficients, int pair) {
        if (pair < 0) {
            throw new IllegalArgumentException("affine: coefficient pair must be >= 0, got " + pair);
        }
        if (coefficients.dtype() != DType.F32 || coefficients.numel() < 6 * (pair + 1)) {
            throw new IllegalArgumentException("affine: coefficients must be F32 with at least " + 6 * (pair + 1)
                    + " floats, got " + coefficients.dtype() + " " + Shape.str(coefficients.shape()));
        }
    }

    // ---------------------------------------------------------------- reductions and ordering

    /** {@link Backend#sum}: dimensions in range, none repeated; returns which dimensions are reduced. */
    public static boolean[] sum(int[] shape, int[] dims) {
        boolean[] reduce = new boolean[shape.length];
        for (int dim : dims) {
            int k = Shape.dim("sum", dim, shape.length);
            if (reduce[k]) {
                throw new IllegalArgumentException("sum: dimension " + dim + " repeated");
            }
            reduce[k] = true;
        }
        return reduce;
    }

    /** {@link Backend#argmax}: a dimension in range, not empty when there are outputs; returns it normalised. */
    public static int argmax(int[] shape, int dim) {
        int k = Shape.dim("argmax", dim, shape.length);
        if (shape[k] == 0 && Shape.numel(Shape.with(shape, k, 1)) > 0) {
            throw new IllegalArgumentException("argmax: dimension " + dim + " of " + Shape.str(shape) + " is empty");
        }
        return k;
    }

    /** {@link Backend#argsort}: a dimension in range; returns it normalised. */
    public static int argsort(int[] shape, int dim) {
        return Shape.dim("argsort", dim, shape.length);
    }

    /** {@link Backend#chamferArgmin}: one dtype, the same (C, N), target broadcasting to pred's leading dimensions. */
    public static void chamferArgmin(Tensor pred, Tensor target) {
        sameDType("chamferArgmin", pred, target);
        int[] ps = pred.shape();
        int[] ts = target.shape();
        int r = ps.length;
        if (r < 2 || ts.length < 2 || ps[r - 2] != ts[ts.length - 2] || ps[r - 1] != ts[ts.length - 1]) {
            throw new IllegalArgumentException("chamferArgmin: pred " + Shape.str(ps) + " and target " + Shape.str(ts)
                    + " need the same (C, N) in their last two dimensions");
        }
        int[] lead = Arrays.copyOf(ps, r - 2);
        int[] tlead = Arrays.copyOf(ts, ts.length - 2);
        if (!Shape.same(Shape.broadcast("chamferArgmin", lead, tlead), lead)) {
            throw new IllegalArgumentException("chamferArgmin: target " + Shape.str(ts) + " must broadcast to pred " + Shape.str(ps));
        }
    }

    /** {@link Backend#assign}: floating (B, n, n) costs with n ≥ 1 (the values are checked by the solver). */
    public static void assign(Tensor costs) {
        int[] s = costs.shape();
        if (s.length != 3 || s[1] != s[2] || s[1] < 1 || !costs.dtype().isFloating()) {
            throw new IllegalArgumentException("assign: costs must be floating (B, n, n) with n >= 1, got "
                    + costs.dtype() + " " + Shape.str(s));
        }
    }

    // ---------------------------------------------------------------- linear algebra

    /**
     * {@link Backend#matmul(Tensor, boolean, Tensor, boolean)}: one dtype, rank ≥ 2, equal inner
     * dimensions of op(a) and op(b), leading dimensions that broadcast; returns the output shape.
     */
    public static int[] matmul(Tensor a, boolean transposeA, Tensor b, boolean transposeB) {
        sameDType("matmul", a, b);
        int[] as = a.shape();
        int[] bs = b.shape();
        if (as.length < 2 || bs.length < 2) {
            throw new IllegalArgumentException("matmul: needs rank >= 2, got " + Shape.str(as) + " and " + Shape.str(bs));
        }
        int m = transposeA ? as[as.length - 1] : as[as.length - 2];
        int k = transposeA ? as[as.length - 2] : as[as.length - 1];
        int kb = transposeB ? bs[bs.length - 1] : bs[bs.length - 2];
        int n = transposeB ? bs[bs.length - 2] : bs[bs.length - 1];
        if (kb != k) {
            throw new IllegalArgumentException("matmul: inner dimensions differ: " + Shape.str(as)
                    + (transposeA ? " transposed" : "") + " and " + Shape.str(bs) + (transposeB ? " transposed" : ""));
        }
        int[] batch = Shape.broadcast("matmul", Arrays.copyOf(as, as.length - 2), Arrays.copyOf(bs, bs.length - 2));
        int[] os = Arrays.copyOf(batch, batch.length + 2);
        os[batch.length] = m;
        os[batch.length + 1] = n;
        return os;
    }

    /**
     * {@link Backend#linear}: w (M, K), x (…, K, N) with at least one leading dimension or none, bias
     * (M), one floating dtype; returns the shape of w·x, (…, M, N).
     */
    public static int[] linear(Tensor w, Tensor x, Tensor bias) {
        sameDType("linear", w, x);
        sameDType("linear", w, bias);
        if (w.rank() != 2 || bias.rank() != 1 || bias.shape()[0] != w.shape()[0]) {
            throw new IllegalArgumentException("linear: needs a weight (M, K) and a bias (M), got "
                    + Shape.str(w.shape()) + " and " + Shape.str(bias.shape()));
        }
        return matmul(w, false, x, false);
    }

    /** {@link Backend#matmulStep}: y of the product's shape and dtype; returns that shape. */
    public static int[] matmulStep(Tensor a, boolean transposeA, Tensor b, boolean transposeB, Tensor y) {
        int[] os = matmul(a, transposeA, b, transposeB);
        sameDType("matmulStep", a, y);
        if (!Shape.same(os, y.shape())) {
            throw new IllegalArgumentException("matmulStep: the mask " + Shape.str(y.shape()) + " is not of the product's shape "
                    + Shape.str(os));
        }
        return os;
    }

    // ---------------------------------------------------------------- shape

    /** {@link Backend#reshape}: at most one −1, the same element count; returns the shape with −1 resolved. */
    public static int[] reshape(int[] from, int[] shape) {
        int[] s = shape.clone();
        int infer = -1;
        int known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("reshape: more than one -1 in " + Shape.str(shape));
                }
                infer = i;
            } else if (s[i] < 0) {
                throw new IllegalArgumentException("reshape: cannot view " + Shape.str(from) + " as " + Shape.str(shape));
            } else {
                known *= s[i];
            }
        }
        int numel = Shape.numel(from);
        if (infer >= 0) {
            s[infer] = known == 0 ? 0 : numel / known;
        }
        if (Shape.numel(s) != numel) {
            throw new IllegalArgumentException("reshape: cannot view " + Shape.str(from) + " as " + Shape.str(shape));
        }
        return s;
    }

    /** {@link Backend#permute}: a permutation of the dimensions; returns the output shape. */
    public static int[] permute(int[] shape, int[] perm) {
        if (perm.length != shape.length) {
            throw new IllegalArgumentException("permute: " + Arrays.toString(perm) + " does not fit shape " + Shape.str(shape));
        }
        boolean[] seen = new boolean[shape.length];
        int[] os = new int[shape.length];
        for (int i = 0; i < perm.length; i++) {
            int p = Shape.dim("permute", perm[i], shape.length);
            if (seen[p]) {
                throw new IllegalArgumentException("permute: " + Arrays.toString(perm) + " repeats a dimension");
            }
            seen[p] = true;
            os[i] = shape[p];
        }
        return os;
    }

    /** {@link Backend#expand}: every dimension of {@code shape} (aligned right) equal to {@code target}'s or 1. */
    public static void expand(int[] shape, int[] target) {
        boolean ok = target.length >= shape.length;
        int off = target.length - shape.length;
        for (int i = 0; ok && i < shape.length; i++) {
            ok = shape[i] == 1 || shape[i] == target[i + off];
        }
        for (int i = 0; ok && i < target.length; i++) {
            ok = target[i] >= 0;
        }
        if (!ok) {
            throw new IllegalArgumentException("expand: cannot expand " + Shape.str(shape) + " to " + Shape.str(target));
        }
    }

    /** {@link Backend#concat}: at least one part, one dtype and rank, equal sizes off {@code dim}; returns dim normalised. */
    public static int concat(int dim, Tensor[] parts) {
        if (parts.length == 0) {
            throw new IllegalArgumentException("concat: no tensors");
        }
        int[] s0 = parts[0].shape();
        int k = Shape.dim("concat", dim, s0.length);
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
        }
        return k;
    }

    /** {@link Backend#slice}: 0 ≤ start ≤ end ≤ size; returns dim normalised. */
    public static int slice(int[] shape, int dim, int start, int end) {
        int k = Shape.dim("slice", dim, shape.length);
        if (start < 0 || end > shape[k] || start > end) {
            throw new IllegalArgumentException("slice: [" + start + ", " + end + ") out of range for dimension "
                    + dim + " of " + Shape.str(shape));
        }
        return k;
    }

    /** {@link Backend#padSlice}: the part fits inside {@code fullSize} at {@code start}; returns dim normalised. */
    public static int padSlice(int[] shape, int dim, int start, int fullSize) {
        int k = Shape.dim("padSlice", dim, shape.length);
        if (start < 0 || start + shape[k] > fullSize) {
            throw new IllegalArgumentException("padSlice: " + shape[k] + " elements at " + start + " exceed size " + fullSize);
        }
        return k;
    }

    /** An index tensor is I32 or I64. */
    private static void indexDType(String op, Tensor index) {
        if (index.dtype() != DType.I32 && index.dtype() != DType.I64) {
            throw new IllegalArgumentException(op + ": index must be I32 or I64, got " + index.dtype());
        }
    }

    /** Index shape against data shape: same rank, every size off dimension k at most the data's. */
    private static void indexShape(String op, int[] data, int[] index, int k) {
        boolean ok = data.length == index.length;
        for (int i = 0; ok && i < data.length; i++) {
            ok = i == k || index[i] <= data[i];
        }
        if (!ok) {
            throw new IllegalArgumentException(op + ": index shape " + Shape.str(index) + " does not fit data shape "
                    + Shape.str(data) + " along dimension " + k);
        }
    }

    /**
     * {@link Backend#gather}: an I32/I64 index of the data's rank, no larger off {@code dim}; returns
     * dim normalised. The index values are checked by {@link #indexValues}.
     */
    public static int gather(Tensor a, int dim, Tensor index) {
        indexDType("gather", index);
        int k = Shape.dim("gather", dim, a.rank());
        indexShape("gather", a.shape(), index.shape(), k);
        return k;
    }

    /**
     * {@link Backend#sortedPool}: x (B, C, N) floating, perm an I32/I64 index of x's shape, w (C, N) or
     * (B, C, N) of x's dtype. The index values are checked by {@link #indexValues}.
     */
    public static void sortedPool(Tensor x, Tensor perm, Tensor w) {
        int[] xs = x.shape();
        if (xs.length != 3 || !x.dtype().isFloating()) {
            throw new IllegalArgumentException("sortedPool: x must be a floating (B, C, N) tensor, got " + Shape.str(xs) + " " + x.dtype());
        }
        sortedPoolOperands("sortedPool", xs, perm, w.shape());
        sameDType("sortedPool", x, w);
    }

    /**
     * {@link Backend#sortedPoolGradX} and {@link Backend#sortedPoolGradW}: g (B, C) floating, t (w or x)
     * of g's dtype, perm (B, C, N), w's shape (C, N) or (B, C, N); returns (B, C, N).
     */
    public static int[] sortedPoolGrad(Tensor g, Tensor t, Tensor perm, int[] wShape) {
        int[] gs = g.shape();
        int[] ps = perm.shape();
        if (gs.length != 2 || !g.dtype().isFloating() || ps.length != 3 || ps[0] != gs[0] || ps[1] != gs[1]) {
            throw new IllegalArgumentException("sortedPool gradient: g " + Shape.str(gs) + " " + g.dtype()
                    + " does not fit the order " + Shape.str(ps));
        }
        sortedPoolOperands("sortedPool gradient", ps, perm, wShape);
        sameDType("sortedPool gradient", g, t);
        return ps;
    }

    private static void sortedPoolOperands(String op, int[] xs, Tensor perm, int[] ws) {
        indexDType(op, perm);
        if (!Shape.same(perm.shape(), xs)) {
            throw new IllegalArgumentException(op + ": the order " + Shape.str(perm.shape()) + " is not of x's shape " + Shape.str(xs));
        }
        boolean wOk = ws.length == 2 ? ws[0] == xs[1] && ws[1] == xs[2] : Shape.same(ws, xs);
        if (!wOk) {
            throw new IllegalArgumentException(op + ": weights " + Shape.str(ws) + " are neither (C, N) nor (B, C, N) for x " + Shape.str(xs));
        }
    }

    /**
     * {@link Backend#scatterAdd}: an I32/I64 index fitting base and src, src of base's dtype; returns
     * dim normalised. The index values are checked by {@link #indexValues}.
     */
    public static int scatterAdd(Tensor base, int dim, Tensor index, Tensor src) {
        indexDType("scatterAdd", index);
        int k = Shape.dim("scatterAdd", dim, base.rank());
        indexShape("scatterAdd", base.shape(), index.shape(), k);
        int[] ss = src.shape();
        int[] is = index.shape();
        boolean ok = ss.length == is.length;
        for (int i = 0; ok && i < ss.length; i++) {
            ok = is[i] <= ss[i];
        }
        if (!ok) {
            throw new IllegalArgumentException("scatterAdd: index shape " + Shape.str(is) + " does not fit src shape " + Shape.str(ss));
        }
        sameDType("scatterAdd", base, src);
        return k;
    }

    /**
     * The values of a gather/scatter index, row-major: every one an integer in [0, size). Throws for
     * the first that is not (in row-major order), naming it.
     */
    public static void indexValues(String op, double[] index, int dim, int size) {
        for (double v : index) {
            if (!(v >= 0 && v < size) || v != Math.rint(v)) {
                throw new IndexOutOfBoundsException(op + ": index " + (v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v))
                        + " out of range for dimension " + dim + " of size " + size);
            }
        }
    }

    // ---------------------------------------------------------------- images

    /** Output size of a window op along one side. */
    private static int outSize(String op, int in, int kernel, int stride, int pad) {
        int o = (in + 2 * pad - kernel) / stride + 1;
        if (in + 2 * pad - kernel < 0 || o <= 0) {
            throw new IllegalArgumentException(op + ": input size " + in + " too small for kernel " + kernel
                    + " with padding " + pad);
        }
        return o;
    }

    private static void strideAndPadding(String op, int stride, int pad) {
        if (stride < 1 || pad < 0) {
            throw new IllegalArgumentException(op + ": stride must be >= 1 and padding >= 0, got stride " + stride
                    + " and padding " + pad);
        }
    }

    /** The (B, Cout, Ho, Wo) output of a convolution of x (B, Cin, H, W) with w (Cout, Cin, kh, kw). */
    private static int[] convOutput(String op, int[] xs, int[] ws, int stride, int pad) {
        if (xs.length != 4 || ws.length != 4 || xs[1] != ws[1]) {
            throw new IllegalArgumentException(op + ": input " + Shape.str(xs) + " and weight " + Shape.str(ws)
                    + " do not fit (need (B, Cin, H, W) and (Cout, Cin, kh, kw))");
        }
        strideAndPadding(op, stride, pad);
        return new int[] {xs[0], ws[0], outSize(op, xs[2], ws[2], stride, pad), outSize(op, xs[3], ws[3], stride, pad)};
    }

    /** {@link Backend#conv2d}: one dtype, fitting shapes and geometry, a (Cout) bias or none; returns the output shape. */
    public static int[] conv2d(Tensor x, Tensor w, Tensor bias, int stride, int pad) {
        sameDType("conv2d", x, w);
        int[] ws = w.shape();
        if (ws.length == 4 && bias != null && (bias.rank() != 1 || bias.size(0) != ws[0] || bias.dtype() != w.dtype())) {
            throw new IllegalArgumentException("conv2d: bias " + Shape.str(bias.shape()) + " " + bias.dtype()
                    + " does not fit weight " + Shape.str(ws) + " " + w.dtype());
        }
        return convOutput("conv2d", x.shape(), ws, stride, pad);
    }

    private static void gradient(String op, int[] gs, int[] want) {
        if (!Shape.same(gs, want)) {
            throw new IllegalArgumentException(op + ": gradient " + Shape.str(gs) + " does not fit output " + Shape.str(want));
        }
    }

    /** {@link Backend#conv2dBackwardInput}: one dtype, fitting shapes and geometry, gy of the output's shape. */
    public static void conv2dBackwardInput(Tensor gy, Tensor w, int[] xShape, int stride, int pad) {
        sameDType("conv2dBackwardInput", gy, w);
        gradient("conv2dBackwardInput", gy.shape(), convOutput("conv2dBackwardInput", xShape, w.shape(), stride, pad));
    }

    /** {@link Backend#conv2dBackwardWeight}: one dtype, fitting shapes and geometry, gy of the output's shape. */
    public static void conv2dBackwardWeight(Tensor x, Tensor gy, int[] wShape, int stride, int pad) {
        sameDType("conv2dBackwardWeight", x, gy);
        gradient("conv2dBackwardWeight", gy.shape(), convOutput("conv2dBackwardWeight", x.shape(), wShape, stride, pad));
    }

    /** {@link Backend#maxPool2dIndices}: (B, C, H, W), k ≥ 1, padding at most k/2; returns the (B, C, Ho, Wo) output shape. */
    public static int[] maxPool2d(int[] xs, int k, int stride, int pad) {
        if (xs.length != 4) {
            throw new IllegalArgumentException("maxPool2d: input must be (B, C, H, W), got " + Shape.str(xs));
        }
        if (k < 1) {
            throw new IllegalArgumentException("maxPool2d: kernel must be >= 1, got " + k);
        }
        strideAndPadding("maxPool2d", stride, pad);
        if (pad * 2 > k) {
            throw new IllegalArgumentException("maxPool2d: padding " + pad + " must be at most half the kernel " + k);
        }
        return new int[] {xs[0], xs[1], outSize("maxPool2d", xs[2], k, stride, pad), outSize("maxPool2d", xs[3], k, stride, pad)};
    }
}
