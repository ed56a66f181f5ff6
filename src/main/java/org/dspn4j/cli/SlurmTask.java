package org.dspn4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;

import org.dspn4j.experiment.grid.Grid;
import org.dspn4j.experiment.grid.GridTask;

/**
 * What one Slurm array task runs: {@code java -cp dspn4j.jar org.dspn4j.cli.SlurmTask GRID.json SEED}
 * (the script {@code repeat --slurm} writes passes {@code $SLURM_ARRAY_TASK_ID} as the seed). It runs
 * that seed of the grid with {@link GridTask}: skipped when finished, resumed from its checkpoint, or
 * started; the exit code is train's, which Slurm records as the task's. Data that differ from those the grid's
 * finished seeds trained on are refused before the seed trains ({@link org.dspn4j.experiment.grid.GridData}).
 * An error of the task itself is one
 * line, as {@link Main} reports it: exit code 2 for bad input, a run folder locked by a live process
 * included (the task does not wait for it), 1 for an internal error.
 */
public final class SlurmTask {
    private SlurmTask() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        if (args.length != 2 || !args[1].matches("\\d{1,18}")) {
            System.err.println("dspn4j: usage: SlurmTask GRID.json SEED (the script of repeat --slurm runs this)");
            return Main.BAD_INPUT;
        }
        try {
            Grid grid = Grid.read(Path.of(args[0]));
            long seed = Long.parseLong(args[1]);
            String array = System.getenv("SLURM_ARRAY_JOB_ID");
            String task = System.getenv("SLURM_ARRAY_TASK_ID");
            String job = array != null && task != null ? array + "_" + task : System.getenv().getOrDefault("SLURM_JOB_ID", "none");
            // the data as this node sees them are checked against those the grid's finished seeds trained on; data
            // it cannot read are left to train, which reports them and is recorded as failed in status.json
            return GridTask.run(grid, seed, cmd -> Main.run(cmd.toArray(new String[0])), System.out, job, null,
                    new GridTrainCheck(true)::data);
        } catch (Throwable t) { // one line, as Main reports: bad input (a locked run folder included) 2, a bug 1
            return Main.report(t, new PrintWriter(System.err, true), false);
        }
    }
}
