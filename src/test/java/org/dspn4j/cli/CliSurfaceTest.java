package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;

import org.dspn4j.experiment.TrainConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * One command-line surface: {@code train|eval|show <task>} carry every option for every task (the
 * former {@code clevr train|eval|show} is gone), with one set of defaults that {@code --help} shows,
 * and no help text cites a section of a private document.
 */
class CliSurfaceTest {

    private static TrainCommand train(String... args) {
        TrainCommand t = new TrainCommand();
        new CommandLine(t).parseArgs(args);
        return t;
    }

    private static String help(CommandLine cl) {
        StringWriter w = new StringWriter();
        cl.usage(new PrintWriter(w));
        return w.toString();
    }

    @Test
    void everyTaskGetsTheSameDefaultsWhereTheyDoNotDependOnIt() {
        TrainConfig mnist = train("mnist").config();
        TrainConfig box = train("clevr-box").config();
        assertEquals(100, mnist.epochs(), "the paper's epochs");
        assertEquals(mnist.epochs(), box.epochs());
        assertEquals(10, mnist.maxSteps());
        assertEquals(mnist.maxSteps(), box.maxSteps());
        assertEquals(mnist.batch(), box.batch());
        assertEquals(0.01, mnist.lr());
        assertEquals(3e-4, box.lr());
        assertEquals(0, train("mnist", "--preset", "paper").config().maxSteps());
        assertEquals(64, mnist.model().latent());
        assertEquals(512, box.model().latent());
        assertTrue(train("clevr-state", "--hungarian", "all").config().model().hungarianAllSteps());
        assertEquals(70, train("clevr-box", "--image-size", "70").source().imageSize());
        assertEquals(5, train("clevr-box", "--synth-train", "5").source().synthTrain());
    }

    @Test
    void theClevrCommandIsGoneAndItsOptionsAreOnTrainEvalAndShow() {
        CommandLine main = new CommandLine(new Main());
        assertNull(main.getSubcommands().get("clevr"));
        Map<String, String[]> options = Map.of(
                "train", new String[] {"--hungarian", "--synth-train", "--synth-val", "--synth-seed", "--synth-cache",
                    "--image-size", "--graph", "--resume", "--force", "--eval-every", "--full-eval", "--data-dir",
                    "--allow-nonfinite", "--threads", "--backend", "--arena-mb"},
                "eval", new String[] {"--checkpoint", "--iters", "--batch", "--full", "--export", "--data-dir", "--seed",
                    "--allow-nonfinite", "--threads", "--backend"},
                "show", new String[] {"--checkpoint", "--baseline", "--out", "--rows", "--batch", "--data-dir",
                    "--threads", "--backend"});
        for (Map.Entry<String, String[]> e : options.entrySet()) {
            CommandLine cl = main.getSubcommands().get(e.getKey());
            String text = help(cl);
            for (String o : e.getValue()) {
                assertTrue(cl.getCommandSpec().findOption(o) != null, e.getKey() + " lacks " + o);
                assertTrue(text.contains(o), e.getKey() + " --help lacks " + o);
            }
        }
        EvalCommand ev = new EvalCommand();
        new CommandLine(ev).parseArgs("clevr-box", "--checkpoint", "c.npz", "--iters", "10,20,30");
        assertEquals(List.of(10, 20, 30), ev.iters);
    }

    @Test
    void helpShowsOneSetOfDefaultsAndTheTaskDependentOnesAsSuch() {
        String text = help(new CommandLine(new Main()).getSubcommands().get("train")).replaceAll("\\s+", " ");
        assertTrue(text.contains("default: 100, the paper's"), text);
        assertTrue(text.contains("default: 10; 0 = no limit"), text);
        assertTrue(text.contains("0.01 for mnist, 0.0003 for clevr-box and clevr-state"), text);
        assertTrue(text.contains("64 for mnist, 512 for clevr-box and clevr-state"), text);
    }

    @Test
    void noHelpTextCitesASectionOfAPrivateDocument() {
        CommandLine main = new CommandLine(new Main());
        StringBuilder all = new StringBuilder(help(main));
        for (CommandLine sub : main.getSubcommands().values()) {
            all.append(help(sub));
            for (CommandLine subsub : sub.getSubcommands().values()) {
                all.append(help(subsub));
            }
        }
        String text = all.toString();
        assertFalse(text.matches("(?s).*\\bspec\\b.*(section|§).*"), text);
        assertFalse(text.contains("§"), text);
    }

    @Test
    void optionsThatDoNotApplyToATaskAreRefusedNotIgnored() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> train("mnist", "--hungarian", "all").config());
        assertTrue(e.getMessage().contains("--hungarian applies to clevr-box and clevr-state"), e.getMessage());
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.err;
        int rc;
        try {
            System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
            rc = Main.run("train", "mnist", "--synth-train", "5", "--backend", "cpu");
        } finally {
            System.setErr(old);
        }
        assertEquals(2, rc);
        assertEquals("dspn4j: --synth-train applies to clevr-box and clevr-state, not mnist\n",
                err.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * The command list of {@code dspn4j --help} shows each command's header: one whole sentence,
     * not the first line of a description that goes on (such as "Draw a checkpoint's predictions
     * as the paper does (PNG):").
     */
    @Test
    void theCommandListGivesEachCommandAWholeSentence() {
        CommandLine main = new CommandLine(new Main());
        String list = help(main).replaceAll("\\s+", " ");
        for (Map.Entry<String, CommandLine> e : main.getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) {
                continue;
            }
            String[] header = e.getValue().getCommandSpec().usageMessage().header();
            assertEquals(1, header.length, e.getKey() + " has a one-line header");
            assertTrue(header[0].endsWith("."), e.getKey() + "'s header is a sentence: " + header[0]);
            assertTrue(list.contains(" " + e.getKey() + " " + header[0] + " "),
                    "dspn4j --help lists " + e.getKey() + " with its header");
        }
    }
}
