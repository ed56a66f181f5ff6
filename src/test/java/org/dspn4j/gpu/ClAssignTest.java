package org.dspn4j.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Function;

import org.dspn4j.autodiff.Autograd;
import org.dspn4j.loss.HungarianLoss;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code Backend.assign} on the device (the ASSIGN kernel) against the CPU ({@code match.Hungarian}):
 * the <b>same assignment bit for bit</b> and the exact optimum (brute force over all permutations
 * for n ≤ 7, exact decimal sums) on random, integer (many ties), degenerate (all equal, a row at the
 * magnitude bound, subnormal) and permuted inputs, n up to 64 and 342; the same error as the CPU for a
 * bad cost, eagerly at the call and, in a recorded graph, at the first read after the replay (a graph
 * never reads the device in its middle); and the Hungarian loss recorded with no host step, replayed
 * bit for bit like eager and like the CPU.
 */
class ClAssignTest {
    private static ClBackend cl;
    private static CpuBackend cpu;

    @BeforeAll
    static void open() {
        cl = new ClBackend(SharedEngine.get());
        cpu = new CpuBackend(1);
    }

    @AfterAll
    static void close() {
        if (cpu != null) {
            cpu.close();
        }
    }

    private static int[] ints(double[] d) {
        int[] out = new int[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = (int) d[i];
            assertEquals(out[i], d[i], "an integer index");
        }
        return out;
    }

    private static int[] onCpu(float[] c, int b, int n) {
        Tensor idx = cpu.assign(cpu.fromHost(AssignCases.widen(c), DType.F32, b, n, n));
        assertEquals(DType.I64, idx.dtype());
        assertArrayEquals(new int[] {b, n}, idx.shape());
        return ints(idx.toDoubles());
    }

    private static int[] onDevice(float[] c, int b, int n) {
        Tensor idx = cl.assign(cl.fromHost(AssignCases.widen(c), DType.F32, b, n, n));
        assertEquals(DType.I64, idx.dtype());
        assertArrayEquals(new int[] {b, n}, idx.shape());
        return ints(idx.toDoubles());
    }

    @Test
    void theDeviceReturnsTheCpusAssignmentBitForBitAndItIsTheExactOptimum() {
        int checked = 0;
        for (AssignCases.Kind kind : AssignCases.Kind.values()) {
            for (int n : new int[] {1, 2, 3, 5, 7, 10, 16, 33, 64}) {
                int b = n <= 10 ? 8 : 3;
                long seed = 7919L * kind.ordinal() + n;
                float[] c = AssignCases.costs(kind, b, n, seed);
                float[] p = AssignCases.permuted(c, b, n, seed + 1);
                int[] dev = onDevice(c, b, n);
                int[] devP = onDevice(p, b, n);
                String what = kind + " n=" + n + " seed=" + seed;
                assertArrayEquals(onCpu(c, b, n), dev, what + ": device vs CPU");
                assertArrayEquals(onCpu(p, b, n), devP, what + " permuted: device vs CPU");
                assertTrue(AssignCases.permutations(dev, b, n) && AssignCases.permutations(devP, b, n), what);
                for (int s = 0; s < b; s++) {
                    BigDecimal cost = AssignCases.exactCost(c, s, n, AssignCases.row(dev, s, n));
                    BigDecimal costP = AssignCases.exactCost(p, s, n, AssignCases.row(devP, s, n));
                    if (kind == AssignCases.Kind.SIGNED_WIDE) {
                        // entries across 60 decades: the potentials round in double, so the optimum
                        // is exact up to the rounding of the largest entries (measured: 7e-19 of them)
                        double max = 0;
                        for (int e = 0; e < n * n; e++) {
                            max = Math.max(max, Math.abs(c[s * n * n + e]));
                        }
                        BigDecimal slack = new BigDecimal(n * Math.ulp(max));
                        assertTrue(cost.subtract(costP).abs().compareTo(slack) <= 0, what + " problem " + s + ": permuted cost");
                        if (n <= 7) {
                            assertTrue(cost.subtract(AssignCases.bruteForce(c, s, n)).compareTo(slack) <= 0,
                                    what + " problem " + s + ": within n ulp of the optimum");
                        }
                    } else {
                        assertEquals(0, cost.compareTo(costP), what + " problem " + s + ": permuted cost " + costP + " vs " + cost);
                        if (n <= 7) {
                            assertEquals(0, cost.compareTo(AssignCases.bruteForce(c, s, n)), what + " problem " + s + ": optimum");
                        }
                    }
                    checked++;
                }
            }
        }
        assertEquals(AssignCases.Kind.values().length * (6 * 8 + 3 * 3), checked);
    }

    @Test
    void aMatrixOfEqualCostsGivesTheIdentityOnBothBackends() {
        int[] identity = new int[3 * 10];
        for (int i = 0; i < identity.length; i++) {
            identity[i] = i % 10;
        }
        float[] c = AssignCases.costs(AssignCases.Kind.ALL_EQUAL, 3, 10, 0);
        assertArrayEquals(identity, onCpu(c, 3, 10));
        assertArrayEquals(identity, onDevice(c, 3, 10));
    }

    @Test
    void mnistsSetSizeRunsOnTheDevice() {
        int n = 342;
        float[] c = AssignCases.costs(AssignCases.Kind.UNIFORM, 2, n, 342);
        long t0 = System.nanoTime();
        int[] dev = onDevice(c, 2, n);
        System.out.printf("assign 2 x 342x342 on the device: %.2f s%n", (System.nanoTime() - t0) / 1e9);
        assertArrayEquals(onCpu(c, 2, n), dev);
    }

    @Test
    void operandsInDifferentArenaArraysGiveTheSameAssignment() {
        ClEngine e = SharedEngine.multiArray();
        int b = 5;
        int n = 9;
        float[] c = AssignCases.costs(AssignCases.Kind.FEW_INTEGERS, b, n, 21);
        int costs = e.arena().allocIn(1, c.length);
        int scratch = e.arena().allocIn(2, ClEngine.assignScratch(b, n));
        int status = e.arena().allocIn(0, 2 * b);
        int out = e.arena().allocIn(2, b * n);
        try {
            e.upload(costs, c);
            e.assign(costs, b, n, org.dspn4j.match.Hungarian.MAX_ASSIGN_COST, scratch, status, out);
            assertArrayEquals(new float[2 * b], e.download(status, 2 * b));
            float[] got = e.download(out, b * n);
            int[] cols = new int[got.length];
            for (int i = 0; i < cols.length; i++) {
                cols[i] = (int) got[i];
            }
            assertArrayEquals(onCpu(c, b, n), cols);
        } finally {
            for (int a : new int[] {costs, scratch, status, out}) {
                e.arena().free(a);
            }
        }
    }

    /** The IllegalArgumentException of assign on a backend, its message. */
    private static String refusal(org.dspn4j.tensor.Backend be, float[] c, DType dtype, int... shape) {
        Tensor t = be.fromHost(AssignCases.widen(c), dtype, shape);
        return assertThrows(IllegalArgumentException.class, () -> be.assign(t)).getMessage();
    }

    @Test
    void badCostsAndShapesAreRefusedWithTheCpusMessageAtTheCall() {
        int n = 4;
        float[] good = AssignCases.costs(AssignCases.Kind.UNIFORM, 3, n, 8);
        Object[][] bad = {
            {2 * 16 + 3 * 4 + 1, Float.NaN, "assign: costs[2] has NaN at row 3, column 1; Hungarian needs finite costs of magnitude at most 2^100"},
            {16 + 2, Float.POSITIVE_INFINITY, "assign: costs[1] has Infinity at row 0, column 2; Hungarian needs finite costs of magnitude at most 2^100"},
            {5, Float.NEGATIVE_INFINITY, "assign: costs[0] has -Infinity at row 1, column 1; Hungarian needs finite costs of magnitude at most 2^100"},
            {16 + 15, -0x1.000002p100f, "assign: costs[1] has -1.2676507513439569E30 at row 3, column 3; Hungarian needs finite costs of magnitude at most 2^100"},
        };
        for (Object[] k : bad) {
            float[] c = good.clone();
            c[(int) k[0]] = (float) k[1];
            c[2 * 16 + 15] = Float.NaN; // a later problem's bad cost: the first one is named
            if ((int) k[0] >= 2 * 16) {
                c[2 * 16 + 15] = 0.5f;
            }
            assertEquals(k[2], refusal(cpu, c, DType.F32, 3, n, n), "CPU");
            assertEquals(k[2], refusal(cl, c, DType.F32, 3, n, n), "OpenCL");
        }
        String shape = "assign: costs must be floating (B, n, n) with n >= 1, got ";
        assertEquals(shape + "F32 (2, 3, 4)", refusal(cl, new float[24], DType.F32, 2, 3, 4));
        assertEquals(shape + "F32 (2, 3, 4)", refusal(cpu, new float[24], DType.F32, 2, 3, 4));
        assertEquals(shape + "F32 (3, 3)", refusal(cl, new float[9], DType.F32, 3, 3));
        assertEquals(shape + "I64 (1, 2, 2)", refusal(cl, new float[4], DType.I64, 1, 2, 2));
        assertEquals(shape + "F32 (2, 0, 0)", refusal(cl, new float[0], DType.F32, 2, 0, 0));
        String size = refusal(cl, new float[1025 * 1025], DType.F32, 1, 1025, 1025);
        assertTrue(size.startsWith("assign: problems of size 1025; the OpenCL solver takes 1 to 1024"), size);
        // and the engine still solves
        assertArrayEquals(onCpu(good, 3, n), onDevice(good, 3, n));
        assertEquals(0, cl.assign(cl.fromHost(new double[0], DType.F32, 0, 3, 3)).numel());
    }

    /** Costs in, indices and (as HungarianLoss does) the mean matched cost out. */
    private static Function<Tensor[], Tensor[]> assignBody(org.dspn4j.tensor.Backend be, int b, int n) {
        return in -> {
            Tensor idx = be.assign(in[0]);
            Tensor matched = be.gather(in[0], 2, be.reshape(idx, b, n, 1));
            return new Tensor[] {idx, be.sum(matched, new int[] {0, 1, 2}, false)};
        };
    }

    @Test
    void aRecordedAssignmentHasNoHostStepAndReportsABadCostAtTheFirstReadAfterTheReplay() {
        ClEngine engine = cl.engine();
        int b = 4;
        int n = 6;
        try (ClTaskGraph g = cl.record(assignBody(cl, b, n), new int[] {b, n, n})) {
            assertEquals(0, g.hostSteps());
            assertEquals(1, g.deviceChecks());
            g.check(); // the recording's own gathers: their index check happens here, not inside the first replay
            for (int k = 0; k < 3; k++) {
                float[] c = AssignCases.costs(AssignCases.Kind.values()[k], b, n, 40 + k);
                Tensor in = cl.fromHost(AssignCases.widen(c), DType.F32, b, n, n);
                long downloads = engine.downloads();
                Tensor[] out = g.replay(in);
                assertEquals(downloads, engine.downloads(), "a replay reads nothing from the device");
                assertArrayEquals(onCpu(c, b, n), ints(out[0].toDoubles()), "replay " + k);
                assertEquals(downloads + 3, engine.downloads(), "the first read: the status, the gather's index flag, then the indices");
                Tensor[] eager = assignBody(cl, b, n).apply(new Tensor[] {in});
                assertEquals(eager[1].item(), out[1].item(), "replayed vs eager matched sum");
                assertEquals(downloads + 7, engine.downloads(),
                        "later reads read no status (replayed sum: 1; eager: its status, then its gather's index flag and the sum)");
            }
            float[] c = AssignCases.costs(AssignCases.Kind.UNIFORM, b, n, 9);
            c[3 * 36 + 7] = Float.NaN;
            String want = "assign: costs[3] has NaN at row 1, column 1; Hungarian needs finite costs of magnitude at most 2^100";
            long downloads = engine.downloads();
            Tensor[] out = g.replay(cl.fromHost(AssignCases.widen(c), DType.F32, b, n, n));
            assertEquals(downloads, engine.downloads(), "a replay with a NaN cost reads nothing either");
            assertEquals(want, assertThrows(IllegalArgumentException.class, () -> out[1].item()).getMessage());
            assertEquals(want, assertThrows(IllegalArgumentException.class, out[0]::toDoubles).getMessage(), "every read, until the next replay");
            assertEquals(want, assertThrows(IllegalArgumentException.class, g::check).getMessage());
            float[] ok = AssignCases.costs(AssignCases.Kind.UNIFORM, b, n, 10);
            Tensor[] again = g.replay(cl.fromHost(AssignCases.widen(ok), DType.F32, b, n, n));
            g.check();
            assertArrayEquals(onCpu(ok, b, n), ints(again[0].toDoubles()), "the next replay is checked afresh");
        }
    }

    /** Hungarian loss of a prediction (requires grad) against a target, and its gradient. */
    private static Tensor[] hungarian(Tensor[] in) {
        Tensor p = in[0].detach().requiresGrad(true);
        Tensor loss = HungarianLoss.of(p, in[1]);
        Tensor grad = Autograd.grad(loss, new Tensor[] {p}, false)[0];
        return new Tensor[] {loss, grad};
    }

    private static void assertBitwise(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                fail(what + " [" + i + "]: expected " + expected[i] + ", got " + actual[i]);
            }
        }
    }

    @Test
    void theHungarianLossRecordsNoHostStepAndReplaysBitForBitLikeEagerAndTheCpu() {
        int[] shape = {4, 3, 10};
        Random r = new Random(11);
        double[] target = new double[120];
        for (int i = 0; i < target.length; i++) {
            target[i] = r.nextInt(3) * 0.5; // repeated values: ties in the costs
        }
        try (ClTaskGraph g = cl.record(ClAssignTest::hungarian, shape, shape)) {
            assertEquals(0, g.hostSteps(), "the assignment is a kernel of the graph");
            assertEquals(1, g.deviceChecks());
            float[] firstGrad = null;
            for (int k = 0; k < 4; k++) {
                double[] pred = new double[120];
                for (int i = 0; i < pred.length; i++) {
                    pred[i] = r.nextGaussian();
                }
                Tensor[] eager = hungarian(new Tensor[] {cl.fromHost(pred, DType.F32, shape), cl.fromHost(target, DType.F32, shape)});
                Tensor[] replayed = g.replay(cl.fromHost(pred, DType.F32, shape), cl.fromHost(target, DType.F32, shape));
                Tensor[] onCpu = hungarian(new Tensor[] {cpu.fromHost(pred, DType.F32, shape), cpu.fromHost(target, DType.F32, shape)});
                assertBitwise("loss, replay vs eager, prediction " + k, eager[0].toFloats(), replayed[0].toFloats());
                assertBitwise("gradient, replay vs eager, prediction " + k, eager[1].toFloats(), replayed[1].toFloats());
                assertBitwise("loss, device vs CPU, prediction " + k, onCpu[0].toFloats(), replayed[0].toFloats());
                assertBitwise("gradient, device vs CPU, prediction " + k, onCpu[1].toFloats(), replayed[1].toFloats());
                if (firstGrad == null) {
                    firstGrad = replayed[1].toFloats();
                } else {
                    assertTrue(!Arrays.equals(firstGrad, replayed[1].toFloats()), "new predictions, new gradient");
                }
            }
        }
    }
}
