package org.dspn4j.data.mnist;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The authors' point test is {@code Normalize(0.1307, 0.3081)(ToTensor(byte)) > 0}, computed by
 * torchvision in float32 ({@code dspn/data.py:MNISTSet.__init__} and {@code image_to_set} at be3703b;
 * docs/reference-behaviour.md §6). {@link MnistSet#isPoint(int)} says {@code byte >= 34}. This
 * checks that the two agree on all 256 byte values, under each way PyTorch may evaluate it.
 */
class ThresholdTest {

    private static final float MEAN = 0.1307f;
    private static final float STD = 0.3081f;

    @Test
    void byteThresholdAgreesWithNormalisedFloat32ForAllBytes() {
        List<String> differ = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            float x = (float) b / 255f;                       // ToTensor: float32 division by 255
            boolean divided = (x - MEAN) / STD > 0f;          // Normalize: sub_(mean).div_(std)
            float xr = (float) b * (1f / 255f);               // a kernel that multiplies by the reciprocal
            boolean reciprocal = (xr - MEAN) * (1f / STD) > 0f;
            boolean inDouble = (b / 255.0 - 0.1307) / 0.3081 > 0.0;
            boolean rule = MnistSet.isPoint(b);
            if (divided != rule || reciprocal != rule || inDouble != rule) {
                differ.add(b + ": float32 " + divided + ", float32-reciprocal " + reciprocal
                        + ", double " + inDouble + ", byte>=34 " + rule);
            }
        }
        assertEquals(List.of(), differ, "bytes where the rules disagree");
    }

    @Test
    void thresholdIsBetween33And34() {
        assertEquals(false, MnistSet.isPoint(33));
        assertEquals(true, MnistSet.isPoint(34));
        assertEquals(34, MnistSet.THRESHOLD_BYTE);
    }
}
