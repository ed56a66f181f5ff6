package org.dspn4j.cli;

import picocli.CommandLine.Option;

/** {@code --threads} of every command that computes on the CPU (a picocli mixin). */
public final class ThreadOptions {
    @Option(names = "--threads", description = "CPU threads, 1 to 4 per processor (default: all processors; the results "
            + "are the same bits on any count)")
    Integer threads;

    /** The thread count, checked. */
    int threads() {
        return Checks.threads(threads);
    }
}
