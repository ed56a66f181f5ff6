package org.dspn4j.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.aparapi.device.Device;
import com.aparapi.device.JavaDevice;
import com.aparapi.internal.kernel.KernelManager;
import java.util.LinkedHashSet;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Strict start-up: the engine runs on the chosen OpenCL device or refuses, loudly. */
class ClEngineStartupTest {

    @Test
    void aBogusDeviceNameIsRefusedAndTheMessageListsTheDevices() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ClEngine.open(DeviceSelector.nameContains("no-such-device-7f3a")));
        if (SharedEngine.available()) {
            assertTrue(e.getMessage().contains("no-such-device-7f3a"), e.getMessage());
            assertTrue(e.getMessage().contains("[0] "), "lists the devices: " + e.getMessage());
        } else {
            assertTrue(e.getMessage().contains("no OpenCL device"), e.getMessage());
        }
    }

    @Test
    void anIndexPastTheListingIsRefused() {
        assertThrows(IllegalStateException.class, () -> ClEngine.open(DeviceSelector.index(999)));
    }

    @Test
    void anArenaSmallerThan64MbIsRefusedBeforeTouchingOpenCL() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClEngine.open(DeviceSelector.auto(), ClEngine.MIN_ARENA_FLOATS - 1, 4096));
        assertTrue(e.getMessage().contains("garbage collector"), e.getMessage());
    }

    @Test
    void anArenaLargerThanTheHeapIsRefusedWithTheHeapThatHoldsIt() {
        Assumptions.assumeTrue(SharedEngine.available(), "no OpenCL device");
        long arenaFloats = ClEngine.MAX_ARENA_FLOATS; // 8176 MB
        Assumptions.assumeTrue(4 * arenaFloats > Runtime.getRuntime().maxMemory(), "the test JVM's heap holds the largest arena");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClEngine.open(DeviceSelector.auto(), arenaFloats, 4096));
        // 8176 MB of arena and 16 KB of staging round up to 8 GiB, one more for the rest of the heap
        assertTrue(e.getMessage().contains("--arena-mb") && e.getMessage().contains("DSPN4J_JAVA_OPTS=-Xmx9g"), e.getMessage());
    }

    @Test
    void selectorsParseCommandLineChoices() {
        List<ClDeviceInfo> devs = List.of(
                new ClDeviceInfo(0, "PoCL", "3.0", "pocl", "pthread-cpu", "CPU", 2, 1L << 30, 1L << 28, 1 << 19, 4096),
                new ClDeviceInfo(1, "NVIDIA CUDA", "3.0", "NVIDIA", "NVIDIA H100 80GB HBM3", "GPU", 132, 80L << 30,
                        20L << 30, 48 << 10, 1024));
        assertEquals(1, DeviceSelector.parse(null).choose(devs).index(), "auto prefers a GPU");
        assertEquals(1, DeviceSelector.parse("auto").choose(devs).index());
        assertEquals(0, DeviceSelector.parse("0").choose(devs).index());
        assertEquals(1, DeviceSelector.parse("h100").choose(devs).index(), "name, ignoring case");
        assertEquals(0, DeviceSelector.parse("pthread").choose(devs).index());
        assertEquals(0, DeviceSelector.auto().choose(devs.subList(0, 1)).index(), "no GPU: first device");
        assertThrows(IllegalStateException.class, () -> DeviceSelector.parse("2").choose(devs));
        assertThrows(IllegalStateException.class, () -> DeviceSelector.auto().choose(List.of()));
    }

    @Test
    void availableMeansADeviceIsListed() {
        assertEquals(!ClEngine.devices().isEmpty(), SharedEngine.available());
    }

    @Test
    void anOpenEngineRunsOnTheChosenDevice() {
        ClEngine engine = SharedEngine.get();
        ClDeviceInfo chosen = DeviceSelector.auto().choose(ClEngine.devices());
        assertEquals(chosen.name(), engine.device().name());
        assertTrue(engine.localSize() >= 1 && engine.localSize() <= 256
                && Integer.bitCount(engine.localSize()) == 1, "local size " + engine.localSize());
        assertEquals(ClEngine.MIN_ARENA_FLOATS - ClEngine.RESERVED, engine.arena().capacity());
    }

    /**
     * Simulates Aparapi moving the kernel off the device (as it does, silently, after an OpenCL
     * failure): the next launch must throw, and so must every later one.
     */
    @Test
    void aLaunchThatDidNotRunOnTheDeviceBreaksTheEngine() {
        Assumptions.assumeTrue(SharedEngine.available(), "no OpenCL platform with a device");
        SharedEngine.closeShared();  // device preferences are per kernel class: isolate from the shared engine
        EngineKernel probe = new EngineKernel(1, 1, 1);
        try (ClEngine engine = ClEngine.open(DeviceSelector.auto(), ClEngine.MIN_ARENA_FLOATS, 4096)) {
            int a = engine.arena().alloc(16);
            engine.fill(a, 16, 1f);
            LinkedHashSet<Device> javaOnly = new LinkedHashSet<>();
            javaOnly.add(JavaDevice.THREAD_POOL);
            KernelManager.instance().setPreferredDevices(probe, javaOnly);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> engine.fill(a, 16, 2f));
            assertTrue(e.getMessage().contains("did not run on OpenCL device"), e.getMessage());
            assertTrue(e.getMessage().contains(engine.device().name()), e.getMessage());
            assertThrows(IllegalStateException.class, () -> engine.download(a, 16), "stays broken");
        } finally {
            probe.dispose();
        }
    }
}
