package org.dspn4j.io.torch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The training record in the authors' checkpoints ({@code tracker.data} of
 * {@code dspn/track.py:Tracker at be3703b}): for each metric ({@code train_loss}, {@code train_last},
 * {@code test_loss}, {@code test_last}, and the unused {@code *_mae}), one list per epoch of the
 * per-batch values. Means are plain: the values of an epoch summed in order and divided by their
 * count (the progress bar's exponential means are not recorded in the file).
 */
public final class TorchTracker {
    private final Map<String, List<double[]>> series;

    private TorchTracker(Map<String, List<double[]>> series) {
        this.series = series;
    }

    /** Reads {@code {str: [[float, ...], ...]}}; anything else is an error naming the key. */
    static TorchTracker of(Object tracker, String source) throws TorchFormatException {
        if (!(tracker instanceof Map)) {
            throw new TorchFormatException(source, "'tracker' is a " + Py.typeName(tracker) + ", not a dict of per-epoch lists");
        }
        Map<String, List<double[]>> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) tracker).entrySet()) {
            if (!(e.getKey() instanceof String) || !(e.getValue() instanceof List)) {
                throw new TorchFormatException(source, "tracker entry " + Py.repr(e.getKey(), 60) + " is not a str key with a list of epochs");
            }
            String key = (String) e.getKey();
            List<double[]> epochs = new ArrayList<>();
            for (Object epoch : (List<?>) e.getValue()) {
                if (!(epoch instanceof List)) {
                    throw new TorchFormatException(source, "tracker '" + key + "' epoch " + epochs.size() + " is a " + Py.typeName(epoch)
                            + ", not a list of numbers");
                }
                List<?> vals = (List<?>) epoch;
                double[] v = new double[vals.size()];
                for (int i = 0; i < v.length; i++) {
                    Object x = vals.get(i);
                    if (x instanceof Double) {
                        v[i] = (Double) x;
                    } else if (x instanceof Long) {
                        v[i] = (Long) x;
                    } else {
                        throw new TorchFormatException(source, "tracker '" + key + "' epoch " + epochs.size() + " holds a "
                                + Py.typeName(x) + ", not a number");
                    }
                }
                epochs.add(v);
            }
            out.put(key, Collections.unmodifiableList(epochs));
        }
        return new TorchTracker(Collections.unmodifiableMap(out));
    }

    /** The metrics, in file order. */
    public List<String> keys() {
        return new ArrayList<>(series.keySet());
    }

    /** The number of epochs recorded (the longest metric). */
    public int epochs() {
        int n = 0;
        for (List<double[]> e : series.values()) {
            n = Math.max(n, e.size());
        }
        return n;
    }

    /** The per-batch values of each epoch (copies). Empty list for an unknown key. */
    public List<double[]> values(String key) {
        List<double[]> out = new ArrayList<>();
        for (double[] v : series.getOrDefault(key, List.of())) {
            out.add(v.clone());
        }
        return out;
    }

    /** One mean per epoch; NaN for an epoch without values. */
    public double[] epochMeans(String key) {
        List<double[]> e = series.getOrDefault(key, List.of());
        double[] out = new double[e.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = mean(e.get(i));
        }
        return out;
    }

    /** Per-epoch mean curves of the metrics that hold at least one value, in file order. */
    public Map<String, double[]> curves() {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
            boolean any = false;
            for (double[] v : e.getValue()) {
                any |= v.length > 0;
            }
            if (any) {
                out.put(e.getKey(), epochMeans(e.getKey()));
            }
        }
        return out;
    }

    /** The mean of the last epoch that holds values. */
    public OptionalDouble lastEpochMean(String key) {
        List<double[]> e = series.getOrDefault(key, List.of());
        for (int i = e.size() - 1; i >= 0; i--) {
            if (e.get(i).length > 0) {
                return OptionalDouble.of(mean(e.get(i)));
            }
        }
        return OptionalDouble.empty();
    }

    /** The number of values in the last epoch that holds any (0 if none). */
    public int lastEpochCount(String key) {
        List<double[]> e = series.getOrDefault(key, List.of());
        for (int i = e.size() - 1; i >= 0; i--) {
            if (e.get(i).length > 0) {
                return e.get(i).length;
            }
        }
        return 0;
    }

    private static double mean(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }
}
