package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.function.ObjIntConsumer;
import java.util.stream.Stream;
import org.dspn4j.data.clevr.BoxFormula;
import org.dspn4j.data.clevr.ClevrDataset;
import org.dspn4j.testing.FolderSnapshot;
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

    /** Runs {@code synth ARGS} as the command line does (its one-line errors), with {@code hook} as the test hook. */
    private static String[] main(ObjIntConsumer<Path> hook, String... args) {
        CommandLine cl = Main.commandLine();
        ((SynthCommand) cl.getSubcommands().get("synth").getCommand()).testHook = hook;
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(Writer.nullWriter()));
        cl.setErr(new PrintWriter(err, true));
        String[] a = new String[args.length + 1];
        a[0] = "synth";
        System.arraycopy(args, 0, a, 1, args.length);
        int rc;
        try {
            rc = cl.execute(a);
        } catch (Throwable t) { // as Main.run: an Error escapes picocli's handler
            rc = Main.report(t, cl.getErr(), false);
        }
        return new String[] {String.valueOf(rc), err.toString().replace("\r", "\n")};
    }

    /**
     * A split is written whole or not at all: nothing of it is in --out while it is generated, and a failure part-way
     * (here out of memory after two of three scenes) leaves --out byte for byte as it was, the earlier split that
     * --force would replace included, and no temporary folder behind.
     */
    @Test
    void aFailurePartWayLeavesTheFolderAsItWas() throws Exception {
        Path root = tmp.resolve("data");
        assertEquals("0", main(null, "clevr", "--scenes", "2", "--split", "train", "--seed", "1", "--threads", "1",
                "--out", root.toString())[0]);
        assertEquals("0", main(null, "clevr", "--scenes", "1", "--split", "val", "--seed", "1", "--threads", "1",
                "--out", root.toString())[0]);
        Map<String, String> before = FolderSnapshot.of(root);
        boolean[] looked = {false};
        String[] r = main((staging, done) -> {
            try {
                // while it is generated the new split is only in its temporary folder, the earlier one untouched
                assertTrue(staging.getParent().equals(root) && staging.getFileName().toString().startsWith(".synth-train-"));
                Map<String, String> now = FolderSnapshot.of(root);
                now.keySet().removeIf(k -> k.startsWith(staging.getFileName().toString()));
                assertEquals(before, now);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            looked[0] = true;
            if (done == 2) {
                throw new OutOfMemoryError("Java heap space");
            }
        }, "clevr", "--scenes", "3", "--split", "train", "--seed", "2", "--threads", "1", "--force", "--out", root.toString());
        assertTrue(looked[0]);
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].matches("(?s).*\ndspn4j: out of memory \\(Java heap space\\) with a [0-9.]+ (GiB|MiB) heap; a larger "
                + "heap helps, e.g. DSPN4J_JAVA_OPTS=-Xmx[0-9]+g\n"), r[1]);
        assertEquals(before, FolderSnapshot.of(root));
        ClevrDataset ds = ClevrDataset.open(root, "train", ClevrDataset.Target.BOXES, BoxFormula.AUTHORS);
        assertEquals(2, ds.size());

        // a failure in a folder this synth made leaves no folder
        Path fresh = tmp.resolve("fresh");
        r = main((staging, done) -> {
            throw new java.io.UncheckedIOException(new java.io.IOException("disk gone"));
        }, "clevr", "--scenes", "1", "--threads", "1", "--out", fresh.toString());
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].endsWith("dspn4j: disk gone\n"), r[1]);
        assertTrue(!Files.exists(fresh));
    }

    /**
     * The temporary folder of a synth that was killed is no split (a synth of that split is not refused for it) and is
     * removed by the next synth into the folder, which says so in one line; one that a running synth holds is kept.
     */
    @Test
    void aKilledSynthsTemporaryFolderIsRemovedByTheNext() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("data"));
        // what a synth killed part-way leaves: some images and a cut-off scene file, in its temporary folder
        Path left = root.resolve(".synth-train-41-7.tmp");
        Files.createDirectories(left.resolve("images/train"));
        Files.createDirectories(left.resolve("scenes"));
        Files.write(left.resolve("images/train/CLEVR_train_000000.png"), new byte[] {1, 2, 3});
        Files.writeString(left.resolve("scenes/CLEVR_train_scenes.json"), "{\"info\": {}, \"scenes\": [{\"spl");
        Files.writeString(left.resolve(SynthCommand.LOCK), "");
        Path running = Files.createDirectories(root.resolve(".synth-val-42-8.tmp"));
        try (FileChannel ch = FileChannel.open(running.resolve(SynthCommand.LOCK), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE); FileLock held = ch.lock()) {
            String[] r = main(null, "clevr", "--scenes", "2", "--split", "train", "--seed", "1", "--threads", "1",
                    "--out", root.toString());
            assertEquals("0", r[0], r[1]);
            assertTrue(r[1].startsWith("dspn4j: removed the temporary folder .synth-train-41-7.tmp from " + root
                    + ", left by an interrupted synth\n"), r[1]);
            assertEquals(1, r[1].split("dspn4j: ").length - 1, r[1]);
        }
        assertTrue(!Files.exists(left));
        assertTrue(Files.isDirectory(running));
        try (Stream<Path> s = Files.list(root)) {
            assertEquals(java.util.List.of(running, root.resolve("images"), root.resolve("scenes")), s.sorted().toList());
        }
        ClevrDataset ds = ClevrDataset.open(root, "train", ClevrDataset.Target.BOXES, BoxFormula.AUTHORS);
        assertEquals(2, ds.size());
        try (Stream<Path> s = Files.list(root.resolve("images/train"))) {
            assertEquals(2, s.count());
        }

        // once nothing holds it, the next synth removes it too
        String[] r = main(null, "clevr", "--scenes", "1", "--split", "val", "--threads", "1", "--out", root.toString());
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].startsWith("dspn4j: removed the temporary folder .synth-val-42-8.tmp from " + root), r[1]);
        assertTrue(!Files.exists(running));
    }

    /** A count no split can hold is refused up front (it was taken and ran out of memory), and nothing is written. */
    @Test
    void anAbsurdSceneCountIsRefused() {
        Path root = tmp.resolve("data");
        String[] r = main(null, "clevr", "--scenes", "2000000000", "--out", root.toString());
        assertEquals("2", r[0], r[1]);
        assertEquals("dspn4j: --scenes must be between 0 and 1,000,000 (CLEVR's image names number a split's scenes with "
                + "six digits; CLEVR v1.0 has 70,000 training scenes), got 2000000000\n", r[1]);
        assertTrue(!Files.exists(root));
    }
}
