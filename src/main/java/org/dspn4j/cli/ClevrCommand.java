package org.dspn4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code dspn4j clevr train|eval|show}: the CLEVR experiment commands with all their options
 * ({@code --hungarian}, {@code --synth-*}, {@code --image-size}, {@code --iters 10,20,30},
 * {@code --batch}, …). {@code dspn4j train|eval|show clevr-…} reach the same commands with the
 * options those commands share, e.g. {@code dspn4j clevr train clevr-box --hungarian all}.
 */
@Command(name = "clevr", mixinStandardHelpOptions = true,
        description = "CLEVR experiments: train, eval and show for clevr-box and clevr-state.",
        subcommands = {ClevrTrainCommand.class, ClevrEvalCommand.class, ClevrShowCommand.class,
                CommandLine.HelpCommand.class})
public final class ClevrCommand implements Runnable {

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
        CommandLine cl = new CommandLine(new ClevrCommand());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException || e instanceof java.io.IOException
                    || e instanceof UnsupportedOperationException) {
                cmd.getErr().println("dspn4j clevr: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cl.execute(args);
    }
}
