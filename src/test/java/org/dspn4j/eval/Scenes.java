package org.dspn4j.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Small builders for evaluation inputs. Random scenes are built from a seed so failures replay. */
final class Scenes {

    private Scenes() {
    }

    /** A detection: confidence then features. */
    static double[] det(double confidence, double... features) {
        double[] row = new double[features.length + 1];
        row[0] = confidence;
        System.arraycopy(features, 0, row, 1, features.length);
        return row;
    }

    static double[][] gts(double[]... rows) {
        return rows;
    }

    /** One image from detection rows (confidence first) and ground-truth rows. */
    static ImageDetections image(String name, double[][] groundTruths, double[]... detections) {
        double[] conf = new double[detections.length];
        double[][] features = new double[detections.length][];
        for (int s = 0; s < detections.length; s++) {
            conf[s] = detections[s][0];
            features[s] = Arrays.copyOfRange(detections[s], 1, detections[s].length);
        }
        return new ImageDetections(name, conf, features, groundTruths);
    }

    /** An 18-d state vector: coordinates, then one-hot material (2), colour (8), shape (3), size (2). */
    static double[] state(double x, double y, double z, int material, int colour, int shape, int size) {
        double[] v = new double[AveragePrecision.STATE_FEATURES];
        v[0] = x;
        v[1] = y;
        v[2] = z;
        v[3 + material] = 1;
        v[5 + colour] = 1;
        v[13 + shape] = 1;
        v[16 + size] = 1;
        return v;
    }

    // ------------------------------------------------------------------------ random scenes

    static double[] randomBox(Random rnd) {
        double x = rnd.nextDouble() * 0.8;
        double y = rnd.nextDouble() * 0.8;
        return new double[] {x, y, x + 0.02 + rnd.nextDouble() * 0.18, y + 0.02 + rnd.nextDouble() * 0.18};
    }

    static double[] randomState(Random rnd) {
        return state(rnd.nextDouble() * 2 - 1, rnd.nextDouble() * 2 - 1, rnd.nextBoolean() ? 0.7 / 3 : 0.35 / 3,
                rnd.nextInt(2), rnd.nextInt(8), rnd.nextInt(3), rnd.nextInt(2));
    }

    /**
     * Images "0".."k-1" with 1..5 ground truths each and one detection per ground truth that is
     * an exact copy, listed in shuffled slot order with random confidences.
     */
    static List<ImageDetections> perfect(long seed, boolean boxes) {
        Random rnd = new Random(seed);
        int images = 1 + rnd.nextInt(6);
        List<ImageDetections> out = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            int n = 1 + rnd.nextInt(5);
            double[][] gt = new double[n][];
            for (int g = 0; g < n; g++) {
                gt[g] = boxes ? randomBox(rnd) : randomState(rnd);
            }
            List<double[]> dets = new ArrayList<>();
            for (double[] g : gt) {
                dets.add(det(rnd.nextDouble(), g.clone()));
            }
            java.util.Collections.shuffle(dets, rnd);
            out.add(image(Integer.toString(i), gt, dets.toArray(new double[0][])));
        }
        return out;
    }

    /**
     * Images with 1..5 ground truths, and 0..7 detections each: noisy copies of ground truths,
     * random elements, and repeated confidences, so that every kind of match and tie occurs.
     */
    static List<ImageDetections> noisy(long seed, boolean boxes) {
        Random rnd = new Random(seed);
        int images = 1 + rnd.nextInt(8);
        List<ImageDetections> out = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            int n = 1 + rnd.nextInt(5);
            double[][] gt = new double[n][];
            for (int g = 0; g < n; g++) {
                gt[g] = boxes ? randomBox(rnd) : randomState(rnd);
            }
            int m = rnd.nextInt(8);
            double[][] dets = new double[m][];
            for (int s = 0; s < m; s++) {
                double[] f;
                if (rnd.nextInt(3) > 0) {
                    f = gt[rnd.nextInt(n)].clone();
                    for (int c = 0; c < (boxes ? 4 : 3); c++) {
                        f[c] += rnd.nextGaussian() * 0.02;
                    }
                    if (!boxes && rnd.nextInt(4) == 0) {
                        f[5 + rnd.nextInt(8)] += 2; // sometimes the colour is wrong
                    }
                } else {
                    f = boxes ? randomBox(rnd) : randomState(rnd);
                }
                double conf = rnd.nextInt(4) == 0 ? 1.0 : rnd.nextDouble(); // ties at 1.0, like clamped masks
                dets[s] = det(conf, f);
            }
            out.add(image(Integer.toString(rnd.nextInt(1000)) + "-" + i, gt, dets));
        }
        return out;
    }
}
