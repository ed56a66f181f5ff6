package org.dspn4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.TreeSet;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.DType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The ResNet34 trunk's layout (docs/reference-behaviour.md §4): Sequential indices 0, 1, 3 (ReLU at
 * 2 has no state), [3, 4, 6, 3] blocks at indices 4–7, projection shortcuts exactly at the first
 * block of stages 5–7. The full name and shape list is checked against torchvision in
 * {@code ConvEncoderTest}.
 */
class ResNet34Test {
    private static final CpuBackend BE = new CpuBackend(1);
    private static final ResNet34 NET = new ResNet34(BE, DType.F32, new MersenneTwister(1));

    @AfterAll
    static void close() {
        BE.close();
    }

    @Test
    void layout() {
        Map<String, Parameter> p = NET.namedParameters();
        TreeSet<String> top = new TreeSet<>();
        TreeSet<String> blocks = new TreeSet<>();
        TreeSet<String> downsamples = new TreeSet<>();
        for (String name : p.keySet()) {
            String[] parts = name.split("\\.");
            top.add(parts[0]);
            if (parts.length > 2) {
                blocks.add(parts[0] + "." + parts[1]);
            }
            if (name.contains("downsample")) {
                downsamples.add(parts[0] + "." + parts[1]);
            }
        }
        assertEquals(new TreeSet<>(java.util.List.of("0", "1", "4", "5", "6", "7")), top);
        assertEquals(3 + 4 + 6 + 3, blocks.size());
        assertEquals(new TreeSet<>(java.util.List.of("5.0", "6.0", "7.0")), downsamples);
        assertEquals(36 * 3, NET.namedBuffers().size()); // 36 batch norms
        assertEquals(36 + 36 * 2, p.size()); // 36 convolutions without bias, 36 batch norms
        assertEquals(java.util.List.of(64, 3, 7, 7), java.util.Arrays.stream(p.get("0.weight").shape()).boxed().toList());
        assertEquals(java.util.List.of(512, 256, 1, 1),
                java.util.Arrays.stream(p.get("7.0.downsample.0.weight").shape()).boxed().toList());
    }

    @Test
    void rejectsNonRgbInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NET.forward(BE.full(0.0, DType.F32, 1, 4, 64, 64)));
        assertTrue(e.getMessage().contains("(1, 4, 64, 64)"), e.getMessage());
    }
}
