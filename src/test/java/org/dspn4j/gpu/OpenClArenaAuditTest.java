package org.dspn4j.gpu;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dspn4j.experiment.BadInput;
import org.junit.jupiter.api.Test;

/**
 * What {@code ClEngine.open} refuses before it makes any buffer: an {@code --arena-mb} the device
 * cannot hold, a JVM without G1 (no OpenCL platform needed: the devices and collectors are described
 * here).
 */
class OpenClArenaAuditTest {

    /** A GPU with 3 GiB of global memory and 1 GiB buffers at most (a small card's figures). */
    private static final ClDeviceInfo SMALL_GPU = new ClDeviceInfo(0, "NVIDIA CUDA", "3.0", "NVIDIA Corporation",
            "GeForce GTX 1650", "GPU", 14, 3L << 30, 1L << 30, 48 << 10, 1024);

    @Test
    void anArenaLargerThanTheDevicesGlobalMemoryIsRefusedNamingArenaMb() {
        // 4080 MB in four arrays of 1020 MB: each fits a buffer, together they are over 3 GiB
        int[] arrays = ClEngine.splitArena(4080L << 18, 1020 << 18);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClEngine.requireDeviceHolds(SMALL_GPU, arrays, 1 << 20));
        assertTrue(e.getMessage().contains("device memory") && e.getMessage().contains("--arena-mb")
                && e.getMessage().contains("GeForce GTX 1650"), e.getMessage());
    }

    @Test
    void anArenaTheDeviceHoldsPasses() {
        assertDoesNotThrow(() -> ClEngine.requireDeviceHolds(SMALL_GPU, ClEngine.splitArena(2048L << 18, 1020 << 18),
                1 << 20));
    }

    @Test
    void anArrayLargerThanTheLargestBufferIsStillRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClEngine.requireDeviceHolds(SMALL_GPU, ClEngine.splitArena(2044L << 18, 2044 << 18), 1 << 20));
        assertTrue(e.getMessage().contains("largest buffer") && e.getMessage().contains("--arena-mb"), e.getMessage());
    }

    @Test
    void aJvmWithoutG1IsRefusedAsBadInputNotAsAnInternalError() {
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> ClEngine.requireG1(List.of("PS MarkSweep", "PS Scavenge")));
        assertTrue(BadInput.is(e), "how the JVM was started is the user's to change (exit 2): " + e);
        assertTrue(e.getMessage().contains("-XX:+UseG1GC") && e.getMessage().contains("PS MarkSweep"), e.getMessage());
        assertDoesNotThrow(() -> ClEngine.requireG1(List.of("G1 Young Generation", "G1 Old Generation")));
    }
}
