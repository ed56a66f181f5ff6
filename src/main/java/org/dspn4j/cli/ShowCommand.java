package org.dspn4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.dspn4j.experiment.Compute;
import org.dspn4j.experiment.MnistExperiment;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.tensor.Backend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dspn4j show mnist}: the paper's Figure 3 for a checkpoint. */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = "Draw the set progression (paper Figure 3): rows of test digits, columns Y(0)..Y(T), target, baseline.")
public final class ShowCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "mnist")
    String model;

    @Option(names = "--checkpoint", required = true, description = "checkpoint.npz of a run")
    Path checkpoint;

    @Option(names = "--baseline", description = "checkpoint of a baseline run, drawn as the last column")
    Path baseline;

    @Option(names = "--out", required = true, description = "PNG file")
    Path out;

    @Option(names = "--rows", defaultValue = "8", description = "digits (default: ${DEFAULT-VALUE})")
    int rows;

    @Option(names = "--data-dir", description = "full MNIST folder (default: the bundled subset)")
    Path dataDir;

    @Option(names = "--threads", description = "CPU threads (default: all processors)")
    Integer threads;

    @Mixin
    BackendOptions compute = new BackendOptions();

    @Override
    public Integer call() throws Exception {
        if (ModelConfig.Task.parse(model) != ModelConfig.Task.MNIST) {
            return ClevrShowCommand.run(this);
        }
        try (Compute c = EvalCommand.open(compute, checkpoint, threads)) {
            Backend be = c.backend();
            Net net = EvalCommand.load(be, checkpoint);
            Net base = baseline == null ? null : EvalCommand.load(be, baseline);
            MnistExperiment.progressionFigure(be, net, base, MnistExperiment.testBatches(dataDir, false, 32, 1), rows)
                    .writePng(out);
        }
        System.out.println("wrote " + out);
        return 0;
    }
}
