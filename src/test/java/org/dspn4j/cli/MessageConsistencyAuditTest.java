package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * One command line, one voice: every error line reads {@code dspn4j: <file or option>: <problem>} whichever
 * command refused (no command's name in front), every out-of-memory line names the larger heap by one rule, a run
 * folder says what it holds before why it cannot be locked, and README's exit codes and Commands table are the ones
 * the commands have.
 */
class MessageConsistencyAuditTest {

    private static final List<String> COMMANDS = List.of("train", "eval", "show", "repeat", "summarise", "trace",
            "export-weights", "import-torch", "inspect", "bench", "ap", "synth", "devices");

    @TempDir
    Path dir;

    /** Exit code 2 and exactly one line of ours, which does not start with a command's name. */
    private static String oneLine(CliRun r) {
        assertEquals(2, r.code(), r.out());
        List<String> lines = r.out().lines().filter(l -> l.startsWith("dspn4j: ")).toList();
        assertEquals(1, lines.size(), r.out());
        String line = lines.get(0);
        for (String c : COMMANDS) {
            assertFalse(line.startsWith("dspn4j: " + c + ": "), line);
        }
        return line;
    }

    /**
     * bench, summarise and repeat put their name in front of their refusals ("dspn4j: bench: --batch must be at
     * least 1", "dspn4j: summarise: /x: no such run folder") where every other command names the option or file
     * first ("dspn4j: --batch must be at least 1, got 0" from train).
     */
    @Test
    void refusalsNameTheOptionOrFileFirstWhicheverCommandRefused() {
        assertEquals("dspn4j: --batch must be at least 1, got 0", oneLine(CliRun.of("bench", "mnist-step", "--batch", "0")));
        assertEquals("dspn4j: --batch must be at least 1, got 0", oneLine(CliRun.of("train", "mnist", "--batch", "0",
                "--backend", "cpu")));
        Path none = dir.resolve("none");
        assertEquals("dspn4j: " + none + ": no such run folder", oneLine(CliRun.of("summarise", none.toString())));
        assertEquals("dspn4j: give run folders, or --grid grid.json (not both)", oneLine(CliRun.of("summarise")));
        assertEquals("dspn4j: give a train command after --, e.g. repeat --seeds 1,2 -- train mnist",
                oneLine(CliRun.of("repeat", "--seeds", "1")));
        assertEquals("dspn4j: --backend: give it either before -- or after train, not both", oneLine(CliRun.of("repeat",
                "--seeds", "1", "--backend", "cpu", "--out", dir.resolve("g").toString(), "--", "train", "mnist",
                "--backend", "cpu")));
        assertTrue(oneLine(CliRun.of("repeat", "--seeds", "1", "--out", dir.resolve("g").toString(), "--", "train", "mnist",
                "--bogus")).startsWith("dspn4j: the train command after -- does not parse: --bogus: no such option"));
        assertFalse(Files.exists(dir.resolve("g")), "a refused repeat made its folder");
    }

    /** No message in the sources starts with a command's name either (a refusal the runs above do not reach). */
    @Test
    void noMessageInTheSourcesStartsWithACommandsName() throws Exception {
        Pattern prefixed = Pattern.compile("(?:Exception|println)\\(\"(?:dspn4j: )?(" + String.join("|", COMMANDS) + "): ");
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher m = prefixed.matcher(lines.get(i));
                    if (m.find() || lines.get(i).contains("\"dspn4j: repeat: \"")) {
                        found.add(f + ":" + (i + 1) + ": " + lines.get(i).strip());
                    }
                }
            }
        }
        assertEquals(List.of(), found);
    }

    /** Every file under {@code d} (the lock folder's entries too) with its bytes. */
    private static Map<String, byte[]> contents(Path d) throws Exception {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(d)) {
            for (Path p : s.toList()) {
                m.put(d.relativize(p).toString(), Files.isRegularFile(p) ? Files.readAllBytes(p) : new byte[0]);
            }
        }
        return m;
    }

    private static void assertSame(Map<String, byte[]> before, Map<String, byte[]> after) {
        assertEquals(before.keySet(), after.keySet());
        for (String k : before.keySet()) {
            assertArrayEquals(before.get(k), after.get(k), k);
        }
    }

    /**
     * train again into a finished run's folder whose lock cannot be taken (on a read-only mount: "Read-only file
     * system"; here, where tests may run as root, a .lock that is a folder: "Is a directory") said only that the lock
     * failed; it now says first that the folder holds a run, and how to go on. With --force or --resume, which would
     * write, the lock's failure is the refusal. Nothing is written, moved or locked in any case.
     */
    @Test
    void aFinishedRunWhoseLockCannotBeTakenIsSaidToHoldARunFirst() throws Exception {
        Path run = dir.resolve("run");
        CliRun first = CliRun.of(CliErrorsTest.with(CliErrorsTest.TINY, "train", "mnist", "--steps", "1", "--out",
                run.toString()));
        assertEquals(0, first.code(), first.out());
        Files.delete(run.resolve(".lock"));
        Files.createDirectory(run.resolve(".lock"));
        Map<String, byte[]> before = contents(run);

        String again = oneLine(CliRun.of(CliErrorsTest.with(CliErrorsTest.TINY, "train", "mnist", "--steps", "1", "--out",
                run.toString())));
        assertTrue(again.startsWith("dspn4j: --out " + run + " already holds a run ("), again);
        assertTrue(again.contains("continue it with --resume") && again.contains("--force"), again);
        assertSame(before, contents(run));

        for (String option : List.of("--force", "--resume")) {
            String line = oneLine(CliRun.of(CliErrorsTest.with(CliErrorsTest.TINY, "train", "mnist", "--steps", "2",
                    "--out", run.toString(), option)));
            assertEquals("dspn4j: " + run.resolve(".lock") + ": Is a directory", line, option);
            assertSame(before, contents(run));
            try (Stream<Path> s = Files.list(dir)) {
                assertEquals(List.of(run), s.toList(), option + " moved the run aside");
            }
        }
    }

    /** README.md's paragraph on exit codes, after the Commands table. */
    private static String exitCodeParagraph() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int start = readme.indexOf("Every error is one line");
        assertTrue(start > readme.indexOf("## Commands"), "README's exit-code paragraph follows the Commands table");
        int end = readme.indexOf("\n\n", start);
        return readme.substring(start, end).replaceAll("\\s+", " ");
    }

    private static String help(String command) {
        StringWriter w = new StringWriter();
        new CommandLine(new Main()).getSubcommands().get(command).usage(new PrintWriter(w));
        return w.toString().replaceAll("\\s+", " ");
    }

    /**
     * README gave 2 (bad input), 1 (an internal error) and train's 3 only, while summarise (some runs did not
     * finish), inspect (weights that do not fit their settings) and devices (no OpenCL device) exit with 1 as their
     * answer and repeat with a failed seed's code; train's --help did not mention its 3. Each code is now said in
     * README and in the command's own --help.
     */
    @Test
    void everyExitCodeIsStatedInReadmeAndTheCommandsHelp() throws Exception {
        String p = exitCodeParagraph();
        assertTrue(p.contains("exit code 2 for bad input, 1 for an internal error"), p);
        assertTrue(p.contains("three commands answer their question with exit code 1"), p);
        assertTrue(p.contains("`summarise` when some runs did not finish"), p);
        assertTrue(p.contains("`inspect` when the weights do not fit their model settings"), p);
        assertTrue(p.contains("`devices` when there is no OpenCL device"), p);
        assertTrue(p.contains("`train` exits with 3 when a non-finite value stopped the run"), p);
        assertTrue(p.contains("`repeat` with the first failed seed's exit code"), p);

        assertTrue(help("summarise").contains("Exit code 0: every run finished; 1: some did not; 2: refused."));
        assertTrue(help("inspect").contains("whether the weights fit them (exit code 1 if not)"));
        assertTrue(help("devices").contains("Exit code 1 when there is none."));
        assertTrue(help("train").contains("Exit code 3: a non-finite loss, evaluation or parameter stopped the run"),
                help("train"));
        assertTrue(help("repeat").contains("the exit code is then the first such seed's"), help("repeat"));
        String main = new CommandLine(new Main()).getUsageMessage().replaceAll("\\s+", " ");
        assertTrue(main.contains("summarise, inspect and devices also exit with 1 when what they check fails"), main);
    }

    /**
     * README's Commands table names, for each command, only options that command has (or, in its description, one
     * of another command that the row names, as import-torch's "`eval`, `show` and `trace` also take the log itself as
     * `--checkpoint`/`--weights`").
     */
    @Test
    void theCommandsTableNamesOnlyOptionsTheCommandHas() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        String table = readme.substring(readme.indexOf("## Commands"), readme.indexOf("Every error is one line"));
        CommandLine main = new CommandLine(new Main());
        Pattern row = Pattern.compile("^\\| `\\./dspn4j ([a-z-]+)(.*)$", Pattern.MULTILINE);
        Pattern option = Pattern.compile("(?<![\\w-])--([a-z][a-z0-9-]*)(\\*)?");
        Matcher r = row.matcher(table);
        List<String> commands = new ArrayList<>();
        while (r.find()) {
            commands.add(r.group(1));
            CommandLine cl = main.getSubcommands().get(r.group(1));
            assertTrue(cl != null, "README's table names a command there is not: " + r.group(1));
            List<CommandLine> others = new ArrayList<>();
            Matcher named = Pattern.compile("`(" + String.join("|", COMMANDS) + ")`").matcher(r.group(2));
            while (named.find()) {
                others.add(main.getSubcommands().get(named.group(1)));
            }
            Matcher o = option.matcher(r.group(2));
            while (o.find()) {
                String name = "--" + o.group(1);
                boolean wildcard = o.group(2) != null || name.endsWith("-"); // --synth-*: the options named so
                assertTrue(has(cl, name, wildcard) || others.stream().anyMatch(c -> has(c, name, wildcard)),
                        r.group(1) + " has no " + name + ", which README's Commands table names");
            }
        }
        List<String> all = new ArrayList<>(main.getSubcommands().keySet());
        all.remove("help");
        assertEquals(all.stream().sorted().toList(), commands.stream().sorted().toList(), "README's table lists every command");
    }

    private static boolean has(CommandLine cl, String name, boolean wildcard) {
        if (wildcard) {
            return cl.getCommandSpec().options().stream().anyMatch(s -> s.longestName().startsWith(name));
        }
        CommandLine.Model.OptionSpec positive = cl.getCommandSpec().findOption(name.startsWith("--no-") ? "--"
                + name.substring(5) : name);
        return cl.getCommandSpec().findOption(name) != null || positive != null && positive.negatable();
    }

    /**
     * Every option that has a default says it in its --help, as README promises for train ("`--help` lists each
     * with its default"): trace's and export-weights' --seed (1) and export-weights' --decoder (dspn) did not.
     */
    @Test
    void everyOptionWithADefaultSaysIt() {
        CommandLine main = new CommandLine(new Main());
        List<String> silent = new ArrayList<>();
        for (String command : COMMANDS) {
            for (CommandLine.Model.OptionSpec o : main.getSubcommands().get(command).getCommandSpec().options()) {
                boolean flag = o.type() == boolean.class || o.type() == Boolean.class;
                String description = String.join(" ", o.description()).toLowerCase(java.util.Locale.ROOT);
                Object initial = o.defaultValue() != null ? o.defaultValue() : o.initialValue();
                boolean none = initial == null || initial instanceof java.util.Collection<?> c && c.isEmpty();
                if (!none && !flag && !o.usageHelp() && !o.versionHelp() && !description.contains("default")) {
                    silent.add(command + " " + o.longestName() + " (" + initial + ")");
                }
            }
        }
        assertEquals(List.of(), silent);
    }

    /**
     * Every command's --help offers "-V, --version  Print version information and exit.", but each printed nothing
     * (exit code 0) but dspn4j's own, and ap had no --version at all (an unknown option, exit code 2).
     */
    @Test
    void everyCommandsVersionIsTheProgramsVersion() {
        CliRun program = CliRun.of("--version");
        assertEquals(0, program.code(), program.out());
        assertTrue(program.out().startsWith("dspn4j "), program.out());
        for (String command : COMMANDS) {
            CliRun r = CliRun.of(command, "--version");
            assertEquals(0, r.code(), command + ": " + r.out());
            assertEquals(program.out(), r.out(), command);
            assertTrue(help(command).contains("-V, --version Print version information and exit."), command);
        }
    }
}
