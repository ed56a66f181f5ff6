package org.dspn4j.experiment;

import java.util.Locale;

/**
 * The Java heap as the out-of-memory lines and the heap warnings name it: the most this JVM may use
 * ({@code -Xmx}, which the launcher sets per command and {@code DSPN4J_JAVA_OPTS} overrides), and a
 * larger one to try.
 */
public final class Heap {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    private Heap() {
    }

    /** The most heap this JVM may use, as {@link #describe}. */
    public static String max() {
        return describe(Runtime.getRuntime().maxMemory());
    }

    /**
     * A heap size for a reader: "2.0 GiB" from 1 GiB up, "96 MiB" below it (where one decimal of a GiB
     * would call 64 and 128 MiB both "0.1 GiB").
     */
    public static String describe(long bytes) {
        return bytes >= GIB ? String.format(Locale.ROOT, "%.1f GiB", bytes / (double) GIB)
                : String.format(Locale.ROOT, "%d MiB", Math.round(bytes / (double) MIB));
    }

    /** The launcher setting of a heap twice this JVM's, in whole GiB (at least 1): e.g. DSPN4J_JAVA_OPTS=-Xmx4g. */
    public static String larger() {
        long g = Math.max(1, (long) Math.ceil(2.0 * Runtime.getRuntime().maxMemory() / GIB));
        return "DSPN4J_JAVA_OPTS=-Xmx" + g + "g";
    }
}
