package org.dspn4j.experiment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import org.dspn4j.io.NdArray;
import org.dspn4j.io.torch.Py;
import org.dspn4j.io.torch.TorchCheckpoint;
import org.dspn4j.io.torch.TorchTracker;
import org.dspn4j.model.AuthorsArgs;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.WeightShapes;
import org.dspn4j.model.Weights;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.dspn4j.text.JsonErrors;
import org.dspn4j.text.StrictUtf8;

/**
 * The authors' {@code torch.save} log ({@code dspn/train.py:main at be3703b} saves
 * {@code {"name", "tracker", "weights", "args", "hash"}} each epoch) as dspn4j's arrays: what
 * {@code import-torch} writes to its {@code .npz}, and what {@code --checkpoint}, {@code --baseline}
 * and {@code --weights} read from the file directly ({@link Checkpoint#read}) — the same arrays, so a
 * command gives the same bits on the file and on its import.
 * <pre>
 *   &lt;state_dict names&gt;                          the weights, bit for bit, in file order
 *   meta/format_version, meta/config_json      the model the file's args describe (AuthorsArgs), shapes checked
 *   meta/torch/name, meta/torch/hash, meta/torch/args_json            UTF-8 bytes (|u1)
 *   meta/torch/tracker/&lt;metric&gt;/values   every per-batch value, epochs one after another (f8)
 *   meta/torch/tracker/&lt;metric&gt;/counts   values per epoch (i8)
 *   meta/torch/tracker/&lt;metric&gt;/epoch_mean  per-epoch means, NaN for an empty epoch (f8)
 * </pre>
 * Every refusal is one line naming the file.
 */
public final class AuthorsFile {
    /** The prefix of the run's record in the arrays. */
    public static final String META = "meta/torch/";

    private AuthorsFile() {
    }

    /** The model settings of the file's args, a refusal naming the file; empty for a file without args. */
    public static Optional<AuthorsArgs.Settings> settings(TorchCheckpoint ck) throws IOException {
        Optional<Map<String, Object>> args = ck.args();
        if (args.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(AuthorsArgs.settings(args.get()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(ck.file() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Refuses weights that do not fit the model of {@code cfg}: one line naming the file and every
     * weight with its expected and found shape ({@link WeightShapes#check}).
     */
    public static void checkShapes(Path file, ModelConfig cfg, Map<String, NdArray> weights) {
        try (CpuBackend be = new CpuBackend(1)) {
            WeightShapes.check(be, cfg, weights);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The arrays {@code import-torch} writes: the weights, {@code meta/format_version},
     * {@code meta/config_json} of {@code cfg} (left out when null) and the run's record under
     * {@code meta/torch/}.
     */
    public static Map<String, NdArray> arrays(TorchCheckpoint ck, ModelConfig cfg) throws IOException {
        Map<String, NdArray> out = new LinkedHashMap<>(ck.weights());
        out.put("meta/format_version", NdArray.of(new long[] {Weights.FORMAT_VERSION}, 1));
        if (cfg != null) {
            out.put("meta/config_json", text(ModelConfigJson.toJson(cfg)));
        }
        out.putAll(meta(ck));
        return out;
    }

    /**
     * A torch.save file read as a checkpoint: its args decide the model and the weights must fit it;
     * a file without the authors' args (a bare state_dict) is refused, naming {@code import-torch
     * --model} (which records the settings it lacks).
     */
    public static Map<String, NdArray> asCheckpoint(Path file) throws IOException {
        TorchCheckpoint ck = TorchCheckpoint.read(file);
        ModelConfig cfg = requireSettings(ck).config();
        Map<String, NdArray> a = arrays(ck, cfg);
        checkShapes(file, cfg, a);
        return a;
    }

    /** The model the file's args describe (no weights read), refused without args as {@link #asCheckpoint}. */
    public static ModelConfig config(Path file) throws IOException {
        return requireSettings(TorchCheckpoint.read(file)).config();
    }

    private static AuthorsArgs.Settings requireSettings(TorchCheckpoint ck) throws IOException {
        return settings(ck).orElseThrow(() -> new IllegalArgumentException(ck.file() + ": a torch.save file without the "
                + "authors' args (a bare state_dict), so its model settings are unknown; record them with dspn4j import-torch "
                + ck.file() + " --model mnist|clevr-box|clevr-state [--decoder dspn|mlp|rnn] --out W.npz and give W.npz"));
    }

    /** The batch size of the authors' run ({@code args.batch_size}, kept in {@code meta/torch/args_json}), if recorded. */
    public static OptionalInt batchSize(Path file, Map<String, NdArray> a) throws IOException {
        if (!a.containsKey(META + "args_json")) {
            return OptionalInt.empty();
        }
        Double b;
        try {
            b = RunRecord.numbers(text(file, a, META + "args_json")).get("batch_size");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": " + META + "args_json: malformed JSON: " + JsonErrors.message(e), e);
        }
        if (b == null) {
            return OptionalInt.empty();
        }
        if (b != Math.rint(b) || b < 1 || b > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(file + ": args.batch_size is " + b + ", not a batch size");
        }
        return OptionalInt.of((int) (double) b);
    }

    /**
     * The per-epoch means of a tracker metric recorded in the arrays
     * ({@code meta/torch/tracker/<metric>/epoch_mean}: the mean of each epoch's per-batch values), or
     * null if the arrays hold none.
     */
    public static double[] epochMeans(Map<String, NdArray> a, String metric) {
        NdArray m = a.get(META + "tracker/" + metric + "/epoch_mean");
        return m == null || m.dtype() != NdArray.DType.F8 || m.ndim() != 1 ? null : m.doubles();
    }

    /** The run's name ({@code meta/torch/name}), or null. */
    public static String name(Map<String, NdArray> a) {
        NdArray n = a.get(META + "name");
        return n == null || n.dtype() != NdArray.DType.U1 ? null : text(n);
    }

    /** The {@code meta/torch/} entries of a file: name, hash, args and the tracker (see the class comment). */
    public static Map<String, NdArray> meta(TorchCheckpoint ck) throws IOException {
        Map<String, NdArray> m = new LinkedHashMap<>();
        if (ck.name().isPresent()) {
            m.put(META + "name", text(ck.name().get()));
        }
        if (ck.hash().isPresent()) {
            m.put(META + "hash", text(ck.hash().get()));
        }
        if (ck.args().isPresent()) {
            Map<String, Object> plain = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : ck.args().get().entrySet()) {
                Object v = e.getValue();
                boolean json = v == null || v instanceof String || v instanceof Long || v instanceof Double || v instanceof Boolean;
                plain.put(e.getKey(), json ? v : Py.repr(v, 200));
            }
            m.put(META + "args_json", text(RunRecord.toJson(plain, false)));
        }
        if (ck.tracker().isPresent()) {
            TorchTracker t = ck.tracker().get();
            for (String k : t.keys()) {
                List<double[]> epochs = t.values(k);
                long[] counts = new long[epochs.size()];
                int total = 0;
                for (int i = 0; i < counts.length; i++) {
                    counts[i] = epochs.get(i).length;
                    total += epochs.get(i).length;
                }
                double[] all = new double[total];
                int at = 0;
                for (double[] v : epochs) {
                    System.arraycopy(v, 0, all, at, v.length);
                    at += v.length;
                }
                m.put(META + "tracker/" + k + "/values", NdArray.of(all, total));
                m.put(META + "tracker/" + k + "/counts", NdArray.of(counts, counts.length));
                m.put(META + "tracker/" + k + "/epoch_mean", NdArray.of(t.epochMeans(k), counts.length));
            }
        }
        return m;
    }

    /** UTF-8 bytes as a uint8 vector. */
    public static NdArray text(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return NdArray.ofUnsignedBytes(b, b.length);
    }

    /** A uint8 vector as UTF-8 text. */
    public static String text(NdArray a) {
        return new String(a.unsignedBytes(), StandardCharsets.UTF_8);
    }

    /**
     * Entry {@code key} of the arrays read from {@code file} as text, checked: a uint8 vector of
     * UTF-8 bytes, as {@link #text(String)} writes it. A refusal is one line naming the file and the
     * entry (a hand-edited or damaged {@code .npz} may hold any dtype or bytes there).
     */
    public static String text(Path file, Map<String, NdArray> a, String key) {
        NdArray v = a.get(key);
        if (v.dtype() != NdArray.DType.U1 || v.ndim() != 1) {
            throw new IllegalArgumentException(file + ": " + key + " must be a uint8 vector (UTF-8 text), got "
                    + v.dtype().descr() + " " + Arrays.toString(v.shape()));
        }
        byte[] b = v.unsignedBytes();
        try {
            return StrictUtf8.decode(b, 0, b.length);
        } catch (StrictUtf8.Malformed e) {
            throw new IllegalArgumentException(file + ": " + key + ": not UTF-8 text (at byte " + e.at + ")");
        }
    }
}
