package org.dspn4j.experiment.grid;

import java.nio.file.Path;
import java.util.List;

/**
 * The job-array script of a grid: one array task per seed, the array index being the seed itself
 * ({@code SLURM_ARRAY_TASK_ID} = seed, so {@code squeue} shows job {@code 123_4} for seed 4), each task
 * logging to {@code seed-<s>/slurm-<job>_<s>.out} and running {@link GridTask} for its seed in the
 * folder the command was given in. The script is plain bash that a reader can check, and it can be
 * submitted again by hand ({@code sbatch array-<n>.sh}).
 */
final class SlurmScript {
    /** The class a task runs ({@code org.dspn4j.cli.SlurmTask}: grid.json and the seed in, GridTask, exit code out). */
    static final String TASK_MAIN = "org.dspn4j.cli.SlurmTask";
    /**
     * The launcher's JVM flags ({@code ./dspn4j}, which explains each): G1 (the OpenCL engine needs it), then
     * the heap's flags, {@link #CLEVR_HEAP} for a CLEVR grid, {@link #MNIST_HEAP} for an MNIST one, else {@link #HEAP}, then {@link #VECTOR}. None
     * changes a result. DSPN4J_JAVA_OPTS comes after them, as in the launcher.
     */
    static final List<String> JVM_FLAGS = List.of("-XX:+UseG1GC");
    /** The launcher's heap growth and marking threshold for the commands that are neither MNIST nor CLEVR ones. */
    static final List<String> HEAP = List.of("-XX:GCTimeRatio=1", "-XX:-G1UseAdaptiveIHOP", "-XX:InitiatingHeapOccupancyPercent=90");
    /**
     * The launcher's heap growth, region size, marking threshold, free share kept after a marking cycle, young
     * generation's largest share, step of growth and heap size for the MNIST commands.
     */
    static final List<String> MNIST_HEAP = List.of("-XX:GCTimeRatio=1", "-XX:G1HeapRegionSize=16m", "-XX:-G1UseAdaptiveIHOP",
            "-XX:InitiatingHeapOccupancyPercent=60", "-XX:MinHeapFreeRatio=10",
            "-XX:+UnlockExperimentalVMOptions", "-XX:G1MaxNewSizePercent=10", "-XX:G1ExpandByPercentOfAvailable=5", "-Xmx2g");
    /** The arguments that make the launcher take {@link #MNIST_HEAP} (unless one of {@link #CLEVR_WORDS} is there too). */
    static final List<String> MNIST_WORDS = List.of("mnist", "mnist-step");
    /**
     * The launcher's heap growth, G1 region size (the batch-32 activations of 4 MB and more are then humongous
     * objects, never copied by young collections), marking threshold, young generation's largest share of the
     * heap and heap size for the CLEVR commands.
     */
    static final List<String> CLEVR_HEAP = List.of("-XX:GCTimeRatio=2", "-XX:G1HeapRegionSize=8m", "-XX:-G1UseAdaptiveIHOP",
            "-XX:InitiatingHeapOccupancyPercent=80", "-XX:+UnlockExperimentalVMOptions", "-XX:G1MaxNewSizePercent=30", "-Xmx2g");
    /** The arguments that make the launcher take {@link #CLEVR_HEAP}. */
    static final List<String> CLEVR_WORDS = List.of("clevr", "clevr-box", "clevr-state", "clevr-step");
    /**
     * The Vector API module (faster CPU matrix products, the same bits without it), added when the task's Java
     * has it: the runtime gpu-config/make-portable.sh builds for nodes without Java does not.
     */
    static final String VECTOR = "--add-modules=jdk.incubator.vector";
    /** Slurm's array indexes run from 0 to MaxArraySize - 1; its default MaxArraySize is 1001. */
    static final long MAX_INDEX = 1000;

    private SlurmScript() {
    }

    static String render(Grid grid, List<Long> seeds, SlurmSettings s, TaskRuntime rt) {
        Path dir = grid.dir();
        StringBuilder b = new StringBuilder();
        b.append("#!/bin/bash\n");
        b.append("# dspn4j grid ").append(dir).append(": one array task per seed (array index = seed).\n");
        b.append("# ").append(String.join(" ", grid.command())).append("\n");
        b.append("# Written by dspn4j repeat --slurm; give the same repeat command again to resume what did not finish.\n");
        b.append("#SBATCH --job-name=").append(jobName(dir)).append('\n');
        b.append("#SBATCH --array=").append(Seeds.ranges(seeds)).append('\n');
        b.append("#SBATCH --output=").append(dir).append("/seed-%a/slurm-%A_%a.out\n");
        b.append("#SBATCH --chdir=").append(grid.cwd()).append('\n');
        line(b, "--partition", s.partition());
        line(b, "--gres", s.gres());
        line(b, "--time", s.time());
        line(b, "--mem", s.mem());
        for (String a : s.sbatchArgs()) {
            b.append("#SBATCH ").append(a).append('\n');
        }
        b.append("set -euo pipefail\n");
        if (!s.setup().isEmpty()) {
            // each line one quoted word for eval: whatever it holds (an open quote, a heredoc, a trailing \) stays in it
            b.append("# --task-setup, each line as given:\n");
            for (String l : s.setup()) {
                b.append("eval ").append(quote(l)).append('\n');
            }
        }
        b.append("java=\"${DSPN4J_JAVA:-").append(rt.java().replace("\\", "\\\\").replace("\"", "\\\"")
                .replace("$", "\\$").replace("`", "\\`")).append("}\"\n");
        b.append("if [ ! -x \"$java\" ]; then java=\"$(command -v java || true)\"; fi\n");
        b.append("if [ -z \"$java\" ]; then\n");
        b.append("  echo \"dspn4j task: no Java 17 on $(hostname): set DSPN4J_JAVA, or give repeat --java or --task-setup 'module load ...'\" >&2\n");
        b.append("  exit 127\n");
        b.append("fi\n");
        b.append("# signal chaining for OpenCL drivers that install their own handlers (docs/gpu.md, \"Signal handlers\")\n");
        b.append("jsig=\"$(dirname \"$(dirname \"$(readlink -f \"$java\")\")\")/lib/libjsig.so\"\n");
        b.append("if [ -f \"$jsig\" ]; then export LD_PRELOAD=\"$jsig${LD_PRELOAD:+:$LD_PRELOAD}\"; fi\n");
        b.append("# the Vector API module when this Java has it (a jlink runtime may not)\n");
        b.append("vector=\"\"\n");
        b.append("case \"$(\"$java\" --list-modules 2>/dev/null || true)\" in *jdk.incubator.vector@*) vector=")
                .append(VECTOR).append(" ;; esac\n");
        b.append("exec \"$java\" ").append(String.join(" ", jvmFlags(grid.command()))).append(" $vector ${DSPN4J_JAVA_OPTS:-} \\\n");
        b.append("  -cp ").append(quote(rt.classpath())).append(' ').append(TASK_MAIN).append(" \\\n");
        b.append("  ").append(quote(grid.file().toString())).append(" \"$SLURM_ARRAY_TASK_ID\"\n");
        return b.toString();
    }

    /**
     * The launcher's flags for this command: {@link #JVM_FLAGS}, then {@link #CLEVR_HEAP} where it names a
     * CLEVR task, else {@link #MNIST_HEAP} where it names an MNIST one, else {@link #HEAP}.
     */
    static List<String> jvmFlags(List<String> command) {
        List<String> flags = new java.util.ArrayList<>(JVM_FLAGS);
        flags.addAll(command.stream().anyMatch(CLEVR_WORDS::contains) ? CLEVR_HEAP
                : command.stream().anyMatch(MNIST_WORDS::contains) ? MNIST_HEAP : HEAP);
        return flags;
    }

    private static void line(StringBuilder b, String option, String value) {
        if (value != null) {
            b.append("#SBATCH ").append(option).append('=').append(value).append('\n');
        }
    }

    /** {@code dspn4j-<grid folder name>}, in the characters job names keep readable. */
    static String jobName(Path dir) {
        Path n = dir.getFileName();
        return "dspn4j-" + (n == null ? "grid" : n.toString().replaceAll("[^A-Za-z0-9_.+-]", "_"));
    }

    /** A single-quoted shell word. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /**
     * Refuses what #SBATCH lines cannot carry: a path with white space or {@code %} (Slurm's file-name
     * patterns), or a seed that is no array index.
     */
    static void checkCarriable(Grid grid, List<Long> seeds) {
        for (long seed : seeds) {
            if (seed > MAX_INDEX) {
                throw new IllegalArgumentException("--seeds: with --slurm each seed is its array task's index, 0.." + MAX_INDEX
                        + " (Slurm's default MaxArraySize is 1001); seed " + seed + " is too large");
            }
        }
        check("--out", grid.dir().toString());
        check("the current folder", grid.cwd().toString());
    }

    private static void check(String what, String path) {
        if (path.matches(".*[\\s%].*")) {
            throw new IllegalArgumentException(what + ": '" + path + "' has white space or %, which #SBATCH --output and "
                    + "--chdir cannot carry; choose a plain path");
        }
    }
}
