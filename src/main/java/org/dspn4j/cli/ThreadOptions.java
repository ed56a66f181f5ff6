package org.dspn4j.cli;

import org.dspn4j.experiment.BackendChoice;
import picocli.CommandLine.Option;

/** {@code --threads} of every command that computes on the CPU (a picocli mixin). */
public final class ThreadOptions {
    @Option(names = "--threads", description = "CPU threads, 1 to 4 per processor (default: all processors, 1 with "
            + "--backend reference, which runs on one thread; the results are the same bits on any count)")
    Integer threads;

    /**
     * The thread count the chosen backend computes with, checked: the reference backend runs on one thread, so
     * for it the default is 1 and any other {@code --threads} is refused (a record of 2 threads would be untrue).
     */
    int threads(BackendOptions backend) {
        int n = Checks.threads(threads);
        if (backend.backend != null && BackendChoice.parseKind(backend.backend) == BackendChoice.Kind.REFERENCE) {
            if (threads != null && threads != 1) {
                throw new IllegalArgumentException("--threads " + threads + " does not apply to --backend reference, "
                        + "which runs on one thread: give --threads 1 or leave it out");
            }
            return 1;
        }
        return n;
    }
}
