package org.dspn4j.tensor;

/**
 * The closed op set. Every op a model uses dispatches through a backend, which owns the storage.
 * Ops are pure: they never modify their arguments and always return a new tensor. Gradients are not
 * this layer's business — {@code org.dspn4j.autodiff.Ops} wraps each op with its backward rule.
 *
 * <p>{@link ReferenceBackend} is the definition of every op (the plainest loop that computes it, with
 * the exact order of roundings and the tie rules); the other backends are tied to it by tests.
 *
 * <p>All floating ops take and return tensors of one floating dtype; mixing F32 and F64 is an
 * error. Index arguments (gather, scatter) are I32 or I64. Bad arguments throw the same exception
 * with the same message on every backend ({@link OpChecks}): shape mismatches an
 * {@link IllegalArgumentException} naming the op and both shapes, an index outside its dimension an
 * {@link IndexOutOfBoundsException}.
 */
public interface Backend {

    /** Short name for run records, e.g. {@code cpu}. */
    String name();

    // ---------------------------------------------------------------- creation and transfer

    /** Copies host values (row-major) into a new tensor, rounding to {@code dtype}. */
    Tensor fromHost(double[] data, DType dtype, int... shape);

    /** A host copy of the values, row-major. */
    double[] toHost(Tensor t);

    /**
     * Host Java code applied to a tensor's values by {@link #hostStep}: a pure function of its input
     * (it may run again, on new values, each time a recorded task graph replays).
     */
    @FunctionalInterface
    interface HostFunction {
        /**
         * @param in the input's values, row-major (a fresh array the function may modify)
         * @return the output's values, row-major: exactly as many as the output shape holds
         */
        double[] apply(double[] in);
    }

    /**
     * <b>The one op whose computation is host Java code</b> rather than a backend kernel: the values
     * of {@code in} go to the host, {@code f} computes the output's values there, and they come back
     * as a new tensor of {@code outDtype} and {@code outShape} (rounded to the dtype as
     * {@link #fromHost} does). On the CPU backend it simply applies {@code f}. On a device backend it
     * downloads {@code in} and uploads the result; while a task graph is recorded it is the only op
     * allowed to read device data: it runs once and is captured as an explicit host step of the graph,
     * which every replay performs at its place in the sequence (download the same range, call
     * {@code f} again, upload into the same output range). Every other host read refuses to be recorded.
     *
     * <p>The output is a <b>constant to autodiff</b>: no gradient flows through a host step (its result
     * is data, such as indices). No op of the models uses it: the Hungarian assignment is {@link #assign},
     * which runs on the device.
     *
     * @throws IllegalArgumentException when {@code f} returns a number of values other than the output shape's
     */
    Tensor hostStep(Tensor in, HostFunction f, DType outDtype, int... outShape);

    /** A tensor with every element equal to {@code value}. */
    Tensor full(double value, DType dtype, int... shape);

    /** Converts to another dtype (float → int truncates toward zero). */
    Tensor cast(Tensor a, DType dtype);

    // ---------------------------------------------------------------- elementwise

    /** Binary elementwise ops with numpy broadcasting. */
    enum Binary { ADD, SUB, MUL, DIV }

    /**
     * Unary elementwise ops. {@code SIGN} is −1/0/+1; {@code STEP} is 1 where x &gt; 0 else 0 (ReLU's
     * derivative, 0 at 0 as in PyTorch). {@code SMOOTH_L1} is Huber with β = 1: ½r² for |r| &lt; 1,
     * else |r| − ½.
     */
    enum Unary { NEG, EXP, LOG, SQRT, ABS, RELU, SIGMOID, TANH, SIGN, STEP, SMOOTH_L1 }

    Tensor binary(Binary op, Tensor a, Tensor b);

    Tensor unary(Unary op, Tensor a);

    /**
     * {@code binary(MUL, g, unary(STEP, y))}: g where y &gt; 0, times 0 elsewhere (ReLU's backward from
     * its output). By default exactly that composition; a backend may make it one pass with the same
     * bits.
     */
    default Tensor mulStep(Tensor g, Tensor y) {
        return binary(Binary.MUL, g, unary(Unary.STEP, y));
    }

    /**
     * A layer of 1×1 convolutions over a set, {@code relu(w·x + bias)} (without the ReLU when
     * {@code relu} is false): w (M, K), x (…, K, N), bias (M) added along each row of M → (…, M, N).
     * By definition exactly the composition {@code unary(RELU, binary(ADD, matmul(w, x), bias as
     * (M, 1)))}; a backend may compute it in one pass with the same bits.
     */
    default Tensor linear(Tensor w, Tensor x, Tensor bias, boolean relu) {
        OpChecks.linear(w, x, bias);
        Tensor y = binary(Binary.ADD, matmul(w, x), reshape(bias, bias.shape()[0], 1));
        return relu ? unary(Unary.RELU, y) : y;
    }

    /**
     * {@code mulStep(matmul(a, transposeA, b, transposeB), y)}: the product where y &gt; 0, times 0
     * elsewhere (the next layer's gradient through a ReLU whose output is y, which has the product's
     * shape). By default exactly that composition; a backend may compute it in one pass with the same
     * bits.
     */
    default Tensor matmulStep(Tensor a, boolean transposeA, Tensor b, boolean transposeB, Tensor y) {
        OpChecks.matmulStep(a, transposeA, b, transposeB, y);
        return mulStep(matmul(a, transposeA, b, transposeB), y);
    }

    /**
     * {@code sum(matmul(a, transposeA, b, transposeB))} over the product's batch dimensions, (M, N):
     * the gradient of a weight that multiplies every problem of a batch. By definition exactly that
     * composition: each problem's fma chains, then {@link #sum} over the batch dimensions (in problem
     * order, or as four chains when the product is one element and the batch one contiguous run), in
     * double, rounded once; a backend may compute it without the batched product.
     */
    default Tensor matmulBatchSum(Tensor a, boolean transposeA, Tensor b, boolean transposeB) {
        int[] os = OpChecks.matmul(a, transposeA, b, transposeB);
        int[] batchDims = new int[os.length - 2];
        for (int d = 0; d < batchDims.length; d++) {
            batchDims[d] = d;
        }
        return sum(matmul(a, transposeA, b, transposeB), batchDims, false);
    }

    /**
     * FSPool's weighted sum over an order: {@code sum(binary(MUL, gather(x, 2, perm), w), {2})} for
     * x and perm (B, C, N) and w (C, N) or (B, C, N), giving (B, C); perm is argsort(x) along N
     * (FSPool's sort, taken apart: sort(x) = gather(x, argsort(x))). By definition exactly that
     * composition; a backend may compute it in one pass with the same bits.
     */
    default Tensor sortedPool(Tensor x, Tensor perm, Tensor w) {
        OpChecks.sortedPool(x, perm, w);
        return sum(binary(Binary.MUL, gather(x, 2, perm), w), new int[] {2}, false);
    }

    /**
     * {@link #sortedPool}'s gradient with respect to x for g (B, C): the composition's rules in turn,
     * {@code scatterAdd(full(0, B, C, N), 2, perm, binary(MUL, expand(reshape(g, B, C, 1), B, C, N), w))}.
     * By definition exactly that composition; a backend may compute it in one pass with the same bits.
     */
    default Tensor sortedPoolGradX(Tensor g, Tensor w, Tensor perm) {
        int[] s = OpChecks.sortedPoolGrad(g, w, perm, w.shape());
        Tensor ge = expand(reshape(g, s[0], s[1], 1), s);
        return scatterAdd(full(0.0, g.dtype(), s), 2, perm, binary(Binary.MUL, ge, w));
    }

    /**
     * {@link #sortedPool}'s gradient with respect to a w of shape {@code wShape} for g (B, C): the
     * composition's rules in turn, {@code binary(MUL, expand(reshape(g, B, C, 1), B, C, N), gather(x, 2, perm))},
     * summed over the batch ({@code sum(…, {0})}) when w is (C, N). By definition exactly that
     * composition; a backend may compute it in one pass with the same bits.
     */
    default Tensor sortedPoolGradW(Tensor g, Tensor x, Tensor perm, int[] wShape) {
        int[] s = OpChecks.sortedPoolGrad(g, x, perm, wShape);
        Tensor prod = binary(Binary.MUL, expand(reshape(g, s[0], s[1], 1), s), gather(x, 2, perm));
        return wShape.length == 3 ? prod : reshape(sum(prod, new int[] {0}, false), wShape);
    }

    /** {@code a * scale + shift}, elementwise. */
    Tensor affine(Tensor a, double scale, double shift);

    /**
     * Two scalings in turn, {@code affine(affine(a, s1, 0), s2, 0)}, each rounded to the dtype (the
     * relation encoder's {@code x / n / n}). By definition exactly that composition; a backend may
     * compute it in one pass with the same bits.
     */
    default Tensor scaleTwice(Tensor a, double s1, double s2) {
        return affine(affine(a, s1, 0.0), s2, 0.0);
    }

    /**
     * Adam's update of one parameter in one pass, or null where this backend has none (the default).
     * {@code optim.Adam}'s composition of elementwise ops is the definition, and a backend that answers
     * must give its bits: {p', m', v'} with
     * <pre>
     *   m' = add(affine(m, β1, 0), affine(g, 1 − β1, 0))
     *   v' = add(affine(v, β2, 0), affine(mul(g, g), 1 − β2, 0))
     *   p' = sub(p, affine(div(m', affine(sqrt(v'), c[0], c[1])), c[2], c[3]))
     * </pre>
     * each op rounded to the dtype as that op rounds.
     */
    default Tensor[] adamUpdate(Tensor p, Tensor g, Tensor m, Tensor v, double beta1, double beta2, double[] c) {
        return null;
    }

    /**
     * {@code a * scale + shift} with the scale and shift taken from an F32 tensor of {@link ExactScalars}
     * (pair {@code pair}: values 2·pair and 2·pair + 1), giving exactly {@link #affine(Tensor, double, double)}'s
     * result. The default reads the coefficients on the host; a device backend reads them where they
     * live, so they can be an input of a recorded task graph.
     */
    default Tensor affine(Tensor a, Tensor coefficients, int pair) {
        OpChecks.affineCoefficients(coefficients, pair);
        float[] w = coefficients.toFloats();
        return affine(a, ExactScalars.decode(w, 2 * pair), ExactScalars.decode(w, 2 * pair + 1));
    }

    /** {@code a^p} elementwise. */
    Tensor pow(Tensor a, double p);

    /** Clamp into [lo, hi]. */
    Tensor clamp(Tensor a, double lo, double hi);

    /** 1 where lo ≤ a ≤ hi (bounds included, as PyTorch's clamp gradient), else 0. */
    Tensor inRange(Tensor a, double lo, double hi);

    // ---------------------------------------------------------------- reductions and ordering

    /** Sum over the given dimensions (any order, no repeats). */
    Tensor sum(Tensor a, int[] dims, boolean keepDim);

    /**
     * Index (I64, keepDim shape) of the maximum along {@code dim}; the first maximum wins ties.
     */
    Tensor argmax(Tensor a, int dim);

    /**
     * Indices (I64, same shape as {@code a}) that sort {@code a} along {@code dim}. Tie rule: stable —
     * equal values keep their index order, in both directions.
     */
    Tensor argsort(Tensor a, int dim, boolean descending);

    /**
     * The nearest-neighbour indices of a Chamfer loss, without materialising the pairwise costs.
     * With d(i, j) = (1/C) Σ_c Huber(pred[…, c, i] − target[…, c, j]) (β = 1; target broadcast over
     * pred's leading dimensions), returns I64 (…, 2, N): row 0 holds argmin_i d(i, j) for each target
     * slot j, row 1 holds argmin_j d(i, j) for each predicted slot i. The first minimum wins ties.
     *
     * @param pred   (…, C, N)
     * @param target (…, C, N)
     */
    Tensor chamferArgmin(Tensor pred, Tensor target);

    /**
     * Exact minimum-cost assignment of each of B square cost matrices: I64 (B, n), entry (s, i) the
     * column matched to row i of problem s (a permutation of 0…n−1 per problem). The result is a
     * constant to autodiff (the Hungarian loss gathers the matched costs with it).
     *
     * <p>Tie rule, so that every backend returns the <b>same assignment</b>, bit for bit: the one
     * {@code org.dspn4j.match.Hungarian}'s shortest-augmenting-path procedure returns, in double on the
     * costs' values (rows inserted in index order; the unvisited column of smallest slack, the lowest
     * index among equal slacks; slacks and predecessors replaced only on a strictly smaller reduced
     * cost). A device backend runs the same double operations in the same order.
     *
     * @param costs (B, n, n) floating, n ≥ 1; every entry finite with magnitude at most 2^100
     *              ({@code Hungarian.MAX_ASSIGN_COST})
     * @throws IllegalArgumentException for another shape or dtype, or a cost outside the domain (the
     *     message names the problem, row, column and value and says "Hungarian needs finite costs"); a
     *     device backend may report the bad cost when the result is read rather than at the call (while
     *     a task graph is recorded it cannot read the device)
     */
    Tensor assign(Tensor costs);

    // ---------------------------------------------------------------- linear algebra

    /**
     * Matrix product over the last two dimensions, (…, M, K)·(…, K, N) → (…, M, N); leading
     * dimensions broadcast.
     */
    Tensor matmul(Tensor a, Tensor b);

    /**
     * {@code matmul(op(a), op(b))} where op swaps the last two dimensions when its flag is set, without
     * the transposed copies: a is (…, K, M) when {@code transposeA}, b is (…, N, K) when
     * {@code transposeB}. The backward rules of matmul are such products.
     */
    Tensor matmul(Tensor a, boolean transposeA, Tensor b, boolean transposeB);

    // ---------------------------------------------------------------- shape

    /** Same data, new shape of equal element count. */
    Tensor reshape(Tensor a, int... shape);

    /** Reorders dimensions: output dim i is input dim {@code perm[i]}. */
    Tensor permute(Tensor a, int... perm);

    /** Broadcasts size-1 dimensions (and new leading ones) to {@code shape}. */
    Tensor expand(Tensor a, int... shape);

    /** Concatenates along {@code dim}; all other dimensions must match. */
    Tensor concat(int dim, Tensor... parts);

    /** Elements {@code start ≤ i < end} along {@code dim}. */
    Tensor slice(Tensor a, int dim, int start, int end);

    /** The adjoint of slice: zeros of size {@code fullSize} along {@code dim} with {@code a} at [start, start+len). */
    Tensor padSlice(Tensor a, int dim, int start, int fullSize);

    /** {@code out[…i…] = a[…index[…i…]…]} along {@code dim}; the output has the index's shape. */
    Tensor gather(Tensor a, int dim, Tensor index);

    /** {@code base} plus {@code src} added at {@code index} along {@code dim} (in index order). */
    Tensor scatterAdd(Tensor base, int dim, Tensor index, Tensor src);

    // ---------------------------------------------------------------- images

    /**
     * 2-D cross-correlation as PyTorch's conv2d: x (B, Cin, H, W), w (Cout, Cin, kh, kw), optional
     * bias (Cout) → (B, Cout, Ho, Wo), zero padding {@code pad} on all sides.
     */
    Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int pad);

    /** The gradient of conv2d with respect to x given gy (a transposed convolution). */
    Tensor conv2dBackwardInput(Tensor gy, Tensor w, int[] xShape, int stride, int pad);

    /** The gradient of conv2d with respect to w given x and gy. */
    Tensor conv2dBackwardWeight(Tensor x, Tensor gy, int[] wShape, int stride, int pad);

    /**
     * For max-pooling x (B, C, H, W) with a k×k window: I64 indices (B, C, Ho, Wo) into each H·W
     * plane of the maximum in each window (padding never wins; the first maximum in row-major
     * window order wins ties).
     */
    Tensor maxPool2dIndices(Tensor x, int k, int stride, int pad);
}
