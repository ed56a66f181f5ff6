package org.dspn4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.io.NdArray;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.model.Weights;
import org.dspn4j.nn.Init;
import org.dspn4j.nn.Parameter;
import org.dspn4j.optim.Adam;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Checkpoint#requireFinite} reads each float32 value as a float and each float64 value as a double: the refusal
 * names the first non-finite value of either width as the double it stands for, with its index and the entry's size,
 * entries in the file's order and records under {@code meta/} skipped. {@link Checkpoint#loadModel} builds the model
 * with {@link Init#NO_DRAWS} (zeros, no draws), every weight then replaced by the file's: the model loaded holds the
 * saved weights bit for bit.
 */
class CheckpointReadsAuditTest {
    @TempDir
    Path dir;

    private static final Path FILE = Path.of("ck.npz");

    private static String refusal(Map<String, NdArray> a) {
        return assertThrows(IllegalArgumentException.class, () -> Checkpoint.requireFinite(FILE, a)).getMessage();
    }

    @Test
    void float32AndFloat64ValuesAreRefusedAtTheFirstNonFiniteOne() {
        Map<String, NdArray> a = new LinkedHashMap<>();
        a.put("meta/curve", NdArray.of(new double[] {Double.NaN}, 1)); // a record, not a weight
        a.put("w", NdArray.of(new float[] {1f, -0f, Float.MAX_VALUE, Float.MIN_VALUE}, 2, 2));
        a.put("optim/step", NdArray.of(new long[] {Long.MAX_VALUE}, 1));
        Checkpoint.requireFinite(FILE, a); // all finite

        a.put("optim/exp_avg/w", NdArray.of(new float[] {0f, Float.NEGATIVE_INFINITY, Float.NaN}, 3));
        a.put("v", NdArray.of(new double[] {Double.NaN}, 1));
        assertEquals("ck.npz: optim/exp_avg/w holds -Infinity (element 1 of 3); --allow-nonfinite loads it anyway", refusal(a));

        a.put("optim/exp_avg/w", NdArray.of(new float[] {0f, 0f, Float.NaN}, 3));
        assertEquals("ck.npz: optim/exp_avg/w holds NaN (element 2 of 3); --allow-nonfinite loads it anyway", refusal(a));

        a.remove("optim/exp_avg/w");
        a.put("v", NdArray.of(new double[] {Double.MAX_VALUE, 1, Double.POSITIVE_INFINITY, 2, 3, 4}, 2, 3));
        assertEquals("ck.npz: v holds Infinity (element 2 of 6); --allow-nonfinite loads it anyway", refusal(a));
    }

    @Test
    void noDrawsGivesZerosToTheInitialisersAndRefusesAnyOtherDraw() {
        try (CpuBackend be = new CpuBackend(1)) {
            for (double v : Init.xavierUniform(be, DType.F32, Init.NO_DRAWS, 3, 4, 4, 3).toDoubles()) {
                assertEquals(0L, Double.doubleToRawLongBits(v));
            }
            assertEquals(0.0, Init.normal(be, DType.F64, Init.NO_DRAWS, 5).toDoubles()[4]);
        }
        assertThrows(IllegalStateException.class, Init.NO_DRAWS::nextDouble);
        assertThrows(IllegalStateException.class, Init.NO_DRAWS::nextGaussian);
        assertThrows(IllegalStateException.class, () -> Init.NO_DRAWS.nextInt(3));
    }

    /** Saves a model with random weights (and Adam's moments after one step, when {@code moments}) and loads it. */
    private void loadsAsSaved(ModelConfig cfg, boolean moments) throws IOException {
        Path f = dir.resolve(cfg.task().cliName() + "-" + cfg.decoder() + ".npz");
        try (CpuBackend be = new CpuBackend(1)) {
            Net saved = Net.create(be, cfg, new MersenneTwister(7));
            Adam adam = new Adam(saved.namedParameters(), 1e-3);
            if (moments) {
                List<Parameter> ps = new ArrayList<>(saved.namedParameters().values());
                Tensor[] m = new Tensor[ps.size()];
                for (int i = 0; i < m.length; i++) {
                    m[i] = ps.get(i).value();
                }
                adam.restore(1, m, m);
            }
            Checkpoint.save(f, saved, adam, new Checkpoint.Position(0, moments ? 1 : 0, moments ? 1 : 0),
                    ModelConfigJson.toJson(cfg));
            Net loaded = Checkpoint.loadModel(be, f, Net::create, false);
            Map<String, NdArray> want = Weights.toArrays(saved);
            Map<String, NdArray> got = Weights.toArrays(loaded);
            assertEquals(want.keySet(), got.keySet());
            for (String k : want.keySet()) {
                assertEquals(want.get(k), got.get(k), k);
            }
            assertTrue(want.size() > 10);
        }
    }

    @Test
    void aModelLoadedFromACheckpointHoldsTheSavedWeights() throws IOException {
        loadsAsSaved(ModelConfig.paper(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.DSPN), true);
        loadsAsSaved(ModelConfig.paper(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.RNN).withSizes(16, 16), true);
        loadsAsSaved(ModelConfig.paper(ModelConfig.Task.CLEVR_STATE, ModelConfig.DecoderKind.DSPN).withSizes(8, 8), false);
    }
}
