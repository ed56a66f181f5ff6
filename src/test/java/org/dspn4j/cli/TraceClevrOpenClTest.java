package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.dspn4j.experiment.BackendChoice;
import org.dspn4j.gpu.SharedEngine;
import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;
import org.dspn4j.nn.SeededWeights;
import org.dspn4j.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code trace --model clevr-state --backend opencl} against the same trace on the CPU backend, both
 * F32: the full CLEVR-state DSPN at the paper's sizes (ResNet34 image encoder + head, relation-network
 * FSPool set encoder H = D = 512, N = 10, T = 10, η = 800, Hungarian on the final set), batch 2, the
 * same seeded initialisation ({@code --seed 1}: both backends draw the same host values) and the same
 * inputs. Every traced quantity is compared: all T + 1 inner sets and masks, the inner losses, z, the
 * target representation, the set and outer losses, the gradient of every parameter and the batch-norm
 * buffers after the step.
 *
 * <p><b>Image size 128×128</b>, the paper's: the OpenCL trace took 11.9 s on PoCL (2-core development
 * machine; the CPU trace 4.6 s, the whole test 29 s with the engine compile), well under a minute, so
 * the smallest size the encoder accepts (65×65) was not needed.
 *
 * <p>Tolerances (F32, different summation orders: the CPU backend's blocked GEMM and the engine's
 * dot products): every tensor within 2e-5 of its own largest magnitude — measured 3.7e-6 at most, for the
 * stem convolution's gradient —
 * with an absolute floor for gradients that are mathematically zero (the unused {@code lin} layer of
 * the relation encoder and the conv bias before a train-mode batch norm), which hold rounding noise
 * only on both backends.
 */
class TraceClevrOpenClTest {
    static final int SIZE = 128;

    @Test
    void openClClevrStateTraceMatchesTheCpuTrace(@TempDir Path dir) throws Exception {
        BackendChoice.lendEngine(SharedEngine.large()); // skips when there is no OpenCL platform; one 1 GiB engine per test JVM
        try {
            compare(dir);
        } finally {
            BackendChoice.lendEngine(null);
        }
    }

    private static void compare(Path dir) throws Exception {
        int b = 2;
        int n = 10;
        int c = 18;
        Map<String, NdArray> input = new LinkedHashMap<>();
        input.put("images", NdArray.of(SeededWeights.uniform(SeededWeights.IMAGE_STREAM, b * 3 * SIZE * SIZE, 0.0, 1.0),
                b, 3, SIZE, SIZE));
        input.put("target_set", NdArray.of(SeededWeights.uniform(77, b * c * n, 0.0, 1.0), b, c, n));
        double[] mask = new double[b * n];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = i % n < (i < n ? 6 : 9) ? 1.0 : 0.0; // 6 and 9 objects
        }
        input.put("target_mask", NdArray.of(mask, b, n));
        Path in = dir.resolve("input.npz");
        Npz.write(in, input);
        Path cl = dir.resolve("cl.npz");
        Path cpu = dir.resolve("cpu.npz");
        long t0 = System.nanoTime();
        assertEquals(0, Main.run("trace", "--model", "clevr-state", "--input", in.toString(), "--out", cl.toString(),
                "--iters", "10", "--dtype", "f32", "--backend", "opencl"));
        long t1 = System.nanoTime();
        assertEquals(0, Main.run("trace", "--model", "clevr-state", "--input", in.toString(), "--out", cpu.toString(),
                "--iters", "10", "--dtype", "f32", "--backend", "cpu"));
        long t2 = System.nanoTime();
        System.out.printf("clevr-state trace %dx%d: opencl %.1f s, cpu %.1f s%n", SIZE, SIZE, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
        Map<String, NdArray> a = Npz.read(cl);
        Map<String, NdArray> e = Npz.read(cpu);
        assertEquals(e.keySet(), a.keySet());
        assertEquals(11, e.get("sets").shape()[0], "T + 1 sets");
        assertTrue(e.keySet().stream().filter(k -> k.startsWith("grad/input_encoder.")).count() > 100,
                "gradients of the ResNet34 encoder are traced");
        double worst = 0;
        String worstKey = "";
        for (String k : e.keySet()) {
            double[] x = a.get(k).toDoubles();
            double[] y = e.get(k).toDoubles();
            assertEquals(y.length, x.length, k);
            double zero = k.startsWith("grad/set_encoder.lin.") || k.equals("grad/input_encoder.end.0.bias") ? 1e-6 : 0.0;
            if (zero > 0.0) {
                double m = 0;
                for (double v : x) {
                    m = Math.max(m, Math.abs(v));
                }
                System.out.printf("%s (exactly zero): largest |OpenCL value| %.3g%n", k, m);
            } else {
                double scale = 0;
                double d = 0;
                for (int i = 0; i < y.length; i++) {
                    scale = Math.max(scale, Math.abs(y[i]));
                    d = Math.max(d, Math.abs(x[i] - y[i]));
                }
                if (scale > 0 && d / scale > worst) {
                    worst = d / scale;
                    worstKey = k;
                }
            }
            Golden.assertClose(k, x, y, zero > 0 ? 0.0 : 2e-5, zero);
        }
        System.out.printf("clevr-state trace: worst relative difference %.3g (%s)%n", worst, worstKey);
    }
}
