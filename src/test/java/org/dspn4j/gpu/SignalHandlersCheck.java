package org.dspn4j.gpu;

/**
 * Child-JVM body of {@link SignalHandlersTest}: opens an engine (the driver compiles the kernel),
 * runs a few launches, then waits long enough for {@code -Xcheck:jni}'s periodic check of the JVM's
 * signal handlers to run and report any handler a native library replaced.
 *
 * <p>Under {@code -Xcheck:jni} the JVM hands native code a fresh copy of every array it pins
 * ({@code GetPrimitiveArrayCritical}). When a copy lands at another address than the last one, Aparapi
 * takes the array as moved by the collector and rebuilds its device buffer from the host array, losing
 * what the device wrote, and the engine's self-test can read stale data and say so (the launcher and the
 * other tests run without {@code -Xcheck:jni}). The kernel was compiled by then, which is all the handler
 * check needs, so a failed engine is reported as a line and the wait still runs.
 */
public final class SignalHandlersCheck {
    private SignalHandlersCheck() {
    }

    public static void main(String[] args) throws InterruptedException {
        try (ClEngine engine = ClEngine.open(DeviceSelector.auto(), ClEngine.MIN_ARENA_FLOATS, 1 << 16)) {
            engine.fill(1024, 16, 2f);
            EngineOps.add(engine, 1024, 1024, 1040, 16);
            float[] back = engine.download(1040, 16);
            System.out.println("platform: " + engine.device().platform());
            System.out.println("result: " + back[0]);
        } catch (IllegalStateException e) {
            System.out.println("engine failed: " + e.getMessage());
        }
        Thread.sleep(1500);
        System.out.println("done");
    }
}
