package org.dspn4j.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run folder's guarantees (docs/run-folder.md) on short MNIST runs of a small model: a new run
 * never mixes with an old one (refused, or moved aside with --force); one process per folder (the
 * lock, a stale lock said and taken over); a resume checks every setting that changes results and
 * records the ones that may change; after a crash the resumed metrics equal an uninterrupted run's
 * byte for byte; stale temporary files are removed; a stop says truthfully which checkpoint is kept.
 */
class RunFolderTest {

    private static ModelConfig model() {
        return ModelConfig.paper(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.DSPN).withSizes(4, 8).withInner(2, 800)
                .withDtype(DType.F32);
    }

    private static TrainConfig cfg(Path out, int steps, int evalEvery, int threads) {
        return new TrainConfig(model(), null, 1, steps, 4, 0.01, 7, out, evalEvery, false, threads, true);
    }

    /** A loop whose step timer advances 0.25 s per reading: its metrics are the same bytes on every run. */
    private static TrainingLoop loop(ByteArrayOutputStream said) {
        AtomicLong t = new AtomicLong();
        return new TrainingLoop(new PrintStream(said, true, StandardCharsets.UTF_8), () -> t.addAndGet(250_000_000L));
    }

    private static TrainingLoop.Outcome train(TrainConfig c, TrainingLoop.Start start, ByteArrayOutputStream said)
            throws IOException {
        try (Compute compute = Compute.cpu(c.threads())) {
            return loop(said).run(c, new MnistTask(c), compute, start);
        }
    }

    private static TrainingLoop.Outcome train(TrainConfig c, TrainingLoop.Start start) throws IOException {
        return train(c, start, new ByteArrayOutputStream());
    }

    private static Map<String, byte[]> files(Path dir) throws IOException {
        Map<String, byte[]> m = new java.util.TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                if (Files.isRegularFile(p)) {
                    m.put(p.getFileName().toString(), Files.readAllBytes(p));
                }
            }
        }
        return m;
    }

    private static void assertSameFiles(Map<String, byte[]> want, Map<String, byte[]> got) {
        assertEquals(want.keySet(), got.keySet());
        for (String k : want.keySet()) {
            assertArrayEquals(want.get(k), got.get(k), k);
        }
    }

    @Test
    void aNewRunIntoAFolderThatHoldsOneIsRefusedAndForceMovesTheOldOneAsideWhole(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("run");
        train(cfg(out, 1, 0, 2), TrainingLoop.Start.NEW);
        Map<String, byte[]> before = files(out);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> train(cfg(out, 2, 0, 2), TrainingLoop.Start.NEW));
        assertTrue(e.getMessage().contains("--out " + out + " already holds a run") && e.getMessage().contains("--resume")
                && e.getMessage().contains("new --out") && e.getMessage().contains("--force"), e.getMessage());
        assertSameFiles(before, files(out));

        ByteArrayOutputStream said = new ByteArrayOutputStream();
        train(cfg(out, 2, 0, 2), new TrainingLoop.Start(false, true, false), said);
        List<Path> aside;
        try (Stream<Path> s = Files.list(dir)) {
            aside = s.filter(p -> p.getFileName().toString().startsWith("run.old-")).toList();
        }
        assertEquals(1, aside.size(), "the old run moved aside");
        assertTrue(said.toString(StandardCharsets.UTF_8).contains("moved the previous run aside to " + aside.get(0)));
        assertSameFiles(before, files(aside.get(0)));
        List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertTrue(lines.get(0).startsWith("{\"step\":0,") && lines.size() == 4, lines.toString()); // 0, 1, 2, final
        assertEquals(2L, Npz.read(out.resolve("checkpoint.npz")).get("rng/step").longs()[0]);
    }

    @Test
    void aRefusedStartLeavesAFolderThatHoldsNoRunExactlyAsItWas(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("mine");
        Files.createDirectories(out);
        Files.writeString(out.resolve("notes.txt"), "mine");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> train(cfg(out, 1, 0, 2), TrainingLoop.Start.NEW));
        assertTrue(e.getMessage().contains("--out " + out + " is not empty (notes.txt)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> train(cfg(out, 1, 0, 2), TrainingLoop.Start.RESUME));
        assertEquals(List.of("notes.txt"), Files.list(out).map(p -> p.getFileName().toString()).toList(), "no lock file left");
    }

    @Test
    void aResumeRefusesEverySettingThatChangesResultsAndListsThem(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("run");
        train(cfg(out, 1, 0, 2), TrainingLoop.Start.NEW);
        Map<String, byte[]> before = files(out);
        TrainConfig changed = new TrainConfig(model().withSizes(4, 9).withOptions(false, true, true), null, 1, 3, 2, 0.02,
                8, out, 0, true, 2, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> train(changed, TrainingLoop.Start.RESUME));
        for (String s : new String[] {"--hidden 9 (the run has 8)", "--mask-plus1 true (the run has false)",
            "--float32-ratios true", "--batch 2 (the run has 4)", "--lr 0.02 (the run has 0.01)", "--seed 8 (the run has 7)",
            "--full-eval true (the run has false)"}) {
            assertTrue(e.getMessage().contains(s), s + " not in: " + e.getMessage());
        }
        assertSameFiles(before, files(out));
        TrainConfig f64 = new TrainConfig(model().withDtype(DType.F64), null, 1, 3, 4, 0.01, 7, out, 0, false, 2, true);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> train(f64, TrainingLoop.Start.RESUME)).getMessage()
                .contains("--dtype F64 (the run has F32)"));
        assertSameFiles(before, files(out));
    }

    /**
     * run.json records a digest of each split's data, and a resume refuses data that differ from them:
     * here the training digits of a copy of the bundled subset replaced by its test digits (valid MNIST
     * files, other digits).
     */
    @Test
    void aResumeRefusesDataThatChangedSinceTheRunStarted(@TempDir Path dir) throws IOException {
        Path data = Files.createDirectories(dir.resolve("mnist"));
        Path bundled = org.dspn4j.data.mnist.MnistDataset.bundledDirectory();
        for (String f : new String[] {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz"}) {
            Files.copy(bundled.resolve(f), data.resolve(f));
        }
        Path out = dir.resolve("run");
        TrainConfig c = new TrainConfig(model(), data, 1, 1, 4, 0.01, 7, out, 0, false, 2, true);
        train(c, TrainingLoop.Start.NEW);
        Map<?, ?> sha = (Map<?, ?>) RunRecord.readJsonObject(out.resolve("run.json")).get("data_sha256");
        assertEquals(java.util.Set.of("train", "test"), sha.keySet());
        for (Object v : sha.values()) {
            assertTrue(String.valueOf(v).matches("[0-9a-f]{64}"), String.valueOf(v));
        }
        assertTrue(!sha.get("train").equals(sha.get("test")));

        Files.copy(bundled.resolve("t10k-images-idx3-ubyte.gz"), data.resolve("train-images-idx3-ubyte.gz"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(bundled.resolve("t10k-labels-idx1-ubyte.gz"), data.resolve("train-labels-idx1-ubyte.gz"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Map<String, byte[]> before = files(out);
        TrainConfig more = new TrainConfig(model(), data, 1, 2, 4, 0.01, 7, out, 0, false, 2, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> train(more, TrainingLoop.Start.RESUME));
        assertTrue(e.getMessage().startsWith("--resume: the data changed since the run started: the train split (sha256 "
                + "recorded " + String.valueOf(sha.get("train")).substring(0, 12) + "…, now "), e.getMessage());
        assertTrue(!e.getMessage().contains("test split"), e.getMessage());
        assertSameFiles(before, files(out));
    }

    /**
     * --inner-steps changes the gradients in the last bits, so it is recorded and a resume must keep
     * it; a run.json written before the option existed recorded none, and its steps were kept.
     */
    @Test
    void theInnerStepsChoiceIsRecordedAndAResumeMustKeepIt(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("run");
        train(cfg(out, 1, 0, 2).withInnerSteps("keep"), TrainingLoop.Start.NEW);
        assertEquals("keep", ((Map<?, ?>) RunRecord.readJsonObject(out.resolve("run.json")).get("config")).get("inner_steps"));
        Map<String, byte[]> before = files(out);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> train(cfg(out, 2, 0, 2), TrainingLoop.Start.RESUME));
        assertTrue(e.getMessage().contains("--inner-steps recompute (the run has keep)"), e.getMessage());
        assertSameFiles(before, files(out));
        train(cfg(out, 2, 0, 2).withInnerSteps("keep"), TrainingLoop.Start.RESUME);

        // a run recorded before the option: no inner_steps in run.json, read as keep
        Path legacy = dir.resolve("legacy");
        train(cfg(legacy, 1, 0, 2).withInnerSteps("keep"), TrainingLoop.Start.NEW);
        Path runJson = legacy.resolve("run.json");
        String json = Files.readString(runJson);
        String without = json.replaceAll(",\\s*\"inner_steps\"\\s*:\\s*\"keep\"", "");
        assertTrue(!without.equals(json) && !without.contains("inner_steps"), without);
        Files.writeString(runJson, without);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> train(cfg(legacy, 2, 0, 2), TrainingLoop.Start.RESUME))
                .getMessage().contains("--inner-steps recompute (the run has keep)"));
        train(cfg(legacy, 2, 0, 2).withInnerSteps("keep"), TrainingLoop.Start.RESUME);
        assertEquals(1L, ((Map<?, ?>) ((List<?>) RunRecord.readJsonObject(runJson).get("resumes")).get(0)).get("from_step"));
    }

    @Test
    void theInnerStepsOptionTakesRecomputeOrKeep(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> cfg(dir.resolve("run"), 1, 0, 2).withInnerSteps("fast"));
        assertEquals("--inner-steps must be recompute or keep, got 'fast'", e.getMessage());
    }

    @Test
    void aResumeMayChangeTheBudgetCadenceAndThreadsAndRecordsTheChangeWithoutRewritingTheRun(@TempDir Path dir)
            throws IOException {
        Path out = dir.resolve("run");
        train(cfg(out, 2, 0, 2), TrainingLoop.Start.NEW);
        Map<String, Object> first = RunRecord.readJsonObject(out.resolve("run.json"));
        train(cfg(out, 4, 1, 1), TrainingLoop.Start.RESUME);
        Map<String, Object> run = RunRecord.readJsonObject(out.resolve("run.json"));
        assertEquals(first.get("config"), run.get("config"), "the trained settings are kept as they were");
        assertEquals(first.get("git_commit"), run.get("git_commit"));
        List<?> resumes = (List<?>) run.get("resumes");
        assertEquals(1, resumes.size());
        Map<?, ?> r = (Map<?, ?>) resumes.get(0);
        assertEquals(2L, r.get("from_step"));
        assertEquals(Map.of("max_steps", "2 -> 4", "eval_every", "0 -> 1", "threads", "2 -> 1"), r.get("changed"));
        assertEquals(4L, ((Map<?, ?>) r.get("settings")).get("max_steps"));
        // the second resume is compared with the first
        train(cfg(out, 5, 1, 1), TrainingLoop.Start.RESUME);
        Map<?, ?> r2 = (Map<?, ?>) ((List<?>) RunRecord.readJsonObject(out.resolve("run.json")).get("resumes")).get(1);
        assertEquals(Map.of("max_steps", "4 -> 5"), r2.get("changed"));
    }

    @Test
    void aResumeWithNothingLeftToTrainIsRefusedAndChangesNothing(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("run");
        train(cfg(out, 2, 0, 2), TrainingLoop.Start.NEW);
        Map<String, byte[]> before = files(out);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> train(cfg(out, 2, 0, 2), TrainingLoop.Start.RESUME));
        assertTrue(e.getMessage().contains("the run is at step 2") && e.getMessage().contains("--steps 2"), e.getMessage());
        assertSameFiles(before, files(out));
    }

    /**
     * A run killed after step 5 (its last checkpoint at step 4, every 2 steps) leaves metrics of step 5
     * and a line cut off mid-write; resumed, the run's metrics.jsonl and checkpoint are byte for byte
     * those of a run that was never interrupted.
     */
    @Test
    void afterACrashTheResumedRecordEqualsAnUninterruptedRunsByteForByte(@TempDir Path dir) throws IOException {
        Path whole = dir.resolve("whole");
        Path crashed = dir.resolve("crashed");
        train(cfg(whole, 6, 2, 2), TrainingLoop.Start.NEW);
        try (Compute c = Compute.cpu(2)) {
            TrainConfig k = cfg(crashed, 6, 2, 2);
            TrainingLoop killed = loop(new ByteArrayOutputStream()).afterStep(s -> {
                if (s == 5) {
                    throw new IllegalStateException("killed");
                }
            });
            assertThrows(IllegalStateException.class, () -> killed.run(k, new MnistTask(k), c, TrainingLoop.Start.NEW));
        }
        Files.writeString(crashed.resolve("metrics.jsonl"), "{\"step\":6,\"epoch\":0,\"train_l", StandardOpenOption.APPEND);
        assertEquals(4L, Npz.read(crashed.resolve("checkpoint.npz")).get("rng/step").longs()[0]);
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        train(cfg(crashed, 6, 2, 2), TrainingLoop.Start.RESUME, said);
        assertTrue(said.toString(StandardCharsets.UTF_8).contains("back to step 4, the checkpoint's (2 lines written after "
                + "it dropped)"), said.toString(StandardCharsets.UTF_8));
        assertEquals(Files.readString(whole.resolve("metrics.jsonl")), Files.readString(crashed.resolve("metrics.jsonl")));
        assertArrayEquals(Files.readAllBytes(whole.resolve("checkpoint.npz")), Files.readAllBytes(crashed.resolve("checkpoint.npz")));
    }

    @Test
    void aMetricsRecordThatDoesNotBelongToTheCheckpointIsRefused(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("run");
        train(cfg(out, 2, 0, 2), TrainingLoop.Start.NEW);
        Path metrics = out.resolve("metrics.jsonl");
        List<String> lines = Files.readAllLines(metrics);
        Files.write(metrics, lines.subList(0, 2)); // ends at step 1; the checkpoint is at step 2
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> train(cfg(out, 3, 0, 2), TrainingLoop.Start.RESUME));
        assertTrue(e.getMessage().contains(metrics + ": has no line of step 2"), e.getMessage());
        Files.write(metrics, List.of(lines.get(0), "not json", lines.get(2)));
        e = assertThrows(IllegalArgumentException.class, () -> train(cfg(out, 3, 0, 2), TrainingLoop.Start.RESUME));
        assertTrue(e.getMessage().contains(metrics + ": line 2 is not a metrics line"), e.getMessage());
    }

    @Test
    void staleTemporaryFilesOfAKilledWriteAreRemovedAtTheNextStart(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("run");
        train(cfg(out, 1, 0, 2), TrainingLoop.Start.NEW);
        Path ck = out.resolve(".checkpoint.npz.5eed1e55.tmp");
        Path rj = out.resolve("run.json.tmp");
        Path png = out.resolve(".loss.png.5eed1e55.tmp"); // a figure's, written beside it and renamed over it
        Files.write(ck, new byte[100]);
        Files.writeString(rj, "{");
        Files.write(png, new byte[10]);
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        train(cfg(out, 2, 0, 2), TrainingLoop.Start.RESUME, said);
        assertFalse(Files.exists(ck) || Files.exists(rj) || Files.exists(png));
        String s = said.toString(StandardCharsets.UTF_8);
        assertTrue(s.contains("removed " + ck + ", left by an interrupted write") && s.contains("removed " + rj), s);
    }

    /** A run whose step {@code failAt} ends in {@code failure} (what a batch that cannot be read, or a full disk, throws). */
    private static void trainFailing(TrainConfig c, TrainingLoop.Start start, long failAt, RuntimeException failure,
                                     ByteArrayOutputStream said) throws IOException {
        try (Compute compute = Compute.cpu(c.threads())) {
            loop(said).afterStep(s -> {
                if (s == failAt) {
                    throw failure;
                }
            }).run(c, new MnistTask(c), compute, start);
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * A new run that stops on bad input before its first checkpoint takes back what it wrote: a folder
     * it made (and the one above it) is gone, an empty one it was given is empty again (no lock file),
     * an old run --force moved aside is back in place; so the same command runs again. After a
     * checkpoint the folder stays and resumes; an internal error keeps what it wrote too.
     */
    @Test
    void aNewRunThatStopsOnBadInputBeforeItsFirstCheckpointLeavesTheFolderAsItWas(@TempDir Path dir) throws IOException {
        java.io.UncheckedIOException full = new java.io.UncheckedIOException(new IOException("No space left on device"));
        Path made = dir.resolve("above").resolve("run");
        assertThrows(java.io.UncheckedIOException.class, () -> trainFailing(cfg(made, 2, 0, 2), TrainingLoop.Start.NEW, 1,
                full, new ByteArrayOutputStream()));
        assertFalse(Files.exists(dir.resolve("above")), "the folders the run made are removed");
        train(cfg(made, 2, 0, 2), TrainingLoop.Start.NEW); // the same command again: not refused

        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertThrows(IllegalArgumentException.class, () -> trainFailing(cfg(empty, 2, 0, 2), TrainingLoop.Start.NEW, 1,
                new IllegalArgumentException("bad batch"), new ByteArrayOutputStream()));
        assertEquals(List.of(), names(empty), "run.json, metrics.jsonl and the lock file removed");

        Map<String, byte[]> before = files(made);
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        assertThrows(IllegalArgumentException.class, () -> trainFailing(cfg(made, 2, 0, 2),
                new TrainingLoop.Start(false, true, false), 1, new IllegalArgumentException("bad batch"), said));
        assertSameFiles(before, files(made));
        assertEquals(List.of("run"), names(made.getParent()), "the old run is back, nothing left aside");
        assertTrue(said.toString(StandardCharsets.UTF_8).contains("moved the previous run back from " + made.getParent()
                .toAbsolutePath().resolve("run.old-")), said.toString(StandardCharsets.UTF_8));

        Path kept = dir.resolve("kept"); // a checkpoint at step 1 (--eval-every 1), the failure at step 2
        assertThrows(IllegalArgumentException.class, () -> trainFailing(cfg(kept, 3, 1, 2), TrainingLoop.Start.NEW, 2,
                new IllegalArgumentException("bad batch"), new ByteArrayOutputStream()));
        assertEquals(List.of(RunLock.FILE, "checkpoint.npz", "metrics.jsonl", "run.json"), names(kept));
        assertEquals("", Files.readString(kept.resolve(RunLock.FILE)), "the lock is released");
        assertEquals(3, train(cfg(kept, 3, 1, 2), TrainingLoop.Start.RESUME).steps());

        Path bug = dir.resolve("bug");
        assertThrows(IllegalStateException.class, () -> trainFailing(cfg(bug, 2, 0, 2), TrainingLoop.Start.NEW, 1,
                new IllegalStateException("a bug"), new ByteArrayOutputStream()));
        assertEquals(List.of(RunLock.FILE, "metrics.jsonl", "run.json"), names(bug));
    }

    @Test
    void aSecondRunInTheSameFolderIsRefusedWhileTheFirstHoldsIt(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("run");
        Files.createDirectories(out);
        try (RunLock held = RunLock.acquire(out, null)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> train(cfg(out, 1, 0, 2), TrainingLoop.Start.NEW));
            assertTrue(e.getMessage().contains(out + " is in use by another run (process " + RunLock.self()), e.getMessage());
            assertEquals(List.of(RunLock.FILE), Files.list(out).map(p -> p.getFileName().toString()).toList());
        }
        train(cfg(out, 1, 0, 2), TrainingLoop.Start.NEW); // released: the folder is free
        assertEquals("", Files.readString(out.resolve(RunLock.FILE)), "a clean end empties the lock");
    }

    /**
     * Another process (a child JVM) holds the lock: a run here is refused naming it. Killed, it leaves
     * its line in the lock file; the next run says that process is gone and takes the folder over.
     */
    @Test
    void anotherProcessHoldingTheFolderIsNamedAndItsStaleLockIsSaidAndTakenOver(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        Files.createDirectories(out);
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), LockHolder.class.getName(), out.toString())
                .redirectErrorStream(true).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", r.readLine());
            String owner = child.pid() + "@" + RunLock.host();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> train(cfg(out, 1, 0, 2), TrainingLoop.Start.NEW));
            assertTrue(e.getMessage().contains("is in use by another run (process " + owner + " since "), e.getMessage());
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            ByteArrayOutputStream said = new ByteArrayOutputStream();
            train(cfg(out, 1, 0, 2), TrainingLoop.Start.NEW, said);
            assertTrue(said.toString(StandardCharsets.UTF_8).contains("names process " + owner)
                    && said.toString(StandardCharsets.UTF_8).contains("which is no longer running on this host"),
                    said.toString(StandardCharsets.UTF_8));
        } finally {
            child.destroyForcibly();
        }
    }

    /** Holds the lock of the folder in args[0] until killed. */
    public static final class LockHolder {
        public static void main(String[] args) throws Exception {
            RunLock lock = RunLock.acquire(Path.of(args[0]), null);
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(600_000);
            lock.close();
        }
    }

    /**
     * A checkpoint with a NaN weight: refused naming the tensor; with --allow-nonfinite the run
     * resumes, stops at its first step, and says the checkpoint it resumed from is kept.
     */
    @Test
    void aNonFiniteCheckpointIsRefusedUnlessAllowedAndTheStopNamesTheCheckpointKept(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("run");
        train(cfg(out, 2, 0, 2), TrainingLoop.Start.NEW);
        Path ckpt = out.resolve("checkpoint.npz");
        Map<String, NdArray> a = new java.util.LinkedHashMap<>(Npz.read(ckpt));
        float[] w = a.get("set_encoder.conv.0.weight").floats().clone();
        w[3] = Float.NaN;
        a.put("set_encoder.conv.0.weight", NdArray.of(w, a.get("set_encoder.conv.0.weight").shape()));
        a.put("set_decoder.encoder.conv.0.weight", NdArray.of(w, a.get("set_encoder.conv.0.weight").shape())); // DSPN's alias
        Npz.write(ckpt, a);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> train(cfg(out, 4, 0, 2), TrainingLoop.Start.RESUME));
        assertTrue(e.getMessage().contains(ckpt + ": set_encoder.conv.0.weight holds NaN (element 3 of")
                && e.getMessage().contains("--allow-nonfinite"), e.getMessage());
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        TrainingLoop.Outcome o = train(cfg(out, 4, 0, 2), new TrainingLoop.Start(true, false, true), said);
        assertTrue(o.stoppedOnNaN());
        assertTrue(said.toString(StandardCharsets.UTF_8).contains("the last checkpoint (step 2) is kept at " + ckpt),
                said.toString(StandardCharsets.UTF_8));
    }
}
