package org.dspn4j.testing;

import java.util.stream.Stream;

import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.ReferenceBackend;
import org.dspn4j.tensor.cpu.CpuBackend;

/**
 * The backends the golden tests run on: the CPU backend (two threads) and the op set's definition,
 * {@link ReferenceBackend}. One shared instance of each per test JVM (the CPU backend's worker
 * threads are daemons).
 */
public final class GoldenBackends {
    private static final CpuBackend CPU = new CpuBackend(2);
    private static final ReferenceBackend REFERENCE = new ReferenceBackend();

    private GoldenBackends() {
    }

    /** {@code cpu} and {@code reference}. */
    public static Stream<String> names() {
        return Stream.of("cpu", "reference");
    }

    /** The backend of a name from {@link #names()}. */
    public static Backend get(String name) {
        return switch (name) {
            case "cpu" -> CPU;
            case "reference" -> REFERENCE;
            default -> throw new IllegalArgumentException("no golden backend '" + name + "'");
        };
    }
}
