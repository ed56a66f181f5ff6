package org.dspn4j.gpu;

/**
 * Live arena floats measured after the collector and the backend's cleaner have freed earlier
 * garbage, for the tests that check that replays leave the arena as it was.
 *
 * <p>A tensor's arena block is freed by a {@link java.lang.ref.Cleaner} thread some time after the
 * collection that finds it unreachable, so a single reading right after {@code System.gc()} can still
 * count garbage (on a loaded machine the cleaner lags by tens of milliseconds). A reading counts as
 * settled when it stayed the same over three collections 100 ms apart.
 */
public final class ArenaLive {

    private ArenaLive() {
    }

    /** Live floats once stable over three collections 100 ms apart (or after ~10 s). */
    public static long settled(ClEngine engine) throws InterruptedException {
        return settledAtMost(engine, -1);
    }

    /**
     * Live floats once at most {@code target} (returned at once) or, failing that, stable over three
     * collections 100 ms apart (or after ~10 s); {@code target < 0} waits for stability only.
     */
    public static long settledAtMost(ClEngine engine, long target) throws InterruptedException {
        long live = -1;
        int stable = 0;
        for (int k = 0; k < 100 && stable < 3; k++) {
            System.gc();
            Thread.sleep(k == 0 ? 20 : 100);
            long now = engine.arena().liveFloats();
            if (target >= 0 && now <= target) {
                return now;
            }
            stable = now == live ? stable + 1 : 0;
            live = now;
        }
        return live;
    }
}
