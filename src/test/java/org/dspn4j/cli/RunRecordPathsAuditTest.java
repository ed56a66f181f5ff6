package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a run folder's record means when it is used from another folder. run.json records a data folder as train was
 * given it; a relative one is relative to the folder train ran in, which run.json records as {@code cwd}. So
 * {@code eval}, {@code show} and {@code train --resume} run from another folder use the run's data: the run's MNIST or
 * CLEVR folder, the run's generated scenes (not new ones generated under the current folder), with the data digests
 * still compared. The commands run in child JVMs whose working folder is the one the test names (a JVM's working
 * folder is fixed when it starts): each command in a JVM of its own, the fixture's three trains in one. Also:
 * {@code show}'s outputs must be named as the PNG they are, a weights-only .npz says what it is for, and
 * {@code inspect} names only the settings that apply to a model.
 */
class RunRecordPathsAuditTest {
    private static final List<String> MNIST_TINY = List.of("--latent", "8", "--hidden", "16", "--iters", "2", "--batch", "4",
            "--threads", "1", "--backend", "cpu");
    private static final List<String> CLEVR_TINY = List.of("--image-size", "65", "--batch", "2", "--latent", "8", "--hidden",
            "8", "--threads", "1", "--backend", "cpu");
    private static final List<String> GEN = List.of("--synth-train", "2", "--synth-val", "2");

    @TempDir
    static Path root;
    /** Where train ran: the data, given to it relative to this folder, and the run folders. */
    static Path a;
    /** Another folder, from which the runs are used. */
    static Path b;

    @BeforeAll
    static void trainInA() throws Exception {
        a = Files.createDirectories(root.resolve("a")).toRealPath();
        b = Files.createDirectories(root.resolve("b")).toRealPath();
        copyMnist(a.resolve("mnist"));
        Path clevr = a.resolve("data").resolve("clevr");
        ImportTorchCommandTest.Run s1 = ImportTorchCommandTest.run("synth", "clevr", "--out", clevr.toString(), "--scenes", "4",
                "--seed", "1", "--split", "train", "--threads", "1");
        ImportTorchCommandTest.Run s2 = ImportTorchCommandTest.run("synth", "clevr", "--out", clevr.toString(), "--scenes", "2",
                "--seed", "2", "--split", "val", "--threads", "1");
        assertEquals(0, s1.rc() + s2.rc(), s1.err() + s2.err());
        // the three trains in one JVM (CommandsInOneJvm), whose working folder is a
        String[] trains = with(List.of("train", "mnist", "--data-dir", "mnist", "--steps", "2", "--out", "runs/mn"), MNIST_TINY,
                List.of(CommandsInOneJvm.NEXT, "train", "clevr-box", "--synth-cache", "synth", "--steps", "2", "--out", "runs/gen"),
                GEN, CLEVR_TINY, List.of(CommandsInOneJvm.NEXT, "train", "clevr-state", "--data-dir", "data/clevr", "--full-eval",
                        "--steps", "2", "--out", "runs/real"), CLEVR_TINY);
        Run r = run(a, CommandsInOneJvm.class, trains);
        assertEquals(0, r.rc(), "in " + a + ": " + String.join(" ", trains) + "\n" + r.out() + r.err());
        for (String run : new String[] {"mn", "gen", "real"}) {
            assertTrue(Files.isRegularFile(a.resolve("runs").resolve(run).resolve("checkpoint.npz")), run + "\n" + r.out());
        }
    }

    // ================================================================ run.json's cwd

    @Test
    void runJsonRecordsTheFolderTrainRanInBesideTheDataFoldersAsGiven() throws IOException {
        for (String[] run : new String[][] {{"mn", "\"data_dir\" : \"mnist\""}, {"gen", "\"synth_cache\" : \"synth\""},
                {"real", "\"root\" : \"data/clevr\""}}) {
            String json = Files.readString(a.resolve("runs").resolve(run[0]).resolve("run.json"));
            assertTrue(json.contains(run[1]), json);
            Matcher m = Pattern.compile("\n  \"cwd\" : \"([^\"]*)\"").matcher(json);
            assertTrue(m.find(), "no top-level cwd in " + json);
            assertEquals(a, Path.of(m.group(1)).toRealPath(), json);
        }
    }

    // ================================================================ eval and show from another folder

    @Test
    void mnistEvalFromAnotherFolderReadsTheRunsFolderAndGivesTheRunsFinalMetrics() throws Exception {
        Run r = ok(b, "eval", "mnist", "--checkpoint", a.resolve("runs/mn").toString(), "--threads", "1", "--backend", "cpu");
        assertTrue(r.out().contains(" test images of " + a.resolve("mnist") + ": "), r.out());
        String last = lastLine(a.resolve("runs/mn/metrics.jsonl"));
        Matcher m = Pattern.compile("\"test_last\"\\s*:\\s*([-0-9.eE]+)").matcher(last);
        assertTrue(m.find(), last);
        assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "test_last %.6f%n", Double.parseDouble(m.group(1)))),
                r.out() + " against " + last);
        assertEquals(List.of(), tree(b));
    }

    @Test
    void generatedScenesFromAnotherFolderAreTheRunsNotNewOnesUnderTheCurrentFolder() throws Exception {
        Run r = ok(b, "eval", "clevr-box", "--checkpoint", a.resolve("runs/gen").toString(), "--iters", "1",
                "--threads", "1", "--backend", "cpu");
        assertTrue(r.out().contains(" val images of generated scenes " + a.resolve("synth").resolve("seed1-train2-val2") + ": "),
                r.out());
        assertFalse(r.out().contains("generating"), r.out());
        assertEquals(List.of(), tree(b), "scenes generated under the current folder");
    }

    @Test
    void realClevrFromAnotherFolderIsTheRunsFolderForEvalAndShow() throws Exception {
        Run r = ok(b, "eval", "clevr-state", "--checkpoint", a.resolve("runs/real").toString(), "--iters", "1",
                "--threads", "1", "--backend", "cpu");
        assertTrue(r.out().contains(" val images of CLEVR " + a.resolve("data").resolve("clevr") + ": "), r.out());
        Path png = root.resolve("table4.png");
        ok(b, "show", "clevr-state", "--checkpoint", a.resolve("runs/real").toString(), "--out", png.toString(), "--rows", "2",
                "--threads", "1", "--backend", "cpu");
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(Files.readAllBytes(png), 4));
        assertTrue(Files.readString(root.resolve("table4.md")).contains("|"), "the table beside the PNG, as states.md in a run");
        assertFalse(Files.exists(root.resolve("table4.png.md")));
        assertEquals(List.of(), tree(b));
    }

    @Test
    void aRunsDataFolderThatIsGoneIsNamedWhereItWasLookedFor() throws Exception {
        Path clevr = a.resolve("data/clevr");
        Path moved = a.resolve("data/clevr-moved");
        Files.move(clevr, moved);
        try {
            Run r = run(b, "eval", "clevr-state", "--checkpoint", a.resolve("runs/real").toString(), "--backend", "cpu");
            assertEquals(2, r.rc(), r.out() + r.err());
            assertOneLine(r.err(), a.resolve("runs/real/run.json") + ": the run's data folder data/clevr (config.data.root) is "
                    + "not a folder relative to the folder train ran in (cwd " + a + "): " + clevr + "; give --data-dir");
        } finally {
            Files.move(moved, clevr);
        }
        assertEquals(List.of(), tree(b));
    }

    @Test
    void changedScenesAreStillRefusedFromAnotherFolder() throws Exception {
        Path scenes = a.resolve("synth/seed1-train2-val2/scenes/CLEVR_val_scenes.json");
        byte[] was = Files.readAllBytes(scenes);
        try {
            Files.writeString(scenes, new String(was, StandardCharsets.UTF_8) + " ");
            Run r = run(b, "eval", "clevr-box", "--checkpoint", a.resolve("runs/gen").toString(), "--iters", "1",
                "--threads", "1", "--backend", "cpu");
            assertEquals(2, r.rc(), r.out() + r.err());
            assertOneLine(r.err(), "the run's val data changed since it ran");
        } finally {
            Files.write(scenes, was);
        }
        assertEquals(List.of(), tree(b));
    }

    @Test
    void aRunJsonWithoutCwdReadsItsRelativeFolderFromTheCurrentOneAndSaysSo() throws Exception {
        Path runJson = a.resolve("runs/mn/run.json");
        String was = Files.readString(runJson);
        try {
            String old = was.replaceAll("\n *\"cwd\" : \"[^\"]*\",", ""); // the run's and its resumes' (a run.json written before cwd)
            assertFalse(old.contains("\"cwd\""), old);
            Files.writeString(runJson, old);
            Run r = run(b, "eval", "mnist", "--checkpoint", a.resolve("runs/mn").toString(), "--threads", "1");
            assertEquals(2, r.rc(), r.out() + r.err());
            assertOneLine(r.err(), runJson + ": the run's data folder mnist (config.data_dir) is not a folder from the current "
                    + "folder " + b + " (this run.json does not record its cwd: run from the folder train ran in); give --data-dir");
            ok(a, "eval", "mnist", "--checkpoint", "runs/mn", "--threads", "1", "--backend", "cpu"); // from its folder, as before
        } finally {
            Files.writeString(runJson, was);
        }
    }

    // ================================================================ train --resume from another folder

    @Test
    void resumeFromAnotherFolderComparesDataFoldersByPlaceAndReusesTheRunsScenes() throws Exception {
        // the run's MNIST folder, given as it is named from here: the same folder
        ok(b, with(List.of("train", "mnist", "--data-dir", a.resolve("mnist").toString(), "--steps", "3", "--resume", "--out",
                a.resolve("runs/mn").toString()), MNIST_TINY));
        // a folder of the same name here is another folder, however equal its files
        copyMnist(b.resolve("mnist"));
        try {
            Run r = run(b, with(List.of("train", "mnist", "--data-dir", "mnist", "--steps", "4", "--resume", "--out",
                    a.resolve("runs/mn").toString()), MNIST_TINY));
            assertEquals(2, r.rc(), r.out() + r.err());
            assertOneLine(r.err(), "--data-dir mnist = " + b.resolve("mnist") + " (the run has mnist = " + a.resolve("mnist") + ")");
        } finally {
            for (Path p : tree(b.resolve("mnist"))) {
                Files.delete(p);
            }
            Files.delete(b.resolve("mnist"));
        }
        // generated scenes without --synth-cache: the run's, not new ones under runs/clevr-synth here
        Run r = ok(b, with(List.of("train", "clevr-box", "--steps", "3", "--resume", "--out", a.resolve("runs/gen").toString()),
                GEN, CLEVR_TINY));
        assertFalse(r.out().contains("generating"), r.out());
        assertEquals(List.of(), tree(b));
    }

    // ================================================================ show's outputs, weights-only files, inspect

    @Test
    void showRefusesAnOutputNotNamedAsThePngItWritesBeforeAnyWork() throws Exception {
        String ck = Path.of("models", "mnist-dspn.npz").toString();
        for (String name : new String[] {"x.jpg", "t.md", "figure", ".png"}) {
            Path out = root.resolve(name);
            for (String option : new String[] {"--out", "--curves"}) {
                // a --data-dir that does not exist: the refusal comes before the data are read
                ImportTorchCommandTest.Run r = ImportTorchCommandTest.run("show", "mnist", "--checkpoint", ck, option,
                        out.toString(), "--data-dir", root.resolve("nowhere").toString(), "--backend", "cpu");
                assertEquals(2, r.rc(), r.out() + r.err());
                assertOneLine(r.err(), option + " " + out + ": writes a PNG image; give a file name ending in .png");
                assertFalse(Files.exists(out), out.toString());
            }
        }
    }

    @Test
    void aWeightsOnlyNpzSaysWhatItIsForAndHowToMakeItEvaluable() {
        String w = Path.of("golden", "roundtrip", "mnist_dspn_weights.npz").toString();
        for (String[] args : new String[][] {{"eval", "mnist", "--checkpoint", w},
                {"show", "mnist", "--checkpoint", w, "--out", root.resolve("w.png").toString()}}) {
            ImportTorchCommandTest.Run r = ImportTorchCommandTest.run(args);
            assertEquals(2, r.rc(), r.out() + r.err());
            assertOneLine(r.err(), w + ": no meta/config_json");
            assertTrue(r.err().contains("trace --weights") && r.err().contains("import-torch FILE --model mnist|clevr-box|clevr-state")
                    && r.err().contains("docs/audit.md"), r.err());
        }
        assertFalse(Files.exists(root.resolve("w.png")));
    }

    @Test
    void inspectNamesOnlyTheSettingsThatApplyToTheModel() {
        for (String baseline : new String[] {"mlp", "rnn"}) {
            String model = modelLine(Path.of("models", "mnist-" + baseline + ".npz").toString());
            assertTrue(model.startsWith("mnist " + baseline + " model (hidden 256, latent 64, N 342), float32"), model);
            assertFalse(model.contains(", T ") || model.contains(", eta ") || model.contains("lambda"), model);
        }
        String dspn = modelLine(Path.of("models", "mnist-dspn.npz").toString());
        assertTrue(dspn.startsWith("mnist dspn model (hidden 256, latent 64, N 342), T 10, eta 800.0, float32"), dspn);
        assertFalse(dspn.contains("lambda"), "MNIST has no representation loss: " + dspn);
        String clevr = modelLine(a.resolve("runs/real").toString());
        assertTrue(clevr.startsWith("clevr-state dspn model (hidden 8, latent 8, N 10), T 10, eta 800.0, lambda 0.1, "), clevr);
    }

    // ================================================================ helpers

    private static String modelLine(String file) {
        ImportTorchCommandTest.Run r = ImportTorchCommandTest.run("inspect", file);
        assertEquals(0, r.rc(), r.out() + r.err());
        return r.out().lines().filter(l -> l.startsWith("model    ")).findFirst().orElseThrow().substring("model    ".length());
    }

    private static void assertOneLine(String err, String part) {
        String e = err.strip();
        assertFalse(e.contains("\n") || e.contains("\tat "), e);
        assertTrue(e.startsWith("dspn4j: ") && e.contains(part), "expected '" + part + "' in\n" + e);
    }

    private static void copyMnist(Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(Path.of("data", "mnist"))) {
            for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".gz")).toList()) {
                Files.copy(p, to.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    @SafeVarargs
    private static String[] with(List<String>... parts) {
        List<String> all = new ArrayList<>();
        for (List<String> p : parts) {
            all.addAll(p);
        }
        return all.toArray(String[]::new);
    }

    private static String lastLine(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        return lines.get(lines.size() - 1);
    }

    /** Every file and folder under {@code dir}, sorted (not {@code dir} itself). */
    private static List<Path> tree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !p.equals(dir)).sorted(java.util.Comparator.reverseOrder()).toList();
        }
    }

    record Run(int rc, String out, String err) {
    }

    private static Run ok(Path cwd, String... args) throws Exception {
        Run r = run(cwd, args);
        assertEquals(0, r.rc(), "in " + cwd + ": " + String.join(" ", args) + "\n" + r.out() + r.err());
        return r;
    }

    /**
     * {@code dspn4j args} in a JVM of its own whose working folder is {@code cwd}, with the Vector API module as the
     * launcher starts it (without it the CPU backend runs its scalar kernels, the same results many times slower).
     */
    private static Run run(Path cwd, String... args) throws Exception {
        return run(cwd, Main.class, args);
    }

    /** {@link #run(Path, String...)} with another main class. */
    private static Run run(Path cwd, Class<?> main, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseG1GC", "-Xmx3g", "--add-modules=jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                main.getName()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(root, "out", ".txt");
        Path err = Files.createTempFile(root, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("LD_PRELOAD");
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        String e = Files.readString(err).lines().filter(l -> !l.startsWith("WARNING: ")).map(l -> l + "\n")
                .reduce("", String::concat);
        Run r = new Run(p.exitValue(), Files.readString(out), e);
        Files.delete(out);
        Files.delete(err);
        return r;
    }
}
