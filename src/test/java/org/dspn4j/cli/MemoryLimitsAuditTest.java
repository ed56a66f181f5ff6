package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Running out of memory, command by command: one line with exit code 2 that names the heap as it is and what
 * helps for the command that ran (its own options, or only a larger heap), no stack trace, and no saved state
 * changed. The commands run in a child JVM with a small heap; the MNIST ones with the launcher's 16 MiB G1 regions
 * (the heap then fills in a few seconds, not minutes of collections).
 */
class MemoryLimitsAuditTest {

    private record Result(int rc, String text) {
        /** The lines the program wrote as its own ("dspn4j: ..."). */
        List<String> ownLines() {
            return text.lines().filter(l -> l.startsWith("dspn4j: ")).toList();
        }
    }

    private static Result child(List<String> jvm, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:+UseG1GC");
        cmd.add("--add-modules=jdk.incubator.vector"); // as the launcher starts it (else the scalar kernels, many times slower)
        cmd.addAll(jvm);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("LD_PRELOAD");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** Exit code 2, exactly one line of ours, it says memory ran out, with no trace and no Java class named. */
    private static String oneOutOfMemoryLine(Result r) {
        assertEquals(2, r.rc(), r.text());
        List<String> lines = r.ownLines();
        assertEquals(1, lines.size(), r.text());
        String line = lines.get(0);
        assertTrue(line.startsWith("dspn4j: out of memory"), line);
        assertTrue(line.contains("DSPN4J_JAVA_OPTS=-Xmx"), line);
        assertFalse(r.text().contains("\tat ") || r.text().contains("Exception") || r.text().contains("java.lang."), r.text());
        return line;
    }

    private static final List<String> MNIST_HEAP = List.of("-XX:G1HeapRegionSize=16m", "-Xmx96m");

    /**
     * The out-of-memory line outside a training step said "a smaller --batch ... e.g. -Xmx12g" for every command,
     * also for those without a --batch; it names the options of the command that ran, or only a larger heap.
     */
    @Test
    void theLineNamesTheOptionsOfTheCommandThatRan() {
        OutOfMemoryError oom = new OutOfMemoryError("Java heap space");
        String train = Main.summary(oom, "train");
        assertTrue(train.matches("out of memory \\(Java heap space\\) with a [0-9.]+ (GiB|MiB) heap; a smaller --batch, "
                + "--iters, --latent or --hidden, or a larger heap helps, e.g. DSPN4J_JAVA_OPTS=-Xmx[0-9]+g"), train);
        assertTrue(Main.summary(oom, "repeat").contains("a smaller --batch, --iters, --latent or --hidden, or a larger heap"));
        assertTrue(Main.summary(oom, "eval").contains("; a smaller --batch or --iters, or a larger heap helps"));
        assertTrue(Main.summary(oom, "show").contains("; a smaller --batch or --rows, or a larger heap helps"));
        assertTrue(Main.summary(oom, "trace").contains("; a smaller --iters or --input, or a larger heap helps"));
        String synth = Main.summary(oom, "synth");
        assertTrue(synth.contains("; fewer --threads (each renders one scene at a time), or a larger heap helps"), synth);
        for (String command : new String[] {"inspect", "import-torch", "ap", "summarise", "export-weights"}) {
            String line = Main.summary(oom, command);
            assertTrue(line.matches("out of memory \\(Java heap space\\) with a [0-9.]+ (GiB|MiB) heap; a larger heap "
                    + "helps, e.g. DSPN4J_JAVA_OPTS=-Xmx[0-9]+g"), command + ": " + line);
        }
    }

    /** train: the heap in MiB ("0.1 GiB" before), train's options, and the new run's folder taken back. */
    @Test
    void trainOutOfMemoryNamesTrainsOptionsAndLeavesNoRunFolder(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        String line = oneOutOfMemoryLine(child(MNIST_HEAP, "train", "mnist", "--steps", "1", "--backend", "cpu",
                "--threads", "1", "--out", out.toString()));
        assertTrue(line.contains(" with a 96 MiB heap; ") && line.contains("--iters") && line.contains("--latent")
                && line.contains("--hidden") && line.contains("--batch"), line);
        assertFalse(Files.exists(out), "a new run that stopped before its first checkpoint leaves no folder");
    }

    /** eval: the line names --iters beside --batch (it said --batch alone, also where a large --iters filled the heap). */
    @Test
    void evalOutOfMemoryNamesBatchAndIters() throws Exception {
        String line = oneOutOfMemoryLine(child(MNIST_HEAP, "eval", "mnist", "--checkpoint", "models/mnist-dspn.npz",
                "--backend", "cpu", "--threads", "1", "--batch", "512", "--full"));
        assertTrue(line.contains(" with a 96 MiB heap; a smaller --batch or --iters, or a larger heap helps"), line);
    }

    /**
     * A --iters whose T+1 predicted sets alone are more than the heap (Algorithm 1 keeps Ŷ(0) … Ŷ(T)) ran for
     * minutes (eval --iters 2000000000 past 2 minutes in the launcher's 2 GiB heap; train the same in its initial
     * evaluation) before the heap was full; it is refused up front, naming --iters, and train writes nothing.
     */
    @Test
    void itersWhoseSetsExceedTheHeapAreRefusedUpFront(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        // hand-worked: (T+1) × 32 × 342 × 3 × 4 bytes; 100001 steps: 13,133,731,328 bytes = 12.2 GiB
        Result train = child(MNIST_HEAP, "train", "mnist", "--iters", "100000", "--steps", "1", "--backend", "cpu",
                "--threads", "1", "--out", out.toString());
        assertEquals(2, train.rc(), train.text());
        assertEquals(List.of("dspn4j: --iters 100000 at batch 32: DSPN keeps its T+1 = 100001 predicted sets and masks (32 "
                + "× 342 elements × 3 values), 12.2 GiB, more than this JVM's 96 MiB heap; give a smaller --iters or --batch, or "
                + "a larger heap, e.g. DSPN4J_JAVA_OPTS=-Xmx…"), train.ownLines());
        assertFalse(Files.exists(out));
        Result eval = child(MNIST_HEAP, "eval", "mnist", "--checkpoint", "models/mnist-dspn.npz", "--backend", "cpu",
                "--threads", "1", "--iters", "2000000000");
        assertEquals(2, eval.rc(), eval.text());
        assertEquals(1, eval.ownLines().size(), eval.text());
        assertTrue(eval.ownLines().get(0).startsWith("dspn4j: --iters 2000000000 at batch 32: DSPN keeps its T+1 = 2000000001 "
                + "predicted sets"), eval.text());
        // a batch that alone makes the sets too large is named as well
        Result batch = child(MNIST_HEAP, "train", "mnist", "--batch", "2000000000", "--steps", "1", "--backend", "cpu",
                "--threads", "1", "--out", out.toString());
        assertEquals(2, batch.rc(), batch.text());
        assertTrue(batch.ownLines().size() == 1 && batch.ownLines().get(0).startsWith("dspn4j: --iters 10 at batch 2000000000: "),
                batch.text());
        assertFalse(Files.exists(out));
        // a baseline has no inner steps: its --iters is not counted (the check is of --iters and --batch, so a small
        // model will do)
        Path mlp = dir.resolve("mlp");
        assertEquals(0, child(List.of("-Xmx1g"), "train", "mnist", "--decoder", "mlp", "--iters", "2000000000", "--steps", "1",
                "--latent", "8", "--hidden", "16", "--backend", "cpu", "--threads", "1", "-q", "--out", mlp.toString()).rc());
    }

    /**
     * A resume that runs out of memory in its step leaves the checkpoint and the metrics as they were. The run has
     * --hidden 64 (a quarter of the default, whose run takes twice as long to train): its step still fills the 96 MiB
     * heap (--hidden 32 does too; --hidden 16 with --latent 8 fits).
     */
    @Test
    void aResumeOutOfMemoryLeavesTheCheckpointIntact(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        assertEquals(0, Main.run("train", "mnist", "--steps", "1", "--hidden", "64", "--backend", "cpu", "--threads", "1", "-q",
                "--out", out.toString()));
        byte[] ckpt = Files.readAllBytes(out.resolve("checkpoint.npz"));
        byte[] metrics = Files.readAllBytes(out.resolve("metrics.jsonl"));
        String line = oneOutOfMemoryLine(child(MNIST_HEAP, "train", "mnist", "--steps", "2", "--hidden", "64", "--backend", "cpu",
                "--threads", "1", "--resume", "--out", out.toString()));
        assertTrue(line.contains("with a 96 MiB heap") && line.contains("--batch"), line);
        assertArrayEquals(ckpt, Files.readAllBytes(out.resolve("checkpoint.npz")));
        assertArrayEquals(metrics, Files.readAllBytes(out.resolve("metrics.jsonl")));
    }

    /**
     * repeat: a seed's train that ran out of memory was recorded in its status.json as exit code 1 (an internal error)
     * with "java.lang.OutOfMemoryError: Java heap space", while the process exited with 2; it is train's own line and
     * exit code 2 in both.
     */
    @Test
    void repeatRecordsTheSeedsOutOfMemoryAsBadInput(@TempDir Path dir) throws Exception {
        Path grid = dir.resolve("grid");
        Result r = child(MNIST_HEAP, "repeat", "--seeds", "1", "--out", grid.toString(), "--", "train", "mnist",
                "--steps", "1", "--backend", "cpu", "--threads", "1");
        assertEquals(2, r.rc(), r.text());
        List<String> lines = r.ownLines();
        assertTrue(lines.size() == 2 && lines.get(0).startsWith("dspn4j: out of memory (Java heap space) with a 96 MiB heap; "
                + "a smaller --batch, --iters, --latent or --hidden") && lines.get(1).startsWith("dspn4j: seed 1 ended "
                + "with exit code 2"), r.text());
        assertFalse(r.text().contains("\tat ") || r.text().contains("java.lang."), r.text());
        String status = Files.readString(grid.resolve("seed-1").resolve("status.json"));
        assertTrue(status.contains("\"exit_code\" : 2") && !status.contains("OutOfMemoryError"), status);
    }

    /**
     * synth: a scene that ran out of memory on a rendering thread came out as "dspn4j: java.lang.OutOfMemoryError: Java
     * heap space", often after "Exception in thread "clevr-synth" ..." from a worker; one line naming --threads now.
     */
    @Test
    void synthOutOfMemoryOnItsThreadsIsOneLineNamingThreads(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("scenes");
        String line = oneOutOfMemoryLine(child(List.of("-Xmx16m"), "synth", "clevr", "--scenes", "16", "--threads", "8",
                "--out", out.toString()));
        assertTrue(line.contains(" with a 16 MiB heap; fewer --threads (each renders one scene at a time), or a larger "
                + "heap helps"), line);
    }

    /** inspect of an archive whose array does not fit the heap: a larger heap is what helps; inspect has no --batch. */
    @Test
    void inspectOfAnArrayLargerThanTheHeapNamesOnlyTheHeap(@TempDir Path dir) throws Exception {
        Path npz = dir.resolve("big.npz");
        int n = 60_000_000; // 240 MB of float32 zeros, within the reader's 256 MiB per array; deflated to a few hundred kB
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + n + ",), }";
        StringBuilder header = new StringBuilder(dict);
        while ((10 + header.length() + 1) % 64 != 0) {
            header.append(' ');
        }
        header.append('\n');
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(npz))) {
            zip.setLevel(1);
            zip.putNextEntry(new ZipEntry("a.npy"));
            zip.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) (header.length() & 0xff),
                (byte) (header.length() >> 8)});
            zip.write(header.toString().getBytes(StandardCharsets.US_ASCII));
            byte[] zeros = new byte[1 << 20];
            OutputStream o = zip;
            for (long left = 4L * n; left > 0; left -= zeros.length) {
                o.write(zeros, 0, (int) Math.min(zeros.length, left));
            }
            zip.closeEntry();
        }
        String line = oneOutOfMemoryLine(child(List.of("-Xmx64m"), "inspect", npz.toString()));
        assertTrue(line.contains(" with a 64 MiB heap; a larger heap helps, e.g. DSPN4J_JAVA_OPTS=-Xmx1g"), line);
        assertFalse(line.contains("--batch"), line);
    }
}
