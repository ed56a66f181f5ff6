package org.dspn4j.experiment.grid;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Whether a {@code --task-setup} line is a complete shell command, by {@code bash -n} (which reads and runs
 * nothing): an open quote, an {@code if} without {@code fi} or a here-document, whose body a single line cannot
 * hold, would fail in every task before Java starts, hours after submission. Where no bash can be started here,
 * nothing is checked (the task's script runs the line with {@code eval}, which confines the failure to it).
 */
final class ShellSyntax {
    private ShellSyntax() {
    }

    /** What bash -n says of the line, as one line, or null when it says nothing (or cannot be run). */
    static String check(String line) {
        Process p;
        try {
            p = new ProcessBuilder("bash", "-n", "-c", line).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.PIPE).start();
        } catch (IOException e) {
            return null; // no bash here: the line is checked where it runs
        }
        try {
            p.getOutputStream().close();
            String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            if (p.exitValue() == 0 && said.isEmpty()) {
                return null;
            }
            return said.isEmpty() ? "exit code " + p.exitValue()
                    : String.join("; ", said.lines().map(l -> l.replaceFirst("^bash: (-c: )?", "")).toList());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
