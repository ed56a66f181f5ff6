package org.dspn4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import org.dspn4j.gpu.ClBackend;
import org.dspn4j.gpu.SharedEngine;
import org.dspn4j.tensor.Backend.Binary;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every backend gives the same clear error on the same bad input: for each bad input below, the
 * definition ({@link ReferenceBackend}), {@link CpuBackend} on one and on three threads and, where an
 * OpenCL device exists, {@link ClBackend} throw the same exception type with the same one-line message
 * naming the op ({@link OpChecks}). The inputs are F32 and I64 tensors, which every backend holds. An
 * out-of-range index on OpenCL surfaces at the next host read (here the {@code toDoubles()} after the
 * op), on the CPU at the op itself: the exception is the same.
 */
class OpChecksTest {
    private static final ReferenceBackend REF = new ReferenceBackend();
    private static final CpuBackend ONE = new CpuBackend(1);
    private static final CpuBackend THREE = new CpuBackend(3);

    @AfterAll
    static void close() {
        ONE.close();
        THREE.close();
    }

    private static Tensor f(Backend be, int... shape) {
        double[] v = new double[Shape.numel(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = 0.25 * i - 1;
        }
        return be.fromHost(v, DType.F32, shape);
    }

    private static Tensor idx(Backend be, int[] shape, double... values) {
        return be.fromHost(values, DType.I64, shape);
    }

    private static Arguments bad(String what, Function<Backend, Object> op) {
        return Arguments.of(what, op);
    }

    static Stream<Arguments> badInputs() {
        List<Arguments> a = new ArrayList<>();
        // creation and elementwise
        a.add(bad("fromHost: too few values", be -> be.fromHost(new double[5], DType.F32, 2, 3)));
        a.add(bad("hostStep: wrong number of values", be -> be.hostStep(f(be, 2, 3), in -> new double[5], DType.F32, 2, 3)));
        a.add(bad("add: shapes do not broadcast", be -> be.binary(Binary.ADD, f(be, 2, 3), f(be, 4))));
        a.add(bad("mul: dtypes differ", be -> be.binary(Binary.MUL, f(be, 2, 3), idx(be, new int[] {3}, 1, 2, 3))));
        a.add(bad("affine: coefficients too short", be -> be.affine(f(be, 3), f(be, 5), 0)));
        a.add(bad("affine: coefficients not F32", be -> be.affine(f(be, 3), idx(be, new int[] {6}, 1, 2, 3, 4, 5, 6), 0)));
        a.add(bad("affine: negative pair", be -> be.affine(f(be, 3), f(be, 12), -1)));
        // reductions and ordering
        a.add(bad("sum: dimension out of range", be -> be.sum(f(be, 2, 3), new int[] {2}, false)));
        a.add(bad("sum: dimension repeated", be -> be.sum(f(be, 2, 3), new int[] {0, -2}, false)));
        a.add(bad("argmax: dimension out of range", be -> be.argmax(f(be, 2, 3), -3)));
        a.add(bad("argmax: empty dimension", be -> be.argmax(f(be, 2, 0), 1)));
        a.add(bad("argsort: dimension out of range", be -> be.argsort(f(be, 2, 3), 2, false)));
        a.add(bad("chamferArgmin: (C, N) differ", be -> be.chamferArgmin(f(be, 2, 3, 4), f(be, 2, 3, 5))));
        a.add(bad("chamferArgmin: rank 1", be -> be.chamferArgmin(f(be, 4), f(be, 4))));
        a.add(bad("chamferArgmin: target does not broadcast", be -> be.chamferArgmin(f(be, 2, 3, 4), f(be, 3, 3, 4))));
        a.add(bad("chamferArgmin: dtypes differ", be -> be.chamferArgmin(f(be, 1, 2), idx(be, new int[] {1, 2}, 0, 1))));
        // linear algebra
        a.add(bad("matmul: rank 1", be -> be.matmul(f(be, 3), f(be, 3, 2))));
        a.add(bad("matmul: inner dimensions differ", be -> be.matmul(f(be, 2, 3), f(be, 4, 2))));
        a.add(bad("matmul: transposed inner dimensions differ", be -> be.matmul(f(be, 2, 3), true, f(be, 3, 4), false)));
        a.add(bad("matmul: transposed b", be -> be.matmul(f(be, 2, 3), false, f(be, 4, 2), true)));
        a.add(bad("matmul: batches do not broadcast", be -> be.matmul(f(be, 2, 3, 4), f(be, 3, 4, 5))));
        a.add(bad("matmul: dtypes differ", be -> be.matmul(f(be, 1, 1), idx(be, new int[] {1, 1}, 1))));
        // shape
        a.add(bad("reshape: element count", be -> be.reshape(f(be, 2, 3), 4, 2)));
        a.add(bad("reshape: two -1", be -> be.reshape(f(be, 2, 3), -1, -1)));
        a.add(bad("reshape: negative size", be -> be.reshape(f(be, 2, 3), -2, -3)));
        a.add(bad("permute: wrong length", be -> be.permute(f(be, 2, 3), 0)));
        a.add(bad("permute: repeated dimension", be -> be.permute(f(be, 2, 3), 0, -2)));
        a.add(bad("permute: dimension out of range", be -> be.permute(f(be, 2, 3), 0, 2)));
        a.add(bad("expand: sizes differ", be -> be.expand(f(be, 2, 3), 2, 4)));
        a.add(bad("expand: fewer dimensions", be -> be.expand(f(be, 2, 3), 3)));
        a.add(bad("expand: negative size", be -> be.expand(f(be, 1, 3), -1, 3)));
        a.add(bad("concat: no tensors", be -> be.concat(0)));
        a.add(bad("concat: sizes differ off the dimension", be -> be.concat(1, f(be, 2, 3), f(be, 3, 3))));
        a.add(bad("concat: dtypes differ", be -> be.concat(0, f(be, 2), idx(be, new int[] {2}, 1, 2))));
        a.add(bad("concat: ranks differ", be -> be.concat(0, f(be, 2, 3), f(be, 3))));
        a.add(bad("concat: dimension out of range", be -> be.concat(2, f(be, 2, 3), f(be, 2, 3))));
        a.add(bad("slice: end past the size", be -> be.slice(f(be, 2, 3), 1, 1, 5)));
        a.add(bad("slice: start after end", be -> be.slice(f(be, 2, 3), 1, 2, 1)));
        a.add(bad("slice: negative start", be -> be.slice(f(be, 2, 3), 0, -1, 1)));
        a.add(bad("padSlice: part exceeds the size", be -> be.padSlice(f(be, 2, 3), 1, 2, 4)));
        a.add(bad("padSlice: dimension out of range", be -> be.padSlice(f(be, 2, 3), 2, 0, 4)));
        // gather and scatter
        a.add(bad("gather: F32 index", be -> be.gather(f(be, 2, 3), 1, f(be, 2, 1))));
        a.add(bad("gather: index of another rank", be -> be.gather(f(be, 2, 3), 1, idx(be, new int[] {2}, 0, 1))));
        a.add(bad("gather: index larger off the dimension", be -> be.gather(f(be, 2, 3), 1, idx(be, new int[] {3, 1}, 0, 1, 2))));
        a.add(bad("gather: dimension out of range", be -> be.gather(f(be, 2, 3), 2, idx(be, new int[] {2, 1}, 0, 1))));
        a.add(bad("gather: index past the size", be -> be.gather(f(be, 2, 3), 1,
                idx(be, new int[] {2, 2}, 0, 2, 1, 3)).toDoubles()));
        a.add(bad("gather: negative index", be -> be.gather(f(be, 2, 3), 0, idx(be, new int[] {2, 3}, 0, 1, 1, 1, -1, 0)).toDoubles()));
        a.add(bad("gather: first bad index in row-major order", be -> be.gather(f(be, 3, 2), 0,
                idx(be, new int[] {3, 2}, 0, 7, 5, 1, 2, 9)).toDoubles()));
        a.add(bad("scatterAdd: index past the size", be -> be.scatterAdd(f(be, 2, 3), 1, idx(be, new int[] {2, 2}, 0, 1, 3, 0),
                f(be, 2, 2)).toDoubles()));
        a.add(bad("scatterAdd: negative index, smaller index", be -> be.scatterAdd(f(be, 3, 4), 0,
                idx(be, new int[] {2, 2}, 0, 2, -2, 1), f(be, 3, 3)).toDoubles()));
        a.add(bad("scatterAdd: src dtype differs", be -> be.scatterAdd(f(be, 2, 3), 1, idx(be, new int[] {2, 1}, 0, 1),
                idx(be, new int[] {2, 1}, 1, 1))));
        a.add(bad("scatterAdd: src smaller than the index", be -> be.scatterAdd(f(be, 2, 3), 1, idx(be, new int[] {2, 2}, 0, 1, 1, 0),
                f(be, 2, 1))));
        a.add(bad("scatterAdd: index larger than base off the dimension", be -> be.scatterAdd(f(be, 2, 3), 1,
                idx(be, new int[] {3, 1}, 0, 1, 2), f(be, 3, 1))));
        a.add(bad("scatterAdd: I64 base with an F32 index", be -> be.scatterAdd(idx(be, new int[] {2}, 1, 1), 0, f(be, 2),
                idx(be, new int[] {2}, 1, 1))));
        // images
        a.add(bad("conv2d: input of rank 3", be -> be.conv2d(f(be, 1, 3, 4), f(be, 2, 3, 1, 1), null, 1, 0)));
        a.add(bad("conv2d: channels differ", be -> be.conv2d(f(be, 1, 3, 4, 4), f(be, 2, 2, 1, 1), null, 1, 0)));
        a.add(bad("conv2d: kernel larger than the padded input", be -> be.conv2d(f(be, 1, 1, 2, 2), f(be, 1, 1, 5, 5), null, 2, 1)));
        a.add(bad("conv2d: stride 0", be -> be.conv2d(f(be, 1, 1, 4, 4), f(be, 1, 1, 3, 3), null, 0, 0)));
        a.add(bad("conv2d: negative padding", be -> be.conv2d(f(be, 1, 1, 4, 4), f(be, 1, 1, 3, 3), null, 1, -1)));
        a.add(bad("conv2d: bias of another size", be -> be.conv2d(f(be, 1, 1, 4, 4), f(be, 2, 1, 3, 3), f(be, 3), 1, 0)));
        a.add(bad("conv2d: dtypes differ", be -> be.conv2d(f(be, 1, 1, 4, 4), idx(be, new int[] {1, 1, 1, 1}, 1), null, 1, 0)));
        a.add(bad("conv2dBackwardInput: gradient of another shape", be -> be.conv2dBackwardInput(f(be, 1, 2, 3, 3),
                f(be, 2, 1, 3, 3), new int[] {1, 1, 4, 4}, 1, 0)));
        a.add(bad("conv2dBackwardInput: weight does not fit", be -> be.conv2dBackwardInput(f(be, 1, 2, 2, 2),
                f(be, 2, 3, 3, 3), new int[] {1, 1, 4, 4}, 1, 0)));
        a.add(bad("conv2dBackwardWeight: gradient of another shape", be -> be.conv2dBackwardWeight(f(be, 1, 1, 4, 4),
                f(be, 1, 2, 3, 3), new int[] {2, 1, 3, 3}, 1, 0)));
        a.add(bad("conv2dBackwardWeight: stride 0", be -> be.conv2dBackwardWeight(f(be, 1, 1, 4, 4),
                f(be, 1, 2, 2, 2), new int[] {2, 1, 3, 3}, 0, 0)));
        a.add(bad("maxPool2d: input of rank 3", be -> be.maxPool2dIndices(f(be, 1, 4, 4), 2, 2, 0)));
        a.add(bad("maxPool2d: padding over half the kernel", be -> be.maxPool2dIndices(f(be, 1, 1, 4, 4), 2, 2, 2)));
        a.add(bad("maxPool2d: kernel 0", be -> be.maxPool2dIndices(f(be, 1, 1, 4, 4), 0, 1, 0)));
        a.add(bad("maxPool2d: stride 0", be -> be.maxPool2dIndices(f(be, 1, 1, 4, 4), 2, 0, 0)));
        a.add(bad("maxPool2d: kernel larger than the input", be -> be.maxPool2dIndices(f(be, 1, 1, 2, 2), 5, 1, 1)));
        return a.stream();
    }

    /** The exception an op throws on a backend: "Type: message", or a failure when it throws nothing. */
    private static String thrown(Backend be, Function<Backend, Object> op) {
        try {
            op.apply(be);
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        return null;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void everyBackendGivesTheSameError(String what, Function<Backend, Object> op) {
        String expected = thrown(REF, op);
        assertNotNull(expected, what + ": the reference backend accepted it");
        assertTrue(expected.startsWith("IllegalArgumentException: ") || expected.startsWith("IndexOutOfBoundsException: "),
                what + ": " + expected);
        String opName = what.substring(0, what.indexOf(':'));
        assertTrue(expected.contains(opName) || expected.contains("negative dimension"), what + ": does not name the op: " + expected);
        assertTrue(expected.indexOf('\n') < 0, what + ": not one line: " + expected);
        assertEquals(expected, thrown(ONE, op), what + " on the CPU backend, 1 thread");
        assertEquals(expected, thrown(THREE, op), what + " on the CPU backend, 3 threads");
        Assumptions.assumeTrue(SharedEngine.available(), "no OpenCL platform with a device: the OpenCL backend is not compared");
        assertEquals(expected, thrown(new ClBackend(SharedEngine.get()), op), what + " on the OpenCL backend");
    }
}
