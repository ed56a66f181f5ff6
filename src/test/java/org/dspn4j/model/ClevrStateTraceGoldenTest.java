package org.dspn4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.experiment.Trace;
import org.dspn4j.io.NdArray;
import org.dspn4j.nn.Parameter;
import org.dspn4j.nn.SeededWeights;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.testing.Golden;
import org.dspn4j.testing.GoldenBackends;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The full CLEVR-state DSPN at the authors' sizes (ResNet34 + head, relation-network FSPool encoder
 * H = D = 512, N = 10, T = 10, η = 800, λ = 0.1, Hungarian on the final set), batch 2, 128×128, one
 * training step in F64, against golden/clevr_state_trace.npz written by an independent PyTorch model
 * (golden/generate_clevr_trace.py). Weights and images come from the seeded generator both sides
 * implement; every inner set and mask, the losses and z in full, gradients in full or as digests
 * (sum, L2 norm, 64 fixed entries), all at ≤ 1e-9 relative. On the CPU backend and on the op set's
 * definition ({@link GoldenBackends}; there about half a minute of one core).
 */
class ClevrStateTraceGoldenTest {
    private static final double TOL = 1e-9;

    private static double[] setRange(String name, int[] shape) {
        if (name.endsWith("starting_set")) {
            return new double[] {0.0, 1.0};
        }
        if (name.endsWith("starting_mask")) {
            return new double[] {0.2, 0.8};
        }
        if (name.endsWith("pool.weight")) {
            return new double[] {-1.5, 1.5};
        }
        if (name.endsWith("bias")) {
            return new double[] {-0.1, 0.1};
        }
        int field = 1;
        for (int i = 2; i < shape.length; i++) {
            field *= shape[i];
        }
        double a = Math.sqrt(6.0 / (shape[1] * field + shape[0] * field));
        return new double[] {-a, a};
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("org.dspn4j.testing.GoldenBackends#names")
    void oneTrainingStepMatchesPyTorch(String backend) {
        Golden g = Golden.load("clevr_state_trace.npz");
        Backend be = GoldenBackends.get(backend);
        ModelConfig cfg = ModelConfig.paper(ModelConfig.Task.CLEVR_STATE, ModelConfig.DecoderKind.DSPN)
                .withDtype(DType.F64);
        ConvEncoder images = new ConvEncoder(be, DType.F64, new MersenneTwister(1), 512);
        SeededWeights.apply(images);
        Net net = new Net(be, cfg, new MersenneTwister(1), images);
        long k = 0;
        for (Map.Entry<String, Parameter> e : net.namedParameters().entrySet()) {
            if (e.getKey().startsWith("input_encoder.")) {
                continue;
            }
            Tensor old = e.getValue().value();
            double[] r = setRange(e.getKey(), old.shape());
            e.getValue().set(be.fromHost(SeededWeights.uniform(2000 + k++, old.numel(), r[0], r[1]), DType.F64,
                    old.shape()));
        }
        Tensor x = be.fromHost(SeededWeights.uniform(SeededWeights.IMAGE_STREAM, 2 * 3 * 128 * 128, 0.0, 1.0),
                DType.F64, 2, 3, 128, 128);
        NdArray ts = g.get("input/target_set");
        NdArray tm = g.get("input/target_mask");
        Map<String, NdArray> t = Trace.run(net, x, be.fromHost(ts.toDoubles(), DType.F64, ts.shape()),
                be.fromHost(tm.toDoubles(), DType.F64, tm.shape()));

        for (String key : new String[] {"sets", "masks", "inner_losses", "z", "target_repr", "set_loss"}) {
            assertArrayEquals(g.get("out/" + key).shape(), t.get(key).shape(), key);
            Golden.assertClose(key, t.get(key).toDoubles(), g.get("out/" + key).toDoubles(), TOL, 0.0);
        }
        Golden.assertClose("outer_loss", t.get("outer_loss").toDoubles(), g.get("out/loss").toDoubles(), TOL, 0.0);
        int full = 0;
        int digests = 0;
        for (String name : net.namedParameters().keySet()) {
            double[] ours = t.get("grad/" + name).toDoubles();
            // mathematically zero: the unused lin layer and the conv bias before a train-mode batch norm
            double abs = name.equals("input_encoder.end.0.bias") || name.startsWith("set_encoder.lin.") ? 1e-12 : 0.0;
            double tol = abs > 0 ? 0.0 : TOL;
            if (g.has("grad/" + name)) {
                Golden.assertClose("grad/" + name, ours, g.get("grad/" + name).toDoubles(), tol, abs);
                full++;
            } else {
                long[] idx = g.get("grad/" + name + "/idx").longs();
                double[] at = new double[idx.length];
                double sum = 0;
                double sq = 0;
                for (int i = 0; i < idx.length; i++) {
                    at[i] = ours[(int) idx[i]];
                }
                for (double v : ours) {
                    sum += v;
                    sq += v * v;
                }
                Golden.assertClose("grad/" + name + " entries", at, g.get("grad/" + name + "/val").toDoubles(), tol, abs);
                double l2 = g.get("grad/" + name + "/l2").doubles()[0];
                // a sum of many terms of both signs: compare it on the scale of the L2 norm
                assertEquals(g.get("grad/" + name + "/sum").doubles()[0], sum, TOL * l2 + abs, "grad/" + name + " sum");
                assertEquals(l2, Math.sqrt(sq), TOL * l2 + abs, "grad/" + name + " l2");
                digests++;
            }
        }
        assertEquals(net.namedParameters().size(), full + digests);
    }
}
