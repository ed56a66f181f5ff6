package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.dspn4j.experiment.BackendChoice;
import org.dspn4j.experiment.RunRecord;
import org.dspn4j.gpu.ClDeviceInfo;
import org.dspn4j.gpu.ArenaLive;
import org.dspn4j.gpu.SharedEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train|eval|show mnist --backend opencl} end to end on a tiny model (PoCL in CI), against the
 * same commands with {@code --backend cpu --dtype f32}; checkpoints cross backends both ways. The
 * commands use the tests' shared engine ({@link BackendChoice#lendEngine}), so the engine kernel is
 * compiled once per test JVM.
 */
class OpenClCommandsTest {
    private static final String[] TINY = {"--latent", "4", "--hidden", "8", "--iters", "2", "--batch", "4", "-q",
            "--threads", "2", "--dtype", "f32"};
    /**
     * F32 on both backends with different matmul rounding (fma chain vs float loop), through 2-3 Adam
     * steps: losses within 1e-5 relative. Measured: identical to the printed 17 digits for this model.
     */
    private static final double REL = 1e-5;

    private static ClDeviceInfo device;

    @BeforeAll
    static void lend() {
        device = SharedEngine.get().device(); // skips the class when there is no OpenCL platform
        BackendChoice.lendEngine(SharedEngine.get());
    }

    @AfterAll
    static void endLoan() throws InterruptedException {
        BackendChoice.lendEngine(null);
        if (SharedEngine.available()) {
            ArenaLive.settled(SharedEngine.get()); // this class's garbage freed before the next class allocates in the shared arena
        }
    }

    static String run(String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        int rc;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            rc = Main.run(args);
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, "exit code of " + String.join(" ", args) + "\n" + out);
        return out;
    }

    private static String[] train(Path out, int steps, String backend, boolean resume) {
        List<String> a = new ArrayList<>(List.of("train", "mnist", "--steps", Integer.toString(steps), "--out",
                out.toString(), "--backend", backend));
        a.addAll(List.of(TINY));
        if (resume) {
            a.add("--resume");
        }
        return a.toArray(new String[0]);
    }

    /** Every number of metrics.jsonl except the timings, in order. */
    private static List<double[]> losses(Path run) throws Exception {
        List<double[]> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            Map<String, Double> f = RunRecord.numbers(line);
            f.remove("seconds");
            out.add(f.values().stream().mapToDouble(Double::doubleValue).toArray());
        }
        return out;
    }

    private static void assertClose(List<double[]> want, List<double[]> got) {
        assertEquals(want.size(), got.size());
        for (int i = 0; i < want.size(); i++) {
            assertEquals(want.get(i).length, got.get(i).length, "line " + i);
            for (int j = 0; j < want.get(i).length; j++) {
                double w = want.get(i)[j];
                assertEquals(w, got.get(i)[j], REL * Math.abs(w), "metrics line " + i + ", field " + j);
            }
        }
    }

    private static double value(String output, String key) {
        for (String line : output.split("\n")) {
            if (line.startsWith(key + " ")) {
                return Double.parseDouble(line.substring(key.length() + 1).trim());
            }
        }
        throw new AssertionError(key + " not in\n" + output);
    }

    @Test
    void trainEvalAndShowOnOpenClMatchTheCpuAndCheckpointsCrossBackends(@TempDir Path dir) throws Exception {
        Path cl = dir.resolve("cl");
        Path cpu = dir.resolve("cpu");
        String out = run(train(cl, 2, "opencl", false));
        assertTrue(out.contains("backend: opencl, device: " + device.name()), out);
        run(train(cpu, 2, "cpu", false));
        List<double[]> want = losses(cpu);
        assertEquals(4, want.size()); // initial test, 2 steps, final test
        assertClose(want, losses(cl));

        String record = Files.readString(cl.resolve("run.json"));
        assertTrue(record.contains("\"backend\" : \"opencl\"") && record.contains("\"device\" : \"" + device.name() + "\"")
                && record.contains("\"platform\" : \"" + device.platform() + "\""), record);
        assertTrue(Files.readString(cpu.resolve("run.json")).contains("\"backend\" : \"cpu\""));

        // the opencl checkpoint resumes on the CPU, and continues as the CPU run does
        run(train(cl, 3, "cpu", true));
        run(train(cpu, 3, "cpu", true));
        assertClose(losses(cpu), losses(cl));
        assertTrue(Files.readString(cl.resolve("run.json")).contains("\"backend\" : \"cpu\""));

        // a checkpoint written on the CPU evaluates and draws on OpenCL, naming the device
        Path ckpt = cpu.resolve("checkpoint.npz");
        String evCl = run("eval", "mnist", "--checkpoint", ckpt.toString(), "--backend", "opencl");
        String evCpu = run("eval", "mnist", "--checkpoint", ckpt.toString(), "--backend", "cpu");
        assertTrue(evCl.startsWith("backend: opencl, device: " + device.name() + " (" + device.type() + ", platform "
                + device.platform() + ")"), evCl);
        assertTrue(evCpu.startsWith("backend: cpu, device: "), evCpu);
        for (String k : new String[] {"test_loss", "test_last"}) {
            assertEquals(value(evCpu, k), value(evCl, k), REL * value(evCpu, k), k);
        }
        Path fig = dir.resolve("fig.png");
        String show = run("show", "mnist", "--checkpoint", ckpt.toString(), "--out", fig.toString(), "--rows", "2",
                "--device", Integer.toString(device.index()));
        assertTrue(show.contains("backend: opencl") && Files.size(fig) > 1000, show);
    }
}
