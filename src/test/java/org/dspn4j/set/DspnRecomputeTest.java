package org.dspn4j.set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.autodiff.Autograd;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * DSPN training with each inner step recomputed in the outer backward (the default) against keeping
 * every step's graph (the authors' way): the same inner sets, masks and losses bit for bit, and the
 * same gradient of every parameter to rounding — for the MNIST auto-encoder (FSEncoder) and the
 * CLEVR-state model (relation-network encoder, Hungarian loss), in float64; and the recomputation
 * with the encoder's costlier products kept for it against computing them again: the same bits.
 */
class DspnRecomputeTest {
    private static final Backend BE = new CpuBackend(2);

    private record Step(Net.Output out, Net.Loss loss, Tensor[] grads) {
    }

    private static Step step(ModelConfig.Task task, boolean recompute, Tensor[] batch) {
        return step(task, recompute, 16, null, batch);
    }

    /** keepProducts: null leaves the model's choice. */
    private static Step step(ModelConfig.Task task, boolean recompute, int hidden, Boolean keepProducts, Tensor[] batch) {
        ModelConfig cfg = ModelConfig.paper(task, ModelConfig.DecoderKind.DSPN).withDtype(DType.F64)
                .withSizes(8, hidden).withSetSize(setSize(task)).withInner(4, task == ModelConfig.Task.MNIST ? 40.0 : 800.0);
        Net net = Net.create(BE, cfg, new MersenneTwister(7));
        ((Dspn) net.decoder()).setRecomputeSteps(recompute);
        if (keepProducts != null) {
            ((Dspn) net.decoder()).setKeepProducts(keepProducts);
        }
        net.train(true);
        Net.Output out = net.forward(batch[0], batch[1], batch[2]);
        Net.Loss loss = net.loss(out, batch[1], batch[2]);
        List<Tensor> params = net.parameterValues();
        return new Step(out, loss, Autograd.grad(loss.total(), params.toArray(new Tensor[0]), false, false));
    }

    private static int setSize(ModelConfig.Task task) {
        return task == ModelConfig.Task.MNIST ? 12 : task.setSize;
    }

    private static Tensor[] batch(ModelConfig.Task task) {
        Random r = new Random(3);
        int b = 3;
        int c = task.setChannels;
        int n = setSize(task);
        double[] s = new double[b * c * n];
        double[] m = new double[b * n];
        for (int i = 0; i < b; i++) {
            int size = 2 + r.nextInt(n - 2);
            for (int j = 0; j < size; j++) {
                for (int k = 0; k < c; k++) {
                    s[(i * c + k) * n + j] = r.nextDouble();
                }
                m[i * n + j] = 1;
            }
        }
        Tensor images = null;
        if (task != ModelConfig.Task.MNIST) {
            double[] px = new double[b * 3 * 72 * 72];
            for (int i = 0; i < px.length; i++) {
                px[i] = r.nextGaussian();
            }
            images = BE.fromHost(px, DType.F64, b, 3, 72, 72);
        }
        return new Tensor[] {images, BE.fromHost(s, DType.F64, b, c, n), BE.fromHost(m, DType.F64, b, n)};
    }

    /**
     * Keeping the encoder's costlier products for the recomputation (hidden layers of 64 channels, so
     * that their K reaches Recompute's threshold) changes no bit: the same sets, losses and gradients.
     */
    @ParameterizedTest
    @EnumSource(value = ModelConfig.Task.class, names = {"MNIST", "CLEVR_STATE"})
    void keptProductsGiveTheSameBits(ModelConfig.Task task) {
        Tensor[] x = batch(task);
        Step computed = step(task, true, 64, false, x);
        Step kept = step(task, true, 64, true, x);
        DecoderOutput a = computed.out().decoded();
        DecoderOutput b = kept.out().decoded();
        for (int t = 0; t < a.sets().size(); t++) {
            assertArrayEquals(a.sets().get(t).toDoubles(), b.sets().get(t).toDoubles(), 0.0, "set at step " + t);
        }
        assertEquals(computed.loss().total().item(), kept.loss().total().item(), 0.0);
        double largest = 0;
        for (int p = 0; p < computed.grads().length; p++) {
            double[] g = computed.grads()[p].toDoubles();
            assertArrayEquals(g, kept.grads()[p].toDoubles(), 0.0, "parameter " + p);
            for (double v : g) {
                largest = Math.max(largest, Math.abs(v));
            }
        }
        assertTrue(largest > 1e-3, "the gradients are not all zero");
    }

    @ParameterizedTest
    @EnumSource(value = ModelConfig.Task.class, names = {"MNIST", "CLEVR_STATE"})
    void recomputedStepsGiveTheKeptGraphsValuesAndGradients(ModelConfig.Task task) {
        Tensor[] x = batch(task);
        Step kept = step(task, false, x);
        Step recomputed = step(task, true, x);
        DecoderOutput a = kept.out().decoded();
        DecoderOutput b = recomputed.out().decoded();
        assertEquals(a.sets().size(), b.sets().size());
        for (int t = 0; t < a.sets().size(); t++) {
            assertArrayEquals(a.sets().get(t).toDoubles(), b.sets().get(t).toDoubles(), 0.0, "set at step " + t);
            assertArrayEquals(a.masks().get(t).toDoubles(), b.masks().get(t).toDoubles(), 0.0, "mask at step " + t);
        }
        for (int t = 0; t < a.innerLosses().size(); t++) {
            assertEquals(a.innerLosses().get(t).item(), b.innerLosses().get(t).item(), 0.0, "inner loss " + t);
            assertEquals(a.gradNorms().get(t).item(), b.gradNorms().get(t).item(), 0.0, "gradient norm " + t);
        }
        assertEquals(kept.loss().total().item(), recomputed.loss().total().item(), 0.0);
        double largest = 0;
        for (int p = 0; p < kept.grads().length; p++) {
            double[] g = kept.grads()[p].toDoubles();
            double[] h = recomputed.grads()[p].toDoubles();
            double scale = 0;
            for (double v : g) {
                scale = Math.max(scale, Math.abs(v));
            }
            largest = Math.max(largest, scale);
            // a gradient that is zero in exact arithmetic (the auto-encoder's last encoder bias) holds
            // rounding noise of ~1e-19 either way: the floor of 1e-6 keeps the tolerance above it
            scale = Math.max(scale, 1e-6);
            for (int k = 0; k < g.length; k++) {
                assertEquals(g[k], h[k], 1e-12 * scale, "parameter " + p + ", element " + k);
            }
        }
        assertTrue(largest > 1e-3, "the gradients are not all zero");
    }
}
