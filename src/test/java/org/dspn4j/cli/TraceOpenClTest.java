package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;

import org.dspn4j.experiment.BackendChoice;
import org.dspn4j.gpu.ArenaLive;
import org.dspn4j.gpu.SharedEngine;
import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;
import org.dspn4j.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code trace --backend opencl} gives the CPU backend's trace within F32 rounding (PoCL in CI). */
class TraceOpenClTest {
    @Test
    void openClTraceMatchesTheCpuTrace(@TempDir Path dir) throws Exception {
        BackendChoice.lendEngine(SharedEngine.get()); // skips when there is no OpenCL platform; no second kernel compile
        try {
            compare(dir);
        } finally {
            BackendChoice.lendEngine(null);
            ArenaLive.settled(SharedEngine.get()); // this test's garbage freed before the next class allocates in the shared arena
        }
    }

    private static void compare(Path dir) throws Exception {
        String w = Path.of("golden", "roundtrip", "mnist_dspn_weights.npz").toString();
        String in = Path.of("golden", "roundtrip", "mnist_dspn_input.npz").toString();
        Path cl = dir.resolve("cl.npz");
        Path cpu = dir.resolve("cpu.npz");
        assertEquals(0, Main.run("trace", "--model", "mnist", "--weights", w, "--input", in, "--out", cl.toString(),
                "--iters", "3", "--dtype", "f32", "--backend", "opencl"));
        assertEquals(0, Main.run("trace", "--model", "mnist", "--weights", w, "--input", in, "--out", cpu.toString(),
                "--iters", "3", "--dtype", "f32"));
        Map<String, NdArray> a = Npz.read(cl);
        Map<String, NdArray> b = Npz.read(cpu);
        assertEquals(b.keySet(), a.keySet());
        for (String k : b.keySet()) {
            // F32 with different summation orders: 1e-5 of each tensor's scale (measured: 2.4e-7), and an
            // absolute floor for the mathematically-zero bias gradient (rounding noise only)
            double abs = k.equals("grad/set_encoder.conv.4.bias") ? 1e-7 : 0.0;
            Golden.assertClose(k, a.get(k).toDoubles(), b.get(k).toDoubles(), abs > 0 ? 0.0 : 1e-5, abs);
        }
    }
}
