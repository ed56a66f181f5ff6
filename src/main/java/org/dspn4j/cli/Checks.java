package org.dspn4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.dspn4j.data.mnist.MnistDataset;
import org.dspn4j.data.mnist.MnistSplit;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.experiment.RunRecord;
import org.dspn4j.experiment.grid.RunStatus;

/** Checks of option values: each refusal is one line naming the option, what it must be, and what it got. */
final class Checks {
    /**
     * The most CPU worker threads a command accepts: four per processor the JVM sees. More only add
     * switching (results are the same bits on any thread count), and each is a platform thread with its
     * own stack, so a typo like 40000 would exhaust memory instead of running.
     */
    static int maxThreads() {
        return 4 * Runtime.getRuntime().availableProcessors();
    }

    private Checks() {
    }

    static void atLeast(String option, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(option + " must be at least " + min + ", got " + value);
        }
    }

    static void positive(String option, double value) {
        if (!(value > 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException(option + " must be a positive finite number, got " + value);
        }
    }

    /** {@code --threads}: null gives all processors; else 1 .. {@link #maxThreads()}. */
    static int threads(Integer threads) {
        int n = Runtime.getRuntime().availableProcessors();
        if (threads == null) {
            return n;
        }
        if (threads < 1 || threads > maxThreads()) {
            throw new IllegalArgumentException("--threads must be between 1 and " + maxThreads() + " (four per processor; "
                    + "this machine has " + n + "; more threads only add switching, the results are the same), got "
                    + threads);
        }
        return threads;
    }

    /**
     * A tensor too large to exist (more than 2^31-1 elements, refused with its shape alone) as a refusal of the
     * options that size it; any other exception as it is.
     *
     * @param sizes the sizes as given, e.g. "--latent 4, --hidden 50000"
     */
    static IllegalArgumentException sized(IllegalArgumentException e, String sizes) {
        String m = e.getMessage();
        if (m == null || !m.matches("shape \\([0-9, ]*\\) has more than 2\\^31-1 elements")) {
            return e;
        }
        return new IllegalArgumentException(sizes + ": too large: a tensor of " + m + "; give smaller sizes", e);
    }

    /**
     * DSPN's decoder keeps every one of its T+1 predicted sets and masks (Algorithm 1: Ŷ(0) … Ŷ(T); the authors'
     * dspn.py DSPN.forward returns them all), B × N × (C+1) values each: a --iters whose sets alone are more than the
     * heap is refused up front, in one line, instead of computing for minutes or hours until the heap is full. What the
     * steps need beside the sets is not counted: a T that passes may still run out of memory (its own one line).
     *
     * @param iters  T (--iters)
     * @param batch  B (--batch, or the run's)
     * @param m      the model (set size N, set channels C, element type)
     */
    static void innerStepsFitHeap(long iters, long batch, ModelConfig m) {
        if (m.decoder() != ModelConfig.DecoderKind.DSPN) {
            return;
        }
        int c = m.task().setChannels;
        int bytes = m.dtype() == org.dspn4j.tensor.DType.F64 ? 8 : 4;
        double need = (iters + 1.0) * batch * m.setSize() * (c + 1.0) * bytes;
        long heap = Runtime.getRuntime().maxMemory();
        if (need > heap) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "--iters %d at batch %d: DSPN keeps its "
                    + "T+1 = %d predicted sets and masks (%d × %d elements × %d values), %s, more than this JVM's %s heap; give "
                    + "a smaller --iters or --batch, or a larger heap, e.g. DSPN4J_JAVA_OPTS=-Xmx…", iters, batch, iters + 1,
                    batch, m.setSize(), c + 1, need >= Long.MAX_VALUE ? "more than 8 EiB" : org.dspn4j.experiment.Heap.describe(
                            (long) need), org.dspn4j.experiment.Heap.max()));
        }
    }

    /** A decoder option's value (dspn, mlp or rnn), refused naming the option. */
    static ModelConfig.DecoderKind decoder(String option, String value) {
        try {
            return ModelConfig.DecoderKind.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " must be dspn, mlp or rnn, got '" + value + "'");
        }
    }

    /** A model option's value (mnist, clevr-box or clevr-state), refused naming the option. */
    static ModelConfig.Task task(String option, String value) {
        try {
            return ModelConfig.Task.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " must be mnist, clevr-box or clevr-state, got '" + value + "'");
        }
    }

    /** An input folder that must exist and be a folder. */
    static Path inputFolder(String option, Path dir) {
        return inputFolder(option, dir, null);
    }

    /**
     * An input folder that must exist and be a folder; a refusal ends with {@code "; " + hint} (what to give), or
     * without it where {@code hint} is null.
     */
    static Path inputFolder(String option, Path dir, String hint) {
        String problem = !Files.exists(dir) ? "no such folder" : !Files.isDirectory(dir) ? "not a folder" : null;
        if (problem != null) {
            throw new IllegalArgumentException(option + " " + dir + ": " + problem + (hint == null ? "" : "; " + hint));
        }
        return dir;
    }

    /**
     * An output folder, created if missing: not a file, and not below one (the nearest part of the path that exists
     * must be a folder), so that it is refused before any work rather than when it is created.
     */
    static Path outputFolder(String option, Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException(option + " " + dir + " is a file, not a folder");
        }
        for (Path p = dir.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) {
                    throw new IllegalArgumentException(option + " " + dir + ": " + p + " is a file, not a folder");
                }
                break;
            }
        }
        return dir;
    }

    /**
     * A folder of MNIST (checked with {@link #inputFolder} before) that holds the IDX files of {@code splits}, refused
     * naming the option, the folder and the files it needs ({@link MnistDataset#lacking}).
     */
    static void mnistFolder(String option, Path dir, MnistSplit... splits) {
        for (MnistSplit split : splits) {
            String lacking = MnistDataset.lacking(dir, split);
            if (lacking != null) {
                throw new IllegalArgumentException(option + " " + dir + ": " + lacking);
            }
        }
    }

    /** An input file that must exist and be a regular file. */
    static Path inputFile(String option, Path file) {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException(option + " " + file + ": no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(option + " " + file + ": not a regular file");
        }
        return file;
    }

    /**
     * An output file: not a folder, its folder exists, and it is none of the inputs (a command never
     * writes over what it reads).
     */
    static Path outputFile(String option, Path out, Path... inputs) {
        if (Files.isDirectory(out)) {
            throw new IllegalArgumentException(option + " " + out + " is a folder; give a file name");
        }
        notSpecial(option, out);
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new IllegalArgumentException(option + " " + out + ": the folder " + parent + " does not exist");
        }
        for (Path in : inputs) {
            if (in != null && sameFile(out, in)) {
                throw new IllegalArgumentException(option + " " + out + " is an input of this command; write to another file");
            }
        }
        requireOutsideRuns(option, out);
        return out;
    }

    /**
     * Refuses an output file whose name does not end in {@code ext} (any case), the format written: PNG bytes under
     * {@code .jpg}, or a name without an extension, would be opened as what they are not.
     *
     * @param ext    the extension with its dot, e.g. {@code ".png"}
     * @param format what is written, e.g. {@code "a PNG image"}
     */
    static void extension(String option, Path out, String ext, String format) {
        Path name = out.getFileName();
        if (name == null || !name.toString().toLowerCase(java.util.Locale.ROOT).endsWith(ext)
                || name.toString().length() == ext.length()) {
            throw new IllegalArgumentException(option + " " + out + ": writes " + format + "; give a file name ending in " + ext);
        }
    }

    /** The extension of the NumPy archives the commands write (export-weights, import-torch, trace: --out). */
    static final String NPZ = ".npz";

    /**
     * Refuses an output of NumPy arrays whose name does not end in {@value #NPZ} ({@link #extension}): an archive
     * under {@code weights.txt} or {@code result.png} would be opened as what it is not.
     */
    static void npzName(String option, Path out) {
        extension(option, out, NPZ, "NumPy arrays (an .npz archive)");
    }

    /** Refuses an output that exists unless {@code force}: it may be a result kept to compare with. */
    static void requireNewOrForced(String option, Path out, boolean force) {
        if (Files.exists(out) && !force) {
            throw new IllegalArgumentException(option + " " + out + " exists; give --force to write over it");
        }
    }

    /**
     * Refuses an output that exists and is no regular file (a device such as /dev/null, a pipe, a socket):
     * outputs are written as a new file put in its place (a PNG) or renamed over it (an .npz), which would
     * replace the device by a file.
     */
    static void notSpecial(String option, Path out) {
        if (Files.exists(out) && !Files.isRegularFile(out) && !Files.isDirectory(out)) {
            throw new IllegalArgumentException(option + " " + out + " is not a regular file (a device, a pipe or a socket); "
                    + "give a file name");
        }
    }

    /** Refuses an output file placed in a run folder ({@link #runRecord}) or below one: only train writes there. */
    static void requireOutsideRuns(String option, Path out) {
        Path parent = out.toAbsolutePath().getParent();
        Path folder = parent == null ? null : enclosingRun(parent);
        if (folder != null) {
            throw new IllegalArgumentException(option + " " + out + ": " + folder + " is a run folder (it holds "
                    + runRecord(folder) + "); write outside it, so that the run keeps only what train wrote");
        }
    }

    /** The first record of a run (train's or a grid seed's) that {@code dir} holds, or null: then it is no run folder. */
    static String runRecord(Path dir) {
        String record = RunRecord.recordIn(dir);
        return record != null ? record : Files.exists(dir.resolve(RunStatus.FILE)) ? RunStatus.FILE : null;
    }

    /**
     * The run folder ({@link #runRecord}) that {@code dir} is or lies inside, or null: the nearest of {@code dir} and
     * the folders above it that holds a run record, looked up both along the path as given and along the real
     * path of the part that exists (a link into a run folder is inside it).
     */
    static Path enclosingRun(Path dir) {
        Path given = dir.toAbsolutePath().normalize();
        for (Path p = given; p != null; p = p.getParent()) {
            if (runRecord(p) != null) {
                return p;
            }
        }
        Path existing = given;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        try {
            for (Path p = existing == null ? null : existing.toRealPath(); p != null; p = p.getParent()) {
                if (runRecord(p) != null) {
                    return p;
                }
            }
        } catch (java.io.IOException e) {
            // unreadable: the path as given was looked up
        }
        return null;
    }

    /**
     * Refuses an output folder that is a run folder or lies inside one (only train writes there), in one line
     * naming the option, the run folder and its record; {@code what} is what would be written, e.g. "the scenes".
     */
    static void requireFolderOutsideRuns(String option, Path dir, String what) {
        Path run = enclosingRun(dir);
        if (run == null) {
            return;
        }
        String record = runRecord(run);
        if (run.equals(dir.toAbsolutePath().normalize())) {
            throw new IllegalArgumentException(option + " " + dir + " is a run folder (it holds " + record + "); give "
                    + what + " a folder of their own");
        }
        throw new IllegalArgumentException(option + " " + dir + " is inside the run folder " + run + " (it holds " + record
                + "); give " + what + " a folder of their own, outside the run");
    }

    /** Whether two paths name the same file (the same real file if both exist, else the same normalised path). */
    static boolean sameFile(Path a, Path b) {
        try {
            if (Files.exists(a) && Files.exists(b)) {
                return Files.isSameFile(a, b);
            }
        } catch (java.io.IOException e) {
            // fall through to the path comparison
        }
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }
}
