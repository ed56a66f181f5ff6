package org.dspn4j.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every engine op on the OpenCL device against its plain-Java reference in {@link EngineKernel}.
 * All comparisons are bit-exact ({@link Float#floatToIntBits}: -0 differs from +0), including
 * MATMUL, whose reference is the {@code Math.fma} chain, and SUM, whose reference replays the
 * kernel's two-stage order.
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
    // Elementwise

    @Test
    void addMulReluMatchReferences() {
        for (int n : new int[] {1, 255, 256, 257, 100_000}) {
            float[] x = randoms(n);
            float[] y = randoms(n);
            x[0] = Float.POSITIVE_INFINITY;
            if (n > 1) {
                y[1] = -0f;
                x[1] = -0f;
            }
            int a = alloc(n);
            int b = alloc(n);
            int c = alloc(n);
            engine.upload(a, x);
            engine.upload(b, y);
            float[] expected = new float[n];

            engine.add(a, b, c, n);
            EngineKernel.addReference(x, 0, y, 0, expected, 0, n);
            assertBits(expected, engine.download(c, n), "add n=" + n);

            engine.mul(a, b, c, n);
            EngineKernel.mulReference(x, 0, y, 0, expected, 0, n);
            assertBits(expected, engine.download(c, n), "mul n=" + n);

            engine.relu(a, c, n);
            EngineKernel.reluReference(x, 0, expected, 0, n);
            assertBits(expected, engine.download(c, n), "relu n=" + n);
        }
    }

    @Test
    void reluMapsNanAndNegativeZeroToPositiveZero() {
        float[] x = {Float.NaN, -0f, 0f, -1f, 2f, Float.NEGATIVE_INFINITY, Float.MIN_VALUE};
        int a = alloc(x.length);
        engine.upload(a, x);
        engine.relu(a, a, x.length);  // in place
        float[] expected = new float[x.length];
        EngineKernel.reluReference(x, 0, expected, 0, x.length);
        assertBits(new float[] {0f, 0f, 0f, 0f, 2f, 0f, Float.MIN_VALUE}, expected, "reference");
        assertBits(expected, engine.download(a, x.length), "relu in place");
    }

    @Test
    void inPlaceAddIsAllowedButPartialOverlapIsRejected() {
        int n = 1000;
        float[] x = randoms(n);
        int a = alloc(n + 1);
        engine.upload(a, x);
        engine.add(a, a, a, n);
        float[] expected = new float[n];
        EngineKernel.addReference(x, 0, x, 0, expected, 0, n);
        assertBits(expected, engine.download(a, n), "a += a");
        assertThrows(IllegalArgumentException.class, () -> engine.add(a, a, a + 1, n));
    }

    @Test
    void rangesOutsideTheUsableArenaAreRejectedBeforeLaunch() {
        long before = engine.launches();
        assertThrows(IllegalArgumentException.class, () -> engine.fill(0, 1, 1f), "reserved scratch");
        assertThrows(IllegalArgumentException.class, () -> engine.fill(engine.arenaFloats() - 1, 2, 1f));
        assertThrows(IllegalArgumentException.class, () -> engine.add(ClEngine.RESERVED, ClEngine.RESERVED, -5, 1));
        assertThrows(IllegalArgumentException.class, () -> engine.download(ClEngine.RESERVED, new float[2], 1, 2));
        assertThrows(IllegalArgumentException.class,
                () -> engine.matmul(ClEngine.RESERVED, ClEngine.RESERVED + 100, ClEngine.RESERVED + 50, 10, 10, 10));
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
    // SUM

    @Test
    void sumMatchesItsOrderReplayingReferenceAndIsCloseToTheExactSum() {
        int local = engine.localSize();
        for (int n : new int[] {0, 1, 7, local, local + 1, 100_000, 1_000_003}) {
            float[] x = randoms(n);
            int a = alloc(n);
            int out = alloc(1);
            engine.upload(a, x);
            engine.sum(a, n, out);
            float got = engine.download(out, 1)[0];
            float expected = EngineKernel.sumReference(x, 0, n, local, ClEngine.MAX_SUM_GROUPS);
            assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(got),
                    "sum of " + n + ": device " + got + ", reference " + expected);
            double exact = 0;
            double abs = 0;
            for (float v : x) {
                exact += v;
                abs += Math.abs(v);
            }
            // Error bound of pairwise-ish float summation: generous 1e-6 relative to sum |x|.
            assertTrue(Math.abs(got - exact) <= 1e-6 * abs + 1e-30, "sum of " + n + ": " + got + " vs " + exact);
        }
    }

    @Test
    void sumIsBitIdenticalRunToRun() {
        int n = 777_777;
        float[] x = randoms(n);
        int a = alloc(n);
        int out = alloc(1);
        engine.upload(a, x);
        engine.sum(a, n, out);
        int first = Float.floatToIntBits(engine.download(out, 1)[0]);
        for (int run = 0; run < 10; run++) {
            engine.fill(out, 1, Float.NaN);
            engine.sum(a, n, out);
            assertEquals(first, Float.floatToIntBits(engine.download(out, 1)[0]), "run " + run);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // MATMUL

    @Test
    void matmulIsBitExactAgainstTheFmaChainReference() {
        int[][] sizes = {{1, 1, 1}, {1, 5, 1}, {3, 5, 7}, {4, 4, 4}, {5, 3, 9}, {17, 33, 9}, {64, 64, 64},
                {33, 100, 65}, {2, 0, 3}, {130, 7, 2}};
        for (int[] s : sizes) {
            for (int t = 0; t < 4; t++) {
                checkMatmul(s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0);
            }
        }
    }

    private void checkMatmul(int m, int k, int n, boolean transA, boolean transB) {
        float[] x = randoms(m * k);
        float[] y = randoms(k * n);
        int a = alloc(m * k);
        int b = alloc(k * n);
        int c = alloc(m * n);
        engine.upload(a, x);
        engine.upload(b, y);
        engine.fill(c, m * n, Float.NaN);
        engine.matmul(a, transA, b, transB, c, m, k, n);
        float[] expected = new float[m * n];
        EngineKernel.matmulReference(x, 0, transA ? 1 : k, transA ? m : 1, y, 0, transB ? 1 : n, transB ? k : 1,
                expected, 0, m, k, n);
        assertBits(expected, engine.download(c, m * n),
                "matmul " + m + "x" + k + "x" + n + " transA=" + transA + " transB=" + transB);
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
