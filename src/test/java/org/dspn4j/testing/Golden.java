package org.dspn4j.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;

import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;
import org.dspn4j.tensor.Tensor;

/**
 * Golden files written by {@code golden/generate.py} (independent PyTorch, float64) and the
 * per-tensor comparison: max|a − b| ≤ tol · max|b|, or ≤ an absolute tolerance for values that are
 * mathematically zero. A failure prints the first mismatching elements.
 */
public final class Golden {
    private final Map<String, NdArray> arrays;
    private final String file;

    private Golden(String file, Map<String, NdArray> arrays) {
        this.file = file;
        this.arrays = arrays;
    }

    /** Loads {@code golden/<name>} from the repository root. */
    public static Golden load(String name) {
        Path p = Path.of("golden", name);
        try {
            return new Golden(p.toString(), Npz.read(p));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read golden file " + p + " (golden/README.md names the script that writes it)", e);
        }
    }

    public NdArray get(String key) {
        NdArray a = arrays.get(key);
        if (a == null) {
            throw new IllegalArgumentException(file + " has no entry " + key);
        }
        return a;
    }

    public boolean has(String key) {
        return arrays.containsKey(key);
    }

    /** Keys under {@code prefix} with the prefix removed, sorted. */
    public TreeSet<String> keys(String prefix) {
        TreeSet<String> out = new TreeSet<>();
        for (String k : arrays.keySet()) {
            if (k.startsWith(prefix)) {
                out.add(k.substring(prefix.length()));
            }
        }
        return out;
    }

    /** Compares relative to the expected tensor's largest magnitude. */
    public static void assertClose(String what, Tensor actual, NdArray expected, double tol) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        assertClose(what, actual.toDoubles(), expected.toDoubles(), tol, 0.0);
    }

    /** Compares with an absolute tolerance (for mathematically-zero values). */
    public static void assertAbsClose(String what, Tensor actual, NdArray expected, double absTol) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        assertClose(what, actual.toDoubles(), expected.toDoubles(), 0.0, absTol);
    }

    public static void assertClose(String what, double[] a, double[] b, double tol, double absTol) {
        double scale = 0;
        for (double v : b) {
            scale = Math.max(scale, Math.abs(v));
        }
        double limit = tol * scale + absTol;
        StringBuilder bad = new StringBuilder();
        int count = 0;
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs(a[i] - b[i]);
            if (!(d <= limit)) {
                if (count < 5) {
                    bad.append(String.format("%n  [%d] ours %.17g golden %.17g |diff| %.3g", i, a[i], b[i], d));
                }
                count++;
                worst = Math.max(worst, d);
            }
        }
        if (count > 0) {
            fail(String.format("%s: %d of %d elements differ by more than %.3g (tol %.1g x max|golden| %.3g + %.1g); worst %.3g:%s",
                    what, count, a.length, limit, tol, scale, absTol, worst, bad));
        }
    }
}
