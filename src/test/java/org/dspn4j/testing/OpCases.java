package org.dspn4j.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.Backend.Binary;
import org.dspn4j.tensor.Backend.Unary;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.ExactScalars;
import org.dspn4j.tensor.Shape;
import org.dspn4j.tensor.Tensor;

/**
 * Random applications of one op of the op set, built from a seed, for the property tests that tie
 * the fast backends to {@code ReferenceBackend}. A case is a recipe ({@code Backend → Tensor}): its
 * inputs are made on the backend under test from the same host values, either directly
 * ({@code fromHost}) or through a view the API creates — a permute of a tensor stored in another
 * order, an expand of a tensor with size-1 dimensions, a slice of a larger tensor — so that those ops
 * and the op under test both run on the backend.
 *
 * <p>Values mix Gaussians of several scales, small integers (ties), and the special values ±0, ±∞,
 * NaN, ±1 (Huber's kink), 1e-30 and −3e38. Shapes have up to five dimensions of size 0 … 5 (size 0
 * only where the op allows it), and about one case in eight is large enough to cross the CPU
 * backend's thresholds for threads and for its packed matrix-product kernels.
 */
public final class OpCases {
    private OpCases() {
    }

    /** The op a case applies (every op of {@code Backend} that computes). */
    public enum Kind {
        FROM_HOST, FULL, CAST, HOST_STEP, BINARY, UNARY, MUL_STEP, AFFINE, AFFINE_COEFFICIENTS, POW, CLAMP, IN_RANGE, SUM,
        ARGMAX, ARGSORT, SORTED_POOL, CHAMFER_ARGMIN, MATMUL, LINEAR, MATMUL_STEP, MATMUL_BATCH_SUM, RESHAPE, PERMUTE, EXPAND, CONCAT, SLICE, PAD_SLICE, GATHER,
        SCATTER_ADD, CONV2D, CONV2D_BACKWARD_INPUT, CONV2D_BACKWARD_WEIGHT, MAX_POOL2D_INDICES
    }

    /**
     * One case: a description (op, shapes, parameters), the recipe, and what the OpenCL engine
     * promises for it in F32: {@code ulps} float ulps of the reference (0: the same bits), plus, when
     * {@code bound} is not null, the absolute per-element bound it computes on the reference backend.
     */
    public record Case(String what, Function<Backend, Tensor> op, int ulps, Function<Backend, Tensor> bound) {
        @Override
        public String toString() {
            return what;
        }
    }

    private static final double[] SPECIALS = {0.0, -0.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN,
        1.0, -1.0, 1e-30, -3e38, 0.5, -2.0};

    /**
     * A case of {@code kind} from {@code seed}. {@code dtype} is the floating dtype of the data (F32 or
     * F64; some cases use I64 data or indices as the op needs); {@code device} restricts the case to
     * what the OpenCL backend holds (F32, I64/I32 as floats).
     */
    public static Case of(Kind kind, long seed, DType dtype, boolean device) {
        Gen g = new Gen(new Random(seed), dtype, device);
        Case c = g.make(kind);
        return new Case(kind + " " + dtype + " seed " + seed + ": " + c.what, c.op, c.ulps, c.bound);
    }

    /** The generator state of one case. */
    private static final class Gen {
        final Random r;
        final DType dt;
        final boolean device;
        final boolean large;

        Gen(Random r, DType dt, boolean device) {
            this.r = r;
            this.dt = dt;
            this.device = device;
            this.large = r.nextInt(8) == 0;
        }

        // ---------------------------------------------------------------- values and shapes

        double value() {
            int k = r.nextInt(10);
            if (k == 0) {
                return SPECIALS[r.nextInt(SPECIALS.length)];
            }
            if (k <= 2) {
                return r.nextInt(5) - 2; // ties
            }
            double scale = new double[] {1e-3, 1, 1, 1, 30, 1e4}[r.nextInt(6)];
            return r.nextGaussian() * scale;
        }

        /** Finite values: Gaussians of several scales and small integers. */
        double finite() {
            return r.nextInt(4) == 0 ? r.nextInt(5) - 2 : r.nextGaussian() * new double[] {1e-3, 1, 1, 30, 1e4}[r.nextInt(5)];
        }

        double[] values(int n, boolean specials) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = specials ? value() : finite();
            }
            return v;
        }

        double[] ints(int n, int lo, int hi) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = lo + r.nextInt(hi - lo);
            }
            return v;
        }

        int size(int min) {
            return min + r.nextInt((large ? 9 : 5) - min + 1);
        }

        /** A shape of rank minRank … maxRank, dimensions minSize … 5 (a large case: about 70,000 elements). */
        int[] shape(int minRank, int maxRank, int minSize) {
            int[] s = new int[minRank + r.nextInt(maxRank - minRank + 1)];
            for (int i = 0; i < s.length; i++) {
                s[i] = size(minSize);
            }
            if (large) {
                // about 70,000 elements: past the CPU backend's elementwise and reduction thresholds
                int[] t = s.length == 0 ? new int[] {1} : s.clone();
                int lead = Shape.numel(Arrays.copyOf(t, t.length - 1));
                if (lead > 0) {
                    t[t.length - 1] = Math.max(1, 70_000 / lead);
                    return t;
                }
            }
            return s;
        }

        /**
         * A tensor of shape {@code s} and dtype {@code type} from random host values (special values
         * when {@code specials}), made through a random route: fromHost, permute, expand or slice.
         */
        Function<Backend, Tensor> input(int[] s, DType type, boolean specials) {
            int n = Shape.numel(s);
            int route = s.length == 0 ? 0 : r.nextInt(4);
            if (route == 1) { // permute of a tensor stored in another order: out dim i = stored dim perm[i]
                int[] perm = permutation(s.length);
                int[] stored = new int[s.length];
                for (int i = 0; i < s.length; i++) {
                    stored[perm[i]] = s[i];
                }
                double[] v = values(n, specials);
                return be -> be.permute(be.fromHost(v, type, stored), perm);
            }
            if (route == 2) { // expand of a tensor with some dimensions of size 1 (and maybe fewer dimensions)
                int drop = r.nextInt(Math.min(2, s.length) + 1);
                int[] src = Arrays.copyOfRange(s, drop, s.length);
                for (int i = 0; i < src.length; i++) {
                    if (r.nextInt(3) == 0) {
                        src[i] = 1;
                    }
                }
                double[] v = values(Shape.numel(src), specials);
                return be -> be.expand(be.fromHost(v, type, src), s);
            }
            if (route == 3) { // slice of a larger tensor
                int d = r.nextInt(s.length);
                int extra = 1 + r.nextInt(3);
                int start = r.nextInt(extra + 1);
                int[] big = Shape.with(s, d, s[d] + extra);
                double[] v = values(Shape.numel(big), specials);
                return be -> be.slice(be.fromHost(v, type, big), d, start, start + s[d]);
            }
            double[] v = values(n, specials);
            return be -> be.fromHost(v, type, s);
        }

        /** An integer tensor of shape s with values in [lo, hi), through a random route. */
        Function<Backend, Tensor> indexInput(int[] s, DType type, int lo, int hi) {
            double[] v = ints(Shape.numel(s), lo, hi);
            if (s.length > 1 && r.nextBoolean()) { // a permute of indices stored in another order
                int[] perm = permutation(s.length);
                int[] stored = new int[s.length];
                for (int i = 0; i < s.length; i++) {
                    stored[perm[i]] = s[i];
                }
                return be -> be.permute(be.fromHost(v, type, stored), perm);
            }
            return be -> be.fromHost(v, type, s);
        }

        /**
         * m, k, n of a product: in a large case reaching the CPU product's few-row (m <= 4), few-column
         * (n small, computed as its transpose) and packed paths.
         */
        int[] productSizes() {
            int m = large ? (r.nextInt(3) == 0 ? 1 + r.nextInt(4) : 5 + r.nextInt(70)) : r.nextInt(7);
            int k = large ? 1 + r.nextInt(60) : r.nextInt(7);
            int n = large ? (r.nextInt(3) == 0 ? 1 + r.nextInt(12) : 20 + r.nextInt(60)) : r.nextInt(7);
            return new int[] {m, k, n};
        }

        /** Zero to two batch dimensions of 1 … 3. */
        int[] smallBatch() {
            int[] batch = new int[r.nextInt(3)];
            for (int i = 0; i < batch.length; i++) {
                batch[i] = 1 + r.nextInt(3);
            }
            return batch;
        }

        int[] permutation(int n) {
            List<Integer> p = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                p.add(i);
            }
            java.util.Collections.shuffle(p, r);
            int[] out = new int[n];
            for (int i = 0; i < n; i++) {
                out[i] = p.get(i);
            }
            return out;
        }

        DType intType() {
            return r.nextBoolean() ? DType.I64 : DType.I32;
        }

        // ---------------------------------------------------------------- cases

        Case make(Kind kind) {
            switch (kind) {
                case FROM_HOST: {
                    int[] s = shape(0, 4, 0);
                    DType t = r.nextInt(3) == 0 ? intType() : dt;
                    double[] v = t.isFloating() ? values(Shape.numel(s), true) : ints(Shape.numel(s), -1000, 1000);
                    if (!t.isFloating()) {
                        for (int i = 0; i < v.length; i++) {
                            v[i] += r.nextDouble() - 0.5; // truncation toward zero
                        }
                    }
                    return exact("fromHost " + t + " " + Shape.str(s), be -> be.fromHost(v, t, s));
                }
                case FULL: {
                    int[] s = shape(0, 4, 0);
                    DType t = r.nextInt(3) == 0 ? intType() : dt;
                    double value = t.isFloating() ? value() : r.nextInt(200) - 100 + r.nextDouble();
                    return exact("full " + value + " " + t + " " + Shape.str(s), be -> be.full(value, t, s));
                }
                case CAST: {
                    int[] s = shape(0, 4, 0);
                    DType from = r.nextInt(3) == 0 ? intType() : dt;
                    DType to = device ? (from.isFloating() ? intType() : r.nextBoolean() ? DType.F32 : intType())
                            : DType.values()[r.nextInt(4)];
                    Function<Backend, Tensor> x = from.isFloating() ? floatsForCast(s, from) : indexInput(s, from, -500, 500);
                    return exact("cast " + from + " -> " + to + " " + Shape.str(s), be -> be.cast(x.apply(be), to));
                }
                case HOST_STEP: {
                    int[] s = shape(0, 3, 0);
                    int[] os = shape(0, 3, 0);
                    int m = Shape.numel(os);
                    Function<Backend, Tensor> x = input(s, dt, true);
                    DType t = r.nextBoolean() ? dt : DType.I64;
                    Backend.HostFunction f = in -> {
                        double[] out = new double[m];
                        for (int i = 0; i < m; i++) {
                            out[i] = in.length == 0 ? i : in[i % in.length] * 3 - i; // NaN, inf pass through
                        }
                        if (!t.isFloating()) {
                            for (int i = 0; i < m; i++) {
                                out[i] = Double.isFinite(out[i]) ? Math.max(-1e6, Math.min(1e6, out[i])) : 7;
                            }
                        }
                        return out;
                    };
                    return exact("hostStep " + Shape.str(s) + " -> " + t + " " + Shape.str(os),
                            be -> be.hostStep(x.apply(be), f, t, os));
                }
                case BINARY: {
                    Binary op = Binary.values()[r.nextInt(4)];
                    int[] os = shape(0, 5, 0);
                    int[] as = broadcastSource(os);
                    int[] bs = broadcastSource(os);
                    if (r.nextBoolean()) {
                        int[] t = as;
                        as = bs;
                        bs = t;
                    }
                    boolean ints = r.nextInt(5) == 0;
                    DType t = ints ? DType.I64 : dt;
                    Function<Backend, Tensor> a = ints ? indexInput(as, t, -50, 50) : input(as, t, true);
                    Function<Backend, Tensor> b = ints ? nonZero(bs, t) : input(bs, t, true);
                    return exact("binary " + op + " " + t + " " + Shape.str(as) + " " + Shape.str(bs),
                            be -> be.binary(op, a.apply(be), b.apply(be)));
                }
                case UNARY: {
                    Unary op = Unary.values()[r.nextInt(Unary.values().length)];
                    int[] s = shape(0, 4, 0);
                    Function<Backend, Tensor> a = input(s, dt, true);
                    boolean transcendental = op == Unary.EXP || op == Unary.LOG || op == Unary.SIGMOID || op == Unary.TANH;
                    return new Case("unary " + op + " " + Shape.str(s), be -> be.unary(op, a.apply(be)),
                            transcendental ? 1 : 0, null);
                }
                case MUL_STEP: {
                    // mulStep(g, y) is MUL(g, STEP(y)) by definition; same shapes take the CPU backend's one
                    // pass, a broadcast operand the composition
                    int[] s = shape(0, 4, 0);
                    int[] ys = r.nextInt(4) == 0 ? broadcastSource(s) : s;
                    Function<Backend, Tensor> g = input(s, dt, true);
                    Function<Backend, Tensor> y = input(ys, dt, true);
                    return exact("mulStep " + Shape.str(s) + " " + Shape.str(ys), be -> be.mulStep(g.apply(be), y.apply(be)));
                }
                case AFFINE: {
                    int[] s = shape(0, 4, 0);
                    double scale = r.nextInt(4) == 0 ? value() : r.nextGaussian();
                    double shift = r.nextInt(3) == 0 ? 0.0 : r.nextInt(4) == 0 ? value() : r.nextGaussian();
                    Function<Backend, Tensor> a = input(s, dt, true);
                    return new Case("affine " + scale + " " + shift + " " + Shape.str(s),
                            be -> be.affine(a.apply(be), scale, shift), shift == 0.0 ? 0 : 1, null);
                }
                case AFFINE_COEFFICIENTS: {
                    int[] s = shape(0, 4, 0);
                    int pairs = 1 + r.nextInt(3);
                    int pair = r.nextInt(pairs);
                    double[] coef = new double[2 * pairs];
                    for (int i = 0; i < coef.length; i++) {
                        coef[i] = r.nextGaussian() * Math.pow(10, r.nextInt(7) - 3);
                    }
                    Function<Backend, Tensor> a = input(s, dt, true);
                    return new Case("affine(coefficients pair " + pair + " of " + Arrays.toString(coef) + ") " + Shape.str(s),
                            be -> be.affine(a.apply(be), ExactScalars.tensor(be, coef), pair), 1, null);
                }
                case POW: {
                    int[] s = shape(0, 4, 0);
                    double p = new double[] {2.0, 3.0, 0.5, -1.0, 1.5, -2.5, 0.0, r.nextGaussian() * 3}[r.nextInt(8)];
                    Function<Backend, Tensor> a = input(s, dt, true);
                    return new Case("pow " + p + " " + Shape.str(s), be -> be.pow(a.apply(be), p), p == 2.0 ? 0 : 1, null);
                }
                case CLAMP: {
                    int[] s = shape(0, 4, 0);
                    double lo = r.nextInt(4) == 0 ? 0.0 : r.nextGaussian();
                    double hi = lo + (r.nextInt(4) == 0 ? 0.0 : Math.abs(r.nextGaussian()));
                    Function<Backend, Tensor> a = input(s, dt, true);
                    return exact("clamp [" + lo + ", " + hi + "] " + Shape.str(s), be -> be.clamp(a.apply(be), lo, hi));
                }
                case IN_RANGE: {
                    int[] s = shape(0, 4, 0);
                    double lo = r.nextInt(4) == 0 ? -1.0 : r.nextGaussian();
                    double hi = r.nextInt(4) == 0 ? 1.0 : lo + Math.abs(r.nextGaussian());
                    Function<Backend, Tensor> a = input(s, dt, true);
                    return exact("inRange [" + lo + ", " + hi + "] " + Shape.str(s), be -> be.inRange(a.apply(be), lo, hi));
                }
                case SUM: {
                    int[] s = shape(0, 5, 0);
                    List<Integer> dims = new ArrayList<>();
                    for (int d = 0; d < s.length; d++) {
                        if (r.nextBoolean()) {
                            dims.add(r.nextBoolean() ? d : d - s.length);
                        }
                    }
                    java.util.Collections.shuffle(dims, r);
                    int[] ds = dims.stream().mapToInt(Integer::intValue).toArray();
                    boolean keep = r.nextBoolean();
                    boolean specials = r.nextInt(4) == 0;
                    boolean ints = !device && r.nextInt(8) == 0;
                    DType t = ints ? DType.I64 : dt;
                    Function<Backend, Tensor> a = ints ? indexInput(s, t, -100, 100) : input(s, t, specials);
                    // OpenCL adds in double in plain row-major order; the definition adds runs of four
                    // chains (ReferenceBackend.sum). Both are within n·2^-53·Σ|x| of the exact sum.
                    long n = 1;
                    for (int d : ds) {
                        n *= s[Math.floorMod(d, s.length)];
                    }
                    double rel = 2.0 * Math.max(1, n) * Math.pow(2, -53);
                    return new Case("sum " + Arrays.toString(ds) + " keepDim=" + keep + " " + t + " " + Shape.str(s),
                            be -> be.sum(a.apply(be), ds, keep), 1,
                            be -> be.affine(be.sum(be.unary(Unary.ABS, a.apply(be)), ds, keep), rel, 0.0));
                }
                case ARGMAX: {
                    int[] s = shape(1, 4, 1);
                    int dim = r.nextInt(s.length) - (r.nextBoolean() ? s.length : 0);
                    Function<Backend, Tensor> a = input(s, dt, true);
                    return exact("argmax dim " + dim + " " + Shape.str(s), be -> be.argmax(a.apply(be), dim));
                }
                case ARGSORT: {
                    int[] s = shape(1, 4, 0);
                    int k = r.nextInt(s.length);
                    s[k] = Math.min(s[k], 400); // the definition is an insertion sort: lines of FSPool's length
                    int dim = k - (r.nextBoolean() ? s.length : 0);
                    boolean desc = r.nextBoolean();
                    Function<Backend, Tensor> a = input(s, dt, true);
                    return exact("argsort dim " + dim + " descending=" + desc + " " + Shape.str(s),
                            be -> be.argsort(a.apply(be), dim, desc));
                }
                case CHAMFER_ARGMIN: {
                    int[] lead = new int[r.nextInt(3)];
                    for (int i = 0; i < lead.length; i++) {
                        lead[i] = 1 + r.nextInt(4);
                    }
                    int c = 1 + r.nextInt(4);
                    int n = 1 + r.nextInt(large ? 40 : 8);
                    int[] ps = concat(lead, c, n);
                    int[] tlead = Arrays.copyOfRange(lead, r.nextInt(lead.length + 1), lead.length);
                    for (int i = 0; i < tlead.length; i++) {
                        if (r.nextInt(3) == 0) {
                            tlead[i] = 1;
                        }
                    }
                    int[] ts = concat(tlead, c, n);
                    boolean specials = r.nextInt(4) == 0;
                    Function<Backend, Tensor> p = input(ps, dt, specials);
                    Function<Backend, Tensor> t = input(ts, dt, specials);
                    return exact("chamferArgmin " + Shape.str(ps) + " " + Shape.str(ts),
                            be -> be.chamferArgmin(p.apply(be), t.apply(be)));
                }
                case MATMUL: {
                    int m = large ? 20 + r.nextInt(60) : r.nextInt(7);
                    int k = large ? 20 + r.nextInt(60) : r.nextInt(7);
                    int n = large ? 20 + r.nextInt(60) : r.nextInt(7);
                    int[] batch = large ? new int[r.nextInt(2)] : new int[r.nextInt(3)];
                    for (int i = 0; i < batch.length; i++) {
                        batch[i] = 1 + r.nextInt(3);
                    }
                    int[] ba = broadcastSource(batch);
                    int[] bb = broadcastSource(batch);
                    boolean ta = r.nextBoolean();
                    boolean tb = r.nextBoolean();
                    int[] as = concat(ba, ta ? k : m, ta ? m : k);
                    int[] bs = concat(bb, tb ? n : k, tb ? k : n);
                    boolean specials = r.nextInt(6) == 0;
                    Function<Backend, Tensor> a = input(as, dt, specials);
                    Function<Backend, Tensor> b = input(bs, dt, specials);
                    boolean plain = !ta && !tb && r.nextBoolean();
                    return exact((plain ? "matmul " : "matmul transposeA=" + ta + " transposeB=" + tb + " ") + Shape.str(as)
                                    + " " + Shape.str(bs),
                            plain ? be -> be.matmul(a.apply(be), b.apply(be)) : be -> be.matmul(a.apply(be), ta, b.apply(be), tb));
                }
                case LINEAR: {
                    // relu?(w·x + bias); large cases reach the CPU product's few-row (m <= 4), few-column (n small,
                    // computed as its transpose) and packed paths, each adding the bias to its finished tiles
                    int[] sizes = productSizes(); // m, k, n
                    int m = sizes[0];
                    int k = sizes[1];
                    int n = sizes[2];
                    int[] batch = smallBatch();
                    boolean relu = r.nextBoolean();
                    boolean specials = r.nextInt(6) == 0;
                    Function<Backend, Tensor> w = input(new int[] {m, k}, dt, specials);
                    Function<Backend, Tensor> x = input(concat(batch, k, n), dt, specials);
                    Function<Backend, Tensor> bias = input(new int[] {m}, dt, true);
                    return exact("linear relu=" + relu + " (" + m + ", " + k + ") " + Shape.str(concat(batch, k, n)),
                            be -> be.linear(w.apply(be), x.apply(be), bias.apply(be), relu));
                }
                case MATMUL_STEP: {
                    // mulStep(matmul(op(a), op(b)), y): the CPU backend masks the product in place
                    int[] sizes = productSizes(); // m, k, n
                    int m = sizes[0];
                    int k = sizes[1];
                    int n = sizes[2];
                    int[] batch = smallBatch();
                    boolean ta = r.nextBoolean();
                    boolean tb = r.nextBoolean();
                    int[] as = concat(broadcastSource(batch), ta ? k : m, ta ? m : k);
                    int[] bs = concat(batch, tb ? n : k, tb ? k : n);
                    boolean specials = r.nextInt(6) == 0;
                    Function<Backend, Tensor> a = input(as, dt, specials);
                    Function<Backend, Tensor> b = input(bs, dt, specials);
                    Function<Backend, Tensor> y = input(concat(batch, m, n), dt, true);
                    return exact("matmulStep transposeA=" + ta + " transposeB=" + tb + " " + Shape.str(as) + " " + Shape.str(bs),
                            be -> be.matmulStep(a.apply(be), ta, b.apply(be), tb, y.apply(be)));
                }
                case SORTED_POOL: {
                    // FSPool's pooling and its two gradients, with any index in [0, N) (repeats too), shared
                    // (C, N) or per-sample (B, C, N) weights
                    int b = size(0);
                    int c = size(0);
                    int n = large ? 300 + r.nextInt(60) : size(0);
                    int[] s = {b, c, n};
                    int[] ws = r.nextBoolean() ? new int[] {c, n} : s;
                    boolean specials = r.nextInt(4) == 0;
                    Function<Backend, Tensor> x = input(s, dt, specials);
                    Function<Backend, Tensor> w = input(ws, dt, specials);
                    Function<Backend, Tensor> g = input(new int[] {b, c}, dt, specials);
                    Function<Backend, Tensor> idx = indexInput(s, intType(), 0, Math.max(1, n));
                    String shapes = Shape.str(s) + " w " + Shape.str(ws);
                    switch (r.nextInt(3)) {
                        case 0: {
                            // OpenCL sums over N in its own order (as SUM): within n·2^-53·Σ|x·w| of the exact sum
                            double rel = 2.0 * Math.max(1, n) * Math.pow(2, -53);
                            return new Case("sortedPool " + shapes, be -> be.sortedPool(x.apply(be), idx.apply(be), w.apply(be)), 1,
                                    be -> be.affine(be.sum(be.unary(Unary.ABS, be.binary(Binary.MUL, be.gather(x.apply(be), 2, idx.apply(be)),
                                            w.apply(be))), new int[] {2}, false), rel, 0.0));
                        }
                        case 1:
                            // scatterAdd onto zeros of products: the same adds in the same order everywhere
                            return exact("sortedPoolGradX " + shapes, be -> be.sortedPoolGradX(g.apply(be), w.apply(be), idx.apply(be)));
                        default: {
                            // OpenCL sums a shared weight's gradient over B in its own order, as SUM
                            double rel = 2.0 * Math.max(1, b) * Math.pow(2, -53);
                            int[] batch = {0};
                            return new Case("sortedPoolGradW " + shapes, be -> be.sortedPoolGradW(g.apply(be), x.apply(be), idx.apply(be), ws), 1,
                                    be -> {
                                        Tensor prod = be.unary(Unary.ABS, be.binary(Binary.MUL, be.expand(be.reshape(g.apply(be), b, c, 1), s),
                                                be.gather(x.apply(be), 2, idx.apply(be))));
                                        return be.affine(ws.length == 3 ? prod : be.reshape(be.sum(prod, batch, false), ws), rel, 0.0);
                                    });
                        }
                    }
                }
                case MATMUL_BATCH_SUM: {
                    // sum(matmul(op(a), op(b))) over the batch: the CPU backend adds each problem's product in turn
                    int m = large ? 5 + r.nextInt(70) : r.nextInt(7);
                    int k = large ? 1 + r.nextInt(60) : r.nextInt(7);
                    int n = large ? 5 + r.nextInt(70) : r.nextInt(7);
                    int[] batch = new int[1 + r.nextInt(2)];
                    for (int i = 0; i < batch.length; i++) {
                        batch[i] = r.nextInt(4);
                    }
                    boolean ta = r.nextBoolean();
                    boolean tb = r.nextBoolean();
                    int[] as = concat(broadcastSource(batch), ta ? k : m, ta ? m : k);
                    int[] bs = concat(batch, tb ? n : k, tb ? k : n);
                    boolean specials = r.nextInt(6) == 0;
                    Function<Backend, Tensor> a = input(as, dt, specials);
                    Function<Backend, Tensor> b = input(bs, dt, specials);
                    // OpenCL adds the problems in double as the definition does, in the same order
                    return exact("matmulBatchSum transposeA=" + ta + " transposeB=" + tb + " " + Shape.str(as) + " " + Shape.str(bs),
                            be -> be.matmulBatchSum(a.apply(be), ta, b.apply(be), tb));
                }
                case RESHAPE: {
                    int[] s = shape(0, 4, 0);
                    int[] to = factor(Shape.numel(s));
                    if (to.length > 0 && Shape.numel(s) > 0 && r.nextBoolean()) {
                        to[r.nextInt(to.length)] = -1;
                    }
                    int[] target = to;
                    Function<Backend, Tensor> a = input(s, dt, true);
                    // reshape shares storage: apply an op after it so the values are read through the new shape
                    return exact("reshape " + Shape.str(s) + " -> " + Arrays.toString(target),
                            be -> be.affine(be.reshape(a.apply(be), target), 1.0, 0.0));
                }
                case PERMUTE: {
                    int[] s = shape(0, 5, 0);
                    int[] perm = permutation(s.length);
                    for (int i = 0; i < perm.length; i++) {
                        if (r.nextInt(4) == 0) {
                            perm[i] -= s.length;
                        }
                    }
                    Function<Backend, Tensor> a = input(s, dt, true);
                    return exact("permute " + Arrays.toString(perm) + " " + Shape.str(s), be -> be.permute(a.apply(be), perm));
                }
                case EXPAND: {
                    int[] os = shape(0, 5, 0);
                    int[] s = broadcastSource(os);
                    Function<Backend, Tensor> a = input(s, dt, true);
                    return exact("expand " + Shape.str(s) + " -> " + Shape.str(os), be -> be.expand(a.apply(be), os));
                }
                case CONCAT: {
                    int[] s = shape(1, 4, 0);
                    int dim = r.nextInt(s.length);
                    int parts = 1 + r.nextInt(3);
                    List<Function<Backend, Tensor>> ps = new ArrayList<>();
                    StringBuilder what = new StringBuilder("concat dim " + dim + ":");
                    for (int i = 0; i < parts; i++) {
                        int[] ss = Shape.with(s, dim, r.nextInt(4));
                        ps.add(input(ss, dt, true));
                        what.append(' ').append(Shape.str(ss));
                    }
                    int d = r.nextBoolean() ? dim : dim - s.length;
                    return exact(what.toString(), be -> {
                        Tensor[] ts = new Tensor[parts];
                        for (int i = 0; i < parts; i++) {
                            ts[i] = ps.get(i).apply(be);
                        }
                        return be.concat(d, ts);
                    });
                }
                case SLICE: {
                    int[] s = shape(1, 4, 0);
                    int dim = r.nextInt(s.length);
                    int start = r.nextInt(s[dim] + 1);
                    int end = start + r.nextInt(s[dim] - start + 1);
                    Function<Backend, Tensor> a = input(s, dt, true);
                    return exact("slice dim " + dim + " [" + start + ", " + end + ") " + Shape.str(s),
                            be -> be.slice(a.apply(be), dim, start, end));
                }
                case PAD_SLICE: {
                    int[] s = shape(1, 4, 0);
                    int dim = r.nextInt(s.length);
                    int start = r.nextInt(4);
                    int full = s[dim] + start + r.nextInt(4);
                    Function<Backend, Tensor> a = input(s, dt, true);
                    return exact("padSlice dim " + dim + " at " + start + " of " + full + " " + Shape.str(s),
                            be -> be.padSlice(a.apply(be), dim, start, full));
                }
                case GATHER: {
                    int[] s = shape(1, 4, 1);
                    int dim = r.nextInt(s.length);
                    int[] is = new int[s.length];
                    for (int i = 0; i < s.length; i++) {
                        is[i] = i == dim ? r.nextInt(large ? 40 : 8) : r.nextInt(s[i] + 1);
                    }
                    Function<Backend, Tensor> a = input(s, dt, true);
                    Function<Backend, Tensor> idx = indexInput(is, intType(), 0, s[dim]);
                    int d = r.nextBoolean() ? dim : dim - s.length;
                    return exact("gather dim " + d + " " + Shape.str(s) + " index " + Shape.str(is),
                            be -> be.gather(a.apply(be), d, idx.apply(be)));
                }
                case SCATTER_ADD: {
                    int[] s = shape(1, 4, 1);
                    int dim = r.nextInt(s.length);
                    int[] is = new int[s.length];
                    int[] ss = new int[s.length];
                    for (int i = 0; i < s.length; i++) {
                        is[i] = i == dim ? r.nextInt(large ? 40 : 8) : r.nextInt(s[i] + 1);
                        ss[i] = is[i] + (r.nextInt(3) == 0 ? r.nextInt(3) : 0);
                    }
                    boolean specials = r.nextInt(4) == 0;
                    Function<Backend, Tensor> base = input(s, dt, specials);
                    Function<Backend, Tensor> src = input(ss, dt, specials);
                    Function<Backend, Tensor> idx = indexInput(is, intType(), 0, s[dim]);
                    int d = r.nextBoolean() ? dim : dim - s.length;
                    return exact("scatterAdd dim " + d + " base " + Shape.str(s) + " index " + Shape.str(is) + " src "
                            + Shape.str(ss), be -> be.scatterAdd(base.apply(be), d, idx.apply(be), src.apply(be)));
                }
                case CONV2D:
                case CONV2D_BACKWARD_INPUT:
                case CONV2D_BACKWARD_WEIGHT:
                    return conv(kind);
                default: { // MAX_POOL2D_INDICES
                    int k = 1 + r.nextInt(4);
                    int stride = 1 + r.nextInt(3);
                    int pad = r.nextInt(k / 2 + 1);
                    int[] xs = {1 + r.nextInt(3), 1 + r.nextInt(3), k - 2 * pad + r.nextInt(large ? 40 : 7),
                        k - 2 * pad + r.nextInt(large ? 40 : 7)};
                    xs[2] = Math.max(1, xs[2]);
                    xs[3] = Math.max(1, xs[3]);
                    Function<Backend, Tensor> x = input(xs, dt, true);
                    return exact("maxPool2dIndices k " + k + " stride " + stride + " pad " + pad + " " + Shape.str(xs),
                            be -> be.maxPool2dIndices(x.apply(be), k, stride, pad));
                }
            }
        }

        private Case conv(Kind kind) {
            int kh = 1 + r.nextInt(4);
            int kw = 1 + r.nextInt(4);
            int stride = 1 + r.nextInt(3);
            int pad = r.nextInt(3);
            int b = 1 + r.nextInt(large ? 4 : 3);
            int cin = 1 + r.nextInt(large ? 8 : 3);
            int cout = 1 + r.nextInt(large ? 8 : 3);
            int h = Math.max(1, kh - 2 * pad + r.nextInt(large ? 30 : 7));
            int w = Math.max(1, kw - 2 * pad + r.nextInt(large ? 30 : 7));
            int ho = (h + 2 * pad - kh) / stride + 1;
            int wo = (w + 2 * pad - kw) / stride + 1;
            int[] xs = {b, cin, h, w};
            int[] ws = {cout, cin, kh, kw};
            int[] ys = {b, cout, ho, wo};
            boolean specials = r.nextInt(6) == 0;
            String geo = "x " + Shape.str(xs) + " w " + Shape.str(ws) + " stride " + stride + " pad " + pad;
            Function<Backend, Tensor> wt = input(ws, dt, specials);
            if (kind == Kind.CONV2D) {
                Function<Backend, Tensor> x = input(xs, dt, specials);
                Function<Backend, Tensor> bias = r.nextBoolean() ? input(new int[] {cout}, dt, specials) : null;
                return exact("conv2d " + geo + (bias == null ? "" : " with bias"),
                        be -> be.conv2d(x.apply(be), wt.apply(be), bias == null ? null : bias.apply(be), stride, pad));
            }
            Function<Backend, Tensor> gy = input(ys, dt, specials);
            if (kind == Kind.CONV2D_BACKWARD_INPUT) {
                // OpenCL adds a pixel's taps in double and rounds once; the definition adds them in the
                // dtype, rounding each addition: both within (taps)·2^-24·Σ|tap| of the exact sum, and
                // |tap| ≤ Σ_co |w|·|gy| (1 + 2^-20) — hence 2·(taps)·2^-24 times that, from the reference.
                int taps = ((kh + stride - 1) / stride) * ((kw + stride - 1) / stride);
                double rel = 2.0 * taps * Math.pow(2, -24);
                return new Case("conv2dBackwardInput " + geo, be -> be.conv2dBackwardInput(gy.apply(be), wt.apply(be), xs, stride, pad),
                        0, be -> be.affine(be.conv2dBackwardInput(be.unary(Unary.ABS, gy.apply(be)),
                                be.unary(Unary.ABS, wt.apply(be)), xs, stride, pad), rel, 0.0));
            }
            // OpenCL runs one fma chain per image and adds the images' results in double; the definition
            // runs one chain over (n, oy, ox). Each is within (B·Ho·Wo)·2^-24·Σ|gy·x| of the exact sum.
            Function<Backend, Tensor> x = input(xs, dt, specials);
            double rel = 2.0 * b * ho * wo * Math.pow(2, -24);
            return new Case("conv2dBackwardWeight " + geo, be -> be.conv2dBackwardWeight(x.apply(be), gy.apply(be), ws, stride, pad),
                    0, be -> be.affine(be.conv2dBackwardWeight(be.unary(Unary.ABS, x.apply(be)),
                            be.unary(Unary.ABS, gy.apply(be)), ws, stride, pad), rel, 0.0));
        }

        private Case exact(String what, Function<Backend, Tensor> op) {
            return new Case(what, op, 0, null);
        }

        /** A shape that broadcasts to {@code out}: a suffix of it with some dimensions set to 1. */
        int[] broadcastSource(int[] out) {
            int[] s = Arrays.copyOfRange(out, r.nextInt(out.length + 1), out.length);
            for (int i = 0; i < s.length; i++) {
                if (r.nextInt(3) == 0) {
                    s[i] = 1;
                }
            }
            return s;
        }

        /** Integer divisors: values in [-50, 50) without 0 (division by an integer 0 is not compared). */
        Function<Backend, Tensor> nonZero(int[] s, DType t) {
            double[] v = ints(Shape.numel(s), 1, 50);
            for (int i = 0; i < v.length; i++) {
                v[i] = r.nextBoolean() ? v[i] : -v[i];
            }
            return be -> be.fromHost(v, t, s);
        }

        /** Floats for a cast to an integer type: magnitudes within the OpenCL backend's exact range. */
        Function<Backend, Tensor> floatsForCast(int[] s, DType t) {
            double[] v = values(Shape.numel(s), !device);
            for (int i = 0; i < v.length; i++) {
                if (device && !Double.isNaN(v[i])) {
                    v[i] = Math.max(-1e6, Math.min(1e6, v[i]));
                }
            }
            return be -> be.fromHost(v, t, s);
        }

        /** A random factorisation of n into up to four factors (any shape of n elements). */
        int[] factor(int n) {
            if (n == 0) {
                return new int[] {0, 1 + r.nextInt(3)};
            }
            List<Integer> f = new ArrayList<>();
            int rest = n;
            for (int p = 2; p * p <= rest; p++) {
                while (rest % p == 0) {
                    f.add(p);
                    rest /= p;
                }
            }
            if (rest > 1) {
                f.add(rest);
            }
            int rank = r.nextInt(4) + (f.isEmpty() ? 0 : 1);
            int[] out = new int[rank];
            Arrays.fill(out, 1);
            for (int p : f) {
                if (rank == 0) {
                    break;
                }
                out[r.nextInt(rank)] *= p;
            }
            if (rank == 0 && n != 1) {
                return new int[] {n};
            }
            return out;
        }
    }

    /**
     * Asserts the same shape, dtype and values, bit for bit: {@link Double#compare} equal (−0 and +0
     * differ; every NaN equals every NaN, whatever its payload).
     */
    public static void assertSameBits(String what, Tensor expected, Tensor actual) {
        if (!Arrays.equals(expected.shape(), actual.shape()) || expected.dtype() != actual.dtype()) {
            throw new AssertionError(what + ": expected " + Shape.str(expected.shape()) + " " + expected.dtype() + ", got "
                    + Shape.str(actual.shape()) + " " + actual.dtype());
        }
        double[] e = expected.toDoubles();
        double[] a = actual.toDoubles();
        StringBuilder b = new StringBuilder();
        int bad = 0;
        for (int i = 0; i < e.length; i++) {
            if (Double.compare(e[i], a[i]) != 0 && bad++ < 5) {
                b.append(String.format(" [%d] expected %s got %s;", i, e[i], a[i]));
            }
        }
        if (bad > 0) {
            throw new AssertionError(what + ": " + bad + " of " + e.length + " values differ:" + b);
        }
    }

    static int[] concat(int[] lead, int... tail) {
        int[] out = Arrays.copyOf(lead, lead.length + tail.length);
        System.arraycopy(tail, 0, out, lead.length, tail.length);
        return out;
    }
}
