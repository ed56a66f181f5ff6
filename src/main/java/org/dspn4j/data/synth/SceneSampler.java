package org.dspn4j.data.synth;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.dspn4j.data.clevr.ClevrObject;
import org.dspn4j.data.clevr.Color;
import org.dspn4j.data.clevr.Material;
import org.dspn4j.data.clevr.Scene;
import org.dspn4j.data.clevr.Shape;
import org.dspn4j.data.clevr.Size;
import org.dspn4j.data.clevr.Vec3;

/**
 * Samples a scene with the CLEVR generator's rules and defaults ({@code render_images.py}:
 * {@code render_scene}, {@code add_random_objects}; see {@link org.dspn4j.data.synth}), in the
 * generator's order of random draws but with Java's {@link SplittableRandom} instead of Python's
 * generator:
 * <ol>
 *   <li>camera jitter U(±0.5) per axis, then the key, back and fill lamps U(±1.0) per axis;</li>
 *   <li>an object count uniform in 3..10;</li>
 *   <li>for each object: a size (large 0.7 / small 0.35), then positions x, y ~ U(−3, 3) until the
 *       footprint circles keep a gap ≥ 0.25 to every earlier object and no camera-direction offset
 *       (left/right/front/behind, un-jittered) to an earlier object lies strictly between 0 and 0.4;
 *       after 50 failed tries for one object the whole scene is placed again;</li>
 *   <li>then shape, colour, rotation θ = 360·U[0, 1) and material, uniformly;</li>
 *   <li>finally each object must cover at least 200 pixels of the object-id image, else everything
 *       is placed again (the generator's flat-colour visibility render).</li>
 * </ol>
 * Cubes keep r (the generator's r/√2 branch never runs in v1.0; see {@link org.dspn4j.data.synth}).
 * Coordinates are rounded to float32 as Blender stores them; {@code pixel_coords} are the
 * projection of the rounded {@code 3d_coords} through the jittered camera.
 */
final class SceneSampler {

    static final int MIN_OBJECTS = 3;
    static final int MAX_OBJECTS = 10;
    static final double MIN_DIST = 0.25;
    static final double MARGIN = 0.4;
    static final int MAX_RETRIES = 50;
    static final int MIN_PIXELS_PER_OBJECT = 200;
    static final double CAMERA_JITTER = 0.5;
    static final double LIGHT_JITTER = 1.0;

    private static final Camera NOMINAL = Camera.nominal();
    private static final Map<String, Vec3> DIRECTIONS = NOMINAL.directions();
    private static final String[] PLANAR = {"left", "right", "front", "behind"};

    private SceneSampler() {
    }

    /** @return scene {@code index} of {@code split}, drawn from {@code rng} */
    static SynthScene sample(SplittableRandom rng, String split, int index) {
        Camera camera = Camera.jittered(rng, CAMERA_JITTER);
        Lights lights = Lights.jittered(rng, LIGHT_JITTER);
        int count = MIN_OBJECTS + rng.nextInt(MAX_OBJECTS - MIN_OBJECTS + 1);
        String filename = String.format("CLEVR_%s_%06d.png", split, index);
        while (true) {
            List<ClevrObject> objects = place(rng, count, camera);
            if (objects == null) {
                continue; // an object could not be placed in MAX_RETRIES tries: start again
            }
            Scene scene = new Scene(split, index, filename, objects, DIRECTIONS);
            SynthScene s = new SynthScene(scene, camera, lights);
            if (allVisible(s)) {
                return s;
            }
        }
    }

    /** @return the objects, or null when one object failed {@link #MAX_RETRIES} times */
    private static List<ClevrObject> place(SplittableRandom rng, int count, Camera camera) {
        List<ClevrObject> objects = new ArrayList<>();
        List<double[]> placed = new ArrayList<>(); // x, y, r
        for (int i = 0; i < count; i++) {
            Size size = pick(rng, Size.values());
            double r = size.scale();
            double x;
            double y;
            int tries = 0;
            while (true) {
                if (++tries > MAX_RETRIES) {
                    return null;
                }
                x = uniform(rng, -3, 3);
                y = uniform(rng, -3, 3);
                if (fits(x, y, r, placed)) {
                    break;
                }
            }
            Shape shape = pick(rng, Shape.values());
            Color color = pick(rng, Color.values());
            double theta = 360.0 * rng.nextDouble();
            Material material = pick(rng, Material.values());
            placed.add(new double[] {x, y, r});
            Vec3 coords = new Vec3((float) x, (float) y, (float) r);
            objects.add(new ClevrObject(coords, camera.pixelCoords(coords), theta, shape, color, material, size));
        }
        return objects;
    }

    /** The generator's min-distance and margin tests of a candidate against every earlier object. */
    static boolean fits(double x, double y, double r, List<double[]> placed) {
        for (double[] p : placed) {
            double dx = x - p[0];
            double dy = y - p[1];
            if (Math.sqrt(dx * dx + dy * dy) - r - p[2] < MIN_DIST) {
                return false;
            }
            for (String name : PLANAR) {
                Vec3 dir = DIRECTIONS.get(name);
                double margin = dx * dir.x() + dy * dir.y();
                if (0 < margin && margin < MARGIN) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean allVisible(SynthScene s) {
        int n = s.scene().objects().size();
        int[] counts = new int[n];
        for (int id : s.renderer().objectIds()) {
            if (id >= 0) {
                counts[id]++;
            }
        }
        for (int c : counts) {
            if (c < MIN_PIXELS_PER_OBJECT) {
                return false;
            }
        }
        return true;
    }

    private static double uniform(SplittableRandom rng, double lo, double hi) {
        return lo + (hi - lo) * rng.nextDouble();
    }

    private static <T> T pick(SplittableRandom rng, T[] values) {
        return values[rng.nextInt(values.length)];
    }
}
