package org.dspn4j.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import org.dspn4j.experiment.ClevrBatches;
import org.dspn4j.experiment.ClevrEvaluation;
import org.dspn4j.experiment.ClevrExperiment;
import org.dspn4j.experiment.ClevrRunInfo;
import org.dspn4j.experiment.ClevrSource;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.experiment.Compute;
import org.dspn4j.tensor.Backend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code eval clevr-box|clevr-state --checkpoint C}: the AP tables in the paper's layout (spec
 * §7.3, §7.4, §8), DSPN at 10, 20 and 30 inner steps by default, and optionally the export in the
 * authors' text format. The evaluation data and batch size are those of the run that wrote the
 * checkpoint (its run.json), unless given.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate a CLEVR checkpoint: test_loss, test_last and the AP tables of the paper.",
                "Box: AP50/90/95/98/99 with the paper-era +1 IoU, and AP50..90 with the corrected IoU.",
                "State: AP at 3D distance inf/1/0.5/0.25/0.125 (attributes must match)."})
public final class ClevrEvalCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "clevr-box or clevr-state")
    String model;

    @Option(names = "--checkpoint", required = true, description = "checkpoint.npz of a run")
    Path checkpoint;

    @Option(names = "--iters", split = ",", description = "DSPN inner steps to evaluate, e.g. 10,20,30 (default: 10,20,30)")
    List<Integer> iters;

    @Option(names = "--full", description = "real CLEVR: all of val (the authors' --full-eval), not its first tenth")
    boolean full;

    @Option(names = "--data-dir", description = "CLEVR v1.0 root (default: the data of the run, from its run.json)")
    Path dataDir;

    @Option(names = "--batch", description = "evaluation batch size (default: the run's; 32 without run.json)")
    Integer batch;

    @Option(names = "--export", description = "write detections/ and groundtruths/ in the authors' format under this folder")
    Path export;

    @Option(names = "--threads", description = "CPU threads (default: all processors)")
    Integer threads;

    @Mixin
    BackendOptions compute = new BackendOptions();

    static ClevrEvalCommand from(EvalCommand c) {
        ClevrEvalCommand e = new ClevrEvalCommand();
        e.model = c.model;
        e.checkpoint = c.checkpoint;
        e.iters = c.iters == null ? null : List.of(c.iters);
        e.full = c.full;
        e.dataDir = c.dataDir;
        e.export = c.export;
        e.threads = c.threads;
        e.compute.copyFrom(c.compute);
        return e;
    }

    /** Entry point of {@code dspn4j eval clevr-…}. */
    static int run(EvalCommand c) throws Exception {
        return from(c).call();
    }

    /**
     * The data and batch size to evaluate a checkpoint with: the options where given, else those of
     * the run that wrote it (its run.json), else 32 and the default generated scenes. The image size
     * is always the run's.
     */
    static ClevrRunInfo dataFor(Path checkpoint, Path dataDir, Integer batch) throws java.io.IOException {
        ClevrRunInfo info = ClevrRunInfo.besideCheckpoint(checkpoint);
        int side = info == null ? 128 : info.source().imageSize();
        ClevrSource src = dataDir != null ? ClevrSource.clevr(dataDir).withImageSize(side)
                : info != null ? info.source()
                : ClevrSource.generated(ClevrSource.DEFAULT_CACHE, ClevrSource.DEFAULT_TRAIN, ClevrSource.DEFAULT_VAL, 1);
        int b = batch != null ? batch : info != null ? info.batch() : 32;
        return new ClevrRunInfo(b, src);
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
            ClevrRunInfo d = dataFor(checkpoint, dataDir, batch);
            ClevrSource src = d.source();
            int b = d.batch();
            src.prepare(System.out, th);
            ClevrBatches test = ClevrExperiment.testBatches(src, ClevrEvaluation.target(task), full, b);
            int[] ts = iters == null ? ClevrEvaluation.PAPER_ITERS : iters.stream().mapToInt(Integer::intValue).toArray();
            boolean dspn = net.config().decoder() == ModelConfig.DecoderKind.DSPN;
            System.out.printf("%s %s%s on %d val images of %s, batch %d%n", task.cliName(),
                    net.config().decoder().name().toLowerCase(), dspn ? " (trained T=" + net.config().iters() + ")" : "",
                    test.samples(),
                    src.isGenerated() ? "generated scenes " + src.root() : "CLEVR " + src.root(), b);
            ClevrEvaluation.Result r = ClevrEvaluation.run(be, net, test, ts);
            System.out.printf(java.util.Locale.ROOT, "test_loss %.6f%ntest_last %.6f%nimages %d%n", r.loss(), r.last(), r.images());
            ClevrEvaluation.print(System.out, ClevrEvaluation.tables(r));
            if (export != null) {
                for (Path p : ClevrEvaluation.export(r, export)) {
                    System.out.println("wrote " + p.resolve("detections") + " and " + p.resolve("groundtruths"));
                }
            }
        }
        return 0;
    }
}
