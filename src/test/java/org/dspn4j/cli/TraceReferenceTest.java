package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;
import org.dspn4j.testing.Golden;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code dspn4j trace --backend reference}: one training step computed by the op set's definition
 * reproduces the audit golden (PyTorch loading our exported weights, golden/roundtrip; F64, ≤ 1e-9 per
 * tensor, as TraceRoundTripTest does for the CPU backend), and writes the very bits {@code --backend
 * cpu} writes, in F64 and in F32.
 */
class TraceReferenceTest {
    private static final Path ROUNDTRIP = Path.of("golden", "roundtrip");

    private static Map<String, NdArray> trace(String decoder, String dtype, String backend, Path out) throws Exception {
        int rc = Main.run("trace", "--model", "mnist", "--decoder", decoder,
                "--weights", ROUNDTRIP.resolve("mnist_" + decoder + "_weights.npz").toString(),
                "--input", ROUNDTRIP.resolve("mnist_" + decoder + "_input.npz").toString(),
                "--out", out.toString(), "--iters", "3", "--dtype", dtype, "--backend", backend);
        assertEquals(0, rc, "trace --backend " + backend + " --dtype " + dtype);
        return Npz.read(out);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"dspn, f64", "mlp, f64", "dspn, f32"})
    void theDefinitionReproducesTheGoldenAndTheCpuBackendsBits(String decoder, String dtype, @TempDir Path dir) throws Exception {
        Map<String, NdArray> ref = trace(decoder, dtype, "reference", dir.resolve("reference.npz"));
        if (dtype.equals("f64")) {
            Map<String, NdArray> golden = Npz.read(ROUNDTRIP.resolve("mnist_" + decoder + "_trace.npz"));
            for (String k : golden.keySet()) {
                NdArray a = ref.get(k);
                assertTrue(a != null, "trace lacks " + k);
                assertArrayEquals(golden.get(k).shape(), a.shape(), k);
                double abs = k.equals("grad/set_encoder.conv.4.bias") ? 1e-12 : 0.0; // mathematically zero
                Golden.assertClose(k, a.toDoubles(), golden.get(k).toDoubles(), abs > 0 ? 0.0 : 1e-9, abs);
            }
        }
        Map<String, NdArray> cpu = trace(decoder, dtype, "cpu", dir.resolve("cpu.npz"));
        assertEquals(cpu.keySet(), ref.keySet());
        for (String k : cpu.keySet()) {
            assertArrayEquals(cpu.get(k).shape(), ref.get(k).shape(), k);
            double[] c = cpu.get(k).toDoubles();
            double[] r = ref.get(k).toDoubles();
            for (int i = 0; i < c.length; i++) {
                assertEquals(Double.doubleToLongBits(c[i]), Double.doubleToLongBits(r[i]),
                        k + "[" + i + "]: cpu " + c[i] + ", reference " + r[i]);
            }
        }
    }
}
