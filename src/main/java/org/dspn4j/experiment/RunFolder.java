package org.dspn4j.experiment;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A run folder as a training run claims it ({@code --out}): locked ({@link RunLock}) while a run is in
 * it; a new run only in a folder that is new or empty, or, with {@code --force}, after the old
 * folder is moved aside whole to {@code <out>.old-<time>} (never mixed, never deleted); temporary
 * files of an interrupted write removed when the next run starts. Nothing is created before
 * {@link #claimForNewRun} — a start refused before it leaves no folder behind — and a new run that
 * stops on bad input before its first checkpoint takes back what it wrote ({@link #undoNewRun}).
 * An existing folder whose lock cannot be taken for want of writing (a read-only mount, a lock file
 * that cannot be opened) is refused for that only after the checks that read it: a finished run in a
 * read-only folder is first said to be one ({@link #requireNewOrForced}); nothing runs or is written
 * in it either way.
 */
final class RunFolder implements AutoCloseable {
    /** Temporary files of {@link org.dspn4j.io.Npz#writeAtomic}, of run.json's and states.md's atomic writes and of the figures'. */
    private static final Pattern TEMPORARY = Pattern.compile("\\.checkpoint\\.npz\\.[0-9a-f]+\\.tmp|run\\.json\\.tmp|states\\.md\\.tmp"
            + "|\\.[\\w-]+\\.png\\.[0-9a-f]+\\.tmp");

    private final Path dir;
    private final PrintStream log;
    private RunLock lock;
    /** Why an existing folder's lock could not be taken (not for another run holding it), or null. */
    private IOException lockFailure;
    /** Whether the run has begun to write (a refusal before leaves the folder as it was). */
    private boolean writing;
    /** Whether {@link #claimForNewRun} completed: the folder held nothing but the lock, and what is written is the run's. */
    private boolean claimed;
    /** Where {@code --force} moved the old run, or null. */
    private Path movedAside;
    /** The topmost folder of {@code --out}'s path that this run created, or null. */
    private Path createdTop;

    private RunFolder(Path dir, PrintStream log) {
        this.dir = dir;
        this.log = log;
    }

    /**
     * Opens {@code --out} without writing: an existing folder is locked at once (one that another run holds is
     * refused), a file refused. A lock that cannot be taken for an input/output error is refused by the first
     * check after the reads ({@link #requireNewOrForced}, {@link #requireLocked}).
     */
    static RunFolder open(Path dir, PrintStream log) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--out " + dir + " is a file, not a folder");
        }
        Path parent = dir.toAbsolutePath().normalize().getParent();
        String record = parent == null ? null : RunRecord.recordIn(parent);
        if (record != null) {
            throw new IllegalArgumentException("--out " + dir + ": " + parent + " is a run folder (it holds " + record
                    + "); give the run a folder of its own");
        }
        RunFolder f = new RunFolder(dir, log);
        if (Files.isDirectory(dir)) {
            try {
                f.lock = RunLock.acquire(dir, log);
            } catch (IOException e) { // the lock is not held: nothing may be written
                f.lockFailure = e;
            }
        }
        return f;
    }

    Path dir() {
        return dir;
    }

    boolean exists() {
        return Files.isDirectory(dir);
    }

    /** The folder's entries but the lock file, sorted. */
    List<String> entries() throws IOException {
        if (!exists()) {
            return List.of();
        }
        try (Stream<Path> s = IoErrors.naming(dir, () -> Files.list(dir))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(RunLock.FILE)).sorted().toList();
        }
    }

    /**
     * Refuses a run in an existing folder whose lock could not be taken (why: its input/output error), before
     * anything is written in it.
     */
    void requireLocked() throws IOException {
        if (lockFailure != null) {
            throw lockFailure;
        }
    }

    /**
     * Refuses a new run in a folder that is not empty, unless {@code --force}; then one whose lock could not be
     * taken ({@link #requireLocked}).
     */
    void requireNewOrForced(boolean force) throws IOException {
        List<String> e = entries();
        if (e.isEmpty() || force) {
            if (force && !e.isEmpty()) {
                requireMovable();
            }
            requireLocked();
            return;
        }
        boolean run = e.contains(RunRecord.RUN) || e.contains(RunRecord.METRICS) || e.contains(TrainingLoop.CHECKPOINT);
        // a run stopped (killed) before its first checkpoint has nothing that --resume could continue
        String resume = run && !e.contains(TrainingLoop.CHECKPOINT) ? ", which stopped before its first checkpoint ("
                + TrainingLoop.CHECKPOINT + "), so there is nothing to --resume; give a new --out, "
                : "; continue it with --resume, give a new --out, ";
        throw new IllegalArgumentException("--out " + dir + (run ? " already holds a run (" + String.join(", ", head(e)) + ")"
                : " is not empty (" + String.join(", ", head(e)) + ")") + resume
                + "or --force to move it aside and start afresh");
    }

    private static List<String> head(List<String> e) {
        List<String> out = new ArrayList<>(e.subList(0, Math.min(4, e.size())));
        if (e.size() > 4) {
            out.add("… " + (e.size() - 4) + " more");
        }
        return out;
    }

    /** --force cannot move the folder the process works in (or one above it). */
    private void requireMovable() {
        Path abs = dir.toAbsolutePath().normalize();
        Path cwd = Path.of("").toAbsolutePath().normalize();
        if (cwd.startsWith(abs) || abs.getParent() == null) {
            throw new IllegalArgumentException("--force cannot move aside " + abs + ", the current folder or one above it");
        }
    }

    /**
     * The write phase of a new run: moves an old run aside ({@code force}), makes the folder and locks
     * it. Refuses when another process filled the folder meanwhile.
     */
    void claimForNewRun(boolean force) throws IOException {
        requireLocked();
        writing = true;
        if (force && !entries().isEmpty()) {
            Path abs = dir.toAbsolutePath().normalize();
            String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            Path aside = abs.resolveSibling(abs.getFileName() + ".old-" + stamp);
            for (int i = 2; Files.exists(aside); i++) {
                aside = abs.resolveSibling(abs.getFileName() + ".old-" + stamp + "-" + i);
            }
            Path target = aside;
            IoErrors.naming(abs, () -> Files.move(abs, target)); // moved with its lock still held
            movedAside = target;
            lock.close();
            lock = null;
            log.println("moved the previous run aside to " + target);
        }
        for (Path p = dir.toAbsolutePath().normalize(); p != null && !Files.exists(p); p = p.getParent()) {
            createdTop = p;
        }
        IoErrors.naming(dir, () -> Files.createDirectories(dir));
        if (lock == null) {
            lock = RunLock.acquire(dir, log);
            List<String> e = entries();
            if (!e.isEmpty()) {
                throw new IllegalArgumentException("--out " + dir + " was filled by another process meanwhile ("
                        + String.join(", ", head(e)) + ")");
            }
        }
        claimed = true;
    }

    /**
     * Takes back a new run that stopped on bad input before its first checkpoint, so that the folder is
     * as it was before the start and the same command can run again: the files the run wrote (run.json,
     * metrics.jsonl, the temporary files of their writes) are removed, then the lock file if this run
     * created it, the folder (and the folders above it) if this run created them, and an old run that
     * {@code --force} moved aside is moved back. Anything else found in the folder is left, and the
     * folder with it; what cannot be undone is said on the log, and the error that stopped the run
     * stays the one reported.
     */
    void undoNewRun() {
        if (!writing) {
            return;
        }
        writing = false;
        Path abs = dir.toAbsolutePath().normalize();
        List<String> left;
        try {
            if (claimed) {
                for (String name : entries()) {
                    if (name.equals(RunRecord.RUN) || name.equals(RunRecord.METRICS) || TEMPORARY.matcher(name).matches()) {
                        Files.deleteIfExists(dir.resolve(name));
                    }
                }
            }
            left = entries();
        } catch (IOException e) {
            log.println("note: could not remove what this run wrote into " + dir + " (" + e.getMessage() + ")");
            left = List.of("?");
        }
        try {
            if (lock != null) {
                RunLock l = lock;
                lock = null;
                if (left.isEmpty()) {
                    l.closeUnused();
                } else {
                    l.close();
                }
            }
        } catch (IOException e) {
            log.println("note: could not remove the lock file " + dir.resolve(RunLock.FILE) + " (" + e.getMessage() + ")");
        }
        if (left.isEmpty() && createdTop != null) {
            try {
                for (Path p = abs; p != null && p.startsWith(createdTop); p = p.getParent()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                // not empty (another process wrote into it) or not removable: it stays
            }
        }
        if (movedAside != null) {
            try {
                Files.move(movedAside, abs);
                log.println("moved the previous run back from " + movedAside);
            } catch (IOException e) {
                log.println("note: the previous run stays at " + movedAside + " (" + abs + " could not take it back: "
                        + e.getMessage() + ")");
            }
        }
    }

    /** Removes the temporary files a killed write left (only a run holding the lock writes them). */
    void removeStaleTemporaries() throws IOException {
        requireLocked();
        writing = true;
        for (String name : entries()) {
            if (TEMPORARY.matcher(name).matches()) {
                Path p = dir.resolve(name);
                IoErrors.naming(p, () -> Files.deleteIfExists(p));
                log.println("removed " + p + ", left by an interrupted write");
            }
        }
    }

    @Override
    public void close() throws IOException {
        if (lock != null) {
            if (writing) {
                lock.close();
            } else {
                lock.closeUnused();
            }
            lock = null;
        }
    }
}
