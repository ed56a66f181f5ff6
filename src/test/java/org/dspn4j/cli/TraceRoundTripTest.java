package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.model.Weights;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.DType;
import org.dspn4j.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The audit round trip: weights written by {@code dspn4j export-weights} were loaded (strictly) by
 * golden/reference_model.py in PyTorch, which wrote the trace of one training step; {@code dspn4j
 * trace} on the same weights and input must write the same values (F64, ≤ 1e-9 per tensor).
 */
class TraceRoundTripTest {
    private static final Path ROUNDTRIP = Path.of("golden", "roundtrip");

    @ParameterizedTest
    @ValueSource(strings = {"dspn", "mlp"})
    void traceOfOurWeightsMatchesPyTorchLoadingThem(String decoder, @TempDir Path dir) throws Exception {
        Path out = dir.resolve("trace.npz");
        int rc = Main.run("trace", "--model", "mnist", "--decoder", decoder,
                "--weights", ROUNDTRIP.resolve("mnist_" + decoder + "_weights.npz").toString(),
                "--input", ROUNDTRIP.resolve("mnist_" + decoder + "_input.npz").toString(),
                "--out", out.toString(), "--iters", "3", "--dtype", "f64");
        assertEquals(0, rc);
        Map<String, NdArray> ours = Npz.read(out);
        Map<String, NdArray> golden = Npz.read(ROUNDTRIP.resolve("mnist_" + decoder + "_trace.npz"));
        for (String k : golden.keySet()) {
            NdArray a = ours.get(k);
            assertTrue(a != null, "trace lacks " + k);
            assertArrayEquals(golden.get(k).shape(), a.shape(), k);
            double abs = k.equals("grad/set_encoder.conv.4.bias") ? 1e-12 : 0.0; // mathematically zero
            Golden.assertClose(k, a.toDoubles(), golden.get(k).toDoubles(), abs > 0 ? 0.0 : 1e-9, abs);
        }
    }

    @Test
    void mismatchedWeightsAreRefusedWithEveryKeyNamedAndNothingLoaded() {
        try (CpuBackend be = new CpuBackend(1)) {
            ModelConfig cfg = ModelConfig.paper(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.DSPN)
                    .withSizes(8, 16).withSetSize(10).withDtype(DType.F64);
            Net net = new Net(be, cfg, new MersenneTwister(1), null);
            Map<String, NdArray> before = Weights.toArrays(net);
            Map<String, NdArray> bad = new LinkedHashMap<>(Weights.toArrays(new Net(be, cfg, new MersenneTwister(2), null)));
            bad.remove("set_encoder.conv.2.bias");
            bad.remove("set_decoder.encoder.conv.2.bias");
            bad.put("set_encoder.extra", NdArray.of(new double[] {1}, 1));
            bad.put("set_decoder.starting_mask", NdArray.of(new double[11], 1, 11));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Weights.load(net, bad));
            String msg = e.getMessage();
            assertTrue(msg.contains("missing") && msg.contains("set_encoder.conv.2.bias"), msg);
            assertTrue(msg.contains("unknown") && msg.contains("set_encoder.extra"), msg);
            assertTrue(msg.contains("wrong shape") && msg.contains("set_decoder.starting_mask is (1, 11)"), msg);
            Map<String, NdArray> after = Weights.toArrays(net);
            for (String k : before.keySet()) {
                assertArrayEquals(before.get(k).toDoubles(), after.get(k).toDoubles(), 0.0, "changed: " + k);
            }
            // the two names of DSPN's encoder must agree
            Map<String, NdArray> split = new LinkedHashMap<>(before);
            split.put("set_decoder.encoder.pool.weight", NdArray.of(new double[8 * 21], 8, 21));
            IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> Weights.load(net, split));
            assertTrue(e2.getMessage().contains("inconsistent"), e2.getMessage());
        }
    }

    @Test
    void aCorruptWeightsFileIsAClearErrorNamingTheFile(@TempDir Path dir) throws Exception {
        Path w = dir.resolve("w.npz");
        Files.write(w, "not a zip".getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        int rc;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            rc = Main.run("trace", "--model", "mnist", "--weights", w.toString(),
                    "--input", ROUNDTRIP.resolve("mnist_dspn_input.npz").toString(), "--out", dir.resolve("o.npz").toString());
        } finally {
            System.setErr(old);
        }
        assertNotEquals(0, rc);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("w.npz"), err.toString(StandardCharsets.UTF_8));
        assertTrue(!Files.exists(dir.resolve("o.npz")));
    }
}
