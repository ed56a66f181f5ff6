package org.dspn4j.experiment.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The heap flags are chosen by the command's words in three shell scripts besides {@link SlurmScript}:
 * the launcher {@code ./dspn4j}, the launcher {@code gpu-config/make-portable.sh} writes for machines
 * without Java, and {@code bench/op_profile.sh}. Each script's own lines that choose them are cut out
 * and run by the shell for a set of commands, and what they choose must be
 * {@link SlurmScript#jvmFlags}'s heap flags for the same words: a flag changed in one copy and not in
 * the others fails here.
 */
class HeapFlagCopiesTest {
    /** Commands and the heap flags each must get (a CLEVR word wins over an MNIST one). */
    private static final List<List<String>> COMMANDS = List.of(
            List.of("train", "mnist"),
            List.of("bench", "mnist-step", "--steps", "3"),
            List.of("train", "clevr-state", "--steps", "3"),
            List.of("train", "clevr-box"),
            List.of("bench", "clevr-step"),
            List.of("train", "clevr"),
            List.of("train", "mnist", "--data-dir", "clevr"),
            List.of("summarise", "--grid", "g"),
            List.of("--version"));

    private static List<String> heapOf(List<String> command) {
        List<String> all = SlurmScript.jvmFlags(command);
        return all.subList(SlurmScript.JVM_FLAGS.size(), all.size());
    }

    @Test
    void theLauncherChoosesSlurmScriptsFlags() throws Exception {
        String launcher = Files.readString(Path.of("dspn4j"));
        eachCommand("bash", cut(launcher, "heap=(", "done\n") + "echo \"${heap[@]}\"\n", "./dspn4j");
    }

    @Test
    void thePortableLauncherChoosesSlurmScriptsFlags() throws Exception {
        String maker = Files.readString(Path.of("gpu-config", "make-portable.sh"));
        String script = cut(maker, "cat > \"$out/dspn4j\" <<'SH'\n", "\nSH\n");
        eachCommand("sh", cut(script, "heap=\"", "done\n") + "echo $heap\n", "the portable launcher");
    }

    /** Runs {@code script} for every one of {@link #COMMANDS}: it must print SlurmScript's heap flags for it. */
    private static void eachCommand(String shell, String script, String who) throws Exception {
        for (List<String> c : COMMANDS) {
            assertEquals(heapOf(c), run(shell, script, c), who + " " + c);
        }
    }

    /** op_profile.sh takes one word (mnist, clevr, resnet) and runs bench mnist-step or clevr-step, or ResNetBench. */
    @Test
    void theOpProfileChoosesTheLaunchersFlagsForWhatItRuns() throws Exception {
        String profile = Files.readString(Path.of("bench", "op_profile.sh"));
        String line = profile.lines().filter(l -> l.startsWith("case \"$what\" in ")).findFirst().orElseThrow();
        String block = "what=\"$1\"\njvm=()\n" + line + "\necho \"${jvm[@]}\"\n";
        assertEquals(heapOf(List.of("bench", "mnist-step")), run("bash", block, List.of("mnist")), "op_profile.sh mnist");
        assertEquals(heapOf(List.of("bench", "clevr-step")), run("bash", block, List.of("clevr")), "op_profile.sh clevr");
        assertEquals(heapOf(List.of("bench", "clevr-step")), run("bash", block, List.of("resnet")), "op_profile.sh resnet");
    }

    /** The text of {@code s} from {@code from} (included) up to {@code to} (included), which must both be there. */
    private static String cut(String s, String from, String to) {
        int a = s.indexOf(from);
        assertTrue(a >= 0, "no " + from.trim());
        int b = s.indexOf(to, a + from.length());
        assertTrue(b >= 0, "no " + to.trim() + " after " + from.trim());
        return s.substring(a, b + to.length());
    }

    /** Runs {@code script} with {@code shell}, the command's words as "$@", and returns the words it prints. */
    private static List<String> run(String shell, String script, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(shell, "-c", script, shell));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the shell did not finish");
        assertEquals(0, p.exitValue(), out);
        return out.isEmpty() ? List.of() : Arrays.asList(out.split("\\s+"));
    }
}
