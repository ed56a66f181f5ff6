package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every bad input is refused with one line on standard error that names the option, the file or the
 * field (exit code 2), before anything is written; an internal error is one line too (exit code 1);
 * {@code --debug} adds the stack trace. Each case here used to run, to print a stack trace, or to
 * print a line that named nothing.
 */
class CliErrorsTest {
    /** A tiny MNIST model, quick to train (also used by InputFilesAuditTest). */
    static final String[] TINY = {"--latent", "4", "--hidden", "8", "--iters", "2", "--batch", "4", "-q",
        "--threads", "2", "--backend", "cpu"};

    @TempDir
    static Path shared;
    /** A finished 2-step MNIST run (checkpoint at step 2). */
    static Path fixture;

    record Result(int rc, String out, String err) {
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = System.out;
        PrintStream e = System.err;
        int rc;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            rc = Main.run(args);
        } finally {
            System.setOut(o);
            System.setErr(e);
        }
        return new Result(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static String[] with(String[] base, String... more) {
        String[] a = new String[more.length + base.length];
        System.arraycopy(more, 0, a, 0, more.length);
        System.arraycopy(base, 0, a, more.length, base.length);
        return a;
    }

    /** Exit code 2 and one line on standard error, naming each of {@code named}; no stack trace anywhere. */
    static Result refused(String[] args, String... named) {
        Result r = run(args);
        String all = String.join(" ", args) + "\nstdout:\n" + r.out + "stderr:\n" + r.err;
        assertEquals(2, r.rc, all);
        assertTrue(r.err.startsWith("dspn4j: ") && r.err.endsWith("\n") && r.err.indexOf('\n') == r.err.length() - 1, all);
        for (String n : named) {
            assertTrue(r.err.contains(n), "'" + n + "' not named: " + all);
        }
        assertFalse(r.out.contains("\tat ") || r.err.contains("\tat ") || r.err.contains("Exception"), all);
        return r;
    }

    @BeforeAll
    static void train() {
        fixture = shared.resolve("fixture");
        Result r = run(with(TINY, "train", "mnist", "--steps", "2", "--out", fixture.toString()));
        assertEquals(0, r.rc, r.out + r.err);
    }

    /** A copy of the fixture run folder. */
    static Path copy(Path dir, String name) throws IOException {
        Path to = dir.resolve(name);
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(fixture)) {
            for (Path p : s.toList()) {
                Files.copy(p, to.resolve(p.getFileName()));
            }
        }
        return to;
    }

    /** Replaces entries of a run folder's checkpoint. */
    static Path edit(Path run, Map<String, NdArray> put, String... remove) throws IOException {
        Path ckpt = run.resolve("checkpoint.npz");
        Map<String, NdArray> a = new LinkedHashMap<>(Npz.read(ckpt));
        for (String k : remove) {
            a.remove(k);
        }
        a.putAll(put);
        Npz.write(ckpt, a);
        return ckpt;
    }

    private static String[] resume(Path run) {
        return with(TINY, "train", "mnist", "--steps", "3", "--resume", "--out", run.toString());
    }

    @Test
    void badValuesAreRefusedNamingTheOptionAndLeaveNoFolder(@TempDir Path dir) {
        String ck = fixture.resolve("checkpoint.npz").toString();
        Object[][] cases = {
            {"--steps", new String[] {"--steps", "-5"}},
            {"--iters", new String[] {"--iters", "-2"}},
            {"--hidden", new String[] {"--hidden", "0"}},
            {"--epochs", new String[] {"--epochs", "0"}},
            {"--batch", new String[] {"--batch", "0"}},
            {"--lr", new String[] {"--lr", "-1"}},
            {"--eval-every", new String[] {"--eval-every", "-1"}},
            {"--threads must be between 1 and", new String[] {"--threads", "40000"}},
            {"--resume: there is no run folder", new String[] {"--resume"}},
            {"--allow-nonfinite applies with --resume", new String[] {"--allow-nonfinite"}},
        };
        for (Object[] c : cases) {
            String[] given = (String[]) c[1];
            Path out = dir.resolve("out" + given[0]);
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("train", "mnist", "--out", out.toString()));
            for (int i = 0; i < TINY.length; i++) { // TINY without the option under test
                boolean flag = TINY[i].equals("-q");
                if (TINY[i].equals(given[0])) {
                    i += flag ? 0 : 1;
                    continue;
                }
                args.add(TINY[i]);
            }
            args.addAll(java.util.List.of(given));
            refused(args.toArray(new String[0]), (String) c[0]);
            assertFalse(Files.exists(out), "a refused start created " + out);
        }
        refused(new String[] {"eval", "mnist", "--checkpoint", ck, "--iters", "-3"}, "--iters");
        // a list that splits into nothing, or names a T twice, would evaluate at other T than asked for
        refused(new String[] {"eval", "clevr-box", "--checkpoint", ck, "--iters", ",,"}, "--iters: no T given");
        refused(new String[] {"eval", "clevr-box", "--checkpoint", ck, "--iters", "10,20,10"}, "--iters: T = 10 is given twice");
        refused(new String[] {"show", "mnist", "--checkpoint", ck, "--out", dir.resolve("a.png").toString(), "--rows", "-2"},
                "--rows");
        refused(new String[] {"show", "mnist", "--checkpoint", ck, "--out", dir.resolve("a.png").toString(), "--rows", "0"},
                "--rows");
        refused(new String[] {"export-weights", "--set-size", "0", "--out", dir.resolve("w.npz").toString()}, "--set-size");
        refused(new String[] {"export-weights", "--hidden", "0", "--out", dir.resolve("w.npz").toString()}, "--hidden");
        refused(new String[] {"repeat", "--seeds", "5,5", "--out", dir.resolve("rep").toString(), "--", "train", "mnist"},
                "--seeds", "seed 5 twice");
        assertFalse(Files.exists(dir.resolve("rep")));
        refused(new String[] {"train", "mnist", "--no-such-option"}, "--no-such-option", "dspn4j train --help");
    }

    @Test
    void noCommandWritesOverItsInput(@TempDir Path dir) throws IOException {
        Path run = copy(dir, "run");
        Path ck = run.resolve("checkpoint.npz");
        byte[] before = Files.readAllBytes(ck);
        refused(new String[] {"export-weights", "--checkpoint", ck.toString(), "--out", ck.toString()}, "--out " + ck,
                "an input");
        refused(new String[] {"show", "mnist", "--checkpoint", ck.toString(), "--out", ck.toString()}, "--out " + ck);
        assertArrayEquals(before, Files.readAllBytes(ck));
        Path in = dir.resolve("in.npz");
        Npz.write(in, Map.of("target_set", NdArray.of(new double[20], 2, 2, 5), "target_mask", NdArray.of(new double[10], 2, 5)));
        byte[] input = Files.readAllBytes(in);
        refused(new String[] {"trace", "--model", "mnist", "--input", in.toString(), "--out", in.toString()}, "--out " + in);
        assertArrayEquals(input, Files.readAllBytes(in));
        refused(new String[] {"show", "mnist", "--checkpoint", ck.toString(), "--out", dir.toString()}, "--out " + dir,
                "is a folder");
    }

    @Test
    void traceRefusesEmptyAndNonFiniteInputsAndMalformedWeights(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("o.npz");
        Path b0 = dir.resolve("b0.npz");
        Npz.write(b0, Map.of("target_set", NdArray.of(new double[0], 0, 2, 5), "target_mask", NdArray.of(new double[0], 0, 5)));
        refused(new String[] {"trace", "--model", "mnist", "--input", b0.toString(), "--out", out.toString()}, b0.toString(),
                "B (0)");
        Path n0 = dir.resolve("n0.npz");
        Npz.write(n0, Map.of("target_set", NdArray.of(new double[0], 2, 2, 0), "target_mask", NdArray.of(new double[0], 2, 0)));
        refused(new String[] {"trace", "--model", "mnist", "--input", n0.toString(), "--out", out.toString()}, n0.toString(),
                "N (0)");
        double[] set = new double[20];
        set[7] = Double.POSITIVE_INFINITY;
        Path inf = dir.resolve("inf.npz");
        Npz.write(inf, Map.of("target_set", NdArray.of(set, 2, 2, 5), "target_mask", NdArray.of(new double[10], 2, 5)));
        refused(new String[] {"trace", "--model", "mnist", "--input", inf.toString(), "--out", out.toString()},
                inf + ": target_set holds Infinity (element 7", "--allow-nonfinite");
        Path good = dir.resolve("good.npz");
        Npz.write(good, Map.of("target_set", NdArray.of(new double[20], 2, 2, 5), "target_mask", NdArray.of(new double[10], 2, 5)));
        Path w = dir.resolve("w.npz");
        assertEquals(0, run("export-weights", "--latent", "4", "--hidden", "8", "--set-size", "5", "--out", w.toString()).rc);
        Map<String, NdArray> weights = new LinkedHashMap<>(Npz.read(w));
        Map<String, NdArray> zeroD = new LinkedHashMap<>(weights);
        zeroD.put("set_encoder.conv.0.weight", NdArray.of(new float[] {1f}));
        Path w0 = dir.resolve("w0.npz");
        Npz.write(w0, zeroD);
        refused(new String[] {"trace", "--model", "mnist", "--weights", w0.toString(), "--input", good.toString(), "--out",
            out.toString()}, w0.toString(), "set_encoder.conv.0.weight has shape []");
        NdArray pool = weights.get("set_encoder.pool.weight");
        float[] p = pool.floats().clone();
        p[0] = Float.NaN;
        weights.put("set_encoder.pool.weight", NdArray.of(p, pool.shape()));
        weights.put("set_decoder.encoder.pool.weight", NdArray.of(p, pool.shape()));
        Path wn = dir.resolve("wn.npz");
        Npz.write(wn, weights);
        refused(new String[] {"trace", "--model", "mnist", "--weights", wn.toString(), "--input", good.toString(), "--out",
            out.toString()}, wn + ": set_encoder.pool.weight holds NaN");
        assertFalse(Files.exists(out));
    }

    @Test
    void checkpointContentsAreCheckedWhenLoaded(@TempDir Path dir) throws IOException {
        Path a = copy(dir, "step-f64");
        Path ck = edit(a, Map.of("optim/step", NdArray.of(new double[] {2}, 1)));
        refused(resume(a), ck + ": optim/step must be an integer");

        Path b = copy(dir, "step-i32"); // an int32 counter is a counter: accepted
        edit(b, Map.of("optim/step", NdArray.of(new int[] {2}, 1), "rng/step", NdArray.of(new int[] {2}, 1)));
        Result ok = run(resume(b));
        assertEquals(0, ok.rc, ok.out + ok.err);

        Path c = copy(dir, "moment-shape");
        ck = edit(c, Map.of("optim/exp_avg/set_encoder.pool.weight", NdArray.of(new float[3], 3)));
        refused(resume(c), ck + ": optim/exp_avg/set_encoder.pool.weight has shape [3]");

        Path d = copy(dir, "moment-missing");
        ck = edit(d, Map.of(), "optim/exp_avg_sq/set_encoder.pool.weight");
        refused(resume(d), ck + ": optim/exp_avg_sq/set_encoder.pool.weight is missing");

        Path e = copy(dir, "negative");
        ck = edit(e, Map.of("rng/batch", NdArray.of(new long[] {-1}, 1)));
        refused(resume(e), ck + ": rng/batch must not be negative");

        Path f = copy(dir, "config");
        byte[] bad = "{\"task\": \"mnist\", ".getBytes(StandardCharsets.UTF_8);
        ck = edit(f, Map.of("meta/config_json", NdArray.ofUnsignedBytes(bad, bad.length)));
        refused(new String[] {"eval", "mnist", "--checkpoint", ck.toString()}, ck + ": meta/config_json: model config: malformed JSON");

        // sizes far beyond the file's weights: refused before a model of them is built (hidden 10^6: 10^12 elements)
        Path h = copy(dir, "huge");
        String json = new String(Npz.read(h.resolve("checkpoint.npz")).get("meta/config_json").unsignedBytes(),
                StandardCharsets.UTF_8).replaceFirst("\"hidden\"\\s*:\\s*[0-9]+", "\"hidden\" : 1000000");
        assertTrue(json.contains("1000000"), json);
        byte[] huge = json.getBytes(StandardCharsets.UTF_8);
        ck = edit(h, Map.of("meta/config_json", NdArray.ofUnsignedBytes(huge, huge.length)));
        refused(new String[] {"eval", "mnist", "--checkpoint", ck.toString()}, ck + ": meta/config_json: the mnist dspn model "
                + "(hidden 1000000", "needs weights of at least 1000000000000 elements");
        refused(resume(h), ck + ": meta/config_json", "1000000000000 elements");

        Path g = copy(dir, "nan");
        Map<String, NdArray> arrays = Npz.read(g.resolve("checkpoint.npz"));
        float[] w = arrays.get("set_decoder.starting_set").floats().clone();
        w[0] = Float.NaN;
        ck = edit(g, Map.of("set_decoder.starting_set", NdArray.of(w, arrays.get("set_decoder.starting_set").shape())));
        refused(new String[] {"eval", "mnist", "--checkpoint", ck.toString()}, ck + ": set_decoder.starting_set holds NaN");
        Result allowed = run("eval", "mnist", "--checkpoint", ck.toString(), "--allow-nonfinite", "--threads", "2");
        assertEquals(0, allowed.rc, allowed.err);
        assertTrue(allowed.out.contains("test_last NaN"), "an auditor sees the NaN propagate: " + allowed.out);
        Path missing = dir.resolve("nope.npz");
        refused(new String[] {"eval", "mnist", "--checkpoint", missing.toString()}, "--checkpoint " + missing, "no such file");
        Path noCheckpoint = Files.createDirectories(dir.resolve("empty-run"));
        refused(new String[] {"eval", "mnist", "--checkpoint", noCheckpoint.toString()}, "--checkpoint",
                noCheckpoint + ": a folder without checkpoint.npz");
        refused(new String[] {"show", "mnist", "--checkpoint", ck.toString(), "--baseline", noCheckpoint.toString(), "--out",
                dir.resolve("f.png").toString()}, "--baseline", noCheckpoint + ": a folder without checkpoint.npz");
    }

    /** eval, show and export-weights check a checkpoint's counters and Adam's moments as a resume does, in the same line. */
    @Test
    void evalShowAndExportWeightsCheckTheTrainingStateAsAResumeDoes(@TempDir Path dir) throws IOException {
        Path neg = copy(dir, "negative");
        Path ck = edit(neg, Map.of("optim/step", NdArray.of(new long[] {-1}, 1), "rng/step", NdArray.of(new long[] {-1}, 1)));
        String negative = refused(resume(neg), ck + ": rng/step must not be negative").err;
        Path big = copy(dir, "beyond");
        Path bk = edit(big, Map.of("rng/batch", NdArray.of(new long[] {1_000_000_000L}, 1)));
        String beyond = refused(resume(big), bk + ": rng/batch 1000000000 does not fit rng/epoch 0 and rng/step 2").err;
        Path moment = copy(dir, "moment");
        Path mk = edit(moment, Map.of("optim/exp_avg/set_encoder.pool.weight", NdArray.of(new float[3], 3)));
        String shape = refused(resume(moment), mk + ": optim/exp_avg/set_encoder.pool.weight has shape [3]").err;
        Path png = dir.resolve("f.png");
        Path w = dir.resolve("w.npz");
        for (Object[] c : new Object[][] {{neg, negative}, {big, beyond}, {moment, shape}}) {
            String run = c[0].toString();
            String line = (String) c[1];
            for (String[] args : new String[][] {
                {"eval", "mnist", "--checkpoint", run, "--threads", "2", "--backend", "cpu"},
                {"export-weights", "--checkpoint", run, "--out", w.toString()},
                {"show", "mnist", "--checkpoint", run, "--out", png.toString(), "--threads", "2", "--backend", "cpu"},
                {"show", "mnist", "--checkpoint", fixture.toString(), "--baseline", run, "--out", png.toString(), "--threads",
                    "2", "--backend", "cpu"}}) {
                assertEquals(line, refused(args).err, String.join(" ", args));
            }
        }
        assertFalse(Files.exists(png) || Files.exists(w));
        // a consistent position later in an epoch is accepted: rng/step = 1 epoch of 2 batches + 0
        Path later = copy(dir, "later");
        edit(later, Map.of("rng/epoch", NdArray.of(new long[] {1}, 1), "rng/batch", NdArray.of(new long[] {0}, 1)));
        Result ok = run("eval", "mnist", "--checkpoint", later.toString(), "--threads", "2", "--backend", "cpu");
        assertEquals(0, ok.rc, ok.err);
    }

    @Test
    void aRunOfAnotherTaskIsNamedByItsModel() {
        // a run of another task: its checkpoint's model is named, not the fields its run.json lacks for this task
        refused(new String[] {"eval", "clevr-box", "--checkpoint", fixture.toString()},
                "--checkpoint " + fixture.resolve("checkpoint.npz") + " holds a mnist model, not clevr-box");
        refused(new String[] {"eval", "clevr-state", "--checkpoint", fixture.toString()}, "holds a mnist model, not clevr-state");
    }

    @Test
    void evalAndShowOnTheRunsDataRefuseDataThatChangedSinceItRan(@TempDir Path dir) throws IOException {
        Path data = Files.createDirectories(dir.resolve("mnist"));
        Path bundled = org.dspn4j.data.mnist.MnistDataset.bundledDirectory();
        try (Stream<Path> files = Files.list(bundled)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".gz")).toList()) {
                Files.copy(f, data.resolve(f.getFileName()));
            }
        }
        Path run = dir.resolve("run");
        assertEquals(0, run(with(TINY, "train", "mnist", "--steps", "1", "--data-dir", data.toString(), "--out",
                run.toString())).rc);
        // the test digits replaced by the training ones: other digits under the same names
        for (String kind : new String[] {"images-idx3", "labels-idx1"}) {
            Files.copy(bundled.resolve("train-" + kind + "-ubyte.gz"), data.resolve("t10k-" + kind + "-ubyte.gz"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        refused(new String[] {"eval", "mnist", "--checkpoint", run.toString()}, run.resolve("run.json")
                + ": the run's test data changed since it ran (sha256 recorded ", "give --data-dir to evaluate on them as they are now");
        refused(new String[] {"show", "mnist", "--checkpoint", run.toString(), "--out", dir.resolve("fig.png").toString()},
                run.resolve("run.json") + ": the run's test data changed since it ran");
        assertFalse(Files.exists(dir.resolve("fig.png")));
        Result now = run("eval", "mnist", "--checkpoint", run.toString(), "--data-dir", data.toString(), "--threads", "2");
        assertEquals(0, now.rc, now.err);
        assertTrue(now.out.contains("test_last "), now.out);
    }

    @Test
    void anExportGoesIntoANewOrEmptyFolder(@TempDir Path dir) throws IOException {
        // an export into a folder that holds anything (an earlier export, a run) is refused before evaluating
        Path earlier = Files.createDirectories(dir.resolve("export").resolve("detections"));
        Files.writeString(earlier.resolve("99.txt"), "box 1 0 0\n");
        refused(new String[] {"eval", "mnist", "--checkpoint", fixture.toString(), "--export", earlier.getParent().toString()},
                "--export " + earlier.getParent() + " already holds detections/99.txt; give a new or empty folder");
        try (Stream<Path> left = Files.list(earlier)) {
            assertEquals(java.util.List.of("99.txt"), left.map(p -> p.getFileName().toString()).toList());
        }
        refused(new String[] {"eval", "mnist", "--checkpoint", fixture.toString(), "--export", fixture.toString()},
                "--export " + fixture + " already holds ", "checkpoint.npz", "; give a new or empty folder");
    }

    @Test
    void nothingButTrainWritesIntoARunFolder(@TempDir Path dir) throws IOException {
        // no output file goes into a run folder, the run's records least of all (here a copy of the fixture run)
        Path other = copy(dir, "other-run");
        Map<String, byte[]> records = new LinkedHashMap<>();
        for (String name : new String[] {"run.json", "metrics.jsonl", "checkpoint.npz"}) {
            records.put(name, Files.readAllBytes(other.resolve(name)));
        }
        String held = other.toAbsolutePath() + " is a run folder (it holds run.json); write outside it";
        refused(new String[] {"show", "mnist", "--checkpoint", fixture.toString(), "--out", other.resolve("run.json").toString()},
                "--out " + other.resolve("run.json") + ": " + held);
        refused(new String[] {"show", "mnist", "--checkpoint", fixture.toString(), "--curves",
            other.resolve("metrics.jsonl").toString()}, "--curves " + other.resolve("metrics.jsonl") + ": " + held);
        refused(new String[] {"show", "mnist", "--checkpoint", fixture.toString(), "--out", other.resolve("fig.png").toString()},
                held);
        refused(new String[] {"export-weights", "--checkpoint", fixture.toString(), "--out",
            other.resolve("checkpoint.npz").toString()}, "--out " + other.resolve("checkpoint.npz") + ": " + held);
        for (Map.Entry<String, byte[]> kept : records.entrySet()) {
            assertTrue(java.util.Arrays.equals(kept.getValue(), Files.readAllBytes(other.resolve(kept.getKey()))), kept.getKey());
        }
        assertFalse(Files.exists(other.resolve("fig.png")));
        // nor an export, a new run, a grid
        java.util.List<String> entries;
        try (Stream<Path> in = Files.list(other)) {
            entries = in.map(p -> p.getFileName().toString()).sorted().toList();
        }
        refused(new String[] {"eval", "mnist", "--checkpoint", fixture.toString(), "--export", other.resolve("exp").toString()},
                "--export " + other.resolve("exp") + ": " + held);
        refused(with(TINY, "train", "mnist", "--steps", "1", "--out", other.resolve("inner").toString()),
                "--out " + other.resolve("inner") + ": " + other.toAbsolutePath() + " is a run folder (it holds run.json); "
                + "give the run a folder of its own");
        refused(with(TINY, "repeat", "--seeds", "1", "--out", other.toString(), "--", "train", "mnist", "--steps", "1"),
                "--out: " + other.toAbsolutePath() + " is a run folder (it holds run.json); give the grid a folder of its own");
        refused(with(TINY, "repeat", "--seeds", "1", "--out", other.resolve("g").toString(), "--", "train", "mnist", "--steps", "1"),
                "--out: " + other.toAbsolutePath().resolve("g") + " is inside a run folder, " + other.toAbsolutePath()
                + " (it holds run.json); give the grid a folder of its own");
        try (Stream<Path> left = Files.list(other)) {
            assertEquals(entries, left.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void aMalformedRunJsonBesideACheckpointIsNamedWithItsField(@TempDir Path dir) throws IOException {
        String[][] bad = {
            {"{\"config\": {\"batch\": \"two\", \"data\": {}}}", "config.batch must be an integer, got \"two\""},
            {"{\"config\": {\"batch\": 2, \"data\": {\"kind\": \"generated\"}}}", "config.data: synth_cache must be a non-empty string"},
            {"{\"config\": {\"batch\": 2, \"data\": {\"kind\": \"clevr\", \"root\": \"/x\", \"image_size\": \"big\"}}}",
                "config.data: image_size must be an integer"},
            {"{\"config\": [1, 2]}", "config must be a JSON object"},
            {"{\"config\": {\"batch\": 2,", "malformed JSON at line 1"},
        };
        // a clevr-box model (the checked task's), so that the run.json beside it is what is refused
        Path weights = dir.resolve("clevr-box.npz");
        assertEquals(0, run("export-weights", "--model", "clevr-box", "--latent", "4", "--hidden", "8", "--out",
                weights.toString()).rc);
        for (int i = 0; i < bad.length; i++) {
            Path run = Files.createDirectories(dir.resolve("run" + i));
            Path ck = Files.createLink(run.resolve("checkpoint.npz"), weights);
            Path json = run.resolve("run.json");
            Files.writeString(json, bad[i][0]);
            refused(new String[] {"eval", "clevr-box", "--checkpoint", ck.toString()}, json.toString(), bad[i][1]);
        }
    }

    @Test
    void clevrSceneFileErrorsAndEmptySplitsAreOneLineNamingTheFile(@TempDir Path dir) throws IOException {
        Path data = twoSceneClevr(dir);
        Path scenes = data.resolve("scenes").resolve("CLEVR_train_scenes.json");
        String json = Files.readString(scenes);
        String[] train = tinyClevrTrain(data);
        Files.writeString(scenes, json.substring(0, json.length() / 2)); // truncated
        refused(with(new String[] {dir.resolve("r1").toString()}, train), scenes.toString());
        Files.writeString(scenes, json.replace("\"3d_coords\"", "\"3d_coordinates\""));
        refused(with(new String[] {dir.resolve("r2").toString()}, train), scenes.toString());
        Files.writeString(scenes, json);
        String[] batch3 = with(new String[] {dir.resolve("r3").toString()}, train);
        batch3[java.util.Arrays.asList(batch3).indexOf("--batch") + 1] = "3";
        Result ok = run(batch3);
        assertEquals(2, ok.rc, ok.err);
        assertTrue(ok.err.contains("the train split has 2 scenes, fewer than one batch of 3"), ok.err);
        assertFalse(Files.exists(dir.resolve("r1")) || Files.exists(dir.resolve("r2")) || Files.exists(dir.resolve("r3")));

        // a missing or corrupt image is found before training starts, and nothing is written
        Path image;
        try (var images = Files.list(data.resolve("images").resolve("train"))) {
            image = images.sorted().findFirst().orElseThrow();
        }
        byte[] png = Files.readAllBytes(image);
        Files.delete(image);
        // (--full-eval: the default evaluates the first tenth of val, no batch of these two scenes)
        String[] full = with(new String[] {"--full-eval", "--out"}, java.util.Arrays.copyOf(train, train.length - 1));
        refused(with(new String[] {dir.resolve("r4").toString()}, full), image.toString(), "no such file");
        byte[] corrupt = png.clone();
        corrupt[20] ^= 0x40; // inside IHDR: its checksum no longer matches
        Files.write(image, corrupt);
        refused(with(new String[] {dir.resolve("r5").toString()}, full), image.toString(), "scene 0");
        assertFalse(Files.exists(dir.resolve("r4")) || Files.exists(dir.resolve("r5")));
    }

    /**
     * An image that passes the file checks made when the data are loaded but cannot be decoded when its
     * batch is read: one line naming it, and the run folder the start made is gone again (it used to
     * keep run.json, so that the same command was then refused and --resume found no checkpoint).
     */
    @Test
    void anImageThatFailsOnlyWhenDecodedLeavesNoRunFolder(@TempDir Path dir) throws IOException {
        Path data = twoSceneClevr(dir);
        Path image = data.resolve("images").resolve("val").resolve("CLEVR_val_000001.png");
        Files.write(image, damagedPixelData(Files.readAllBytes(image)));
        String[] train = tinyClevrTrain(data);
        String[] full = with(new String[] {"--full-eval", "--out"}, java.util.Arrays.copyOf(train, train.length - 1));
        Path out = dir.resolve("run");
        refused(with(new String[] {out.toString()}, full), image + ": cannot decode the PNG data");
        assertFalse(Files.exists(out), "no run folder left");
    }

    /** A PNG whose first IDAT chunk's compressed data are damaged, its CRC recomputed: only the decoder notices. */
    static byte[] damagedPixelData(byte[] png) {
        ByteBuffer b = ByteBuffer.wrap(png.clone());
        for (int at = 8; at + 12 <= png.length; ) {
            int length = b.getInt(at);
            if (b.getInt(at + 4) == 0x49444154) { // "IDAT"
                for (int i = at + 8 + 2; i < at + 8 + Math.min(length, 64); i++) {
                    b.put(i, (byte) (b.get(i) ^ 0x5a));
                }
                java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                crc.update(b.array(), at + 4, 4 + length);
                b.putInt(at + 8 + length, (int) crc.getValue());
                return b.array();
            }
            at += 12 + length;
        }
        throw new AssertionError("no IDAT chunk");
    }

    @Test
    void anMnistTrainingSplitWithoutImagesIsRefused(@TempDir Path dir) throws IOException {
        Path data = dir.resolve("mnist");
        Files.createDirectories(data);
        for (String split : new String[] {"train", "t10k"}) {
            Files.write(data.resolve(split + "-images-idx3-ubyte"), ByteBuffer.allocate(16).putInt(2051).putInt(0).putInt(28)
                    .putInt(28).array());
            Files.write(data.resolve(split + "-labels-idx1-ubyte"), ByteBuffer.allocate(8).putInt(2049).putInt(0).array());
        }
        Path out = dir.resolve("run");
        refused(with(TINY, "train", "mnist", "--data-dir", data.toString(), "--out", out.toString()), "--data-dir " + data,
                "the training split has 0 digits");
        assertFalse(Files.exists(out));
    }

    @Test
    void aFullDiskIsNamedWithTheFile(@TempDir Path dir) throws IOException {
        assumeTrue(Files.exists(Path.of("/dev/full")), "no /dev/full on this system");
        Path export = dir.resolve("export");
        Files.createDirectories(export.resolve("detections"));
        Path full = export.resolve("detections").resolve("0.txt");
        Files.createSymbolicLink(full, Path.of("/dev/full"));
        refused(new String[] {"eval", "mnist", "--checkpoint", fixture.resolve("checkpoint.npz").toString(), "--export",
            export.toString(), "--threads", "2"}, full + ": No space left on device");
    }

    @Test
    void debugAddsTheStackTraceAndAnInternalErrorIsOneLineWithExitCode1() {
        Result r = run("--debug", "eval", "mnist", "--checkpoint", "/no/such.npz");
        assertEquals(2, r.rc);
        assertTrue(r.err.startsWith("dspn4j: --checkpoint /no/such.npz: no such file\n") && r.err.contains("\tat "), r.err);
        Result late = run("eval", "mnist", "--checkpoint", "/no/such.npz", "--debug");
        assertTrue(late.err.contains("\tat "), "--debug after the command too: " + late.err);

        StringWriter w = new StringWriter();
        int rc = Main.report(new NullPointerException(), new PrintWriter(w), false);
        assertEquals(1, rc);
        String line = w.toString();
        assertTrue(line.startsWith("dspn4j: java.lang.NullPointerException at ") && line.contains("an internal error")
                && line.indexOf('\n') == line.length() - 1, line);
        StringWriter w2 = new StringWriter();
        assertEquals(2, Main.report(new java.nio.file.NoSuchFileException("/a/b.npz"), new PrintWriter(w2), false));
        assertEquals("dspn4j: /a/b.npz: no such file or folder\n", w2.toString().replace("\r", ""));
        StringWriter w3 = new StringWriter();
        Main.report(new IllegalArgumentException("weights do not fit the model:\n  missing (1): x\n  unknown (1): y"),
                new PrintWriter(w3), false);
        assertEquals("dspn4j: weights do not fit the model:; missing (1): x; unknown (1): y\n", w3.toString().replace("\r", ""));
    }

    /** An OpenCL arena too small for the workload is the user's setting to change, not a bug: one line naming --arena-mb. */
    @Test
    void anExhaustedArenaNamesTheOptionThatSizesIt() {
        org.dspn4j.gpu.ClArena arena = new org.dspn4j.gpu.ClArena(0, 1024, 16);
        arena.alloc(1000);
        RuntimeException full = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> arena.alloc(100));
        StringWriter w = new StringWriter();
        assertEquals(2, Main.report(full, new PrintWriter(w), false));
        String line = w.toString().replace("\r", "");
        assertTrue(line.startsWith("dspn4j: OpenCL arena exhausted: asked for 100 floats") && line.contains("--arena-mb (at most 8176)")
                && !line.contains("internal error") && line.indexOf('\n') == line.length() - 1, line);
    }

    /**
     * An arena larger than the heap that mirrors it (or than the device's largest buffer) is the user's --arena-mb,
     * not a bug: exit code 2 and one line naming the option, refused before any device memory is taken.
     */
    @Test
    void anArenaTooLargeForTheHeapIsBadInputNamingTheOption() {
        assumeTrue(org.dspn4j.gpu.SharedEngine.available(), "no OpenCL platform with a device");
        long floats = org.dspn4j.gpu.ClEngine.MAX_ARENA_FLOATS;
        assumeTrue(4 * floats > Runtime.getRuntime().maxMemory(), "the heap holds the largest arena");
        RuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> org.dspn4j.gpu.ClEngine.open(org.dspn4j.gpu.DeviceSelector.auto(), floats, 1 << 20));
        StringWriter w = new StringWriter();
        assertEquals(2, Main.report(e, new PrintWriter(w), false), w.toString());
        String line = w.toString().replace("\r", "");
        assertTrue(line.contains("--arena-mb") && !line.contains("internal error") && line.indexOf('\n') == line.length() - 1,
                line);
    }

    /**
     * An output path that names a device, a pipe or a socket (/dev/null, /dev/stdout) is refused: writing the
     * figure or the .npz put a regular file in its place (as root, /dev/null itself). A socket stands for them
     * here: it needs no privileges to make.
     */
    @Test
    void anOutputThatIsNoRegularFileIsRefusedAndLeftAsItWas(@TempDir Path dir) throws IOException {
        Path sock = dir.resolve("sock");
        try (java.nio.channels.ServerSocketChannel ch = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.bind(java.net.UnixDomainSocketAddress.of(sock));
            String ck = fixture.toString();
            String s = sock.toString();
            refused(new String[] {"show", "mnist", "--checkpoint", ck, "--backend", "cpu", "--out", s}, "--out " + s,
                    "not a regular file");
            refused(new String[] {"show", "mnist", "--checkpoint", ck, "--curves", s}, "--curves " + s, "not a regular file");
            refused(new String[] {"export-weights", "--checkpoint", ck, "--out", s}, "--out " + s, "not a regular file");
            refused(new String[] {"trace", "--model", "mnist", "--backend", "cpu", "--input",
                Path.of("golden", "roundtrip", "mnist_dspn_input.npz").toString(), "--out", s}, "--out " + s, "not a regular file");
            refused(new String[] {"import-torch", Path.of("src", "test", "resources", "torch", "state_dict_zip.pt").toString(),
                "--force", "--out", s}, "--out " + s, "not a regular file");
            assertTrue(Files.exists(sock, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(sock),
                    "the socket was replaced");
        }
    }

    /**
     * A malformed JSON file (run.json, metrics.jsonl, a CLEVR scene file) is named with what is wrong in it, once,
     * in the project's words: the JSON parser's source excerpt ("[Source: REDACTED (`StreamReadFeature...` disabled)")
     * and its advice to enable one of its features used to be quoted, the run.json case twice.
     */
    @Test
    void malformedJsonIsNamedWithoutTheParsersInternals(@TempDir Path dir) throws IOException {
        Path run = copy(dir, "run");
        Path json = run.resolve("run.json");
        String text = Files.readString(json);
        String[] eval = {"eval", "mnist", "--checkpoint", run.toString(), "--backend", "cpu"};
        Files.writeString(json, text.replaceFirst("\"lr\" : [0-9.eE-]+", "\"lr\" : NaN"));
        inOwnWords(refused(eval, json.toString(), "Non-standard token 'NaN'"), "Non-standard token 'NaN'");
        Files.writeString(json, text.substring(0, text.indexOf("\"lr\"") + 3));
        inOwnWords(refused(eval, json.toString(), "Unexpected end-of-input"), "Unexpected end-of-input");
        Files.writeString(json, text);
        Path metrics = run.resolve("metrics.jsonl");
        Files.writeString(metrics, "{\"step\": 3, \"train_loss\": NaN}\n", java.nio.file.StandardOpenOption.APPEND);
        inOwnWords(refused(new String[] {"show", "mnist", "--checkpoint", run.toString(), "--curves",
            dir.resolve("c.png").toString()}, metrics.toString(), "Non-standard token 'NaN'"), "Non-standard token 'NaN'");

        Path data = twoSceneClevr(dir);
        Path scenes = data.resolve("scenes").resolve("CLEVR_train_scenes.json");
        String sj = Files.readString(scenes);
        String[] train = with(new String[] {dir.resolve("r").toString()}, tinyClevrTrain(data));
        Files.writeString(scenes, sj.replaceFirst("\"3d_coords\":\\[", "\"3d_coords\":[NaN,"));
        inOwnWords(refused(train, scenes.toString(), "Non-standard token 'NaN'"), "Non-standard token 'NaN'");
        Files.writeString(scenes, sj.substring(0, sj.indexOf("\"3d_coords\":[") + 16)); // inside an array
        inOwnWords(refused(train, scenes.toString(), "expected close marker for Array (start marker at line 1, column "),
                "expected close marker");
        assertFalse(Files.exists(dir.resolve("r")));
    }

    /** A metrics.jsonl line that is not UTF-8 is named by its line, alike in summarise, show --curves/--compare and resume. */
    @Test
    void aMetricsLineThatIsNotUtf8IsNamedByItsLine(@TempDir Path dir) throws IOException {
        Path run = copy(dir, "run");
        Path metrics = run.resolve("metrics.jsonl");
        int line = Files.readAllLines(metrics).size() + 1;
        Files.write(metrics, new byte[] {(byte) 0xc3, 0x28, '\n'}, java.nio.file.StandardOpenOption.APPEND);
        String problem = metrics + ": line " + line + " is not UTF-8 text";
        inOwnWords(refused(new String[] {"summarise", run.toString()}, problem, "0xc3"), "not UTF-8");
        refused(new String[] {"show", "mnist", "--checkpoint", fixture.toString(), "--curves", dir.resolve("c.png").toString(),
            "--compare", run.toString()}, problem);
        refused(new String[] {"show", "mnist", "--checkpoint", run.toString(), "--curves", dir.resolve("c.png").toString()},
            problem);
        refused(resume(run), problem);
        assertFalse(Files.exists(dir.resolve("c.png")));
    }

    /** A CLEVR folder of two generated val scenes (no train split). */
    private static Path twoValScenes(Path dir) {
        Path data = dir.resolve("clevr");
        assertEquals(0, run("synth", "clevr", "--scenes", "2", "--split", "val", "--seed", "3", "--threads", "1", "--out",
                data.toString()).rc);
        return data;
    }

    /** A seeded clevr-box model at the smallest sizes, as export-weights writes it. */
    private static Path tinyClevrBox(Path dir) {
        Path weights = dir.resolve("clevr-box.npz");
        assertEquals(0, run("export-weights", "--model", "clevr-box", "--latent", "4", "--hidden", "8", "--out",
                weights.toString()).rc);
        return weights;
    }

    /** A CLEVR folder of two generated scenes in each of train and val. */
    private static Path twoSceneClevr(Path dir) {
        Path data = dir.resolve("clevr");
        for (String split : new String[] {"train", "val"}) {
            assertEquals(0, run("synth", "clevr", "--scenes", "2", "--split", split, "--seed", "3", "--threads", "1", "--out",
                    data.toString()).rc);
        }
        return data;
    }

    /** A one-step clevr-box training on {@code data} at the smallest sizes, ending in {@code --out} (its value to add). */
    private static String[] tinyClevrTrain(Path data) {
        return new String[] {"train", "clevr-box", "--data-dir", data.toString(), "--image-size", "65", "--batch", "2", "--steps",
            "1", "--latent", "8", "--hidden", "8", "--iters", "1", "--threads", "2", "-q", "--backend", "cpu", "--out"};
    }

    /** A refusal without the JSON parser's own words, saying {@code problem} once. */
    private static void inOwnWords(Result r, String problem) {
        assertFalse(r.err.contains("`") || r.err.contains("Source:") || r.err.contains("Feature"), r.err);
        assertEquals(r.err.indexOf(problem), r.err.lastIndexOf(problem), "said twice: " + r.err);
    }

    /** A checkpoint that is no zip archive (empty, cut short, another file) is named as such, in the project's words. */
    @Test
    void aCheckpointThatIsNoZipArchiveIsNamedWithoutJavasExceptionNames(@TempDir Path dir) throws IOException {
        byte[] ck = Files.readAllBytes(fixture.resolve("checkpoint.npz"));
        Path empty = Files.write(dir.resolve("empty.npz"), new byte[0]);
        Path cut = Files.write(dir.resolve("cut.npz"), java.util.Arrays.copyOf(ck, ck.length / 2));
        for (Path p : new Path[] {empty, cut}) {
            Result r = refused(new String[] {"eval", "mnist", "--checkpoint", p.toString(), "--backend", "cpu"}, p.toString(),
                    "not a readable zip archive");
            assertFalse(r.err.contains("java.") || r.err.contains("null"), r.err);
        }
        Path run = copy(dir, "run");
        Files.write(run.resolve("checkpoint.npz"), java.util.Arrays.copyOf(ck, ck.length / 2));
        Result r = refused(resume(run), run.resolve("checkpoint.npz").toString(), "not a readable zip archive");
        assertFalse(r.err.contains("java."), r.err);
    }

    /**
     * Evaluated data without one full batch is refused naming the data, the evaluated count and --batch (and
     * --full where it would help): show mnist failed with an internal error (an index out of bounds), eval and
     * show clevr named neither the data nor an option.
     */
    @Test
    void evaluatedDataSmallerThanABatchNamesTheDataAndTheOptions(@TempDir Path dir) throws IOException {
        String ck = fixture.toString();
        refused(new String[] {"show", "mnist", "--checkpoint", ck, "--backend", "cpu", "--batch", "200", "--out",
            dir.resolve("f.png").toString()}, "the bundled MNIST subset: the 100 test digits", "--batch of 200");
        refused(new String[] {"eval", "mnist", "--checkpoint", ck, "--backend", "cpu", "--batch", "200"},
                "the bundled MNIST subset: the 100 evaluated test digits", "--full", "--batch of 200");
        assertFalse(Files.exists(dir.resolve("f.png")));

        Path data = twoValScenes(dir);
        Path weights = tinyClevrBox(dir);
        String[] clevr = {"--checkpoint", weights.toString(), "--data-dir", data.toString(), "--batch", "2", "--backend", "cpu"};
        refused(with(clevr, "eval", "clevr-box"), data + ": the 0 evaluated val scenes", "--full", "--batch of 2");
        refused(with(clevr, "show", "clevr-box", "--out", dir.resolve("g.png").toString()), data + ": the 0 val scenes",
                "--batch of 2");
    }

    /**
     * eval and show evaluate what the run evaluated (its full_eval, unless --full or --no-full says otherwise), and eval
     * says which images: eval used to average the first tenth after a --full-eval run, and show refused a run on a few
     * val scenes whose first tenth holds no batch.
     */
    @Test
    void evalAndShowEvaluateWhatTheRunEvaluated(@TempDir Path dir) throws IOException {
        Path mnist = dir.resolve("mnist-full");
        assertEquals(0, run(with(TINY, "train", "mnist", "--steps", "1", "--full-eval", "--out", mnist.toString())).rc);
        java.util.List<String> lines = Files.readAllLines(mnist.resolve("metrics.jsonl"));
        double finalLoss = org.dspn4j.experiment.RunRecord.numbers(lines.get(lines.size() - 1)).get("test_loss");
        String[] eval = {"eval", "mnist", "--checkpoint", mnist.toString(), "--threads", "2", "--backend", "cpu"};
        Result all = run(eval);
        assertEquals(0, all.rc, all.err);
        assertTrue(all.out.contains(String.format(java.util.Locale.ROOT, "test_loss %.6f%n", finalLoss)), finalLoss + "\n" + all.out);
        assertTrue(all.out.contains(" on 1000 test images of the bundled MNIST subset: all of the test split (the run's "
                + "full_eval true, from " + mnist.resolve("run.json") + "), batch 4\n") && all.out.contains("images 1000\n"), all.out);
        Result tenth = run(with(new String[] {"--no-full"}, eval));
        assertEquals(0, tenth.rc, tenth.err);
        assertTrue(tenth.out.contains(": the first tenth of the test split (--no-full), batch 4\n")
                && tenth.out.contains("images 100\n"), tenth.out);
        Result given = run("eval", "mnist", "--checkpoint", fixture.toString(), "--full", "--threads", "2", "--backend", "cpu");
        assertTrue(given.rc == 0 && given.out.contains(": all of the test split (--full), batch 4\n"), given.out + given.err);
        // 1000 digits hold a batch of 200, their first tenth does not
        Path f = dir.resolve("f.png");
        Result shown = run("show", "mnist", "--checkpoint", mnist.toString(), "--batch", "200", "--out", f.toString(),
                "--threads", "2", "--backend", "cpu");
        assertEquals(0, shown.rc, shown.err);
        assertTrue(Files.isRegularFile(f));

        Path data = twoSceneClevr(dir);
        String[] train = tinyClevrTrain(data);
        Path clevr = dir.resolve("clevr-full");
        assertEquals(0, run(with(new String[] {"--full-eval", "--out", clevr.toString()},
                java.util.Arrays.copyOf(train, train.length - 1))).rc);
        Path g = dir.resolve("g.png");
        Result box = run("show", "clevr-box", "--checkpoint", clevr.toString(), "--out", g.toString(), "--threads", "2",
                "--backend", "cpu");
        assertEquals(0, box.rc, box.err);
        assertTrue(Files.isRegularFile(g));
        // another --out: g.png, now there, is written over only with --force
        refused(new String[] {"show", "clevr-box", "--checkpoint", clevr.toString(), "--out", dir.resolve("g2.png").toString(), "--no-full",
            "--backend", "cpu"}, data + ": the 0 val scenes the figure is drawn from", "--full evaluates all of it");
        Result ev = run("eval", "clevr-box", "--checkpoint", clevr.toString(), "--iters", "1", "--threads", "2", "--backend", "cpu");
        assertEquals(0, ev.rc, ev.err);
        assertTrue(ev.out.contains(" on 2 val images of CLEVR " + data + ": all of val (the run's full_eval true"), ev.out);
    }

    /** show's options for the paper's figure are refused without --out, as --compare is without --curves (they were ignored). */
    @Test
    void showRefusesFigureOptionsWithoutOut(@TempDir Path dir) {
        Path c = dir.resolve("c.png");
        String ck = fixture.toString();
        refused(new String[] {"show", "mnist", "--checkpoint", ck, "--curves", c.toString(), "--baseline", ck},
                "--baseline", "it needs --out");
        refused(new String[] {"show", "mnist", "--checkpoint", ck, "--curves", c.toString(), "--rows", "3"},
                "--rows", "it needs --out");
        assertFalse(Files.exists(c));
    }

    /** Sizes whose tensors cannot exist (more than 2^31-1 elements) are refused naming the size options, not a shape alone. */
    @Test
    void sizesTooLargeForATensorNameTheirOptions(@TempDir Path dir) {
        Path out = dir.resolve("run");
        refused(new String[] {"train", "mnist", "--latent", "4", "--hidden", "50000", "--iters", "1", "--batch", "4", "-q",
            "--threads", "2", "--backend", "cpu", "--steps", "1", "--out", out.toString()}, "--hidden 50000", "--latent 4",
                "--batch 4", "shape (50000, 50000, 1)");
        assertFalse(Files.exists(out));
        Path w = dir.resolve("w.npz");
        refused(new String[] {"export-weights", "--set-size", "2000000000", "--out", w.toString()}, "--set-size 2000000000",
                "shape (1, 2, 2000000000)");
        refused(new String[] {"export-weights", "--latent", "2000000000", "--out", w.toString()}, "--latent 2000000000");
        assertFalse(Files.exists(w));
    }

    /** A folder or a device given where a file is read is named as what it is, not as missing. */
    @Test
    void aFolderOrADeviceForAnInputFileIsNotCalledMissing(@TempDir Path dir) {
        refused(new String[] {"import-torch", dir.toString(), "--out", dir.resolve("w.npz").toString()}, dir.toString(),
                "a folder, not a torch.save file");
        Path devNull = Path.of("/dev/null");
        assumeTrue(Files.exists(devNull));
        refused(new String[] {"inspect", devNull.toString()}, "/dev/null: not a regular file");
        refused(new String[] {"import-torch", devNull.toString(), "--out", dir.resolve("w.npz").toString()},
                "/dev/null: not a regular file");
    }

    /**
     * export-weights writes over an existing --out only with --force: a checkpoint or a shipped model kept outside
     * a run folder (models/) was replaced by an initialisation's weights without a word.
     */
    @Test
    void exportWeightsWritesOverAnExistingFileOnlyWithForce(@TempDir Path dir) throws IOException {
        Path kept = dir.resolve("model.npz");
        Files.copy(fixture.resolve("checkpoint.npz"), kept);
        byte[] before = Files.readAllBytes(kept);
        refused(new String[] {"export-weights", "--latent", "4", "--hidden", "8", "--out", kept.toString()},
                "--out " + kept, "exists", "--force");
        assertArrayEquals(before, Files.readAllBytes(kept));
        Result r = run("export-weights", "--latent", "4", "--hidden", "8", "--force", "--out", kept.toString());
        assertEquals(0, r.rc, r.err);
        assertFalse(java.util.Arrays.equals(before, Files.readAllBytes(kept)));
    }

    /** An earlier trace is a record an audit compares with: trace writes over it only with --force. */
    @Test
    void traceWritesOverAnExistingFileOnlyWithForce(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("in.npz");
        Npz.write(in, Map.of("target_set", NdArray.of(new double[20], 2, 2, 5), "target_mask", NdArray.of(new double[10], 2, 5)));
        Path kept = dir.resolve("trace.npz");
        Files.writeString(kept, "an earlier trace");
        String[] args = {"trace", "--model", "mnist", "--iters", "1", "--input", in.toString(),
            "--out", kept.toString()};
        refused(args, "--out " + kept, "exists", "--force");
        assertEquals("an earlier trace", Files.readString(kept));
        String[] forced = java.util.Arrays.copyOf(args, args.length + 1);
        forced[args.length] = "--force";
        Result r = run(forced);
        assertEquals(0, r.rc, r.err);
        assertTrue(Npz.read(kept).containsKey("outer_loss"));
    }

    /** A file that fails to read (an I/O error; /proc/self/mem gives one at offset 0) is named with the error. */
    @Test
    void aReadErrorNamesTheFile(@TempDir Path dir) {
        Path mem = Path.of("/proc/self/mem");
        assumeTrue(Files.isRegularFile(mem));
        refused(new String[] {"inspect", mem.toString()}, mem + ": cannot be read");
        refused(new String[] {"import-torch", mem.toString(), "--out", dir.resolve("w.npz").toString()}, mem + ": cannot be read");
    }

    /**
     * A read error in a file of a run, a grid, a data set or an export names that file: the line was the bare
     * "Input/output error". Each file here is a link to /proc/self/mem, which fails with one on the first read.
     */
    @Test
    void aReadErrorInARunGridDataOrExportFileNamesIt(@TempDir Path dir) throws IOException {
        Path mem = Path.of("/proc/self/mem");
        assumeTrue(Files.isRegularFile(mem));
        Path run = copy(dir, "run");
        Path runJson = run.resolve("run.json");
        Files.delete(runJson);
        Files.createSymbolicLink(runJson, mem);
        refused(new String[] {"eval", "mnist", "--checkpoint", run.toString(), "--backend", "cpu"}, runJson + ": ");
        refused(new String[] {"summarise", run.toString()}, runJson + ": ");
        Path other = copy(dir, "other");
        Path metrics = other.resolve("metrics.jsonl");
        Files.delete(metrics);
        Files.createSymbolicLink(metrics, mem);
        refused(new String[] {"summarise", other.toString()}, metrics + ": ");
        Path grid = Files.createDirectories(dir.resolve("grid"));
        Files.createSymbolicLink(grid.resolve("grid.json"), mem);
        refused(new String[] {"summarise", "--grid", grid.toString()}, grid.resolve("grid.json") + ": ");

        Path mnist = Files.createDirectories(dir.resolve("mnist"));
        Path images = mnist.resolve("t10k-images-idx3-ubyte");
        Files.createSymbolicLink(images, mem);
        Files.write(mnist.resolve("t10k-labels-idx1-ubyte"), new byte[] {0, 0, 8, 1, 0, 0, 0, 0});
        refused(new String[] {"eval", "mnist", "--checkpoint", fixture.toString(), "--backend", "cpu", "--data-dir",
            mnist.toString()}, images + ": ");

        Path det = Files.createDirectories(dir.resolve("export").resolve("detections"));
        Path gt = Files.createDirectories(dir.resolve("export").resolve("groundtruths"));
        Files.writeString(gt.resolve("0.txt"), "box 0.1 0.1 0.2 0.2 1.0\n");
        Files.createSymbolicLink(det.resolve("0.txt"), mem);
        Result r = run("ap", "--task", "box", "--detections", det.toString(), "--groundtruths", gt.toString());
        assertEquals(2, r.rc, r.err);
        assertTrue(r.err.contains(det.resolve("0.txt") + ": "), r.err);
    }

    /**
     * A figure that cannot be created is one line naming it: ImageIO's file output printed the stack trace of the
     * file it could not open (as in a folder without write permission; /proc/self takes no new file even from root)
     * and then failed with "Can't create an ImageOutputStream!".
     */
    @Test
    void aFigureThatCannotBeCreatedIsOneLineWithoutAStackTrace() {
        Path proc = Path.of("/proc/self");
        assumeTrue(Files.isDirectory(proc));
        Path fig = proc.resolve("fig.png");
        Result r = refused(new String[] {"show", "mnist", "--checkpoint", fixture.toString(), "--backend", "cpu", "--out",
            fig.toString()}, fig + ": ");
        assertFalse(r.err.contains("ImageOutputStream"), r.err);
        Result c = refused(new String[] {"show", "mnist", "--checkpoint", fixture.toString(), "--curves", fig.toString()},
                fig + ": ");
        assertFalse(c.err.contains("ImageOutputStream"), c.err);
    }

    /** An .npz that cannot be created is named as given, not by the temporary file it is first written to. */
    @Test
    void anNpzThatCannotBeCreatedIsNamedAsGiven() {
        Path proc = Path.of("/proc/self");
        assumeTrue(Files.isDirectory(proc));
        Path w = proc.resolve("w.npz");
        Result r = refused(new String[] {"export-weights", "--latent", "4", "--hidden", "8", "--out", w.toString()}, w + ": ");
        assertFalse(r.err.contains(".tmp"), r.err);
    }

    /**
     * A resume whose metrics.jsonl cannot be written is refused before anything is written: run.json took a
     * resume entry, then the first step failed to log. The file is made read-only, and immutable (chattr +i)
     * where the tests run as root, whom permissions do not stop.
     */
    @Test
    void aResumeThatCannotLogLeavesTheRunAsItWas(@TempDir Path dir) throws Exception {
        Path run = copy(dir, "run");
        Path metrics = run.resolve("metrics.jsonl");
        byte[] json = Files.readAllBytes(run.resolve("run.json"));
        byte[] lines = Files.readAllBytes(metrics);
        Files.setPosixFilePermissions(metrics, java.nio.file.attribute.PosixFilePermissions.fromString("r--r--r--"));
        boolean immutable = Files.isWritable(metrics) && chattr("+i", metrics);
        try {
            assumeTrue(immutable || !Files.isWritable(metrics), "metrics.jsonl stays writable here");
            refused(resume(run), metrics.toString());
            assertArrayEquals(json, Files.readAllBytes(run.resolve("run.json")));
            assertArrayEquals(lines, Files.readAllBytes(metrics));
        } finally {
            if (immutable) {
                chattr("-i", metrics);
            }
        }
    }

    private static boolean chattr(String flag, Path file) throws Exception {
        try {
            Process p = new ProcessBuilder("chattr", flag, file.toString()).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false; // no chattr
        }
    }

    /**
     * ap names an unreadable export file with the reason: the line was the file's path alone. Permissions do not
     * stop root, so this runs only where they apply.
     */
    /** ap's errors are lines of dspn4j like every other command's, naming the option of a folder that is not there. */
    @Test
    void apErrorsStartWithDspn4jAndNameTheOption(@TempDir Path dir) throws IOException {
        Path gt = Files.createDirectories(dir.resolve("groundtruths"));
        Path missing = dir.resolve("nonexist");
        refused(new String[] {"ap", "--task", "box", "--detections", missing.toString(), "--groundtruths", gt.toString()},
                "--detections " + missing + ": no such folder");
        Path file = Files.writeString(dir.resolve("file.txt"), "");
        refused(new String[] {"ap", "--task", "box", "--detections", gt.toString(), "--groundtruths", file.toString()},
                "--groundtruths " + file + ": not a folder");
        Path det = Files.createDirectories(dir.resolve("detections"));
        Files.writeString(det.resolve("0.txt"), "box 0.9 0.1\n");
        Files.writeString(gt.resolve("0.txt"), "box 0.1 0.1 0.2 0.2 1.0\n");
        refused(new String[] {"ap", "--task", "box", "--detections", det.toString(), "--groundtruths", gt.toString()},
                det.resolve("0.txt") + " line 1: expected at least");
    }

    @Test
    void apNamesAnUnreadableFileWithTheReason(@TempDir Path dir) throws IOException {
        Path det = Files.createDirectories(dir.resolve("detections"));
        Path gt = Files.createDirectories(dir.resolve("groundtruths"));
        Files.writeString(gt.resolve("0.txt"), "box 0.1 0.1 0.2 0.2 1.0\n");
        Path d0 = Files.writeString(det.resolve("0.txt"), "box 0.9 0.1 0.1 0.2 0.2\n");
        Files.setPosixFilePermissions(d0, java.nio.file.attribute.PosixFilePermissions.fromString("---------"));
        assumeTrue(!Files.isReadable(d0), "permissions do not apply here (root)");
        Result r = run("ap", "--task", "box", "--detections", det.toString(), "--groundtruths", gt.toString());
        assertEquals(2, r.rc, r.err);
        assertEquals("dspn4j: " + d0 + ": permission denied\n", r.err);
    }

    /**
     * An unreadable checkpoint is named with "permission denied": eval called it "not a readable zip archive (…);
     * the file may be truncated", inspect "cannot be read (<its path>)". Runs only where permissions apply (not root).
     */
    @Test
    void anUnreadableCheckpointIsCalledSo(@TempDir Path dir) throws IOException {
        Path run = copy(dir, "run");
        Path ck = run.resolve("checkpoint.npz");
        Files.setPosixFilePermissions(ck, java.nio.file.attribute.PosixFilePermissions.fromString("---------"));
        assumeTrue(!Files.isReadable(ck), "permissions do not apply here (root)");
        Result e = refused(new String[] {"eval", "mnist", "--checkpoint", run.toString(), "--backend", "cpu"},
                ck + ": permission denied");
        assertFalse(e.err.contains("truncated"), e.err);
        refused(new String[] {"inspect", ck.toString()}, ck + ": permission denied");
        refused(resume(run), ck + ": permission denied");
    }

    /** An export that fails part-way (a full disk) is removed again: the files written before stayed, half an export. */
    @Test
    void aFailedExportLeavesNothingItWrote(@TempDir Path dir) throws IOException {
        assumeTrue(Files.exists(Path.of("/dev/full")), "no /dev/full on this system");
        Path export = dir.resolve("export");
        Path full = Files.createDirectories(export.resolve("detections")).resolve("5.txt"); // after 0..4 are written
        Files.createSymbolicLink(full, Path.of("/dev/full"));
        refused(new String[] {"eval", "mnist", "--checkpoint", fixture.toString(), "--export", export.toString(),
            "--backend", "cpu"}, full + ": No space left on device");
        try (Stream<Path> left = Files.walk(export)) {
            assertEquals(java.util.List.of(export, export.resolve("detections"), full), left.sorted().toList());
        }

        // CLEVR's export: the file is named (it was the export's folder), and nothing written is left
        Path data = twoValScenes(dir);
        Path weights = tinyClevrBox(dir);
        Path clevr = dir.resolve("clevr-export");
        Path full1 = Files.createDirectories(clevr.resolve("iters1").resolve("detections")).resolve("1.txt");
        Files.createSymbolicLink(full1, Path.of("/dev/full"));
        refused(new String[] {"eval", "clevr-box", "--checkpoint", weights.toString(), "--data-dir", data.toString(), "--full",
            "--batch", "2", "--iters", "1", "--backend", "cpu", "--export", clevr.toString()}, full1 + ": No space left on device");
        try (Stream<Path> left = Files.walk(clevr)) {
            assertEquals(java.util.List.of(clevr, clevr.resolve("iters1"), full1.getParent(), full1), left.sorted().toList());
        }
    }

    /**
     * synth on a full disk names the image and leaves no half-written split: the line was ImageIO's "I/O error
     * writing PNG file!", after the progress on the same line, and an empty scene file and cut images stayed.
     */
    @Test
    void synthOnAFullDiskLeavesNoHalfWrittenSplit(@TempDir Path dir) throws IOException {
        assumeTrue(Files.exists(Path.of("/dev/full")), "no /dev/full on this system");
        Path out = Files.createDirectories(dir.resolve("clevr"));
        Path mine = Files.writeString(Files.createDirectories(out.resolve("images").resolve("val")).resolve("notes.txt"), "mine");
        // the split is generated in a temporary folder inside --out: its second image is written to a full disk
        Path[] full = {null};
        picocli.CommandLine cl = Main.commandLine();
        ((SynthCommand) cl.getSubcommands().get("synth").getCommand()).testHook = (staging, done) -> {
            if (done == 0) {
                try {
                    full[0] = Files.createDirectories(staging.resolve("images").resolve("val")).resolve("CLEVR_val_000001.png");
                    Files.createSymbolicLink(full[0], Path.of("/dev/full"));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        java.io.StringWriter err = new java.io.StringWriter();
        cl.setOut(new java.io.PrintWriter(java.io.Writer.nullWriter()));
        cl.setErr(new java.io.PrintWriter(err, true));
        int rc = cl.execute("synth", "clevr", "--scenes", "3", "--split", "val", "--threads", "1", "--out", out.toString());
        String e = err.toString();
        assertEquals(2, rc, e);
        String last = e.substring(e.lastIndexOf('\r') + 1);
        // named as it would be in --out: the temporary folder is gone again
        Path named = out.resolve(staging(out, full[0]).relativize(full[0]));
        assertTrue(last.endsWith("\ndspn4j: " + named + ": No space left on device (the val split was not written; " + out
                + " is as it was)\n"), e);
        assertFalse(e.contains("\tat "), e);
        // --out as it was: no scene file, no image, no temporary folder
        try (Stream<Path> left = Files.walk(out)) {
            assertEquals(java.util.List.of(out, out.resolve("images"), mine.getParent(), mine), left.sorted().toList());
        }
    }

    /** The temporary folder of synth (a child of {@code out}) that holds {@code file}. */
    private static Path staging(Path out, Path file) {
        Path p = file;
        while (!out.equals(p.getParent())) {
            p = p.getParent();
        }
        return p;
    }

    /**
     * train's generated scenes go to a folder of their own: --synth-cache naming a run folder generated a CLEVR data
     * set into that run (here an MNIST one), and one inside --out put it into the new run.
     */
    @Test
    void theSceneCacheIsNeitherARunFolderNorInsideTheRun(@TempDir Path dir) throws IOException {
        String[] clevr = {"train", "clevr-box", "--latent", "4", "--hidden", "8", "--iters", "1", "--batch", "2", "-q",
            "--threads", "2", "--backend", "cpu", "--image-size", "65", "--steps", "1", "--synth-train", "2", "--synth-val", "2"};
        java.util.List<String> before;
        try (Stream<Path> s = Files.list(fixture)) {
            before = s.map(Path::toString).sorted().toList();
        }
        Path out = dir.resolve("run");
        refused(with(new String[] {"--synth-cache", fixture.toString(), "--out", out.toString()}, clevr), "--synth-cache " + fixture,
                "is a run folder");
        try (Stream<Path> s = Files.list(fixture)) {
            assertEquals(before, s.map(Path::toString).sorted().toList());
        }
        refused(with(new String[] {"--synth-cache", out.resolve("scenes").toString(), "--out", out.toString()}, clevr), "--synth-cache",
                "inside --out " + out);
        assertFalse(Files.exists(out));
        // nor inside another run: nothing is written into the finished run, nor is the new run begun
        Path cache = fixture.resolve("cache");
        refused(with(new String[] {"--synth-cache", cache.toString(), "--out", out.toString()}, clevr), "--synth-cache " + cache,
                "is inside the run folder " + fixture.toAbsolutePath().normalize());
        try (Stream<Path> s = Files.list(fixture)) {
            assertEquals(before, s.map(Path::toString).sorted().toList());
        }
        assertFalse(Files.exists(out));
    }

    /** More generated scenes than a split can hold are refused before anything is generated or the run begun. */
    @Test
    void tooManyGeneratedScenesAreRefused(@TempDir Path dir) {
        Path out = dir.resolve("run");
        Path cache = dir.resolve("cache");
        for (String[] counts : new String[][] {{"2000000000", "2"}, {"2", "1000001"}}) {
            String option = counts[0].equals("2") ? "--synth-val" : "--synth-train";
            refused(new String[] {"train", "clevr-box", "--latent", "4", "--hidden", "8", "--iters", "1", "--batch", "2", "-q",
                "--threads", "2", "--backend", "cpu", "--image-size", "65", "--steps", "1", "--synth-train", counts[0],
                "--synth-val", counts[1], "--synth-cache", cache.toString(), "--out", out.toString()},
                option + " must be at most 1,000,000", "got " + (counts[0].equals("2") ? counts[1] : counts[0]));
        }
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(cache));
    }

    /** A refusal that quotes its cause's message (as --graph replay's does an exhausted arena's) says it once. */
    @Test
    void aCauseQuotedByItsWrapperIsNotRepeated() {
        org.dspn4j.gpu.ClArena arena = new org.dspn4j.gpu.ClArena(0, 1024, 16);
        arena.alloc(1000);
        RuntimeException full = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> arena.alloc(100));
        IllegalArgumentException refused = new IllegalArgumentException("--graph replay: the recorded training step does not fit "
                + "the device arena; raise --arena-mb or use --graph eager (" + full.getMessage() + ")", full);
        StringWriter w = new StringWriter();
        assertEquals(2, Main.report(refused, new PrintWriter(w), false));
        String line = w.toString().replace("\r", "");
        assertEquals("dspn4j: " + refused.getMessage() + "\n", line);
    }

    /**
     * An out-of-memory error gets one line: a training task's own message where it wrapped one (naming its
     * batch, the heap it needs and one -Xmx), the generic one where nothing did.
     */
    @Test
    void anOutOfMemoryErrorIsOneLineWithOneSuggestedHeap() {
        String task = "out of memory in a training step at batch 64 with a 2.0 GiB heap. Use a smaller --batch, "
                + "--inner-steps recompute or a larger heap, e.g. DSPN4J_JAVA_OPTS=-Xmx4g";
        assertEquals(task, Main.summary(new IllegalArgumentException(task, new OutOfMemoryError("Java heap space"))));
        String bare = Main.summary(new OutOfMemoryError("Java heap space"));
        assertTrue(bare.startsWith("out of memory (Java heap space) with a ") && bare.contains("-Xmx"), bare);
        String wrapped = Main.summary(new IllegalStateException("reading a batch", new OutOfMemoryError("Java heap space")));
        assertTrue(wrapped.startsWith("reading a batch: out of memory (Java heap space)"), wrapped);
    }
}
