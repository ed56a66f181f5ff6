package org.dspn4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.dspn4j.experiment.ClevrBatches;
import org.dspn4j.experiment.ClevrEvaluation;
import org.dspn4j.experiment.ClevrExperiment;
import org.dspn4j.experiment.ClevrRunInfo;
import org.dspn4j.experiment.ClevrShow;
import org.dspn4j.experiment.ClevrSource;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.experiment.Compute;
import org.dspn4j.tensor.Backend;
import org.dspn4j.viz.StateTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code show clevr-box|clevr-state}: the paper's Figure 4 (box progressions over the image) or
 * Table 4 (object states, wrong attributes marked) for the first scenes of the evaluation split.
 */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = {"clevr-box: Figure 4, boxes at Y(0), Y(5), Y(10), Y(20), truth [, baseline] drawn over the images (PNG).",
                "clevr-state: Table 4, objects at Y(5), Y(10), Y(20), truth [, baseline] sorted by x, wrong attributes",
                "red (PNG) or marked * (the .md written beside it, and the text printed)."})
public final class ClevrShowCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "clevr-box or clevr-state")
    String model;

    @Option(names = "--checkpoint", required = true, description = "checkpoint.npz of a run")
    Path checkpoint;

    @Option(names = "--baseline", description = "checkpoint of a baseline run (mlp or rnn), shown as the last column")
    Path baseline;

    @Option(names = "--out", required = true, description = "PNG file (clevr-state also writes <out>.md)")
    Path out;

    @Option(names = "--rows", defaultValue = "4", description = "scenes (default: ${DEFAULT-VALUE})")
    int rows = 4;

    @Option(names = "--data-dir", description = "CLEVR v1.0 root (default: the data of the run, from its run.json)")
    Path dataDir;

    @Option(names = "--batch", description = "decoding batch size (default: the run's; 32 without run.json)")
    Integer batch;

    @Option(names = "--threads", description = "CPU threads (default: all processors)")
    Integer threads;

    @Mixin
    BackendOptions compute = new BackendOptions();

    static ClevrShowCommand from(ShowCommand c) {
        ClevrShowCommand s = new ClevrShowCommand();
        s.model = c.model;
        s.checkpoint = c.checkpoint;
        s.baseline = c.baseline;
        s.out = c.out;
        s.rows = c.rows;
        s.dataDir = c.dataDir;
        s.threads = c.threads;
        s.compute.copyFrom(c.compute);
        return s;
    }

    /** Entry point of {@code dspn4j show clevr-…}. */
    static int run(ShowCommand c) throws Exception {
        return from(c).call();
    }

    @Override
    public Integer call() throws Exception {
        ModelConfig.Task task = ModelConfig.Task.parse(model);
        int th = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        try (Compute c = EvalCommand.open(compute, checkpoint, th)) {
            Backend be = c.backend();
            Net net = ClevrExperiment.load(be, checkpoint);
            if (net.config().task() != task) {
                throw new IllegalArgumentException(checkpoint + " holds a " + net.config().task().cliName() + " model, not " + model);
            }
            Net base = baseline == null ? null : ClevrExperiment.load(be, baseline);
            if (base != null && base.config().task() != task) {
                throw new IllegalArgumentException(baseline + " holds a " + base.config().task().cliName() + " model, not " + model);
            }
            ClevrRunInfo d = ClevrEvalCommand.dataFor(checkpoint, dataDir, batch);
            ClevrSource src = d.source();
            src.prepare(System.out, th);
            ClevrBatches test = ClevrExperiment.testBatches(src, ClevrEvaluation.target(task), false, d.batch());
            if (task == ModelConfig.Task.CLEVR_BOX) {
                ClevrShow.boxFigure(be, net, base, test, rows).writePng(out);
                System.out.println("wrote " + out);
            } else {
                StateTable t = ClevrShow.stateTable(be, net, base, test, rows);
                t.writePng(out);
                Path md = out.resolveSibling(out.getFileName() + ".md");
                Files.writeString(md, t.markdown());
                System.out.print(t.text());
                System.out.println("wrote " + out + " and " + md);
            }
        }
        return 0;
    }
}
