package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SynthCommandTest {

    @TempDir
    Path tmp;

    private static CommandLine quiet() {
        CommandLine cli = new CommandLine(new SynthCommand());
        cli.setOut(new java.io.PrintWriter(java.io.Writer.nullWriter()));
        cli.setErr(new java.io.PrintWriter(java.io.Writer.nullWriter()));
        return cli;
    }

    @Test
    void writesOneSceneAndRejectsBadArguments() {
        int rc = quiet().execute("clevr", "--scenes", "1", "--split", "val", "--seed", "3", "--threads", "1",
                "--out", tmp.toString());
        assertEquals(0, rc);
        assertTrue(Files.isRegularFile(tmp.resolve("scenes/CLEVR_val_scenes.json")));
        assertTrue(Files.isRegularFile(tmp.resolve("images/val/CLEVR_val_000000.png")));

        assertEquals(2, quiet().execute("clevr", "--split", "test", "--out", tmp.toString()));
        assertEquals(2, quiet().execute("mnist", "--out", tmp.toString()));
    }
}
