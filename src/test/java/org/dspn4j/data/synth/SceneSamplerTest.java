package org.dspn4j.data.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dspn4j.data.clevr.ClevrObject;
import org.dspn4j.data.clevr.Scene;
import org.dspn4j.data.clevr.Vec3;
import org.junit.jupiter.api.Test;

/**
 * Generated scenes obey the placement rules of CLEVR's generator
 * ({@code render_images.py:add_random_objects}; see {@link org.dspn4j.data.synth}).
 */
class SceneSamplerTest {

    static final int SCENES = 30;
    static final double TOL = 1e-6; // coordinates are stored as float32

    @Test
    void placementRules() {
        int[] counts = new int[11];
        for (int i = 0; i < SCENES; i++) {
            SynthScene s = ClevrSynth.sample("train", i, 3);
            Scene sc = s.scene();
            List<ClevrObject> objs = sc.objects();
            counts[objs.size()]++;
            assertTrue(objs.size() >= 3 && objs.size() <= 10, "count " + objs.size());
            assertEquals(String.format("CLEVR_train_%06d.png", i), sc.imageFilename());
            assertEquals(i, sc.imageIndex());
            Vec3 right = sc.directions().get("right");
            Vec3 behind = sc.directions().get("behind");
            for (int a = 0; a < objs.size(); a++) {
                ClevrObject o = objs.get(a);
                assertTrue(Math.abs(o.coords().x()) <= 3 && Math.abs(o.coords().y()) <= 3, o.toString());
                assertEquals((float) o.size().scale(), o.coords().z(), 0.0, "z = r");
                assertTrue(o.rotation() >= 0 && o.rotation() < 360, o.toString());
                for (int b = 0; b < a; b++) {
                    ClevrObject p = objs.get(b);
                    double dx = o.coords().x() - p.coords().x();
                    double dy = o.coords().y() - p.coords().y();
                    double gap = Math.hypot(dx, dy) - o.size().scale() - p.size().scale();
                    assertTrue(gap >= SceneSampler.MIN_DIST - TOL, "gap " + gap + " in scene " + i);
                    double side = Math.abs(dx * right.x() + dy * right.y());
                    double depth = Math.abs(dx * behind.x() + dy * behind.y());
                    assertTrue(side >= SceneSampler.MARGIN - TOL, "right margin " + side + " in scene " + i);
                    assertTrue(depth >= SceneSampler.MARGIN - TOL, "behind margin " + depth + " in scene " + i);
                }
            }
            int[] visible = new int[objs.size()];
            for (int id : s.renderer().objectIds()) {
                if (id >= 0) {
                    visible[id]++;
                }
            }
            for (int v : visible) {
                assertTrue(v >= SceneSampler.MIN_PIXELS_PER_OBJECT, "visible pixels " + v + " in scene " + i);
            }
        }
        assertTrue(counts[3] + counts[4] + counts[5] > 0 && counts[8] + counts[9] + counts[10] > 0,
                java.util.Arrays.toString(counts));
    }

    /**
     * pixel_coords equal the projection of 3d_coords through the scene's (jittered) camera, derived here
     * independently from Blender's frame convention: sensor width 32 mm, focal 35 mm, frame x, y in
     * [0, 1] from the bottom-left, px = round(480·x), py = round(320·(1 − y)).
     */
    @Test
    void pixelCoordsAreTheCameraProjection() {
        for (int i = 0; i < SCENES; i++) {
            SynthScene s = ClevrSynth.sample("train", i, 3);
            double[] loc = s.camera().location;
            // look-at basis rebuilt from the location alone
            double[] f = {-loc[0], -loc[1], -loc[2]};
            double fn = Math.sqrt(f[0] * f[0] + f[1] * f[1] + f[2] * f[2]);
            double[] fw = {f[0] / fn, f[1] / fn, f[2] / fn};
            double rn = Math.hypot(fw[0], fw[1]);
            double[] rt = {fw[1] / rn, -fw[0] / rn, 0};
            double[] up = {rt[1] * fw[2] - rt[2] * fw[1], rt[2] * fw[0] - rt[0] * fw[2], rt[0] * fw[1] - rt[1] * fw[0]};
            for (ClevrObject o : s.scene().objects()) {
                double px = o.coords().x() - loc[0];
                double py = o.coords().y() - loc[1];
                double pz = o.coords().z() - loc[2];
                double d = px * fw[0] + py * fw[1] + pz * fw[2];
                double xc = px * rt[0] + py * rt[1] + pz * rt[2];
                double yc = px * up[0] + py * up[1] + pz * up[2];
                double frameX = 0.5 + xc / d * 35.0 / 32.0;
                double frameY = 0.5 + yc / d * 35.0 / 32.0 * 480.0 / 320.0;
                assertEquals(Math.rint(480 * frameX), o.pixelCoords().x(), 0.0, o.toString());
                assertEquals(Math.rint(320 * (1 - frameY)), o.pixelCoords().y(), 0.0, o.toString());
                assertEquals(d, o.pixelCoords().z(), 1e-5, o.toString());
            }
        }
    }

    @Test
    void samplingIsDeterministicPerSeedAndIndex() {
        assertEquals(ClevrSynth.sample("val", 4, 99).scene(), ClevrSynth.sample("val", 4, 99).scene());
        assertNotEquals(ClevrSynth.sample("val", 4, 99).scene(), ClevrSynth.sample("val", 4, 100).scene());
        assertNotEquals(ClevrSynth.sample("val", 4, 99).scene().objects(), ClevrSynth.sample("val", 5, 99).scene().objects());
    }
}
