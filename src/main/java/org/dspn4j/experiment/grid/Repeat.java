package org.dspn4j.experiment.grid;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.dspn4j.experiment.IoErrors;
import org.dspn4j.experiment.RunLock;

/**
 * {@code repeat}: a grid of one train command over seeds, run here one seed after another, or
 * submitted to Slurm as a job array. Either way, running it again resumes: finished seeds are
 * skipped, the others continue from their checkpoint ({@link GridTask}), and the final metrics are
 * collected by {@link Summary}.
 */
public final class Repeat {
    private Repeat() {
    }

    /**
     * Checks the train command repeat is given: the seed, run folder, resumption and fresh start are the grid's, and
     * the rest must be a train command that runs ({@code check}), since a grid of it is written before it
     * runs (on Slurm, perhaps hours before).
     */
    static void checkCommand(List<String> command, GridTask.TrainCheck check) {
        if (command.isEmpty() || !"train".equals(command.get(0))) {
            throw new IllegalArgumentException("give a train command after --, e.g. repeat --seeds 1-6 -- train mnist");
        }
        for (String a : command) {
            for (String own : List.of("--seed", "--out", "--resume", "--force")) {
                if (a.equals(own) || a.startsWith(own + "=")) {
                    throw new IllegalArgumentException("repeat sets " + own + " itself (each seed runs in <out>/seed-<seed>/run, "
                            + "and resumes when run again); remove " + a);
                }
            }
        }
        check.check(command);
    }

    /**
     * Runs the grid's seeds in this process, one after another, then prints the summary. Data other than those
     * the grid's finished seeds trained on are refused before any seed trains ({@link GridData}). A seed that fails,
     * or whose run folder another live process holds (left out, exit code 2), does not stop the others: each runs,
     * the summary lists the failed ones with their status, and one line on standard error names them; the exit
     * code is then the first such seed's. grid.json records this
     * invocation as a submission with the seeds that ran (none skipped as finished); one that ran none is
     * not recorded.
     *
     * @param err where the line naming failed seeds goes
     */
    public static int here(Path out, List<Long> seeds, List<String> command, GridTask.TrainCheck check,
                           GridTask.TrainRunner train, PrintStream o, PrintStream err) throws Exception {
        checkCommand(command, check);
        Path cwd = Path.of("").toAbsolutePath();
        Grid grid = openHere(out, command, seeds, cwd);
        try (GridLock lock = GridLock.acquire(grid.dir(), o)) {
            grid = openHere(out, command, seeds, cwd); // again, under the lock: what another repeat wrote meanwhile
            GridData.requireSame(grid, check::data, "", ""); // before any seed trains
            if (!grid.stored()) {
                grid.save(); // before any seed's folder, which a grid.json must own
            }
            lock.keep();
            return runHere(grid, seeds, train, o, err);
        }
    }

    private static Grid openHere(Path out, List<String> command, List<Long> seeds, Path cwd) throws IOException {
        Grid grid = Grid.open(out, command, seeds, cwd);
        if (grid.stored() && !grid.cwd().equals(cwd)) {
            throw new IllegalArgumentException("--out: " + grid.file() + " was made in " + grid.cwd()
                    + "; run repeat there (the command's relative paths are relative to it)");
        }
        return grid;
    }

    private static int runHere(Grid grid, List<Long> seeds, GridTask.TrainRunner train, PrintStream o, PrintStream err)
            throws Exception {
        Map<String, Object> sub = new LinkedHashMap<>();
        List<Object> ran = new ArrayList<>();
        sub.put("local", GridTask.host());
        sub.put("seeds", ran);
        sub.put("started", RunStatus.now());
        GridTask.Started started = seed -> {
            if (ran.isEmpty()) {
                grid.addSubmission(sub);
            }
            ran.add(seed);
            grid.save();
        };
        List<String> failed = new ArrayList<>();
        int firstRc = 0;
        for (long s : seeds) {
            int rc;
            try {
                rc = GridTask.run(grid, s, train, o, "local", started);
            } catch (GridTask.InUse e) { // another process trains there: the other seeds run, this one is named at the end
                o.println("seed " + s + ": " + e.reason() + "; not run here");
                failed.add("seed " + s + " was not run: " + e.reason());
                firstRc = firstRc == 0 ? 2 : firstRc;
                continue;
            }
            if (rc != 0) {
                failed.add("seed " + s + " ended with exit code " + rc + " (" + grid.folder(s).resolve(RunStatus.FILE) + ")");
                firstRc = firstRc == 0 ? rc : firstRc;
            }
        }
        String failures = failed.isEmpty() ? null : "dspn4j: " + String.join("; ", failed)
                + "; give the same repeat command again to retry " + (failed.size() == 1 ? "it" : "them") + " (finished seeds are skipped)";
        Summary summary;
        try {
            summary = Summary.of(grid);
        } catch (IllegalArgumentException e) {
            if (failures != null) {
                err.println(failures); // the refusal of the summary follows, as its own line
            }
            throw e;
        }
        summary.print(o);
        if (failures != null) {
            o.flush();
            err.println(failures);
            return firstRc;
        }
        return 0;
    }

    /** Submits the seeds that did not finish as a Slurm job array (or, with --dry-run, prints its script). */
    public static int slurm(Path out, List<Long> seeds, List<String> command, GridTask.TrainCheck check, SlurmSettings s,
                            PrintStream o) throws IOException {
        checkCommand(command, check);
        s.validate();
        Grid first = Grid.open(out, command, seeds, Path.of("").toAbsolutePath()); // its refusals write nothing
        SlurmScript.checkCarriable(first, seeds);
        if (s.dryRun()) {
            return submit(out, seeds, command, check, s, o, null);
        }
        try (GridLock lock = GridLock.acquire(first.dir(), o)) {
            return submit(out, seeds, command, check, s, o, lock);
        }
    }

    /** Submits (or with --dry-run, prints) the grid's unfinished seeds; {@code lock}: the grid's, held (null on a dry run). */
    private static int submit(Path out, List<Long> seeds, List<String> command, GridTask.TrainCheck check, SlurmSettings s,
                              PrintStream o, GridLock lock)
            throws IOException {
        Grid grid = Grid.open(out, command, seeds, Path.of("").toAbsolutePath()); // under the lock: the latest grid.json
        List<Long> todo = new ArrayList<>();
        for (long seed : seeds) {
            Path f = grid.folder(seed);
            RunStatus st = Files.isDirectory(f) ? RunStatus.read(f) : null;
            if (st == null || !st.finished()) {
                todo.add(seed);
            }
        }
        if (todo.isEmpty()) {
            o.println("all " + seeds.size() + " seeds of " + grid.dir() + " finished; nothing to submit");
            o.println("results: dspn4j summarise --grid " + grid.file());
            return 0;
        }
        // the data as this host sees them (each task checks them again on its node, before it trains)
        GridData.requireSame(grid, check::data, "", "");
        if (!s.dryRun()) {
            List<String> busy = Slurm.queued(grid.slurmJobs());
            if (!busy.isEmpty()) {
                throw new IllegalArgumentException("--slurm: tasks " + String.join(", ", busy) + " of this grid are still queued or "
                        + "running (squeue -j " + String.join(",", grid.slurmJobs()) + "); wait for them, or scancel them, then submit again");
            }
        }
        TaskRuntime rt = TaskRuntime.choose(s, grid.dir());
        int number = grid.submissions().size() + 1;
        String script = SlurmScript.render(grid, todo, s, rt);
        if (s.dryRun()) {
            o.print(script);
            o.println("# dry run: nothing written or submitted; this would run seeds " + Seeds.ranges(todo) + " of "
                    + seeds.size() + (rt.copyFrom() != null ? ", with " + rt.copyFrom() + " copied to " + rt.classpath() : ""));
            return 0;
        }
        Rollback rb = new Rollback();
        Path scriptFile = grid.dir().resolve("array-" + number + ".sh");
        String job;
        try {
            rb.dir(grid.dir());
            rb.file(grid.file());
            grid.save();
            if (rt.copyFrom() != null) {
                Path jar = Path.of(rt.classpath());
                rb.file(jar);
                Path tmp = jar.resolveSibling(jar.getFileName() + ".tmp");
                Files.copy(rt.copyFrom(), tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, jar, StandardCopyOption.ATOMIC_MOVE);
            }
            for (long seed : todo) {
                Path f = grid.folder(seed);
                rb.dir(f);
                rb.file(f.resolve(RunStatus.FILE));
                RunStatus st = RunStatus.read(f);
                if (st == null) {
                    st = RunStatus.fresh(f, seed);
                }
                st.queued(number);
                st.write();
            }
            rb.file(scriptFile);
            IoErrors.naming(scriptFile, () -> Files.writeString(scriptFile, script));
            Files.setPosixFilePermissions(scriptFile, PosixFilePermissions.fromString("rwxr-xr-x"));
            job = Slurm.submit(scriptFile);
        } catch (IOException | RuntimeException e) {
            rb.undo();
            throw e;
        }
        Map<String, Object> sub = new LinkedHashMap<>();
        sub.put("slurm_job", job);
        sub.put("array", Seeds.ranges(todo));
        sub.put("seeds", new ArrayList<>(todo));
        sub.put("submitted", RunStatus.now());
        sub.put("script", scriptFile.getFileName().toString());
        sub.put("java", rt.java());
        sub.put("classpath", rt.classpath());
        grid.addSubmission(sub);
        grid.save();
        lock.keep();
        o.println("submitted Slurm job " + job + ": array " + Seeds.ranges(todo) + ", one task per seed (array index = seed)"
                + (todo.size() < seeds.size() ? "; " + (seeds.size() - todo.size()) + " of " + seeds.size() + " seeds finished earlier" : ""));
        o.println("run folders: " + grid.dir().resolve("seed-<seed>").resolve(GridTask.RUN) + " (status.json and log slurm-" + job
                + "_<seed>.out beside it); grid: " + grid.file());
        o.println("follow it:   squeue -j " + job + "   sacct -j " + job + " --format=JobID,State,Elapsed,ExitCode");
        o.println("results:     dspn4j summarise --grid " + grid.file());
        o.println("resume:      give the same repeat command again (finished seeds are skipped, the others resume)");
        return 0;
    }

    /**
     * The grid folder's lock, {@code .lock} in it ({@link RunLock}, as a run folder's): held by the one repeat that
     * writes the grid, for a submission or for the whole of a local run, so that two repeats given at once on the
     * same --out neither both submit nor overwrite each other's grid.json. A repeat that wrote no grid leaves the
     * folder as it was: the lock file it created and the folders it made are removed.
     */
    private static final class GridLock implements AutoCloseable {
        private final RunLock lock;
        private final List<Path> made;
        private boolean keep;

        private GridLock(RunLock lock, List<Path> made) {
            this.lock = lock;
            this.made = made;
        }

        static GridLock acquire(Path dir, PrintStream log) throws IOException {
            List<Path> made = new ArrayList<>(); // innermost first
            for (Path p = dir.toAbsolutePath(); p != null && !Files.exists(p); p = p.getParent()) {
                made.add(p);
            }
            Files.createDirectories(dir);
            try {
                return new GridLock(RunLock.acquire(dir, log), made);
            } catch (IllegalArgumentException e) {
                removeMade(made);
                throw new IllegalArgumentException("--out: " + e.getMessage().replace("in use by another run",
                        "in use by another repeat").replace("; wait for it to end or give another --out",
                        "; give the command again once it has ended"));
            } catch (IOException | RuntimeException e) {
                removeMade(made);
                throw e;
            }
        }

        /** The grid is written: the lock file stays (emptied) with it. */
        void keep() {
            keep = true;
        }

        @Override
        public void close() throws IOException {
            if (keep) {
                lock.close();
                return;
            }
            lock.closeUnused();
            removeMade(made);
        }

        private static void removeMade(List<Path> made) {
            for (Path p : made) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    return; // not empty (something else wrote there): kept, and its parents with it
                }
            }
        }
    }

    /** Puts files and folders back as they were when a submission fails half-way. */
    private static final class Rollback {
        private final List<Path> files = new ArrayList<>();
        private final List<byte[]> before = new ArrayList<>();
        private final List<Path> dirs = new ArrayList<>();

        /** Remembers a file's content (or absence) before it is written. */
        void file(Path f) throws IOException {
            files.add(f);
            before.add(Files.isRegularFile(f) ? Files.readAllBytes(f) : null);
        }

        /** Creates a folder, remembering it and each parent that is new. */
        void dir(Path d) throws IOException {
            List<Path> fresh = new ArrayList<>();
            for (Path p = d.toAbsolutePath(); p != null && !Files.exists(p); p = p.getParent()) {
                fresh.add(0, p);
            }
            Files.createDirectories(d);
            dirs.addAll(fresh);
        }

        void undo() {
            for (int i = files.size() - 1; i >= 0; i--) {
                try {
                    if (before.get(i) == null) {
                        Files.deleteIfExists(files.get(i));
                    } else {
                        Files.write(files.get(i), before.get(i));
                    }
                } catch (IOException e) {
                    // best effort: the error being reported matters more
                }
            }
            for (int i = dirs.size() - 1; i >= 0; i--) {
                try {
                    Files.deleteIfExists(dirs.get(i));
                } catch (IOException e) {
                    // not empty: keep it
                }
            }
        }
    }
}
