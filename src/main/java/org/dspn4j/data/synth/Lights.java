package org.dspn4j.data.synth;

import java.util.SplittableRandom;

/**
 * CLEVR's lights (its base scene's lamps; see {@link org.dspn4j.data.synth}): three square area
 * lamps aimed at the origin, jittered by the generator ({@code render_images.py:render_scene}), and
 * a fixed sun. There is no environment light (world strength 0).
 *
 * <p>Radiometry follows Cycles: an area lamp of strength P watts and area A emits radiance
 * P/(π·A) from its front face, so its radiant intensity along its axis is P/π; the sun's strength
 * is the irradiance (W/m²) on a surface facing it.
 */
final class Lights {

    /** One square area lamp. */
    static final class AreaLight {
        final double[] center;
        /** Unit normal of the emitting face, towards the origin. */
        final double[] normal;
        final double[] u;
        final double[] v;
        final double halfSize;
        final double power;
        /** Linear RGB colour. */
        final double[] color;

        AreaLight(double[] center, double size, double power, double[] color) {
            this.center = center;
            this.normal = Vectors.normalize(new double[] {-center[0], -center[1], -center[2]});
            this.u = Vectors.normalize(new double[] {normal[1], -normal[0], 0});
            this.v = Vectors.cross(u, normal);
            this.halfSize = size / 2;
            this.power = power;
            this.color = color;
        }

        /** @return emitted radiance per colour channel: P/(π·A)·colour */
        double radiance(int c) {
            return power / (Math.PI * 4 * halfSize * halfSize) * color[c];
        }
    }

    static final double[] KEY_LOCATION = {6.44671, -2.905175, 4.258398};
    static final double[] FILL_LOCATION = {-4.671124, -4.013597, 3.011225};
    static final double[] BACK_LOCATION = {-1.168501, 2.646024, 5.815737};
    /** Unit vector towards the sun (read from the generator's {@code base_scene.blend}). */
    static final double[] SUN_DIRECTION = Vectors.normalize(new double[] {0.41450, -0.19458, 0.88901});
    static final double SUN_IRRADIANCE = 0.45;

    final AreaLight key;
    final AreaLight fill;
    final AreaLight back;

    Lights(double[] key, double[] fill, double[] back) {
        this.key = new AreaLight(key, 0.5, 100, new double[] {1.0, 0.93231, 0.81666});
        this.fill = new AreaLight(fill, 0.5, 30, new double[] {0.76167, 0.81772, 1.0});
        this.back = new AreaLight(back, 1.0, 50, new double[] {1.0, 1.0, 1.0});
    }

    /** @return the base scene's lights without jitter */
    static Lights nominal() {
        return new Lights(KEY_LOCATION.clone(), FILL_LOCATION.clone(), BACK_LOCATION.clone());
    }

    /** @return the lights with each lamp moved by U(−jitter, +jitter) per axis, in the generator's order key, back, fill */
    static Lights jittered(SplittableRandom rng, double jitter) {
        double[] k = KEY_LOCATION.clone();
        double[] b = BACK_LOCATION.clone();
        double[] f = FILL_LOCATION.clone();
        for (double[] l : new double[][] {k, b, f}) {
            for (int i = 0; i < 3; i++) {
                l[i] += Vectors.symmetric(rng, jitter);
            }
        }
        return new Lights(k, f, b);
    }

    AreaLight[] areaLights() {
        return new AreaLight[] {key, fill, back};
    }
}
