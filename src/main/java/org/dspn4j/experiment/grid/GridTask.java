package org.dspn4j.experiment.grid;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * One seed of a grid, run in this process: skipped when its status.json says finished; continued
 * with {@code --resume} when its folder holds a checkpoint; else started afresh (the files of an
 * earlier attempt that saved no checkpoint are moved to {@code attempt-<n>/} first). The attempt and
 * its exit code are recorded in status.json ({@link RunStatus}). A lock on {@code <folder>/.lock}
 * keeps two processes from running the same seed at once; the operating system releases it when the
 * process ends, however it ends.
 */
public final class GridTask {
    /** The file a run's checkpoint is saved to by the train command. */
    static final String CHECKPOINT = "checkpoint.npz";

    /** Runs a train command line (starting with {@code train}) and returns its exit code. */
    @FunctionalInterface
    public interface TrainRunner {
        int run(List<String> args) throws Exception;
    }

    /** Refuses, in one line, a train command line that could not run, before a grid writes anything. */
    @FunctionalInterface
    public interface TrainCheck {
        void check(List<String> args);
    }

    private GridTask() {
    }

    /**
     * Runs one seed of the grid.
     *
     * @param job the Slurm job of this attempt ({@code <array job>_<task>}), or {@code local}
     * @return the train command's exit code (0 when the seed had finished earlier)
     */
    public static int run(Grid grid, long seed, TrainRunner train, PrintStream out, String job) throws Exception {
        Path folder = grid.folder(seed);
        Files.createDirectories(folder);
        try (FileChannel ch = FileChannel.open(folder.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = tryLock(ch)) {
            if (lock == null) {
                throw new IllegalArgumentException(folder + " is being run by another process (" + folder.resolve(".lock")
                        + " is locked); not starting seed " + seed + " twice");
            }
            RunStatus status = RunStatus.read(folder);
            if (status == null) {
                status = RunStatus.fresh(folder, seed);
            } else if (status.seed() != seed) {
                throw new IOException(folder.resolve(RunStatus.FILE) + ": records seed " + status.seed() + ", not " + seed);
            }
            if (status.finished()) {
                out.println("seed " + seed + ": finished earlier (" + folder.resolve(RunStatus.FILE) + "); skipped");
                return 0;
            }
            boolean resume = Files.isRegularFile(folder.resolve(CHECKPOINT));
            if (!resume) {
                Path moved = moveAside(folder, status.attempts().size());
                if (moved != null) {
                    out.println("seed " + seed + ": the earlier attempt saved no checkpoint; its files are in " + moved);
                }
            }
            List<String> args = new ArrayList<>(grid.command());
            args.addAll(List.of("--seed", Long.toString(seed), "--out", folder.toString()));
            if (resume) {
                args.add("--resume");
            }
            out.println("seed " + seed + ": " + (resume ? "resuming from " + folder.resolve(CHECKPOINT) : "starting in " + folder));
            status.started(job, host(), resume, args);
            status.write();
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
    }

    /** The lock, or null when another process (or another thread of this one) holds it. */
    private static FileLock tryLock(FileChannel ch) throws IOException {
        try {
            return ch.tryLock();
        } catch (OverlappingFileLockException e) {
            return null;
        }
    }

    /** Files the train command writes, other than the grid's own; moved aside before a fresh start. */
    private static Path moveAside(Path folder, int attempt) throws IOException {
        List<Path> stale = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(folder)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                boolean ours = n.equals(RunStatus.FILE) || n.equals(".lock") || n.startsWith("slurm-") || n.startsWith("attempt-");
                if (!ours) {
                    stale.add(p);
                }
            }
        }
        if (stale.isEmpty()) {
            return null;
        }
        Path to = folder.resolve("attempt-" + attempt);
        Files.createDirectories(to);
        for (Path p : stale) {
            Files.move(p, to.resolve(p.getFileName()));
        }
        return to;
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
