package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * What a newcomer meets first: a mistyped command or option is refused in one line that names the word and the
 * names it most likely meant, before anything runs.
 */
class NewcomerAuditTest {
    private static void refused(String line, String... args) {
        CliErrorsTest.Result r = CliErrorsTest.run(args);
        assertEquals(2, r.rc(), r.out() + r.err());
        assertEquals("", r.out());
        assertEquals(line + "\n", r.err().replace("\r\n", "\n"));
    }

    @Test
    void aMistypedCommandIsNamedWithTheCommandItIsNearest() {
        refused("dspn4j: trian: no such command; did you mean train? (dspn4j --help lists the commands)", "trian");
        refused("dspn4j: Train: no such command; did you mean train? (dspn4j --help lists the commands)", "Train", "mnist");
        refused("dspn4j: sumarise: no such command; did you mean summarise? (dspn4j --help lists the commands)", "sumarise");
        refused("dspn4j: fit: no such command (dspn4j --help lists the commands)", "fit", "mnist");
    }

    @Test
    void aMistypedOptionIsNamedWithTheOptionItIsNearestNotWithItsValue() {
        refused("dspn4j: --batchsize: no such option; did you mean --batch? (dspn4j train --help lists the options)",
                "train", "mnist", "--batchsize", "3");
        refused("dspn4j: --batchsize: no such option; did you mean --batch? (dspn4j train --help lists the options)",
                "train", "mnist", "--batchsize=3");
        refused("dspn4j: --step: no such option; did you mean --steps? (dspn4j train --help lists the options)",
                "train", "mnist", "--step", "3");
        refused("dspn4j: -Q: no such option; did you mean -q? (dspn4j train --help lists the options)",
                "train", "mnist", "-Q");
        refused("dspn4j: --itres: no such option; did you mean --iters? (dspn4j eval --help lists the options)",
                "eval", "mnist", "--checkpoint", "x.npz", "--itres", "3");
        refused("dspn4j: --foo: no such option (dspn4j train --help lists the options)", "train", "mnist", "--foo");
        refused("dspn4j: -x: no such option (dspn4j --help lists the options)", "-x");
    }

    @Test
    void aMistypedOptionOfRepeatsTrainCommandIsNamedTheSameWay(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        refused("dspn4j: the train command after -- does not parse: --batchsize: no such option; did you mean --batch?",
                "repeat", "--seeds", "1", "--out", dir.resolve("g").toString(), "--", "train", "mnist", "--batchsize", "3");
        assertEquals(java.util.List.of(), java.util.List.of(dir.toFile().list()));
    }

    @Test
    void aMistypedRequiredOptionIsNamedRatherThanReportedMissing() {
        refused("dspn4j: --checkpiont: no such option; did you mean --checkpoint? (dspn4j show --help lists the options)",
                "show", "mnist", "--checkpiont", "x.npz");
    }

    @Test
    void aPositionalValueOutsideItsChoicesIsNamedWithTheChoices() {
        refused("dspn4j: KIND must be clevr, got 'clver' (dspn4j synth --help lists the options)", "synth", "clver");
        refused("dspn4j: WHAT must be mnist-step or clevr-step, got 'mnist_step'", "bench", "mnist_step");
    }

    @Test
    void anArgumentTooManyIsNamed() {
        refused("dspn4j: extra: an argument dspn4j train does not take (dspn4j train --help lists the options)",
                "train", "mnist", "extra");
    }

    @Test
    void aMissingOrMalformedValueNamesItsOption() {
        refused("dspn4j: Missing required parameter for option '--steps' (<steps>) (dspn4j train --help lists the options)",
                "train", "mnist", "--steps");
        refused("dspn4j: Invalid value for option '--steps': 'abc' is not an int (dspn4j train --help lists the options)",
                "train", "mnist", "--steps=abc");
    }

    @Test
    void aMistypedModelIsRefusedNamingMODELAsTheOptionsThatTakeOneDo() {
        String line = "dspn4j: MODEL must be mnist, clevr-box or clevr-state, got 'mnsit'";
        refused(line, "train", "mnsit");
        refused(line, "eval", "mnsit", "--checkpoint", "x.npz");
        refused(line, "show", "mnsit", "--checkpoint", "x.npz");
    }

    /**
     * picocli starts a new line at each string of a command's description: a string that ends mid-sentence breaks
     * {@code --help}'s text there ("… the final test metrics" / "as mean ± …"), so each must be a whole paragraph
     * (ending in '.' or ':'), an item of a list (';'), or a line of code (indented); picocli's own help command aside.
     */
    @Test
    void everyHelpDescriptionIsWholeParagraphs() {
        java.util.List<String> broken = new java.util.ArrayList<>();
        picocli.CommandLine root = Main.commandLine();
        java.util.List<picocli.CommandLine> all = new java.util.ArrayList<>(root.getSubcommands().values());
        all.remove(root.getSubcommands().get("help"));
        all.add(root);
        for (picocli.CommandLine c : all) {
            for (String line : c.getCommandSpec().usageMessage().description()) {
                if (!line.isEmpty() && !line.startsWith(" ") && !line.endsWith(".") && !line.endsWith(":")
                        && !line.endsWith(";")) {
                    broken.add(c.getCommandSpec().qualifiedName() + ": " + line);
                }
            }
        }
        assertEquals(java.util.List.of(), broken);
    }

    /** --backend gpu was taken as opencl, which runs on an OpenCL CPU device (PoCL) as well, at minutes a step. */
    @Test
    void backendGpuIsRefusedNotRunOnWhateverOpenClDeviceThereIs(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        String line = "dspn4j: --backend must be cpu, opencl, reference or auto, got 'gpu'; for a GPU: auto (the first "
                + "OpenCL GPU, else the CPU) or opencl --device with one that dspn4j devices lists";
        refused(line, "trace", "--model", "mnist", "--input", dir.resolve("absent.npz").toString(), "--out",
                dir.resolve("o.npz").toString(), "--backend", "gpu");
        refused(line.replace("'gpu'", "'GPU'"), "train", "mnist", "--backend", "GPU", "--out", dir.resolve("run").toString());
        assertEquals(java.util.List.of(), java.util.List.of(dir.toFile().list()));
    }

    @Test
    void nearestNamesAreOneOrTwoEditsAwayOrAPrefix() {
        assertEquals(1, NearestNames.distance("trian", "train"));
        assertEquals(java.util.List.of("train"), NearestNames.of("trian", java.util.List.of("trace", "summarise", "train")));
        assertEquals(java.util.List.of("--batch"), NearestNames.of("--batchsize", java.util.List.of("--backend", "--batch")));
        assertEquals(java.util.List.of(), NearestNames.of("-x", java.util.List.of("-h", "-V", "-q")));
    }
}
