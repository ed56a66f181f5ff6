package org.dspn4j.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.experiment.AuthorsFile;
import org.dspn4j.experiment.BackendChoice;
import org.dspn4j.experiment.Checkpoint;
import org.dspn4j.experiment.Compute;
import org.dspn4j.experiment.Heap;
import org.dspn4j.experiment.IoErrors;
import org.dspn4j.experiment.Trace;
import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;
import org.dspn4j.io.torch.TorchCheckpoint;
import org.dspn4j.model.AuthorsArgs;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.model.Weights;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code dspn4j trace}: one training step on given weights and inputs, every intermediate written out.
 * {@code --weights} is an {@code .npz} or a {@code torch.save} file, told apart by content; the
 * authors' log brings its args, which then set the model (decoder, T, eta, lambda, float32 FSPool
 * ratios, float32) where the command line does not.
 */
@Command(name = "trace", mixinStandardHelpOptions = true,
        header = "Run one training step and write every intermediate value, for audits against the authors' code.",
        description = {"Input .npz: target_set (B,C,N), target_mask (B,N) [, images (B,3,128,128) for CLEVR].",
                "Output .npz: sets, masks, inner_losses, z, target_repr, set_loss, outer_loss, grad/<name>."})
public final class TraceCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "mnist, clevr-box or clevr-state")
    String model;

    @Option(names = "--decoder", defaultValue = "dspn", description = "dspn, mlp or rnn (default: ${DEFAULT-VALUE})")
    String decoder;

    @Option(names = "--weights", description = "weights .npz under the authors' state_dict names, or a torch.save file "
            + "(recognised by content): the authors' log logs/NAME, whose args set the model where no option here does "
            + "(--decoder, --iters, --inner-lr, --dtype, --hungarian, --mask-plus1, --float32-ratios), or a state_dict "
            + "(default: seeded initialisation)")
    Path weights;

    @Option(names = "--input", required = true, description = "input .npz")
    Path input;

    @Option(names = "--out", required = true, description = "the .npz to write, named *.npz")
    Path out;

    @Option(names = "--force", description = "write over --out if it exists")
    boolean force;

    @Option(names = "--iters", defaultValue = "10", description = "inner steps T; the step's memory grows with it (default: ${DEFAULT-VALUE})")
    int iters;

    @Option(names = "--inner-lr", defaultValue = "800", description = "inner step size eta, greater than 0 (default: ${DEFAULT-VALUE})")
    double innerLr;

    @Option(names = "--dtype", defaultValue = "f64", description = "f32 or f64 (default: ${DEFAULT-VALUE})")
    String dtype;

    @Spec
    CommandSpec spec;

    @Mixin
    BackendOptions compute = new BackendOptions();

    @Mixin
    ThreadOptions threads = new ThreadOptions();

    @Option(names = "--seed", defaultValue = "1", description = "seed of the initialisation without --weights (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--mask-plus1", description = "baselines output mask + 1")
    boolean maskPlusOne;

    @Option(names = "--float32-ratios", description = "FSPool ratios rounded in float32, as the authors' code")
    boolean float32Ratios;

    @Option(names = "--hungarian", defaultValue = "final", description = "final or all (default: ${DEFAULT-VALUE})")
    String hungarian;

    @Option(names = "--allow-nonfinite", description = "trace inputs or weights with NaN or infinite values (an audit of how "
            + "they propagate) instead of refusing them")
    boolean allowNonFinite;

    @Override
    public Integer call() throws Exception {
        ModelConfig.Task task = Checks.task("--model", model);
        DType dt = TrainCommand.parseDtype(dtype);
        ModelConfig.DecoderKind kind = Checks.decoder("--decoder", decoder);
        Checks.atLeast("--iters", iters, 0);
        Checks.positive("--inner-lr", innerLr); // eta of Algorithm 1: 0 leaves Y(0) as it is, below 0 climbs the loss
        BackendChoice backend = compute.choice(); // every option checked before --input is read
        int threadCount = threads.threads(compute);
        if (!hungarian.equals("final") && !hungarian.equals("all")) {
            throw new IllegalArgumentException("--hungarian must be final or all, got '" + hungarian + "'");
        }
        Checks.inputFile("--input", input);
        if (weights != null) {
            Checks.inputFile("--weights", weights);
        }
        Checks.outputFile("--out", out, input, weights);
        Checks.npzName("--out", out);
        Checks.requireNewOrForced("--out", out, force); // an earlier trace, kept to compare with
        Map<String, NdArray> in = IoErrors.naming(input, () -> Npz.read(input));
        NdArray ts = require(in, "target_set", input);
        NdArray tm = require(in, "target_mask", input);
        if (ts.ndim() != 3 || ts.shape()[1] != task.setChannels || tm.ndim() != 2 || tm.shape()[0] != ts.shape()[0]
                || tm.shape()[1] != ts.shape()[2]) {
            throw new IllegalArgumentException(input + ": target_set " + java.util.Arrays.toString(ts.shape()) + " and target_mask "
                    + java.util.Arrays.toString(tm.shape()) + " must be (B," + task.setChannels + ",N) and (B,N)");
        }
        if (ts.shape()[0] == 0 || ts.shape()[2] == 0) {
            throw new IllegalArgumentException(input + ": target_set " + java.util.Arrays.toString(ts.shape())
                    + " holds no set: B (" + ts.shape()[0] + ") and N (" + ts.shape()[2] + ") must be at least 1");
        }
        NdArray im = null;
        if (task.supervised()) {
            im = require(in, "images", input);
            if (im.ndim() != 4 || im.shape()[0] != ts.shape()[0] || im.shape()[1] != 3 || im.shape()[2] < 1 || im.shape()[3] < 1) {
                throw new IllegalArgumentException(input + ": images " + java.util.Arrays.toString(im.shape())
                        + " must be (B,3,H,W) with the batch of target_set");
            }
        }
        if (!allowNonFinite) {
            requireFinite(input, "target_set", ts);
            requireFinite(input, "target_mask", tm);
            if (im != null) {
                requireFinite(input, "images", im);
            }
        }
        ModelConfig cfg = ModelConfig.paper(task, kind).withDtype(dt)
                .withInner(iters, innerLr).withSetSize(ts.shape()[2])
                .withOptions("all".equals(hungarian), maskPlusOne, float32Ratios);
        Map<String, NdArray> w = null;
        ModelConfig authors = null;
        if (weights != null && TorchCheckpoint.isTorchFile(weights)) {
            TorchCheckpoint ck = TorchCheckpoint.read(weights);
            w = ck.weights();
            authors = AuthorsFile.settings(ck).map(AuthorsArgs.Settings::config).orElse(null);
        } else if (weights != null) {
            w = IoErrors.naming(weights, () -> Npz.read(weights));
        }
        if (w != null && !allowNonFinite) {
            Checkpoint.requireFinite(weights, w);
        }
        if (authors != null) {
            if (authors.task() != task) {
                throw new IllegalArgumentException("--weights " + weights + " holds a " + authors.task().cliName()
                        + " model (its args), not " + task.cliName());
            }
            cfg = fromArgs(authors, ts.shape()[2]);
            ModelConfig held;
            try {
                held = Trace.sizesFromWeights(cfg, w);
            } catch (IllegalArgumentException e) {
                held = null; // the weights' own shapes: refused by checkShapes below, naming --weights
            }
            if (held != null) {
                requireSetSize(held.setSize(), ts, tm);
            }
            AuthorsFile.checkShapes(weights, cfg, w);
        } else if (w != null) {
            try {
                cfg = Trace.sizesFromWeights(cfg, w);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(weights + ": " + e.getMessage(), e);
            }
            requireSetSize(cfg.setSize(), ts, tm);
        }
        dt = cfg.dtype();
        try (Compute c = backend.open(dt, threadCount, System.out)) {
            trace(c.backend(), cfg, w, ts, tm, im, dt);
        } catch (OutOfMemoryError e) {
            throw new IllegalArgumentException(outOfMemory(cfg, ts), e);
        }
        System.out.println("wrote " + out);
        return 0;
    }

    /**
     * trace's out-of-memory line: the step, its intermediates and their gradients grow with the inner steps T, the
     * batch B and the set size N (trace has no --batch: B and N are the input's), so a smaller --iters or input, or a
     * larger heap ({@link Heap#larger}, as the other commands' out-of-memory lines name it), helps.
     */
    static String outOfMemory(ModelConfig cfg, NdArray ts) {
        return String.format(java.util.Locale.ROOT, "out of memory tracing %d inner steps (--iters) at batch %d, set size "
                + "%d (the --input's) with a %s heap; a smaller --iters, a smaller input or a larger heap helps, "
                + "e.g. %s", cfg.iters(), ts.shape()[0], ts.shape()[2], Heap.max(), Heap.larger());
    }

    /** The model of the authors' args, each setting given on the command line instead where it is. */
    private ModelConfig fromArgs(ModelConfig args, int setSize) {
        ModelConfig c = args.withSetSize(setSize);
        if (given("--decoder")) {
            c = c.withDecoder(Checks.decoder("--decoder", decoder));
        }
        if (given("--dtype")) {
            c = c.withDtype(TrainCommand.parseDtype(dtype));
        }
        c = c.withInner(given("--iters") ? iters : c.iters(), given("--inner-lr") ? innerLr : c.innerLr());
        return c.withOptions(given("--hungarian") ? "all".equals(hungarian) : c.hungarianAllSteps(),
                maskPlusOne || c.maskPlusOne(), float32Ratios || c.float32Ratios());
    }

    private boolean given(String option) {
        return spec != null && spec.commandLine() != null && spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    private void trace(Backend be, ModelConfig cfg, Map<String, NdArray> w, NdArray ts, NdArray tm, NdArray im, DType dt)
            throws java.io.IOException {
        Net net = Net.create(be, cfg, new MersenneTwister(seed));
        if (w != null) {
            try {
                Weights.load(net, w);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(weights + ": " + e.getMessage(), e);
            }
        }
        Tensor set = be.fromHost(ts.toDoubles(), dt, ts.shape());
        Tensor mask = be.fromHost(tm.toDoubles(), dt, tm.shape());
        Tensor images = im == null ? null : be.fromHost(im.toDoubles(), dt, im.shape());
        Map<String, NdArray> result = Trace.run(net, images, set, mask);
        IoErrors.naming(out, () -> Npz.writeAtomic(out, result));
    }

    /**
     * Refuses an input whose set size is not {@code n}, the one the weights hold (the DSPN's starting set, the MLP's
     * output), naming the --input file, its entries and the shapes they must have, before anything is computed.
     */
    private void requireSetSize(int n, NdArray ts, NdArray tm) {
        int c = ts.shape()[1];
        if (n != ts.shape()[2]) {
            throw new IllegalArgumentException("--input " + input + ": target_set " + java.util.Arrays.toString(ts.shape())
                    + " and target_mask " + java.util.Arrays.toString(tm.shape()) + " hold sets of N = " + ts.shape()[2]
                    + ", but --weights " + weights + " holds a model of set size N = " + n + ": they must be (B," + c + ","
                    + n + ") and (B," + n + ")");
        }
    }

    /** Refuses an input array with a NaN or infinite value, naming the file, the array and the element. */
    private static void requireFinite(Path file, String key, NdArray a) {
        double[] d = a.toDoubles();
        for (int i = 0; i < d.length; i++) {
            if (!Double.isFinite(d[i])) {
                throw new IllegalArgumentException(file + ": " + key + " holds " + d[i] + " (element " + i + " of " + d.length
                        + "); --allow-nonfinite traces it anyway");
            }
        }
    }

    private static NdArray require(Map<String, NdArray> m, String key, Path file) {
        NdArray a = m.get(key);
        if (a == null) {
            throw new IllegalArgumentException(file + ": missing entry '" + key + "'");
        }
        return a;
    }
}
