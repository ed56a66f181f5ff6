package org.dspn4j.cli;

import org.dspn4j.experiment.BackendChoice;
import picocli.CommandLine.Option;

/**
 * {@code --backend}, {@code --device} and {@code --arena-mb}, shared by every command that computes
 * (a picocli mixin); {@link BackendChoice} holds the rules.
 */
public final class BackendOptions {
    @Option(names = "--backend", defaultValue = "auto", paramLabel = "cpu|opencl|reference|auto",
            description = "cpu, opencl (F32 only), reference (the op set's definition: plain loops, one thread, slow; "
                    + "the same bits as cpu) or auto: the first OpenCL GPU if there is one, else cpu "
                    + "(default: ${DEFAULT-VALUE}; see dspn4j devices)")
    String backend = "auto";

    @Option(names = "--device", paramLabel = "index|name",
            description = "OpenCL device: its index, or text that only its name contains, as dspn4j devices lists them "
                    + "(implies OpenCL)")
    String device;

    @Option(names = "--arena-mb", defaultValue = "" + BackendChoice.DEFAULT_ARENA_MB,
            description = "OpenCL: device memory for tensors, in MB, also held on the Java heap: 64 .. 8176, in up to "
                    + "4 arrays of at most 2044 MB each; one tensor must fit one array (default: ${DEFAULT-VALUE})")
    int arenaMb = BackendChoice.DEFAULT_ARENA_MB;

    /** The choice these options describe (validated). */
    public BackendChoice choice() {
        return new BackendChoice(BackendChoice.parseKind(backend), device, arenaMb);
    }

    /** Copies the values of another instance (commands that forward to another command). */
    void copyFrom(BackendOptions o) {
        backend = o.backend;
        device = o.device;
        arenaMb = o.arenaMb;
    }
}
