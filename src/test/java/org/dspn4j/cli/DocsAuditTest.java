package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.dspn4j.gpu.ClDeviceInfo;
import org.junit.jupiter.api.Test;

/**
 * What the documentation tells a reader a command prints, checked against the command.
 *
 * <p>README.md ("Choosing the backend"): {@code --backend auto} (the default) computes on the first OpenCL GPU if
 * there is one, else on the CPU backend. {@code dspn4j devices} ends with the automatic choice; on a machine
 * whose only OpenCL device is a CPU (PoCL) that device is what {@code --backend opencl} takes, not what
 * {@code auto} computes on, and the line says which.
 */
class DocsAuditTest {

    private static ClDeviceInfo device(int index, String name, String type) {
        return new ClDeviceInfo(index, "Some Platform", "OpenCL 3.0", "Some Vendor", name, type, 2, 1L << 30, 1L << 28,
                1L << 16, 1024);
    }

    @Test
    void devicesSaysAutoComputesOnTheCpuBackendWhenNoDeviceIsAGpu() {
        String line = DevicesCommand.choiceLine(List.of(device(0, "pthread-cpu", "CPU")));
        assertEquals("Automatic choice: [0] pthread-cpu (CPU, Some Vendor; platform Some Platform) for --backend opencl"
                + " without --device; --backend auto (the default) computes on the CPU backend, as no OpenCL device is"
                + " a GPU", line);
    }

    @Test
    void devicesSaysAutoTakesTheFirstGpu() {
        String line = DevicesCommand.choiceLine(List.of(device(0, "pthread-cpu", "CPU"), device(1, "NVIDIA H200", "GPU"),
                device(2, "NVIDIA H100", "GPU")));
        assertEquals("Automatic choice: [1] NVIDIA H200 (GPU, Some Vendor; platform Some Platform), for --backend auto"
                + " (the default) and for --backend opencl without --device", line);
    }
}
