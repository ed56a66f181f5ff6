package org.dspn4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code dspn4j} command line. Each experiment step is a sub-command. */
@Command(name = "dspn4j",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Deep Set Prediction Networks (Zhang, Hare, Pruegel-Bennett, NeurIPS 2019) in plain Java.",
        subcommands = {TrainCommand.class, EvalCommand.class, ShowCommand.class, RepeatCommand.class, SummariseCommand.class,
                ClevrCommand.class, TraceCommand.class, ExportWeightsCommand.class, BenchCommand.class, ApCommand.class, SynthCommand.class, DevicesCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (for tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        // bad input: one clear line, not a stack trace
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException || e instanceof java.io.IOException
                    || e instanceof UnsupportedOperationException) {
                cmd.getErr().println("dspn4j: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cl.execute(args);
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
