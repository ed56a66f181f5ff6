package org.dspn4j.gpu;

import java.util.ArrayList;
import java.util.List;

/**
 * Shows what happens to the arena fields an engine does not use (not a unit test; see
 * {@code EngineKernel.UNUSED_FLOATS}): opens an engine with two 64 MB arrays, so that {@code arena2} and
 * {@code arena3} are one-float arrays, churns the heap and forces collections between launches,
 * and checks a result kept in array 1. Run it with Aparapi's native log on to see which arrays the
 * collector moved and Aparapi re-created:
 * {@code java -XX:+UseG1GC -Dcom.aparapi.enableVerboseJNI=true ... UnusedArrayProbe 2>&1 | grep -E "clCreateBuffer|oldAddr"}.
 * <p>Built by the {@code bench} Maven profile: {@code mvn -B -q -Pbench test-compile} (classes in target/test-classes).
 */
public final class UnusedArrayProbe {

    private UnusedArrayProbe() {
    }

    public static void main(String[] args) {
        try (ClEngine e = ClEngine.open(DeviceSelector.auto(), 2L * ClEngine.MIN_ARENA_FLOATS, 4096,
                ClEngine.MIN_ARENA_FLOATS)) {
            int x = e.arena().allocIn(1, 1000);
            e.fill(x, 1000, 1f);
            for (int r = 0; r < 4; r++) {
                System.err.println("=== round " + r);
                List<float[]> keep = new ArrayList<>();
                for (int i = 0; i < 20_000; i++) {
                    float[] g = new float[16 + (i % 2048)];
                    if (i % 7 == 0) {
                        keep.add(g);
                    }
                    if (keep.size() > 500) {
                        keep.subList(0, 250).clear();
                    }
                }
                keep.clear();
                System.gc();
                System.gc();
                EngineOps.add(e, x, x, x, 1000);
            }
            float v = e.download(x, 1)[0];
            System.err.println("value " + v + (v == 16f ? " (as expected: 1 doubled 4 times)" : " WRONG, expected 16"));
        }
    }
}
