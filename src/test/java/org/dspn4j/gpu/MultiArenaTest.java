package org.dspn4j.gpu;

import static org.dspn4j.gpu.EngineKernelTest.assertBits;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.Function;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.model.Net;
import org.dspn4j.optim.Adam;
import org.dspn4j.tensor.Backend.Binary;
import org.dspn4j.tensor.Backend.Unary;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.ExactScalars;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The engine with several arena arrays ({@link SharedEngine#multiArray()}: three 64 MB arrays):
 * every op kind with its inputs and output in different arrays gives the same bits as on the
 * one-array engine ({@link SharedEngine#get()}, itself tied to the CPU backend by the other tests);
 * fused programs whose addresses lie far above 2^24 replay exactly; a DSPN training step whose
 * tensors span all three arrays, recorded and replayed, equals the one-array run bit for bit;
 * freed ranges are reused across arrays, and 1,000 replays leave the live floats unchanged.
 */
class MultiArenaTest {

    private static final int A1 = 1 << ClArena.ARRAY_SHIFT;

    /** Arrays of (input 0, input 1, input 2, output) per run: every input lies apart from the output in some run. */
    private static final int[][] PLACEMENTS = {{1, 2, 1, 0}, {0, 1, 2, 2}, {2, 0, 0, 1}};

    private interface Op {
        void run(ClEngine e, int[] in, int out);
    }

    private static float[] randoms(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * 2);
        }
        return v;
    }

    private static double[] doubles(Random r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextGaussian() * 2;
        }
        return v;
    }

    /** Small integers as floats (ties for argmax/argsort, indices). */
    private static float[] ints(Random r, int n, int bound) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextInt(bound);
        }
        return v;
    }

    /** Runs op on the one-array engine, then on the several-array engine in every placement; same bits. */
    private static void check(String name, float[][] inputs, int outLen, Op op) {
        ClEngine many = SharedEngine.multiArray();
        assertEquals(3, many.arenaArrays());
        float[] expected = runOn(SharedEngine.get(), null, inputs, outLen, op);
        for (int[] p : PLACEMENTS) {
            assertBits(expected, runOn(many, p, inputs, outLen, op), name + " with (inputs..., output) in arrays "
                    + Arrays.toString(p));
        }
    }

    private static float[] runOn(ClEngine e, int[] place, float[][] inputs, int outLen, Op op) {
        List<Integer> blocks = new ArrayList<>();
        try {
            int[] in = new int[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                in[i] = place == null ? e.arena().alloc(inputs[i].length) : e.arena().allocIn(place[i], inputs[i].length);
                blocks.add(in[i]);
                if (place != null) {
                    assertEquals(place[i], ClArena.arrayOf(in[i]));
                }
                e.upload(in[i], inputs[i]);
            }
            int out = place == null ? e.arena().alloc(outLen) : e.arena().allocIn(place[3], outLen);
            blocks.add(out);
            e.fill(out, outLen, -7.5f);  // ops that write part of their output leave this
            op.run(e, in, out);
            return e.download(out, outLen);
        } finally {
            for (int b : blocks) {
                e.arena().free(b);
            }
        }
    }

    @Test
    void transfersCopiesAndElementwiseOpsAcrossArrays() {
        Random r = new Random(1);
        int n = 1000;
        float[] x = randoms(r, n);
        float[] y = randoms(r, n);
        x[0] = Float.NaN;
        x[1] = -0f;
        x[2] = Float.POSITIVE_INFINITY;
        float[] big = randoms(r, 150_000); // chunked through the bulk staging array (64 K floats)
        check("upload/download, chunked", new float[][] {big}, big.length, (e, in, out) -> e.copy(in[0], out, big.length));
        check("fill", new float[0][], n, (e, in, out) -> e.fill(out, n, 3.25f));
        check("add in place", new float[][] {x, y}, n, (e, in, out) -> {
            EngineOps.add(e, in[0], in[1], in[0], n);
            e.copy(in[0], out, n);
        });
        for (Unary u : Unary.values()) {
            check("unary " + u, new float[][] {x}, n, (e, in, out) -> e.unary(u, in[0], out, n));
        }
        check("affine", new float[][] {x}, n, (e, in, out) -> e.affine(in[0], out, n, 0.3, -0.1));
        check("pow", new float[][] {x}, n, (e, in, out) -> e.pow(in[0], out, n, 0.7));
        check("clamp", new float[][] {x}, n, (e, in, out) -> e.clamp(in[0], out, n, -1.0, 2.0));
        check("inRange", new float[][] {x}, n, (e, in, out) -> e.inRange(in[0], out, n, -1.0, 2.0));
        check("trunc", new float[][] {x}, n, (e, in, out) -> e.trunc(in[0], out, n));
        float[] coef = ExactScalars.encode(0.3, -0.1000000000000001);
        check("affineAt (coefficients in another array)", new float[][] {x, coef}, n,
                (e, in, out) -> e.affineAt(in[0], in[1], out, n));
    }

    @Test
    void broadcastStridedAndReducingOpsAcrossArrays() {
        Random r = new Random(2);
        float[] a = randoms(r, 120);                    // (4, 5, 6)
        float[] b = randoms(r, 5);                      // (5, 1)
        int[] shape = {4, 5, 6};
        for (Binary op : Binary.values()) {
            check("binary " + op + " broadcast", new float[][] {a, b}, 120, (e, in, out) -> e.binary(op, in[0],
                    new int[] {30, 6, 1}, in[1], new int[] {0, 1, 0}, out, shape));
        }
        check("strided copy (permute)", new float[][] {a}, 120, (e, in, out) -> e.stridedCopy(in[0],
                new int[] {1, 30, 6}, out, new int[] {20, 5, 1}, new int[] {6, 4, 5}));
        check("strided copy (into a slice)", new float[][] {b}, 20, (e, in, out) -> e.stridedCopy(in[0],
                new int[] {1}, out + 3, new int[] {3}, new int[] {5}));
        float[] long1 = randoms(r, 100_000);
        check("sum of 100,000", new float[][] {long1}, 1,
                (e, in, out) -> EngineOps.sum(e, in[0], long1.length, out));
        check("sumDims", new float[][] {a}, 24, (e, in, out) -> e.sumDims(in[0], new int[] {4, 6}, new int[] {30, 1},
                new int[] {5}, new int[] {6}, out));
        float[] ma = randoms(r, 3 * 13 * 7);
        float[] mb = randoms(r, 7 * 9);
        check("matmul", new float[][] {ma, mb}, 13 * 9, (e, in, out) -> EngineOps.matmul(e, in[0], in[1], out, 13, 7, 9));
        check("matmul batched, B broadcast", new float[][] {ma, mb}, 3 * 13 * 9, (e, in, out) -> e.matmul(in[0],
                new int[] {91}, in[1], new int[] {0}, new int[] {3}, out, 13, 7, 9));
    }

    @Test
    void indexAndImageOpsAcrossArrays() {
        Random r = new Random(3);
        float[] a = ints(r, 120, 4);                    // (4, 5, 6) with ties
        float[] g = randoms(r, 120);
        check("argmax", new float[][] {a}, 24, (e, in, out) -> e.argmax(in[0], 4, 5, 6, out));
        check("argsort", new float[][] {a}, 120, (e, in, out) -> e.argsort(in[0], 4, 5, 6, true, out));
        float[] index = ints(r, 72, 5);                 // (4, 3, 6) into dim 1 of (4, 5, 6)
        float[] src = randoms(r, 72);
        check("gather", new float[][] {g, index}, 72, (e, in, out) -> e.gather(in[0], new int[] {30, 0, 1}, 6, 5,
                in[1], new int[] {4, 3, 6}, out));
        check("scatterAdd (base, index, src in three arrays)", new float[][] {g, index, src}, 120,
                (e, in, out) -> e.scatterAdd(in[0], 4, 5, 6, in[1], 3, in[2], out));
        float[] pred = randoms(r, 2 * 3 * 10);
        float[] target = randoms(r, 2 * 3 * 10);
        check("chamferArgmin", new float[][] {pred, target}, 2 * 2 * 10, (e, in, out) -> e.chamferArgmin(in[0], in[1],
                new int[] {2}, new int[] {30}, 3, 10, out));
        float[] x = randoms(r, 2 * 3 * 9 * 9);
        int cols = 2 * 27 * 25;
        check("im2col", new float[][] {x}, cols, (e, in, out) -> e.im2col(in[0], 2, 3, 9, 9, 3, 3, 2, 1, 5, 5, out));
        float[] c = randoms(r, cols);
        check("col2im", new float[][] {c}, x.length, (e, in, out) -> e.col2im(in[0], 2, 3, 9, 9, 3, 3, 2, 1, 5, 5, out));
        check("maxPoolIndices", new float[][] {x}, 6 * 25,
                (e, in, out) -> e.maxPoolIndices(in[0], 6, 9, 9, 3, 2, 1, 5, 5, out));
    }

    @Test
    void rangesMustLieInsideOneArray() {
        ClEngine e = SharedEngine.multiArray();
        long before = e.launches();
        int end1 = ClArena.address(1, e.arrayFloats(1));
        assertThrows(IllegalArgumentException.class, () -> e.fill(end1 - 8, 16, 1f), "past the end of array 1");
        assertThrows(IllegalArgumentException.class, () -> e.fill(ClArena.address(3, 0), 1, 1f), "no array 3");
        assertThrows(IllegalArgumentException.class, () -> e.fill(ClArena.address(0, 16), 1, 1f), "reserved floats");
        IllegalArgumentException m = assertThrows(IllegalArgumentException.class,
                () -> EngineOps.add(e, ClArena.address(2, e.arrayFloats(2) - 4), A1, A1, 8));
        assertTrue(m.getMessage().contains("array 2") && m.getMessage().contains("a range lies in one array"), m.getMessage());
        assertEquals(before, e.launches(), "nothing launched");
        ClBackend be = new ClBackend(e);
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                () -> be.full(0.0, DType.F32, 2, ClEngine.MIN_ARENA_FLOATS / 2 + 1));
        assertTrue(big.getMessage().contains("does not fit one arena array"), big.getMessage());
    }

    /** FUSED programs placed in array 2 (addresses above 2^30) over operands in all three arrays. */
    @Test
    void fusedProgramsReplayWithAddressesInEveryArray() {
        ClEngine e = SharedEngine.multiArray();
        Random r = new Random(4);
        int n = 3000;
        float[] xs = randoms(r, n);
        float[] ys = randoms(r, 30);
        List<Integer> blocks = new ArrayList<>();
        try {
            int x = e.arena().allocIn(1, n);
            int y = e.arena().allocIn(2, 30);
            int t1 = e.arena().allocIn(0, n);
            int t2 = e.arena().allocIn(2, n);
            int t3 = e.arena().allocIn(1, n);
            int t4 = e.arena().allocIn(0, n);
            blocks.addAll(List.of(x, y, t1, t2, t3, t4));
            e.upload(x, xs);
            e.upload(y, ys);
            e.beginRecording();
            List<ClEngine.Launch> launches;
            try {
                e.affine(x, t1, n, 0.3, -0.1);                                              // MAP
                e.binary(Binary.MUL, t1, new int[] {30, 1}, y, new int[] {0, 1}, t2, new int[] {100, 30}); // BINARY, broadcast
                e.unary(Unary.TANH, t2, t3, n);                                             // MAP
                e.stridedCopy(x, new int[] {1, 100}, t4, new int[] {30, 1}, new int[] {100, 30});  // transposed read
                e.fill(t1, n, 0.5f);                                                        // FILL
                e.copy(t4, t2, n);                                                          // COPY
            } finally {
                launches = e.endRecording();
            }
            float[][] eager = {e.download(t1, n), e.download(t2, n), e.download(t3, n), e.download(t4, n)};
            Fusion.Plan plan = Fusion.plan(launches);
            assertEquals(1, plan.fusedGroups, "the six launches fuse into one");
            float[] words = plan.words();
            int prog = e.arena().allocIn(2, words.length);
            blocks.add(prog);
            assertTrue(prog >= 1 << 30, "program address " + prog + " is far above 2^24");
            e.upload(prog, words);
            for (int k : new int[] {t1, t2, t3, t4}) {
                e.fill(k, n, Float.NaN);
            }
            List<ClEngine.Launch> program = plan.program(prog);
            assertEquals(1, program.size());
            e.replay(program);
            int[] outs = {t1, t2, t3, t4};
            for (int k = 0; k < 4; k++) {
                assertBits(eager[k], e.download(outs[k], n), "fused output " + k + " at address " + outs[k]);
            }
            // the words hold each address exactly: srcA of the first instruction is x, in array 1
            assertEquals(x, (int) words[4] * 4096 + (int) words[5]);
            assertEquals(t4, (int) words[3 * EngineKernel.PROG_STRIDE + 8] * 4096
                    + (int) words[3 * EngineKernel.PROG_STRIDE + 9]);
        } finally {
            for (int b : blocks) {
                e.arena().free(b);
            }
        }
    }

    /**
     * Fills arrays 0 and 1 so that only {@code room} floats stay free in each: what is allocated
     * next spills from array 0 into 1 and then 2. Returns the ballast blocks (free them afterwards).
     */
    private static int[] squeeze(ClEngine e, long room) {
        int[] ballast = new int[2];
        for (int a = 0; a < 2; a++) {
            ballast[a] = e.arena().allocIn(a, (int) (e.arena().largestFreeBlock(a) - room));
        }
        return ballast;
    }

    private static void release(ClEngine e, int[] ballast) {
        for (int b : ballast) {
            e.arena().free(b);
        }
    }

    private static float[][] host(Tensor[] ts) {
        float[][] h = new float[ts.length][];
        for (int i = 0; i < ts.length; i++) {
            h[i] = ts[i].toFloats();
        }
        return h;
    }

    /**
     * One eager step and {@code steps} replays of the recorded MNIST training step on one engine:
     * every output, on the host. {@code arraysUsed} gets the arrays in which the recording allocated.
     */
    private static List<float[][]> trainingReplays(ClEngine engine, Long room, int steps, List<Integer> arraysUsed)
            throws InterruptedException {
        ClBackend be = new ClBackend(engine);
        int[] ballast = room == null ? new int[0] : squeeze(engine, room);
        try {
            Net net = Net.create(be, ClBackendDspnTest.config(2, 800.0), new MersenneTwister(7));
            Adam adam = new Adam(net.namedParameters(), 1e-3);
            Function<Tensor[], Tensor[]> body = ClTaskGraphTest.trainStep(net, adam);
            Tensor[] in = ClTaskGraphTest.initialState(be, net, ClBackendDspnTest.batch(be, 1));
            List<float[][]> out = new ArrayList<>();
            out.add(host(body.apply(in)));  // one eager step: temporaries freed and reused as it goes
            ArenaLive.settled(engine);      // its garbage collected: the recording spills over the arrays again
            long[] before = new long[engine.arenaArrays()];
            for (int a = 0; a < before.length; a++) {
                before[a] = engine.arena().liveFloats(a);
            }
            try (ClTaskGraph graph = be.record(body, ClTaskGraphTest.shapes(in))) {
                for (int a = 0; a < before.length; a++) {
                    if (engine.arena().liveFloats(a) > before[a]) {
                        arraysUsed.add(a);
                    }
                }
                for (int step = 0; step < steps; step++) {
                    Tensor[] res = graph.replay(in);
                    out.add(host(res));
                    in = ClTaskGraphTest.next(be, in, res, ClBackendDspnTest.batch(be, 2 + step % 2), false);
                }
            }
            return out;
        } finally {
            release(engine, ballast);
        }
    }

    @Test
    void aTrainingStepSpanningThreeArraysEqualsTheOneArrayRunBitForBit() throws InterruptedException {
        List<Integer> oneArray = new ArrayList<>();
        List<float[][]> expected = trainingReplays(SharedEngine.get(), null, 3, oneArray);
        assertEquals(new TreeSet<>(List.of(0)), new TreeSet<>(oneArray));
        List<Integer> used = new ArrayList<>();
        List<float[][]> actual = trainingReplays(SharedEngine.multiArray(), 60_000L, 3, used);
        assertEquals(new TreeSet<>(List.of(0, 1, 2)), new TreeSet<>(used), "the recording allocated in all three arrays");
        assertEquals(expected.size(), actual.size());
        for (int s = 0; s < expected.size(); s++) {
            for (int k = 0; k < expected.get(s).length; k++) {
                assertBits(expected.get(s)[k], actual.get(s)[k], (s == 0 ? "eager step" : "replay " + s) + ", output " + k);
            }
        }
    }

    /** A fusable elementwise chain with a reduction in the middle. */
    private static Function<Tensor[], Tensor[]> chain(ClBackend be) {
        return in -> {
            Tensor t = be.affine(in[0], 0.3, -0.1);
            Tensor acc = be.binary(Binary.MUL, be.unary(Unary.TANH, t), in[1]);
            Tensor s = be.sum(acc, new int[] {1}, true);
            Tensor d = be.binary(Binary.SUB, acc, s);
            return new Tensor[] {be.unary(Unary.EXP, d), be.clamp(d, -1.0, 1.0), s};
        };
    }

    @Test
    void freedRangesAreReusedAcrossArraysAndAThousandReplaysLeaveTheArenaAsItWas() throws InterruptedException {
        ClEngine e = SharedEngine.multiArray();
        ClBackend be = new ClBackend(e);
        long live0 = ArenaLive.settled(e);
        int[] ballast = squeeze(e, 20_000);
        long ballastFloats = e.arena().blockSize(ballast[0]) + e.arena().blockSize(ballast[1]);
        Tensor x = null;
        Tensor y = null;
        try {
            // garbage in all three arrays, collected and reused
            Random r = new Random(5);
            for (int round = 0; round < 3; round++) {
                List<Tensor> keep = new ArrayList<>();
                for (int k = 0; k < 12; k++) {
                    keep.add(be.fromHost(doubles(r, 5000), DType.F32, 5000));
                }
                TreeSet<Integer> arrays = new TreeSet<>();
                for (Tensor t : keep) {
                    arrays.add(ClArena.arrayOf(be.bufferOf(t).offset));
                }
                assertEquals(new TreeSet<>(List.of(0, 1, 2)), arrays, "round " + round + ": tensors in every array");
                keep.clear();
                assertEquals(live0 + ballastFloats, ArenaLive.settled(e), "round " + round + ": the garbage was freed");
            }
            x = be.fromHost(doubles(r, 4 * 30), DType.F32, 4, 30);
            y = be.fromHost(doubles(r, 30), DType.F32, 1, 30);
            try (ClTaskGraph graph = be.record(chain(be), new int[] {4, 30}, new int[] {1, 30})) {
                assertTrue(graph.fusedGroups() > 0, graph.toString());
                Tensor[] eager = chain(be).apply(new Tensor[] {x, y});
                float[][] want = host(eager);
                eager = null;
                Tensor[] out = graph.replay(x, y);
                long live = ArenaLive.settled(e);
                int blocks = e.arena().liveBlocks();
                for (int i = 0; i < 1000; i++) {
                    out = graph.replay(x, y);
                }
                assertEquals(live, e.arena().liveFloats(), "live floats after 1,000 replays");
                assertEquals(blocks, e.arena().liveBlocks(), "live blocks after 1,000 replays");
                float[][] got = host(out);
                for (int k = 0; k < want.length; k++) {
                    assertBits(want[k], got[k], "replay 1,001, output " + k);
                }
            }
        } finally {
            release(e, ballast);
        }
        x = null;
        y = null;
        assertEquals(live0, ArenaLive.settled(e), "everything freed");
    }

}
