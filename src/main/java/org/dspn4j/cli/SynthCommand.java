package org.dspn4j.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.dspn4j.data.synth.ClevrSynth;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code dspn4j synth clevr --scenes N --split train|val --seed S --out DIR}: writes a synthetic
 * CLEVR-like split in CLEVR v1.0's folder layout ({@link ClevrSynth}), readable by the CLEVR loader.
 */
@Command(name = "synth", mixinStandardHelpOptions = true,
        header = "Generate a synthetic CLEVR-like data set in CLEVR v1.0's layout.",
        description = "Generate a synthetic data set. Kinds: clevr (CLEVR-like scenes, 480x320 PNGs and "
                + "CLEVR_<split>_scenes.json in CLEVR v1.0's folder layout).")
public final class SynthCommand implements Callable<Integer> {

    /** What to synthesise. */
    enum Kind { clevr }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "KIND", description = "What to generate: ${COMPLETION-CANDIDATES}.")
    Kind kind;

    @Option(names = "--scenes", paramLabel = "N", defaultValue = "100", description = "Number of scenes (default ${DEFAULT-VALUE}).")
    int scenes;

    @Option(names = "--split", defaultValue = "train", description = "Split name: train or val (default ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Random seed (default ${DEFAULT-VALUE}); scene i depends only on (S, i).")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Output root: DIR/scenes/, DIR/images/<split>/.")
    Path out;

    @Option(names = "--force", description = "Replace the split that --out already holds (its scenes file and its "
            + "CLEVR_<split>_NNNNNN.png images); without it such a folder is refused.")
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
        if (scenes < 0) {
            err.println("dspn4j: --scenes must be at least 0, got " + scenes);
            return Main.BAD_INPUT;
        }
        Checks.threads(threads);
        if (Files.exists(out) && !Files.isDirectory(out)) {
            err.println("dspn4j: --out " + out + " is a file, not a folder");
            return Main.BAD_INPUT;
        }
        try {
            Checks.requireFolderOutsideRuns("--out", out, "the scenes");
        } catch (IllegalArgumentException e) {
            err.println("dspn4j: " + e.getMessage());
            return Main.BAD_INPUT;
        }
        Path scenesFile = out.resolve("scenes").resolve("CLEVR_" + split + "_scenes.json");
        List<Path> images = generatedImages(out.resolve("images").resolve(split));
        if (Files.exists(scenesFile) || !images.isEmpty()) {
            if (!force) {
                err.println("dspn4j: --out " + out + " already holds a " + split + " split ("
                        + (Files.exists(scenesFile) ? out.relativize(scenesFile) + ", " : "") + images.size()
                        + " images in images/" + split + "/); give another --out, or --force to replace it");
                return Main.BAD_INPUT;
            }
            removeSplit(scenesFile); // replaced whole: no image of the earlier split is left beside the new one
        }
        long t0 = System.nanoTime();
        int step = Math.max(1, scenes / 20);
        boolean[] shown = {false};
        try {
            ClevrSynth.generate(out, split, scenes, seed, threads, done -> {
                if (done % step == 0 || done == scenes) {
                    err.printf("\r%d/%d scenes", done, scenes);
                    err.flush();
                    shown[0] = true;
                }
            });
        } catch (IOException | RuntimeException e) {
            // no half-written split (a full disk): its scene file and images are all this command's, removed again
            if (shown[0]) {
                err.println(); // the error's line after the progress line, not on it
            }
            try {
                removeSplit(scenesFile);
            } catch (IOException | RuntimeException left) {
                e.addSuppressed(left);
            }
            throw e;
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        err.println();
        stdout.printf("wrote %d %s scenes (seed %d) to %s in %.1f s (%.2f images/s, %d threads)%n",
                scenes, split, seed, out, secs, scenes / Math.max(secs, 1e-9), threads);
        stdout.flush();
        return 0;
    }

    /** Removes this split from --out: its scene file and its images. */
    private void removeSplit(Path scenesFile) throws IOException {
        Files.deleteIfExists(scenesFile);
        for (Path image : generatedImages(out.resolve("images").resolve(split))) {
            Files.deleteIfExists(image);
        }
    }

    /** The images of this split that a generator (ours, or CLEVR's own naming) left in the folder. */
    private List<Path> generatedImages(Path imageDir) throws IOException {
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(imageDir)) {
            return found;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(imageDir, "CLEVR_" + split + "_[0-9]*.png")) {
            for (Path f : files) {
                if (Files.isRegularFile(f)) {
                    found.add(f);
                }
            }
        }
        return found;
    }
}
