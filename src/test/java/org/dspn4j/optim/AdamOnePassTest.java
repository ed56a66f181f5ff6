package org.dspn4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import org.dspn4j.nn.Parameter;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.ReferenceBackend;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The CPU backend's one-pass Adam update ({@code CpuBackend.adamUpdate}) against the definition,
 * Adam's composition of elementwise ops, run on the op set's definition ({@link ReferenceBackend},
 * which has no one-pass update): parameters and both moments bit for bit over several steps, with
 * gradients of every magnitude (F32 subnormals, squares that overflow F32), zeros of both signs and
 * parameters that get none.
 */
class AdamOnePassTest {
    /** 131,075 elements: an update split between the CPU backend's threads. */
    private static final int[][] SHAPES = {{1000}, {131_075}, {7, 3}, {}, {5}};

    private static double[] values(Random r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            switch (i % 9) {
                case 0: v[i] = 0.0; break;
                case 1: v[i] = -0.0; break;
                case 2: v[i] = r.nextGaussian() * 1e-30; break;
                case 3: v[i] = r.nextGaussian() * 1e6; break;
                case 4: v[i] = r.nextGaussian() * 1e-41; break; // subnormal in F32
                case 5: v[i] = r.nextGaussian() * 1e20; break; // its square overflows F32 (mostly)
                default: v[i] = r.nextGaussian();
            }
        }
        return v;
    }

    /** Parameters, moments after {@code steps} updates with seeded gradients; the last parameter never gets one. */
    private static double[][] run(Backend be, DType dt, int steps) {
        Random r = new Random(11);
        Map<String, Parameter> params = new LinkedHashMap<>();
        for (int k = 0; k < SHAPES.length; k++) {
            params.put("p" + k, new Parameter(be.fromHost(values(r, numel(SHAPES[k])), dt, SHAPES[k])));
        }
        Adam adam = new Adam(params, 0.03);
        for (int t = 0; t < steps; t++) {
            Tensor[] grads = new Tensor[SHAPES.length];
            for (int k = 0; k < SHAPES.length - 1; k++) {
                grads[k] = be.fromHost(values(r, numel(SHAPES[k])), dt, SHAPES[k]);
            }
            adam.step(grads);
        }
        double[][] out = new double[3 * SHAPES.length][];
        int k = 0;
        for (Parameter p : params.values()) {
            out[k] = p.value().toDoubles();
            out[SHAPES.length + k] = adam.firstMoment(k) == null ? new double[0] : adam.firstMoment(k).toDoubles();
            out[2 * SHAPES.length + k] = adam.secondMoment(k) == null ? new double[0] : adam.secondMoment(k).toDoubles();
            k++;
        }
        return out;
    }

    private static int numel(int[] shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return n;
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void theOnePassUpdateGivesTheCompositionsBits(DType dt) {
        double[][] reference = run(new ReferenceBackend(), dt, 4);
        try (CpuBackend cpu = new CpuBackend(2)) {
            Tensor z = cpu.full(0.5, dt, 3);
            assertNotNull(cpu.adamUpdate(z, z, z, z, 0.9, 0.999, new double[] {1, 1e-8, 0.01, 0}),
                    "the CPU backend takes the one-pass path");
            assertNull(new ReferenceBackend().adamUpdate(z, z, z, z, 0.9, 0.999, new double[] {1, 1e-8, 0.01, 0}));
            double[][] fused = run(cpu, dt, 4);
            String[] what = {"parameter", "first moment", "second moment"};
            for (int i = 0; i < reference.length; i++) {
                assertArrayEquals(reference[i], fused[i], what[i / SHAPES.length] + " " + (i % SHAPES.length));
            }
        }
    }
}
