package org.dspn4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.dspn4j.io.NdArray;
import org.junit.jupiter.api.Test;

/**
 * {@link Checkpoint#requireFinite} reads each float32 value as a float and each float64 value as a double: the refusal
 * names the first non-finite value of either width as the double it stands for, with its index and the entry's size,
 * entries in the file's order and records under {@code meta/} skipped.
 */
class CheckpointReadsAuditTest {
    private static final Path FILE = Path.of("ck.npz");

    private static String refusal(Map<String, NdArray> a) {
        return assertThrows(IllegalArgumentException.class, () -> Checkpoint.requireFinite(FILE, a)).getMessage();
    }

    @Test
    void float32AndFloat64ValuesAreRefusedAtTheFirstNonFiniteOne() {
        Map<String, NdArray> a = new LinkedHashMap<>();
        a.put("meta/curve", NdArray.of(new double[] {Double.NaN}, 1)); // a record, not a weight
        a.put("w", NdArray.of(new float[] {1f, -0f, Float.MAX_VALUE, Float.MIN_VALUE}, 2, 2));
        a.put("optim/step", NdArray.of(new long[] {Long.MAX_VALUE}, 1));
        Checkpoint.requireFinite(FILE, a); // all finite

        a.put("optim/exp_avg/w", NdArray.of(new float[] {0f, Float.NEGATIVE_INFINITY, Float.NaN}, 3));
        a.put("v", NdArray.of(new double[] {Double.NaN}, 1));
        assertEquals("ck.npz: optim/exp_avg/w holds -Infinity (element 1 of 3); --allow-nonfinite loads it anyway", refusal(a));

        a.put("optim/exp_avg/w", NdArray.of(new float[] {0f, 0f, Float.NaN}, 3));
        assertEquals("ck.npz: optim/exp_avg/w holds NaN (element 2 of 3); --allow-nonfinite loads it anyway", refusal(a));

        a.remove("optim/exp_avg/w");
        a.put("v", NdArray.of(new double[] {Double.MAX_VALUE, 1, Double.POSITIVE_INFINITY, 2, 3, 4}, 2, 3));
        assertEquals("ck.npz: v holds Infinity (element 2 of 6); --allow-nonfinite loads it anyway", refusal(a));
    }
}
