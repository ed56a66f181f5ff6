package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * trace has no --batch: running out of memory it says what does help (a smaller --iters or input, or a larger heap),
 * in one line with exit code 2.
 */
class TraceOutOfMemoryTest {

    @Test
    void tooManyInnerStepsNameIters(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("o.npz");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(List.of(java.toString(), "-XX:+UseG1GC", "-Xmx48m",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "trace", "--model", "mnist",
                "--weights", "golden/roundtrip/mnist_dspn_weights.npz", "--input", "golden/roundtrip/mnist_dspn_input.npz",
                "--out", out.toString(), "--backend", "cpu", "--threads", "1", "--iters", "2000000"));
        pb.redirectErrorStream(true);
        pb.environment().remove("LD_PRELOAD");
        Process p = pb.start();
        byte[] bytes = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "child JVM did not finish");
        String text = new String(bytes, StandardCharsets.UTF_8);
        assertEquals(2, p.exitValue(), text);
        List<String> lines = text.lines().filter(l -> l.startsWith("dspn4j: ")).toList();
        assertEquals(1, lines.size(), text);
        String line = lines.get(0);
        assertTrue(line.startsWith("dspn4j: out of memory tracing 2000000 inner steps (--iters) at batch 3, set size 10"), line);
        assertTrue(line.contains("a smaller --iters") && line.contains("-Xmx"), line);
        // the larger heap by Heap.larger, every command's rule (twice this one in whole GiB, at least 1g)
        assertTrue(line.endsWith(" heap; a smaller --iters, a smaller input or a larger heap helps, "
                + "e.g. DSPN4J_JAVA_OPTS=-Xmx1g"), line);
        assertFalse(line.contains("--batch"), line);
        assertFalse(Files.exists(out), "wrote " + out);
    }
}
