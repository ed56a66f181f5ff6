package org.dspn4j.autodiff;

import java.util.Random;
import java.util.function.BinaryOperator;

import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.testing.OpCases;
import org.junit.jupiter.api.Test;

/**
 * {@link Ops#sortPool} — FSPool's pooling recorded as one node — against the composition it stands for,
 * {@code sum(mul(sort(x, 2, true), w), {2})}: the values and the first, second and third derivatives
 * with respect to x, w and the incoming gradient, bit for bit, with shared and per-sample weights and
 * tied values in x.
 */
class SortPoolGradTest {
    private static double[] values(Random r, int n, boolean ties) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = ties && r.nextInt(3) == 0 ? r.nextInt(3) - 1.0 : r.nextGaussian();
        }
        return v;
    }

    /** The derivatives up to the third of one pooling, as the list of tensors compared. */
    private static Tensor[] derivatives(CpuBackend be, DType dt, int[] s, int[] ws, long seed, BinaryOperator<Tensor> pool) {
        Random r = new Random(seed);
        int bc = s[0] * s[1];
        int n = bc * s[2];
        Tensor x = be.fromHost(values(r, n, true), dt, s).requiresGrad(true);
        Tensor w = be.fromHost(values(r, ws.length == 2 ? s[1] * s[2] : n, false), dt, ws).requiresGrad(true);
        Tensor up = be.fromHost(values(r, bc, false), dt, s[0], s[1]).requiresGrad(true);
        Tensor u = be.fromHost(values(r, n, false), dt, s);
        Tensor v = be.fromHost(values(r, ws.length == 2 ? s[1] * s[2] : n, false), dt, ws);
        Tensor q = be.fromHost(values(r, bc, false), dt, s[0], s[1]);
        Tensor y = pool.apply(x, w);
        Tensor loss = Ops.sum(Ops.mul(y, up));
        Tensor[] first = Autograd.grad(loss, new Tensor[] {x, w}, true);
        // second order: a loss of the first derivatives, differentiated with respect to everything
        Tensor loss2 = Ops.add(Ops.sum(Ops.mul(first[0], u)), Ops.sum(Ops.mul(first[1], v)));
        Tensor[] second = Autograd.grad(loss2, new Tensor[] {x, w, up}, true);
        // third order: through the second derivative with respect to the incoming gradient
        Tensor loss3 = Ops.sum(Ops.mul(second[2], q));
        Tensor[] third = Autograd.grad(loss3, new Tensor[] {x, w, up}, false);
        return new Tensor[] {y, first[0], first[1], second[0], second[1], second[2], third[0], third[1], third[2]};
    }

    @Test
    void valuesAndDerivativesAreTheCompositions() {
        String[] names = {"value", "dx", "dw", "d2x", "d2w", "d2up", "d3x", "d3w", "d3up"};
        for (int threads : new int[] {1, 2}) {
            try (CpuBackend be = new CpuBackend(threads)) {
                for (DType dt : new DType[] {DType.F32, DType.F64}) {
                    for (int[] s : new int[][] {{3, 4, 9}, {4, 64, 342}}) {
                        for (int[] ws : new int[][] {{s[1], s[2]}, s}) {
                            Tensor[] want = derivatives(be, dt, s, ws, 7, (x, w) -> Ops.sum(Ops.mul(Ops.sort(x, 2, true), w), new int[] {2}, false));
                            Tensor[] got = derivatives(be, dt, s, ws, 7, (x, w) -> Ops.sortPool(x, w, true));
                            for (int i = 0; i < want.length; i++) {
                                OpCases.assertSameBits(names[i] + " " + dt + " " + java.util.Arrays.toString(s) + " w "
                                        + java.util.Arrays.toString(ws) + ", " + threads + " threads", want[i], got[i]);
                            }
                        }
                    }
                }
            }
        }
    }
}
