package org.dspn4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dspn4j.autodiff.Autograd;
import org.dspn4j.autodiff.Ops;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** MaxPool2d 3×3/2, padding 1 (the ResNet stem): hand-worked values, padding never wins, gradient routing. */
class MaxPool2dTest {
    private static final CpuBackend BE = new CpuBackend(1);

    @AfterAll
    static void close() {
        BE.close();
    }

    @Test
    void stemPoolOnAFourByFourPlane() {
        // all values negative: zero padding would win if padding were zeros
        double[] x = {
            -1, -2, -3, -4,
            -5, -6, -7, -8,
            -9, -10, -11, -12,
            -13, -14, -15, -0.5};
        Tensor t = BE.fromHost(x, DType.F64, 1, 1, 4, 4).requiresGrad(true);
        Tensor y = new MaxPool2d(3, 2, 1).forward(t);
        // windows: rows/cols {-1,0,1} and {1,2,3}
        assertArrayEquals(new double[] {-1, -2, -5, -0.5}, y.toDoubles());
        double[] g = Autograd.grad(Ops.sum(y), new Tensor[] {t}, false)[0].toDoubles();
        double[] expected = new double[16];
        expected[0] = 1;
        expected[1] = 1;
        expected[4] = 1;
        expected[15] = 1;
        assertArrayEquals(expected, g);
    }

    @Test
    void halvesOddAndEvenSidesRoundingUp() {
        MaxPool2d p = new MaxPool2d(3, 2, 1);
        assertArrayEquals(new int[] {2, 3, 32, 32}, p.forward(BE.full(0.0, DType.F32, 2, 3, 64, 64)).shape());
        assertArrayEquals(new int[] {1, 1, 17, 9}, p.forward(BE.full(0.0, DType.F32, 1, 1, 33, 17)).shape());
    }

    @Test
    void rejectsPaddingOverHalfTheKernel() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(3, 2, 2));
        assertTrue(e.getMessage().contains("pad=2"));
    }
}
