package org.dspn4j.experiment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;
import org.dspn4j.io.torch.TorchCheckpoint;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.model.WeightShapes;
import org.dspn4j.model.Weights;
import org.dspn4j.nn.Parameter;
import org.dspn4j.optim.Adam;
import org.dspn4j.tensor.Tensor;

/**
 * A training checkpoint: one {@code .npz} with the weights under the authors' names, Adam's state
 * under {@code optim/}, the position in the data stream under {@code rng/} and the format version
 * and configuration under {@code meta/}. Written to a temporary file and renamed, so a crash never
 * leaves a half-written checkpoint in place of the previous one.
 *
 * <p>Everything is checked when a checkpoint is read, before the model or Adam is touched, and a
 * refusal is one line naming the file and the entry: the counters ({@code optim/step},
 * {@code rng/epoch}, {@code rng/batch}, {@code rng/step}) are non-negative integer scalars with
 * {@code optim/step = rng/step} and {@code rng/batch} within an epoch where the steps put it ({@link #position});
 * after the first step both Adam moments of every parameter are
 * present, floating point and of the parameter's shape, and none names an unknown parameter; the
 * weights fit the model ({@link Weights#load}); the configuration is well formed; and no weight or
 * moment is NaN or infinite unless {@code allowNonFinite} (an auditor following a NaN).
 */
public final class Checkpoint {
    private static final String FIRST = "optim/exp_avg/";
    private static final String SECOND = "optim/exp_avg_sq/";

    private Checkpoint() {
    }

    /** Where training stands: the next batch to train on and the steps taken. */
    public record Position(long epoch, int batch, long step) {
    }

    public static void save(Path file, Net net, Adam adam, Position pos, String configJson) throws IOException {
        Map<String, NdArray> a = new LinkedHashMap<>(Weights.toArrays(net));
        a.put("optim/step", NdArray.of(new long[] {adam.steps()}, 1));
        List<String> names = adam.names();
        for (int i = 0; i < names.size(); i++) {
            if (adam.firstMoment(i) != null) {
                a.put(FIRST + names.get(i), Weights.toNd(adam.firstMoment(i)));
                a.put(SECOND + names.get(i), Weights.toNd(adam.secondMoment(i)));
            }
        }
        a.put("rng/epoch", NdArray.of(new long[] {pos.epoch()}, 1));
        a.put("rng/batch", NdArray.of(new long[] {pos.batch()}, 1));
        a.put("rng/step", NdArray.of(new long[] {pos.step()}, 1));
        byte[] cfg = configJson.getBytes(StandardCharsets.UTF_8);
        a.put("meta/config_json", NdArray.ofUnsignedBytes(cfg, cfg.length));
        IoErrors.naming(file, () -> Npz.writeAtomic(file, a));
    }

    /**
     * The arrays of a checkpoint or weights file, told apart by content: an {@code .npz}, or the authors'
     * {@code torch.save} log read as the arrays {@code import-torch} writes from it (its args decide the
     * model, its weights checked against it: {@link AuthorsFile#asCheckpoint}). A read error names the file.
     */
    public static Map<String, NdArray> read(Path file) throws IOException {
        if (TorchCheckpoint.isTorchFile(file)) {
            return AuthorsFile.asCheckpoint(file);
        }
        return IoErrors.naming(file, () -> Npz.read(file));
    }

    /**
     * The batch size of the run that made a file, when the file records it: the authors' args
     * ({@code batch_size}) of their {@code torch.save} log or of its import. Empty for dspn4j's own
     * checkpoints, whose run.json records it.
     */
    public static OptionalInt recordedBatch(Path file) throws IOException {
        Map<String, NdArray> a = TorchCheckpoint.isTorchFile(file) ? AuthorsFile.meta(TorchCheckpoint.read(file)) : read(file);
        return AuthorsFile.batchSize(file, a);
    }

    /**
     * Restores weights and optimiser state; returns where to continue. Everything is checked first
     * (see the class comment): nothing is changed if the file does not fit the model.
     */
    public static Position load(Path file, Net net, Adam adam, boolean allowNonFinite) throws IOException {
        return load(file, read(file), net, adam, allowNonFinite);
    }

    /** As {@link #load(Path, Net, Adam, boolean)} with NaN and infinite values refused. */
    public static Position load(Path file, Net net, Adam adam) throws IOException {
        return load(file, net, adam, false);
    }

    /** {@link #load(Path, Net, Adam, boolean)} on arrays already read from {@code file}. */
    static Position load(Path file, Map<String, NdArray> a, Net net, Adam adam, boolean allowNonFinite) {
        Position pos = position(file, a);
        long steps = steps(file, a, pos);
        List<String> names = adam.names();
        Map<String, Parameter> params = net.namedParameters();
        NdArray[][] moments = moments(file, a, params, names, steps);
        Tensor[] m = new Tensor[names.size()];
        Tensor[] v = new Tensor[names.size()];
        for (int i = 0; i < names.size(); i++) {
            Tensor p = params.get(names.get(i)).value();
            if (moments[0][i] != null) {
                m[i] = Weights.toTensor(p.backend(), moments[0][i], p.dtype());
                v[i] = Weights.toTensor(p.backend(), moments[1][i], p.dtype());
            }
        }
        if (!allowNonFinite) {
            requireFinite(file, a);
        }
        loadWeights(file, a, net); // checks everything before assigning
        adam.restore(steps, m, v);
        return pos;
    }

    /**
     * The data position stored in a checkpoint, checked: non-negative counters, and a batch that lies within an
     * epoch where the steps put it (rng/step = rng/epoch whole epochs and rng/batch more batches, fewer than an
     * epoch's). Whether the epoch's length is that of the data is for a resume to check, which has the data.
     */
    public static Position position(Path file, Map<String, NdArray> a) {
        long epoch = counter(file, a, "rng/epoch");
        long batch = counter(file, a, "rng/batch");
        long step = counter(file, a, "rng/step");
        if (batch > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(file + ": rng/batch " + batch + " is not a batch index");
        }
        boolean fits = epoch == 0 ? batch == step
                : step - batch >= epoch && (step - batch) % epoch == 0 && batch < (step - batch) / epoch;
        if (!fits) {
            throw new IllegalArgumentException(file + ": rng/batch " + batch + " does not fit rng/epoch " + epoch
                    + " and rng/step " + step + " (the steps taken are rng/epoch whole epochs and rng/batch more batches, "
                    + "fewer than an epoch's)");
        }
        return new Position(epoch, (int) batch, step);
    }

    /** Adam's step count, checked against the position: one Adam step per training step. */
    private static long steps(Path file, Map<String, NdArray> a, Position pos) {
        long steps = counter(file, a, "optim/step");
        if (steps != pos.step()) {
            throw new IllegalArgumentException(file + ": optim/step " + steps + " and rng/step " + pos.step()
                    + " differ (one Adam step per training step)");
        }
        return steps;
    }

    /**
     * Adam's moments for the parameters {@code names} ({[first], [second]}, null before the first step), checked:
     * none of a parameter the model does not have, and each as {@link #moment} requires.
     */
    private static NdArray[][] moments(Path file, Map<String, NdArray> a, Map<String, Parameter> params, List<String> names,
                                       long steps) {
        for (String k : a.keySet()) {
            String name = k.startsWith(FIRST) ? k.substring(FIRST.length()) : k.startsWith(SECOND) ? k.substring(SECOND.length()) : null;
            if (name != null && !params.containsKey(name)) {
                throw new IllegalArgumentException(file + ": " + k + " is the Adam moment of a parameter the model does not have");
            }
        }
        NdArray[][] out = new NdArray[2][names.size()];
        for (int i = 0; i < names.size(); i++) {
            Tensor p = params.get(names.get(i)).value();
            out[0][i] = moment(file, a, FIRST + names.get(i), p, steps);
            out[1][i] = moment(file, a, SECOND + names.get(i), p, steps);
        }
        return out;
    }

    /**
     * Whether a file holds a training state (Adam's under {@code optim/}, the data position under {@code rng/}), as
     * a run's checkpoint does; weights alone (export-weights, import-torch) hold none.
     */
    static boolean holdsTrainingState(Map<String, NdArray> a) {
        return a.keySet().stream().anyMatch(k -> k.startsWith("optim/") || k.startsWith("rng/"));
    }

    /**
     * Checks a training state as a resume does before it restores one (counters, and Adam's moments for the model
     * {@code net}), without restoring it; a file of weights alone has none to check.
     */
    static void checkTrainingState(Path file, Map<String, NdArray> a, Net net) {
        if (!holdsTrainingState(a)) {
            return;
        }
        long steps = steps(file, a, position(file, a));
        Map<String, Parameter> params = net.namedParameters();
        moments(file, a, params, List.copyOf(params.keySet()), steps);
    }

    /** A non-negative integer scalar entry. */
    private static long counter(Path file, Map<String, NdArray> a, String key) {
        NdArray x = a.get(key);
        if (x == null) {
            throw new IllegalArgumentException(file + ": not a training checkpoint (no " + key + ")");
        }
        if (x.dtype() != NdArray.DType.I8 && x.dtype() != NdArray.DType.I4) {
            throw new IllegalArgumentException(file + ": " + key + " must be an integer (int64), got " + x.dtype().descr());
        }
        if (x.size() != 1) {
            throw new IllegalArgumentException(file + ": " + key + " must hold one value, got shape " + Arrays.toString(x.shape()));
        }
        long value = x.dtype() == NdArray.DType.I8 ? x.longs()[0] : x.ints()[0];
        if (value < 0) {
            throw new IllegalArgumentException(file + ": " + key + " must not be negative, got " + value);
        }
        return value;
    }

    /** An Adam moment of parameter {@code p}: required after the first step, floating point, of p's shape. */
    private static NdArray moment(Path file, Map<String, NdArray> a, String key, Tensor p, long steps) {
        NdArray x = a.get(key);
        if (x == null) {
            if (steps > 0) {
                throw new IllegalArgumentException(file + ": " + key + " is missing (Adam's state after " + steps
                        + " steps has both moments of every parameter)");
            }
            return null;
        }
        if (steps == 0) {
            throw new IllegalArgumentException(file + ": " + key + " is present but optim/step is 0 (no step taken)");
        }
        if (x.dtype() != NdArray.DType.F4 && x.dtype() != NdArray.DType.F8) {
            throw new IllegalArgumentException(file + ": " + key + " must be float32 or float64, got " + x.dtype().descr());
        }
        if (!Arrays.equals(x.shape(), p.shape())) {
            throw new IllegalArgumentException(file + ": " + key + " has shape " + Arrays.toString(x.shape())
                    + ", its parameter " + Arrays.toString(p.shape()));
        }
        return x;
    }

    /**
     * Refuses the first floating-point entry (weight, buffer or Adam moment) with a NaN or infinite
     * value, naming the file, the entry and the index. Records under {@code meta/} are not weights and
     * are not checked: a recorded loss curve may hold NaN (the mean of an epoch with no batches, as in
     * an imported file's empty {@code *_mae} lists, or a loss that diverged).
     */
    public static void requireFinite(Path file, Map<String, NdArray> a) {
        for (Map.Entry<String, NdArray> e : a.entrySet()) {
            NdArray x = e.getValue();
            if (e.getKey().startsWith("meta/") || x.dtype() != NdArray.DType.F4 && x.dtype() != NdArray.DType.F8) {
                continue;
            }
            // each value as stored (a float is NaN or infinite exactly when its double is), without a copy
            int i = x.dtype() == NdArray.DType.F4 ? firstNonFinite(x.floats()) : firstNonFinite(x.doubles());
            if (i >= 0) {
                throw new IllegalArgumentException(file + ": " + e.getKey() + " holds " + x.getDouble(i) + " (element " + i
                        + " of " + x.size() + "); --allow-nonfinite loads it anyway");
            }
        }
    }

    /** The index of the first NaN or infinite value, or -1. */
    private static int firstNonFinite(float[] f) {
        for (int i = 0; i < f.length; i++) {
            if (!Float.isFinite(f[i])) {
                return i;
            }
        }
        return -1;
    }

    /** The index of the first NaN or infinite value, or -1. */
    private static int firstNonFinite(double[] d) {
        for (int i = 0; i < d.length; i++) {
            if (!Double.isFinite(d[i])) {
                return i;
            }
        }
        return -1;
    }

    /** Weights.load with the file named in its refusal. */
    private static void loadWeights(Path file, Map<String, NdArray> a, Net net) {
        try {
            Weights.load(net, a);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * A checkpoint's model (configuration and weights), built by {@code models}, every entry checked
     * as for training (a run's checkpoint: its counters and Adam's moments too, as a resume checks them);
     * NaN and infinite weights are refused unless {@code allowNonFinite}.
     */
    public static Net loadModel(org.dspn4j.tensor.Backend be, Path file, ClevrExperiment.Models models,
                                boolean allowNonFinite) throws IOException {
        return loadModel(be, file, read(file), models, allowNonFinite);
    }

    /** {@link #loadModel(org.dspn4j.tensor.Backend, Path, ClevrExperiment.Models, boolean)} on arrays read from {@code file}. */
    public static Net loadModel(org.dspn4j.tensor.Backend be, Path file, Map<String, NdArray> a, ClevrExperiment.Models models,
                         boolean allowNonFinite) {
        ModelConfig cfg = config(file, a);
        if (holdsTrainingState(a)) {
            steps(file, a, position(file, a)); // the counters first, before a model is built
        }
        if (!allowNonFinite) {
            requireFinite(file, a);
        }
        // every parameter is replaced by the file's (loadWeights refuses a file that lacks one): nothing to draw
        Net net = models.create(be, cfg, org.dspn4j.nn.Init.NO_DRAWS);
        checkTrainingState(file, a, net);
        loadWeights(file, a, net);
        return net;
    }

    /** Whether an .npz holds weights and nothing of a training run (no Adam state, no data position, no model). */
    private static boolean weightsAlone(Map<String, NdArray> a) {
        return a.keySet().stream().anyMatch(k -> !k.startsWith("meta/"))
                && a.keySet().stream().noneMatch(k -> k.startsWith("optim/") || k.startsWith("rng/"));
    }

    /** The configuration JSON stored in a checkpoint. */
    public static String configJson(Path file) throws IOException {
        return configJson(file, read(file));
    }

    /** The arrays' {@code meta/config_json} as text: a refusal naming {@code file} if it is absent, not a uint8 vector or not UTF-8. */
    public static String configJson(Path file, Map<String, NdArray> a) {
        if (!a.containsKey("meta/config_json")) {
            throw new IllegalArgumentException(file + ": no meta/config_json (not a checkpoint of dspn4j)" + (weightsAlone(a)
                    ? ": weights without the model they belong to, the input of trace --weights (with --model and the "
                    + "model's options); to evaluate them, import the torch.save file they came from with import-torch FILE "
                    + "--model mnist|clevr-box|clevr-state, which records the model (docs/audit.md)" : ""));
        }
        return AuthorsFile.text(file, a, "meta/config_json");
    }

    /** The model configuration stored in a checkpoint (of the authors' log: its args), checked. */
    public static ModelConfig config(Path file) throws IOException {
        if (TorchCheckpoint.isTorchFile(file)) {
            return AuthorsFile.config(file);
        }
        return config(file, read(file));
    }

    /** {@link #config(Path)} of arrays read from the .npz {@code file}. */
    public static ModelConfig config(Path file, Map<String, NdArray> a) {
        try {
            ModelConfig c = ModelConfigJson.parse(configJson(file, a));
            WeightShapes.requireRoom(c, a); // before anyone builds the model it describes
            return c;
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            throw new IllegalArgumentException(m != null && m.startsWith(file.toString()) ? m
                    : file + ": meta/config_json: " + m, e);
        }
    }
}
