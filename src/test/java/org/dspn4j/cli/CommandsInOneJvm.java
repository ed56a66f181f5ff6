package org.dspn4j.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * For tests that need commands run in a folder of their choosing (a JVM's working folder is fixed when it starts):
 * several dspn4j command lines, separated by {@link #NEXT}, run one after another in one JVM, as {@link Main#main} runs
 * one; it stops at the first whose exit code is not 0 and exits with that code. One JVM for several commands saves the
 * start and the compiler's warm-up of each.
 */
final class CommandsInOneJvm {
    /** The argument that ends one command line and starts the next. */
    static final String NEXT = "+++";

    private CommandsInOneJvm() {
    }

    public static void main(String[] args) {
        StdoutCheck stdout = StdoutCheck.install();
        List<String> command = new ArrayList<>();
        int rc = 0;
        for (int i = 0; i <= args.length && rc == 0; i++) {
            if (i == args.length || args[i].equals(NEXT)) {
                rc = Main.run(command.toArray(String[]::new));
                command.clear();
            } else {
                command.add(args[i]);
            }
        }
        System.exit(stdout.finish(rc, System.err));
    }
}
