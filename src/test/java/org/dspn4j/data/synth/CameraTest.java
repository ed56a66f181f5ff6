package org.dspn4j.data.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;
import org.dspn4j.data.clevr.Vec3;
import org.junit.jupiter.api.Test;

class CameraTest {

    /**
     * Real CLEVR_val_000000 (src/test/resources/clevr/README.md): with the jitter fitted to it, the
     * camera reproduces all five objects' pixel_coords within 0.31 px and their depth within 0.01.
     */
    @Test
    void reproducesRealClevrPixelCoordinates() {
        Camera c = new Camera(Camera.NOMINAL_LOCATION[0] + 0.373, Camera.NOMINAL_LOCATION[1] + 0.297,
                Camera.NOMINAL_LOCATION[2] - 0.392);
        double[][] real = { // 3d_coords, then pixel_coords
            {-1.4937210083007812, -1.9936031103134155, 0.699999988079071, 119, 131, 10.801968574523926},
            {1.555708646774292, -2.104736566543579, 0.699999988079071, 198, 190, 8.60103988647461},
            {-2.342184543609619, -0.5205014944076538, 0.3499999940395355, 161, 118, 12.372727394104004},
            {-0.8073106408119202, 1.914123773574829, 0.699999988079071, 282, 100, 12.495001792907715},
            {2.6763813495635986, 0.03453871235251427, 0.3499999940395355, 337, 195, 9.161211967468262},
        };
        double worstPx = 0;
        double worstDepth = 0;
        for (double[] r : real) {
            double[] p = c.project(r[0], r[1], r[2]);
            worstPx = Math.max(worstPx, Math.max(Math.abs(p[0] - r[3]), Math.abs(p[1] - r[4])));
            worstDepth = Math.max(worstDepth, Math.abs(p[2] - r[5]));
        }
        assertTrue(worstPx < 0.31, "worst pixel error " + worstPx);
        assertTrue(worstDepth < 0.01, "worst depth error " + worstDepth);
    }

    @Test
    void nominalDirectionsMatchClevrs() {
        Map<String, Vec3> d = Camera.nominal().directions();
        assertArrayEquals(new double[] {0.6563112735748291, 0.7544902563095093, 0}, arr(d.get("right")), 1e-7);
        assertArrayEquals(new double[] {-0.754490315914154, 0.6563112735748291, 0}, arr(d.get("behind")), 1e-7);
        assertArrayEquals(new double[] {-0.6563112735748291, -0.7544902563095093, 0}, arr(d.get("left")), 1e-7);
        assertArrayEquals(new double[] {0, 0, 1}, arr(d.get("above")), 0);
    }

    @Test
    void everyJitteredCameraLooksAtTheOriginWith525PixelFocalLength() {
        SplittableRandom rng = new SplittableRandom(5);
        for (int i = 0; i < 20; i++) {
            Camera c = Camera.jittered(rng, 0.5);
            assertArrayEquals(new double[] {240, 160}, java.util.Arrays.copyOf(c.project(0, 0, 0), 2), 1e-9);
            // a point one unit along camera-right at the origin's depth lands 525/depth px to the right
            double depth = c.project(0, 0, 0)[2];
            double[] p = c.project(c.right[0], c.right[1], c.right[2]);
            assertEquals(240 + 525 / depth, p[0], 1e-9);
            assertEquals(160, p[1], 1e-9);
            // rays and projection agree
            double[] dir = new double[3];
            c.rayDirection(100.25, 250.75, dir);
            double[] q = c.project(c.location[0] + 7 * dir[0], c.location[1] + 7 * dir[1], c.location[2] + 7 * dir[2]);
            assertEquals(100.25, q[0], 1e-9);
            assertEquals(250.75, q[1], 1e-9);
        }
    }

    private static double[] arr(Vec3 v) {
        return new double[] {v.x(), v.y(), v.z()};
    }
}
