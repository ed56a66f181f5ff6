package org.dspn4j.tensor;

import org.dspn4j.tensor.cpu.CpuBackend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.dspn4j.autodiff.Ops;
import org.junit.jupiter.api.Test;

class TaskGraphTest {
    @Test
    void replayEqualsEagerRunsAndRejectsOtherShapes() {
        try (CpuBackend be = new CpuBackend(1)) {
            TaskGraph g = TaskGraph.eager(x -> new Tensor[] {Ops.relu(Ops.matmul(x[0], x[1]))}, new int[] {2, 3}, new int[] {3, 2});
            for (int round = 0; round < 3; round++) {
                double[] a = new double[6];
                double[] b = new double[6];
                for (int i = 0; i < 6; i++) {
                    a[i] = Math.sin(i + round);
                    b[i] = Math.cos(2 * i - round);
                }
                Tensor ta = be.fromHost(a, DType.F64, 2, 3);
                Tensor tb = be.fromHost(b, DType.F64, 3, 2);
                assertArrayEquals(Ops.relu(Ops.matmul(ta, tb)).toDoubles(), g.replay(ta, tb)[0].toDoubles(), 0.0);
            }
            assertThrows(IllegalArgumentException.class,
                    () -> g.replay(be.full(0, DType.F64, 3, 3), be.full(0, DType.F64, 3, 2)));
        }
    }
}
