package org.dspn4j.experiment.grid;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What {@code repeat --slurm} asks of Slurm and of each array task: the {@code #SBATCH} options
 * (partition, generic resources, time limit, memory, any further sbatch option), the lines a task
 * runs before Java ({@code --task-setup}, e.g. {@code module load java/17} or sourcing
 * {@code gpu-config/env.sh}), which Java and which jar, and whether to only print the script.
 *
 * @param partition  {@code --partition}, or null
 * @param gres       {@code --gres}, e.g. {@code gpu:1}, or null
 * @param time       {@code --time} in one of Slurm's forms (minutes, MM:SS, HH:MM:SS, D-HH[:MM[:SS]]), or null
 * @param mem        {@code --mem} (a number with an optional K, M, G or T), or null
 * @param sbatchArgs further sbatch options, one {@code #SBATCH} line each
 * @param setup      shell lines each task runs before Java, one line each, complete ({@code bash -n}); the script runs each
 *                   with {@code eval}, so that none can run into the script's own lines
 * @param java       the Java each task runs (null: this JVM's, else {@code java} on the node's PATH)
 * @param jar        the jar each task runs (null: a copy of the jar this runs from, kept in the grid's folder)
 * @param dryRun     print the script, write and submit nothing
 */
public record SlurmSettings(String partition, String gres, String time, String mem, List<String> sbatchArgs,
                            List<String> setup, String java, Path jar, boolean dryRun) {

    private static final Pattern PARTITION = Pattern.compile("[A-Za-z0-9_.,-]+");
    private static final Pattern GRES = Pattern.compile("[A-Za-z0-9_:.,/-]+");
    private static final Pattern TIME = Pattern.compile(
            "\\d+|\\d+:\\d{1,2}|\\d+:\\d{1,2}:\\d{1,2}|\\d+-\\d+(:\\d{1,2}(:\\d{1,2})?)?|UNLIMITED|INFINITE", Pattern.CASE_INSENSITIVE);
    private static final Pattern MEM = Pattern.compile("\\d+[KMGT]?", Pattern.CASE_INSENSITIVE);
    /** sbatch options the grid sets itself: the array (one task per seed), and the folder tasks run in. */
    private static final List<String> OWN = List.of("--array", "-a", "--chdir", "-D", "--parsable", "--wrap");
    /** sbatch options of the task's log, which the grid keeps beside the seed's status.json. */
    private static final List<String> LOG = List.of("--output", "-o", "--error", "-e");

    public SlurmSettings {
        sbatchArgs = List.copyOf(sbatchArgs);
        setup = List.copyOf(setup);
    }

    /**
     * Checks every value; refuses with one line naming the option.
     *
     * @throws IllegalArgumentException for the first bad value
     */
    public void validate() {
        check("--partition", partition, PARTITION, "a partition name, or several separated by commas");
        check("--gres", gres, GRES, "e.g. gpu:1 or gpu:a100:2");
        check("--time", time, TIME, "HH:MM:SS, or Slurm's other forms: minutes, MM:SS, D-HH, D-HH:MM, D-HH:MM:SS");
        check("--mem", mem, MEM, "megabytes, or a number with K, M, G or T, e.g. 16G");
        for (String a : sbatchArgs) {
            if (!a.startsWith("-") || a.contains("\n") || a.contains("\r")) {
                throw new IllegalArgumentException("--sbatch-arg: '" + shown(a) + "' is not one sbatch option "
                        + "(give it with its value, e.g. --sbatch-arg=--constraint=a100)");
            }
            for (String own : OWN) {
                if (names(a, own)) {
                    throw new IllegalArgumentException("--sbatch-arg: repeat sets " + own + " itself (one array task per seed, "
                            + "run in the folder the command was given in); remove '" + shown(a) + "'");
                }
            }
            for (String own : LOG) {
                if (names(a, own)) {
                    throw new IllegalArgumentException("--sbatch-arg: repeat sets " + own + " itself (each task's output and "
                            + "errors go to one log beside its seed's status.json, seed-<s>/slurm-<job>_<s>.out); remove '"
                            + shown(a) + "'");
                }
            }
        }
        for (String line : setup) {
            if (line.contains("\n") || line.contains("\r")) {
                throw new IllegalArgumentException("--task-setup: '" + shown(line) + "' is not one shell line (it holds a line "
                        + "break); give --task-setup once per line");
            }
            String error = ShellSyntax.check(line);
            if (error != null) {
                throw new IllegalArgumentException("--task-setup: '" + line + "' is not a complete shell line (bash -n: " + error
                        + ")");
            }
        }
        if (java != null && (java.isBlank() || java.contains("\n"))) {
            throw new IllegalArgumentException("--java: give the path of a java executable");
        }
        if (jar != null && !Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("--jar: " + jar + ": " + (Files.isDirectory(jar) ? "a folder, not a jar"
                    : "no such file") + " (build it with mvn -DskipTests package, or leave --jar out to use the jar this "
                    + "dspn4j runs from)");
        }
    }

    /** Whether an sbatch argument gives the option {@code own} (long: alone, with = or a space; short: as its prefix). */
    private static boolean names(String a, String own) {
        return a.equals(own) || a.startsWith(own + "=") || a.startsWith(own + " ") || own.length() == 2 && a.startsWith(own);
    }

    private static void check(String option, String value, Pattern p, String what) {
        if (value != null && !p.matcher(value).matches()) {
            throw new IllegalArgumentException(option + ": '" + shown(value) + "' is not " + what);
        }
    }

    /** A value as one line (line breaks written as \\n), for messages. */
    private static String shown(String v) {
        return v.replace("\r", "\\r").replace("\n", "\\n");
    }
}
