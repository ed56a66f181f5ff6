package org.dspn4j.cli;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.ArrayList;
import java.util.List;

import org.dspn4j.gpu.ArenaExhaustedException;
import org.dspn4j.experiment.BadInput;
import org.dspn4j.experiment.Heap;
import org.dspn4j.gpu.ClEngine;
import org.dspn4j.text.JsonErrors;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code dspn4j} command line. Each experiment step is a sub-command.
 *
 * <p>Every error ends the command with one line on standard error, {@code dspn4j: <what and where>}:
 * bad input (an option, a file, a field of a file) exits with 2, an internal error with 1, and
 * {@code --debug} (given anywhere on the command line) adds the stack trace.
 */
@Command(name = "dspn4j",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {"Deep Set Prediction Networks (Zhang, Hare, Pruegel-Bennett, NeurIPS 2019) in plain Java.",
                "Errors are one line (exit code 2: bad input, 1: an internal error; --debug adds the stack trace).",
                "summarise, inspect and devices also exit with 1 when what they check fails (their --help says what), "
                        + "train with 3 when a non-finite value stopped the run, repeat with the first failed seed's."},
        subcommands = {TrainCommand.class, EvalCommand.class, ShowCommand.class, RepeatCommand.class, SummariseCommand.class,
                TraceCommand.class, ExportWeightsCommand.class, BenchCommand.class, ApCommand.class, SynthCommand.class,
                DevicesCommand.class, ImportTorchCommand.class, InspectCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** Exit code of bad input: an option, a file or a field of a file that cannot be used. */
    public static final int BAD_INPUT = 2;
    /** Exit code of an internal error (a bug). */
    public static final int INTERNAL = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
            description = "on an error, print its stack trace after the one-line message")
    boolean debug;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        StdoutCheck stdout = StdoutCheck.install(); // a failed write to standard output (a full disk) is an error too
        System.exit(stdout.finish(run(args), System.err));
    }

    /** Runs the command line and returns the exit code (for tests). */
    public static int run(String... args) {
        CommandLine cl = commandLine();
        try {
            return cl.execute(args);
        } catch (Throwable t) { // an Error (out of memory, stack overflow) escapes picocli's handler
            return report(t, cl.getErr(), debugRequested(args), commandName(cl.getParseResult()));
        }
    }

    /** The command line with the one-line error handlers (also used by {@code repeat} for its runs). */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        for (CommandLine sub : cl.getSubcommands().values()) {
            sub.getCommandSpec().versionProvider(new Version()); // each command's --version prints the program's
        }
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> report(e, cmd.getErr(), debugRequested(parsed),
                cmd.getCommandName()));
        cl.setParameterExceptionHandler(Main::badParameter);
        return cl;
    }

    /** Unknown options, missing values, values of the wrong type: one line and where to look. */
    static int badParameter(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        String problem = parseProblem(e);
        err.println("dspn4j: " + problem + " (" + cmd.getCommandSpec().qualifiedName() + " --help lists the "
                + (problem.contains(": no such command") ? "commands" : "options") + ")");
        if (debugRequested(args)) {
            e.printStackTrace(err);
        }
        err.flush();
        return BAD_INPUT;
    }

    /**
     * The problem of a command line that does not parse. A word the command does not know (a mistyped command or
     * option) is named first, with the names nearest to it ({@link NearestNames}): {@code --batchsize: no such
     * option; did you mean --batch?}. It is named even where a required option is missing too, since the mistyped
     * word is most often that option ({@code --checkpiont C}). Other problems (a missing or malformed value) are
     * picocli's words.
     */
    static String parseProblem(CommandLine.ParameterException e) {
        CommandLine cmd = e.getCommandLine();
        List<String> unmatched = e instanceof CommandLine.UnmatchedArgumentException u ? u.getUnmatched()
                : cmd.getUnmatchedArguments();
        if (unmatched.isEmpty()) {
            String choice = positionalChoice(e);
            return choice != null ? choice : oneLine(e.getMessage());
        }
        String word = unmatched.get(0);
        CommandLine.Model.CommandSpec spec = cmd.getCommandSpec();
        List<String> names = new ArrayList<>();
        String what;
        if (word.startsWith("-") && word.length() > 1) {
            word = word.contains("=") ? word.substring(0, word.indexOf('=')) : word;
            what = "no such option";
            for (CommandLine.Model.OptionSpec o : spec.options()) {
                if (!o.hidden()) {
                    names.addAll(List.of(o.names()));
                }
            }
        } else if (!cmd.getSubcommands().isEmpty()) {
            what = "no such command";
            names.addAll(cmd.getSubcommands().keySet());
        } else {
            what = "an argument " + spec.qualifiedName() + " does not take";
        }
        List<String> near = NearestNames.of(word, names);
        return word + ": " + what + (near.isEmpty() ? "" : "; did you mean " + String.join(" or ", near) + "?");
    }

    /**
     * A positional parameter given a value outside its choices ({@code synth clver}), in the words of the other
     * such refusals ({@code KIND must be clevr, got 'clver'}); null for any other problem.
     */
    static String positionalChoice(CommandLine.ParameterException e) {
        if (!(e.getArgSpec() instanceof CommandLine.Model.PositionalParamSpec p) || e.getValue() == null
                || !p.type().isEnum()) {
            return null;
        }
        List<String> choices = new ArrayList<>();
        for (Object c : p.type().getEnumConstants()) {
            choices.add(c.toString());
        }
        return p.paramLabel() + " must be " + orList(choices) + ", got '" + e.getValue() + "'";
    }

    /** "a", "a or b", "a, b or c". */
    static String orList(List<String> words) {
        int n = words.size();
        return n <= 1 ? String.join("", words) : String.join(", ", words.subList(0, n - 1)) + " or " + words.get(n - 1);
    }

    /** Prints the one line for {@code t} (and its stack trace with --debug); returns the exit code. */
    static int report(Throwable t, PrintWriter err, boolean debug) {
        return report(t, err, debug, null);
    }

    /**
     * {@link #report(Throwable, PrintWriter, boolean)} for the sub-command {@code command} (null: none known), whose
     * options that size its memory an out-of-memory line names.
     */
    static int report(Throwable t, PrintWriter err, boolean debug, String command) {
        Throwable e = t instanceof UncheckedIOException && t.getCause() != null ? t.getCause() : t;
        boolean bad = badInput(e);
        String line = summary(e, command);
        if (!bad) {
            line += " (an internal error; --debug prints where)";
        }
        err.println("dspn4j: " + line);
        if (debug) {
            t.printStackTrace(err);
        }
        err.flush();
        return bad ? BAD_INPUT : INTERNAL;
    }

    /**
     * Whether an exception means bad input (a refused option or file) rather than a bug ({@link
     * BadInput}: the refusals of this program, unreadable or unwritable files, malformed CLEVR scene
     * files, requests the backend does not support, memory the input asks for that is not there).
     */
    static boolean badInput(Throwable e) {
        return BadInput.is(e);
    }

    /**
     * One line for an exception and its causes: its message (a file-system error as "file: reason"),
     * followed by each cause's message that is not already part of it (neither as reported nor as the
     * cause's own text, which a wrapping message often quotes); an exception without a message is named
     * by its class and the place it was thrown.
     */
    static String summary(Throwable e) {
        return summary(e, null);
    }

    /** {@link #summary(Throwable)} for the sub-command {@code command} (null: none known). */
    static String summary(Throwable e, String command) {
        List<String> parts = new ArrayList<>();
        String joined = "";
        for (Throwable c = e; c != null && parts.size() < 6; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof OutOfMemoryError && joined.startsWith("out of memory")) {
                continue; // a training task's own message for it already says what helps, and which -Xmx
            }
            String m = message(c, command);
            if (m == null || joined.contains(m) || (c.getMessage() != null && joined.contains(c.getMessage()))) {
                continue;
            }
            parts.add(m);
            joined = String.join(": ", parts);
        }
        if (parts.isEmpty()) {
            StackTraceElement[] st = e.getStackTrace();
            String where = st.length == 0 ? "" : " at " + st[0].getClassName() + "." + st[0].getMethodName() + ":" + st[0].getLineNumber();
            return e.getClass().getName() + where;
        }
        return oneLine(joined);
    }

    private static String message(Throwable t, String command) {
        if (t instanceof OutOfMemoryError) {
            String smaller = memoryOptions(command);
            return "out of memory" + (t.getMessage() != null ? " (" + t.getMessage() + ")" : "") + " with a " + Heap.max()
                    + " heap; " + (smaller != null ? smaller + ", or " : "") + "a larger heap helps, e.g. " + Heap.larger();
        }
        if (t instanceof ArenaExhaustedException) {
            return t.getMessage() + " A larger --arena-mb (at most " + (ClEngine.MAX_ARENA_FLOATS >> 18) + ") or a smaller "
                    + "--batch helps; the arena is held on the Java heap too (DSPN4J_JAVA_OPTS=-Xmx…).";
        }
        if (t instanceof FileSystemException f && f.getFile() != null) {
            String reason = t instanceof NoSuchFileException
                    ? "no such file or folder" + (f.getReason() != null ? " (" + f.getReason() + ")" : "")
                    : t instanceof AccessDeniedException ? "permission denied"
                    : t instanceof FileAlreadyExistsException ? "already exists"
                    : t instanceof NotDirectoryException ? "not a folder"
                    : t instanceof DirectoryNotEmptyException ? "folder not empty"
                    : f.getReason() != null ? f.getReason() : t.getClass().getSimpleName();
            return f.getFile() + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "") + ": " + reason;
        }
        // the parser's message without its source excerpt: the part a refusal that wraps it quotes
        String m = JsonErrors.messageOf(t);
        return m == null || m.isBlank() ? null : m;
    }

    /**
     * What else than a larger heap lowers the memory a sub-command takes: the options that size it (null: none, as
     * for the commands that hold a file they read, or no command known).
     */
    static String memoryOptions(String command) {
        if (command == null) {
            return null;
        }
        switch (command) {
            case "train": // repeat runs train; each DSPN step keeps T+1 sets and the graph of each inner step (Algorithm 1)
            case "repeat":
                return "a smaller --batch, --iters, --latent or --hidden";
            case "eval":
                return "a smaller --batch or --iters";
            case "show":
                return "a smaller --batch or --rows";
            case "trace":
                return "a smaller --iters or --input";
            case "bench":
                return "a smaller --batch";
            case "synth":
                return "fewer --threads (each renders one scene at a time)";
            default:
                return null;
        }
    }

    /** The sub-command a parse result ran (the last one named), or null. */
    private static String commandName(CommandLine.ParseResult parsed) {
        String name = null;
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            name = p.commandSpec().name();
        }
        return parsed != null && name != null && !name.equals(parsed.commandSpec().name()) ? name : null;
    }

    /** Newlines and the indentation after them become "; " (messages that list several problems). */
    static String oneLine(String s) {
        return s.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    private static boolean debugRequested(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--debug")) {
                return true;
            }
        }
        return false;
    }

    private static boolean debugRequested(String[] args) {
        for (String a : args) {
            if (a.equals("--")) {
                return false;
            }
            if (a.equals("--debug")) {
                return true;
            }
        }
        return false;
    }

    /** Reports the version written into the jar's manifest, or the development version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"dspn4j " + (v == null ? "0.1.0-SNAPSHOT" : v),
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
