package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** trace refuses an input whose set size is not the weights', in one line naming the --input file, its entries and the shapes expected. */
class TraceInputTest {
    private static final Path ROUNDTRIP = Path.of("golden", "roundtrip");

    /** The round-trip input of {@code decoder} with its sets padded from N = 10 to 12 (B = 3, C = 2). */
    private static Path input12(String decoder, Path dir) throws Exception {
        Map<String, NdArray> in = Npz.read(ROUNDTRIP.resolve("mnist_" + decoder + "_input.npz"));
        double[] ts = in.get("target_set").toDoubles();
        double[] tm = in.get("target_mask").toDoubles();
        int b = 3;
        int c = 2;
        double[] ts12 = new double[b * c * 12];
        double[] tm12 = new double[b * 12];
        for (int i = 0; i < b; i++) {
            for (int n = 0; n < 10; n++) {
                for (int k = 0; k < c; k++) {
                    ts12[(i * c + k) * 12 + n] = ts[(i * c + k) * 10 + n];
                }
                tm12[i * 12 + n] = tm[i * 10 + n];
            }
        }
        Map<String, NdArray> out = new LinkedHashMap<>();
        out.put("target_set", NdArray.of(ts12, b, c, 12));
        out.put("target_mask", NdArray.of(tm12, b, 12));
        Path file = dir.resolve("in12.npz");
        Npz.write(file, out);
        return file;
    }

    private static void refused(CliRun r, Path input, Path out) {
        assertEquals(2, r.code(), r.out());
        String line = r.out().strip().lines().filter(l -> l.startsWith("dspn4j: ")).findFirst().orElse(r.out());
        assertTrue(line.startsWith("dspn4j: --input " + input + ": target_set [3, 2, 12] and target_mask [3, 12]"), r.out());
        assertTrue(line.endsWith("must be (B,2,10) and (B,10)"), r.out());
        assertFalse(r.out().contains("expand"), r.out());
        assertFalse(Files.exists(out), "wrote " + out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"dspn", "mlp"})
    void aSetSizeOtherThanTheWeightsIsRefusedNamingTheInput(String decoder, @TempDir Path dir) throws Exception {
        Path in = input12(decoder, dir);
        Path out = dir.resolve("o.npz");
        refused(CliRun.of("trace", "--model", "mnist", "--decoder", decoder, "--weights",
                ROUNDTRIP.resolve("mnist_" + decoder + "_weights.npz").toString(), "--input", in.toString(),
                "--out", out.toString(), "--backend", "cpu", "--threads", "1"), in, out);
    }

    @Test
    void theAuthorsFileToo(@TempDir Path dir) throws Exception {
        Path in = input12("dspn", dir);
        Path out = dir.resolve("o.npz");
        CliRun r = CliRun.of("trace", "--model", "mnist", "--weights",
                Path.of("src", "test", "resources", "torch", "authors_mnist_dspn_2019").toString(), "--input", in.toString(),
                "--out", out.toString(), "--backend", "cpu", "--threads", "1", "--iters", "1");
        assertEquals(2, r.code(), r.out());
        assertTrue(r.out().contains("dspn4j: --input " + in + ": target_set [3, 2, 12]"), r.out());
        assertFalse(Files.exists(out), "wrote " + out);
    }
}
