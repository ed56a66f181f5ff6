package org.dspn4j.cli;

import static org.dspn4j.cli.RepeatGridTest.args;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import org.dspn4j.experiment.RunLock;
import org.dspn4j.testing.FolderSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's-eye audit of {@code repeat} and the grid it keeps (docs/cluster.md): a seed is not trained on data its
 * grid's finished seeds did not train on (checked here before the first seed trains, at submission, and in the
 * Slurm task before it trains), a seed whose run folder another process holds does not stop a local repeat, and a
 * {@code --task-setup} line cannot break the job-array script.
 */
class RepeatDataAuditTest {
    @TempDir
    Path dir;

    // ------------------------------------------------------------------ helpers, none of them the code under test

    /** A copy of the bundled MNIST subset, whose first training image has one pixel inverted when {@code changed}. */
    private Path mnistCopy(String name, boolean changed) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        try (Stream<Path> s = Files.list(Path.of("data/mnist"))) {
            for (Path f : s.filter(p -> p.toString().endsWith(".gz")).toList()) {
                Files.copy(f, d.resolve(f.getFileName()));
            }
        }
        if (changed) {
            Path images = d.resolve("train-images-idx3-ubyte.gz");
            byte[] raw = gunzip(images);
            raw[16 + 400] ^= (byte) 0xff;
            try (GZIPOutputStream out = new GZIPOutputStream(Files.newOutputStream(images))) {
                out.write(raw);
            }
        }
        return d;
    }

    private static byte[] gunzip(Path f) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(f))) {
            return in.readAllBytes();
        }
    }

    /**
     * The SHA-256 of an MNIST split as docs/run-folder.md defines run.json's data_sha256: the count, rows and columns
     * as 32-bit big-endian integers, then each image's pixels followed by its label.
     */
    private static String mnistSha(Path d, String prefix) throws Exception {
        DataInputStream images = new DataInputStream(new java.io.ByteArrayInputStream(gunzip(d.resolve(prefix + "-images-idx3-ubyte.gz"))));
        byte[] labels = gunzip(d.resolve(prefix + "-labels-idx1-ubyte.gz"));
        images.readInt();
        int n = images.readInt();
        int rows = images.readInt();
        int cols = images.readInt();
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(ByteBuffer.allocate(12).putInt(n).putInt(rows).putInt(cols).array());
        byte[] img = new byte[rows * cols];
        for (int i = 0; i < n; i++) {
            images.readFully(img);
            md.update(img);
            md.update(labels[8 + i]);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** The data_sha256 digest of a split that a run.json records, read with a regular expression. */
    private static String recorded(Path runJson, String split) throws IOException {
        Matcher m = Pattern.compile("\"" + split + "\" : \"([0-9a-f]{64})\"").matcher(Files.readString(runJson));
        assertTrue(m.find(), runJson.toString());
        return m.group(1);
    }

    /** Removes a seed's record and run folder, as a grid holds a seed that has not started yet. */
    private static void unstart(Path seedFolder) throws IOException {
        try (Stream<Path> s = Files.walk(seedFolder)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** The line of an output that starts with {@code dspn4j:}, which must be its only one. */
    private static String refusal(String out) {
        List<String> lines = out.lines().filter(l -> l.startsWith("dspn4j:")).toList();
        assertEquals(1, lines.size(), out);
        return lines.get(0);
    }

    private static String mnistRefusal(String prefix, Path data, Path seed1Run, String was, String now, String suffix) {
        return "dspn4j: " + prefix + "the data now in --data-dir " + data + " differ from those finished seed 1 trained on: the train split (sha256 "
                + "recorded " + was.substring(0, 12) + "…, now " + now.substring(0, 12) + "…) (" + seed1Run.resolve("run.json")
                + ", data_sha256); the seeds of a grid must train on the same data to be averaged: put back the data seed 1 "
                + "trained on, or give another --out for a grid on the data as they are now" + suffix;
    }

    // ------------------------------------------------------------------ the data of a grid's seeds

    /**
     * Seed 2 of a grid has not run (interrupted), and --data-dir now holds other digits than finished seed 1 trained
     * on: repeat refuses before it trains, naming seed 1, both digests and the folder, and changes nothing; with the
     * digits put back, the same command runs seed 2.
     */
    @Test
    void aLocalRepeatRefusesOtherDataBeforeASeedTrains() throws Exception {
        Path data = mnistCopy("mnist", false);
        Path out = dir.resolve("g");
        String[] cmd = args(List.of("repeat", "--seeds", "1-2", "--out", out.toString()), "train", "mnist", "--steps", "1",
                "--data-dir", data.toString());
        assertEquals(0, CliRun.of(cmd).code());
        String was = mnistSha(data, "train");
        assertEquals(was, recorded(out.resolve("seed-1/run/run.json"), "train"));
        unstart(out.resolve("seed-2"));
        Path saved = dir.resolve("saved");
        Files.move(data, saved);
        mnistCopy("mnist", true);
        String now = mnistSha(data, "train");
        assertFalse(was.equals(now));

        Map<String, String> before = FolderSnapshot.of(out);
        CliRun r = CliRun.of(cmd);
        assertEquals(2, r.code(), r.out());
        assertEquals(mnistRefusal("", data, out.resolve("seed-1/run"), was, now, ""), refusal(r.out()));
        assertFalse(r.out().contains("seed 2: starting"), r.out());
        assertEquals(before, FolderSnapshot.of(out), "nothing written");

        // the digits put back: seed 2 trains on them and the grid is averaged
        try (Stream<Path> s = Files.list(saved)) {
            for (Path f : s.toList()) {
                Files.copy(f, data.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        CliRun again = CliRun.of(cmd);
        assertEquals(0, again.code(), again.out());
        assertTrue(again.out().contains("over 2 seeds:"), again.out());
        assertEquals(was, recorded(out.resolve("seed-2/run/run.json"), "train"));
    }

    /**
     * The same with --slurm: refused at submission (a dry run too) before anything is written or squeue asked; data
     * this host cannot see are left to the tasks, which may see other files under that path.
     */
    @Test
    void aSubmissionRefusesOtherDataItCanRead() throws Exception {
        Path data = mnistCopy("mnist", false);
        Path out = dir.resolve("s");
        String[] train = {"train", "mnist", "--steps", "1", "--data-dir", data.toString()};
        String[] here = args(List.of("repeat", "--seeds", "1-2", "--out", out.toString()), train);
        assertEquals(0, CliRun.of(here).code());
        String was = mnistSha(data, "train");
        unstart(out.resolve("seed-2"));
        Path saved = dir.resolve("saved");
        Files.move(data, saved);
        mnistCopy("mnist", true);
        String now = mnistSha(data, "train");
        Map<String, String> before = FolderSnapshot.of(out);
        String expected = mnistRefusal("", data, out.resolve("seed-1/run"), was, now, "");
        for (List<String> slurm : List.of(List.of("--slurm", "--dry-run"), List.of("--slurm"))) {
            List<String> opts = new ArrayList<>(List.of("repeat", "--seeds", "1-2", "--out", out.toString()));
            opts.addAll(slurm);
            CliRun r = CliRun.of(args(opts, train));
            assertEquals(2, r.code(), r.out());
            assertEquals(expected, refusal(r.out()), slurm.toString());
            assertEquals(before, FolderSnapshot.of(out), slurm + ": nothing written");
        }
        // no data under that path here: not compared here (the dry run prints the script)
        Files.move(data, dir.resolve("elsewhere"));
        CliRun dry = CliRun.of(args(List.of("repeat", "--seeds", "1-2", "--out", out.toString(), "--slurm", "--dry-run"), train));
        assertEquals(0, dry.code(), dry.out());
        assertTrue(dry.out().contains("this would run seeds 2 of 2"), dry.out());
    }

    /** The Slurm task compares the data as its node sees them before it trains, and leaves status.json as it was. */
    @Test
    void aSlurmTaskRefusesOtherDataBeforeItTrains() throws Exception {
        Path data = mnistCopy("mnist", false);
        Path out = dir.resolve("t");
        String[] cmd = args(List.of("repeat", "--seeds", "1-2", "--out", out.toString()), "train", "mnist", "--steps", "1",
                "--data-dir", data.toString());
        assertEquals(0, CliRun.of(cmd).code());
        String was = mnistSha(data, "train");
        // seed 2 queued by a submission, as repeat --slurm leaves it
        unstart(out.resolve("seed-2"));
        Files.createDirectories(out.resolve("seed-2"));
        Files.writeString(out.resolve("seed-2/status.json"), "{\"seed\": 2, \"state\": \"queued\", \"attempts\": []}");
        Files.move(data, dir.resolve("saved"));
        mnistCopy("mnist", true);
        String now = mnistSha(data, "train");
        Map<String, String> before = FolderSnapshot.of(out);

        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        int rc;
        synchronized (CliRun.class) {
            try (PrintStream both = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
                System.setOut(both);
                System.setErr(both);
                rc = SlurmTask.run(out.resolve("grid.json").toString(), "2");
            } finally {
                System.setOut(oldOut);
                System.setErr(oldErr);
            }
        }
        String log = buf.toString(StandardCharsets.UTF_8);
        assertEquals(2, rc, log);
        assertEquals(mnistRefusal("seed 2: ", data, out.resolve("seed-1/run"), was, now, "; this task did not run it"), refusal(log));
        assertFalse(log.contains("seed 2: starting"), log);
        assertEquals(before, FolderSnapshot.of(out), "status.json and the run folder as they were");
    }

    /** Generated CLEVR scenes are compared by their scene files, the digests train records for them. */
    @Test
    void otherGeneratedScenesAreRefusedByTheirSceneFiles() throws Exception {
        Path cache = dir.resolve("scenes");
        Path root = Files.createDirectories(cache.resolve("seed1-train2-val2/scenes"));
        Files.writeString(root.resolve("CLEVR_train_scenes.json"), "{\"scenes\": []}\n");
        Files.writeString(root.resolve("CLEVR_val_scenes.json"), "{\"scenes\": [ ]}\n");
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        String now = HexFormat.of().formatHex(md.digest(Files.readAllBytes(root.resolve("CLEVR_train_scenes.json"))));
        String val = HexFormat.of().formatHex(md.digest(Files.readAllBytes(root.resolve("CLEVR_val_scenes.json"))));
        String was = "0".repeat(64);
        List<String> command = List.of("train", "clevr-box", "--steps", "1", "--synth-train", "2", "--synth-val", "2",
                "--synth-cache", cache.toString());
        Path out = dir.resolve("c");
        org.dspn4j.experiment.grid.Grid.open(out, command, List.of(1L, 2L), Path.of("").toAbsolutePath()).save();
        // seed 1 finished on other scenes (its record written as train and the grid write them)
        Files.createDirectories(out.resolve("seed-1/run"));
        Files.writeString(out.resolve("seed-1/status.json"), "{\"seed\": 1, \"state\": \"finished\", \"attempts\": [{\"job\": \"local\", "
                + "\"host\": \"h\", \"started\": \"2026-01-01T00:00:00Z\", \"resumed\": false, \"ended\": \"2026-01-01T01:00:00Z\", "
                + "\"exit_code\": 0}]}");
        Files.writeString(out.resolve("seed-1/run/run.json"), "{\"config\": {\"seed\": 1}, \"data_sha256\": {\"train\": \"" + was
                + "\", \"val\": \"" + val + "\"}}");
        Map<String, String> before = FolderSnapshot.of(out);
        List<String> a = new ArrayList<>(List.of("repeat", "--seeds", "1-2", "--out", out.toString(), "--"));
        a.addAll(command);
        CliRun r = CliRun.of(a.toArray(new String[0]));
        assertEquals(2, r.code(), r.out());
        assertEquals("dspn4j: the data now in the folder of the generated scenes " + cache.resolve("seed1-train2-val2")
                        + " differ from those finished seed 1 trained on: the train split (sha256 recorded 000000000000…, now " + now.substring(0, 12) + "…) ("
                        + out.resolve("seed-1/run/run.json") + ", data_sha256); the seeds of a grid must train on the same data to be "
                        + "averaged: put back the data seed 1 trained on, or give another --out for a grid on the data as they are now",
                refusal(r.out()));
        assertEquals(before, FolderSnapshot.of(out));
    }

    // ------------------------------------------------------------------ a seed another process holds

    /**
     * Here, a seed whose run folder another live process holds is named in one line and left out; the other seeds
     * run, the exit code says that one was left out, and the same command given later runs it.
     */
    @Test
    void aLockedSeedDoesNotStopTheOthersHere() throws Exception {
        Path out = dir.resolve("l");
        String[] cmd = args(List.of("repeat", "--seeds", "1-3", "--out", out.toString()), "train", "mnist", "--steps", "1");
        List<String> train = new ArrayList<>(List.of("train", "mnist", "--steps", "1"));
        train.addAll(RepeatGridTest.TINY);
        org.dspn4j.experiment.grid.Grid.open(out, train, List.of(1L, 2L, 3L), Path.of("").toAbsolutePath()).save();
        Files.createDirectories(out.resolve("seed-1/run"));
        CliRun r;
        try (RunLock held = RunLock.acquire(out.resolve("seed-1/run"), null)) {
            r = CliRun.of(cmd);
        }
        assertEquals(2, r.code(), r.out());
        String owner = "process " + ProcessHandle.current().pid() + "@";
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("seed 1: " + out.resolve("seed-1/run") + " is in use by another run ("
                + owner) && l.endsWith("); not run here")), r.out());
        for (String s : List.of("seed-2", "seed-3")) {
            assertTrue(Files.readString(out.resolve(s).resolve("status.json")).contains("\"state\" : \"finished\""), s);
        }
        assertFalse(Files.exists(out.resolve("seed-1/status.json")));
        assertTrue(r.out().contains("2 of 3 runs finished") && r.out().contains("  seed 1 (" + out.resolve("seed-1") + "): not started"),
                r.out());
        String line = refusal(r.out());
        assertTrue(line.startsWith("dspn4j: seed 1 was not run: " + out.resolve("seed-1/run") + " is in use by another run ("
                + owner) && line.endsWith("); give the same repeat command again to retry it (finished seeds are skipped)"), line);
        assertTrue(Files.readString(out.resolve("grid.json")).contains("\"seeds\" : [ 2, 3 ],"), "the seeds that ran");

        CliRun later = CliRun.of(cmd);
        assertEquals(0, later.code(), later.out());
        assertTrue(later.out().contains("seed 1: starting in") && later.out().contains("over 3 seeds:"), later.out());
    }

    // ------------------------------------------------------------------ --task-setup

    private CliRun dryRun(Path out, String... setup) {
        List<String> a = new ArrayList<>(List.of("repeat", "--seeds", "1", "--out", out.toString(), "--slurm", "--dry-run"));
        for (String s : setup) {
            a.add("--task-setup");
            a.add(s);
        }
        return CliRun.of(args(a, "train", "mnist", "--steps", "1"));
    }

    /** A --task-setup line with a line break, or one that does not end where it ends, is refused in one line. */
    @Test
    void aTaskSetupThatIsNotOneCompleteLineIsRefused() {
        Path out = dir.resolve("ts");
        Map<String, String> refused = Map.of(
                "module load java/17\nexport A=1", "dspn4j: --task-setup: 'module load java/17\\nexport A=1' is not one shell line (it "
                        + "holds a line break); give --task-setup once per line",
                "module load java/17\r", "dspn4j: --task-setup: 'module load java/17\\r' is not one shell line (it holds a line break); "
                        + "give --task-setup once per line",
                "echo \"abc", "dspn4j: --task-setup: 'echo \"abc' is not a complete shell line (bash -n: ",
                "if true; then", "dspn4j: --task-setup: 'if true; then' is not a complete shell line (bash -n: ",
                "cat <<EOF", "dspn4j: --task-setup: 'cat <<EOF' is not a complete shell line (bash -n: ");
        for (Map.Entry<String, String> e : refused.entrySet()) {
            CliRun r = dryRun(out, ". /opt/env.sh", e.getKey());
            assertEquals(2, r.code(), r.out());
            String line = refusal(r.out());
            assertTrue(line.equals(e.getValue()) || e.getValue().endsWith("(bash -n: ") && line.startsWith(e.getValue())
                    && line.endsWith(")"), line);
            assertEquals(1, r.out().strip().lines().count(), r.out());
            assertFalse(Files.exists(out));
        }
    }

    /**
     * What a line holds stays in it: a trailing backslash does not continue into the script's next line, whose
     * Java still runs (here /bin/echo as the task's java), with the line's export seen by it.
     */
    @Test
    void aTaskSetupLineCannotRunIntoTheScript() throws Exception {
        Path out = dir.resolve("inj");
        CliRun r = dryRun(out, "export DSPN4J_JAVA_OPTS='-Dseen=a'", "echo setup ran \\");
        assertEquals(0, r.code(), r.out());
        String script = r.out().lines().takeWhile(l -> !l.startsWith("# dry run:")).filter(l -> !l.startsWith("WARNING:"))
                .reduce("", (x, y) -> x + y + "\n");
        assertTrue(script.contains("\neval 'echo setup ran \\'\n"), script);
        Path file = dir.resolve("array.sh");
        Files.writeString(file, script);
        ProcessBuilder pb = new ProcessBuilder("bash", file.toString()).redirectErrorStream(true);
        pb.environment().put("SLURM_ARRAY_TASK_ID", "1");
        pb.environment().put("DSPN4J_JAVA", "/bin/echo");
        Process p = pb.start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), said);
        assertTrue(said.contains("setup ran \\\n") && said.contains(" -Dseen=a "), said);
        assertTrue(said.contains("org.dspn4j.cli.SlurmTask " + Path.of("").toAbsolutePath().resolve(out).resolve("grid.json") + " 1"),
                said);
    }
}
