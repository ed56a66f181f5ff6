package org.dspn4j.experiment.grid;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.dspn4j.experiment.RunRecord;

/**
 * One experiment over seeds: a train command (without {@code --seed}, {@code --out} and
 * {@code --resume}, which the grid sets per run), its seeds, and the folder that holds
 * {@code grid.json} and one folder per seed, {@code seed-<s>} (its status.json, Slurm's logs, and the
 * train command's run folder {@code seed-<s>/run}). The same grid runs one seed after
 * another ({@code repeat}) or as a Slurm job array ({@code repeat --slurm}); running it again
 * resumes what did not finish. grid.json records the command, the seeds, the folder the command was
 * given in (its relative paths are relative to it), the seeds' folders, and every submission (a Slurm
 * job id, or a local run).
 */
public final class Grid {
    /** The file name in the grid's folder. */
    public static final String FILE = "grid.json";
    static final long FORMAT = 1;

    private final Path dir;
    private final Map<String, Object> json;
    private boolean stored;

    private Grid(Path dir, Map<String, Object> json, boolean stored) {
        this.dir = dir;
        this.json = json;
        this.stored = stored;
    }

    /** Reads {@code grid.json} (the file, or a folder holding it). */
    public static Grid read(Path fileOrDir) throws IOException {
        Path file = Files.isDirectory(fileOrDir) ? fileOrDir.resolve(FILE) : fileOrDir;
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such grid file");
        }
        Map<String, Object> m = Json.readObject(file);
        if (Json.integer(m, "grid", file) != FORMAT) {
            throw new IOException(file + ": grid format " + m.get("grid") + ", this dspn4j reads " + FORMAT);
        }
        Json.strings(m, "command", file);
        List<Long> seeds = Json.longs(m, "seeds", file);
        if (!Path.of(Json.string(m, "cwd", file)).isAbsolute()) {
            throw new IOException(file + ": field \"cwd\" is not an absolute path");
        }
        checkRuns(file, seeds, Json.list(m, "runs", file));
        List<Object> subs = Json.list(m, "submissions", file);
        for (int i = 0; i < subs.size(); i++) {
            String at = "\"submissions\"[" + i + "]";
            if (!(subs.get(i) instanceof Map<?, ?> sub)) {
                throw new IOException(file + ": field " + at + " is not a JSON object");
            }
            Object job = sub.get("slurm_job");
            if (job != null && !(job instanceof String j && j.matches("\\d+"))) {
                throw new IOException(file + ": field " + at + ".slurm_job is not a Slurm job id (a string of digits)");
            }
        }
        return new Grid(file.toAbsolutePath().normalize().getParent(), m, true);
    }

    /**
     * grid.json's {@code runs}: one object per seed of {@code seeds}, each with its {@code seed} and its
     * {@code folder}, a plain folder name inside the grid's folder.
     */
    private static void checkRuns(Path file, List<Long> seeds, List<Object> runs) throws IOException {
        if (seeds.isEmpty()) {
            throw new IOException(file + ": field \"seeds\" is empty");
        }
        if (new java.util.HashSet<>(seeds).size() != seeds.size()) {
            throw new IOException(file + ": field \"seeds\" holds a seed twice");
        }
        List<Long> covered = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            String at = "\"runs\"[" + i + "]";
            if (!(runs.get(i) instanceof Map<?, ?> r)) {
                throw new IOException(file + ": field " + at + " is not a JSON object");
            }
            if (!(r.get("seed") instanceof Long seed) || !seeds.contains(seed) || covered.contains(seed)) {
                throw new IOException(file + ": field " + at + ".seed is missing, not one of \"seeds\" or given twice");
            }
            if (!(r.get("folder") instanceof String f) || f.isEmpty() || f.equals(".") || f.equals("..")
                    || f.contains("/") || f.contains("\\")) {
                throw new IOException(file + ": field " + at + ".folder is not a folder name inside the grid's folder");
            }
            covered.add(seed);
        }
        if (covered.size() != seeds.size()) {
            throw new IOException(file + ": field \"runs\" lacks a folder for a seed of \"seeds\"");
        }
    }

    /**
     * The grid in {@code dir}: the one stored there when it holds the same command and seeds, else a new one
     * (not written until {@link #save()}). Refuses, never overwrites, a folder that holds another grid or run
     * folders that belong to no grid.
     *
     * @param command the train command, starting with {@code train}
     * @param cwd     the folder the command was given in
     */
    public static Grid open(Path dir, List<String> command, List<Long> seeds, Path cwd) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        Path file = abs.resolve(FILE);
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new IllegalArgumentException("--out: " + abs + " is a file, not a folder; give a folder for the grid");
        }
        if (Files.exists(file)) {
            Grid g = read(file);
            if (!g.command().equals(command)) {
                throw new IllegalArgumentException("--out: " + file + " holds another grid (" + String.join(" ", g.command())
                        + "); choose another --out, or give that command to resume it");
            }
            if (!g.seeds().equals(seeds)) {
                throw new IllegalArgumentException("--seeds: " + file + " holds seeds " + Seeds.ranges(g.seeds())
                        + " in the order " + g.seeds() + "; give the same seeds to resume it, or choose another --out");
            }
            return g;
        }
        for (Path d : new Path[] {abs, abs.getParent()}) {
            String record = d == null ? null : RunRecord.recordIn(d);
            if (record != null) {
                throw new IllegalArgumentException("--out: " + (d == abs ? abs + " is" : abs + " is inside") + " a run folder"
                        + (d == abs ? "" : ", " + d) + " (it holds " + record + "); give the grid a folder of its own");
            }
        }
        for (long s : seeds) {
            Path f = abs.resolve(folderName(s));
            if (Files.exists(f)) {
                throw new IllegalArgumentException("--out: " + f + " exists and belongs to no grid (no " + file
                        + "); choose another --out or move it away");
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("grid", FORMAT);
        m.put("command", new ArrayList<>(command));
        m.put("seeds", new ArrayList<>(seeds));
        m.put("cwd", cwd.toAbsolutePath().normalize().toString());
        List<Object> runs = new ArrayList<>();
        for (long s : seeds) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("seed", s);
            r.put("folder", folderName(s));
            runs.add(r);
        }
        m.put("runs", runs);
        m.put("submissions", new ArrayList<>());
        return new Grid(abs, m, false);
    }

    static String folderName(long seed) {
        return "seed-" + seed;
    }

    /** The grid's folder (absolute). */
    public Path dir() {
        return dir;
    }

    public Path file() {
        return dir.resolve(FILE);
    }

    /** Whether grid.json exists (false for a new grid until {@link #save()}). */
    public boolean stored() {
        return stored;
    }

    @SuppressWarnings("unchecked")
    public List<String> command() {
        return (List<String>) json.get("command");
    }

    @SuppressWarnings("unchecked")
    public List<Long> seeds() {
        return (List<Long>) json.get("seeds");
    }

    /** The folder the command was given in; tasks run there. */
    public Path cwd() {
        return Path.of((String) json.get("cwd"));
    }

    /** The folder of a seed, as grid.json records it (relative to the grid's folder); its run folder is {@link GridTask#runFolder}. */
    @SuppressWarnings("unchecked")
    public Path folder(long seed) {
        for (Object o : (List<Object>) json.get("runs")) {
            Map<String, Object> r = (Map<String, Object>) o;
            if (Long.valueOf(seed).equals(r.get("seed")) && r.get("folder") instanceof String) {
                return dir.resolve((String) r.get("folder"));
            }
        }
        throw new IllegalArgumentException("seed " + seed + " is not one of the seeds of " + file() + " (" + Seeds.ranges(seeds()) + ")");
    }

    /** The seeds' folders in the order of the seeds. */
    public List<Path> folders() {
        List<Path> out = new ArrayList<>();
        for (long s : seeds()) {
            out.add(folder(s));
        }
        return out;
    }

    /** The submissions so far (each: "slurm_job" or "local", the seeds it ran, when). */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> submissions() {
        return (List<Map<String, Object>>) (List<?>) json.get("submissions");
    }

    /** The Slurm job ids of earlier submissions. */
    public List<String> slurmJobs() {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> s : submissions()) {
            if (s.get("slurm_job") instanceof String) {
                out.add((String) s.get("slurm_job"));
            }
        }
        return out;
    }

    /** Appends a submission (not written until {@link #save()}); returns its number, from 1. */
    int addSubmission(Map<String, Object> submission) {
        submissions().add(submission);
        return submissions().size();
    }

    /** Writes grid.json (atomically). */
    public void save() throws IOException {
        Files.createDirectories(dir);
        Json.writeAtomic(file(), json);
        stored = true;
    }
}
