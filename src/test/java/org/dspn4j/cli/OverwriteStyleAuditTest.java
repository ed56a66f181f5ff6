package org.dspn4j.cli;

import static org.dspn4j.cli.OutputsFiguresAuditTest.ok;
import static org.dspn4j.cli.OutputsFiguresAuditTest.refused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Saved files are written over only when asked: show's --out (and the .md clevr-state writes beside it) and --curves
 * are refused when they exist unless --force, before the checkpoint or the data is read; and the last refusals in a
 * form of their own speak as the others do, one line naming the option: a --data-dir without MNIST's files, eval
 * --export given a file, ap's --task, --iou and --thresholds, and show --curves naming only where a run's checkpoint
 * can keep its record.
 */
class OverwriteStyleAuditTest {
    private static final Path SHIPPED = Path.of("models", "mnist-dspn.npz");
    private static final Path SHIPPED_RUN = Path.of("models", "mnist-dspn");
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G'};

    private static byte[] head(Path f) throws Exception {
        byte[] b = Files.readAllBytes(f);
        return java.util.Arrays.copyOf(b, Math.min(4, b.length));
    }

    // ================================================================ show: --force

    @Test
    void showRefusesAnExistingOutputBeforeReadingTheCheckpoint(@TempDir Path dir) throws Exception {
        Path fig = Files.writeString(dir.resolve("fig.png"), "a figure kept to compare with");
        Path curves = Files.writeString(dir.resolve("c.png"), "curves kept to compare with");
        Path missing = dir.resolve("missing.npz"); // not there: a refusal of it would mean it was read first
        refused("dspn4j: --out " + fig + " exists; give --force to write over it",
                "show", "mnist", "--checkpoint", missing.toString(), "--out", fig.toString());
        refused("dspn4j: --curves " + curves + " exists; give --force to write over it",
                "show", "mnist", "--checkpoint", missing.toString(), "--curves", curves.toString());
        refused("dspn4j: --curves " + curves + " exists; give --force to write over it",
                "show", "mnist", "--checkpoint", missing.toString(), "--out", dir.resolve("new.png").toString(),
                "--curves", curves.toString());
        // clevr-state's table beside its PNG is an output too
        Path md = Files.writeString(dir.resolve("table4.md"), "a table kept to compare with");
        refused("dspn4j: --out (its .md) " + md + " exists; give --force to write over it",
                "show", "clevr-state", "--checkpoint", missing.toString(), "--out", dir.resolve("table4.png").toString());
        assertEquals("a figure kept to compare with", Files.readString(fig));
        assertEquals("curves kept to compare with", Files.readString(curves));
        assertEquals("a table kept to compare with", Files.readString(md));
        assertFalse(Files.exists(dir.resolve("new.png")));
        assertFalse(Files.exists(dir.resolve("table4.png")));
    }

    @Test
    void showWritesOverExistingOutputsWithForce(@TempDir Path dir) throws Exception {
        Path fig = Files.writeString(dir.resolve("fig.png"), "old");
        Path curves = Files.writeString(dir.resolve("c.png"), "old");
        ok("show", "mnist", "--checkpoint", SHIPPED.toString(), "--out", fig.toString(), "--rows", "1", "--curves",
                curves.toString(), "--backend", "cpu", "--threads", "2", "--force");
        assertArrayEquals(PNG_MAGIC, head(fig));
        assertArrayEquals(PNG_MAGIC, head(curves));
    }

    // ================================================================ --data-dir without MNIST's files

    @Test
    void aDataDirWithoutMnistFilesIsRefusedNamingTheOption(@TempDir Path dir) throws Exception {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        String t10k = "dspn4j: --data-dir " + empty + ": no MNIST t10k files (need t10k-images-idx3-ubyte[.gz] and "
                + "t10k-labels-idx1-ubyte[.gz], in it or in its MNIST/raw/)";
        refused(t10k, "eval", "mnist", "--checkpoint", SHIPPED.toString(), "--data-dir", empty.toString());
        refused(t10k, "show", "mnist", "--checkpoint", SHIPPED.toString(), "--data-dir", empty.toString(), "--out",
                dir.resolve("f.png").toString());
        Path run = dir.resolve("run");
        refused("dspn4j: --data-dir " + empty + ": no MNIST train files (need train-images-idx3-ubyte[.gz] and "
                + "train-labels-idx1-ubyte[.gz], in it or in its MNIST/raw/)", "train", "mnist", "--data-dir", empty.toString(),
                "--steps", "1", "--out", run.toString(), "-q");
        // torchvision's layout, its MNIST/raw/ without the files
        Files.createDirectories(empty.resolve("MNIST").resolve("raw"));
        refused("dspn4j: --data-dir " + empty + ": no MNIST train files in its MNIST/raw/ (need train-images-idx3-ubyte[.gz] "
                + "and train-labels-idx1-ubyte[.gz])", "train", "mnist", "--data-dir", empty.toString(),
                "--steps", "1", "--out", run.toString(), "-q");
        assertFalse(Files.exists(run));
        assertFalse(Files.exists(dir.resolve("f.png")));
    }

    // ================================================================ eval --export given a file

    @Test
    void evalExportThatIsAFileIsRefusedAsTheOtherOutputFolders(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("export"), "a file");
        refused("dspn4j: --export " + file + " is a file, not a folder",
                "eval", "mnist", "--checkpoint", SHIPPED.toString(), "--export", file.toString());
        assertEquals("a file", Files.readString(file));
    }

    // ================================================================ ap's values

    @Test
    void apRefusesItsValuesInOneLineNamingTheOption(@TempDir Path dir) throws Exception {
        Path det = Files.createDirectory(dir.resolve("detections"));
        Path gt = Files.createDirectory(dir.resolve("groundtruths"));
        String[][] cases = {
            {"dspn4j: --iou applies to --task box only (state matches by 3D distance and attributes)",
                "--task", "state", "--iou", "fixed"},
            {"dspn4j: --iou must be paper or fixed, got 'exact'", "--task", "box", "--iou", "exact"},
            {"dspn4j: --task must be box or state, got 'circle'", "--task", "circle"},
            {"dspn4j: --thresholds: 0.5 is given twice", "--task", "box", "--thresholds", "0.5,0.50"},
            {"dspn4j: --thresholds must be numbers >= 0 or 'inf', got -1", "--task", "state", "--thresholds", "1,-1"},
            {"dspn4j: --thresholds must be numbers >= 0 or 'inf', got NaN", "--task", "state", "--thresholds", "NaN"},
            {"dspn4j: --thresholds: --task box takes IoU thresholds, finite numbers > 0, got inf",
                "--task", "box", "--thresholds", "0.5,inf"},
            {"dspn4j: --thresholds: --task box takes IoU thresholds, finite numbers > 0, got 0",
                "--task", "box", "--thresholds", "0"},
        };
        for (String[] c : cases) {
            String[] args = new String[c.length - 1 + 5];
            args[0] = "ap";
            System.arraycopy(c, 1, args, 1, c.length - 1);
            System.arraycopy(new String[] {"--detections", det.toString(), "--groundtruths", gt.toString()}, 0, args, c.length,
                    4);
            refused(c[0], args);
        }
    }

    // ================================================================ show --curves: where a run's record can be

    @Test
    void showCurvesOfARunsCheckpointNamesOnlyTheRunFolder(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("c.png");
        // train's checkpoint.npz in a run folder that lost its metrics.jsonl: no run/checkpoint/ to look in
        Path run = Files.createDirectory(dir.resolve("run"));
        Path ck = Files.copy(SHIPPED, run.resolve("checkpoint.npz"));
        refused("dspn4j: --curves: " + ck + " records no training curves: it holds no authors' tracker, and there is no "
                + run.resolve("metrics.jsonl"), "show", "mnist", "--checkpoint", run.toString(), "--curves", png.toString());
        // any checkpoint in a folder holding a run's run.json: its record is that folder's
        Path kept = Files.createDirectory(dir.resolve("kept"));
        Files.copy(SHIPPED_RUN.resolve("run.json"), kept.resolve("run.json"));
        Path other = Files.copy(SHIPPED, kept.resolve("other.npz"));
        refused("dspn4j: --curves: " + other + " records no training curves: it holds no authors' tracker, and there is no "
                + kept.resolve("metrics.jsonl"), "show", "mnist", "--checkpoint", other.toString(), "--curves", png.toString());
        assertFalse(Files.exists(png));
        // a model kept outside a run (as models/mnist-dspn.npz) still has its record looked for in the folder of its name
        Path solo = Files.copy(SHIPPED, Files.createDirectory(dir.resolve("solo")).resolve("w.npz"));
        Files.createDirectory(solo.resolveSibling("w"));
        Files.copy(SHIPPED_RUN.resolve("metrics.jsonl"), solo.resolveSibling("w").resolve("metrics.jsonl"));
        ok("show", "mnist", "--checkpoint", solo.toString(), "--curves", png.toString());
        assertTrue(Files.size(png) > 0);
    }
}
