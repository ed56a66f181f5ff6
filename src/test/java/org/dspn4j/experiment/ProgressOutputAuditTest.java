package org.dspn4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import org.dspn4j.cli.Main;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code train} prints when its output is not a terminal (a log file, a pipe, {@code nohup}, a Slurm
 * task's {@code slurm-<job>_<s>.out}): whole, newline-ended progress lines, no carriage-return bar; {@code -q}:
 * none ({@link Progress}). The bar used to be written there too, one ever-growing line of {@code \r} updates cut
 * at 80 columns.
 */
class ProgressOutputAuditTest {
    /** A progress line: step/total, epoch, train_loss, s/step, elapsed, left. */
    private static final Pattern LINE = Pattern.compile(
            "step (\\d+)/(\\d+)  epoch (\\d+)  train_loss \\d+\\.\\d{6}  \\d+\\.\\d{2} s/step  elapsed \\d+:\\d\\d:\\d\\d  "
                    + "left \\d+:\\d\\d:\\d\\d");
    private static final List<String> TINY = List.of("--latent", "8", "--hidden", "16", "--iters", "2", "--batch", "4",
            "--threads", "2", "--backend", "cpu");

    @TempDir
    Path dir;

    /** The command line in a JVM of its own, standard output and error into one file (as Slurm's --output). */
    private String logOf(String name, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseG1GC", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        Path log = dir.resolve(name + ".out");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("LD_PRELOAD");
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        String text = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", args) + "\n" + text);
        return text;
    }

    private static List<String> train(Path out, int steps, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "mnist", "--steps", Integer.toString(steps), "--out", out.toString()));
        a.addAll(TINY);
        a.addAll(List.of(more));
        return a;
    }

    /** The progress lines' steps, each line checked whole against {@link #LINE} with this total and epoch 0. */
    private static List<Long> progressSteps(String log, long total) {
        List<Long> steps = new ArrayList<>();
        for (String l : log.split("\n", -1)) {
            if (l.startsWith("step ")) {
                var m = LINE.matcher(l);
                assertTrue(m.matches(), "not a whole progress line: '" + l + "'\n" + log);
                assertEquals(total, Long.parseLong(m.group(2)), l);
                assertEquals(0, Long.parseLong(m.group(3)), l);
                steps.add(Long.parseLong(m.group(1)));
            }
        }
        return steps;
    }

    @Test
    void aLogFileGetsWholeProgressLinesAndNoBarAndQuietGetsNone() throws Exception {
        String log = logOf("train", train(dir.resolve("run"), 5));
        assertFalse(log.contains("\r"), "a carriage return in the log:\n" + log.replace("\r", "\\r"));
        assertTrue(log.endsWith("\n"), log);
        assertEquals(List.of(1L, 5L), progressSteps(log, 5), log); // the first step and the last, in under a minute
        // the lines of today, whole and in order around them
        int initial = log.indexOf("initial test_loss ");
        int first = log.indexOf("step 1/5  ");
        int fin = log.indexOf("final   test_loss ");
        assertTrue(initial >= 0 && initial < first && first < fin, log);
        assertTrue(log.contains("\ntest_last changed by ") && log.contains("\nwrote " + dir.resolve("run")), log);

        String quiet = logOf("quiet", train(dir.resolve("quiet"), 5, "-q"));
        assertFalse(quiet.contains("\r") || quiet.lines().anyMatch(l -> l.startsWith("step ")), quiet);
        assertTrue(quiet.contains("final   test_loss "), quiet);
    }

    @Test
    void repeatHereLogsEachSeedsProgressLikeTrain() throws Exception {
        List<String> a = new ArrayList<>(List.of("repeat", "--seeds", "1-2", "--out", dir.resolve("grid").toString(), "--",
                "train", "mnist", "--steps", "3"));
        a.addAll(TINY);
        String log = logOf("repeat", a);
        assertFalse(log.contains("\r"), log.replace("\r", "\\r"));
        assertEquals(List.of(1L, 3L, 1L, 3L), progressSteps(log, 3), log);
    }

    @Test
    void synthOffATerminalCountsScenesInLinesOfTheirOwn() {
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cl = new picocli.CommandLine(new org.dspn4j.cli.SynthCommand());
        cl.setOut(new java.io.PrintWriter(java.io.Writer.nullWriter()));
        cl.setErr(new java.io.PrintWriter(err, true));
        assertEquals(0, cl.execute("clevr", "--scenes", "2", "--split", "val", "--seed", "3", "--threads", "1", "--out",
                dir.resolve("synth").toString()), err.toString());
        assertEquals("1/2 scenes\n2/2 scenes\n", err.toString());
    }

    // ---- the interval, on a tiny run in this JVM with a clock that the test moves

    private static TrainConfig cfg(Path out, int steps, boolean quiet) {
        ModelConfig m = ModelConfig.paper(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.DSPN).withSizes(4, 8)
                .withInner(2, 800).withDtype(DType.F32);
        return new TrainConfig(m, null, 1, steps, 4, 0.01, 7, out, 0, false, 2, quiet);
    }

    /**
     * What the loop printed: each step's own time is 0.25 s (two readings of its step clock), the progress clock
     * moves {@code perReading} nanoseconds at each reading (one when the steps start, one after each step).
     */
    private static String said(TrainConfig c, boolean terminal, long perReading, TrainingLoop.Start start)
            throws IOException {
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        AtomicLong t = new AtomicLong();
        AtomicLong p = new AtomicLong();
        try (Compute compute = Compute.cpu(c.threads())) {
            new TrainingLoop(new PrintStream(said, true, StandardCharsets.UTF_8), () -> t.addAndGet(250_000_000L))
                    .progress(terminal, () -> p.addAndGet(perReading)).run(c, new MnistTask(c), compute, start);
        }
        return said.toString(StandardCharsets.UTF_8);
    }

    private static List<String> progressLines(String said) {
        return said.lines().filter(l -> l.startsWith("step ")).toList();
    }

    @Test
    void offATerminalALineAfterTheFirstStepThenEverySixtySecondsAndAfterTheLast(@TempDir Path d) throws IOException {
        // 25 s a reading: steps end at 25, 50, 75, 100, 125 s after the start; 75 s after the first line is past 60 s
        String said = said(cfg(d.resolve("run"), 5, false), false, 25_000_000_000L, TrainingLoop.Start.NEW);
        assertEquals(List.of(
                "step 1/5  epoch 0  train_loss " + loss(d.resolve("run"), 1) + "  0.25 s/step  elapsed 0:00:25  left 0:01:40",
                "step 4/5  epoch 0  train_loss " + loss(d.resolve("run"), 4) + "  0.25 s/step  elapsed 0:01:40  left 0:00:25",
                "step 5/5  epoch 0  train_loss " + loss(d.resolve("run"), 5) + "  0.25 s/step  elapsed 0:02:05  left 0:00:00"),
                progressLines(said), said);

        // a resume to step 8: its first step has a line, elapsed and left count from where it continued
        String resumed = said(cfg(d.resolve("run"), 8, false), false, 25_000_000_000L, TrainingLoop.Start.RESUME);
        assertEquals(List.of(
                "step 6/8  epoch 0  train_loss " + loss(d.resolve("run"), 6) + "  0.25 s/step  elapsed 0:00:25  left 0:00:50",
                "step 8/8  epoch 0  train_loss " + loss(d.resolve("run"), 8) + "  0.25 s/step  elapsed 0:01:15  left 0:00:00"),
                progressLines(resumed), resumed);

        // on a terminal the bar (on standard error) instead: no line in the run's output
        String bar = said(cfg(d.resolve("bar"), 3, false), true, 25_000_000_000L, TrainingLoop.Start.NEW);
        assertTrue(progressLines(bar).isEmpty() && bar.contains("final   test_loss "), bar);
    }

    @Test
    void offATerminalEachEvaluationDuringTrainingIsALineWithTheMetricsThatMetricsJsonlRecords(@TempDir Path d)
            throws IOException {
        ModelConfig m = ModelConfig.paper(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.DSPN).withSizes(4, 8)
                .withInner(2, 800).withDtype(DType.F32);
        Path run = d.resolve("run");
        TrainConfig every2 = new TrainConfig(m, null, 1, 5, 4, 0.01, 7, run, 2, false, 2, false);
        String said = said(every2, false, 1_000_000L, TrainingLoop.Start.NEW);
        // evaluations after steps 2 and 4 (--eval-every 2); step 5, the last, has the final evaluation's line instead
        assertEquals(List.of(
                "eval step 2/5  epoch 0  test_loss " + metric(run, 2, "test_loss") + "  test_last " + metric(run, 2, "test_last"),
                "eval step 4/5  epoch 0  test_loss " + metric(run, 4, "test_loss") + "  test_last " + metric(run, 4, "test_last")),
                said.lines().filter(l -> l.startsWith("eval ")).toList(), said);
        int eval2 = said.indexOf("eval step 2/5");
        assertTrue(said.indexOf("step 1/5  ") < eval2 && eval2 < said.indexOf("final   test_loss "), said);

        String bar = said(new TrainConfig(m, null, 1, 5, 4, 0.01, 7, d.resolve("bar"), 2, false, 2, false), true,
                1_000_000L, TrainingLoop.Start.NEW);
        assertTrue(bar.lines().noneMatch(l -> l.startsWith("eval ")) && bar.contains("final   test_loss "), bar);
        String quiet = said(new TrainConfig(m, null, 1, 5, 4, 0.01, 7, d.resolve("quiet"), 2, false, 2, true), false,
                1_000_000L, TrainingLoop.Start.NEW);
        assertTrue(quiet.lines().noneMatch(l -> l.startsWith("eval ")) && quiet.contains("final   test_loss "), quiet);
    }

    /** A test metric logged at a step of the run's metrics.jsonl, as an evaluation line writes it. */
    private static String metric(Path run, long step, String key) throws IOException {
        for (String l : Files.readAllLines(run.resolve(RunRecord.METRICS))) {
            var f = RunRecord.numbers(l);
            if (f.get("step") == step && f.containsKey(key)) {
                return String.format(java.util.Locale.ROOT, "%.6f", f.get(key));
            }
        }
        throw new AssertionError("no " + key + " at step " + step + " in " + run);
    }

    @Test
    void aLineIsDueSixtySecondsAfterThePreviousOneByTheClockAndNotBefore() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        long[] now = {0};
        long s = 1_000_000_000L;
        try (Progress p = Progress.of(false, false, new PrintStream(b, true, StandardCharsets.UTF_8), () -> now[0],
                "train", 1000, 0)) {
            assertFalse(p.drawsBar());
            for (long[] at : new long[][] {{1, 2}, {2, 61}, {3, 62}, {4, 121}, {5, 122}, {6, 3723}}) {
                now[0] = at[1] * s; // step at[0] ends at[1] seconds after the start
                p.step(at[0], 0, 0.5, 1.0);
            }
        }
        // left = elapsed / steps done * steps to go, shown cut to the second: step 3, 62 s / 3 * 997 = 20604.7 s
        assertEquals("step 1/1000  epoch 0  train_loss 0.500000  1.00 s/step  elapsed 0:00:02  left 0:33:18\n"
                + "step 3/1000  epoch 0  train_loss 0.500000  1.00 s/step  elapsed 0:01:02  left 5:43:24\n"
                + "step 5/1000  epoch 0  train_loss 0.500000  1.00 s/step  elapsed 0:02:02  left 6:44:38\n"
                + "step 6/1000  epoch 0  train_loss 0.500000  1.00 s/step  elapsed 1:02:03  left 171:19:37\n",
                b.toString(StandardCharsets.UTF_8));
    }

    /** Step {@code step}'s train_loss in the run's metrics.jsonl, as a progress line writes it. */
    private static String loss(Path run, long step) throws IOException {
        for (String l : Files.readAllLines(run.resolve(RunRecord.METRICS))) {
            var f = RunRecord.numbers(l);
            if (f.get("step") == step && f.containsKey("train_loss")) {
                return String.format(java.util.Locale.ROOT, "%.6f", f.get("train_loss"));
            }
        }
        throw new AssertionError("no train_loss at step " + step + " in " + run);
    }
}
