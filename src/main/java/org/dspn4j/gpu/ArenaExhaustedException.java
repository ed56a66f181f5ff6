package org.dspn4j.gpu;

/**
 * No free block of an OpenCL arena is large enough for a request, after the collector has freed
 * what it could: the arena is too small for the workload (or too fragmented). A resource limit the
 * user sets (the CLI's {@code --arena-mb}), not a bug.
 */
public final class ArenaExhaustedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public ArenaExhaustedException(String message) {
        super(message);
    }
}
