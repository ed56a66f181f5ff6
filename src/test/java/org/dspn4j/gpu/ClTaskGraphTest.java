package org.dspn4j.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.autodiff.Autograd;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.nn.Parameter;
import org.dspn4j.optim.Adam;
import org.dspn4j.set.DecoderOutput;
import org.dspn4j.tensor.Backend.Binary;
import org.dspn4j.tensor.Backend.Unary;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.TaskGraph;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Recorded task graphs on the OpenCL engine ({@link ClBackend#record}, {@link ClTaskGraph}): replay
 * equals running the body eagerly, <b>bit for bit</b> (a replay issues the very launches, with the
 * same arguments, that the eager run issues; fused instructions compute with the same kernel
 * methods as the ops they replace), for a small chain with every elementwise op and special values,
 * the DSPN inner loop, and a whole DSPN training step; fusion cuts launches; replays allocate
 * nothing; wrong inputs and host reads are refused.
 */
class ClTaskGraphTest {

    private static Tensor rand(ClBackend be, Random r, boolean special, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] d = new double[n];
        double[] specials = {0.0, -0.0, 1.0, -1.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.5,
            -0.5, 1e-30, 3e38};
        for (int i = 0; i < n; i++) {
            d[i] = special && i % 7 == 0 ? specials[(i / 7) % specials.length] : r.nextGaussian() * 2;
        }
        return be.fromHost(d, DType.F32, shape);
    }

    private static void assertBitwise(String what, Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        float[] e = expected.toFloats();
        float[] a = actual.toFloats();
        for (int i = 0; i < e.length; i++) {
            if (Float.floatToIntBits(e[i]) != Float.floatToIntBits(a[i])) {
                fail(what + " [" + i + "]: eager " + e[i] + ", replay " + a[i]);
            }
        }
    }

    /** Every elementwise op the engine has, chained (fusable), with a reduction in the middle (not fusable). */
    private static Function<Tensor[], Tensor[]> chain(ClBackend be) {
        return in -> {
            Tensor x = in[0];                       // (4, 5, 6)
            Tensor y = in[1];                       // (5, 1)
            Tensor t = be.affine(x, 0.3, -0.1);
            List<Tensor> outs = new ArrayList<>();
            for (Unary u : Unary.values()) {
                outs.add(be.unary(u, t));
            }
            Tensor acc = be.binary(Binary.ADD, t, y);                         // broadcast read of an input
            acc = be.binary(Binary.MUL, acc, be.expand(y, 4, 5, 6));          // strided copy (contiguous out)
            acc = be.binary(Binary.DIV, acc, be.pow(t, 2.0));
            acc = be.binary(Binary.SUB, acc, be.pow(be.unary(Unary.ABS, t), 0.7));
            acc = be.clamp(acc, -3.0, 2.5);
            outs.add(be.inRange(acc, -1.0, 1.0));
            outs.add(be.cast(be.affine(acc, 10.0, 0.0), DType.I64));       // truncation in place
            Tensor s = be.sum(acc, new int[] {2}, true);                      // (4, 5, 1): breaks the chain
            outs.add(be.binary(Binary.SUB, acc, s));
            outs.add(be.permute(acc, 2, 0, 1));
            outs.add(be.full(1.25, DType.F32, 4, 5, 6));
            outs.add(be.slice(be.concat(1, acc, be.padSlice(x, 1, 1, 7)), 1, 3, 9));
            outs.add(acc);
            return outs.toArray(new Tensor[0]);
        };
    }

    @Test
    void aFusedChainReplaysBitForBitAndWithFewerLaunches() {
        ClEngine engine = SharedEngine.get();
        ClBackend be = new ClBackend(engine);
        Function<Tensor[], Tensor[]> body = chain(be);
        int[][] shapes = {{4, 5, 6}, {5, 1}};
        try (ClTaskGraph fused = be.record(body, shapes);
             ClTaskGraph plain = be.record(false, body, shapes)) {
            assertTrue(fused.fusedGroups() > 0, "something was fused: " + fused);
            assertTrue(fused.launchesPerReplay() < plain.launchesPerReplay(), fused + " vs " + plain);
            assertEquals(plain.recordedLaunches(), plain.launchesPerReplay());
            Random r = new Random(1);
            for (int rep = 0; rep < 3; rep++) {
                Tensor x = rand(be, r, rep > 0, 4, 5, 6);
                Tensor y = rand(be, r, rep > 1, 5, 1);
                long l0 = engine.launches();
                Tensor[] eager = body.apply(new Tensor[] {x, y});
                long eagerLaunches = engine.launches() - l0;
                l0 = engine.launches();
                Tensor[] a = fused.replay(x, y);
                long fusedLaunches = engine.launches() - l0;
                Tensor[] b = plain.replay(x, y);
                assertEquals(eagerLaunches, plain.recordedLaunches(), "the recording captured every launch of the body");
                assertEquals(fused.launchesPerReplay() + 2, fusedLaunches, "replay = 2 input copies + the program");
                assertTrue(fusedLaunches < eagerLaunches, fusedLaunches + " launches replayed, " + eagerLaunches + " eager");
                for (int k = 0; k < eager.length; k++) {
                    assertBitwise("rep " + rep + " output " + k + " (fused)", eager[k], a[k]);
                    assertBitwise("rep " + rep + " output " + k + " (unfused)", eager[k], b[k]);
                }
            }
        }
    }

    @Test
    void theDspnInnerLoopReplaysBitForBit() {
        ClEngine engine = SharedEngine.get();
        ClBackend be = new ClBackend(engine);
        Net net = Net.create(be, ClBackendDspnTest.config(3, 800.0), new MersenneTwister(5));
        net.train(true);
        Function<Tensor[], Tensor[]> body = in -> {
            DecoderOutput d = net.decoder().decode(in[0]);
            Tensor[] out = new Tensor[2 + d.innerLosses().size()];
            out[0] = d.lastSet();
            out[1] = d.lastMask();
            for (int t = 0; t < d.innerLosses().size(); t++) {
                out[2 + t] = d.innerLosses().get(t);
            }
            return out;
        };
        try (ClTaskGraph graph = be.record(body, new int[] {4, 8})) {
            Random r = new Random(2);
            for (int rep = 0; rep < 3; rep++) {
                Tensor z = rand(be, r, false, 4, 8);
                long l0 = engine.launches();
                Tensor[] eager = body.apply(new Tensor[] {z});
                long eagerLaunches = engine.launches() - l0;
                Tensor[] replay = graph.replay(z);
                assertTrue(graph.launchesPerReplay() < eagerLaunches, graph + ", eager " + eagerLaunches);
                for (int k = 0; k < eager.length; k++) {
                    assertBitwise("rep " + rep + " output " + k, eager[k], replay[k]);
                }
            }
        }
    }

    /** A functional training step: inputs set, mask, parameters, Adam moments; outputs loss and the new state. */
    static Function<Tensor[], Tensor[]> trainStep(Net net, Adam adam) {
        List<Parameter> params = new ArrayList<>(net.namedParameters().values());
        int p = params.size();
        return in -> {
            Tensor[] m = new Tensor[p];
            Tensor[] v = new Tensor[p];
            for (int i = 0; i < p; i++) {
                params.get(i).set(in[2 + i]);
                m[i] = in[2 + p + i];
                v[i] = in[2 + 2 * p + i];
            }
            adam.restore(0, m, v); // Adam's bias correction is a host scalar: every step is its step 1
            net.train(true);
            Net.Output out = net.forward(null, in[0], in[1]);
            Net.Loss loss = net.loss(out, in[0], in[1]);
            Tensor[] grads = Autograd.grad(loss.total(), net.parameterValues().toArray(new Tensor[0]), false);
            adam.step(grads);
            Tensor[] res = new Tensor[1 + 3 * p];
            res[0] = loss.total();
            for (int i = 0; i < p; i++) {
                res[1 + i] = params.get(i).value();
                res[1 + p + i] = adam.firstMoment(i);
                res[1 + 2 * p + i] = adam.secondMoment(i);
            }
            return res;
        };
    }

    /** Inputs of {@link #trainStep}: batch, the net's current parameters, zero moments. */
    static Tensor[] initialState(ClBackend be, Net net, Tensor[] batch) {
        List<Parameter> params = new ArrayList<>(net.namedParameters().values());
        int p = params.size();
        Tensor[] in = new Tensor[2 + 3 * p];
        in[0] = batch[0];
        in[1] = batch[1];
        for (int i = 0; i < p; i++) {
            in[2 + i] = params.get(i).value();
            in[2 + p + i] = be.full(0.0, DType.F32, params.get(i).shape());
            in[2 + 2 * p + i] = be.full(0.0, DType.F32, params.get(i).shape());
        }
        return in;
    }

    static int[][] shapes(Tensor[] in) {
        int[][] s = new int[in.length][];
        for (int i = 0; i < in.length; i++) {
            s[i] = in[i].shape();
        }
        return s;
    }

    /** Next inputs: a new batch, the state outputs of the last step (copied when {@code copy}: replay outputs are views). */
    static Tensor[] next(ClBackend be, Tensor[] in, Tensor[] out, Tensor[] batch, boolean copy) {
        Tensor[] n = in.clone();
        n[0] = batch[0];
        n[1] = batch[1];
        for (int i = 1; i < out.length; i++) {
            n[1 + i] = copy ? be.affine(out[i], 1.0, 0.0) : out[i];
        }
        return n;
    }

    @Test
    void aWholeTrainingStepReplaysBitForBitWithNewInputs() {
        ClEngine engine = SharedEngine.get();
        ClBackend be = new ClBackend(engine);
        Net net = Net.create(be, ClBackendDspnTest.config(2, 800.0), new MersenneTwister(7));
        Adam adam = new Adam(net.namedParameters(), 1e-3);
        Function<Tensor[], Tensor[]> body = trainStep(net, adam);
        Tensor[] start = initialState(be, net, ClBackendDspnTest.batch(be, 1));
        try (ClTaskGraph graph = be.record(body, shapes(start))) {
            Tensor[] eagerIn = start;
            Tensor[] replayIn = start;
            double firstLoss = Double.NaN;
            double lastLoss = Double.NaN;
            for (int step = 0; step < 4; step++) {
                long l0 = engine.launches();
                Tensor[] eager = body.apply(eagerIn);
                long eagerLaunches = engine.launches() - l0;
                Tensor[] replay = graph.replay(replayIn);
                assertTrue(graph.launchesPerReplay() < eagerLaunches, graph + ", eager " + eagerLaunches);
                for (int k = 0; k < eager.length; k++) {
                    assertBitwise("step " + step + " output " + k, eager[k], replay[k]);
                }
                lastLoss = replay[0].item();
                if (step == 0) {
                    firstLoss = lastLoss;
                }
                Tensor[] batch = ClBackendDspnTest.batch(be, 1 + (step + 1) % 2);
                eagerIn = next(be, eagerIn, eager, batch, false);
                replayIn = next(be, replayIn, replay, batch, false); // outputs fed straight back as inputs
            }
            assertTrue(Double.isFinite(firstLoss) && Double.isFinite(lastLoss) && lastLoss != firstLoss,
                    firstLoss + " -> " + lastLoss);
        }
    }

    @Test
    void aThousandReplaysLeaveTheArenaAsItWas() throws InterruptedException {
        ClEngine engine = SharedEngine.get();
        ClBackend be = new ClBackend(engine);
        ModelConfig cfg = ClBackendDspnTest.config(1, 8.0).withSizes(4, 8).withSetSize(8);
        Net net = Net.create(be, cfg, new MersenneTwister(11));
        Adam adam = new Adam(net.namedParameters(), 1e-2);
        Random r = new Random(4);
        double[] set = new double[2 * 2 * 8];
        double[] mask = new double[2 * 8];
        for (int i = 0; i < set.length; i++) {
            set[i] = r.nextDouble();
        }
        java.util.Arrays.fill(mask, 0, 13, 1.0);
        Tensor[] batch = {be.fromHost(set, DType.F32, 2, 2, 8), be.fromHost(mask, DType.F32, 2, 8)};
        Tensor[] in = initialState(be, net, batch);
        try (ClTaskGraph graph = be.record(trainStep(net, adam), shapes(in))) {
            Tensor[] out = graph.replay(in);
            double first = out[0].item();
            in = next(be, in, out, batch, true); // the copies are ordinary tensors: allocate them before the baseline
            Tensor[] copies = in;
            long live = ArenaLive.settled(engine);
            int blocks = engine.arena().liveBlocks();
            long l0 = engine.launches();
            int replays = 1000;
            for (int i = 0; i < replays; i++) {
                out = graph.replay(in);
                in = next(be, in, out, batch, false);
            }
            long launches = (engine.launches() - l0) / replays;
            assertEquals(live, engine.arena().liveFloats(), "arena floats live after " + replays + " replays");
            assertEquals(blocks, engine.arena().liveBlocks(), "arena blocks live after " + replays + " replays");
            double last = out[0].item();
            assertTrue(last < first, "the replayed steps train: loss " + first + " -> " + last);
            // + 1: before replaying, the previous replay's gathers and scatters are checked (one read of
            // the index-error flag, ClBackend.checkIndices), as no host read has checked them since
            assertEquals(graph.launchesPerReplay() + 3 + 1, launches,
                    "launches per replay: program, 2 batch copies, 1 state copy, 1 index-flag read");
            java.lang.ref.Reference.reachabilityFence(copies);
        }
    }


    @Test
    void replayRefusesInputsOfOtherShapesNamingThem() {
        ClBackend be = new ClBackend(SharedEngine.get());
        try (ClTaskGraph graph = be.record(in -> new Tensor[] {be.unary(Unary.EXP, in[0])}, new int[] {2, 3})) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> graph.replay(be.full(1.0, DType.F32, 3, 2)));
            assertTrue(e.getMessage().contains("input 0 has shape (3, 2)") && e.getMessage().contains("recorded with (2, 3)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> graph.replay());
            assertTrue(e.getMessage().contains("0 inputs, recorded with 1"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> graph.replay(be.full(1.0, DType.I64, 2, 3)));
            assertTrue(e.getMessage().contains("I64"), e.getMessage());
            Tensor ok = graph.replay(be.full(0.0, DType.F32, 2, 3))[0];
            assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1}, ok.toFloats());
            graph.close();
            IllegalStateException closed = assertThrows(IllegalStateException.class, ok::toFloats);
            assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
        }
    }

    @Test
    void recordingRefusesAHostReadAndLeavesNothingBehind() throws InterruptedException {
        ClEngine engine = SharedEngine.get();
        ClBackend be = new ClBackend(engine);
        Tensor before = be.full(2.0, DType.F32, 3);
        long live = ArenaLive.settled(engine);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> be.record(in -> {
            Tensor s = be.sum(be.unary(Unary.EXP, in[0]), new int[] {0}, false);
            double host = s.item(); // data-dependent host control flow cannot be replayed
            return new Tensor[] {be.affine(in[0], host, 0.0)};
        }, new int[] {3}));
        assertTrue(e.getMessage().contains("toHost") && e.getMessage().contains("recording a task graph"), e.getMessage());
        assertEquals(live, engine.arena().liveFloats(), "the failed recording freed its ranges");
        assertTrue(!engine.isRecording(), "the engine is no longer recording");
        assertArrayEquals(new float[] {2, 2, 2}, before.toFloats(), "the backend works normally afterwards");
        IllegalStateException direct = assertThrows(IllegalStateException.class, () -> be.record(in -> {
            engine.download(be.bufferOf(in[0]).offset, 1);
            return in;
        }, new int[] {1}));
        assertTrue(direct.getMessage().contains("download"), direct.getMessage());
    }
}
