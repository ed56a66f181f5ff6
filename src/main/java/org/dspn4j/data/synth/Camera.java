package org.dspn4j.data.synth;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.dspn4j.data.clevr.Vec3;

/**
 * CLEVR's pinhole camera (its base scene's camera; see {@link org.dspn4j.data.synth}): 35 mm lens on
 * a 32 mm-wide sensor, 480×320 pixels, so the focal length is 525 px with the principal point at the
 * image centre (240, 160) and square pixels. The camera sits at the base scene's location (plus the
 * generator's jitter, {@code render_images.py:render_scene}) and is aimed at the world origin with
 * world z up (the base scene's Track-To constraint).
 *
 * <p>Continuous image coordinates: u to the right, v down, origin at the top-left corner of the
 * image, so pixel (x, y) covers [x, x+1) × [y, y+1). A point at camera-frame coordinates
 * (x_c right, y_c up, d along the view axis) projects to u = 240 + 525·x_c/d, v = 160 − 525·y_c/d.
 */
final class Camera {

    static final int WIDTH = 480;
    static final int HEIGHT = 320;
    /** 35 mm / 32 mm × 480 px. */
    static final double FOCAL_PX = 35.0 / 32.0 * WIDTH;
    static final double CX = WIDTH / 2.0;
    static final double CY = HEIGHT / 2.0;
    /** The base scene's camera location (read from the generator's {@code base_scene.blend}). */
    static final double[] NOMINAL_LOCATION = {7.481132, -6.507640, 5.343665};

    final double[] location;
    /** Unit view direction (camera −Z), towards the origin. */
    final double[] forward;
    /** Unit camera +X, horizontal. */
    final double[] right;
    /** Unit camera +Y. */
    final double[] up;

    Camera(double lx, double ly, double lz) {
        location = new double[] {lx, ly, lz};
        forward = Vectors.normalize(new double[] {-lx, -ly, -lz});
        // Track-To with world up z: right = forward × z, up = right × forward.
        right = Vectors.normalize(new double[] {forward[1], -forward[0], 0});
        up = Vectors.cross(right, forward);
    }

    /** @return the un-jittered camera of the base scene */
    static Camera nominal() {
        return new Camera(NOMINAL_LOCATION[0], NOMINAL_LOCATION[1], NOMINAL_LOCATION[2]);
    }

    /**
     * @return the nominal camera moved by U(−jitter, +jitter) on each axis, still aimed at the origin
     *     ({@code render_images.py:render_scene})
     */
    static Camera jittered(SplittableRandom rng, double jitter) {
        double[] l = NOMINAL_LOCATION.clone();
        for (int i = 0; i < 3; i++) {
            l[i] += Vectors.symmetric(rng, jitter);
        }
        return new Camera(l[0], l[1], l[2]);
    }

    /** @return {u, v, depth}: continuous image coordinates and the distance along the view axis */
    double[] project(double x, double y, double z) {
        double px = x - location[0];
        double py = y - location[1];
        double pz = z - location[2];
        double d = px * forward[0] + py * forward[1] + pz * forward[2];
        double xc = px * right[0] + py * right[1] + pz * right[2];
        double yc = px * up[0] + py * up[1] + pz * up[2];
        return new double[] {CX + FOCAL_PX * xc / d, CY - FOCAL_PX * yc / d, d};
    }

    /**
     * CLEVR's {@code pixel_coords} of a world point ({@code image_generation/utils.py:get_camera_coords}):
     * Blender's {@code world_to_camera_view} frame coordinates times the image size, rounded half-to-even
     * (Python 3's {@code round}); the depth is stored as float32, as Blender computes it.
     */
    Vec3 pixelCoords(Vec3 p) {
        double[] uvd = project(p.x(), p.y(), p.z());
        return new Vec3(Math.rint(uvd[0]), Math.rint(uvd[1]), (float) uvd[2]);
    }

    /** Writes into {@code out} the unit direction of the ray through continuous image point (u, v). */
    void rayDirection(double u, double v, double[] out) {
        double xc = (u - CX) / FOCAL_PX;
        double yc = (CY - v) / FOCAL_PX;
        out[0] = forward[0] + xc * right[0] + yc * up[0];
        out[1] = forward[1] + xc * right[1] + yc * up[1];
        out[2] = forward[2] + xc * right[2] + yc * up[2];
        Vectors.normalizeInPlace(out);
    }

    /**
     * The scene JSON's {@code directions} ({@code render_images.py:render_scene}): the camera axes
     * flattened onto the ground, float32-rounded as Blender's vectors are. behind = view direction,
     * right = camera +X, above = world +z; front, left, below are the negations.
     */
    Map<String, Vec3> directions() {
        double[] behind = Vectors.normalize(new double[] {forward[0], forward[1], 0});
        double[] rgt = Vectors.normalize(new double[] {right[0], right[1], 0});
        Map<String, Vec3> m = new LinkedHashMap<>();
        m.put("behind", f32(behind[0], behind[1], 0.0));
        m.put("front", f32(-behind[0], -behind[1], -0.0));
        m.put("left", f32(-rgt[0], -rgt[1], -0.0));
        m.put("right", f32(rgt[0], rgt[1], 0.0));
        m.put("above", new Vec3(0.0, 0.0, 1.0));
        m.put("below", new Vec3(-0.0, -0.0, -1.0));
        return m;
    }

    private static Vec3 f32(double x, double y, double z) {
        return new Vec3((float) x, (float) y, (float) z);
    }
}
