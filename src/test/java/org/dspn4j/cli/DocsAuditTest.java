package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * What the documentation tells a reader a command prints, checked against the command.
 *
 * <p>docs/audit.md ("Weights"): an exported {@code .npz} holds {@code meta/} entries beside the weights, so the
 * PyTorch recipe leaves them out ({@code load_state_dict} is strict: an unexpected key is an error); the recipe
 * {@code export-weights --help} prints must do the same.
 */
class DocsAuditTest {

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
