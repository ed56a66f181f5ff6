package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.stream.Stream;

import org.dspn4j.testing.FolderSnapshot;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run folder whose run.json names a data folder that is still there but no longer holds the data (its files moved
 * or deleted): eval and show, given only the run, refuse in one line naming run.json, the field and what the folder
 * lacks, before anything is computed or written; the run folder is left byte for byte as it was.
 */
class RunDataAuditTest {
    private static final String[] MNIST_TINY = {"--latent", "8", "--hidden", "16", "--iters", "2", "--batch", "4",
            "--threads", "1", "--backend", "cpu"};
    private static final String[] CLEVR_TINY = {"--image-size", "65", "--batch", "2", "--latent", "8", "--hidden", "8",
            "--threads", "1", "--backend", "cpu"};

    @TempDir
    static Path root;
    static Path mnist;
    static Path clevr;

    @BeforeAll
    static void train() throws IOException {
        mnist = Files.createDirectories(root.resolve("mnist"));
        try (Stream<Path> s = Files.list(Path.of("data", "mnist"))) {
            for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".gz")).toList()) {
                Files.copy(p, mnist.resolve(p.getFileName()));
            }
        }
        ok(concat(new String[] {"train", "mnist", "--data-dir", mnist.toString(), "--steps", "2", "--quiet", "--out",
                root.resolve("runs/mn").toString()}, MNIST_TINY));
        clevr = root.resolve("clevr");
        ok("synth", "clevr", "--out", clevr.toString(), "--scenes", "4", "--seed", "1", "--split", "train", "--threads", "1");
        ok("synth", "clevr", "--out", clevr.toString(), "--scenes", "2", "--seed", "2", "--split", "val", "--threads", "1");
        ok(concat(new String[] {"train", "clevr-state", "--data-dir", clevr.toString(), "--full-eval", "--steps", "1",
                "--quiet", "--out", root.resolve("runs/real").toString()}, CLEVR_TINY));
    }

    @Test
    void anMnistFolderWithoutItsFilesIsRefusedNamingRunJsonAndItsField() throws IOException {
        Path run = root.resolve("runs/mn");
        Path moved = Files.createDirectories(root.resolve("mnist-moved"));
        Map<String, String> before = FolderSnapshot.of(run);
        try (Stream<Path> s = Files.list(mnist)) {
            for (Path p : s.toList()) {
                Files.move(p, moved.resolve(p.getFileName()));
            }
        }
        try {
            Path png = root.resolve("fig.png");
            for (String[] args : new String[][] {{"eval", "mnist", "--checkpoint", run.toString(), "--threads", "1"},
                    {"show", "mnist", "--checkpoint", run.toString(), "--out", png.toString()}}) {
                ImportTorchCommandTest.Run r = ImportTorchCommandTest.run(args);
                assertEquals(2, r.rc(), r.out() + r.err());
                assertOneLine(r.err(), run.toAbsolutePath().resolve("run.json") + ": the run's data folder " + mnist
                        + " (config.data_dir) holds no MNIST t10k files (need t10k-images-idx3-ubyte[.gz] and "
                        + "t10k-labels-idx1-ubyte[.gz], in it or in its MNIST/raw/); give --data-dir");
            }
            assertFalse(Files.exists(png), "a figure written after the refusal");
            assertEquals(before, FolderSnapshot.of(run), "the run folder, byte for byte");
        } finally {
            try (Stream<Path> s = Files.list(moved)) {
                for (Path p : s.toList()) {
                    Files.move(p, mnist.resolve(p.getFileName()));
                }
            }
        }
        ok("eval", "mnist", "--checkpoint", run.toString(), "--threads", "1", "--backend", "cpu"); // the files back: as before
    }

    @Test
    void aClevrFolderWithoutItsValScenesIsRefusedNamingRunJsonAndItsField() throws IOException {
        Path run = root.resolve("runs/real");
        Path scenes = clevr.resolve("scenes/CLEVR_val_scenes.json");
        Path away = root.resolve("CLEVR_val_scenes.json");
        Map<String, String> before = FolderSnapshot.of(run);
        Files.move(scenes, away);
        try {
            ImportTorchCommandTest.Run r = ImportTorchCommandTest.run("eval", "clevr-state", "--checkpoint", run.toString(),
                    "--iters", "1", "--threads", "1", "--backend", "cpu");
            assertEquals(2, r.rc(), r.out() + r.err());
            assertOneLine(r.err(), run.toAbsolutePath().resolve("run.json") + ": the run's data folder " + clevr
                    + " (config.data.root) holds no " + Path.of("scenes", "CLEVR_val_scenes.json")
                    + " (CLEVR v1.0's val scenes); give --data-dir");
            assertEquals(before, FolderSnapshot.of(run), "the run folder, byte for byte");
        } finally {
            Files.move(away, scenes, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    @Test
    void evalAndShowWriteNothingBelowARunFolder() throws IOException {
        Path run = root.resolve("runs/mn");
        Files.createDirectories(run.resolve("figures"));
        Map<String, String> before = FolderSnapshot.of(run);
        String[][] commands = {
                {"eval", "mnist", "--checkpoint", run.toString(), "--threads", "1", "--export", run.resolve("exports/a").toString()},
                {"eval", "mnist", "--checkpoint", run.toString(), "--threads", "1", "--export", run.resolve("figures/a").toString()},
                {"show", "mnist", "--checkpoint", run.toString(), "--out", run.resolve("figures/x.png").toString()},
                {"export-weights", "--checkpoint", run.toString(), "--out", run.resolve("figures/w.npz").toString()}};
        for (String[] args : commands) {
            ImportTorchCommandTest.Run r = ImportTorchCommandTest.run(args);
            assertEquals(2, r.rc(), String.join(" ", args) + "\n" + r.out() + r.err());
            String out = args[args.length - 1];
            assertOneLine(r.err(), args[args.length - 2] + " " + out + ": " + run + " is a run folder (it holds run.json); "
                    + "write outside it, so that the run keeps only what train wrote");
        }
        assertEquals(before, FolderSnapshot.of(run), "the run folder, byte for byte");
    }

    // ================================================================ helpers

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static void ok(String... args) {
        ImportTorchCommandTest.Run r = ImportTorchCommandTest.run(args);
        assertEquals(0, r.rc(), String.join(" ", args) + "\n" + r.out() + r.err());
    }

    private static void assertOneLine(String err, String expected) {
        String e = err.strip();
        assertFalse(e.contains("\n") || e.contains("\tat "), e);
        assertEquals("dspn4j: " + expected, e);
    }
}
