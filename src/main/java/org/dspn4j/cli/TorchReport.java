package org.dspn4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.dspn4j.experiment.AuthorsFile;
import org.dspn4j.io.NdArray;
import org.dspn4j.io.torch.Py;
import org.dspn4j.io.torch.TorchCheckpoint;
import org.dspn4j.io.torch.TorchTensor;
import org.dspn4j.io.torch.TorchTracker;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.WeightShapes;

/**
 * What {@code import-torch} and {@code inspect} print about a checkpoint, and the {@code meta/torch/}
 * entries {@code import-torch} adds to the weights it writes:
 * <pre>
 *   meta/torch/name, meta/torch/hash, meta/torch/args_json      UTF-8 bytes (|u1)
 *   meta/torch/tracker/&lt;metric&gt;/values   every per-batch value, epochs one after another (f8)
 *   meta/torch/tracker/&lt;metric&gt;/counts   values per epoch (i8)
 *   meta/torch/tracker/&lt;metric&gt;/epoch_mean  per-epoch means, NaN for an empty epoch (f8)
 * </pre>
 */
final class TorchReport {
    static final String META = AuthorsFile.META;

    private TorchReport() {
    }

    static void line(PrintStream out, String label, String value) {
        out.println(String.format(Locale.ROOT, "%-9s%s", label, value));
    }

    /** {@code name='x' dim=16 ...}, values as Python prints them. */
    static String args(Map<String, ?> args) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, ?> e : args.entrySet()) {
            b.append(b.length() == 0 ? "" : " ").append(e.getKey()).append('=').append(Py.repr(e.getValue(), 200));
        }
        return b.toString();
    }

    static String number(double v) {
        return Double.isNaN(v) ? "nan" : String.format(Locale.ROOT, "%.6g", v);
    }

    /** E.g. {@code 3 epochs; last epoch means: train_loss 0.18 (4 batches), ...}. */
    static String tracker(int epochs, Map<String, double[]> means, Map<String, long[]> counts) {
        StringBuilder b = new StringBuilder(epochs + " epoch" + (epochs == 1 ? "" : "s"));
        boolean first = true;
        for (String k : new String[] {"train_loss", "train_last", "test_loss", "test_last"}) {
            double[] m = means.get(k);
            long[] c = counts.get(k);
            if (m == null || c == null) {
                continue;
            }
            for (int i = m.length - 1; i >= 0; i--) {
                if (c[i] > 0) {
                    b.append(first ? "; last epoch means: " : ", ").append(k).append(' ').append(number(m[i])).append(" (")
                            .append(c[i]).append(c[i] == 1 ? " batch" : " batches").append(i == m.length - 1 ? "" : ", epoch " + (i + 1))
                            .append(')');
                    first = false;
                    break;
                }
            }
        }
        return b.toString();
    }

    static String tracker(TorchTracker t) {
        Map<String, double[]> means = new LinkedHashMap<>();
        Map<String, long[]> counts = new LinkedHashMap<>();
        for (String k : t.keys()) {
            means.put(k, t.epochMeans(k));
            List<double[]> v = t.values(k);
            long[] c = new long[v.size()];
            for (int i = 0; i < c.length; i++) {
                c[i] = v.get(i).length;
            }
            counts.put(k, c);
        }
        return tracker(t.epochs(), means, counts);
    }

    /** E.g. {@code 16 tensors, 1,952 values; float32}. */
    static String weights(Map<String, NdArray> w) {
        long n = 0;
        Set<String> dtypes = new LinkedHashSet<>();
        for (NdArray a : w.values()) {
            n += a.size();
            dtypes.add(a.dtype().descr());
        }
        return w.size() + " tensors, " + String.format(Locale.ROOT, "%,d", n) + " values; " + String.join(", ", dtypes);
    }

    /** E.g. {@code 16 tensors, 1,952 values; float32; saved on cuda:0, read onto the host}. */
    static String torchWeights(Map<String, TorchTensor> t) {
        long n = 0;
        Set<String> dtypes = new LinkedHashSet<>();
        Set<String> locations = new LinkedHashSet<>();
        for (TorchTensor x : t.values()) {
            n += x.numel();
            dtypes.add(x.dtype());
            locations.add(x.location());
        }
        return t.size() + " tensors, " + String.format(Locale.ROOT, "%,d", n) + " values; " + String.join(", ", dtypes) + "; saved on "
                + String.join(", ", locations) + (locations.equals(Set.of("cpu")) ? "" : ", read onto the host");
    }

    /**
     * The model as inspect and import-torch name it, with the settings that apply to it: DSPN's inner steps T and
     * inner learning rate η (Algorithm 1), and λ, the weight of the representation loss, only where there is one
     * (DSPN on CLEVR, paper Section 3); an mlp or rnn baseline decodes in one pass and has none of them.
     */
    static String model(ModelConfig c) {
        boolean dspn = c.decoder() == ModelConfig.DecoderKind.DSPN;
        return WeightShapes.describe(c) + (dspn ? ", T " + c.iters() + ", eta " + Py.pyFloat(c.innerLr()) : "")
                + (dspn && c.task().supervised() ? ", lambda " + Py.pyFloat(c.lambda()) : "")
                + ", " + c.dtype().numpyName() + (c.float32Ratios() ? ", float32 FSPool ratios" : "");
    }

    /** One line per tensor: name and columns, each column padded to its widest entry. */
    static void tensorTable(PrintStream out, Map<String, String[]> rows) {
        int[] w = new int[16];
        for (Map.Entry<String, String[]> e : rows.entrySet()) {
            w[0] = Math.max(w[0], e.getKey().length());
            for (int i = 0; i < e.getValue().length; i++) {
                w[i + 1] = Math.max(w[i + 1], e.getValue()[i].length());
            }
        }
        out.println("tensors");
        for (Map.Entry<String, String[]> e : rows.entrySet()) {
            StringBuilder b = new StringBuilder("  ").append(pad(e.getKey(), w[0]));
            for (int i = 0; i < e.getValue().length; i++) {
                b.append("  ").append(pad(e.getValue()[i], w[i + 1]));
            }
            out.println(b.toString().stripTrailing());
        }
    }

    private static String pad(String s, int w) {
        return s + " ".repeat(Math.max(0, w - s.length()));
    }

    // ================================================================ meta/torch entries

    static Map<String, NdArray> meta(TorchCheckpoint ck) throws IOException {
        return AuthorsFile.meta(ck);
    }

    static NdArray text(String s) {
        return AuthorsFile.text(s);
    }

    static String text(NdArray a) {
        return AuthorsFile.text(a);
    }

    /**
     * Prints the meta/torch entries of an imported .npz, if any; an entry of the wrong dtype, or a
     * tracker whose means and counts differ in length, is refused in one line naming {@code file} and the entry.
     */
    static void printImported(PrintStream out, Path file, Map<String, NdArray> npz) {
        if (npz.containsKey(META + "name")) {
            line(out, "name", AuthorsFile.text(file, npz, META + "name"));
        }
        if (npz.containsKey(META + "hash")) {
            line(out, "commit", AuthorsFile.text(file, npz, META + "hash"));
        }
        if (npz.containsKey(META + "args_json")) {
            line(out, "args", args(flatJson(AuthorsFile.text(file, npz, META + "args_json"))));
        }
        Map<String, double[]> means = new LinkedHashMap<>();
        Map<String, long[]> counts = new LinkedHashMap<>();
        int epochs = 0;
        for (Map.Entry<String, NdArray> e : npz.entrySet()) {
            String k = e.getKey();
            if (k.startsWith(META + "tracker/") && k.endsWith("/epoch_mean")) {
                String metric = k.substring((META + "tracker/").length(), k.length() - "/epoch_mean".length());
                NdArray c = npz.get(META + "tracker/" + metric + "/counts");
                if (c != null && c.dtype() == NdArray.DType.I8 && e.getValue().dtype() == NdArray.DType.F8) {
                    if (c.ndim() != 1 || e.getValue().ndim() != 1 || c.size() != e.getValue().size()) {
                        throw new IllegalArgumentException(file + ": " + k + " has shape " + Py.shape(e.getValue().shape())
                                + " but " + META + "tracker/" + metric + "/counts has shape " + Py.shape(c.shape())
                                + ": one value per epoch each");
                    }
                    means.put(metric, e.getValue().doubles());
                    counts.put(metric, c.longs());
                    epochs = Math.max(epochs, c.size());
                }
            }
        }
        if (!means.isEmpty()) {
            line(out, "tracker", tracker(epochs, means, counts));
        }
    }

    /** A flat JSON object to a map of String, Long, Double, Boolean or null (nested values as text). */
    static Map<String, Object> flatJson(String json) {
        Map<String, Object> out = new LinkedHashMap<>();
        try (JsonParser p = new JsonFactory().createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return out;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.getCurrentName();
                JsonToken t = p.nextToken();
                switch (t) {
                    case VALUE_STRING:
                        out.put(name, p.getText());
                        break;
                    case VALUE_NUMBER_INT:
                        out.put(name, p.getLongValue());
                        break;
                    case VALUE_NUMBER_FLOAT:
                        out.put(name, p.getDoubleValue());
                        break;
                    case VALUE_TRUE:
                    case VALUE_FALSE:
                        out.put(name, p.getBooleanValue());
                        break;
                    case VALUE_NULL:
                        out.put(name, null);
                        break;
                    default:
                        p.skipChildren();
                        out.put(name, "?");
                }
            }
        } catch (IOException e) {
            out.put("(unreadable)", org.dspn4j.text.JsonErrors.messageOf(e));
        }
        return out;
    }
}
