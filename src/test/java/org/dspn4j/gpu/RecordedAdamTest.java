package org.dspn4j.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.experiment.RecordedTrainStep;
import org.dspn4j.experiment.TrainStep;
import org.dspn4j.model.Net;
import org.dspn4j.optim.Adam;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.ExactScalars;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Adam inside a recorded training step: its step-dependent coefficients (bias corrections, step
 * size) are an input of the graph ({@link Adam#step(Tensor[], Tensor)}), so a step recorded once and
 * replayed N times is N steps of real training — <b>bit for bit</b> the N eager steps (losses, every
 * parameter, both moments): the replay issues the eager launches, and the coefficient op decodes
 * the very doubles the eager op takes as launch arguments. A recording that keeps them as host
 * constants (the old way) is shown to diverge from step 2 on.
 */
class RecordedAdamTest {
    private static final int STEPS = 4;

    private static void assertBitwise(String what, Tensor expected, Tensor actual) {
        float[] e = expected.toFloats();
        float[] a = actual.toFloats();
        assertEquals(e.length, a.length, what);
        for (int i = 0; i < e.length; i++) {
            if (Float.floatToIntBits(e[i]) != Float.floatToIntBits(a[i])) {
                fail(what + " [" + i + "]: eager " + e[i] + ", replay " + a[i]);
            }
        }
    }

    @Test
    void coefficientTensorsGiveTheHostCoefficientsResultsOnBothBackends() {
        ClBackend cl = new ClBackend(SharedEngine.get());
        try (CpuBackend cpu = new CpuBackend()) {
            for (Backend be : new Backend[] {cl, cpu}) {
                Tensor x = be.fromHost(new double[] {0.0, -0.0, 1.5, -3.25e-5, 7e20, Double.NaN}, DType.F32, 6);
                Adam adam = new Adam(new java.util.LinkedHashMap<>(), 1e-3);
                for (long t : new long[] {1, 2, 3, 1000}) {
                    double[] c = adam.coefficients(t);
                    Tensor coef = ExactScalars.tensor(be, c);
                    assertBitwise(be + " pair 0, t = " + t, be.affine(x, c[0], c[1]), be.affine(x, coef, 0));
                    assertBitwise(be + " pair 1, t = " + t, be.affine(x, c[2], c[3]), be.affine(x, coef, 1));
                }
            }
        }
    }

    @Test
    void aRecordedStepReplayedNTimesEqualsNEagerSteps() {
        ClBackend be = new ClBackend(SharedEngine.get());
        Net eagerNet = Net.create(be, ClBackendDspnTest.config(2, 800.0), new MersenneTwister(7));
        Net replayNet = Net.create(be, ClBackendDspnTest.config(2, 800.0), new MersenneTwister(7));
        Adam eagerAdam = new Adam(eagerNet.namedParameters(), 1e-2);
        Adam replayAdam = new Adam(replayNet.namedParameters(), 1e-2);
        TrainStep eager = new TrainStep(eagerNet, eagerAdam);
        List<Double> losses = new ArrayList<>();
        try (RecordedTrainStep replay = new RecordedTrainStep(be, replayNet, replayAdam, null, new int[] {4, 2, 20},
                new int[] {4, 20})) {
            for (int step = 0; step < STEPS; step++) {
                Tensor[] batch = ClBackendDspnTest.batch(be, 1 + step % 2);
                TrainStep.Result e = eager.run(null, batch[0], batch[1]);
                TrainStep.Result r = replay.run(null, batch[0], batch[1]);
                assertEquals(Double.doubleToLongBits(e.loss()), Double.doubleToLongBits(r.loss()), "loss, step " + (step + 1));
                assertEquals(Double.doubleToLongBits(e.last()), Double.doubleToLongBits(r.last()), "last, step " + (step + 1));
                assertEquals(e.setLossPerStep().length, r.setLossPerStep().length);
                for (int k = 0; k < e.setLossPerStep().length; k++) {
                    assertEquals(e.setLossPerStep()[k], r.setLossPerStep()[k], 0.0, "set loss " + k + ", step " + (step + 1));
                }
                losses.add(r.loss());
            }
            assertEquals(STEPS, replay.steps());
            replay.syncToModel();
            assertEquals(STEPS, replayAdam.steps());
            List<String> names = new ArrayList<>(eagerNet.namedParameters().keySet());
            for (int i = 0; i < names.size(); i++) {
                String n = names.get(i);
                assertBitwise(n, eagerNet.namedParameters().get(n).value(), replayNet.namedParameters().get(n).value());
                assertBitwise("m " + n, eagerAdam.firstMoment(i), replayAdam.firstMoment(i));
                assertBitwise("v " + n, eagerAdam.secondMoment(i), replayAdam.secondMoment(i));
            }
            // after a sync the next replay continues the same training
            Tensor[] batch = ClBackendDspnTest.batch(be, 3);
            assertEquals(eager.run(null, batch[0], batch[1]).loss(), replay.run(null, batch[0], batch[1]).loss(), 0.0,
                    "step " + (STEPS + 1) + " after syncToModel");
        }
        assertTrue(!losses.get(0).equals(losses.get(STEPS - 1)), "the steps train: " + losses);
    }

    @Test
    void frozenHostCoefficientsWouldDivergeFromStepTwo() {
        ClBackend be = new ClBackend(SharedEngine.get());
        Net net = Net.create(be, ClBackendDspnTest.config(2, 800.0), new MersenneTwister(7));
        Net eagerNet = Net.create(be, ClBackendDspnTest.config(2, 800.0), new MersenneTwister(7));
        Adam eagerAdam = new Adam(eagerNet.namedParameters(), 1e-2);
        TrainStep eager = new TrainStep(eagerNet, eagerAdam);
        Adam adam = new Adam(net.namedParameters(), 1e-2);
        Tensor[] in = ClTaskGraphTest.initialState(be, net, ClBackendDspnTest.batch(be, 1));
        try (ClTaskGraph graph = be.record(ClTaskGraphTest.trainStep(net, adam), ClTaskGraphTest.shapes(in))) {
            double[] frozen = new double[2];
            double[] real = new double[2];
            for (int step = 0; step < 2; step++) {
                Tensor[] batch = ClBackendDspnTest.batch(be, 1 + step % 2);
                Tensor[] out = graph.replay(ClTaskGraphTest.next(be, in, new Tensor[] {null}, batch, false));
                frozen[step] = out[0].item();
                in = ClTaskGraphTest.next(be, in, out, batch, false);
                real[step] = eager.run(null, batch[0], batch[1]).loss();
            }
            assertEquals(real[0], frozen[0], 0.0, "step 1: the frozen coefficients are step 1's");
            // step 2's loss is computed before step 2's update: compare the state after two steps instead
            Tensor[] batch = ClBackendDspnTest.batch(be, 1);
            double frozen3 = graph.replay(ClTaskGraphTest.next(be, in, new Tensor[] {null}, batch, false))[0].item();
            double real3 = eager.run(null, batch[0], batch[1]).loss();
            assertTrue(frozen3 != real3, "a recording with host coefficients replays every step as Adam's step 1: " + frozen3);
        }
    }
}
