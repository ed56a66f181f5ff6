package org.dspn4j.gpu;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@code --arena-mb} against what the device reports, checked before any buffer is made (no OpenCL
 * platform needed: the devices are described here).
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
}
