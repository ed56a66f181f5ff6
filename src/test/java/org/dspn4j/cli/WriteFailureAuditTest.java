package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.dspn4j.experiment.IoErrors;
import org.dspn4j.experiment.RunRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the commands do when a write fails: a full disk ("No space left on device") or a file-size limit ("File too
 * large"). Every such failure is one line naming the file the user knows (not a temporary name), exit code 2, no
 * stack trace; what was saved before stays byte for byte, and no temporary file is left.
 *
 * <p>Two stand-ins for a full disk, as no test can mount a small file system: a temporary file made a link to
 * {@code /dev/full} (Linux), whose every write fails with ENOSPC, where the temporary file has a fixed name; and a
 * child JVM under {@code ulimit -f} (writes past the limit fail with EFBIG; the JVM ignores SIGXFSZ), where the
 * temporary file's name is random or the file is new.
 */
class WriteFailureAuditTest {
    private static final Path DEV_FULL = Path.of("/dev/full");
    private static final String[] TINY = {"--steps", "2", "--latent", "4", "--hidden", "8", "--iters", "2", "--batch", "4",
        "-q", "--threads", "1", "--backend", "cpu"};

    private static void assumeDevFull() {
        assumeTrue(Files.exists(DEV_FULL), "no /dev/full on this system");
    }

    /** The one error line of {@code e} as Main prints it, checked to be bad input (exit code 2). */
    private static String reported(Throwable e) {
        StringWriter w = new StringWriter();
        assertEquals(Main.BAD_INPUT, Main.report(e, new PrintWriter(w), false), w.toString());
        return w.toString().replace("\r", "");
    }

    private static CliRunResult cli(String... args) {
        picocli.CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(java.io.Writer.nullWriter()));
        cl.setErr(new PrintWriter(err, true));
        int rc = cl.execute(args);
        return new CliRunResult(rc, err.toString().replace("\r", ""));
    }

    private record CliRunResult(int rc, String err) {
    }

    /** {@code dspn4j args} in a child JVM whose files may not grow beyond {@code limitKb} KiB (bash's ulimit -f). */
    private static CliRunResult underFileSizeLimit(int limitKb, Path cwd, String... args) throws Exception {
        Path bash = Path.of("/bin/bash");
        assumeTrue(Files.isExecutable(bash), "no /bin/bash on this system");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(bash.toString(), "-c", "ulimit -f " + limitKb + " && exec \"$@\"", "bash",
                java.toString(), "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        pb.environment().remove("LD_PRELOAD");
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "child JVM did not finish");
        String e = new String(err, StandardCharsets.UTF_8).lines().filter(l -> !l.startsWith("WARNING: Using incubator"))
                .map(l -> l + "\n").reduce("", String::concat);
        return new CliRunResult(p.exitValue(), e + new String(out, StandardCharsets.UTF_8).lines()
                .filter(l -> l.startsWith("dspn4j: ")).map(l -> "(stdout) " + l + "\n").reduce("", String::concat));
    }

    private static List<Path> tree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.sorted().toList();
        }
    }

    /**
     * A new run whose lock line cannot be written (the disk filled up as the run started): the line named no file
     * ("dspn4j: No space left on device") and the folder the run made stayed behind holding its .lock, so that a
     * refused start left a folder.
     */
    @Test
    void aLockLineThatCannotBeWrittenIsNamedAndTheRunsFolderIsTakenBack(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("above").resolve("run");
        List<String> args = new ArrayList<>(List.of("train", "mnist", "--out", out.toString()));
        args.addAll(List.of(TINY));
        CliRunResult r = underFileSizeLimit(0, Path.of("").toAbsolutePath(), args.toArray(String[]::new));
        assertEquals(2, r.rc(), r.err());
        assertTrue(r.err().endsWith("dspn4j: " + out.resolve(".lock") + ": File too large\n"), r.err());
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("dspn4j: ")).count(), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertEquals(List.of(dir), tree(dir), "the folders the refused run made are removed");

        // the same on a lock file that exists (a link to a full disk here): named, and left as it was
        assumeDevFull();
        Path given = Files.createDirectories(dir.resolve("given"));
        Files.createSymbolicLink(given.resolve(".lock"), DEV_FULL);
        List<String> again = new ArrayList<>(List.of("train", "mnist", "--out", given.toString()));
        again.addAll(List.of(TINY));
        CliRunResult full = cli(again.toArray(String[]::new));
        assertEquals(2, full.rc(), full.err());
        assertEquals("dspn4j: " + given.resolve(".lock") + ": No space left on device\n", full.err());
        assertTrue(Files.isSymbolicLink(given.resolve(".lock")));
    }

    /**
     * run.json rewritten on a full disk (a resume's entry): the line named run.json.tmp, a name the user never gave,
     * and that temporary file stayed; run.json itself must be kept byte for byte.
     */
    @Test
    void runJsonOnAFullDiskIsNamedAsRunJsonKeptAndLeavesNoTemporary(@TempDir Path dir) throws IOException {
        assumeDevFull();
        RunRecord record = new RunRecord(dir);
        record.writeRun(Map.of("seed", 1), "cpu", "1 thread");
        Path runJson = dir.resolve("run.json");
        byte[] before = Files.readAllBytes(runJson);
        Path tmp = dir.resolve("run.json.tmp");
        Files.createSymbolicLink(tmp, DEV_FULL);
        IOException e = assertThrows(IOException.class, () -> record.appendResume(Map.of("from_step", 2)));
        assertEquals("dspn4j: " + runJson + ": No space left on device\n", reported(e));
        assertArrayEquals(before, Files.readAllBytes(runJson), "run.json changed");
        assertFalse(Files.exists(tmp, LinkOption.NOFOLLOW_LINKS), "run.json.tmp left");
    }

    /**
     * The atomic text writes (run.json, states.md, repeat's grid.json and status.json, the scene cache's marker): on
     * a full disk the line names the file, the old file stays as it was, no temporary file is left.
     */
    @Test
    void anAtomicTextWriteOnAFullDiskKeepsTheOldFile(@TempDir Path dir) throws IOException {
        assumeDevFull();
        Path md = Files.writeString(dir.resolve("states.md"), "old table\n");
        Files.createSymbolicLink(dir.resolve("states.md.tmp"), DEV_FULL);
        IOException e = assertThrows(IOException.class, () -> IoErrors.writeAtomic(md, "new table\n"));
        assertEquals("dspn4j: " + md + ": No space left on device\n", reported(e));
        assertEquals("old table\n", Files.readString(md));
        assertEquals(List.of(dir, md), tree(dir));
    }

    /**
     * repeat's grid.json on a full disk: the line was "dspn4j: No space left on device", naming no file, and
     * grid.json.tmp stayed in --out.
     */
    @Test
    void repeatsGridJsonOnAFullDiskIsNamed(@TempDir Path dir) {
        assumeDevFull();
        Path grid = dir.resolve("grid");
        try {
            Files.createDirectories(grid);
            Files.createSymbolicLink(grid.resolve("grid.json.tmp"), DEV_FULL);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        List<String> args = new ArrayList<>(List.of("repeat", "--seeds", "1", "--out", grid.toString(), "--", "train", "mnist"));
        args.addAll(List.of(TINY));
        CliRunResult r = cli(args.toArray(String[]::new));
        assertEquals(2, r.rc(), r.err());
        assertEquals("dspn4j: " + grid.resolve("grid.json") + ": No space left on device\n", r.err());
        assertFalse(Files.exists(grid.resolve("grid.json.tmp"), LinkOption.NOFOLLOW_LINKS), "grid.json.tmp left");
        assertFalse(Files.exists(grid.resolve("grid.json")));
        assertFalse(Files.exists(grid.resolve("seed-1")), "a seed ran");
    }

    /**
     * import-torch's --out cannot be written (a full disk; here a file-size limit): the line was "dspn4j: File too
     * large", naming no file. The archive is written beside --out under a random name and renamed, so nothing is
     * left either.
     */
    @Test
    void importTorchsOutThatCannotBeWrittenIsNamed(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("w.npz");
        Path src = Path.of("src/test/resources/torch/authors_mnist_dspn_zip").toAbsolutePath();
        CliRunResult r = underFileSizeLimit(4, dir, "import-torch", src.toString(), "--out", out.toString());
        assertEquals(2, r.rc(), r.err());
        assertTrue(r.err().endsWith("dspn4j: " + out + ": File too large\n"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertEquals(List.of(dir), tree(dir), "a file left");
    }

    /**
     * synth's scene file on a full disk: the line was "dspn4j: No space left on device", naming no file; an image that
     * fails is named as it would be in --out (not in the temporary folder, which is removed again), and the line
     * says that --out is as it was.
     */
    @Test
    void synthsSceneFileOnAFullDiskIsNamedAsInOut(@TempDir Path dir) throws IOException {
        assumeDevFull();
        Path out = Files.createDirectories(dir.resolve("clevr"));
        picocli.CommandLine cl = Main.commandLine();
        ((SynthCommand) cl.getSubcommands().get("synth").getCommand()).testHook = (staging, done) -> {
            if (done == 0) {
                try {
                    Files.createSymbolicLink(Files.createDirectories(staging.resolve("scenes")).resolve("CLEVR_val_scenes.json"),
                            DEV_FULL);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(java.io.Writer.nullWriter()));
        cl.setErr(new PrintWriter(err, true));
        int rc = cl.execute("synth", "clevr", "--scenes", "2", "--split", "val", "--threads", "1", "--out", out.toString());
        String e = err.toString();
        assertEquals(2, rc, e);
        String last = e.substring(e.lastIndexOf('\r') + 1);
        assertTrue(last.endsWith("\ndspn4j: " + out.resolve("scenes").resolve("CLEVR_val_scenes.json")
                + ": No space left on device (the val split was not written; " + out + " is as it was)\n"), e);
        assertFalse(e.contains("\tat "), e);
        assertEquals(List.of(out), tree(out));
    }

    /**
     * A command's standard output on a full disk ({@code eval … > results.txt}): Java's PrintStream swallowed the
     * error, so the command ended with exit code 0 and an empty file. Here standard output is /dev/full itself.
     */
    @Test
    void standardOutputOnAFullDiskIsAnError(@TempDir Path dir) throws Exception {
        assumeDevFull();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "inspect", Path.of("src/test/resources/torch/authors_mnist_dspn_zip").toAbsolutePath()
                .toString()).directory(dir.toFile()).redirectOutput(DEV_FULL.toFile());
        pb.environment().remove("LD_PRELOAD");
        Process p = pb.start();
        p.getOutputStream().close();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
        assertEquals(2, p.exitValue(), err);
        List<String> lines = err.lines().filter(l -> !l.startsWith("WARNING: Using incubator")).toList();
        assertEquals(List.of("dspn4j: standard output: No space left on device; what the command printed there is incomplete"),
                lines, err);
    }

    /** A closed pipe ({@code … | head}) is no failure: the reader took what it wanted. A full disk is one. */
    @Test
    void aClosedPipeIsNotReportedButAFullDiskIs() {
        for (String why : new String[] {"Broken pipe", "No space left on device"}) {
            StdoutCheck check = StdoutCheck.over(new java.io.OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    throw new IOException(why);
                }
            });
            java.io.PrintStream ps = new java.io.PrintStream(check, true, StandardCharsets.UTF_8);
            ps.println("test_loss 0.07");
            assertTrue(ps.checkError());
            java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
            int rc = check.finish(0, new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
            String said = err.toString(StandardCharsets.UTF_8);
            if (why.equals("Broken pipe")) {
                assertEquals(0, rc, said);
                assertEquals("", said);
            } else {
                assertEquals(2, rc, said);
                assertEquals("dspn4j: standard output: No space left on device; what the command printed there is incomplete\n",
                        said.replace("\r", ""));
            }
        }
    }
}
