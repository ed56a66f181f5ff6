package org.dspn4j.experiment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * What evaluation needs to know about the run that wrote a checkpoint, read from the
 * {@code run.json} beside it: the batch size (DSPN's inner step is η/(B·D), so a model must be
 * decoded with the B it was trained with to behave as trained), the seed (MNIST's point order) and
 * the data it was trained on (the MNIST folder; which generated scenes or which CLEVR folder, and the
 * image size) and how much of the evaluation split it evaluated (all, or the first tenth). Every
 * field is checked when read: a missing or mistyped one is refused naming the file and the field.
 *
 * <p>run.json records a data folder as train was given it; a relative one is relative to the folder train ran in,
 * recorded as {@code cwd}. {@link #resolve} reads it from there, so that the run's data are found (and generated
 * scenes reused, not generated again) from any folder. A run.json without {@code cwd} (written before it was
 * recorded), or whose {@code cwd} is not a folder here (a run folder copied from another machine), has its relative
 * folders read from the current folder.
 *
 * @param file       the run.json
 * @param config     its {@code config} object
 * @param dataSha256 its {@code data_sha256} object ({@link DataDigest}s by split), or null in a run.json
 *                   written before them
 * @param cwd        its {@code cwd}: the absolute folder train ran in, or null in a run.json written before it
 */
public record RunInfo(Path file, Map<String, Object> config, Map<String, Object> dataSha256, Path cwd) {

    /** run.json's field for the folder train ran in. */
    public static final String CWD = "cwd";

    /** The run.json in the checkpoint's folder, or null if there is none. */
    public static RunInfo besideCheckpoint(Path checkpoint) throws IOException {
        Path parent = checkpoint.toAbsolutePath().getParent();
        Path run = parent == null ? null : parent.resolve(RunRecord.RUN);
        return run != null && Files.isRegularFile(run) ? read(run) : null;
    }

    /** Reads a run.json. */
    public static RunInfo read(Path runJson) throws IOException {
        Map<String, Object> root = RunRecord.readJsonObject(runJson);
        Map<String, Object> sha = root.get(TrainingLoop.DATA_SHA256) == null ? null
                : RunRecord.object(root, TrainingLoop.DATA_SHA256, runJson);
        return new RunInfo(runJson, RunRecord.object(root, "config", runJson), sha, cwd(root, runJson));
    }

    /** run.json's {@code cwd}, checked: null when absent, else an absolute path. */
    static Path cwd(Map<String, Object> root, Path runJson) {
        Object v = root.get(CWD);
        if (v == null) {
            return null;
        }
        Path p = null;
        if (v instanceof String s && !s.isEmpty()) {
            try {
                p = Path.of(s);
            } catch (java.nio.file.InvalidPathException e) {
                p = null;
            }
        }
        if (p == null || !p.isAbsolute()) {
            throw new IllegalArgumentException(runJson + ": " + CWD + " must be an absolute folder (where train ran), got "
                    + RunRecord.describe(v));
        }
        return p;
    }

    /**
     * A data folder as run.json records it, read from where the run read it: an absolute one as it is; a relative one
     * from the run's {@code cwd}, when run.json has one and it is a folder here, else from the current folder. When
     * both are the same folder the path is returned as recorded, so that output names it as train did.
     */
    public Path resolve(Path recorded) {
        return resolve(cwd, recorded);
    }

    /** {@link #resolve(Path)} against {@code cwd} (null: the current folder). */
    static Path resolve(Path cwd, Path recorded) {
        if (recorded.isAbsolute() || cwd == null || !Files.isDirectory(cwd)) {
            return recorded;
        }
        Path here = Path.of("").toAbsolutePath();
        if (cwd.normalize().equals(here.normalize())) {
            return recorded;
        }
        return cwd.resolve(recorded).normalize();
    }

    /**
     * Where a data folder of run.json was looked for, for a refusal: empty for an absolute one; for a relative one e.g.
     * {@code " relative to the folder train ran in (cwd /home/a/dspn4j): /home/a/dspn4j/data/clevr"}, or, without a
     * usable {@code cwd}, {@code " from the current folder …"} and why.
     */
    public String lookedFor(Path recorded) {
        if (recorded.isAbsolute()) {
            return "";
        }
        Path here = Path.of("").toAbsolutePath();
        if (cwd == null) {
            return " from the current folder " + here + " (this run.json does not record its " + CWD
                    + ": run from the folder train ran in)";
        }
        if (!Files.isDirectory(cwd)) {
            return " from the current folder " + here + " (the run's " + CWD + " " + cwd + " is not a folder here)";
        }
        return " relative to the folder train ran in (" + CWD + " " + cwd + "): " + cwd.resolve(recorded).normalize();
    }

    /**
     * Refuses the run's data of a split when their digest now differs from the one the run recorded (a
     * run.json without digests, or without this split's, is not checked).
     */
    public void requireSameData(String split, String now) {
        Object was = dataSha256 == null ? null : dataSha256.get(split);
        if (was != null && !was.equals(now)) {
            throw new IllegalArgumentException(file + ": the run's " + split + " data changed since it ran ("
                    + DataDigest.change(was, now) + "); give --data-dir to evaluate on them as they are now");
        }
    }

    /** B of the training run ({@code config.batch}). */
    public int batch() {
        long b = RunRecord.integer(config, "batch", file, "config.");
        if (b < 1 || b > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(file + ": config.batch must be a positive integer, got " + b);
        }
        return (int) b;
    }

    /** The seed of the run ({@code config.seed}). */
    public long seed() {
        return RunRecord.integer(config, "seed", file, "config.");
    }

    /** Whether the run evaluated all of its test split or val ({@code config.full_eval}, train's --full-eval). */
    public boolean fullEval() {
        Object v = config.get("full_eval");
        if (!(v instanceof Boolean b)) {
            throw new IllegalArgumentException(file + ": config.full_eval must be true or false, got " + RunRecord.describe(v));
        }
        return b;
    }

    /** The run's CLEVR data ({@code config.data}), its folder read from where the run read it ({@link #resolve}). */
    @SuppressWarnings("unchecked")
    public ClevrSource clevrSource() {
        Map<String, Object> data = RunRecord.object(config, "data", file, "config.");
        try {
            return ClevrSource.fromMap(data).resolvedWith(this::resolve);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": config.data: " + e.getMessage(), e);
        }
    }

    /**
     * The run's MNIST folder ({@code config.data_dir}, read from where the run read it: {@link #resolve}), or null for
     * the bundled subset.
     */
    public Path mnistDataDir() {
        Object d = config.get("data_dir");
        if (!(d instanceof String s)) {
            throw new IllegalArgumentException(file + ": config.data_dir must be a string (a folder or \"bundled\"), got "
                    + RunRecord.describe(d));
        }
        return s.equals("bundled") ? null : resolve(Path.of(s));
    }
}
