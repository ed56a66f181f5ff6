package org.dspn4j.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import java.util.function.Function;

import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.Backend.Binary;
import org.dspn4j.tensor.Backend.Unary;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.ReferenceBackend;
import org.dspn4j.tensor.Shape;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every {@link ClBackend} op against its definition, {@link ReferenceBackend} (F32), op by op, on
 * fixed hand-picked cases ({@code ClBackendReferenceProperties} draws random ones), on PoCL in CI.
 * The same host inputs go to both backends; outputs must have the same shape and dtype and the same
 * values: bit for bit ({@code EXACT}) where the device computes what the definition computes (double
 * arithmetic rounded once, copies, index ops, the matrix product's fma chain; the sums of these fixed
 * inputs too, whose double sums agree, although in general the device adds in another order: see
 * {@code ClBackendReferenceProperties}), within {@code ULP1} where OpenCL's double builtins
 * (exp, log, tanh, pow) or a contracted {@code fma} in double may differ from Java in the last bit
 * of the double — which can move the float by one ulp when the double lands next to a rounding
 * boundary.
 */
class ClBackendOpsTest {
    private static final int EXACT = 0;
    private static final int ULP1 = 1;

    private static ClBackend cl;
    private static ReferenceBackend ref;
    private final Random rnd = new Random(42);

    @BeforeAll
    static void open() {
        cl = new ClBackend(SharedEngine.get());
        ref = new ReferenceBackend();
    }

    // ---------------------------------------------------------------- elementwise

    @Test
    void binaryOpsBroadcastLikeNumpyAndMatchBitForBit() {
        int[][][] cases = {
                {{2, 3, 4}, {2, 3, 4}},
                {{2, 3, 4}, {3, 1}},
                {{1}, {2, 3}},
                {{4, 1, 3}, {1, 5, 1}},
                {{}, {2, 2}},
                {{}, {}},
                {{2, 1, 3, 1, 2, 1, 2}, {2, 1, 3, 1, 2, 1, 2}},   // 7-D, merges to one dimension
                {{2, 3, 2, 3, 2, 3}, {2, 1, 2, 1, 2, 1}},         // six dimensions that do not merge
                {{3, 2, 3, 2, 3, 2, 3}, {1, 2, 1, 2, 1, 2, 1}},   // seven that do not merge: refused
        };
        for (int[][] c : cases) {
            double[] x = specials(Shape.numel(c[0]));
            double[] y = specials(Shape.numel(c[1]));
            for (Binary op : Binary.values()) {
                String what = op + " " + Shape.str(c[0]) + " " + Shape.str(c[1]);
                if (c[0].length == 7 && c[0][0] == 3) {
                    assertThrows(UnsupportedOperationException.class, () -> cl.binary(op, cl.fromHost(x, DType.F32, c[0]),
                            cl.fromHost(y, DType.F32, c[1])), what);
                    continue;
                }
                check(what, EXACT, be -> be.binary(op, be.fromHost(x, DType.F32, c[0]), be.fromHost(y, DType.F32, c[1])));
                check(what + " swapped", EXACT,
                        be -> be.binary(op, be.fromHost(y, DType.F32, c[1]), be.fromHost(x, DType.F32, c[0])));
            }
        }
    }

    @Test
    void unaryOpsMatch() {
        double[] x = specials(3000);
        for (Unary op : Unary.values()) {
            boolean transcendental = op == Unary.EXP || op == Unary.LOG || op == Unary.SIGMOID || op == Unary.TANH;
            check(op.name(), transcendental ? ULP1 : EXACT, be -> be.unary(op, be.fromHost(x, DType.F32, 30, 100)));
        }
    }

    @Test
    void affinePowClampAndInRangeMatch() {
        double[] x = specials(2000);
        check("affine", ULP1, be -> be.affine(be.fromHost(x, DType.F32, 2000), 800.0 / 2048, 1e-8));
        check("affine scale only", EXACT, be -> be.affine(be.fromHost(x, DType.F32, 2000), -0.25, 0.0));
        for (double p : new double[] {2.0, 3.0, 0.5, -1.0, 1.5}) {
            check("pow " + p, p == 2.0 ? EXACT : ULP1, be -> be.pow(be.fromHost(x, DType.F32, 2000), p));
        }
        check("clamp", EXACT, be -> be.clamp(be.fromHost(x, DType.F32, 2000), 0.0, 1.0));
        check("clamp wide", EXACT, be -> be.clamp(be.fromHost(x, DType.F32, 2000), -1.0, 1.0));
        check("inRange", EXACT, be -> be.inRange(be.fromHost(x, DType.F32, 2000), -1.0, 1.0));
    }

    // ---------------------------------------------------------------- reductions

    @Test
    void sumOverAnyDimensionsMatchesBitForBit() {
        int[] s = {3, 4, 5, 2};
        double[] x = gaussians(Shape.numel(s));
        int[][] dimSets = {{}, {0}, {1}, {3}, {1, 3}, {3, 0}, {0, 1, 2, 3}, {2, 1}, {0, 2}};
        for (int[] dims : dimSets) {
            for (boolean keep : new boolean[] {false, true}) {
                check("sum " + java.util.Arrays.toString(dims) + " keep=" + keep, EXACT,
                        be -> be.sum(be.fromHost(x, DType.F32, s), dims, keep));
            }
        }
        double[] big = gaussians(70_000);
        check("sum of 70000", EXACT, be -> be.sum(be.fromHost(big, DType.F32, 70_000), new int[] {0}, false));
        check("sum of a scalar", EXACT, be -> be.sum(be.fromHost(new double[] {2.5}, DType.F32), new int[0], false));
        check("sum of nothing", EXACT, be -> be.sum(be.fromHost(new double[0], DType.F32, 3, 0), new int[] {1}, false));
    }

    /**
     * Few outputs of many terms (a bias gradient: (B, C, N) summed over B and N) take SUM_GROUPS, a
     * work-group per output: within the sum's bound of the definition (one float ulp plus
     * 2n·2⁻⁵³·Σ|x|, as {@code ClBackendReferenceProperties}), the same bits on a second run, through a
     * permuted view too, and NaN and infinities as the definition gives them.
     */
    @Test
    void sumsOfFewOutputsOfManyTermsTakeAWorkGroupEachWithinTheSumsBound() {
        ClEngine engine = SharedEngine.get();
        int[] s = {32, 5, 300};
        double[] x = gaussians(Shape.numel(s));
        for (int i = 0; i < x.length; i += 7) {
            x[i] *= 1000; // terms of very different sizes: the order of the additions shows
        }
        long before = engine.launchesOf(EngineKernel.OP_SUM_GROUPS);
        double[] once = cl.sum(cl.fromHost(x, DType.F32, s), new int[] {0, 2}, false).toDoubles();
        assertTrue(engine.launchesOf(EngineKernel.OP_SUM_GROUPS) > before, "9,600 terms per output: SUM_GROUPS");
        assertArrayEquals(once, cl.sum(cl.fromHost(x, DType.F32, s), new int[] {0, 2}, false).toDoubles(), "second run");
        withinSumBound("(32,5,300) over 0, 2", x, s, new int[] {0, 2}, once);
        Tensor permuted = cl.permute(cl.fromHost(x, DType.F32, s), 2, 0, 1); // (300, 32, 5): outputs along the last
        double[] viaView = cl.sum(permuted, new int[] {0, 1}, false).toDoubles();
        withinSumBound("the permuted view over 0, 1", x, s, new int[] {0, 2}, viaView);
        double[] y = gaussians(4 * 3000);
        y[5] = Double.NaN;                                    // output 0
        y[3000 + 10] = Double.POSITIVE_INFINITY;              // output 1
        y[6000 + 1] = Double.POSITIVE_INFINITY;               // output 2: +inf and -inf
        y[6000 + 2999] = Double.NEGATIVE_INFINITY;
        java.util.Arrays.fill(y, 9000, 12000, 0.0);           // output 3: beyond float range in double, then back
        y[9000 + 77] = -3e38;
        y[9000 + 78] = -3e38;
        y[9000 + 2000] = 3e38;
        y[9000 + 2001] = 3e38;
        check("sum of rows of 3000 with NaN, infinities and float-overflowing terms", EXACT,
                be -> be.sum(be.fromHost(y, DType.F32, 4, 3000), new int[] {1}, false));
    }

    /** Each output within one float ulp plus 2n·2⁻⁵³·Σ|x| of the definition's sum (n terms per output). */
    private static void withinSumBound(String what, double[] x, int[] s, int[] dims, double[] got) {
        double[] want = ref.sum(ref.fromHost(x, DType.F32, s), dims, false).toDoubles();
        double[] abs = ref.sum(ref.unary(Unary.ABS, ref.fromHost(x, DType.F32, s)), dims, false).toDoubles();
        int n = x.length / want.length;
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            double bound = Math.ulp((float) want[i]) + 2.0 * n * Math.scalb(1.0, -53) * abs[i];
            assertTrue(Math.abs(got[i] - want[i]) <= bound, what + " output " + i + ": " + got[i] + " against " + want[i]
                    + " (bound " + bound + ")");
        }
    }

    @Test
    void argmaxTakesTheFirstMaximumAndNanWins() {
        double[] x = {1, 3, 3, 0, Double.NaN, 2, -1, -1, -1, 5, 5, Double.NaN};
        for (int dim = 0; dim < 3; dim++) {
            int d = dim;
            check("argmax " + d, EXACT, be -> be.argmax(be.fromHost(x, DType.F32, 2, 3, 2), d));
        }
        double[] y = gaussians(600);
        check("argmax rows", EXACT, be -> be.argmax(be.fromHost(y, DType.F32, 20, 30), 1));
    }

    @Test
    void argsortIsStableInBothDirectionsLikeTheCpu() {
        // ties, signed zeros and NaN: the permutation must equal the CPU's stable sort exactly
        double[] x = {2, 1, 2, 0.0, -0.0, Double.NaN, 1, 2, Double.NaN, -0.0, 0.0, -3,
                1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        for (boolean desc : new boolean[] {false, true}) {
            for (int dim = 0; dim < 3; dim++) {
                int d = dim;
                check("argsort " + d + " desc=" + desc, EXACT, be -> be.argsort(be.fromHost(x, DType.F32, 2, 12, 1), d, desc));
                check("argsort (4,3,2) " + d + " desc=" + desc, EXACT,
                        be -> be.argsort(be.fromHost(x, DType.F32, 4, 3, 2), d, desc));
            }
            double[] y = gaussians(4 * 342);
            for (int i = 0; i < y.length; i += 7) {
                y[i] = 0.5; // many ties
            }
            check("argsort N=342 desc=" + desc, EXACT, be -> be.argsort(be.fromHost(y, DType.F32, 4, 342), 1, desc));
        }
    }

    @Test
    void gatherAndScatterAddMatchIncludingSmallerIndicesAndRepeats() {
        int[] s = {3, 4, 5};
        double[] x = gaussians(60);
        for (int dim = 0; dim < 3; dim++) {
            int d = dim;
            int[] is = {2, 3, 4};
            is[d] = 6; // longer than the data along d: repeated indices
            double[] ix = new double[Shape.numel(is)];
            for (int i = 0; i < ix.length; i++) {
                ix[i] = rnd.nextInt(s[d]);
            }
            double[] src = gaussians(ix.length);
            check("gather " + d, EXACT, be -> be.gather(be.fromHost(x, DType.F32, s), d, be.fromHost(ix, DType.I64, is)));
            check("scatterAdd " + d, EXACT, be -> be.scatterAdd(be.fromHost(x, DType.F32, s), d,
                    be.fromHost(ix, DType.I64, is), be.fromHost(src, DType.F32, is)));
            // src larger than the index: only the index's region is scattered
            int[] big = {is[0] + 1, is[1] + 1, is[2] + 1};
            double[] srcBig = gaussians(Shape.numel(big));
            check("scatterAdd big src " + d, EXACT, be -> be.scatterAdd(be.fromHost(x, DType.F32, s), d,
                    be.fromHost(ix, DType.I64, is), be.fromHost(srcBig, DType.F32, big)));
            // the index of the same shape as the data (FSPool's sort and its gradient)
            double[] full = new double[60];
            for (int i = 0; i < full.length; i++) {
                full[i] = rnd.nextInt(s[d]);
            }
            double[] g = gaussians(60);
            check("scatterAdd same shape " + d, EXACT, be -> be.scatterAdd(be.full(0.0, DType.F32, s), d,
                    be.fromHost(full, DType.I64, s), be.fromHost(g, DType.F32, s)));
        }
    }

    @Test
    void chamferArgminMatchesWithBroadcastTargetAndTies() {
        int k = 3, b = 2, c = 3, n = 7;
        double[] pred = gaussians(k * b * c * n);
        double[] target = gaussians(b * c * n);
        for (int i = 0; i < n; i++) {
            pred[i] = 0.25; // ties within channel 0 of the first block
        }
        check("chamferArgmin", EXACT, be -> be.chamferArgmin(be.fromHost(pred, DType.F32, k, b, c, n),
                be.fromHost(target, DType.F32, b, c, n)));
        check("chamferArgmin expanded", EXACT, be -> be.chamferArgmin(be.fromHost(pred, DType.F32, k, b, c, n),
                be.expand(be.fromHost(target, DType.F32, b, c, n), k, b, c, n)));
        double[] other = gaussians(c * 2 * n);
        check("chamferArgmin 2-D", EXACT, be -> be.chamferArgmin(be.fromHost(target, DType.F32, c, 2 * n),
                be.fromHost(other, DType.F32, c, 2 * n)));
        // far apart (Huber's linear part) and identical sets
        double[] far = gaussians(b * c * n);
        for (int i = 0; i < far.length; i++) {
            far[i] *= 10;
        }
        check("chamferArgmin far", EXACT, be -> be.chamferArgmin(be.fromHost(far, DType.F32, b, c, n),
                be.fromHost(target, DType.F32, b, c, n)));
        check("chamferArgmin identical", EXACT, be -> be.chamferArgmin(be.fromHost(target, DType.F32, b, c, n),
                be.fromHost(target, DType.F32, b, c, n)));
    }

    // ---------------------------------------------------------------- linear algebra

    @Test
    void batchedMatmulBroadcastsBatchDimensions() {
        int[][][] cases = {
                {{5, 4}, {4, 6}},
                {{2, 3, 5, 4}, {4, 6}},
                {{5, 4}, {2, 4, 6}},
                {{2, 1, 5, 4}, {3, 4, 6}},
                {{3, 1, 4}, {3, 4, 1}},
                {{2, 3, 0}, {2, 0, 4}},
                {{1, 9, 33}, {7, 33, 10}},
        };
        // the same fma chain as the definition, float by float
        for (int[][] c : cases) {
            double[] x = gaussians(Shape.numel(c[0]));
            double[] y = gaussians(Shape.numel(c[1]));
            check("matmul " + Shape.str(c[0]) + " " + Shape.str(c[1]), EXACT,
                    be -> be.matmul(be.fromHost(x, DType.F32, c[0]), be.fromHost(y, DType.F32, c[1])));
            if (c[0].length == 2 && c[1].length == 2) {
                check("matmul transposed " + Shape.str(c[0]) + " " + Shape.str(c[1]), EXACT,
                        be -> be.matmul(be.permute(be.fromHost(x, DType.F32, c[0]), 1, 0), true,
                                be.permute(be.fromHost(y, DType.F32, c[1]), 1, 0), true));
            }
        }
    }

    // ---------------------------------------------------------------- shape

    @Test
    void permuteExpandSliceConcatAndPadSliceAreExactCopies() {
        int[] s = {2, 3, 4, 5};
        double[] x = gaussians(Shape.numel(s));
        check("permute", EXACT, be -> be.permute(be.fromHost(x, DType.F32, s), 3, 1, 0, 2));
        check("permute identity", EXACT, be -> be.permute(be.fromHost(x, DType.F32, s), 0, 1, 2, 3));
        check("transpose last two", EXACT, be -> be.permute(be.fromHost(x, DType.F32, s), 0, 1, 3, 2));
        double[] y = gaussians(12);
        check("expand", EXACT, be -> be.expand(be.fromHost(y, DType.F32, 3, 1, 4), 2, 3, 5, 4));
        check("expand scalar", EXACT, be -> be.expand(be.fromHost(new double[] {7}, DType.F32), 3, 2));
        for (int dim = 0; dim < 4; dim++) {
            int d = dim;
            check("slice " + d, EXACT, be -> be.slice(be.fromHost(x, DType.F32, s), d, 1, s[d]));
            check("empty slice " + d, EXACT, be -> be.slice(be.fromHost(x, DType.F32, s), d, 1, 1));
            check("padSlice " + d, EXACT, be -> be.padSlice(be.fromHost(x, DType.F32, s), d, 2, s[d] + 3));
            double[] z = gaussians(Shape.numel(Shape.with(s, d, 1)));
            check("concat " + d, EXACT, be -> be.concat(d, be.fromHost(x, DType.F32, s),
                    be.fromHost(z, DType.F32, Shape.with(s, d, 1)), be.fromHost(x, DType.F32, s)));
        }
        check("reshape -1", EXACT, be -> be.reshape(be.fromHost(x, DType.F32, s), 6, -1));
    }

    @Test
    void castsTruncateTowardZeroAndIndicesStayExact() {
        double[] x = {-2.7, -0.5, 0.0, 0.5, 2.7, 1e6 + 0.5, -16_777_216, Double.NaN};
        check("cast to I64", EXACT, be -> be.cast(be.fromHost(x, DType.F32, 8), DType.I64));
        check("cast to I32 and back", EXACT, be -> be.cast(be.cast(be.fromHost(x, DType.F32, 8), DType.I32), DType.F32));
        double[] idx = {0, 3, 16_777_216, -5};
        check("I64 round trip", EXACT, be -> be.fromHost(idx, DType.I64, 4));
        check("I64 full", EXACT, be -> be.full(2.9, DType.I64, 3));
        check("I64 division truncates", EXACT,
                be -> be.binary(Binary.DIV, be.fromHost(new double[] {7, -7, 9}, DType.I64, 3), be.full(2, DType.I64, 1)));
        assertThrows(IllegalArgumentException.class, () -> cl.fromHost(new double[] {16_777_217}, DType.I64, 1));
    }

    @Test
    void tensorsOfAnotherBackendOrEngineAreRefused() {
        Tensor onCpu = ref.full(1.0, DType.F32, 2);
        Tensor onCl = cl.full(1.0, DType.F32, 2);
        assertThrows(IllegalArgumentException.class, () -> cl.binary(Binary.ADD, onCl, onCpu));
        // a second backend over the same engine shares the arena
        ClBackend other = new ClBackend(cl.engine());
        assertArrayEquals(new double[] {2, 2}, other.binary(Binary.ADD, onCl, onCl).toDoubles(), 0.0);
    }

    // ---------------------------------------------------------------- helpers

    /** Runs op on both backends and compares shape, dtype and values (ulps of float; 0 = same bits). */
    static void check(String what, int ulps, Function<Backend, Tensor> op) {
        check(ref, cl, what, ulps, op);
    }

    /** {@link #check(String, int, Function)} on the given pair of backends. */
    static void check(Backend reference, Backend device, String what, int ulps, Function<Backend, Tensor> op) {
        Tensor e = op.apply(reference);
        Tensor g = op.apply(device);
        assertArrayEquals(e.shape(), g.shape(), what + ": shape");
        assertEquals(e.dtype(), g.dtype(), what + ": dtype");
        compare(what, e.toDoubles(), g.toDoubles(), ulps);
    }

    static void compare(String what, double[] expected, double[] actual, int ulps) {
        assertEquals(expected.length, actual.length, what + ": length");
        StringBuilder b = new StringBuilder();
        int bad = 0;
        for (int i = 0; i < expected.length; i++) {
            float ex = (float) expected[i];
            float ac = (float) actual[i];
            boolean ok;
            if (ulps == 0 || Float.isNaN(ex) || Float.isInfinite(ex)) {
                ok = Float.floatToIntBits(ex) == Float.floatToIntBits(ac);
            } else {
                ok = Math.abs((double) ex - ac) <= ulps * Math.ulp(ex);
            }
            if (!ok && bad++ < 5) {
                b.append(String.format(" [%d] reference %s opencl %s;", i, ex, ac));
            }
        }
        if (bad > 0) {
            fail(what + ": " + bad + " of " + expected.length + " elements differ:" + b);
        }
    }

    /** Gaussians with the special values mixed in: ±0, ±inf, NaN, ±1 (Huber's kink), tiny and huge. */
    private double[] specials(int n) {
        double[] sp = {0.0, -0.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, 1.0, -1.0, 1e-30, -3e38,
                100.0, -100.0, 2.0, 0.5};
        double[] x = gaussians(n);
        for (int i = 0; i < n; i++) {
            if (rnd.nextInt(4) == 0) {
                x[i] = sp[rnd.nextInt(sp.length)];
            } else if (rnd.nextInt(3) == 0) {
                x[i] *= 30;
            }
        }
        return x;
    }

    private double[] gaussians(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextGaussian();
        }
        return x;
    }
}
