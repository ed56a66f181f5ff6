package org.dspn4j.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.ReferenceBackend;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The engine's transfers, COPY and FILL against their plain-Java references in {@link EngineKernel},
 * MATMUL against its definition ({@link ReferenceBackend#matmul}, the {@code Math.fma} chain), and
 * the range checks before launch. All comparisons are bit-exact ({@link Float#floatToIntBits}: -0
 * differs from +0).
 */
class EngineKernelTest {

    private ClEngine engine;
    private final List<Integer> blocks = new ArrayList<>();
    private final Random rnd = new Random(7L);

    @BeforeEach
    void open() {
        engine = SharedEngine.get();
    }

    @AfterEach
    void freeBlocks() {
        for (int b : blocks) {
            engine.arena().free(b);
        }
        blocks.clear();
    }

    // ---------------------------------------------------------------------------------------------
    // Transfers and copies

    @Test
    void uploadThenDownloadIsExactForSmallAndChunkedSizes() {
        // 1 and 1024: small staging; 1025, 3 chunks + a tail: bulk staging.
        for (int n : new int[] {1, 17, 1024, 1025, 3 * SharedEngine.STAGING_FLOATS + 5}) {
            float[] x = randoms(n);
            x[0] = -0f;
            int off = alloc(n);
            engine.upload(off, x);
            assertBits(x, engine.download(off, n), "round trip of " + n);
        }
    }

    @Test
    void uploadAndDownloadHonourHostOffsets() {
        float[] x = randoms(100);
        int off = alloc(60);
        engine.upload(off, x, 20, 60);
        float[] back = new float[80];
        engine.download(off, back, 10, 60);
        float[] expected = new float[80];
        EngineKernel.copyReference(x, 20, expected, 10, 60);
        assertBits(expected, back, "offsets");
    }

    @Test
    void copyMatchesReference() {
        int n = 5000;
        float[] x = randoms(n);
        int a = alloc(n);
        int b = alloc(n);
        engine.upload(a, x);
        engine.copy(a, b, n);
        float[] expected = new float[n];
        EngineKernel.copyReference(x, 0, expected, 0, n);
        assertBits(expected, engine.download(b, n), "copy");
    }

    @Test
    void fillMatchesReference() {
        int n = 3001;
        int a = alloc(n + 2);
        engine.fill(a, n + 2, 9f);
        engine.fill(a + 1, n, -2.5f);
        float[] expected = new float[n + 2];
        EngineKernel.fillReference(expected, 0, n + 2, 9f);
        EngineKernel.fillReference(expected, 1, n, -2.5f);
        assertBits(expected, engine.download(a, n + 2), "fill");
    }

    // ---------------------------------------------------------------------------------------------
    // In place

    @Test
    void inPlaceBinaryIsAllowedButPartialOverlapIsRejected() {
        int n = 1000;
        float[] x = randoms(n);
        int a = alloc(n + 1);
        engine.upload(a, x);
        EngineOps.add(engine, a, a, a, n);
        float[] expected = new float[n];
        EngineOps.addReference(x, 0, x, 0, expected, 0, n);
        assertBits(expected, engine.download(a, n), "a += a");
        assertThrows(IllegalArgumentException.class, () -> EngineOps.add(engine, a, a, a + 1, n));
    }

    @Test
    void rangesOutsideTheUsableArenaAreRejectedBeforeLaunch() {
        long before = engine.launches();
        assertThrows(IllegalArgumentException.class, () -> engine.fill(0, 1, 1f), "reserved scratch");
        assertThrows(IllegalArgumentException.class, () -> engine.fill(engine.arenaFloats() - 1, 2, 1f));
        assertThrows(IllegalArgumentException.class, () -> engine.copy(ClEngine.RESERVED, -5, 1));
        assertThrows(IllegalArgumentException.class, () -> engine.download(ClEngine.RESERVED, new float[2], 1, 2));
        assertThrows(IllegalArgumentException.class,
                () -> EngineOps.matmul(engine, ClEngine.RESERVED, ClEngine.RESERVED + 100, ClEngine.RESERVED + 50, 10, 10, 10));
        assertEquals(before, engine.launches(), "nothing launched");
    }

    @Test
    void stridedAndIndexOpsRejectBadRangesBeforeLaunch() {
        long before = engine.launches();
        int a = alloc(100);
        int end = engine.arenaFloats();
        int[] shape = {10, 10};
        int[] rowMajor = {10, 1};
        // a strided read past the arena's end, a broadcast (stride-0) output, and outputs that overlap
        // an input's strided extent
        assertThrows(IllegalArgumentException.class,
                () -> engine.binary(org.dspn4j.tensor.Backend.Binary.ADD, end - 50, rowMajor, a, rowMajor, a, shape));
        assertThrows(IllegalArgumentException.class, () -> engine.stridedCopy(a, rowMajor, a + 200, new int[] {0, 1}, shape));
        assertThrows(IllegalArgumentException.class, () -> engine.stridedCopy(a, rowMajor, a + 50, rowMajor, shape));
        assertThrows(IllegalArgumentException.class, () -> engine.unary(org.dspn4j.tensor.Backend.Unary.EXP, a, a + 1, 10));
        assertThrows(IllegalArgumentException.class, () -> engine.sumDims(a, new int[] {10}, new int[] {10},
                new int[] {11}, new int[] {1}, a + 50));
        assertThrows(IllegalArgumentException.class, () -> engine.argsort(a, 1, 100, 1, false, a + 50));
        assertThrows(IllegalArgumentException.class, () -> engine.scatterAdd(a, 1, 10, 10, a, 10, a, end - 10));
        assertThrows(IllegalArgumentException.class,
                () -> engine.matmul(a, new int[] {100}, a, new int[] {0}, new int[] {3}, a + 250, 10, 10, 10));
        assertEquals(before, engine.launches(), "nothing launched");
    }

    // ---------------------------------------------------------------------------------------------
    // MATMUL

    /** MATMUL, plain and batched with a broadcast operand, equals ReferenceBackend.matmul in F32 bit for bit. */
    @Test
    void matmulIsBitExactAgainstTheDefinition() {
        int[][] sizes = {{1, 1, 1}, {1, 5, 1}, {3, 5, 7}, {4, 4, 4}, {5, 3, 9}, {17, 33, 9}, {64, 64, 64},
                {33, 100, 65}, {2, 0, 3}, {130, 7, 2}};
        ReferenceBackend ref = new ReferenceBackend();
        for (int[] s : sizes) {
            int m = s[0];
            int k = s[1];
            int n = s[2];
            for (int batch : new int[] {1, 3}) {
                float[] x = randoms(batch * m * k);
                float[] y = randoms(k * n);
                int a = alloc(Math.max(1, batch * m * k));
                int b = alloc(Math.max(1, k * n));
                int c = alloc(Math.max(1, batch * m * n));
                engine.upload(a, x);
                engine.upload(b, y);
                engine.fill(c, batch * m * n, Float.NaN);
                engine.matmul(a, new int[] {m * k}, b, new int[] {0}, new int[] {batch}, c, m, k, n);
                Tensor expected = ref.matmul(ref.fromHost(doubles(x), DType.F32, batch, m, k),
                        ref.fromHost(doubles(y), DType.F32, k, n));
                assertBits(expected.toFloats(), engine.download(c, batch * m * n),
                        "matmul " + batch + " x " + m + "x" + k + "x" + n + " (B broadcast)");
            }
        }
    }

    private static double[] doubles(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers

    private int alloc(int n) {
        int off = engine.arena().alloc(n);
        blocks.add(off);
        return off;
    }

    private float[] randoms(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    /** Bit-exact comparison that reports the first mismatches. */
    static void assertBits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        StringBuilder b = new StringBuilder();
        int bad = 0;
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                if (bad++ < 5) {
                    b.append(String.format(" [%d] expected %s got %s;", i, expected[i], actual[i]));
                }
            }
        }
        if (bad > 0) {
            fail(what + ": " + bad + " of " + expected.length + " elements differ:" + b);
        }
    }
}
