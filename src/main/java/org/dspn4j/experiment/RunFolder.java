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
 * {@link #claimForNewRun} — a start refused before it leaves no folder behind.
 */
final class RunFolder implements AutoCloseable {
    /** Temporary files of {@link org.dspn4j.io.Npz#writeAtomic}, of run.json's atomic write and of the figures'. */
    private static final Pattern TEMPORARY = Pattern.compile("\\.checkpoint\\.npz\\.[0-9a-f]+\\.tmp|run\\.json\\.tmp"
            + "|\\.[\\w-]+\\.png\\.[0-9a-f]+\\.tmp");

    private final Path dir;
    private final PrintStream log;
    private RunLock lock;
    /** Whether the run has begun to write (a refusal before leaves the folder as it was). */
    private boolean writing;

    private RunFolder(Path dir, PrintStream log) {
        this.dir = dir;
        this.log = log;
    }

    /** Opens {@code --out} without writing: an existing folder is locked at once, a file refused. */
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
            f.lock = RunLock.acquire(dir, log);
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

    /** Refuses a new run in a folder that is not empty, unless {@code --force}. */
    void requireNewOrForced(boolean force) throws IOException {
        List<String> e = entries();
        if (e.isEmpty() || force) {
            if (force && !e.isEmpty()) {
                requireMovable();
            }
            return;
        }
        boolean run = e.contains(RunRecord.RUN) || e.contains(RunRecord.METRICS) || e.contains(TrainingLoop.CHECKPOINT);
        throw new IllegalArgumentException("--out " + dir + (run ? " already holds a run (" + String.join(", ", head(e)) + ")"
                : " is not empty (" + String.join(", ", head(e)) + ")") + "; continue it with --resume, give a new --out, "
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
            lock.close();
            lock = null;
            log.println("moved the previous run aside to " + target);
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
    }

    /** Removes the temporary files a killed write left (only a run holding the lock writes them). */
    void removeStaleTemporaries() throws IOException {
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
