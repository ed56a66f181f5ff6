package org.dspn4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.dspn4j.data.mnist.MnistBatcher;
import org.dspn4j.data.mnist.MnistDataset;
import org.dspn4j.experiment.AuthorsFile;
import org.dspn4j.experiment.ClevrBatches;
import org.dspn4j.experiment.ClevrEvaluation;
import org.dspn4j.experiment.ClevrExperiment;
import org.dspn4j.experiment.ClevrShow;
import org.dspn4j.experiment.ClevrSource;
import org.dspn4j.experiment.Compute;
import org.dspn4j.experiment.IoErrors;
import org.dspn4j.experiment.MnistExperiment;
import org.dspn4j.experiment.RunInfo;
import org.dspn4j.experiment.RunRecord;
import org.dspn4j.experiment.TrainingCurves;
import org.dspn4j.experiment.TrainingLoop;
import org.dspn4j.io.NdArray;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.tensor.Backend;
import org.dspn4j.viz.LossCurveFigure;
import org.dspn4j.viz.StateTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code dspn4j show mnist|clevr-box|clevr-state --checkpoint C --out fig.png}: the paper's Figure 3
 * (MNIST progressions), Figure 4 (box progressions over the image) or Table 4 (object states, wrong
 * attributes marked) for the first samples of the evaluation split; {@code --curves curves.png}: the
 * training curves the checkpoint's run recorded (the authors' tracker, or our metrics.jsonl), with
 * {@code --compare RUN} another run's beside them ({@link TrainingCurves}).
 */
@Command(name = "show", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Draw a checkpoint's predictions as the paper's figures (PNG).",
        // one paragraph an entry: picocli wraps each at the help's width
        description = {"Draw a checkpoint's predictions as the paper does (PNG):",
                "mnist: Figure 3, rows of test digits, columns Y(0)..Y(T), target [, baseline];",
                "clevr-box: Figure 4, boxes at Y(0), Y(5), Y(10), Y(20), truth [, baseline] drawn over the images;",
                "clevr-state: Table 4, objects at Y(5), Y(10), Y(20), truth [, baseline] sorted by x, wrong attributes "
                        + "red (PNG) or marked * (the .md written beside it, and the text printed).",
                "--curves: the training curves the checkpoint's run recorded, per epoch (the authors' log: its tracker; "
                        + "our checkpoint: the metrics.jsonl beside it, else, for a model kept outside a run folder, in "
                        + "the folder of its name beside it, as models/mnist-dspn/ for models/mnist-dspn.npz), with "
                        + "--compare RUN a run folder's on the same "
                        + "axes; the legend names each run."})
public final class ShowCommand implements Callable<Integer> {
    /** The most rows one figure draws: past it the PNG grows beyond what can be looked at. */
    static final int MAX_ROWS = 64;

    /** The extension of the files show writes: PNG images (clevr-state's table also as Markdown, {@link #mdBeside}). */
    static final String PNG = ".png";

    /** The Markdown table clevr-state writes beside its PNG: {@code table4.png} gives {@code table4.md}, as in a run folder. */
    static Path mdBeside(Path png) {
        String name = png.getFileName().toString();
        String stem = name.toLowerCase(java.util.Locale.ROOT).endsWith(PNG) ? name.substring(0, name.length() - PNG.length()) : name;
        return png.resolveSibling(stem + ".md");
    }

    @Parameters(index = "0", paramLabel = "MODEL", description = "mnist, clevr-box or clevr-state")
    String model;

    @Mixin
    CheckpointOptions input = new CheckpointOptions();

    @Option(names = "--baseline", converter = CheckpointOptions.RunFolder.class, description = "checkpoint of a "
            + "baseline run (mlp or rnn; or its run folder), its prediction drawn as the last column, \"baseline\" (a "
            + "DSPN checkpoint's final set Y(T) too); as --checkpoint, the authors' torch.save log too; with --out")
    Path baseline;

    @Option(names = "--out", description = "PNG file (*.png) of the paper's figure (clevr-state also writes its table as "
            + "Markdown beside it: table4.png, table4.md); --out, --curves or both")
    Path out;

    @Option(names = "--curves", description = "PNG file (*.png) of the training curves the checkpoint's run recorded: train_loss "
            + "and test_loss, the mean of each epoch (the authors' log: its tracker; our checkpoint: the metrics.jsonl "
            + "beside it, else, for a model kept outside a run folder, in the folder of its name beside it: models/mnist-dspn/ "
            + "for models/mnist-dspn.npz), on a log axis when they span more than a factor of 100")
    Path curves;

    @Option(names = "--force", description = "write over --out (and the .md beside it) and --curves if they exist")
    boolean force;

    @Option(names = "--compare", paramLabel = "RUN", description = "with --curves: a run folder of dspn4j (train --out; "
            + "its metrics.jsonl) whose curves are drawn on the same axes")
    Path compare;

    @Option(names = "--rows", description = "digits or scenes of --out's figure, the first of the evaluated split, from as many "
            + "batches as they take (default: 8 for mnist, 4 for clevr-box and clevr-state; at most " + ShowCommand.MAX_ROWS + ")")
    Integer rows;

    @Mixin
    ThreadOptions threads = new ThreadOptions();

    @Mixin
    BackendOptions compute = new BackendOptions();

    @Override
    public Integer call() throws Exception {
        ModelConfig.Task task = Checks.task("MODEL", model);
        int k = rows != null ? rows : task == ModelConfig.Task.MNIST ? 8 : 4;
        Checks.atLeast("--rows", k, 1);
        if (k > MAX_ROWS) {
            throw new IllegalArgumentException("--rows must be at most " + MAX_ROWS + " (one figure's rows), got " + k);
        }
        if (out == null && curves == null) {
            throw new IllegalArgumentException("give --out (the paper's figure), --curves (the training curves) or both");
        }
        if (compare != null && curves == null) {
            throw new IllegalArgumentException("--compare draws a run's curves beside the checkpoint's: it needs --curves");
        }
        if (baseline != null && out == null) {
            throw new IllegalArgumentException("--baseline draws a baseline's column in the paper's figure: it needs --out");
        }
        if (rows != null && out == null) {
            throw new IllegalArgumentException("--rows sets the digits or scenes of the paper's figure: it needs --out");
        }
        // the outputs before anything is read: a figure kept to compare with is written over only with --force
        Path md = out == null || task != ModelConfig.Task.CLEVR_STATE ? null : mdBeside(out);
        if (out != null) {
            Checks.outputFile("--out", out, input.checkpoint, baseline);
            Checks.extension("--out", out, PNG, "a PNG image" + (md != null
                    ? " (and its table as Markdown to " + md.getFileName() + " beside it)" : ""));
            Checks.requireNewOrForced("--out", out, force);
            if (md != null) {
                Checks.outputFile("--out (its .md)", md, input.checkpoint, baseline);
                Checks.requireNewOrForced("--out (its .md)", md, force);
            }
        }
        if (curves != null) {
            Checks.outputFile("--curves", curves, input.checkpoint, baseline,
                    compare == null ? null : compare.resolve(RunRecord.METRICS));
            Checks.extension("--curves", curves, PNG, "a PNG image");
            for (Path other : new Path[] {out, md}) {
                if (other != null && Checks.sameFile(curves, other)) {
                    throw new IllegalArgumentException("--curves " + curves + " is also written by --out; give another file");
                }
            }
            Checks.requireNewOrForced("--curves", curves, force);
        }
        RunInfo run = input.run(task);
        ModelConfig cfg = input.model(task);
        if (baseline != null) {
            CheckpointOptions.model("--baseline", baseline, task);
        }
        LossCurveFigure curveFigure = curves == null ? null : curves();
        if (out != null) {
            figure(task, cfg, run, md, k);
        }
        if (curveFigure != null) {
            LossCurveFigure f = curveFigure;
            IoErrors.naming(curves, () -> f.writePng(curves));
            System.out.println("wrote " + curves);
        }
        return 0;
    }

    /** The curves of --checkpoint's run and of --compare's, read and checked before anything is written. */
    private LossCurveFigure curves() throws IOException {
        List<TrainingCurves.Run> runs = new ArrayList<>();
        Map<String, NdArray> a = input.read();
        TrainingCurves.Run authors = TrainingCurves.authors(a, "authors");
        String title;
        // our checkpoint's run: the folder holding it (train's run folder), else the folder of its name beside it (a
        // shipped model: models/mnist-dspn.npz, its run's record in models/mnist-dspn/)
        Path[] looked = authors != null ? new Path[0] : recordFolders(input.checkpoint);
        Path run = null;
        for (Path f : looked) {
            if (Files.isRegularFile(f.resolve(RunRecord.METRICS))) {
                run = f;
                break;
            }
        }
        Path parent = run != null ? run.toAbsolutePath() : input.checkpoint.toAbsolutePath().getParent();
        // the legend names our runs by their folders (as far up their paths as tells them apart)
        String[] names = compare == null || parent == null ? new String[] {"this run", "compared"}
                : runNames(parent, compare.toAbsolutePath());
        if (authors != null) {
            runs.add(authors);
            String name = AuthorsFile.name(a);
            title = "the authors' run" + (name == null ? "" : " " + name);
        } else {
            if (run == null) {
                List<String> where = new ArrayList<>();
                for (Path f : looked) {
                    where.add(f.resolve(RunRecord.METRICS).toString());
                }
                throw new IllegalArgumentException("--curves: " + input.checkpoint + " records no training curves: it "
                        + "holds no authors' tracker, and there is no " + String.join(" nor ", where));
            }
            runs.add(TrainingCurves.ours(run.resolve(RunRecord.METRICS), names[0]));
            Path runName = run.toAbsolutePath().normalize().getFileName();
            title = "run " + (runName == null ? run : runName);
        }
        if (compare != null) {
            Checks.inputFolder("--compare", compare, "give a run folder of dspn4j (train --out)");
            Path metrics = compare.resolve(RunRecord.METRICS);
            if (!Files.isRegularFile(metrics)) {
                throw new IllegalArgumentException("--compare " + compare + ": not a run folder (no " + RunRecord.METRICS + ")");
            }
            runs.add(TrainingCurves.ours(metrics, authors != null ? "ours" : names[1]));
            Path name = compare.toAbsolutePath().normalize().getFileName();
            title += " vs " + (authors != null ? "our run " : "run ") + (name == null ? compare : name);
        }
        return TrainingCurves.figure(title, runs);
    }

    /**
     * Where the record (metrics.jsonl, run.json) of a checkpoint's run may be, in the order looked at: the folder
     * holding it (train's run folder: {@code run/checkpoint.npz}), then the folder beside it named as the file without
     * {@code .npz} (a shipped model: {@code models/mnist-dspn.npz} with {@code models/mnist-dspn/}, README). A run's
     * checkpoint (train's {@code checkpoint.npz}, or any file in a folder that holds a run's record) has its record in
     * its own folder only: no {@code run/checkpoint/} is looked at or named.
     */
    static Path[] recordFolders(Path checkpoint) {
        Path parent = checkpoint.getParent() != null ? checkpoint.getParent() : Path.of("");
        Path file = checkpoint.getFileName();
        if (file == null || file.toString().equals(TrainingLoop.CHECKPOINT) || RunRecord.recordIn(parent) != null) {
            return new Path[] {parent};
        }
        String name = file.toString();
        if (name.length() > Checks.NPZ.length() && name.toLowerCase(java.util.Locale.ROOT).endsWith(Checks.NPZ)) {
            return new Path[] {parent, parent.resolve(name.substring(0, name.length() - Checks.NPZ.length()))};
        }
        return new Path[] {parent};
    }

    /**
     * Legend names of two run folders: their last path components, as many as tell them apart
     * ({@code seed-1/run} and {@code seed-2/run} for two seeds of {@code repeat}); "this run" and "compared" for
     * one folder given twice.
     */
    static String[] runNames(Path a, Path b) {
        a = a.normalize();
        b = b.normalize();
        int na = a.getNameCount();
        int nb = b.getNameCount();
        for (int k = 1; k <= Math.max(na, nb); k++) {
            String sa = (k <= na ? a.subpath(na - k, na) : a).toString();
            String sb = (k <= nb ? b.subpath(nb - k, nb) : b).toString();
            if (!sa.equals(sb)) {
                return new String[] {sa, sb};
            }
        }
        return new String[] {"this run", "compared"};
    }

    /** The paper's figure (or table) for the checkpoint, written to --out. */
    private void figure(ModelConfig.Task task, ModelConfig cfg, RunInfo run, Path md, int k) throws IOException {
        int b = input.batch(run);
        int th = threads.threads(compute);
        if (task == ModelConfig.Task.MNIST) {
            Path dataDir = input.mnistData(run);
            long seed = input.seed(run);
            MnistDataset testSplit = MnistExperiment.testSplit(dataDir);
            input.requireRunMnist(run, testSplit); // the run's own data: as it recorded them
            try (Compute c = EvalCommand.open(compute, cfg, th)) {
                Backend be = c.backend();
                Net net = input.loadModel(be, EvalCommand.MNIST_MODEL);
                Net base = baseline == null ? null : EvalCommand.load(be, baseline, input.allowNonFinite);
                boolean full = input.full(run);
                MnistBatcher test = MnistExperiment.testBatches(testSplit, full, b, seed);
                CheckpointOptions.requireOneBatch(test.batchesPerEpoch(), CheckpointOptions.mnistName(dataDir) + ": the "
                        + (full ? testSplit.size() : testSplit.size() / 10) + " test digits the figure is drawn from", b, !full,
                        "--full");
                requireRows(k, test.batchesPerEpoch() * b, "test digits");
                var fig = MnistExperiment.progressionFigure(be, net, base, test, k);
                IoErrors.naming(out, () -> fig.writePng(out));
            }
            System.out.println("wrote " + out);
            return;
        }
        ClevrSource src = input.clevrData(run);
        try (Compute c = EvalCommand.open(compute, cfg, th)) {
            Backend be = c.backend();
            Net net = input.loadClevr(be);
            Net base = baseline == null ? null : ClevrExperiment.load(be, baseline, Net::create, input.allowNonFinite);
            src.prepare(System.out, th);
            input.requireRunClevr(run, src);
            boolean full = input.full(run);
            ClevrBatches test = ClevrExperiment.testBatches(src, ClevrEvaluation.target(task), full, b);
            CheckpointOptions.requireOneBatch(test.batchesPerEpoch(), src.root() + ": the "
                    + src.evalCount(test.dataset().size(), full) + " val scenes the figure is drawn from", b,
                    !full && !src.isGenerated(), "--full");
            requireRows(k, test.samples(), "val scenes");
            if (task == ModelConfig.Task.CLEVR_BOX) {
                var fig = ClevrShow.boxFigure(be, net, base, test, k);
                IoErrors.naming(out, () -> fig.writePng(out));
                System.out.println("wrote " + out);
            } else {
                StateTable t = ClevrShow.stateTable(be, net, base, test, k);
                IoErrors.naming(out, () -> t.writePng(out));
                IoErrors.writeAtomic(md, t.markdown());
                System.out.print(t.text());
                System.out.println("wrote " + out + " and " + md);
            }
        }
    }

    /**
     * --rows asked for no more rows than the evaluated batches hold (whole batches only); the default is cut to what
     * they hold.
     */
    private void requireRows(int k, int available, String what) {
        if (rows != null && k > available) {
            throw new IllegalArgumentException("--rows " + k + ": the evaluated " + what + " hold only " + available
                    + " in whole --batch batches; give --rows " + available + " or fewer");
        }
    }
}
