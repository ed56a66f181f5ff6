package org.dspn4j.autodiff;

import java.util.Arrays;

import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.Backend.Binary;
import org.dspn4j.tensor.Backend.Unary;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.OpChecks;
import org.dspn4j.tensor.Shape;
import org.dspn4j.tensor.Tensor;

/**
 * Differentiable ops: each one computes its forward value through the tensor's {@link Backend} and,
 * while {@link Autograd#isRecording()}, records its backward rule right beside it. Every rule is
 * written with these same ops, so gradients can be differentiated again (grad-of-grad).
 *
 * <p>Derivatives at kinks follow PyTorch: ReLU's derivative at 0 is 0, |x|'s is 0 at 0, clamp passes
 * the gradient at its bounds, max/sort/max-pool send it to the returned index. Index-producing ops
 * ({@link #argsort}, {@link #argmax}) and masks ({@link #step}, {@link #sign}, {@link #inRange})
 * are constants to autodiff.
 */
public final class Ops {
    private Ops() {
    }

    // ================================================================ recording

    /**
     * Records {@code rule} as the backward of {@code out} if recording is on and an input requires
     * gradients. The node links to the inputs' nodes, not to the input tensors (see {@link Node}), so
     * an input's data stays alive only if the rule captured it.
     */
    static Tensor record(Tensor out, String op, Tensor[] inputs, Node.Rule rule) {
        if (!Autograd.isRecording()) {
            return out;
        }
        Node[] parents = new Node[inputs.length];
        boolean any = false;
        for (int i = 0; i < inputs.length; i++) {
            parents[i] = Node.of(inputs[i]);
            any |= parents[i] != null;
        }
        if (any) {
            out.setNode(new Node(op, out.shape(), parents, rule));
        }
        return out;
    }

    /** A backward rule given from outside this class (see {@link #recordFused}). */
    public interface Backward {
        /** The gradients of the op's inputs for the gradient {@code grad} of its output (null where {@code needed[i]} is false). */
        Tensor[] apply(Tensor grad, boolean[] needed);
    }

    /**
     * Records an op whose value {@code out} a backend computed in one fused kernel, with its backward
     * {@code rule}: a fast path of a composition of these ops, which must give that composition's bits
     * (its value and its gradients). The rule must itself be differentiable when
     * {@link Autograd#isRecording()} (a createGraph backward), e.g. by falling back to the composition.
     */
    public static Tensor recordFused(Tensor out, String op, Tensor[] inputs, Backward rule) {
        return record(out, op, inputs, rule::apply);
    }

    /**
     * {@code t} when {@code gradOf} requires gradients, else null: what a rule saves for the gradient
     * of {@code gradOf} (e.g. mul keeps b for a's gradient only if a requires one), so a rule never
     * keeps a tensor alive that it will not read.
     */
    private static Tensor savedFor(Tensor gradOf, Tensor t) {
        return gradOf.requiresGrad() ? t : null;
    }

    private static Tensor[] grads(Tensor... g) {
        return g;
    }

    // ================================================================ constants

    public static Tensor zerosLike(Tensor a) {
        return a.backend().full(0.0, a.dtype(), a.shape());
    }

    public static Tensor onesLike(Tensor a) {
        return a.backend().full(1.0, a.dtype(), a.shape());
    }

    /** A scalar (shape ()) of the same backend and dtype as {@code like}. */
    public static Tensor scalar(double v, Tensor like) {
        return like.backend().full(v, like.dtype());
    }

    // ================================================================ elementwise binary (broadcasting)

    public static Tensor add(Tensor a, Tensor b) {
        Tensor out = a.backend().binary(Binary.ADD, a, b);
        int[] as = a.shape();
        int[] bs = b.shape();
        return record(out, "add", new Tensor[] {a, b}, (g, n) -> grads(
                n[0] ? sumToShape(g, as) : null,
                n[1] ? sumToShape(g, bs) : null));
    }

    public static Tensor sub(Tensor a, Tensor b) {
        Tensor out = a.backend().binary(Binary.SUB, a, b);
        int[] as = a.shape();
        int[] bs = b.shape();
        return record(out, "sub", new Tensor[] {a, b}, (g, n) -> grads(
                n[0] ? sumToShape(g, as) : null,
                n[1] ? sumToShape(neg(g), bs) : null));
    }

    public static Tensor mul(Tensor a, Tensor b) {
        Tensor out = a.backend().binary(Binary.MUL, a, b);
        int[] as = a.shape();
        int[] bs = b.shape();
        Tensor bForA = savedFor(a, b);
        Tensor aForB = savedFor(b, a);
        return record(out, "mul", new Tensor[] {a, b}, (g, n) -> grads(
                n[0] ? sumToShape(mul(g, bForA), as) : null,
                n[1] ? sumToShape(mul(g, aForB), bs) : null));
    }

    public static Tensor div(Tensor a, Tensor b) {
        Tensor out = a.backend().binary(Binary.DIV, a, b);
        int[] as = a.shape();
        int[] bs = b.shape();
        Tensor outForB = savedFor(b, out);
        return record(out, "div", new Tensor[] {a, b}, (g, n) -> grads(
                n[0] ? sumToShape(div(g, b), as) : null,
                // d(a/b)/db = -a/b^2 = -(a/b)/b
                n[1] ? sumToShape(neg(div(mul(g, outForB), b)), bs) : null));
    }

    // ================================================================ elementwise unary

    public static Tensor neg(Tensor a) {
        return record(a.backend().unary(Unary.NEG, a), "neg", new Tensor[] {a}, (g, n) -> grads(neg(g)));
    }

    /** {@code a * scale + shift}. */
    public static Tensor affine(Tensor a, double scale, double shift) {
        return record(a.backend().affine(a, scale, shift), "affine", new Tensor[] {a},
                (g, n) -> grads(affine(g, scale, 0.0)));
    }

    /** {@code a * s}. */
    public static Tensor scale(Tensor a, double s) {
        return affine(a, s, 0.0);
    }

    /**
     * {@code scale(scale(a, s1), s2)}, recorded as one node ({@link Backend#scaleTwice}: the same values
     * in one pass, without the intermediate tensor). Its rule is the composition's rules in turn,
     * g scaled by s2 and then by s1: {@code scaleTwice(g, s2, s1)}, the same bits.
     */
    public static Tensor scaleTwice(Tensor a, double s1, double s2) {
        return record(a.backend().scaleTwice(a, s1, s2), "scaleTwice", new Tensor[] {a},
                (g, n) -> grads(scaleTwice(g, s2, s1)));
    }

    public static Tensor exp(Tensor a) {
        Tensor out = a.backend().unary(Unary.EXP, a);
        return record(out, "exp", new Tensor[] {a}, (g, n) -> grads(mul(g, out)));
    }

    public static Tensor log(Tensor a) {
        return record(a.backend().unary(Unary.LOG, a), "log", new Tensor[] {a}, (g, n) -> grads(div(g, a)));
    }

    public static Tensor sqrt(Tensor a) {
        Tensor out = a.backend().unary(Unary.SQRT, a);
        return record(out, "sqrt", new Tensor[] {a}, (g, n) -> grads(div(scale(g, 0.5), out)));
    }

    public static Tensor pow(Tensor a, double p) {
        Tensor out = a.backend().pow(a, p);
        return record(out, "pow", new Tensor[] {a}, (g, n) -> grads(mul(g, scale(pow(a, p - 1.0), p))));
    }

    /** |a|; derivative sign(a), 0 at 0 (PyTorch). */
    public static Tensor abs(Tensor a) {
        return record(a.backend().unary(Unary.ABS, a), "abs", new Tensor[] {a}, (g, n) -> grads(mul(g, sign(a))));
    }

    /**
     * max(a, 0); derivative 1 where a &gt; 0, 0 elsewhere (0 at 0, as PyTorch). The rule keeps the
     * output, not a: out &gt; 0 exactly where a &gt; 0, and the output is usually kept anyway by the op
     * that consumes it (a product's rule), so the pre-activation can be freed.
     */
    public static Tensor relu(Tensor a) {
        Tensor out = a.backend().unary(Unary.RELU, a);
        return record(out, "relu", new Tensor[] {a}, (g, n) -> grads(reluBackward(g, out)));
    }

    /**
     * ReLU's backward from its output y: g where y &gt; 0, else 0 — the value of
     * {@code mul(g, step(y))}. It is linear in g and y is a constant to it, so its own rule keeps
     * only y and not the 0/1 mask, which a recorded {@code mul} would save for the second derivative.
     */
    static Tensor reluBackward(Tensor g, Tensor y) {
        Tensor out = g.backend().mulStep(g, y); // mul(g, step(y)), not recorded
        return record(out, "reluBackward", new Tensor[] {g}, (u, n) -> grads(reluBackward(u, y)));
    }

    public static Tensor sigmoid(Tensor a) {
        Tensor out = a.backend().unary(Unary.SIGMOID, a);
        return record(out, "sigmoid", new Tensor[] {a},
                (g, n) -> grads(mul(g, mul(out, affine(out, -1.0, 1.0)))));
    }

    public static Tensor tanh(Tensor a) {
        Tensor out = a.backend().unary(Unary.TANH, a);
        return record(out, "tanh", new Tensor[] {a},
                (g, n) -> grads(mul(g, affine(mul(out, out), -1.0, 1.0))));
    }

    /**
     * Clamp into [lo, hi].
     * NOTE: the gradient passes where lo ≤ a ≤ hi, bounds included, as PyTorch's clamp.
     */
    public static Tensor clamp(Tensor a, double lo, double hi) {
        return record(a.backend().clamp(a, lo, hi), "clamp", new Tensor[] {a},
                (g, n) -> grads(mul(g, inRange(a, lo, hi))));
    }

    /**
     * Huber / smooth-L1 with β = 1, elementwise: ½r² for |r| &lt; 1, else |r| − ½. Its derivative is
     * clamp(r, −1, 1) ({@link #smoothL1Slope}), whose own derivative is 1 where |r| &lt; 1 and 0 elsewhere,
     * the bounds excluded as in PyTorch's double backward of {@code smooth_l1_loss} (it tests |r| &lt; β): a
     * createGraph backward through a residual of exactly ±1 (in DSPN, an inner-loss residual g(Ŷ) − z) gives
     * the authors' second derivative there too, where {@link #clamp}'s rule would pass the gradient.
     */
    public static Tensor smoothL1(Tensor r) {
        return record(r.backend().unary(Unary.SMOOTH_L1, r), "smoothL1", new Tensor[] {r},
                (g, n) -> grads(mul(g, smoothL1Slope(r))));
    }

    /**
     * smoothL1's derivative, clamp(r, −1, 1), with the derivative 1 where |r| &lt; 1 and 0 elsewhere (at |r| = 1
     * too, unlike {@link #clamp}): step(1 − |r|).
     */
    static Tensor smoothL1Slope(Tensor r) {
        Backend be = r.backend();
        return record(be.clamp(r, -1.0, 1.0), "smoothL1Slope", new Tensor[] {r},
                (g, n) -> grads(mul(g, be.unary(Unary.STEP, be.affine(be.unary(Unary.ABS, r), -1.0, 1.0)))));
    }

    // ---------------------------------------------------------------- constants to autodiff

    /** 1 where a &gt; 0 else 0 (not differentiated). */
    public static Tensor step(Tensor a) {
        return a.backend().unary(Unary.STEP, a);
    }

    /** −1, 0 or +1 (not differentiated). */
    public static Tensor sign(Tensor a) {
        return a.backend().unary(Unary.SIGN, a);
    }

    /** 1 where lo ≤ a ≤ hi else 0 (not differentiated). */
    public static Tensor inRange(Tensor a, double lo, double hi) {
        return a.backend().inRange(a, lo, hi);
    }

    // ================================================================ reductions

    /** Sum over {@code dims}. */
    public static Tensor sum(Tensor a, int[] dims, boolean keepDim) {
        int[] shape = a.shape();
        Tensor out = a.backend().sum(a, dims, keepDim);
        return record(out, "sum", new Tensor[] {a}, (g, n) -> {
            int[] keep = shape.clone();
            for (int d : dims) {
                keep[Shape.dim("sum", d, shape.length)] = 1;
            }
            return grads(expand(reshape(g, keep), shape));
        });
    }

    /** Sum of all elements, shape (). */
    public static Tensor sum(Tensor a) {
        int[] all = new int[a.rank()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return sum(a, all, false);
    }

    /** Mean over {@code dims}. */
    public static Tensor mean(Tensor a, int[] dims, boolean keepDim) {
        long count = 1;
        for (int d : dims) {
            count *= a.size(d);
        }
        return scale(sum(a, dims, keepDim), 1.0 / count);
    }

    /** Mean of all elements, shape (). */
    public static Tensor mean(Tensor a) {
        return scale(sum(a), 1.0 / a.numel());
    }

    /** Maximum along {@code dim}; the gradient goes to the first maximum. */
    public static Tensor max(Tensor a, int dim, boolean keepDim) {
        Tensor idx = argmax(a, dim);
        Tensor v = gather(a, dim, idx);
        return keepDim ? v : reshape(v, Shape.drop(a.shape(), Shape.dim("max", dim, a.rank())));
    }

    /** Index of the maximum along {@code dim}, keepDim shape, I64 (a constant). */
    public static Tensor argmax(Tensor a, int dim) {
        return a.backend().argmax(a, dim);
    }

    /**
     * Sort permutation along {@code dim} (I64, a constant); stable: ties keep index order. Inside a
     * {@link Recompute}d function's second run, the one its first run computed at the same call.
     */
    public static Tensor argsort(Tensor a, int dim, boolean descending) {
        return Recompute.indices(a.shape(), () -> a.backend().argsort(a, dim, descending));
    }

    /**
     * Sorted values along {@code dim} = gather(a, dim, argsort(a)), so the gradient of element j
     * is the gradient of the sorted position it occupies.
     */
    public static Tensor sort(Tensor a, int dim, boolean descending) {
        return gather(a, dim, argsort(a, dim, descending));
    }

    /**
     * FSPool's pooling, {@code sum(mul(sort(x, 2, descending), w), {2})} for x (B, C, N) and w (C, N)
     * or (B, C, N) → (B, C), recorded as one node ({@link Backend#sortedPool}: the same values, one
     * pass, no sorted copy). Its rule is the composition's, term for term, as two more such nodes:
     * dx = {@link #sortedPoolGradX} (the sum's, the product's and the gather's rules: g·w scattered back
     * to where each sorted value came from), dw = {@link #sortedPoolGradW} (g times the sorted values,
     * summed over the batch when w is shared). Their rules are again these three ops, and where one
     * recorded backward takes both dx and dw (so the composition's graph shares one expanded g between
     * them) the rule records the composition's ops instead. The values and derivatives are the
     * composition's bit for bit ({@code SortPoolGradTest}, to the third derivative); the order's scatters
     * move each value to one slot, so adding two gradients before or after a scatter gives the same bits.
     */
    public static Tensor sortPool(Tensor x, Tensor w, boolean descending) {
        return sortedPool(x, argsort(x, 2, descending), w);
    }

    private static Tensor sortedPool(Tensor x, Tensor perm, Tensor w) {
        Tensor out = x.backend().sortedPool(x, perm, w);
        Tensor wForX = savedFor(x, w);
        Tensor xForW = savedFor(w, x);
        int[] xs = x.shape();
        int[] ws = w.shape();
        return record(out, "sortedPool", new Tensor[] {x, w}, (g, n) -> {
            if (n[0] && n[1] && Autograd.isRecording()) {
                // both recorded: the composition's own rules, one expanded g shared by both products, so that
                // a later derivative adds g's two terms before summing over N, as the composition's graph does
                Tensor ge = expand(reshape(g, xs[0], xs[1], 1), xs);
                return grads(scatterAdd(g.backend().full(0.0, g.dtype(), xs), 2, perm, mul(ge, wForX)),
                        sumToShape(mul(ge, gather(xForW, 2, perm)), ws));
            }
            return grads(n[0] ? sortedPoolGradX(g, wForX, perm) : null, n[1] ? sortedPoolGradW(g, xForW, perm, ws) : null);
        });
    }

    /** {@link #sortPool}'s gradient with respect to x for g (B, C) ({@link Backend#sortedPoolGradX}), recorded. */
    private static Tensor sortedPoolGradX(Tensor g, Tensor w, Tensor perm) {
        Tensor out = g.backend().sortedPoolGradX(g, w, perm);
        Tensor wForG = savedFor(g, w);
        Tensor gForW = savedFor(w, g);
        int[] ws = w.shape();
        // the composition's rules: gather the incoming gradient back into sorted order, then the
        // product's rule (times w, summed over N, for g; times g for w)
        return record(out, "sortedPoolGradX", new Tensor[] {g, w}, (gg, n) -> grads(
                n[0] ? sortedPool(gg, perm, wForG) : null,
                n[1] ? sortedPoolGradW(gForW, gg, perm, ws) : null));
    }

    /** {@link #sortPool}'s gradient with respect to w for g (B, C) ({@link Backend#sortedPoolGradW}), recorded. */
    private static Tensor sortedPoolGradW(Tensor g, Tensor x, Tensor perm, int[] wShape) {
        Tensor out = g.backend().sortedPoolGradW(g, x, perm, wShape);
        Tensor xForG = savedFor(g, x);
        Tensor gForX = savedFor(x, g);
        return record(out, "sortedPoolGradW", new Tensor[] {g, x}, (gg, n) -> grads(
                n[0] ? sortedPool(xForG, perm, gg) : null,
                n[1] ? sortedPoolGradX(gForX, gg, perm) : null));
    }

    // ================================================================ linear algebra

    /** (…, M, K)·(…, K, N) → (…, M, N), leading dimensions broadcast. */
    public static Tensor matmul(Tensor a, Tensor b) {
        return matmul(a, false, b, false);
    }

    /**
     * op(a)·op(b), op swapping the last two dimensions when its flag is set — the value of
     * {@code matmul(transpose(a, -1, -2), b)} and so on, without the transposed copies. The gradient of
     * each of the four cases is again a pair of such products (written out below), so the rules can be
     * differentiated again.
     */
    public static Tensor matmul(Tensor a, boolean transposeA, Tensor b, boolean transposeB) {
        Backend be = a.backend();
        Tensor out = transposeA || transposeB ? be.matmul(a, transposeA, b, transposeB) : be.matmul(a, b);
        int[] as = a.shape();
        int[] bs = b.shape();
        // dA reads only B and dB only A: each factor is kept only for the other's gradient
        Tensor bForA = savedFor(a, b);
        Tensor aForB = savedFor(b, a);
        return record(out, "matmul", new Tensor[] {a, b},
                (g, n) -> matmulGrads(g, n, transposeA, transposeB, bForA, aForB, as, bs));
    }

    /** The gradients of op(A)·op(B) given G (bForA and aForB: the factors each gradient reads). */
    private static Tensor[] matmulGrads(Tensor g, boolean[] n, boolean transposeA, boolean transposeB, Tensor bForA,
                                        Tensor aForB, int[] as, int[] bs) {
        Tensor ga = null;
        Tensor gb = null;
        if (!transposeA && !transposeB) { // C = A·B: dA = G·Bᵀ, dB = Aᵀ·G
            ga = n[0] ? productTo(as, g, false, bForA, true) : null;
            gb = n[1] ? productTo(bs, aForB, true, g, false) : null;
        } else if (!transposeA) { // C = A·Bᵀ: dA = G·B, dB = Gᵀ·A
            ga = n[0] ? productTo(as, g, false, bForA, false) : null;
            gb = n[1] ? productTo(bs, g, true, aForB, false) : null;
        } else if (!transposeB) { // C = Aᵀ·B: dA = B·Gᵀ, dB = A·G
            ga = n[0] ? productTo(as, bForA, false, g, true) : null;
            gb = n[1] ? productTo(bs, aForB, false, g, false) : null;
        } else { // C = Aᵀ·Bᵀ: dA = Bᵀ·Gᵀ, dB = Gᵀ·Aᵀ
            ga = n[0] ? productTo(as, bForA, true, g, true) : null;
            gb = n[1] ? productTo(bs, g, true, aForB, true) : null;
        }
        return grads(ga, gb);
    }

    /**
     * {@code sumToShape(matmul(x, tx, y, ty), shape)}: a factor's gradient summed back to its shape;
     * a matrix that multiplied every problem of a batch gets {@link #matmulBatchSum}, the same value
     * without the batched product.
     */
    private static Tensor productTo(int[] shape, Tensor x, boolean tx, Tensor y, boolean ty) {
        if (shape.length == 2 && Math.max(x.rank(), y.rank()) > 2) {
            return matmulBatchSum(x, tx, y, ty);
        }
        return sumToShape(matmul(x, tx, y, ty), shape);
    }

    /**
     * {@code sum(matmul(a, transposeA, b, transposeB))} over the product's batch dimensions
     * ({@link Backend#matmulBatchSum}: the same value, without the batched product on the CPU). Its
     * rule is the composition's: G expanded over the batch, then the product's rule.
     */
    public static Tensor matmulBatchSum(Tensor a, boolean transposeA, Tensor b, boolean transposeB) {
        Tensor out = a.backend().matmulBatchSum(a, transposeA, b, transposeB);
        int[] os = OpChecks.matmul(a, transposeA, b, transposeB);
        int[] as = a.shape();
        int[] bs = b.shape();
        Tensor bForA = savedFor(a, b);
        Tensor aForB = savedFor(b, a);
        return record(out, "matmulBatchSum", new Tensor[] {a, b},
                (g, n) -> matmulGrads(expand(g, os), n, transposeA, transposeB, bForA, aForB, as, bs));
    }

    /**
     * {@code reluBackward(matmul(a, transposeA, b, transposeB), y)}: the product's elements where
     * y &gt; 0, times 0 elsewhere ({@link Backend#matmulStep}: the same values, without a second
     * array). Recorded as one node: its rule is the composition's, the mask applied to
     * G first. y is a constant to it, as to reluBackward.
     */
    public static Tensor matmulStep(Tensor a, boolean transposeA, Tensor b, boolean transposeB, Tensor y) {
        Tensor out = a.backend().matmulStep(a, transposeA, b, transposeB, y);
        int[] as = a.shape();
        int[] bs = b.shape();
        Tensor bForA = savedFor(a, b);
        Tensor aForB = savedFor(b, a);
        return record(out, "matmulStep", new Tensor[] {a, b},
                (g, n) -> matmulGrads(reluBackward(g, y), n, transposeA, transposeB, bForA, aForB, as, bs));
    }

    /**
     * A layer of 1×1 convolutions over a set: {@code relu(add(matmul(w, x), reshape(bias, M, 1)))}
     * (without the relu when {@code relu} is false) for w (M, K), x (…, K, N), bias (M), recorded as one
     * node ({@link Backend#linear}: the same values, one pass). Its rule is that composition's, term
     * for term: with gp = reluBackward(g, out) (or g), dw = Σ gp·xᵀ over the leading dimensions,
     * dx = wᵀ·gp, dbias = Σ gp over every dimension but M.
     */
    public static Tensor linear(Tensor w, Tensor x, Tensor bias, boolean relu) {
        return linear(w, x, bias, relu, null, null);
    }

    /**
     * A per-element MLP over a set: {@code linear(w[l], h, bias[l], relu)} for each layer l, with the
     * ReLU after every layer but the last — the values and the gradients of those calls, bit for bit.
     * The hidden ReLU outputs are this op's own, which lets two rules share one pass: the rule of the
     * layer after a hidden output h returns h's gradient already masked,
     * {@code matmulStep(wᵀ, gp, h)} (masked in place, no second array), and the rule of
     * the layer that made h takes it as its masked gradient instead of applying reluBackward again.
     * That changes no bit — reluBackward(reluBackward(g, h), h) is reluBackward(g, h) — as long as that
     * gradient is h's whole gradient. It is unless a recorded backward (createGraph) computed the next
     * layer's weight gradient, g·hᵀ, which makes h an input of that product; from then on both rules
     * are the composition's ({@link Hidden}).
     *
     * @param x    (…, K, N)
     * @param w    per layer (M_l, K_l), K_0 = K, K_{l+1} = M_l
     * @param bias per layer (M_l)
     */
    public static Tensor mlp(Tensor x, Tensor[] w, Tensor[] bias) {
        if (w.length == 0 || w.length != bias.length) {
            throw new IllegalArgumentException("mlp: " + w.length + " weights and " + bias.length + " biases");
        }
        Tensor h = x;
        Hidden in = null;
        for (int l = 0; l < w.length; l++) {
            Hidden out = l < w.length - 1 ? new Hidden() : null;
            h = linear(w[l], h, bias[l], out != null, out, in);
            in = out;
        }
        return h;
    }

    /** A hidden ReLU output of {@link #mlp}, shared by the layer that makes it and the layer that reads it. */
    private static final class Hidden {
        /** Set once a recorded product reads the output as a differentiable input (see mlp). */
        boolean exposed;
    }

    /**
     * @param out the output is a hidden ReLU output (or null): its gradient arrives masked
     * @param in  x is one (or null): x's gradient is returned masked by step(x)
     */
    private static Tensor linear(Tensor w, Tensor x, Tensor bias, boolean relu, Hidden out, Hidden in) {
        int[] ws = w.shape();
        int[] xs = x.shape();
        // inside a recomputed function's second run, the first run's result when it kept it (Recompute.product)
        Tensor y = Recompute.product(OpChecks.linear(w, x, bias), ws[1], () -> x.backend().linear(w, x, bias, relu));
        int[] bs = {ws[0], 1};
        Tensor xForW = in != null ? x : savedFor(w, x);
        Tensor wForX = savedFor(x, w);
        return record(y, relu ? "linearRelu" : "linear", new Tensor[] {w, x, bias}, (g, n) -> {
            Tensor gp = relu && (out == null || out.exposed) ? reluBackward(g, y) : g;
            if (in != null && n[0] && Autograd.isRecording()) {
                in.exposed = true; // the weight gradient below is recorded with x as an input
            }
            Tensor gx = null;
            if (n[1]) {
                gx = in != null && !in.exposed ? matmulStep(wForX, true, gp, false, xForW) : matmul(wForX, true, gp, false);
            }
            return grads(n[0] ? productTo(ws, gp, false, xForW, true) : null,
                    gx == null ? null : sumToShape(gx, xs),
                    n[2] ? reshape(sumToShape(gp, bs), ws[0]) : null);
        });
    }

    // ================================================================ shape

    public static Tensor reshape(Tensor a, int... shape) {
        int[] in = a.shape();
        Tensor out = a.backend().reshape(a, shape);
        if (Shape.same(out.shape(), in) && !Autograd.isRecording()) {
            return a;
        }
        return record(out, "reshape", new Tensor[] {a}, (g, n) -> grads(reshape(g, in)));
    }

    public static Tensor permute(Tensor a, int... perm) {
        int[] inv = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            inv[Shape.dim("permute", perm[i], perm.length)] = i;
        }
        return record(a.backend().permute(a, perm), "permute", new Tensor[] {a}, (g, n) -> grads(permute(g, inv)));
    }

    /** Swaps two dimensions. */
    public static Tensor transpose(Tensor a, int d0, int d1) {
        int r = a.rank();
        int[] perm = new int[r];
        for (int i = 0; i < r; i++) {
            perm[i] = i;
        }
        int x = Shape.dim("transpose", d0, r);
        int y = Shape.dim("transpose", d1, r);
        perm[x] = y;
        perm[y] = x;
        return permute(a, perm);
    }

    /** Inserts a size-1 dimension at {@code dim}. */
    public static Tensor unsqueeze(Tensor a, int dim) {
        int[] s = a.shape();
        int d = dim < 0 ? dim + s.length + 1 : dim;
        int[] out = new int[s.length + 1];
        for (int i = 0, j = 0; i < out.length; i++) {
            out[i] = i == d ? 1 : s[j++];
        }
        return reshape(a, out);
    }

    /** Broadcasts to {@code shape}; the gradient sums back over the broadcast dimensions. */
    public static Tensor expand(Tensor a, int... shape) {
        int[] in = a.shape();
        if (Shape.same(in, shape)) {
            return a;
        }
        return record(a.backend().expand(a, shape), "expand", new Tensor[] {a}, (g, n) -> grads(sumToShape(g, in)));
    }

    /** Sums {@code g} over the dimensions that broadcasting added or stretched, giving {@code shape}. */
    public static Tensor sumToShape(Tensor g, int[] shape) {
        int[] gs = g.shape();
        if (Shape.same(gs, shape)) {
            return g;
        }
        int lead = gs.length - shape.length;
        int[] dims = new int[gs.length];
        int m = 0;
        for (int i = 0; i < gs.length; i++) {
            if (i < lead || (shape[i - lead] == 1 && gs[i] != 1)) {
                dims[m++] = i;
            }
        }
        return reshape(sum(g, Arrays.copyOf(dims, m), false), shape);
    }

    public static Tensor concat(int dim, Tensor... parts) {
        Tensor out = parts[0].backend().concat(dim, parts);
        int k = Shape.dim("concat", dim, out.rank());
        int[] sizes = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            sizes[i] = parts[i].size(k);
        }
        return record(out, "concat", parts, (g, n) -> {
            Tensor[] gs = new Tensor[sizes.length];
            int at = 0;
            for (int i = 0; i < sizes.length; i++) {
                int len = sizes[i];
                if (n[i]) {
                    gs[i] = slice(g, k, at, at + len);
                }
                at += len;
            }
            return gs;
        });
    }

    public static Tensor slice(Tensor a, int dim, int start, int end) {
        int full = a.size(dim);
        return record(a.backend().slice(a, dim, start, end), "slice", new Tensor[] {a},
                (g, n) -> grads(padSlice(g, dim, start, full)));
    }

    /** Zeros of size {@code fullSize} along {@code dim} with {@code a} placed at {@code start} (slice's adjoint). */
    public static Tensor padSlice(Tensor a, int dim, int start, int fullSize) {
        int len = a.size(dim);
        return record(a.backend().padSlice(a, dim, start, fullSize), "padSlice", new Tensor[] {a},
                (g, n) -> grads(slice(g, dim, start, start + len)));
    }

    /** out = a[…index…] along {@code dim}; the gradient scatters back (adds at repeated indices). */
    public static Tensor gather(Tensor a, int dim, Tensor index) {
        Backend be = a.backend();
        DType dt = a.dtype();
        int[] as = a.shape();
        return record(be.gather(a, dim, index), "gather", new Tensor[] {a},
                (g, n) -> grads(scatterAdd(be.full(0.0, dt, as), dim, index, g)));
    }

    /** base with src added at index along dim. */
    public static Tensor scatterAdd(Tensor base, int dim, Tensor index, Tensor src) {
        return record(base.backend().scatterAdd(base, dim, index, src), "scatterAdd", new Tensor[] {base, src},
                (g, n) -> grads(n[0] ? g : null, n[1] ? gather(g, dim, index) : null));
    }

    // ================================================================ images

    /** conv2d as PyTorch: x (B, Cin, H, W), w (Cout, Cin, kh, kw), bias (Cout) or null. */
    public static Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int pad) {
        int[] xs = x.shape();
        int[] ws = w.shape();
        Tensor out = x.backend().conv2d(x, w, bias, stride, pad);
        Tensor[] in = bias == null ? new Tensor[] {x, w} : new Tensor[] {x, w, bias};
        Tensor wForX = savedFor(x, w);
        Tensor xForW = savedFor(w, x);
        boolean hasBias = bias != null;
        return record(out, "conv2d", in, (g, n) -> {
            Tensor gx = n[0] ? conv2dBackwardInput(g, wForX, xs, stride, pad) : null;
            Tensor gw = n[1] ? conv2dBackwardWeight(xForW, g, ws, stride, pad) : null;
            if (!hasBias) {
                return grads(gx, gw);
            }
            return grads(gx, gw, n[2] ? sum(g, new int[] {0, 2, 3}, false) : null);
        });
    }

    /** The input-gradient of conv2d; bilinear in (gy, w), so its own rule is two convolutions. */
    public static Tensor conv2dBackwardInput(Tensor gy, Tensor w, int[] xShape, int stride, int pad) {
        int[] ws = w.shape();
        Tensor out = gy.backend().conv2dBackwardInput(gy, w, xShape, stride, pad);
        Tensor wForGy = savedFor(gy, w);
        Tensor gyForW = savedFor(w, gy);
        return record(out, "conv2dBackwardInput", new Tensor[] {gy, w}, (u, n) -> grads(
                n[0] ? conv2d(u, wForGy, null, stride, pad) : null,
                n[1] ? conv2dBackwardWeight(u, gyForW, ws, stride, pad) : null));
    }

    /** The weight-gradient of conv2d; bilinear in (x, gy). */
    public static Tensor conv2dBackwardWeight(Tensor x, Tensor gy, int[] wShape, int stride, int pad) {
        int[] xs = x.shape();
        Tensor out = x.backend().conv2dBackwardWeight(x, gy, wShape, stride, pad);
        Tensor gyForX = savedFor(x, gy);
        Tensor xForGy = savedFor(gy, x);
        return record(out, "conv2dBackwardWeight", new Tensor[] {x, gy}, (v, n) -> grads(
                n[0] ? conv2dBackwardInput(gyForX, v, xs, stride, pad) : null,
                n[1] ? conv2d(xForGy, v, null, stride, pad) : null));
    }

    /**
     * k×k max-pooling of x (B, C, H, W) with implicit −∞ padding; the gradient goes to the first
     * maximum of each window.
     */
    public static Tensor maxPool2d(Tensor x, int k, int stride, int pad) {
        int[] s = x.shape();
        Tensor idx = x.backend().maxPool2dIndices(x, k, stride, pad);
        int[] os = idx.shape();
        Tensor flat = reshape(x, s[0], s[1], s[2] * s[3]);
        Tensor v = gather(flat, 2, x.backend().reshape(idx, os[0], os[1], os[2] * os[3]));
        return reshape(v, os);
    }

    // ================================================================ dtype

    /** Converts between floating types (differentiable) or to an index type (a constant). */
    public static Tensor cast(Tensor a, DType dtype) {
        if (a.dtype() == dtype) {
            return a;
        }
        Tensor out = a.backend().cast(a, dtype);
        if (!dtype.isFloating()) {
            return out;
        }
        DType from = a.dtype();
        return record(out, "cast", new Tensor[] {a}, (g, n) -> grads(cast(g, from)));
    }
}
