package org.dspn4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.dspn4j.experiment.grid.SlurmSettings;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/** {@code repeat}'s Slurm options (a picocli mixin); {@link SlurmSettings} holds the rules. */
public final class SlurmOptions {
    @Option(names = "--slurm", description = "submit the seeds as a Slurm job array (one task per seed; array index = seed) "
            + "instead of running them here; again later: resumes the seeds that did not finish (docs/cluster.md)")
    boolean slurm;

    @Option(names = "--dry-run", description = "with --slurm: print the job-array script; write and submit nothing")
    boolean dryRun;

    @Option(names = "--partition", paramLabel = "P", description = "with --slurm: the partition")
    String partition;

    @Option(names = "--gres", paramLabel = "G", description = "with --slurm: generic resources per task, e.g. gpu:1")
    String gres;

    @Option(names = "--time", paramLabel = "HH:MM:SS", description = "with --slurm: time limit per task")
    String time;

    @Option(names = "--mem", paramLabel = "M", description = "with --slurm: memory per task, e.g. 16G (Java's default heap is a quarter of it)")
    String mem;

    @Option(names = "--sbatch-arg", paramLabel = "ARG", description = "with --slurm: one more sbatch option, e.g. "
            + "--sbatch-arg=--cpus-per-task=4 (repeatable)")
    List<String> sbatchArgs = new ArrayList<>();

    @Option(names = "--task-setup", paramLabel = "LINE", description = "with --slurm: one complete shell line each task runs "
            + "(with eval) before Java, e.g. 'module load java/17' or '. /path/to/dspn4j/gpu-config/env.sh' (repeatable, once per line)")
    List<String> setup = new ArrayList<>();

    @Option(names = "--java", paramLabel = "PATH", description = "with --slurm: the java each task runs (default: this one's, "
            + "else java on the node's PATH; DSPN4J_JAVA at run time overrides)")
    String java;

    @Option(names = "--jar", paramLabel = "JAR", description = "with --slurm: the jar each task runs (default: a copy of the jar "
            + "this runs from, kept in the grid's folder)")
    Path jar;

    /** The settings, or a one-line refusal when a Slurm option was given without --slurm. */
    SlurmSettings settings(ParseResult parsed) {
        if (!slurm) {
            for (String o : List.of("--dry-run", "--partition", "--gres", "--time", "--mem", "--sbatch-arg", "--task-setup",
                    "--java", "--jar")) {
                if (parsed.hasMatchedOption(o)) {
                    throw new IllegalArgumentException(o + " goes with --slurm (repeat runs the seeds here without it)");
                }
            }
            return null;
        }
        return new SlurmSettings(partition, gres, time, mem, sbatchArgs, setup, java, jar, dryRun);
    }
}
