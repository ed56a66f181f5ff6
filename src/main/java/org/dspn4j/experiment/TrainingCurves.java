package org.dspn4j.experiment;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.dspn4j.io.NdArray;
import org.dspn4j.text.JsonErrors;
import org.dspn4j.viz.LossCurveFigure;

/**
 * Training curves per epoch, the authors' way and ours on one axis ({@code show --curves}):
 * {@code train_loss} and {@code test_loss} (the training objective), each point the mean over an epoch.
 * <ul>
 *   <li>The authors' log ({@code dspn/track.py:Tracker at be3703b}, kept in {@code meta/torch/tracker/}
 *       by {@link AuthorsFile}): list i of {@code train_loss} holds the per-batch losses of training
 *       epoch i + 1, list i of {@code test_loss} the per-batch test losses after it; each point is the
 *       plain mean of its list, drawn at epoch i + 1.</li>
 *   <li>Our run's {@code metrics.jsonl} (one line per step with its 0-based {@code epoch}, one per
 *       evaluation): {@code train_loss} is the mean of the steps of each epoch, drawn at epoch + 1;
 *       {@code test_loss} is the last evaluation of each epoch, drawn at epoch + 1 (the final
 *       evaluation, written without an epoch, belongs to the epoch of the last step), and the evaluation
 *       before training at 0. A last epoch cut short by {@code --steps} is drawn at its number.</li>
 * </ul>
 */
public final class TrainingCurves {
    private TrainingCurves() {
    }

    /** One run's curves: x are epochs. */
    public record Run(String label, double[] trainX, double[] train, double[] testX, double[] test) {
    }

    /**
     * The authors' training record in a checkpoint's arrays (their {@code torch.save} log read by
     * {@link Checkpoint#read}, or its import), or null when the arrays hold none.
     */
    public static Run authors(Map<String, NdArray> a, String label) {
        double[] train = AuthorsFile.epochMeans(a, "train_loss");
        double[] test = AuthorsFile.epochMeans(a, "test_loss");
        if (train == null && test == null) {
            return null;
        }
        train = train == null ? new double[0] : train;
        test = test == null ? new double[0] : test;
        return new Run(label, count(train.length), train, count(test.length), test);
    }

    private static double[] count(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i + 1;
        }
        return x;
    }

    /**
     * Our run's curves from its {@code metrics.jsonl}; a line that is not UTF-8 text or not JSON, or a file without
     * {@code train_loss} and {@code test_loss}, is refused naming the file (and the line).
     */
    public static Run ours(Path metricsJsonl, String label) throws IOException {
        List<String> lines = RunRecord.metricsLines(metricsJsonl);
        Map<Long, double[]> trainSums = new TreeMap<>(); // epoch -> {sum, count}
        Map<Long, Double> test = new TreeMap<>();      // x -> the last evaluation
        long lastEpoch = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            Map<String, Double> f;
            try {
                f = RunRecord.numbers(lines.get(i));
            } catch (IOException e) {
                throw new IllegalArgumentException(metricsJsonl + ": line " + (i + 1) + " is not a JSON object ("
                        + (e instanceof JsonProcessingException j ? JsonErrors.message(j)
                        : e.getMessage().lines().findFirst().orElse("")) + ")");
            }
            Double step = f.get("step");
            Double epoch = f.get("epoch");
            if (f.containsKey("train_loss") && epoch != null) {
                long e = (long) (double) epoch;
                double[] s = trainSums.computeIfAbsent(e, k -> new double[2]);
                s[0] += f.get("train_loss");
                s[1]++;
                lastEpoch = e;
            }
            if (f.containsKey("test_loss") && step != null) {
                double x = step == 0 ? 0 : epoch != null ? epoch + 1 : lastEpoch + 1;
                test.put((long) x, f.get("test_loss"));
            }
        }
        if (trainSums.isEmpty() && test.isEmpty()) {
            throw new IllegalArgumentException(metricsJsonl + ": no train_loss or test_loss recorded");
        }
        double[] tx = new double[trainSums.size()];
        double[] ty = new double[trainSums.size()];
        int k = 0;
        for (Map.Entry<Long, double[]> e : trainSums.entrySet()) {
            tx[k] = e.getKey() + 1;
            ty[k++] = e.getValue()[0] / e.getValue()[1];
        }
        double[] vx = new double[test.size()];
        double[] vy = new double[test.size()];
        k = 0;
        for (Map.Entry<Long, Double> e : test.entrySet()) {
            vx[k] = e.getKey();
            vy[k++] = e.getValue();
        }
        return new Run(label, tx, ty, vx, vy);
    }

    /**
     * The runs on one plot: "label train" and "label test" for each, in order; on a log axis when the values are all
     * positive and span more than a factor of {@value LossCurveFigure#LOG_AXIS_RATIO} ({@link LossCurveFigure#logYWhenWide}).
     */
    public static LossCurveFigure figure(String title, List<Run> runs) {
        LossCurveFigure fig = new LossCurveFigure(title, "epoch (test_loss: after the epoch's training; 0: before training)",
                "train_loss, test_loss: mean of each epoch").markers(true);
        for (Run r : runs) {
            if (r.train().length > 0) {
                fig.addSeries(r.label() + " train", r.trainX(), r.train());
            }
            if (r.test().length > 0) {
                fig.addSeries(r.label() + " test", r.testX(), r.test());
            }
        }
        return fig.logYWhenWide();
    }
}
