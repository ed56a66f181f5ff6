package org.dspn4j.data.synth;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.Map;
import org.dspn4j.data.clevr.BoxFormula;
import org.dspn4j.data.clevr.BoxHeuristic;
import org.dspn4j.data.clevr.ClevrObject;
import org.dspn4j.data.clevr.Scene;
import org.dspn4j.data.clevr.Shape;
import org.junit.jupiter.api.Test;

/**
 * Do the heuristic boxes ({@link org.dspn4j.data.clevr.BoxHeuristic};
 * docs/deviations-clevr-boxes.md) of generated scenes enclose the rendered objects? For each
 * object, coverage = the fraction of its visible pixels (object-id buffer, pixel centres) that lie
 * inside its box. The box constants were tuned by their authors on real CLEVR renders; our camera
 * matches CLEVR's (CameraTest), so this also measures how loose or tight the heuristic is.
 */
class BoxCoverageTest {

    static final int SCENES = 40;
    static final long SEED = 11;

    @Test
    void heuristicBoxesEncloseRenderedObjects() {
        Stats authors = new Stats();
        Stats corrected = new Stats();
        for (int i = 0; i < SCENES; i++) {
            SynthScene s = ClevrSynth.sample("val", i, SEED);
            int[] ids = s.renderer().objectIds();
            measure(s.scene(), ids, BoxFormula.AUTHORS, authors);
            measure(s.scene(), ids, BoxFormula.CORRECTED, corrected);
        }
        System.out.println("Box coverage over " + SCENES + " generated scenes (seed " + SEED + "):");
        System.out.println("  AUTHORS   " + authors);
        System.out.println("  CORRECTED " + corrected);
        // Measured (seed 11, 40 scenes, 253 objects): AUTHORS 97.45 % of object pixels inside, worst object
        // 0.769; CORRECTED 97.91 %, worst 0.658. The misses are objects close to the camera (y ≈ −3), whose
        // boxes come out smaller than their silhouettes. Bounds sit just below the measured values.
        assertTrue(authors.pixelFraction() > 0.97, authors.toString());
        assertTrue(authors.worst() > 0.75, authors.toString());
        assertTrue(corrected.pixelFraction() > 0.97, corrected.toString());
        assertTrue(corrected.worst() > 0.6, corrected.toString());
    }

    private static void measure(Scene scene, int[] ids, BoxFormula formula, Stats stats) {
        int n = scene.objects().size();
        int[] total = new int[n];
        int[] inside = new int[n];
        double[][] boxes = new double[n][];
        for (int j = 0; j < n; j++) {
            boxes[j] = BoxHeuristic.pixelBox(scene.objects().get(j), scene.right(), formula);
        }
        for (int y = 0; y < Renderer.H; y++) {
            for (int x = 0; x < Renderer.W; x++) {
                int id = ids[y * Renderer.W + x];
                if (id < 0) {
                    continue;
                }
                total[id]++;
                double[] b = boxes[id];
                double u = x + 0.5;
                double v = y + 0.5;
                if (u >= b[0] && u <= b[2] && v >= b[1] && v <= b[3]) {
                    inside[id]++;
                }
            }
        }
        for (int j = 0; j < n; j++) {
            stats.add(scene.objects().get(j), total[j], inside[j], boxes[j]);
        }
    }

    /** Coverage statistics, overall and per shape. */
    static final class Stats {
        long pixels;
        long inside;
        int objects;
        int fullyInside;
        double worst = 1;
        double areaRatioSum; // box area / visible pixels
        final Map<Shape, double[]> perShape = new EnumMap<>(Shape.class); // {objects, sum coverage, min}

        void add(ClevrObject o, int total, int in, double[] box) {
            double c = total == 0 ? 1 : in / (double) total;
            pixels += total;
            inside += in;
            objects++;
            fullyInside += in == total ? 1 : 0;
            worst = Math.min(worst, c);
            areaRatioSum += (box[2] - box[0]) * (box[3] - box[1]) / Math.max(1, total);
            double[] p = perShape.computeIfAbsent(o.shape(), k -> new double[] {0, 0, 1});
            p[0]++;
            p[1] += c;
            p[2] = Math.min(p[2], c);
        }

        double pixelFraction() {
            return inside / (double) pixels;
        }

        double worst() {
            return worst;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(String.format(
                    "objects %d, pixels inside %.4f, objects fully inside %.3f, worst object %.3f, mean box area / pixels %.2f;",
                    objects, pixelFraction(), fullyInside / (double) objects, worst, areaRatioSum / objects));
            perShape.forEach((k, p) -> sb.append(String.format(" %s: n %d mean %.4f min %.3f;",
                    k.jsonName(), (int) p[0], p[1] / p[0], p[2])));
            return sb.toString();
        }
    }
}
