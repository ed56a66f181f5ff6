package org.dspn4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.dspn4j.experiment.ClevrBatches;
import org.dspn4j.experiment.ClevrEvaluation;
import org.dspn4j.experiment.ClevrExperiment;
import org.dspn4j.experiment.ClevrShow;
import org.dspn4j.experiment.ClevrSource;
import org.dspn4j.experiment.Compute;
import org.dspn4j.experiment.IoErrors;
import org.dspn4j.experiment.MnistExperiment;
import org.dspn4j.experiment.RunInfo;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.tensor.Backend;
import org.dspn4j.viz.StateTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code dspn4j show mnist|clevr-box|clevr-state --checkpoint C --out fig.png}: the paper's Figure 3
 * (MNIST progressions), Figure 4 (box progressions over the image) or Table 4 (object states, wrong
 * attributes marked) for the first samples of the evaluation split.
 */
@Command(name = "show", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Draw a checkpoint's predictions as the paper does (PNG):",
                "mnist: Figure 3, rows of test digits, columns Y(0)..Y(T), target [, baseline];",
                "clevr-box: Figure 4, boxes at Y(0), Y(5), Y(10), Y(20), truth [, baseline] drawn over the images;",
                "clevr-state: Table 4, objects at Y(5), Y(10), Y(20), truth [, baseline] sorted by x, wrong attributes",
                "red (PNG) or marked * (the .md written beside it, and the text printed)."})
public final class ShowCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "mnist, clevr-box or clevr-state")
    String model;

    @Mixin
    CheckpointOptions input = new CheckpointOptions();

    @Option(names = "--baseline", description = "checkpoint of a baseline run (mlp or rnn), drawn as the last column")
    Path baseline;

    @Option(names = "--out", required = true, description = "PNG file (clevr-state also writes <out>.md)")
    Path out;

    @Option(names = "--rows", description = "digits or scenes (default: 8 for mnist, 4 for clevr-box and clevr-state)")
    Integer rows;

    @Mixin
    ThreadOptions threads = new ThreadOptions();

    @Mixin
    BackendOptions compute = new BackendOptions();

    @Override
    public Integer call() throws Exception {
        ModelConfig.Task task = ModelConfig.Task.parse(model);
        int k = rows != null ? rows : task == ModelConfig.Task.MNIST ? 8 : 4;
        Checks.atLeast("--rows", k, 1);
        RunInfo run = input.run();
        if (baseline != null) {
            Checks.inputFile("--baseline", baseline);
        }
        Checks.outputFile("--out", out, input.checkpoint, baseline);
        Path md = out.resolveSibling(out.getFileName() + ".md");
        if (task == ModelConfig.Task.CLEVR_STATE) {
            Checks.outputFile("--out (its .md)", md, input.checkpoint, baseline);
        }
        int b = input.batch(run);
        int th = threads.threads();
        if (task == ModelConfig.Task.MNIST) {
            Path dataDir = input.mnistData(run);
            long seed = input.seed(run);
            try (Compute c = EvalCommand.open(compute, input.checkpoint, th)) {
                Backend be = c.backend();
                Net net = EvalCommand.load(be, input.checkpoint, input.allowNonFinite);
                EvalCommand.requireTask(net, task);
                Net base = baseline == null ? null : EvalCommand.load(be, baseline, input.allowNonFinite);
                if (base != null) {
                    EvalCommand.requireTask(base, task);
                }
                var fig = MnistExperiment.progressionFigure(be, net, base, MnistExperiment.testBatches(dataDir, false, b, seed), k);
                IoErrors.naming(out, () -> fig.writePng(out));
            }
            System.out.println("wrote " + out);
            return 0;
        }
        ClevrSource src = input.clevrData(run);
        try (Compute c = EvalCommand.open(compute, input.checkpoint, th)) {
            Backend be = c.backend();
            Net net = ClevrExperiment.load(be, input.checkpoint, Net::create, input.allowNonFinite);
            EvalCommand.requireTask(net, task);
            Net base = baseline == null ? null : ClevrExperiment.load(be, baseline, Net::create, input.allowNonFinite);
            if (base != null) {
                EvalCommand.requireTask(base, task);
            }
            src.prepare(System.out, th);
            ClevrBatches test = ClevrExperiment.testBatches(src, ClevrEvaluation.target(task), false, b);
            if (task == ModelConfig.Task.CLEVR_BOX) {
                var fig = ClevrShow.boxFigure(be, net, base, test, k);
                IoErrors.naming(out, () -> fig.writePng(out));
                System.out.println("wrote " + out);
            } else {
                StateTable t = ClevrShow.stateTable(be, net, base, test, k);
                IoErrors.naming(out, () -> t.writePng(out));
                IoErrors.naming(md, () -> Files.writeString(md, t.markdown()));
                System.out.print(t.text());
                System.out.println("wrote " + out + " and " + md);
            }
        }
        return 0;
    }
}
