package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.dspn4j.testing.FolderSnapshot;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every option of every command, given a value it cannot use, is refused before any work: exit code 2 and one line,
 * {@code dspn4j: …} naming the option, no stack trace, and nothing written, moved or created (neither in the command's
 * folders nor in the current one). The options are walked from the commands' own specs, so that an option added later
 * is covered, or this test fails until it is put in one of the tables below, which say what each value must be.
 *
 * <p>Each bad value is given to an otherwise valid, small command line ({@link #base}), so that the refusal can only be
 * the option's own. A value that is not refused would start the command's work; the bases keep that work to a step or a
 * few digits, and the test then fails on the exit code or on what was written.
 */
class OptionValuesAuditTest {

    /**
     * Counts and sizes: 0 and negatives mean nothing (a batch, a step count, threads, a width, a number of rows, epochs,
     * rounds and warm-up steps of bench, an arena of OpenCL memory, the image side), so both are refused.
     */
    private static final Set<String> POSITIVE = Set.of("train --latent", "train --hidden", "train --epochs", "train --batch",
            "train --synth-train", "train --synth-val", "train --image-size", "train --threads", "train --arena-mb",
            "eval --batch", "eval --threads", "eval --arena-mb",
            "show --batch", "show --rows", "show --threads", "show --arena-mb",
            "repeat --arena-mb", "summarise --threads", "summarise --arena-mb",
            "trace --arena-mb", "trace --threads",
            "export-weights --latent", "export-weights --hidden", "export-weights --set-size",
            "bench --batch", "bench --steps", "bench --warmup", "bench --threads", "bench --arena-mb", "bench --rounds",
            "synth --threads");

    /**
     * Where 0 has a meaning and only negatives are refused: T = 0 inner steps decodes the learnt initial set Y(0)
     * (Algorithm 1 with no step; the authors' dspn.py DSPN.forward returns [Y(0)]); train's --steps 0 is "no limit" and
     * --eval-every 0 "at the end of each epoch only", as their --help says; bench's --pool 0 is the serial pool; ap's
     * --limit 0 is refused by ap itself as "no file to evaluate"; synth --scenes 0 writes an empty scenes file (its
     * --help gives the range 0 ..).
     */
    private static final Set<String> NON_NEGATIVE = Set.of("train --iters", "train --steps", "train --eval-every",
            "eval --iters", "trace --iters", "bench --pool", "ap --limit", "synth --scenes");

    /** Seeds: any long is a seed (0 and negatives too), so only what is no long is refused. */
    private static final Set<String> ANY = Set.of("train --seed", "train --synth-seed", "eval --seed", "show --seed",
            "trace --seed", "export-weights --seed", "synth --seed");

    /** Rates that must be finite and greater than 0: Adam's learning rate and the inner step size eta (Algorithm 1). */
    private static final Set<String> POSITIVE_REAL = Set.of("train --lr", "train --inner-lr", "trace --inner-lr");

    /**
     * Thresholds of ap: a distance or an IoU, 0 or more; 'inf' is the state task's "any distance" (Table 2), and the
     * base's task, box, takes IoUs only, greater than 0 and finite.
     */
    private static final Set<String> THRESHOLD = Set.of("ap --thresholds");

    /** A file read: it must exist and be a file. */
    private static final Set<String> INPUT_FILE = Set.of("trace --weights", "trace --input", "repeat --jar");

    /** A checkpoint file, or a run folder that holds checkpoint.npz: a missing path and a folder without one are refused. */
    private static final Set<String> CHECKPOINT = Set.of("eval --checkpoint", "show --checkpoint", "show --baseline",
            "export-weights --checkpoint");

    /** A folder read: it must exist and be a folder. */
    private static final Set<String> INPUT_FOLDER = Set.of("train --data-dir", "eval --data-dir", "show --data-dir",
            "show --compare", "bench --authors-code", "ap --detections", "ap --groundtruths");

    /** A grid: its grid.json or its folder; a missing path is refused. */
    private static final Set<String> GRID = Set.of("summarise --grid");

    /** A file written: not a folder, and its folder must exist (a regular file stands in for a folder that cannot be). */
    private static final Set<String> OUTPUT_FILE = Set.of("show --out", "show --curves", "trace --out",
            "export-weights --out", "import-torch --out");

    /** A folder written (created if missing): not a file, and not inside a file. */
    private static final Set<String> OUTPUT_FOLDER = Set.of("train --out", "train --synth-cache", "eval --export",
            "repeat --out", "synth --out");

    /** Names of a fixed set of choices: any other word is refused. */
    private static final Set<String> CHOICE = Set.of("train --decoder", "train --hungarian", "train --box-formula", "train --dtype", "train --preset",
            "train --graph", "train --inner-steps", "train --backend", "eval --backend", "show --backend", "repeat --backend",
            "summarise --backend", "trace --model", "trace --decoder", "trace --dtype", "trace --backend", "trace --hungarian",
            "export-weights --model", "export-weights --decoder", "export-weights --dtype", "bench --dtype", "bench --backend",
            "bench --isa", "bench --inner-steps", "bench --authors-device", "bench --graph", "ap --task", "ap --iou",
            "synth --split", "import-torch --model", "import-torch --decoder", "repeat --seeds");

    /**
     * Free text, not checked here: an OpenCL device's index or part of its name (which devices there are depends on
     * the machine), the python to run the authors' code with, and repeat's Slurm settings, which sbatch itself reads.
     */
    private static final Set<String> FREE = Set.of("train --device", "eval --device", "show --device", "repeat --device",
            "summarise --device", "trace --device", "bench --device", "bench --python", "repeat --partition",
            "repeat --gres", "repeat --time", "repeat --mem", "repeat --sbatch-arg", "repeat --task-setup", "repeat --java");

    private static final String[] TINY_MODEL = {"--latent", "4", "--hidden", "8", "--iters", "2", "--batch", "4", "-q",
        "--threads", "2"};

    @TempDir
    static Path shared;
    static Path checkpoint;
    static Path file;
    static Path emptyFolder;

    @BeforeAll
    static void fixture() throws Exception {
        Path run = shared.resolve("run");
        CliRun r = CliRun.of(with(List.of("train", "mnist", "--steps", "1", "--backend", "cpu", "--out", run.toString()),
                TINY_MODEL));
        assertEquals(0, r.code(), r.out());
        checkpoint = run.resolve("checkpoint.npz");
        file = Files.writeString(shared.resolve("file.txt"), "a file\n");
        emptyFolder = Files.createDirectory(shared.resolve("empty"));
    }

    private static String[] with(List<String> a, String... b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(Arrays.asList(b));
        return all.toArray(new String[0]);
    }

    /** Values that must be refused for {@code key} ("command --option") of Java type {@code type}. */
    private static List<String> badValues(String key, OptionSpec o, Path work) {
        Class<?> type = o.type();
        if (List.class.isAssignableFrom(type) && o.auxiliaryTypes().length > 0) {
            type = o.auxiliaryTypes()[0];
        }
        List<String> v = new ArrayList<>();
        String name = type.getSimpleName();
        Path underFile = file.resolve("x");
        switch (name) {
            case "int", "Integer", "long", "Long" -> {
                boolean isLong = name.equalsIgnoreCase("long");
                v.addAll(List.of("abc", "1.5", isLong ? "99999999999999999999" : "99999999999"));
                if (POSITIVE.contains(key)) {
                    v.addAll(List.of("0", "-1"));
                    if (key.endsWith(" --threads")) { // each a platform thread with its own stack: at most 4 per processor
                        v.add("100000");
                    }
                } else if (NON_NEGATIVE.contains(key)) {
                    v.add("-1");
                } else if (!ANY.contains(key)) {
                    return null;
                }
            }
            case "double", "Double" -> {
                v.addAll(List.of("abc", "NaN"));
                if (POSITIVE_REAL.contains(key)) {
                    v.addAll(List.of("Infinity", "-Infinity", "0", "-1", "1e-400"));
                } else if (THRESHOLD.contains(key)) {
                    v.addAll(List.of("-1", "-Infinity", "0", "inf"));
                } else {
                    return null;
                }
            }
            case "Path" -> {
                Path missing = work.resolve("missing");
                if (INPUT_FILE.contains(key)) {
                    v.addAll(List.of(missing.toString(), emptyFolder.toString()));
                } else if (CHECKPOINT.contains(key)) {
                    v.addAll(List.of(missing.toString(), emptyFolder.toString()));
                } else if (INPUT_FOLDER.contains(key)) {
                    v.addAll(List.of(missing.toString(), file.toString()));
                } else if (GRID.contains(key)) {
                    v.add(missing.toString());
                } else if (OUTPUT_FILE.contains(key)) {
                    v.addAll(List.of(emptyFolder.toString(), underFile.resolve("out.png").toString(),
                            missing.resolve("out.png").toString()));
                } else if (OUTPUT_FOLDER.contains(key)) {
                    v.addAll(List.of(file.toString(), underFile.toString(), underFile.resolve("y").toString()));
                } else {
                    return null;
                }
            }
            default -> { // String and enums
                if (CHOICE.contains(key)) {
                    v.add(key.equals("repeat --seeds") ? "abc" : "bogus");
                } else if (!FREE.contains(key)) {
                    return null;
                }
            }
        }
        return v;
    }

    /**
     * A small valid command line of {@code command} in {@code work} without {@code option} (which the test appends):
     * the option under test is then the only thing to refuse.
     */
    private static List<String> base(String command, String option, Path work) throws Exception {
        List<String> a = new ArrayList<>();
        switch (command) {
            case "train" -> {
                boolean clevr = Arrays.asList(ClevrDataOptions.NAMES).contains(option);
                a.addAll(List.of("train", clevr ? "clevr-box" : "mnist", "--steps", "1", "--backend", "cpu", "--out",
                        work.resolve("run").toString()));
                a.addAll(Arrays.asList(TINY_MODEL));
                if (clevr) {
                    a.addAll(List.of("--synth-train", "2", "--synth-val", "2", "--image-size", "65", "--synth-cache",
                            work.resolve("synth").toString()));
                }
            }
            case "eval" -> a.addAll(List.of("eval", "mnist", "--checkpoint", checkpoint.toString(), "--batch", "4",
                    "--backend", "cpu", "--threads", "2"));
            case "show" -> {
                a.addAll(List.of("show", "mnist", "--checkpoint", checkpoint.toString(), "--out",
                        work.resolve("fig.png").toString(), "--backend", "cpu", "--threads", "2", "--rows", "2"));
                if (option.equals("--compare")) {
                    a.addAll(List.of("--curves", work.resolve("curves.png").toString()));
                }
            }
            case "repeat" -> {
                a.addAll(List.of("repeat", "--seeds", "1", "--out", work.resolve("grid").toString()));
                if (option.equals("--jar")) {
                    a.addAll(List.of("--slurm", "--dry-run"));
                }
                a.addAll(List.of("--", "train", "mnist", "--steps", "1"));
                a.addAll(Arrays.asList(TINY_MODEL));
            }
            case "summarise" -> {
                a.add("summarise");
                if (!option.equals("--grid")) { // --threads, --backend, --arena-mb go with --ap
                    a.add("--ap");
                }
                if (!option.equals("--grid")) {
                    a.add(checkpoint.getParent().toString());
                }
            }
            case "trace" -> {
                Path input = Files.writeString(work.resolve("input.npz"), "not read: the option is refused first");
                a.addAll(List.of("trace", "--model", "mnist", "--input", input.toString(), "--out",
                        work.resolve("trace.npz").toString(), "--backend", "cpu", "--threads", "2"));
            }
            case "export-weights" -> a.addAll(List.of("export-weights", "--model", "mnist", "--latent", "4", "--hidden", "8",
                    "--out", work.resolve("weights.npz").toString()));
            case "bench" -> a.addAll(List.of("bench", "mnist-step", "--batch", "2", "--steps", "1", "--warmup", "1",
                    "--backend", "cpu", "--threads", "2"));
            case "ap" -> a.addAll(List.of("ap", "--task", "box", "--detections", emptyFolder.toString(), "--groundtruths",
                    emptyFolder.toString()));
            case "synth" -> a.addAll(List.of("synth", "clevr", "--scenes", "1", "--threads", "1", "--out",
                    work.resolve("scenes").toString()));
            case "import-torch" -> {
                a.addAll(List.of("import-torch", "src/test/resources/torch/authors_mnist_dspn_2019", "--out",
                        work.resolve("weights.npz").toString()));
                if (option.equals("--decoder")) { // it goes with --model
                    a.addAll(List.of("--model", "mnist"));
                }
            }
            default -> throw new AssertionError("no base command line for " + command + "; add one");
        }
        // the option under test, with its value, comes out of the base (picocli would take the last one given)
        int i = a.indexOf(option);
        if (i >= 0) {
            a.remove(i);
            a.remove(i);
        }
        return a;
    }

    @Test
    void everyOptionRefusesEveryValueItCannotUseInOneLineBeforeAnyWork(@TempDir Path dir) throws Exception {
        CommandLine main = new CommandLine(new Main());
        List<String> unclassified = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        Set<String> cwdBefore = Set.of(new java.io.File(".").list());
        int n = 0;
        for (Map.Entry<String, CommandLine> c : main.getSubcommands().entrySet()) {
            String command = c.getKey();
            if (command.equals("help")) {
                continue;
            }
            for (OptionSpec o : c.getValue().getCommandSpec().options()) {
                boolean flag = o.type() == boolean.class || o.type() == Boolean.class;
                if (flag || o.usageHelp() || o.versionHelp() || o.hidden()) {
                    continue;
                }
                String option = o.longestName();
                String key = command + " " + option;
                Path probe = dir.resolve("probe");
                List<String> values = badValues(key, o, probe);
                if (values == null) {
                    unclassified.add(key + " (" + o.type().getSimpleName() + ")");
                    continue;
                }
                for (String value : values) {
                    Path work = Files.createDirectories(dir.resolve("w" + n++));
                    List<String> l = base(command, option, work);
                    // repeat's own options go before the train command after --
                    l.addAll(command.equals("repeat") ? l.indexOf("--") : l.size(), List.of(option, value));
                    String[] args = l.toArray(new String[0]);
                    Map<String, String> before = FolderSnapshot.of(work);
                    Map<String, String> sharedBefore = FolderSnapshot.of(shared);
                    CliRun r = CliRun.of(args);
                    String problem = problem(r, option);
                    if (problem == null && !before.equals(FolderSnapshot.of(work))) {
                        problem = "wrote " + FolderSnapshot.of(work).keySet();
                    }
                    if (problem == null && !sharedBefore.equals(FolderSnapshot.of(shared))) {
                        problem = "changed the fixture";
                    }
                    if (problem == null && !cwdBefore.equals(Set.of(new java.io.File(".").list()))) {
                        problem = "wrote into the current folder";
                    }
                    if (problem != null) {
                        failures.add(key + " " + value + ": " + problem + " [" + r.out().strip().replace('\n', '|')
                                .replaceAll("(.{0,300}).*", "$1") + "]");
                    }
                }
            }
        }
        assertEquals(List.of(), unclassified, "options in none of the tables: say what their values must be");
        assertTrue(n > 200, "only " + n + " cases ran");
        assertEquals("", String.join("\n", failures));
    }

    /** What is wrong with {@code r} as the refusal of {@code option}, or null. */
    private static String problem(CliRun r, String option) {
        if (r.code() != Main.BAD_INPUT) {
            return "exit code " + r.code();
        }
        List<String> lines = r.out().lines().toList();
        if (lines.size() != 1) {
            return lines.size() + " lines";
        }
        String line = lines.get(0);
        if (!line.startsWith("dspn4j: ")) {
            return "not a dspn4j: line";
        }
        if (!line.matches(".*(?<![\\w-])" + java.util.regex.Pattern.quote(option) + "(?![\\w-]).*")) {
            return "does not name " + option;
        }
        if (line.contains("Exception") || line.contains("\tat ")) {
            return "a stack trace";
        }
        return null;
    }
}
