package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dspn4j bench} refuses what it cannot time with one line, before computing anything. */
class BenchCommandTest {

    /** Exit code, stdout + stderr of a command line. */
    private static Object[] run(String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = System.out;
        PrintStream err = System.err;
        int rc;
        try {
            PrintStream p = new PrintStream(buf, true, StandardCharsets.UTF_8);
            System.setOut(p);
            System.setErr(p);
            rc = Main.run(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new Object[] {rc, buf.toString(StandardCharsets.UTF_8)};
    }

    private static void assertRefusedWithOneLine(String message, String... args) {
        Object[] r = run(args);
        String out = (String) r[1];
        assertEquals(2, r[0], String.join(" ", args) + "\n" + out);
        assertEquals("dspn4j: " + message, out.strip(), String.join(" ", args));
    }

    @Test
    void zeroBatchOrStepsIsRefused() {
        assertRefusedWithOneLine("bench: --batch must be at least 1, got 0", "bench", "mnist-step", "--batch", "0");
        assertRefusedWithOneLine("bench: --steps must be at least 1, got 0", "bench", "mnist-step", "--steps", "0");
        assertRefusedWithOneLine("bench: --batch must be at least 1, got -3", "bench", "clevr-step", "--batch", "-3");
        assertRefusedWithOneLine("bench: --steps must be at least 1, got 0", "bench", "clevr-step", "--steps", "0",
                "--authors-code", "/nonexistent");
        assertRefusedWithOneLine("bench: --rounds must be at least 1, got 0", "bench", "mnist-step", "--rounds", "0");
    }

    @Test
    void unknownBenchmarkIsaOrAuthorsDirectoryIsRefused(@TempDir Path empty) {
        assertRefusedWithOneLine("bench: unknown benchmark 'resnet' (mnist-step, clevr-step)", "bench", "resnet");
        assertRefusedWithOneLine("bench: --isa must be native or avx2, got 'sse'", "bench", "mnist-step", "--isa", "sse");
        assertRefusedWithOneLine("bench: --authors-code " + empty + ": no model.py and dspn.py there (a checkout of "
                + "github.com/Cyanogenoid/dspn at be3703b)", "bench", "mnist-step", "--authors-code", empty.toString());
    }

    @Test
    void helpNamesBothBenchmarks() {
        Object[] r = run("bench", "--help");
        assertEquals(0, r[0]);
        assertTrue(((String) r[1]).contains("mnist-step") && ((String) r[1]).contains("clevr-step")
                && ((String) r[1]).contains("--authors-code"), (String) r[1]);
    }
}
