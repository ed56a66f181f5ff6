package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.dspn4j.experiment.BackendChoice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user who starts the jar by hand ({@code java -jar target/dspn4j.jar …}: Windows without bash, an IDE, a script of
 * their own) runs without the launcher's {@code --add-modules=jdk.incubator.vector}; the CPU backend then computes on
 * its scalar kernels, with the same bits and many times slower. Every command that computes says so once, in a
 * {@code note:} line right after its backend line, and names the fix. The commands run in child JVMs started without
 * the module (the test JVM has it: pom.xml's surefire argLine) and, for the contrast, with it.
 */
class VectorModuleAuditTest {
    private static final List<String> TINY = List.of("--latent", "8", "--hidden", "16", "--iters", "2", "--batch", "4",
            "--threads", "2", "--backend", "cpu");
    private static final String BACKEND = "backend: cpu, device: 2 threads, " + System.getProperty("os.arch");

    @TempDir
    Path dir;

    /** The command in a JVM of its own, with or without the Vector API module; standard output and error together. */
    private static String run(boolean vectorModule, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseG1GC"));
        if (vectorModule) {
            cmd.add("--add-modules=jdk.incubator.vector");
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("LD_PRELOAD");
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "child JVM did not finish: " + args);
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", args) + "\n" + text);
        return text;
    }

    private static List<String> train(Path out) {
        List<String> a = new ArrayList<>(List.of("train", "mnist", "--steps", "1", "--out", out.toString()));
        a.addAll(TINY);
        return a;
    }

    /** The indices of the lines equal to {@code line}. */
    private static List<Integer> linesEqual(List<String> lines, String line) {
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).equals(line)) {
                at.add(i);
            }
        }
        return at;
    }

    /** The note, once, on the line right after the (first) backend line; returns the output's lines. */
    private static List<String> notedOnce(String text) {
        List<String> lines = text.lines().toList();
        List<Integer> backend = linesEqual(lines, BACKEND);
        assertFalse(backend.isEmpty(), "no backend line '" + BACKEND + "'\n" + text);
        List<Integer> note = linesEqual(lines, BackendChoice.SCALAR_NOTE);
        assertEquals(List.of(backend.get(0) + 1), note, "the note, once, right after the backend line\n" + text);
        return lines;
    }

    @Test
    void theNoteNamesTheModuleAndTheFix() {
        String note = BackendChoice.SCALAR_NOTE;
        assertTrue(note.startsWith("note: "), note);
        assertTrue(note.contains("scalar kernels"), note);
        assertTrue(note.contains("--add-modules=jdk.incubator.vector"), note);
        assertTrue(note.contains("./dspn4j"), note);
        assertFalse(note.contains("\n"), note);
    }

    @Test
    void trainEvalAndTraceWithoutTheModuleSaySo() throws Exception {
        Path run = dir.resolve("run");
        notedOnce(run(false, train(run)));
        notedOnce(run(false, List.of("eval", "mnist", "--checkpoint", run.toString(), "--threads", "2", "--backend", "cpu")));
        notedOnce(run(false, List.of("trace", "--model", "mnist", "--weights", "golden/roundtrip/mnist_dspn_weights.npz",
                "--input", "golden/roundtrip/mnist_dspn_input.npz", "--out", dir.resolve("t.npz").toString(),
                "--threads", "2", "--backend", "cpu")));
    }

    @Test
    void repeatSaysSoOnceForAllItsSeeds() throws Exception {
        List<String> a = new ArrayList<>(List.of("repeat", "--seeds", "1-2", "--out", dir.resolve("grid").toString(), "--",
                "train", "mnist", "--steps", "1"));
        a.addAll(TINY);
        List<String> lines = notedOnce(run(false, a));
        assertEquals(2, linesEqual(lines, BACKEND).size(), String.join("\n", lines)); // one backend line per seed
    }

    @Test
    void withTheModuleThereIsNoNote() throws Exception {
        String text = run(true, train(dir.resolve("run")));
        assertTrue(text.lines().anyMatch(BACKEND::equals), text);
        assertFalse(text.contains("Vector API"), text);
    }
}
