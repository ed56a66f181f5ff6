package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.dspn4j.gpu.ClDeviceInfo;
import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * What the documentation tells a reader a command prints, checked against the command.
 *
 * <p>README.md ("Choosing the backend"): {@code --backend auto} (the default) computes on the first OpenCL GPU if
 * there is one, else on the CPU backend. {@code dspn4j devices} ends with the automatic choice; on a machine
 * whose only OpenCL device is a CPU (PoCL) that device is what {@code --backend opencl} takes, not what
 * {@code auto} computes on, and the line says which.
 *
 * <p>docs/audit.md ("Weights"): an exported {@code .npz} holds {@code meta/} entries beside the weights, so the
 * PyTorch recipe leaves them out ({@code load_state_dict} is strict: an unexpected key is an error); the recipe
 * {@code export-weights --help} prints must do the same.
 */
class DocsAuditTest {

    private static ClDeviceInfo device(int index, String name, String type) {
        return new ClDeviceInfo(index, "Some Platform", "OpenCL 3.0", "Some Vendor", name, type, 2, 1L << 30, 1L << 28,
                1L << 16, 1024);
    }

    @Test
    void devicesSaysAutoComputesOnTheCpuBackendWhenNoDeviceIsAGpu() {
        String line = DevicesCommand.choiceLine(List.of(device(0, "pthread-cpu", "CPU")));
        assertEquals("Automatic choice: [0] pthread-cpu (CPU, Some Vendor; platform Some Platform) for --backend opencl"
                + " without --device; --backend auto (the default) computes on the CPU backend, as no OpenCL device is"
                + " a GPU", line);
    }

    @Test
    void devicesSaysAutoTakesTheFirstGpu() {
        String line = DevicesCommand.choiceLine(List.of(device(0, "pthread-cpu", "CPU"), device(1, "NVIDIA H200", "GPU"),
                device(2, "NVIDIA H100", "GPU")));
        assertEquals("Automatic choice: [1] NVIDIA H200 (GPU, Some Vendor; platform Some Platform), for --backend auto"
                + " (the default) and for --backend opencl without --device", line);
    }

    @Test
    void exportWeightsHelpLoadsTheWeightsWithoutTheMetaEntries(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("w.npz");
        ImportTorchCommandTest.Run r = ImportTorchCommandTest.run("export-weights", "--hidden", "4", "--latent", "2",
                "--out", out.toString());
        assertEquals(0, r.rc(), r.err());
        Map<String, NdArray> written = Npz.read(out);
        assertTrue(written.keySet().stream().anyMatch(k -> k.startsWith("meta/")), written.keySet().toString());

        // the recipe as printed, each line whole, so that it can be copied
        String help = new CommandLine(new ExportWeightsCommand()).getUsageMessage(CommandLine.Help.Ansi.OFF);
        assertTrue(help.contains("\n  net.load_state_dict({k: torch.from_numpy(v) for k, v in np.load(f).items()\n"
                + "                       if not k.startswith(\"meta/\")})\n"), help);
    }
}
