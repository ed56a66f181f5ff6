package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SynthCommandTest {

    @TempDir
    Path tmp;

    private static CommandLine quiet() {
        CommandLine cli = new CommandLine(new SynthCommand());
        cli.setOut(new java.io.PrintWriter(java.io.Writer.nullWriter()));
        cli.setErr(new java.io.PrintWriter(java.io.Writer.nullWriter()));
        return cli;
    }

    @Test
    void writesOneSceneAndRejectsBadArguments() {
        int rc = quiet().execute("clevr", "--scenes", "1", "--split", "val", "--seed", "3", "--threads", "1",
                "--out", tmp.toString());
        assertEquals(0, rc);
        assertTrue(Files.isRegularFile(tmp.resolve("scenes/CLEVR_val_scenes.json")));
        assertTrue(Files.isRegularFile(tmp.resolve("images/val/CLEVR_val_000000.png")));

        assertEquals(2, quiet().execute("clevr", "--split", "test", "--out", tmp.toString()));
        assertEquals(2, quiet().execute("mnist", "--out", tmp.toString()));
    }

    private static String[] run(CommandLine cli, java.io.StringWriter err, String... args) {
        cli.setErr(new java.io.PrintWriter(err, true));
        return new String[] {String.valueOf(cli.execute(args)), err.toString()};
    }

    @Test
    void aSplitAlreadyThereIsKeptUnlessForced() throws Exception {
        Path root = tmp.resolve("data");
        assertEquals(0, quiet().execute("clevr", "--scenes", "2", "--split", "train", "--seed", "1", "--threads", "1",
                "--out", root.toString()));
        Path scenes = root.resolve("scenes/CLEVR_train_scenes.json");
        byte[] before = Files.readAllBytes(scenes);
        byte[] image = Files.readAllBytes(root.resolve("images/train/CLEVR_train_000001.png"));

        // another seed and count into the same folder: refused in one line, nothing written
        String[] r = run(quiet(), new java.io.StringWriter(), "clevr", "--scenes", "1", "--split", "train", "--seed", "2",
                "--threads", "1", "--out", root.toString());
        assertEquals("2", r[0]);
        assertEquals("dspn4j: --out " + root + " already holds a train split (scenes/CLEVR_train_scenes.json, 2 images in "
                + "images/train/); give another --out, or --force to replace it\n", r[1].replace("\r", ""));
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(scenes)));
        assertTrue(java.util.Arrays.equals(image, Files.readAllBytes(root.resolve("images/train/CLEVR_train_000001.png"))));

        // the other split goes beside it
        assertEquals(0, quiet().execute("clevr", "--scenes", "1", "--split", "val", "--seed", "1", "--threads", "1",
                "--out", root.toString()));
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(scenes)));

        // --force replaces the split whole: one scene, no image of the earlier two left, val untouched
        Path other = Files.writeString(root.resolve("images/train/notes.txt"), "mine");
        assertEquals(0, quiet().execute("clevr", "--scenes", "1", "--split", "train", "--seed", "2", "--threads", "1",
                "--force", "--out", root.toString()));
        assertTrue(Files.isRegularFile(root.resolve("images/train/CLEVR_train_000000.png")));
        assertTrue(!Files.exists(root.resolve("images/train/CLEVR_train_000001.png")));
        assertEquals("mine", Files.readString(other));
        assertTrue(Files.isRegularFile(root.resolve("images/val/CLEVR_val_000000.png")));
        assertTrue(!java.util.Arrays.equals(before, Files.readAllBytes(scenes)));
    }

    @Test
    void aRunFolderOrAFileIsRefused() throws Exception {
        Path run = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(run.resolve("run.json"), "{}");
        String[] r = run(quiet(), new java.io.StringWriter(), "clevr", "--scenes", "1", "--out", run.toString());
        assertEquals("2", r[0]);
        assertEquals("dspn4j: --out " + run + " is a run folder (it holds run.json); give the scenes a folder of their "
                + "own\n", r[1].replace("\r", ""));
        assertTrue(!Files.exists(run.resolve("scenes")) && !Files.exists(run.resolve("images")));

        // nor a folder inside one, however deep, nor one reached through a link to a folder in it
        for (Path inside : new Path[] {run.resolve("data"), run.resolve("a/b"), tmp.resolve("link/data")}) {
            if (inside.startsWith(tmp.resolve("link"))) {
                Files.createSymbolicLink(tmp.resolve("link"), Files.createDirectories(run.resolve("sub")));
            }
            r = run(quiet(), new java.io.StringWriter(), "clevr", "--scenes", "1", "--threads", "1", "--out", inside.toString());
            assertEquals("2", r[0], r[1]);
            assertEquals("dspn4j: --out " + inside + " is inside the run folder "
                    + (inside.startsWith(tmp.resolve("link")) ? run.toRealPath() : run.toAbsolutePath().normalize()) + " (it holds run.json); "
                    + "give the scenes a folder of their own, outside the run\n", r[1].replace("\r", ""));
        }
        try (java.util.stream.Stream<Path> s = Files.list(run)) {
            assertEquals(java.util.List.of(run.resolve("run.json"), run.resolve("sub")), s.sorted().toList());
        }

        Path file = Files.writeString(tmp.resolve("f.txt"), "x");
        r = run(quiet(), new java.io.StringWriter(), "clevr", "--scenes", "1", "--out", file.toString());
        assertEquals("2", r[0]);
        assertEquals("dspn4j: --out " + file + " is a file, not a folder\n", r[1].replace("\r", ""));
    }
}
