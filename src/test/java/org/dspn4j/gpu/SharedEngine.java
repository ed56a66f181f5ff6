package org.dspn4j.gpu;

import org.junit.jupiter.api.Assumptions;

/**
 * One engine for all OpenCL tests of a test JVM (each open costs a kernel compile, ~1-2 s on PoCL).
 * Tests that need OpenCL call {@link #get()}, which skips them (JUnit assumption) only when no
 * OpenCL platform with a device exists. The engine is closed when the JVM exits.
 */
public final class SharedEngine {

    /** Small arena (the minimum) and a small bulk staging array, so that tests exercise chunking. */
    static final int STAGING_FLOATS = 1 << 16;

    private static ClEngine engine;
    /** A second engine with a 1 GiB arena, for models the minimum arena cannot hold (ResNet34 at paper sizes). */
    private static ClEngine large;
    /** A third engine whose arena is three 64 MB arrays ({@link #multiArray()}). */
    private static ClEngine multi;
    private static Boolean available;
    private static boolean hookInstalled;

    private SharedEngine() {
    }

    /** {@link ClEngine#available()}, asked once per JVM (each listing logs Aparapi's platform warnings). */
    public static synchronized boolean available() {
        if (available == null) {
            available = ClEngine.available();
        }
        return available;
    }

    public static synchronized ClEngine get() {
        Assumptions.assumeTrue(available(), "no OpenCL platform with a device: OpenCL tests skipped");
        if (engine == null) {
            engine = ClEngine.open(DeviceSelector.auto(), ClEngine.MIN_ARENA_FLOATS, STAGING_FLOATS);
            if (!hookInstalled) {
                hookInstalled = true;
                Runtime.getRuntime().addShutdownHook(new Thread(SharedEngine::closeShared));
            }
        }
        return engine;
    }

    /**
     * The shared engine with a 1 GiB arena (opened on first use: one more kernel compile per test JVM),
     * for the CLEVR models at the paper's sizes; skips like {@link #get()}.
     */
    public static synchronized ClEngine large() {
        Assumptions.assumeTrue(available(), "no OpenCL platform with a device: OpenCL tests skipped");
        if (large == null) {
            large = ClEngine.open(DeviceSelector.auto(), 256 << 20, STAGING_FLOATS);
            if (!hookInstalled) {
                hookInstalled = true;
                Runtime.getRuntime().addShutdownHook(new Thread(SharedEngine::closeShared));
            }
        }
        return large;
    }

    /**
     * The shared engine whose arena is three arrays of the 64 MB minimum (opened on first use), so
     * that the several-array paths run on any OpenCL device without much memory; skips like {@link #get()}.
     */
    public static synchronized ClEngine multiArray() {
        Assumptions.assumeTrue(available(), "no OpenCL platform with a device: OpenCL tests skipped");
        if (multi == null) {
            multi = ClEngine.open(DeviceSelector.auto(), 3L * ClEngine.MIN_ARENA_FLOATS, STAGING_FLOATS,
                    ClEngine.MIN_ARENA_FLOATS);
            if (!hookInstalled) {
                hookInstalled = true;
                Runtime.getRuntime().addShutdownHook(new Thread(SharedEngine::closeShared));
            }
        }
        return multi;
    }

    /** Closes the shared engine (the next {@link #get()} opens a fresh one), for tests that need isolation. */
    static synchronized void closeShared() {
        if (engine != null) {
            engine.close();
            engine = null;
        }
        if (multi != null) {
            multi.close();
            multi = null;
        }
        if (large != null) {
            large.close();
            large = null;
        }
    }
}
