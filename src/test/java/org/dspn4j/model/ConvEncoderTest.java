package org.dspn4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.autodiff.Autograd;
import org.dspn4j.io.NdArray;
import org.dspn4j.nn.Module;
import org.dspn4j.nn.Parameter;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Shape;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image encoder's structure (docs/reference-behaviour.md §4): the authors' state_dict names and
 * shapes (checked against the list that golden/generate_resnet.py took from torchvision's
 * {@code resnet34()}), the parameter count, the initialisation, the shapes it accepts, and its
 * names inside {@link Net}.
 */
class ConvEncoderTest {
    private static final CpuBackend BE = new CpuBackend(2);
    private static final ConvEncoder ENC = new ConvEncoder(BE, DType.F32, new MersenneTwister(3), 512);

    @AfterAll
    static void close() {
        BE.close();
    }

    /** "name\td0,d1,..." lines as the generator writes them. */
    static List<String> keyLines(NdArray text) {
        byte[] b = new byte[text.size()];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) text.getDouble(i);
        }
        return Arrays.asList(new String(b, StandardCharsets.UTF_8).split("\n"));
    }

    static List<String> lines(Map<String, int[]> shapes) {
        List<String> out = new ArrayList<>();
        shapes.forEach((n, s) -> out.add(n + "\t" + Arrays.stream(s).mapToObj(Integer::toString).collect(Collectors.joining(","))));
        return out;
    }

    @Test
    void stateNamesAndShapesAreTorchvisionsResnet34WithTheAuthorsHead() {
        Golden g = Golden.load("resnet.npz");
        assertArrayEquals(new long[] {1}, g.get("meta/torchvision_checked").longs(),
                "the golden key list should come from torchvision's resnet34() (install python3-torchvision and regenerate)");
        Map<String, int[]> params = new LinkedHashMap<>();
        ENC.namedParameters().forEach((n, p) -> params.put(n, p.shape()));
        Map<String, int[]> buffers = new LinkedHashMap<>();
        ENC.namedBuffers().forEach((n, b) -> buffers.put(n, b.value().shape()));
        // named_parameters() and named_buffers() orders agree with PyTorch's, one by one
        assertEquals(keyLines(g.get("keys/parameters")), lines(params));
        assertEquals(keyLines(g.get("keys/buffers")), lines(buffers));
        Map<String, int[]> all = new LinkedHashMap<>(params);
        all.putAll(buffers);
        List<String> stateDict = keyLines(g.get("keys/state_dict"));
        assertEquals(225, stateDict.size());
        assertEquals(stateDict.stream().sorted().collect(Collectors.toList()),
                lines(all).stream().sorted().collect(Collectors.toList()));
    }

    @Test
    void parameterCountIsResnet34WithoutFcPlusTheHead() {
        long trunk = 0;
        long total = 0;
        for (Map.Entry<String, Parameter> e : ENC.namedParameters().entrySet()) {
            long n = Shape.numel(e.getValue().shape());
            total += n;
            if (e.getKey().startsWith("layers.")) {
                trunk += n;
            }
        }
        assertEquals(21_797_672L - (512 * 1000 + 1000), trunk); // torchvision's resnet34 has 21,797,672 with fc
        assertEquals(trunk + (512 * 512 * 9 + 512) + 2 * 512 + (512 * 512 * 4 + 512), total);
    }

    @Test
    void everyConvolutionIsXavierUniformAndBatchNormStartsAtIdentity() {
        for (Map.Entry<String, Parameter> e : ENC.namedParameters().entrySet()) {
            String name = e.getKey();
            int[] s = e.getValue().shape();
            double[] v = e.getValue().value().toDoubles();
            if (s.length == 4) {
                int field = s[2] * s[3];
                double a = Math.sqrt(6.0 / (s[1] * field + s[0] * field));
                double sq = 0;
                double max = 0;
                for (double x : v) {
                    max = Math.max(max, Math.abs(x));
                    sq += x * x;
                }
                assertTrue(max <= a, name + " outside the Xavier bound");
                // U(-a, a) has variance a²/3; the smallest weight (the stem) has 9408 elements
                assertEquals(a * a / 3, sq / v.length, 0.05 * a * a / 3, name + " variance");
            } else {
                double expected = name.endsWith("weight") ? 1.0 : 0.0; // BN γ = 1, β = 0, conv bias = 0
                assertTrue(Arrays.stream(v).allMatch(x -> x == expected), name);
            }
        }
        for (Map.Entry<String, Module.Buffer> e : ENC.namedBuffers().entrySet()) {
            double expected = e.getKey().endsWith("running_var") ? 1.0 : 0.0;
            assertTrue(Arrays.stream(e.getValue().value().toDoubles()).allMatch(x -> x == expected), e.getKey());
        }
    }

    @Test
    void sixtyFivePixelImagesReachOneByOne() {
        ConvEncoder enc = new ConvEncoder(BE, DType.F32, new MersenneTwister(4), 8);
        enc.train(false);
        Tensor images = BE.full(0.5, DType.F32, 1, 3, 65, 65);
        List<Tensor> acts;
        try (Autograd.Scope s = Autograd.noGrad()) {
            acts = enc.activations(images);
        }
        int[][] expected = {
            {1, 64, 33, 33}, {1, 64, 33, 33}, {1, 64, 33, 33}, {1, 64, 17, 17},
            {1, 64, 17, 17}, {1, 128, 9, 9}, {1, 256, 5, 5}, {1, 512, 3, 3},
            {1, 512, 2, 2}, {1, 512, 2, 2}, {1, 8, 1, 1}};
        assertEquals(expected.length, acts.size());
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], acts.get(i).shape(), "entry " + i);
        }
        try (Autograd.Scope s = Autograd.noGrad()) {
            assertArrayEquals(new int[] {1, 8}, enc.encode(images).shape());
        }
    }

    @Test
    void rejectsImagesTheHeadCannotReduceToOneVector() {
        for (int[] shape : new int[][] {{1, 3, 64, 64}, {1, 3, 129, 100}, {1, 1, 128, 128}, {3, 128, 128}}) {
            Tensor t = BE.full(0.0, DType.F32, shape);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ENC.encode(t));
            assertTrue(e.getMessage().contains(Shape.str(shape)), e.getMessage());
        }
    }

    @Test
    void namesInsideNetCarryTheInputEncoderPrefix() {
        ModelConfig cfg = ModelConfig.paper(ModelConfig.Task.CLEVR_BOX, ModelConfig.DecoderKind.MLP).withSizes(512, 16);
        Net net = new Net(BE, cfg, new MersenneTwister(5), ENC);
        Map<String, NdArray> arrays = Weights.toArrays(net);
        for (String key : List.of("input_encoder.layers.0.weight", "input_encoder.layers.1.num_batches_tracked",
                "input_encoder.layers.5.0.downsample.0.weight", "input_encoder.layers.7.2.bn2.running_var",
                "input_encoder.end.0.bias", "input_encoder.end.1.running_mean", "input_encoder.end.2.weight")) {
            assertTrue(arrays.containsKey(key), key);
        }
        assertArrayEquals(new int[0], arrays.get("input_encoder.end.1.num_batches_tracked").shape());
        assertEquals(NdArray.DType.I8, arrays.get("input_encoder.end.1.num_batches_tracked").dtype());
    }

    @Test
    void weightsRoundTripThroughNpz(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("enc.npz");
        Weights.save(ENC, file);
        ConvEncoder other = new ConvEncoder(BE, DType.F32, new MersenneTwister(99), 512);
        Weights.load(other, file);
        Map<String, Tensor> a = Weights.state(ENC);
        Map<String, Tensor> b = Weights.state(other);
        assertEquals(a.keySet(), b.keySet());
        for (String k : List.of("layers.0.weight", "layers.7.2.conv2.weight", "end.2.weight", "end.1.running_var")) {
            assertArrayEquals(a.get(k).toDoubles(), b.get(k).toDoubles(), k);
        }
    }
}
