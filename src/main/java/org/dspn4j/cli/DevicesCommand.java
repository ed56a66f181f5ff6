package org.dspn4j.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.dspn4j.experiment.BackendChoice;
import org.dspn4j.gpu.ClDeviceInfo;
import org.dspn4j.gpu.ClEngine;
import org.dspn4j.gpu.DeviceSelector;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code dspn4j devices}: lists the OpenCL platforms and devices Aparapi sees, with the index that
 * {@code --device} options take, and what {@code --backend auto} and {@code --backend opencl}
 * without {@code --device} would use.
 */
@Command(name = "devices",
        header = "List the OpenCL platforms and devices.",
        mixinStandardHelpOptions = true,
        description = "List OpenCL platforms and devices (index, name, vendor, type, compute units, memory, "
                + "max work-group size). Exit code 1 when there is none.")
public final class DevicesCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<ClDeviceInfo> devices;
        try {
            devices = ClEngine.devices();
        } catch (RuntimeException | LinkageError e) {
            out.println("No OpenCL device: the OpenCL loader or Aparapi's native library failed to load (" + e + ").");
            out.flush();
            return 1;
        }
        if (devices.isEmpty()) {
            out.println("No OpenCL device found: no OpenCL platform is installed, or no platform has a device.");
            out.println("CPU-only machines: apt-get install pocl-opencl-icd ocl-icd-libopencl1 (then check with clinfo).");
            out.println("NVIDIA machines without an ICD entry: source gpu-config/env.sh (see gpu-config/README.md).");
            out.flush();
            return 1;
        }
        String platform = null;
        for (ClDeviceInfo d : devices) {
            if (!d.platform().equals(platform)) {
                platform = d.platform();
                out.printf(Locale.ROOT, "Platform: %s (%s)%n", d.platform(), d.platformVersion());
                out.printf(Locale.ROOT, "  %-5s %-40s %-24s %-4s %5s %11s %11s %6s%n",
                        "index", "name", "vendor", "type", "CUs", "global mem", "max alloc", "max WG");
            }
            out.printf(Locale.ROOT, "  %-5d %-40s %-24s %-4s %5d %11s %11s %6d%n",
                    d.index(), d.name(), d.vendor(), d.type(), d.computeUnits(), gib(d.globalMemBytes()),
                    gib(d.maxAllocBytes()), d.maxWorkGroupSize());
        }
        out.println("--backend auto (the default): " + BackendChoice.autoChoice(devices));
        out.println("--backend opencl without --device: " + DeviceSelector.auto().describe(devices));
        out.flush();
        return 0;
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}
