package org.dspn4j.gpu;

/**
 * Child-JVM body of {@link SignalHandlersTest}: opens an engine (the driver compiles the kernel),
 * runs a few launches, then waits long enough for {@code -Xcheck:jni}'s periodic check of the JVM's
 * signal handlers to run and report any handler a native library replaced.
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
        }
        Thread.sleep(1500);
        System.out.println("done");
    }
}
