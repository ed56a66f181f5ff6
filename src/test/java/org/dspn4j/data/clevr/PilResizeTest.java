package org.dspn4j.data.clevr;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link RgbImage#resizeBilinear} against Pillow 9.4 (Debian python3-pil): the outputs in
 * {@code src/test/resources/clevr/pil/} were written by {@code golden/clevr/pil_resize.py}.
 * Target: identical bytes.
 */
class PilResizeTest {

    @Test
    void matchesPillowByteForByte() throws IOException {
        Path root = Fixtures.root();
        List<String> cases = Files.readAllLines(root.resolve("pil/cases.txt")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        assertEquals(9, cases.size());
        StringBuilder report = new StringBuilder();
        int worst = 0;
        for (String line : cases) {
            String[] f = line.trim().split("\\s+");
            RgbImage in = RgbImage.read(root.resolve(f[0]));
            RgbImage expected = RgbImage.read(root.resolve(f[3]));
            RgbImage got = in.resizeBilinear(Integer.parseInt(f[1]), Integer.parseInt(f[2]));
            assertEquals(expected.width(), got.width());
            assertEquals(expected.height(), got.height());
            int max = 0;
            int differing = 0;
            for (int i = 0; i < got.planes().length; i++) {
                int d = Math.abs((got.planes()[i] & 0xFF) - (expected.planes()[i] & 0xFF));
                max = Math.max(max, d);
                differing += d != 0 ? 1 : 0;
            }
            report.append(String.format("%-45s -> %dx%d: max |diff| %d, %d samples differ%n", f[0], got.width(),
                    got.height(), max, differing));
            worst = Math.max(worst, max);
        }
        System.out.print("Pillow bilinear resize comparison:\n" + report);
        assertEquals(0, worst, report.toString());
    }

    @Test
    void unitFloatsAreBytesOver255InPlaneLayout() {
        byte[] planes = new byte[3 * 2 * 2];
        planes[0] = (byte) 255;        // (c=0, y=0, x=0)
        planes[4 + 3] = (byte) 128;    // (c=1, y=1, x=1)
        float[] f = new RgbImage(2, 2, planes).toUnitFloats();
        assertEquals(1f, f[0]);
        assertEquals(128 / 255f, f[7]);
        assertEquals(0f, f[11]);
    }
}
