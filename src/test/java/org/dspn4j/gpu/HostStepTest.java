package org.dspn4j.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.Backend.Binary;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link Backend#hostStep}, the one op whose computation is host Java code: the same values on the CPU
 * backend, eagerly on OpenCL and replayed from a recorded task graph, where it is an explicit host step
 * that <b>runs again on the new values at every replay</b> (not a constant frozen at recording); the
 * recording still refuses every other host read; and fusion never crosses it. (The Hungarian loss's
 * assignment, once such a step, is a device op now: {@code ClAssignTest}.)
 */
class HostStepTest {

    /** Prefix sums in double, rounded by the backend: depends on every element before i, in order. */
    private static double[] prefixSums(double[] in) {
        double[] out = new double[in.length];
        double s = 0;
        for (int i = 0; i < in.length; i++) {
            s += in[i];
            out[i] = s;
        }
        return out;
    }

    /** x·x, host prefix sums, + x (bit-exact ops on both backends). */
    private static Function<Tensor[], Tensor[]> body(Backend be, AtomicInteger calls) {
        return in -> {
            Tensor sq = be.binary(Binary.MUL, in[0], in[0]);
            Tensor h = be.hostStep(sq, v -> {
                calls.incrementAndGet();
                return prefixSums(v);
            }, DType.F32, 2, 3);
            return new Tensor[] {be.binary(Binary.ADD, h, in[0])};
        };
    }

    private static double[] values(Random r, int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = r.nextGaussian() * 3;
        }
        return d;
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
    void aHostStepGivesTheSameValuesOnTheCpuEagerlyOnOpenClAndInReplaysThatRunItAgain() {
        ClEngine engine = SharedEngine.get();
        ClBackend be = new ClBackend(engine);
        AtomicInteger calls = new AtomicInteger();
        Random r = new Random(5);
        try (CpuBackend cpu = new CpuBackend(1);
             ClTaskGraph g = be.record(body(be, calls), new int[] {2, 3})) {
            assertEquals(1, calls.get(), "the recording ran the host function once");
            assertEquals(1, g.hostSteps());
            float[] previous = null;
            for (int k = 0; k < 3; k++) {
                double[] x = values(r, 6);
                float[] onCpu = body(cpu, calls).apply(new Tensor[] {cpu.fromHost(x, DType.F32, 2, 3)})[0].toFloats();
                float[] eager = body(be, calls).apply(new Tensor[] {be.fromHost(x, DType.F32, 2, 3)})[0].toFloats();
                assertBitwise("OpenCL eager vs CPU, input " + k, onCpu, eager);
                Tensor input = be.fromHost(x, DType.F32, 2, 3);
                int before = calls.get();
                long launches = engine.launches();
                long downloads = engine.downloads();
                float[] replayed = g.replay(input)[0].toFloats();
                assertEquals(before + 1, calls.get(), "the replay called the host function again");
                // one input copy, the program's kernel launches, the host step's download and upload
                assertEquals(1 + g.launchesPerReplay() + 2 + 1, engine.launches() - launches,
                        "launches of a replay (and of the toFloats that read its output)");
                assertEquals(2, engine.downloads() - downloads, "the host step's download and the output read");
                assertBitwise("replay vs eager, input " + k, eager, replayed);
                if (previous != null) {
                    assertFalse(Arrays.equals(previous, replayed), "a new input gives a new host result");
                }
                previous = replayed;
            }
        }
    }

    @Test
    void theHostStepsOutputIsAConstantToAutodiffAndItsLengthIsChecked() {
        ClBackend be = new ClBackend(SharedEngine.get());
        Tensor x = be.fromHost(new double[] {1, 2, 3}, DType.F32, 3).requiresGrad(true);
        Tensor h = be.hostStep(x, v -> v, DType.F32, 3);
        assertFalse(h.requiresGrad(), "no gradient flows through a host step");
        assertArrayEquals(new float[] {1, 2, 3}, h.toFloats());
        Tensor idx = be.hostStep(x, v -> new double[] {2.7, -1.2}, DType.I64, 2);
        assertArrayEquals(new float[] {2, -1}, idx.toFloats(), "rounded to the dtype as fromHost does");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> be.hostStep(x, v -> v, DType.F32, 4));
        assertTrue(e.getMessage().contains("hostStep") && e.getMessage().contains("3 values"), e.getMessage());
        try (CpuBackend cpu = new CpuBackend(1)) {
            Tensor c = cpu.fromHost(new double[] {1, 2, 3}, DType.F32, 3);
            assertThrows(IllegalArgumentException.class, () -> cpu.hostStep(c, v -> v, DType.F32, 4));
            assertArrayEquals(new double[] {1, 3, 6}, cpu.hostStep(c, HostStepTest::prefixSums, DType.F64, 3).toDoubles());
        }
    }

    @Test
    void aRecordingStillRefusesEveryOtherHostRead() {
        ClEngine engine = SharedEngine.get();
        ClBackend be = new ClBackend(engine);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> be.record(in -> {
            Tensor h = be.hostStep(in[0], v -> v, DType.F32, 3);
            float[] host = h.toFloats(); // a plain host read: refused although a host step ran before it
            return new Tensor[] {be.affine(h, host[0], 0.0)};
        }, new int[] {3}));
        assertTrue(e.getMessage().contains("toHost") && e.getMessage().contains("recording a task graph"), e.getMessage());
        assertFalse(engine.isRecording());
    }

    @Test
    void fusionDoesNotCrossAHostStep() {
        ClEngine engine = SharedEngine.get();
        ClBackend be = new ClBackend(engine);
        Function<Tensor[], Tensor[]> body = in -> {
            Tensor a = be.binary(Binary.ADD, be.binary(Binary.MUL, in[0], in[0]), in[0]);  // fusable pair
            Tensor h = be.hostStep(a, HostStepTest::prefixSums, DType.F32, 2, 3);
            return new Tensor[] {be.binary(Binary.MUL, be.binary(Binary.ADD, h, in[0]), h)};  // fusable pair
        };
        double[] x = values(new Random(9), 6);
        float[] eager = body.apply(new Tensor[] {be.fromHost(x, DType.F32, 2, 3)})[0].toFloats();
        try (ClTaskGraph g = be.record(body, new int[] {2, 3})) {
            assertEquals(4, g.recordedLaunches());
            assertEquals(1, g.hostSteps());
            assertEquals(2, g.fusedGroups(), "one group on each side of the host step");
            assertEquals(4, g.fusedInstructions());
            assertEquals(2, g.launchesPerReplay());
            assertBitwise("fused replay vs eager", eager, g.replay(be.fromHost(x, DType.F32, 2, 3))[0].toFloats());
        }
    }
}
