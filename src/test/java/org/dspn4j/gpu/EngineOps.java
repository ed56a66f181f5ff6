package org.dspn4j.gpu;

import org.dspn4j.tensor.Backend.Binary;
import org.dspn4j.tensor.Backend.Unary;

/**
 * Shorthands for tests and measurement tools that drive the engine on raw arena ranges: contiguous
 * one-dimensional forms of the engine's tensor ops (BINARY, MAP, SUM_DIMS, MATMUL), and their
 * plain-Java float results.
 */
final class EngineOps {
    private EngineOps() {
    }

    /** {@code out[i] = a[i] + b[i]}, i &lt; n (BINARY ADD: the float sum). */
    static void add(ClEngine e, int a, int b, int out, int n) {
        e.binary(Binary.ADD, a, new int[] {1}, b, new int[] {1}, out, new int[] {n});
    }

    /** {@code out[i] = a[i] * b[i]}, i &lt; n (BINARY MUL: the float product). */
    static void mul(ClEngine e, int a, int b, int out, int n) {
        e.binary(Binary.MUL, a, new int[] {1}, b, new int[] {1}, out, new int[] {n});
    }

    /** {@code out[i] = a[i] > 0 ? a[i] : 0}, i &lt; n (MAP RELU: NaN and −0 give +0). */
    static void relu(ClEngine e, int a, int out, int n) {
        e.unary(Unary.RELU, a, out, n);
    }

    /** {@code arena[out]} = the sum of {@code [a, a + n)} (SUM_DIMS over one dimension: in double, rounded once). */
    static void sum(ClEngine e, int a, int n, int out) {
        e.sumDims(a, new int[0], new int[0], new int[] {n}, new int[] {1}, out);
    }

    /** {@code out (m, n) = a (m, k) · b (k, n)}, all contiguous (MATMUL with no batch). */
    static void matmul(ClEngine e, int a, int b, int out, int m, int k, int n) {
        e.matmul(a, new int[0], b, new int[0], new int[0], out, m, k, n);
    }

    /** {@code z[zo + i] = x[xo + i] + y[yo + i]} in float. */
    static void addReference(float[] x, int xo, float[] y, int yo, float[] z, int zo, int n) {
        for (int i = 0; i < n; i++) {
            z[zo + i] = x[xo + i] + y[yo + i];
        }
    }

    /** {@code z[zo + i] = x[xo + i] * y[yo + i]} in float. */
    static void mulReference(float[] x, int xo, float[] y, int yo, float[] z, int zo, int n) {
        for (int i = 0; i < n; i++) {
            z[zo + i] = x[xo + i] * y[yo + i];
        }
    }

    /** {@code y[yo + i] = x[xo + i] > 0 ? x[xo + i] : 0} in float. */
    static void reluReference(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) {
            float v = x[xo + i];
            y[yo + i] = v > 0f ? v : 0f;
        }
    }
}
