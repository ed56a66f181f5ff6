package org.dspn4j.experiment;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.dspn4j.autodiff.Autograd;
import org.dspn4j.data.clevr.ClevrDataset;
import org.dspn4j.eval.AveragePrecision;
import org.dspn4j.eval.ImageDetections;
import org.dspn4j.eval.IouVariant;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.set.DecoderOutput;
import org.dspn4j.set.Dspn;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.Tensor;

/**
 * CLEVR evaluation: the test losses, the predicted sets as detections, the AP
 * tables in the paper's layout, and the export in the authors' text format.
 *
 * <p>A DSPN model trained with T steps is decoded once per batch with max(T, the asked step counts)
 * inner steps; the set after t steps is the same as decoding with t steps (each step depends only on
 * the previous set and z), so Ŷ(10), Ŷ(20) and Ŷ(30) come from one pass. The losses are those of
 * the trained T: {@code test_loss} the training objective, {@code test_last} the Hungarian loss of
 * Ŷ(T) with the mask as a feature. Baselines have one output and are evaluated once.
 *
 * <p>Detections: every one of the N slots of every image, not thresholded; the confidence is the
 * predicted mask — for DSPN as the decoder returns it, clamped to [0, 1]; for the baselines raw —
 * and the features are the predicted box (4) or state (18). Ground truths are the real objects of
 * the target (mask 1), rounded to the model's dtype like the targets the model was trained on.
 * Image i of the evaluation (scene i of the split, file order) is named {@code "i"}, so the
 * in-memory AP and the AP of the exported files rank ties identically.
 */
public final class ClevrEvaluation {

    /** The step counts the authors evaluate DSPN with, as the paper's AP tables. */
    public static final int[] PAPER_ITERS = {10, 20, 30};

    private ClevrEvaluation() {
    }

    /**
     * What one evaluation found.
     *
     * @param task       clevr-box or clevr-state
     * @param decoder    DSPN or a baseline
     * @param iters      the DSPN step counts evaluated; {0} for a baseline (its single output)
     * @param loss       test_loss at the trained T, averaged over batches
     * @param last       test_last at the trained T, averaged over batches
     * @param images     images evaluated (full batches only)
     * @param detections per entry of {@code iters}, one {@link ImageDetections} per image
     */
    public record Result(ModelConfig.Task task, ModelConfig.DecoderKind decoder, int[] iters, double loss, double last,
                         int images, List<List<ImageDetections>> detections) {

        /** Row labels: "DSPN, 10 steps" …, or "MLP baseline". */
        public List<String> labels() {
            List<String> out = new ArrayList<>();
            for (int t : iters) {
                out.add(decoder == ModelConfig.DecoderKind.DSPN ? "DSPN, " + t + " steps" : decoder.name() + " baseline");
            }
            return out;
        }
    }

    /** An AP table: one row per model or step count, one column per threshold, values in percent. */
    public record Table(String title, List<String> columns, List<String> rows, List<double[]> values) {
    }

    // ============================================================================== evaluate

    /**
     * Evaluates {@code net} on every full batch of {@code test} (file order).
     *
     * @param iters DSPN step counts for the detections (e.g. 10, 20, 30); null or empty: the trained T.
     *              Ignored for baselines.
     */
    public static Result run(Backend be, Net net, ClevrBatches test, int[] iters) throws IOException {
        ModelConfig cfg = net.config();
        boolean dspn = net.decoder() instanceof Dspn;
        int trained = cfg.iters();
        int[] ts = !dspn ? new int[] {0} : iters == null || iters.length == 0 ? new int[] {trained} : iters.clone();
        for (int t : ts) {
            if (t < 0) {
                throw new IllegalArgumentException("step counts must be >= 0, got " + t);
            }
        }
        int maxT = trained;
        for (int t : ts) {
            maxT = Math.max(maxT, t);
        }
        int batches = test.batchesPerEpoch();
        if (batches == 0) {
            throw new IllegalArgumentException("the evaluation set has fewer scenes than one batch of " + test.batchSize());
        }
        List<List<ImageDetections>> dets = new ArrayList<>();
        for (int i = 0; i < ts.length; i++) {
            dets.add(new ArrayList<>());
        }
        double loss = 0;
        double last = 0;
        int c = test.channels();
        Dspn decoder = dspn ? (Dspn) net.decoder() : null;
        net.train(false);
        try (Autograd.Scope s = Autograd.noGrad()) {
            if (decoder != null) {
                decoder.setIters(maxT);
            }
            for (int b = 0; b < batches; b++) {
                ClevrBatches.Batch batch = test.batch(0, b);
                Tensor[] t = test.tensors(be, cfg.dtype(), batch);
                Net.Output out = net.forward(t[0], t[1], t[2]);
                DecoderOutput d = out.decoded();
                DecoderOutput atT = dspn ? new DecoderOutput(d.sets().subList(0, trained + 1),
                        d.masks().subList(0, trained + 1), d.innerLosses().subList(0, trained),
                        d.gradNorms().subList(0, trained)) : d;
                Net.Loss l = net.loss(new Net.Output(atT, out.targetRepr(), out.latentRepr()), t[1], t[2]);
                loss += l.total().item();
                last += l.last().item();
                double[] gt = t[1].toDoubles();
                double[] gm = t[2].toDoubles();
                for (int i = 0; i < ts.length; i++) {
                    int step = dspn ? ts[i] : d.sets().size() - 1;
                    addImages(dets.get(i), batch.indices(), d.sets().get(step).toDoubles(), d.masks().get(step).toDoubles(),
                            gt, gm, c);
                }
            }
        } finally {
            if (decoder != null) {
                decoder.setIters(trained);
            }
            net.train(true);
        }
        return new Result(cfg.task(), cfg.decoder(), ts, loss / batches, last / batches, batches * test.batchSize(), dets);
    }

    private static void addImages(List<ImageDetections> out, int[] indices, double[] set, double[] mask, double[] gt,
                                  double[] gm, int c) {
        int n = mask.length / indices.length;
        for (int k = 0; k < indices.length; k++) {
            double[] conf = Arrays.copyOfRange(mask, k * n, (k + 1) * n);
            double[][] feats = new double[n][c];
            List<double[]> truths = new ArrayList<>();
            for (int j = 0; j < n; j++) {
                for (int ch = 0; ch < c; ch++) {
                    feats[j][ch] = set[(k * c + ch) * n + j];
                }
                if (gm[k * n + j] > 0) {
                    double[] g = new double[c];
                    for (int ch = 0; ch < c; ch++) {
                        g[ch] = gt[(k * c + ch) * n + j];
                    }
                    truths.add(g);
                }
            }
            out.add(new ImageDetections(Integer.toString(indices[k]), conf, feats, truths.toArray(new double[0][])));
        }
    }

    // ================================================================================ tables

    /**
     * The AP tables in the paper's layout. Boxes: the paper-era "+1" IoU at
     * 0.5/0.9/0.95/0.98/0.99 (what the paper's box-prediction table used), then the corrected IoU at 0.5…0.9.
     * States: distance thresholds ∞, 1, 0.5, 0.25, 0.125 in world units.
     */
    public static List<Table> tables(Result r) {
        List<Table> out = new ArrayList<>();
        if (r.task() == ModelConfig.Task.CLEVR_BOX) {
            out.add(boxTable("Box AP (%), paper-era IoU with the +1 (as the paper's numbers)", r, IouVariant.PAPER_PLUS_ONE));
            out.add(boxTable("Box AP (%), corrected IoU (authors' fix be3703b)", r, IouVariant.FIXED));
        } else {
            double[] th = AveragePrecision.stateThresholds();
            List<double[]> vals = new ArrayList<>();
            for (List<ImageDetections> d : r.detections()) {
                double[] v = new double[th.length];
                for (int i = 0; i < th.length; i++) {
                    v[i] = AveragePrecision.state(d, th[i]);
                }
                vals.add(v);
            }
            List<String> cols = new ArrayList<>();
            for (double t : th) {
                cols.add("AP" + (Double.isInfinite(t) ? "inf" : trim(t)));
            }
            out.add(new Table("State AP (%), 3D distance in world units, attributes must match", cols, r.labels(), vals));
        }
        return out;
    }

    private static Table boxTable(String title, Result r, IouVariant v) {
        double[] th = v.defaultThresholds();
        List<double[]> vals = new ArrayList<>();
        for (List<ImageDetections> d : r.detections()) {
            double[] row = new double[th.length];
            for (int i = 0; i < th.length; i++) {
                row[i] = AveragePrecision.box(d, v, th[i]);
            }
            vals.add(row);
        }
        List<String> cols = new ArrayList<>();
        for (double t : th) {
            cols.add("AP" + Math.round(t * 100));
        }
        return new Table(title, cols, r.labels(), vals);
    }

    private static String trim(double t) {
        return java.math.BigDecimal.valueOf(t).stripTrailingZeros().toPlainString();
    }

    /** Prints the tables as aligned text, two decimals, as the authors' scripts print AP. */
    public static void print(PrintStream out, List<Table> tables) {
        for (Table t : tables) {
            out.println(t.title());
            out.println(header(t));
            for (int i = 0; i < t.rows().size(); i++) {
                out.println(row(t, i));
            }
        }
    }

    /** The header line {@link #print} prints for a table: "model" and its columns. */
    public static String header(Table t) {
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-18s", "model"));
        for (String col : t.columns()) {
            head.append(String.format(Locale.ROOT, " %8s", col));
        }
        return head.toString();
    }

    /** Row {@code i} of a table as {@link #print} prints it: its label and its values, two decimals. */
    public static String row(Table t, int i) {
        StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-18s", t.rows().get(i)));
        for (double v : t.values().get(i)) {
            row.append(String.format(Locale.ROOT, " %8.2f", v));
        }
        return row.toString();
    }

    /** The tables as Markdown (for docs). */
    public static String markdown(List<Table> tables) {
        StringBuilder sb = new StringBuilder();
        for (Table t : tables) {
            sb.append("**").append(t.title()).append("**\n\n| model |");
            for (String col : t.columns()) {
                sb.append(' ').append(col).append(" |");
            }
            sb.append("\n|---|");
            sb.append("---|".repeat(t.columns().size()));
            sb.append('\n');
            for (int i = 0; i < t.rows().size(); i++) {
                sb.append("| ").append(t.rows().get(i)).append(" |");
                for (double v : t.values().get(i)) {
                    sb.append(String.format(Locale.ROOT, " %.2f |", v));
                }
                sb.append('\n');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    // ================================================================================ export

    /**
     * Writes the detections in the authors' format so that {@code dspn4j ap} scores them
     * exactly as the in-memory tables: {@code detections/<i>.txt} with all N slots
     * {@code box <conf> <f1> … <fC>}, {@code groundtruths/<i>.txt} with the real objects
     * {@code box <f1> … <fC> 1.0}. Numbers are written with {@link Double#toString}, which reads back
     * to the same double. A DSPN result goes to {@code dir/iters<t>/…} per step count, a baseline's
     * to {@code dir/…}.
     *
     * @return the folders written (each holds {@code detections/} and {@code groundtruths/})
     */
    public static List<Path> export(Result r, Path dir) throws IOException {
        List<Path> written = new ArrayList<>();
        for (int i = 0; i < r.iters().length; i++) {
            Path base = r.decoder() == ModelConfig.DecoderKind.DSPN ? dir.resolve("iters" + r.iters()[i]) : dir;
            Path det = Files.createDirectories(base.resolve("detections"));
            Path gt = Files.createDirectories(base.resolve("groundtruths"));
            for (ImageDetections img : r.detections().get(i)) {
                Path d = det.resolve(img.name() + ".txt");
                IoErrors.naming(d, () -> {
                    try (BufferedWriter w = Files.newBufferedWriter(d, StandardCharsets.UTF_8)) {
                        for (int s = 0; s < img.confidences().length; s++) {
                            w.write("box " + img.confidences()[s]);
                            for (double f : img.features()[s]) {
                                w.write(" " + f);
                            }
                            w.write('\n');
                        }
                    }
                });
                Path g = gt.resolve(img.name() + ".txt");
                IoErrors.naming(g, () -> {
                    try (BufferedWriter w = Files.newBufferedWriter(g, StandardCharsets.UTF_8)) {
                        for (double[] v : img.groundTruths()) {
                            w.write("box");
                            for (double f : v) {
                                w.write(" " + f);
                            }
                            w.write(" 1.0\n");
                        }
                    }
                });
            }
            written.add(base);
        }
        return written;
    }

    /** Features per element of a task, for {@link org.dspn4j.eval.ExportReader}. */
    public static int features(ModelConfig.Task task) {
        return task == ModelConfig.Task.CLEVR_BOX ? AveragePrecision.BOX_FEATURES : AveragePrecision.STATE_FEATURES;
    }

    /** The data-set target of a task. */
    public static ClevrDataset.Target target(ModelConfig.Task task) {
        if (task == ModelConfig.Task.CLEVR_BOX) {
            return ClevrDataset.Target.BOXES;
        }
        if (task == ModelConfig.Task.CLEVR_STATE) {
            return ClevrDataset.Target.STATES;
        }
        throw new IllegalArgumentException("not a CLEVR task: " + task.cliName());
    }
}
