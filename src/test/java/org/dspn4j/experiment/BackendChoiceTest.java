package org.dspn4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.dspn4j.autodiff.Ops;
import org.dspn4j.gpu.ClDeviceInfo;
import org.dspn4j.gpu.SharedEngine;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.ReferenceBackend;
import org.dspn4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The rules of {@code --backend cpu|opencl|reference|auto} and {@code --device}, on made-up device listings. */
class BackendChoiceTest {
    private static final ClDeviceInfo POCL = device(0, "pthread-cpu", "CPU");
    private static final ClDeviceInfo GPU = device(1, "NVIDIA H100", "GPU");
    private static final ClDeviceInfo GPU2 = device(2, "Other GPU", "GPU");

    private static ClDeviceInfo device(int index, String name, String type) {
        return new ClDeviceInfo(index, "platform " + index, "OpenCL 3.0", "vendor", name, type, 2, 1L << 30, 1L << 28,
                1 << 16, 256);
    }

    private static BackendChoice choice(String kind, String device) {
        return new BackendChoice(BackendChoice.parseKind(kind), device, BackendChoice.DEFAULT_ARENA_MB);
    }

    private static boolean uses(BackendChoice c, DType dt, List<ClDeviceInfo> devices) {
        return c.usesOpenCl(dt, () -> devices);
    }

    @Test
    void autoTakesTheFirstGpuAndOtherwiseTheCpuBackend() {
        BackendChoice auto = choice("auto", null);
        assertFalse(uses(auto, DType.F32, List.of()), "no OpenCL");
        assertFalse(uses(auto, DType.F32, List.of(POCL)), "an OpenCL CPU device is not chosen automatically");
        assertTrue(uses(auto, DType.F32, List.of(POCL, GPU, GPU2)));
        assertEquals(GPU, auto.resolve(List.of(POCL, GPU, GPU2)));
        assertFalse(uses(auto, DType.F64, List.of(POCL, GPU)), "F64 stays on the CPU backend");
        assertEquals(BackendChoice.Kind.AUTO, BackendChoice.parseKind(null));
        assertEquals(BackendChoice.Kind.AUTO, choice("AUTO", "auto").kind());
    }

    @Test
    void openclTakesTheNamedDeviceOrTheSelectorsChoice() {
        assertTrue(uses(choice("opencl", null), DType.F32, List.of(POCL)));
        assertEquals(POCL, choice("opencl", null).resolve(List.of(POCL)));
        assertEquals(GPU, choice("opencl", null).resolve(List.of(POCL, GPU)));
        assertEquals(GPU2, choice("opencl", "2").resolve(List.of(POCL, GPU, GPU2)));
        assertEquals(POCL, choice("opencl", "PTHREAD").resolve(List.of(POCL, GPU)));
        // a device given with auto means OpenCL on it, even a CPU device
        assertTrue(uses(choice("auto", "0"), DType.F32, List.of(POCL)));
        assertEquals(POCL, choice("auto", "0").resolve(List.of(POCL, GPU)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> choice("opencl", "7").resolve(List.of(POCL, GPU)));
        assertTrue(e.getMessage().contains("no OpenCL device with index 7") && e.getMessage().contains("NVIDIA H100"),
                e.getMessage());
    }

    @Test
    void f64OnOpenClAndContradictoryChoicesAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> uses(choice("opencl", null), DType.F64, List.of(GPU)));
        assertEquals("--backend opencl runs F32 only (the OpenCL backend holds float tensors), not F64: "
                + "add --dtype f32, or use --backend cpu for F64", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> uses(choice("auto", "1"), DType.F64, List.of(GPU)));
        assertTrue(e.getMessage().startsWith("--device 1 runs F32 only"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> uses(choice("cpu", "1"), DType.F32, List.of(GPU)));
        assertTrue(e.getMessage().contains("needs --backend opencl"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BackendChoice.parseKind("cuda"));
        assertEquals("--backend must be cpu, opencl, reference or auto, got 'cuda'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new BackendChoice(BackendChoice.Kind.OPENCL, null, 8));
        assertTrue(e.getMessage().startsWith("--arena-mb must be between 64 and"), e.getMessage());
    }

    /** --arena-mb reaches four arrays of 2044 MB; the message names the range and the per-array size. */
    @Test
    void theArenaMayBeSeveralArraysUpTo8176Mb() {
        assertEquals(8176, new BackendChoice(BackendChoice.Kind.OPENCL, null, 8176).arenaMb());
        assertEquals(2100, new BackendChoice(BackendChoice.Kind.OPENCL, null, 2100).arenaMb());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BackendChoice(BackendChoice.Kind.OPENCL, null, 8177));
        assertEquals("--arena-mb must be between 64 and 8176 (up to 4 device arrays of at most 2044 MB; one tensor "
                + "must fit one array), got 8177", e.getMessage());
    }

    @Test
    void theCpuChoiceOpensTheCpuBackendWithoutAskingForOpenCl() {
        try (Compute c = BackendChoice.cpu().open(DType.F64, 2, null)) {
            assertTrue(c.backend() instanceof CpuBackend);
            assertEquals("cpu", c.record().get("backend"));
            assertEquals(2, c.record().get("threads"));
        }
        assertEquals(List.of("--backend", "opencl", "--device", "1", "--arena-mb", "512"),
                new BackendChoice(BackendChoice.Kind.OPENCL, "1", 512).toArgs());
    }

    @Test
    void theReferenceChoiceOpensTheDefinitionInF32AndF64NeverOpenCl() {
        BackendChoice ref = choice("Reference", null);
        assertEquals(BackendChoice.Kind.REFERENCE, ref.kind());
        assertFalse(uses(ref, DType.F32, List.of(POCL, GPU)), "never OpenCL, even with a GPU listed");
        assertFalse(uses(ref, DType.F64, List.of(GPU)));
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            try (Compute c = ref.open(dt, 4, null)) {
                assertTrue(c.backend() instanceof ReferenceBackend);
                assertEquals("reference", c.kind());
                assertEquals("reference", c.record().get("backend"));
                assertEquals(1, c.record().get("threads"));
            }
        }
        assertEquals(List.of("--backend", "reference"), ref.toArgs());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> uses(choice("reference", "1"), DType.F32, List.of(GPU)));
        assertEquals("--device 1 needs --backend opencl (or auto), not reference", e.getMessage());
    }

    /** Ops given tensors of two backends throw, naming both, instead of copying silently. */
    @Test
    void mixingBackendsFailsWithAClearError() {
        try (Compute cl = Compute.opencl(SharedEngine.get(), false); CpuBackend cpu = new CpuBackend(1)) {
            Tensor d = cl.backend().fromHost(new double[] {1, 2}, DType.F32, 2);
            Tensor h = cpu.fromHost(new double[] {3, 4}, DType.F32, 2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ops.add(d, h));
            assertTrue(e.getMessage().contains("lives on backend 'cpu'") && e.getMessage().contains("not on this OpenCL engine"),
                    e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Ops.add(h, d));
            assertTrue(e.getMessage().contains("lives on backend 'opencl:") && e.getMessage().contains("not on the CPU backend"),
                    e.getMessage());
            assertEquals("opencl", cl.record().get("backend"));
            assertEquals(SharedEngine.get().device().name(), cl.record().get("device"));
            assertEquals(SharedEngine.get().device().platform(), cl.record().get("platform"));
        }
    }
}
