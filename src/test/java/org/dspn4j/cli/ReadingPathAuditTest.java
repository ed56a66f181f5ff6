package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.experiment.TrainConfig;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.nn.ResNet34;
import org.dspn4j.optim.Adam;
import org.dspn4j.set.Dspn;
import org.dspn4j.set.FSEncoder;
import org.dspn4j.set.RNFSEncoder;
import org.dspn4j.tensor.ReferenceBackend;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The numbers a reader learns DSPN from are the code's: the hyperparameters that README.md, {@code train --help},
 * docs/reference-behaviour.md §7, docs/algorithm.md and the Javadoc of {@code Dspn} and {@code FSEncoder} state
 * are those that {@code dspn4j train} uses by default and that the models are built with (Adam's rate and
 * moments, B, T, η, λ, D, H, N, FSPool's pieces, the effective inner step η/(B·D), DSPN's starting mask, the
 * ResNet34 stages). Each claim is read from its document and compared with the value the code gives.
 */
class ReadingPathAuditTest {
    private static final ReferenceBackend BE = new ReferenceBackend();

    private static String read(String path) throws IOException {
        return Files.readString(Path.of(path), StandardCharsets.UTF_8);
    }

    /** The groups of the first match of {@code regex} in {@code text}, failing with {@code where} when there is none. */
    private static String[] find(String where, String text, String regex) {
        Matcher m = DocumentedNumbersAuditTest.find(text, regex, where);
        String[] g = new String[m.groupCount()];
        for (int i = 0; i < g.length; i++) {
            g[i] = m.group(i + 1);
        }
        return g;
    }

    /** The cells (after the first) of the Markdown table row that starts with {@code label}. */
    private static String[] row(String where, String text, String label) {
        for (String line : text.split("\n")) {
            if (line.startsWith("| " + label + " |")) {
                String[] cells = line.split("\\|");
                return Arrays.stream(cells, 2, cells.length).map(String::trim).toArray(String[]::new);
            }
        }
        throw new AssertionError(where + ": no table row '" + label + "'");
    }

    /** What {@code dspn4j train TASK} runs with when given no other option. */
    private static TrainConfig trainDefaults(String task) {
        TrainCommand cmd = new TrainCommand();
        new CommandLine(cmd).parseArgs(task);
        return cmd.config();
    }

    private static int fsEncoderPieces(ModelConfig m) {
        Net net = Net.create(BE, m, new MersenneTwister(1));
        int[] shape = ((FSEncoder) net.setEncoder()).pool().weight().shape();
        assertEquals(m.latent(), shape[0], "FSEncoder's pool.weight rows");
        return shape[1] - 1;
    }

    private static int rnfsEncoderPieces(ModelConfig m) {
        RNFSEncoder enc = new RNFSEncoder(BE, m.dtype(), new MersenneTwister(1), m.task().setChannels, m.latent(), m.hidden());
        int[] shape = enc.pool().weight().shape();
        assertEquals(m.latent(), shape[0], "RNFSEncoder's pool.weight rows");
        return shape[1] - 1;
    }

    @Test
    void readmesMnistHyperparametersAreTrainsDefaults() throws IOException {
        String[] g = find("README.md", read("README.md"),
                "\\(Adam lr ([0-9.]+), batch (\\d+), T = (\\d+), η = (\\d+), D = (\\d+), H = (\\d+), FSPool (\\d+)\\s+pieces\\)");
        assertMnistDefaults("README.md", g);
    }

    /** {@code stated}: Adam's rate, B, T, η, D, H and FSPool's pieces as {@code source} states them for mnist. */
    private static void assertMnistDefaults(String source, String[] stated) {
        TrainConfig c = trainDefaults("mnist");
        ModelConfig m = c.model();
        assertEquals(Double.parseDouble(stated[0]), c.lr(), source + ": mnist's Adam rate");
        assertEquals(Integer.parseInt(stated[1]), c.batch(), source + ": mnist's batch");
        assertEquals(Integer.parseInt(stated[2]), m.iters(), source + ": mnist's T");
        assertEquals(Double.parseDouble(stated[3]), m.innerLr(), source + ": mnist's η");
        assertEquals(Integer.parseInt(stated[4]), m.latent(), source + ": mnist's D");
        assertEquals(Integer.parseInt(stated[5]), m.hidden(), source + ": mnist's H");
        assertEquals(Integer.parseInt(stated[6]), fsEncoderPieces(m), source + ": mnist's FSPool pieces");
    }

    @Test
    void trainHelpStatesTrainsDefaults() {
        String help = String.join("\n", new CommandLine(new TrainCommand()).getCommandSpec().usageMessage().description());
        String[] g = find("train --help", help,
                "mnist: Adam ([0-9.]+), batch (\\d+), T=(\\d+), eta=(\\d+), D=(\\d+), H=(\\d+), FSPool with (\\d+) pieces");
        assertMnistDefaults("train --help", g);
        String[] h = find("train --help", help,
                "clevr-box, clevr-state: Adam ([0-9.]+), batch (\\d+), T=(\\d+), eta=(\\d+), lambda=([0-9.]+), D=H=(\\d+)");
        for (String task : new String[] {"clevr-box", "clevr-state"}) {
            TrainConfig cc = trainDefaults(task);
            ModelConfig mm = cc.model();
            assertEquals(Double.parseDouble(h[0]), cc.lr(), "train --help: " + task + "'s Adam rate");
            assertEquals(Integer.parseInt(h[1]), cc.batch(), "train --help: " + task + "'s batch");
            assertEquals(Integer.parseInt(h[2]), mm.iters(), "train --help: " + task + "'s T");
            assertEquals(Double.parseDouble(h[3]), mm.innerLr(), "train --help: " + task + "'s eta");
            assertEquals(Double.parseDouble(h[4]), mm.lambda(), "train --help: " + task + "'s lambda");
            assertEquals(Integer.parseInt(h[5]), mm.latent(), "train --help: " + task + "'s D");
            assertEquals(Integer.parseInt(h[5]), mm.hidden(), "train --help: " + task + "'s H");
        }
    }

    @Test
    void referenceBehavioursTrainingTableIsTrainsDefaults() throws IOException {
        String doc = read("docs/reference-behaviour.md");
        String where = "docs/reference-behaviour.md §7";
        String[] lr = row(where, doc, "Adam (β = (0.9, 0.999), ε = 1e-8, no decay) lr");
        String[] batch = row(where, doc, "batch, epochs");
        String[] lambda = row(where, doc, "λ (representation term)");
        String[] inner = row(where, doc, "η, T (CLEVR also evaluated at T = 20, 30)");
        String[] sizes = row(where, doc, "H / D");
        String[] tasks = {"mnist", "clevr-box", "clevr-state"};
        for (int i = 0; i < tasks.length; i++) {
            TrainConfig c = trainDefaults(tasks[i]);
            ModelConfig m = c.model();
            String col = where + ", " + tasks[i] + ": ";
            assertEquals(Double.parseDouble(lr[i]), c.lr(), col + "Adam lr");
            String[] be = batch[i].split(",\\s*");
            assertEquals(Integer.parseInt(be[0]), c.batch(), col + "batch");
            assertEquals(Integer.parseInt(be[1]), c.epochs(), col + "epochs");
            String[] et = inner[i].split(",\\s*");
            assertEquals(Double.parseDouble(et[0]), m.innerLr(), col + "η");
            assertEquals(Integer.parseInt(et[1]), m.iters(), col + "T");
            String[] hd = sizes[i].split("\\s*/\\s*");
            assertEquals(Integer.parseInt(hd[0]), m.hidden(), col + "H");
            assertEquals(Integer.parseInt(hd[1]), m.latent(), col + "D");
            if (m.task().supervised()) {
                assertEquals(Double.parseDouble(lambda[i]), m.lambda(), col + "λ");
            } else {
                assertEquals("—", lambda[i], col + "MNIST has no representation term");
            }
        }
    }

    @Test
    void adamsMomentsAreTheOnesTheDocsState() throws IOException {
        String[] g = find("docs/reference-behaviour.md §7", read("docs/reference-behaviour.md"),
                "Adam \\(β = \\(([0-9.]+), ([0-9.]+)\\), ε = ([0-9.e-]+), no decay\\)");
        double lr = 0.01;
        double[] c = new Adam(java.util.Map.of(), lr).coefficients(1); // {1/√(1−β2), ε, lr/(1−β1), 0}
        assertEquals(Double.parseDouble(g[0]), 1.0 - lr / c[2], 1e-12, "β1");
        assertEquals(Double.parseDouble(g[1]), 1.0 - 1.0 / (c[0] * c[0]), 1e-12, "β2");
        assertEquals(Double.parseDouble(g[2]), c[1], "ε");
    }

    @Test
    void theEffectiveInnerStepIsEtaOverBD() throws IOException {
        TrainConfig mnist = trainDefaults("mnist");
        TrainConfig clevr = trainDefaults("clevr-state");
        String mnistStep = Math.round(mnist.model().innerLr()) + "/" + mnist.batch() * mnist.model().latent();
        String clevrStep = Math.round(clevr.model().innerLr()) + "/" + clevr.batch() * clevr.model().latent();
        for (String path : new String[] {"docs/algorithm.md", "src/main/java/org/dspn4j/set/Dspn.java"}) {
            String[] g = find(path, read(path), "(\\d+/\\d+) for MNIST, (\\d+/\\d+) for CLEVR");
            assertEquals(mnistStep, g[0], path + ": MNIST's effective inner step η/(B·D)");
            assertEquals(clevrStep, g[1], path + ": CLEVR's effective inner step η/(B·D)");
        }
        String[] g = find("docs/reference-behaviour.md §2", read("docs/reference-behaviour.md"),
                "(\\d+)/\\((\\d+)·(\\d+)\\) = [0-9.]+ on MNIST, (\\d+)/\\((\\d+)·(\\d+)\\) ≈ [0-9.]+ on CLEVR");
        assertEquals(mnistStep, g[0] + "/" + Integer.parseInt(g[1]) * Integer.parseInt(g[2]), "reference-behaviour §2, MNIST");
        assertEquals(clevrStep, g[3] + "/" + Integer.parseInt(g[4]) * Integer.parseInt(g[5]), "reference-behaviour §2, CLEVR");
    }

    @Test
    void setSizesPiecesAndEncodersAreTheOnesTheDocsState() throws IOException {
        String ref = read("docs/reference-behaviour.md");
        String[] n = find("docs/reference-behaviour.md §6", ref, "zero-padded to \\*\\*N = (\\d+)\\*\\*");
        assertEquals(Integer.parseInt(n[0]), ModelConfig.Task.MNIST.setSize, "MNIST's N");
        String[] n2 = find("docs/reference-behaviour.md §4", ref, "divided by N² = (\\d+); FSPool over the (\\d+) pairs");
        int clevrN = ModelConfig.Task.CLEVR_STATE.setSize;
        assertEquals(Integer.parseInt(n2[0]), clevrN * clevrN, "CLEVR's N²");
        assertEquals(ModelConfig.Task.CLEVR_BOX.setSize, clevrN, "both CLEVR tasks pad to the same N");
        String[] k = find("docs/reference-behaviour.md §4", ref, "with k = (\\d+) pieces");
        String fsEncoder = read("src/main/java/org/dspn4j/set/FSEncoder.java");
        String[] rows = find("FSEncoder Javadoc", fsEncoder, "\\{@code pool\\.weight\\} \\(D, (\\d+)\\)");
        ModelConfig mnist = trainDefaults("mnist").model();
        int pieces = fsEncoderPieces(mnist);
        assertEquals(Integer.parseInt(k[0]), pieces, "reference-behaviour §4: FSPool's pieces (MNIST)");
        assertEquals(Integer.parseInt(rows[0]), pieces + 1, "FSEncoder Javadoc: pool.weight's knots");
        assertEquals(Integer.parseInt(k[0]), rnfsEncoderPieces(trainDefaults("clevr-state").model()),
                "reference-behaviour §4: FSPool's pieces (CLEVR)");
        String[] stages = find("docs/reference-behaviour.md §4", ref,
                "four\\s+stages of \\[(\\d+), (\\d+), (\\d+), (\\d+)\\] BasicBlocks with (\\d+), (\\d+), (\\d+), (\\d+) channels");
        int[] blocks = Arrays.stream(stages, 0, 4).mapToInt(Integer::parseInt).toArray();
        int[] widths = Arrays.stream(stages, 4, 8).mapToInt(Integer::parseInt).toArray();
        assertArrayEquals(blocks, ResNet34.BLOCKS, "ResNet34's blocks per stage");
        assertArrayEquals(widths, ResNet34.WIDTHS, "ResNet34's channels per stage");
    }

    @Test
    void dspnsStartingMaskIsTheOneTheDocsState() throws IOException {
        String[] g = find("docs/algorithm.md", read("docs/algorithm.md"), "`startingMask` \\(1, N\\) = ([0-9.]+)");
        ModelConfig m = trainDefaults("mnist").model();
        Dspn dspn = (Dspn) Net.create(BE, m, new MersenneTwister(1)).decoder();
        assertArrayEquals(new int[] {1, m.setSize()}, dspn.startingMask().shape(), "m(0)'s shape");
        for (double v : dspn.startingMask().value().toDoubles()) {
            assertEquals(Double.parseDouble(g[0]), v, "docs/algorithm.md: m(0)");
        }
        assertArrayEquals(new int[] {1, m.task().setChannels, m.setSize()}, dspn.startingSet().shape(), "Ŷ(0)'s shape");
    }
}
