package org.dspn4j.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;
import org.dspn4j.nn.Module;
import org.dspn4j.nn.Parameter;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Shape;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.text.OneLine;

/**
 * Model weights in {@code .npz} under the authors' PyTorch {@code state_dict()} names and shapes
 * (see {@code docs/audit.md}), so their checkpoints (converted with numpy) load here and ours load
 * in their code.
 *
 * <ul>
 *   <li>The authors' DSPN holds the set encoder twice: {@code set_encoder.*} and
 *       {@code set_decoder.encoder.*}. Saving writes both; loading accepts either and, when both
 *       are present, requires them to be equal in shape and values.</li>
 *   <li>Keys under {@code optim/}, {@code rng/} and {@code meta/} are checkpoint extras and are
 *       skipped here.</li>
 *   <li>Missing keys, unknown keys and wrong shapes are reported together, every offending key
 *       named; nothing is assigned unless the whole file is valid.</li>
 * </ul>
 */
public final class Weights {
    /** Format version written under {@code meta/format_version}. */
    public static final long FORMAT_VERSION = 1;

    private static final String[] EXTRA_PREFIXES = {"optim/", "rng/", "meta/"};
    private static final String ENCODER = "set_encoder.";
    private static final String DECODER_ENCODER = "set_decoder.encoder.";

    private Weights() {
    }

    /** Parameters and buffers under their state_dict names, with DSPN's encoder alias added. */
    public static Map<String, NdArray> toArrays(Module model) {
        Map<String, NdArray> out = new LinkedHashMap<>();
        Map<String, Tensor> state = state(model);
        boolean dspn = hasDspnAlias(model);
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            NdArray a = toNd(e.getValue());
            out.put(e.getKey(), a);
            if (dspn && e.getKey().startsWith(ENCODER)) {
                out.put(DECODER_ENCODER + e.getKey().substring(ENCODER.length()), a);
            }
        }
        out.put("meta/format_version", NdArray.of(new long[] {FORMAT_VERSION}, 1));
        return out;
    }

    /** Writes the weights atomically (temp file + rename). */
    public static void save(Module model, Path file) throws IOException {
        Npz.writeAtomic(file, toArrays(model));
    }

    /** Reads and loads an {@code .npz} file; on any error the model is left unchanged. */
    public static void load(Module model, Path file) throws IOException {
        try {
            load(model, Npz.read(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads weights by name. Validates everything first; throws {@link IllegalArgumentException}
     * listing every missing, unknown, mismatched or inconsistent key, leaving the model unchanged.
     */
    public static void load(Module model, Map<String, NdArray> arrays) {
        Map<String, Tensor> current = state(model);
        boolean dspn = hasDspnAlias(model);
        Map<String, NdArray> byName = new LinkedHashMap<>();
        List<String> unknown = new ArrayList<>();
        List<String> inconsistent = new ArrayList<>();
        for (Map.Entry<String, NdArray> e : arrays.entrySet()) {
            String k = e.getKey();
            if (isExtra(k)) {
                continue;
            }
            String name = k;
            if (dspn && k.startsWith(DECODER_ENCODER)) {
                name = ENCODER + k.substring(DECODER_ENCODER.length());
            }
            if (!current.containsKey(name)) {
                unknown.add(k);
                continue;
            }
            NdArray prev = byName.put(name, e.getValue());
            if (prev != null && (!Shape.same(prev.shape(), e.getValue().shape())
                    || !Arrays.equals(prev.toDoubles(), e.getValue().toDoubles()))) {
                inconsistent.add(name + " differs from " + DECODER_ENCODER + name.substring(ENCODER.length()));
            }
        }
        List<String> missing = new ArrayList<>();
        List<String> wrongShape = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : current.entrySet()) {
            NdArray a = byName.get(e.getKey());
            if (a == null) {
                missing.add(e.getKey());
            } else if (!Shape.same(a.shape(), e.getValue().shape())) {
                wrongShape.add(e.getKey() + " is " + Shape.str(a.shape()) + ", expected " + Shape.str(e.getValue().shape()));
            }
        }
        if (!missing.isEmpty() || !unknown.isEmpty() || !wrongShape.isEmpty() || !inconsistent.isEmpty()) {
            StringBuilder b = new StringBuilder("weights do not fit the model:");
            append(b, "missing", missing);
            append(b, "unknown", unknown);
            append(b, "wrong shape", wrongShape);
            append(b, "inconsistent", inconsistent);
            throw new IllegalArgumentException(b.toString());
        }
        Map<String, Parameter> params = model.namedParameters();
        Map<String, Module.Buffer> buffers = model.namedBuffers();
        for (Map.Entry<String, NdArray> e : byName.entrySet()) {
            Tensor old = current.get(e.getKey());
            Tensor t = old.backend().fromHost(e.getValue().toDoubles(), old.dtype(), old.shape());
            Parameter p = params.get(e.getKey());
            if (p != null) {
                p.set(t);
            } else {
                buffers.get(e.getKey()).set(t);
            }
        }
    }

    private static void append(StringBuilder b, String what, List<String> keys) {
        if (!keys.isEmpty()) {
            b.append(b.charAt(b.length() - 1) == ':' ? " " : "; ").append(what).append(" (").append(keys.size()).append("): ")
                    .append(OneLine.escape(String.join(", ", keys)));
        }
    }

    /** A checkpoint extra ({@code optim/}, {@code rng/}, {@code meta/}), not a weight. */
    static boolean isExtra(String key) {
        for (String p : EXTRA_PREFIXES) {
            if (key.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasDspnAlias(Module model) {
        return model instanceof Net && ((Net) model).config().decoder() == ModelConfig.DecoderKind.DSPN;
    }

    /** Parameters and buffers by name. */
    static Map<String, Tensor> state(Module model) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            out.put(e.getKey(), e.getValue().value());
        }
        for (Map.Entry<String, Module.Buffer> e : model.namedBuffers().entrySet()) {
            out.put(e.getKey(), e.getValue().value());
        }
        return out;
    }

    /** A tensor as an NdArray of the matching numpy dtype. */
    public static NdArray toNd(Tensor t) {
        double[] d = t.toDoubles();
        int[] s = t.shape();
        switch (t.dtype()) {
            case F64:
                return NdArray.of(d, s);
            case F32: {
                float[] f = new float[d.length];
                for (int i = 0; i < d.length; i++) {
                    f[i] = (float) d[i];
                }
                return NdArray.of(f, s);
            }
            case I32: {
                int[] v = new int[d.length];
                for (int i = 0; i < d.length; i++) {
                    v[i] = (int) d[i];
                }
                return NdArray.of(v, s);
            }
            default: {
                long[] v = new long[d.length];
                for (int i = 0; i < d.length; i++) {
                    v[i] = (long) d[i];
                }
                return NdArray.of(v, s);
            }
        }
    }

    /** An NdArray as a tensor of the given floating dtype. */
    public static Tensor toTensor(org.dspn4j.tensor.Backend be, NdArray a, DType dtype) {
        return be.fromHost(a.toDoubles(), dtype, a.shape());
    }
}
