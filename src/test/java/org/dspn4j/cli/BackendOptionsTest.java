package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every computing command takes {@code --backend}, {@code --device} and {@code --arena-mb}, refuses
 * F64 on OpenCL before computing anything, and {@code train|eval clevr-…} reach the CLEVR options. Needs
 * no OpenCL.
 */
class BackendOptionsTest {

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

    private static void assertRefused(String message, String... args) {
        Object[] r = run(args);
        assertEquals(2, r[0], String.join(" ", args) + "\n" + r[1]);
        assertTrue(((String) r[1]).contains("dspn4j: " + message), String.join(" ", args) + "\n" + r[1]);
    }

    @Test
    void everyComputingCommandHasTheBackendOptions() {
        CommandLine main = new CommandLine(new Main());
        String[][] commands = {{"train"}, {"eval"}, {"show"}, {"repeat"}, {"bench"}, {"trace"}};
        for (String[] c : commands) {
            CommandLine cl = main;
            for (String name : c) {
                cl = cl.getSubcommands().get(name);
            }
            for (String opt : new String[] {"--backend", "--device"}) {
                assertTrue(cl.getCommandSpec().findOption(opt) != null, String.join(" ", c) + " lacks " + opt);
            }
            assertEquals("auto", cl.getCommandSpec().findOption("--backend").defaultValue(), String.join(" ", c));
            assertTrue(cl.getCommandSpec().findOption("--arena-mb") != null, String.join(" ", c));
        }
    }

    @Test
    void f64OnOpenClIsRefusedWithAClearMessage(@TempDir Path dir) {
        String f64 = "--backend opencl runs F32 only (the OpenCL backend holds float tensors), not F64: add --dtype f32, "
                + "or use --backend cpu for F64";
        assertRefused(f64, "train", "mnist", "--backend", "opencl", "--dtype", "f64", "--out", dir.resolve("a").toString());
        assertRefused(f64, "train", "clevr-box", "--backend", "opencl", "--dtype", "f64", "--out", dir.resolve("b").toString());
        assertRefused(f64, "train", "clevr-state", "--backend", "opencl", "--dtype", "f64", "--out",
                dir.resolve("c").toString(), "--synth-cache", dir.resolve("synth").toString());
        assertRefused(f64, "bench", "mnist-step", "--backend", "opencl", "--dtype", "f64");
        assertRefused("--device 0 runs F32 only", "repeat", "--seeds", "1", "--device", "0", "--out", dir.resolve("r").toString(),
                "--", "train", "mnist", "--dtype", "f64");
        assertRefused("--backend must be cpu, opencl, reference or auto, got 'cuda'", "train", "mnist", "--backend", "cuda");
        assertRefused("--device 1 needs --backend opencl (or auto), not cpu", "train", "mnist", "--backend", "cpu",
                "--device", "1", "--out", dir.resolve("d").toString());
        assertRefused("--backend: give it either before -- or after train, not both", "repeat", "--seeds", "1",
                "--backend", "cpu", "--", "train", "mnist", "--backend", "cpu");
        // nothing was computed or written
        assertTrue(!Files.exists(dir.resolve("a").resolve("run.json")) && !Files.exists(dir.resolve("synth")));
    }

    /** {@code --backend reference} reaches the backend choice of every computing command (refused here with a --device). */
    @Test
    void everyComputingCommandTakesTheReferenceBackend(@TempDir Path dir) {
        String msg = "--device 1 needs --backend opencl (or auto), not reference";
        assertRefused(msg, "train", "mnist", "--backend", "reference", "--device", "1", "--out", dir.resolve("a").toString());
        assertRefused(msg, "train", "clevr-box", "--backend", "reference", "--device", "1", "--out", dir.resolve("b").toString());
        assertRefused(msg, "train", "clevr-state", "--backend", "reference", "--device", "1", "--out",
                dir.resolve("c").toString(), "--synth-cache", dir.resolve("synth").toString());
        assertRefused(msg, "bench", "mnist-step", "--backend", "reference", "--device", "1");
        assertRefused(msg, "trace", "--model", "mnist", "--backend", "reference", "--device", "1", "--input",
                Path.of("golden", "roundtrip", "mnist_dspn_input.npz").toString(), "--out", dir.resolve("t.npz").toString());
        assertRefused(msg, "repeat", "--seeds", "1", "--backend", "reference", "--device", "1", "--out",
                dir.resolve("r").toString(), "--", "train", "mnist");
        assertTrue(!Files.exists(dir.resolve("a").resolve("run.json")) && !Files.exists(dir.resolve("t.npz")));
    }

    @Test
    void theClevrCommandsAndTheirOwnOptionsAreReachable() {
        assertRefused("--hungarian must be final or all, got 'some'", "train", "clevr-box", "--hungarian", "some",
                "--backend", "cpu");
        Object[] help = run("eval", "--help");
        assertEquals(0, help[0]);
        assertTrue(((String) help[1]).contains("--iters") && ((String) help[1]).contains("--batch")
                && ((String) help[1]).contains("--backend"), (String) help[1]);
        Object[] train = run("train", "--help");
        for (String o : new String[] {"--hungarian", "--synth-train", "--image-size", "--backend"}) {
            assertTrue(((String) train[1]).contains(o), o + "\n" + train[1]);
        }
    }
}
