package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import org.dspn4j.experiment.BackendChoice;
import org.dspn4j.experiment.RunRecord;
import org.dspn4j.gpu.ArenaLive;
import org.dspn4j.gpu.SharedEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train mnist --backend opencl} records the training step once and replays it ({@code --graph
 * replay}, the default on OpenCL), or runs it eagerly ({@code --graph eager}). The recorded step takes
 * Adam's step-dependent coefficients as an input and the parameters, moments and buffers as state fed
 * back, so replay and eager give the <b>same losses bit for bit</b> (tolerance 0: the replay issues
 * the eager launches with the same arguments); checkpoints read the state back out of the graph, and
 * a run resumed from a checkpoint written mid-run (into a fresh recording) equals the uninterrupted
 * run, bit for bit. run.json names the mode.
 */
class TrainReplayOpenClTest {
    private static final String[] TINY = {"--latent", "4", "--hidden", "8", "--iters", "2", "--batch", "4", "-q",
            "--threads", "2", "--dtype", "f32", "--backend", "opencl"};

    /**
     * The bundled MNIST with its test split cut to its first {@value #TEST_DIGITS} digits: training reads the same
     * 9,000 digits in the same order (so step 2 is mid-epoch), and each evaluation (the first tenth of the test split)
     * is one batch of 4 rather than 25: eager OpenCL evaluation batches were most of these runs' time. None of the
     * checks depends on how many digits are evaluated.
     */
    @TempDir
    static Path mnist;

    private static final int TEST_DIGITS = 40;

    @BeforeAll
    static void lend() throws IOException {
        BackendChoice.lendEngine(SharedEngine.get()); // skips the class when there is no OpenCL platform
        Path bundled = Path.of("data", "mnist");
        for (String f : new String[] {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"}) {
            Files.copy(bundled.resolve(f), mnist.resolve(f));
        }
        cutIdx(bundled.resolve("t10k-images-idx3-ubyte.gz"), mnist.resolve("t10k-images-idx3-ubyte.gz"), 16, 28 * 28);
        cutIdx(bundled.resolve("t10k-labels-idx1-ubyte.gz"), mnist.resolve("t10k-labels-idx1-ubyte.gz"), 8, 1);
    }

    /** An IDX file (gzip'd) with its first {@link #TEST_DIGITS} items: header count rewritten, items copied as they are. */
    private static void cutIdx(Path from, Path to, int header, int itemBytes) throws IOException {
        byte[] all;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(from))) {
            all = in.readAllBytes();
        }
        ByteBuffer b = ByteBuffer.wrap(all);
        assertTrue(b.getInt(4) >= TEST_DIGITS, from.toString());
        byte[] bytes = Arrays.copyOf(all, header);
        ByteBuffer.wrap(bytes).putInt(4, TEST_DIGITS);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(to))) {
            out.write(bytes);
            out.write(all, header, TEST_DIGITS * itemBytes);
        }
    }

    @AfterAll
    static void endLoan() throws InterruptedException {
        BackendChoice.lendEngine(null);
        if (SharedEngine.available()) {
            ArenaLive.settled(SharedEngine.get()); // this class's garbage freed before the next class allocates in the shared arena
        }
    }

    private static String train(Path out, int steps, String graph, boolean resume) {
        List<String> a = new ArrayList<>(List.of("train", "mnist", "--steps", Integer.toString(steps), "--out",
                out.toString(), "--eval-every", "2", "--data-dir", mnist.toString()));
        a.addAll(List.of(TINY));
        if (graph != null) {
            a.addAll(List.of("--graph", graph));
        }
        if (resume) {
            a.add("--resume");
        }
        return OpenClCommandsTest.run(a.toArray(new String[0]));
    }

    /** Per step: train_loss and train_last; per evaluation step: test_loss and test_last (the latest line wins). */
    private static Map<String, Double> losses(Path run) throws Exception {
        Map<String, Double> out = new TreeMap<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            Map<String, Double> f = RunRecord.numbers(line);
            for (String k : new String[] {"train_loss", "train_last", "test_loss", "test_last"}) {
                if (f.containsKey(k)) {
                    out.put("step " + f.get("step").longValue() + " " + k, f.get(k));
                }
            }
        }
        return out;
    }

    @Test
    void replayEqualsEagerAndResumingFromAMidRunCheckpointEqualsTheUninterruptedRun(@TempDir Path dir) throws Exception {
        Path replay = dir.resolve("replay");
        Path eager = dir.resolve("eager");
        String out = train(replay, 4, null, false);
        assertTrue(out.contains("graph: replay"), out);
        assertTrue(train(eager, 4, "eager", false).contains("graph: eager"));
        Map<String, Double> want = losses(eager);
        assertEquals(4 * 2 + 3 * 2, want.size(), want.toString()); // 4 steps; tests at 0, 2, 4
        assertEquals(want, losses(replay), "replay and eager losses, bit for bit");
        assertTrue(Files.readString(replay.resolve("run.json")).contains("\"graph\" : \"replay\""));
        assertTrue(Files.readString(eager.resolve("run.json")).contains("\"graph\" : \"eager\""));

        // interrupted after step 2 (its checkpoint), resumed into a fresh recording
        Path resumed = dir.resolve("resumed");
        train(resumed, 2, null, false);
        train(resumed, 4, null, true);
        assertEquals(want, losses(resumed), "resumed run vs the uninterrupted one, bit for bit");
        assertTrue(Files.readString(resumed.resolve("run.json")).contains("\"graph\" : \"replay\""));
    }

    /**
     * A recorded step keeps every intermediate on the device. When it does not fit the arena (the
     * tests' engine has the smallest, 64 MB; this model's recorded step needs more), the default mode
     * falls back to eager steps, which free their intermediates, and says so; an explicit
     * {@code --graph replay} is refused with a message naming {@code --arena-mb}.
     */
    @Test
    void aStepTooLargeToRecordRunsEagerlyByDefaultAndExplicitReplayIsRefused(@TempDir Path dir) throws Exception {
        String[] big = {"train", "mnist", "--steps", "1", "--latent", "16", "--hidden", "64", "--iters", "10", "--batch", "4",
                "-q", "--threads", "2", "--backend", "opencl", "--data-dir", mnist.toString()};
        List<String> explicit = new ArrayList<>(List.of(big));
        explicit.addAll(List.of("--out", dir.resolve("replay").toString(), "--graph", "replay"));
        assertEquals(2, Main.run(explicit.toArray(new String[0])));
        List<String> auto = new ArrayList<>(List.of(big));
        auto.addAll(List.of("--out", dir.resolve("auto").toString()));
        String out = OpenClCommandsTest.run(auto.toArray(new String[0]));
        assertTrue(out.contains("graph: eager (the recorded step does not fit the device arena"), out);
        assertTrue(Files.readString(dir.resolve("auto").resolve("run.json")).contains("\"graph\" : \"eager\""));
        assertTrue(Files.exists(dir.resolve("auto").resolve("checkpoint.npz")));
    }

    @Test
    void theCpuBackendRunsEagerlyAndRefusesReplay(@TempDir Path dir) throws Exception {
        Path cpu = dir.resolve("cpu");
        OpenClCommandsTest.run("train", "mnist", "--steps", "1", "--out", cpu.toString(), "--latent", "4", "--hidden", "8",
                "--iters", "1", "--batch", "4", "-q", "--threads", "2", "--backend", "cpu");
        assertTrue(Files.readString(cpu.resolve("run.json")).contains("\"graph\" : \"eager\""));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new org.dspn4j.experiment.MnistExperiment(System.out).train(
                        new org.dspn4j.experiment.TrainConfig(org.dspn4j.model.ModelConfig.paper(
                                org.dspn4j.model.ModelConfig.Task.MNIST, org.dspn4j.model.ModelConfig.DecoderKind.DSPN)
                                .withSizes(4, 8).withInner(1, 800.0), null, 1, 1, 4, 0.01, 1, dir.resolve("x"), 0, false,
                                1, true, "replay", null), false));
        assertTrue(e.getMessage().contains("--graph replay needs the OpenCL backend"), e.getMessage());
    }
}
