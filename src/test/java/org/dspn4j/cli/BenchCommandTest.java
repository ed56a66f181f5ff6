package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
    void theMachineLineNamesTheCpusFamilyAndModelBesideItsVectorIsa() {
        // the first lines of /proc/cpuinfo on two virtual machines that both call their CPU "AMD EPYC"
        List<String> zen4 = List.of("processor\t: 0", "vendor_id\t: AuthenticAMD", "cpu family\t: 25", "model\t\t: 17",
                "model name\t: AMD EPYC", "flags\t\t: fpu sse2 avx avx2 fma avx512f avx512bw avx512_bf16",
                "processor\t: 1", "cpu family\t: 99", "model\t\t: 99", "model name\t: other");
        assertArrayEquals(new String[] {"AMD EPYC (family 25, model 17)", "AVX-512"}, BenchCommand.cpu(zen4));
        List<String> avx2 = List.of("cpu family\t: 6", "model\t\t: 85", "model name\t: Intel(R) Xeon(R) CPU",
                "flags\t\t: fpu sse2 avx avx2 fma");
        assertArrayEquals(new String[] {"Intel(R) Xeon(R) CPU (family 6, model 85)", "AVX2"}, BenchCommand.cpu(avx2));
        assertArrayEquals(new String[] {"unknown CPU", "unknown ISA"}, BenchCommand.cpu(List.of()));
        assertArrayEquals(new String[] {"Some CPU", "no AVX2"}, BenchCommand.cpu(List.of("model name : Some CPU", "flags : sse2")));
    }

    @Test
    void zeroBatchStepsOrWarmupIsRefused() {
        assertRefusedWithOneLine("--batch must be at least 1, got 0", "bench", "mnist-step", "--batch", "0");
        assertRefusedWithOneLine("--steps must be at least 1, got 0", "bench", "mnist-step", "--steps", "0");
        assertRefusedWithOneLine("--batch must be at least 1, got -3", "bench", "clevr-step", "--batch", "-3");
        assertRefusedWithOneLine("--steps must be at least 1, got 0", "bench", "clevr-step", "--steps", "0",
                "--authors-code", "/nonexistent");
        assertRefusedWithOneLine("--rounds must be at least 1, got 0", "bench", "mnist-step", "--rounds", "0");
        assertRefusedWithOneLine("--warmup must be at least 1, got 0", "bench", "mnist-step", "--warmup", "0");
    }

    @Test
    void unknownBenchmarkIsaOrAuthorsDirectoryIsRefused(@TempDir Path empty) {
        assertRefusedWithOneLine("WHAT must be mnist-step or clevr-step, got 'resnet'", "bench", "resnet");
        assertRefusedWithOneLine("--isa must be native or avx2, got 'sse'", "bench", "mnist-step", "--isa", "sse");
        assertRefusedWithOneLine("--authors-device must be auto, cpu or cuda, got 'gpu'", "bench", "mnist-step",
                "--authors-device", "gpu");
        assertRefusedWithOneLine("--graph must be replay or eager, got 'fused'", "bench", "mnist-step", "--graph", "fused");
        assertRefusedWithOneLine("--graph replay needs the OpenCL backend (the CPU backend runs eagerly)", "bench", "mnist-step",
                "--graph", "replay", "--backend", "cpu", "--batch", "1", "--warmup", "1", "--steps", "1");
        assertRefusedWithOneLine("--authors-code " + empty + ": no model.py and dspn.py there or in its dspn/ folder (a checkout of "
                + "github.com/Cyanogenoid/dspn at be3703b)", "bench", "mnist-step", "--authors-code", empty.toString());
    }

    /**
     * A clone or archive of the authors' repository keeps its modules in dspn/: its root is taken as readily as that
     * folder, and the authors' step is given the folder.
     */
    @Test
    void theAuthorsRepositoryRootIsTakenForItsDspnFolder(@TempDir Path dir) throws IOException {
        Path code = authorsModules(dir);
        Files.writeString(dir.resolve("dspn.py"), ""); // the repository's root has a dspn.py of its own, but no model.py
        assertEquals(code, BenchCommand.authorsModules(dir));
        assertEquals(code, BenchCommand.authorsModules(code));
        Path argsFile = dir.resolve("args.txt");
        Path py = standInPython(dir, argsFile);
        Object[] r = run("bench", "mnist-step", "--batch", "1", "--warmup", "1", "--steps", "1", "--threads", "1", "--authors-code",
                dir.toString(), "--python", py.toString());
        assertEquals(0, r[0], (String) r[1]);
        assertTrue(Files.readString(argsFile).contains("--authors-code " + code.toAbsolutePath() + " "), Files.readString(argsFile));
    }

    /**
     * The authors' side is a separate process given our side's device: with {@code --authors-device
     * auto} and no OpenCL GPU (none here: PoCL is a CPU device, or there is no OpenCL at all) it runs
     * on the CPU. A stand-in python records its arguments and prints what bench/authors_step.py prints.
     */
    @Test
    void authorsDeviceAutoIsTheCpuWithoutAnOpenClGpu(@TempDir Path dir) throws IOException {
        Path code = authorsModules(dir);
        Path argsFile = dir.resolve("args.txt");
        Path py = standInPython(dir, argsFile);
        Object[] r = run("bench", "mnist-step", "--batch", "1", "--warmup", "2", "--steps", "1", "--threads", "1", "--authors-code",
                code.toString(), "--python", py.toString());
        String out = (String) r[1];
        assertEquals(0, r[0], out);
        String args = Files.readString(argsFile);
        assertTrue(args.contains("--device cpu") && args.contains("--task mnist") && args.contains("--batch 1")
                && args.contains("--warmup 2 --steps 1"), args);
        assertTrue(out.matches("(?s).*\ndspn4j  mnist-step f32 batch 1, [^\n]*, 2 warm-up steps: median [0-9.]+ s/step \\[[0-9.]+\\],.*"),
                out);
        assertTrue(out.contains("authors mnist batch 1") && out.matches("(?s).*ratio dspn4j/authors: time [0-9.]+ \\(cpu "
                + "[0-9.]+\\), memory [0-9.]+\n.*"), out);
    }

    /**
     * Run alone, our step's line comes after the machine's: CPU model, family and model, processors, ISA; the
     * line itself names the JDK, whose compiler decides how fast the vector kernels run.
     */
    @Test
    void oursAloneIsPrintedBesideTheMachine() {
        Object[] r = run("bench", "mnist-step", "--backend", "cpu", "--batch", "1", "--warmup", "1", "--steps", "1", "--threads", "1");
        String out = (String) r[1];
        assertEquals(0, r[0], out);
        assertTrue(out.matches("(?s)(.*\\n)?machine: [^\\n]+, [0-9]+ logical CPUs, (AVX-512|AVX2|no AVX2|unknown ISA)\\n"
                + "([^\\n]*\\n)?dspn4j  mnist-step f32 batch 1, 1 thread, [^\\n]*: median [0-9.]+ s/step.*"), out);
        assertTrue(out.contains(", Java " + System.getProperty("java.version") + ", inner steps"), out);
    }

    /** On OpenCL our step is recorded once and replayed by default, as train runs it; the line says which. */
    @Test
    void onOpenClTheStepIsReplayedAsTrainRunsIt() {
        org.junit.jupiter.api.Assumptions.assumeTrue(org.dspn4j.gpu.ClEngine.available(), "no OpenCL device");
        Object[] r = run("bench", "mnist-step", "--backend", "opencl", "--batch", "1", "--warmup", "1", "--steps", "1", "--arena-mb",
                "512");
        String out = (String) r[1];
        assertEquals(0, r[0], out);
        assertTrue(out.contains("graph: replay (training step recorded in") && out.matches("(?s).*\\ndspn4j  mnist-step f32 batch 1, "
                + "[^\\n]*, graph replay: median [0-9.]+ s/step[^\\n]*, device arena 512 MB \\(high-water [0-9]+ MB\\)\\n.*"), out);
    }

    @Test
    void helpNamesBothBenchmarks() {
        Object[] r = run("bench", "--help");
        assertEquals(0, r[0]);
        assertTrue(((String) r[1]).contains("mnist-step") && ((String) r[1]).contains("clevr-step")
                && ((String) r[1]).contains("--authors-code"), (String) r[1]);
    }

    /** Empty stand-ins of the authors' modules in {@code dir/dspn}, as in a checkout of their repository. */
    private static Path authorsModules(Path dir) throws IOException {
        Path code = Files.createDirectories(dir.resolve("dspn"));
        Files.writeString(code.resolve("model.py"), "");
        Files.writeString(code.resolve("dspn.py"), "");
        return code;
    }

    /** A python that records its arguments in {@code argsFile} and prints what bench/authors_step.py prints. */
    private static Path standInPython(Path dir, Path argsFile) throws IOException {
        Path py = dir.resolve("python");
        Files.writeString(py, "#!/bin/sh\necho \"$@\" > '" + argsFile + "'\n"
                + "echo 'authors mnist batch 1, 1 thread: median 0.50 s/step'\n"
                + "echo '{\"median_s\": 0.5, \"cpu_s\": 0.5, \"peak_rss_mb\": 1000.0}'\n");
        assertTrue(py.toFile().setExecutable(true));
        return py;
    }
}
