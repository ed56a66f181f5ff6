package org.dspn4j.experiment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;
import org.dspn4j.model.Net;
import org.dspn4j.model.Weights;
import org.dspn4j.optim.Adam;
import org.dspn4j.tensor.Tensor;

/**
 * A training checkpoint: one {@code .npz} with the weights under the authors' names, Adam's state
 * under {@code optim/}, the position in the data stream under {@code rng/} and the format version
 * and configuration under {@code meta/}. Written to a temporary file and renamed, so a crash never
 * leaves a half-written checkpoint in place of the previous one.
 */
public final class Checkpoint {
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
                a.put("optim/exp_avg/" + names.get(i), Weights.toNd(adam.firstMoment(i)));
                a.put("optim/exp_avg_sq/" + names.get(i), Weights.toNd(adam.secondMoment(i)));
            }
        }
        a.put("rng/epoch", NdArray.of(new long[] {pos.epoch()}, 1));
        a.put("rng/batch", NdArray.of(new long[] {pos.batch()}, 1));
        a.put("rng/step", NdArray.of(new long[] {pos.step()}, 1));
        byte[] cfg = configJson.getBytes(StandardCharsets.UTF_8);
        a.put("meta/config_json", NdArray.ofUnsignedBytes(cfg, cfg.length));
        Npz.writeAtomic(file, a);
    }

    /**
     * Restores weights and optimiser state; returns where to continue. Nothing is changed if the
     * file does not fit the model.
     */
    public static Position load(Path file, Net net, Adam adam) throws IOException {
        Map<String, NdArray> a = Npz.read(file);
        for (String k : new String[] {"optim/step", "rng/epoch", "rng/batch", "rng/step"}) {
            if (!a.containsKey(k)) {
                throw new IllegalArgumentException(file + ": not a training checkpoint (no " + k + ")");
            }
        }
        List<String> names = adam.names();
        Tensor[] m = new Tensor[names.size()];
        Tensor[] v = new Tensor[names.size()];
        Map<String, org.dspn4j.nn.Parameter> params = net.namedParameters();
        for (int i = 0; i < names.size(); i++) {
            NdArray em = a.get("optim/exp_avg/" + names.get(i));
            NdArray ev = a.get("optim/exp_avg_sq/" + names.get(i));
            if (em != null && ev != null) {
                Tensor p = params.get(names.get(i)).value();
                m[i] = Weights.toTensor(p.backend(), em, p.dtype());
                v[i] = Weights.toTensor(p.backend(), ev, p.dtype());
            }
        }
        Weights.load(net, file); // validates everything before assigning
        adam.restore(a.get("optim/step").longs()[0], m, v);
        return new Position(a.get("rng/epoch").longs()[0], (int) a.get("rng/batch").longs()[0], a.get("rng/step").longs()[0]);
    }

    /** The configuration JSON stored in a checkpoint. */
    public static String configJson(Path file) throws IOException {
        NdArray c = Npz.read(file).get("meta/config_json");
        if (c == null) {
            throw new IllegalArgumentException(file + ": no meta/config_json");
        }
        return new String(c.unsignedBytes(), StandardCharsets.UTF_8);
    }
}
