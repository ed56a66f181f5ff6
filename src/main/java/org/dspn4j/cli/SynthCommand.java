package org.dspn4j.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.ObjIntConsumer;
import java.util.stream.Stream;
import org.dspn4j.data.synth.ClevrSynth;
import org.dspn4j.experiment.Progress;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code dspn4j synth clevr --scenes N --split train|val --seed S --out DIR}: writes a synthetic
 * CLEVR-like split in CLEVR v1.0's folder layout ({@link ClevrSynth}), readable by the CLEVR loader.
 * The split is written whole or not at all: it is generated in a temporary folder inside {@code --out}
 * ({@code .synth-<split>-<pid>-<n>.tmp}, on the same file system) and moved into place only when it is
 * finished, its scene file last, so that a split with a scene file is complete; an earlier split that
 * {@code --force} replaces is removed only then. The temporary folder of a synth that was killed is removed
 * by the next synth into the same folder (one that a running synth holds is left alone).
 */
@Command(name = "synth", mixinStandardHelpOptions = true,
        header = "Generate a synthetic CLEVR-like data set in CLEVR v1.0's layout.",
        description = "Generate a synthetic data set. Kinds: clevr (CLEVR-like scenes, 480x320 PNGs and "
                + "CLEVR_<split>_scenes.json in CLEVR v1.0's folder layout).")
public final class SynthCommand implements Callable<Integer> {

    /** Name prefix of the temporary folders in --out that a split is generated in. */
    static final String STAGING_PREFIX = ".synth-";
    /** Name suffix of the temporary folders. */
    static final String STAGING_SUFFIX = ".tmp";
    /** The file in a temporary folder that its synth holds locked while it runs. */
    static final String LOCK = "lock";

    /**
     * For tests: called in the calling thread with the temporary folder and the number of scenes done (0 before
     * the first); what it throws fails the synth there.
     */
    ObjIntConsumer<Path> testHook;

    /**
     * Whether the output is a terminal ({@link Progress#onTerminal()}): the count of scenes done is then one line
     * redrawn in place; off a terminal (a log file, a pipe) each count is a line of its own (at most 20).
     */
    boolean terminal = Progress.onTerminal();

    /** What to synthesise. */
    enum Kind { clevr }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "KIND", description = "What to generate: ${COMPLETION-CANDIDATES}.")
    Kind kind;

    @Option(names = "--scenes", paramLabel = "N", defaultValue = "100", description = "Number of scenes, 0 to "
            + ClevrSynth.MAX_SCENES + " (default ${DEFAULT-VALUE}).")
    int scenes;

    @Option(names = "--split", defaultValue = "train", description = "Split name: train or val (default ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Random seed (default ${DEFAULT-VALUE}); scene i depends "
            + "only on (S, i), not on --split: a val split with the train split's seed repeats its scenes, so give val another "
            + "seed (the seed is not recorded in the scenes file).")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Output root: DIR/scenes/, DIR/images/<split>/.")
    Path out;

    @Option(names = "--force", description = "Replace the split that --out already holds (its scenes file and its "
            + "CLEVR_<split>_NNNNNN.png images) once the new one is generated; without it such a folder is refused.")
    boolean force;

    @Option(names = "--threads", paramLabel = "T", description = "Rendering threads, 1 to 4 per processor (default: all processors). Output does not depend on it.")
    int threads = Runtime.getRuntime().availableProcessors();

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        if (!split.equals("train") && !split.equals("val")) {
            err.println("dspn4j: --split must be train or val, got '" + split + "'");
            return Main.BAD_INPUT;
        }
        if (scenes < 0 || scenes > ClevrSynth.MAX_SCENES) {
            err.printf(java.util.Locale.ROOT, "dspn4j: --scenes must be between 0 and %,d (%s), got %d%n",
                    ClevrSynth.MAX_SCENES, ClevrSynth.MAX_SCENES_REASON, scenes);
            return Main.BAD_INPUT;
        }
        Checks.threads(threads);
        try {
            Checks.outputFolder("--out", out); // not a file, nor below one
            Checks.requireFolderOutsideRuns("--out", out, "the scenes");
        } catch (IllegalArgumentException e) {
            err.println("dspn4j: " + e.getMessage());
            return Main.BAD_INPUT;
        }
        Path scenesFile = out.resolve("scenes").resolve(scenesName());
        List<Path> images = generatedImages(out.resolve("images").resolve(split));
        if (Files.exists(scenesFile) || !images.isEmpty()) {
            if (!force) {
                err.println("dspn4j: --out " + out + " already holds a " + split + " split ("
                        + (Files.exists(scenesFile) ? out.relativize(scenesFile) + ", " : "") + images.size()
                        + " images in images/" + split + "/); give another --out, or --force to replace it");
                return Main.BAD_INPUT;
            }
        }
        boolean madeOut = !Files.exists(out);
        Files.createDirectories(out);
        removeLeftovers(err);
        Path staging = out.resolve(STAGING_PREFIX + split + "-" + ProcessHandle.current().pid() + "-"
                + Long.toUnsignedString(System.nanoTime()) + STAGING_SUFFIX);
        long t0 = System.nanoTime();
        int step = Math.max(1, scenes / 20);
        boolean[] shown = {false};
        FileChannel lockFile = null;
        try {
            Files.createDirectory(staging);
            // held while this synth runs: the next synth into --out removes the folder only when nothing holds it
            lockFile = FileChannel.open(staging.resolve(LOCK), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            lockFile.lock();
            if (testHook != null) {
                testHook.accept(staging, 0);
            }
            ClevrSynth.generate(staging, split, scenes, seed, threads, done -> {
                if (done % step == 0 || done == scenes) {
                    err.printf(terminal ? "\r%d/%d scenes" : "%d/%d scenes%n", done, scenes);
                    err.flush();
                    shown[0] = terminal;
                }
                if (testHook != null) {
                    testHook.accept(staging, done);
                }
            });
        } catch (Throwable e) {
            // out of memory, a full disk, an interruption: the folder is left as it was (the earlier split kept)
            if (shown[0]) {
                err.println(); // the error's line after the progress line, not on it
            }
            try {
                if (lockFile != null) {
                    lockFile.close();
                }
                deleteTree(staging);
                if (madeOut && isEmpty(out)) {
                    Files.delete(out);
                }
            } catch (IOException | RuntimeException left) {
                e.addSuppressed(left);
            }
            if (e instanceof IOException io) {
                throw underFinalName(io, staging);
            }
            throw e;
        }
        try {
            moveIntoPlace(staging, images);
        } finally {
            lockFile.close();
        }
        deleteTree(staging);
        double secs = (System.nanoTime() - t0) / 1e9;
        if (shown[0]) {
            err.println(); // ends the redrawn line
        }
        stdout.printf("wrote %d %s scenes (seed %d) to %s in %.1f s (%.2f images/s, %d thread%s)%n",
                scenes, split, seed, out, secs, scenes / Math.max(secs, 1e-9), threads, threads == 1 ? "" : "s");
        stdout.flush();
        return 0;
    }

    /**
     * A failed write in the temporary folder (removed again) as the user knows it: under the name the file
     * was to have in --out, saying that --out is as it was (with --force, a file of that name may be the
     * earlier split's, which stays), e.g. {@code <out>/images/train/CLEVR_train_000003.png: No space left on
     * device (the train split was not written; <out> is as it was)}.
     */
    private IOException underFinalName(IOException e, Path staging) {
        String from = staging.toString();
        String to = out.toString();
        String kept = " (the " + split + " split was not written; " + out + " is as it was)";
        if (e instanceof java.nio.file.FileSystemException f && f.getFile() != null && f.getFile().startsWith(from)) {
            String reason = e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : e instanceof java.nio.file.NoSuchFileException ? "no such file or folder" : f.getReason();
            IOException named = new java.nio.file.FileSystemException(to + f.getFile().substring(from.length()), null,
                    reason + kept);
            named.initCause(e.getCause());
            named.setStackTrace(e.getStackTrace());
            return named;
        }
        String m = e.getMessage();
        if (m != null && m.startsWith(from)) {
            IOException named = new IOException(to + m.substring(from.length()) + kept, e.getCause());
            named.setStackTrace(e.getStackTrace());
            return named;
        }
        return e;
    }

    private String scenesName() {
        return "CLEVR_" + split + "_scenes.json";
    }

    /**
     * Moves the finished split from {@code staging} into --out: first the earlier split ({@code old} images) goes,
     * its scene file before its images, then the new images come (the folder renamed whole where --out has none),
     * and the scene file last. An interruption (Ctrl-C) waits for the moves, which are renames.
     */
    private void moveIntoPlace(Path staging, List<Path> old) throws IOException {
        CountDownLatch moved = new CountDownLatch(1);
        Thread wait = new Thread(() -> {
            try {
                moved.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "synth-move");
        try {
            Runtime.getRuntime().addShutdownHook(wait);
        } catch (IllegalStateException e) { // the JVM is already stopping: nothing is moved, the earlier split stays
            throw new IOException("interrupted before the " + split + " split was moved into " + out, e);
        }
        try {
            Path scenesFile = out.resolve("scenes").resolve(scenesName());
            Path imageDir = out.resolve("images").resolve(split);
            Path newImages = staging.resolve("images").resolve(split);
            Files.deleteIfExists(scenesFile); // no scene file ever lists images of another split
            for (Path image : old) {
                Files.deleteIfExists(image);
            }
            if (!Files.exists(imageDir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(imageDir.getParent());
                Files.move(newImages, imageDir, StandardCopyOption.ATOMIC_MOVE);
            } else {
                try (DirectoryStream<Path> files = Files.newDirectoryStream(newImages)) {
                    for (Path f : files) {
                        Files.move(f, imageDir.resolve(f.getFileName().toString())); // a rename; never over a file
                    }
                }
            }
            Files.createDirectories(scenesFile.getParent());
            Files.move(staging.resolve("scenes").resolve(scenesName()), scenesFile, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            moved.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(wait);
            } catch (IllegalStateException stopping) {
                // the hook is running and returns now
            }
        }
    }

    /**
     * Removes the temporary folders that a synth into --out left when it was killed (none that a running synth
     * holds), saying so in one line.
     */
    private void removeLeftovers(PrintWriter err) throws IOException {
        List<String> removed = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(out, STAGING_PREFIX + "*" + STAGING_SUFFIX)) {
            for (Path d : entries) {
                if (Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS) && !held(d)) {
                    deleteTree(d);
                    removed.add(d.getFileName().toString());
                }
            }
        }
        if (!removed.isEmpty()) {
            err.println("dspn4j: removed " + (removed.size() == 1 ? "the temporary folder " : removed.size()
                    + " temporary folders ") + String.join(", ", removed.stream().sorted().toList()) + " from " + out
                    + ", left by an interrupted synth");
            err.flush();
        }
    }

    /** Whether a running synth holds the temporary folder {@code d} (its lock file locked). */
    private static boolean held(Path d) {
        Path lock = d.resolve(LOCK);
        if (!Files.isRegularFile(lock, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE); FileLock l = ch.tryLock()) {
            return l == null;
        } catch (OverlappingFileLockException e) {
            return true; // held in this JVM
        } catch (IOException e) {
            return true; // cannot tell: kept
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            return !entries.iterator().hasNext();
        }
    }

    /** Deletes a folder and what it holds (links themselves, not what they point to). */
    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> all;
        try (Stream<Path> s = Files.walk(dir)) {
            all = s.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path p : all) {
            Files.deleteIfExists(p);
        }
    }

    /**
     * The images of this split that a generator (ours, or CLEVR's own naming) left in the folder: every entry by
     * such a name but a folder (a link too, which a new image would otherwise replace).
     */
    private List<Path> generatedImages(Path imageDir) throws IOException {
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(imageDir)) {
            return found;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(imageDir, "CLEVR_" + split + "_[0-9]*.png")) {
            for (Path f : files) {
                if (!Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS)) {
                    found.add(f);
                }
            }
        }
        return found;
    }
}
