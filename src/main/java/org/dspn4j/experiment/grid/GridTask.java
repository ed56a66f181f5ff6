package org.dspn4j.experiment.grid;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.dspn4j.experiment.RunLock;
import org.dspn4j.experiment.RunRecord;

/**
 * One seed of a grid, run in this process. The seed's folder {@code seed-<s>/} holds the grid's record
 * of it, status.json ({@link RunStatus}), and Slurm's logs of its tasks; the train command's run folder
 * is {@code seed-<s>/run/}, which train guards by its own rules (docs/run-folder.md): its lock, a new
 * run only in an empty folder, a resume only with the recorded settings. The seed is skipped when its
 * status.json says finished; continued with {@code --resume} when its run folder holds a checkpoint;
 * else started afresh (with {@code --force} when an earlier attempt left files but no checkpoint:
 * train moves that folder aside whole, to {@code run.old-<time>}). The attempt and its exit code are
 * recorded in status.json.
 *
 * <p>A run folder locked by a live process (another task of the same seed, a {@code train} given by
 * hand) is not waited for: the task is refused at once, naming the process, and status.json is left
 * to the process that holds the lock.
 */
public final class GridTask {
    /** The file a run's checkpoint is saved to by the train command. */
    static final String CHECKPOINT = "checkpoint.npz";
    /** The train command's run folder inside the seed's folder. */
    static final String RUN = "run";

    /** Runs a train command line (starting with {@code train}) and returns its exit code. */
    @FunctionalInterface
    public interface TrainRunner {
        int run(List<String> args) throws Exception;
    }

    /** Told that a seed's train command is about to run (its attempt recorded in status.json). */
    @FunctionalInterface
    public interface Started {
        void started(long seed) throws IOException;
    }

    /** Refuses, in one line, a train command line that could not run, before a grid writes anything. */
    @FunctionalInterface
    public interface TrainCheck {
        void check(List<String> args);

        /** Reads the data the train command line would train on now ({@link GridData}); null: not checked. */
        default GridData.Now data(List<String> args) throws IOException {
            return null;
        }
    }

    /**
     * The refusal of a seed whose run folder another live process holds (another task of the seed, a {@code train}
     * given by hand): bad input, like any refusal, which a local repeat reports for that seed and goes on.
     */
    public static final class InUse extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final String reason;

        InUse(long seed, String reason) {
            super("seed " + seed + ": " + reason + "; this task did not run it (give the repeat command again once that run "
                    + "has ended)");
            this.reason = reason;
        }

        /** The run folder and the process that holds it: {@code <run folder> is in use by another run (process …)}. */
        public String reason() {
            return reason;
        }
    }

    private GridTask() {
    }

    /** The train command's run folder of a seed's folder. */
    public static Path runFolder(Path seedFolder) {
        return seedFolder.resolve(RUN);
    }

    /**
     * Runs one seed of the grid.
     *
     * @param job the Slurm job of this attempt ({@code <array job>_<task>}), or {@code local}
     * @return the train command's exit code (0 when the seed had finished earlier)
     * @throws InUse when another live process holds the run folder's lock
     */
    public static int run(Grid grid, long seed, TrainRunner train, PrintStream out, String job) throws Exception {
        return run(grid, seed, train, out, job, null);
    }

    /**
     * Runs one seed of the grid, as {@link #run(Grid, long, TrainRunner, PrintStream, String)}, and calls
     * {@code started} (when not null) once the attempt is recorded and before train runs: not for a seed
     * skipped as finished, nor for one refused.
     */
    public static int run(Grid grid, long seed, TrainRunner train, PrintStream out, String job, Started started) throws Exception {
        return run(grid, seed, train, out, job, started, null);
    }

    /**
     * Runs one seed of the grid, as {@link #run(Grid, long, TrainRunner, PrintStream, String, Started)}, and
     * first, when the seed is to train, refuses data that differ from those the grid's finished seeds trained on
     * ({@link GridData}, read with {@code data} when not null), before its status.json is written.
     */
    public static int run(Grid grid, long seed, TrainRunner train, PrintStream out, String job, Started started,
                          GridData.Reader data) throws Exception {
        Path folder = grid.folder(seed);
        Path run = runFolder(folder);
        if (data != null) { // before anything is written; status.json is read again under the lock below
            RunStatus before = Files.isDirectory(folder) ? RunStatus.read(folder) : null;
            if (before == null || !before.finished()) {
                GridData.requireSame(grid, data, "seed " + seed + ": ", "; this task did not run it");
            }
        }
        Files.createDirectories(run);
        RunStatus status;
        List<String> args = new ArrayList<>(grid.command());
        // status.json is read and the attempt recorded under the run folder's lock; it is released before
        // train takes it (train refuses a folder locked by anyone, this process included)
        try (RunLock lock = lock(run, seed, out)) {
            status = RunStatus.read(folder);
            if (status == null) {
                status = RunStatus.fresh(folder, seed);
            } else if (status.seed() != seed) {
                throw new IOException(folder.resolve(RunStatus.FILE) + ": records seed " + status.seed() + ", not " + seed);
            }
            if (status.finished()) {
                out.println("seed " + seed + ": finished earlier (" + folder.resolve(RunStatus.FILE) + "); skipped");
                return 0;
            }
            // an attempt that started train (the grid's command) and recorded no end, whose run's record ends with
            // train's final line (logged last, once every step of that command trained): train ended, and the task
            // stopped before status.json recorded it; train --resume would refuse it, having nothing left to train
            Path metrics = run.resolve(RunRecord.METRICS);
            if (RunStatus.RUNNING.equals(status.state()) && Files.isRegularFile(run.resolve(RunRecord.RUN))
                    && RunRecord.endsWithFinalLine(metrics)) {
                String note = "train had ended: " + metrics + " ends with its final line, which status.json did not record";
                out.println("seed " + seed + ": " + note + "; recorded finished, skipped");
                status.finishedByRecord(job, host(), note);
                status.write();
                return 0;
            }
            boolean resume = Files.isRegularFile(run.resolve(CHECKPOINT));
            boolean force = !resume && holdsFiles(run);
            args.addAll(List.of("--seed", Long.toString(seed), "--out", run.toString()));
            if (resume) {
                args.add("--resume");
            } else if (force) {
                args.add("--force");
                out.println("seed " + seed + ": the earlier attempt saved no checkpoint; train --force moves " + run
                        + " aside whole and starts afresh");
            }
            out.println("seed " + seed + ": " + (resume ? "resuming from " + run.resolve(CHECKPOINT) : "starting in " + run));
            status.started(job, host(), resume, args);
            status.write();
        }
        if (started != null) {
            started.started(seed);
        }
        int rc;
        try {
            rc = train.run(args);
        } catch (Exception | Error e) {
            status.ended(1, e.toString());
            status.write();
            throw e;
        }
        status.ended(rc, null);
        status.write();
        return rc;
    }

    /** The run folder's lock, or a refusal naming the process that holds it. */
    private static RunLock lock(Path run, long seed, PrintStream out) throws IOException {
        try {
            return RunLock.acquire(run, out);
        } catch (IllegalArgumentException e) {
            throw new InUse(seed, e.getMessage().replace("; wait for it to end or give another --out", ""));
        }
    }

    /** Whether a run folder holds anything but its lock file. */
    private static boolean holdsFiles(Path run) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(run)) {
            for (Path p : ds) {
                if (!p.getFileName().toString().equals(RunLock.FILE)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The node's name as Slurm knows it, else the host name. */
    static String host() {
        String n = System.getenv("SLURMD_NODENAME");
        if (n != null && !n.isEmpty()) {
            return n;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
