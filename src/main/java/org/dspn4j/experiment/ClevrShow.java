package org.dspn4j.experiment;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.dspn4j.autodiff.Autograd;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.set.DecoderOutput;
import org.dspn4j.set.Dspn;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.viz.BoxProgressionFigure;
import org.dspn4j.viz.SetProgressionFigure;
import org.dspn4j.viz.StateTable;

/**
 * The paper's qualitative CLEVR outputs for a checkpoint: Figure 4 (box progressions
 * Ŷ(0), Ŷ(5), Ŷ(10), Ŷ(20), truth, baseline) and Table 4 (object states at Ŷ(5), Ŷ(10), Ŷ(20),
 * truth, baseline). The scenes are the first ones of the evaluation split, in file order, decoded in
 * batches of the evaluation's batch size (the inner step depends on B, see {@link Dspn}). A DSPN
 * model runs 20 inner steps whatever its trained T, as the paper's figures do.
 */
public final class ClevrShow {

    /** Columns of Figure 4. */
    public static final int[] FIGURE_STEPS = {0, 5, 10, 20};
    /** Columns of Table 4. */
    public static final int[] TABLE_STEPS = {5, 10, 20};

    private ClevrShow() {
    }

    /** Decoded sets of the first {@code rows} scenes, per column, flat. */
    private record Decoded(List<String> headers, int[] scenes, double[][][] sets, double[][][] masks) {
    }

    private static Decoded decode(Backend be, Net net, Net baseline, ClevrBatches test, int rows, int[] steps)
            throws IOException {
        if (rows < 1) {
            throw new IllegalArgumentException("rows must be positive, got " + rows);
        }
        boolean dspn = net.decoder() instanceof Dspn;
        List<String> headers = new ArrayList<>();
        if (dspn) {
            List<String> hats = SetProgressionFigure.progressionHeaders(Arrays.stream(steps).max().orElse(0), false);
            for (int t : steps) {
                headers.add(hats.get(t));
            }
        } else {
            headers.add(net.config().decoder().name().toLowerCase());
        }
        headers.add("truth");
        if (baseline != null) {
            headers.add("baseline (" + baseline.config().decoder().name().toLowerCase() + ")");
        }
        int cols = headers.size();
        int k = Math.min(rows, test.samples());
        if (k == 0) {
            throw new IllegalArgumentException("the evaluation set has fewer scenes than one batch of " + test.batchSize());
        }
        int[] scenes = new int[k];
        double[][][] sets = new double[k][cols][];
        double[][][] masks = new double[k][cols][];
        int c = test.channels();
        int filled = 0;
        for (int b = 0; filled < k; b++) {
            ClevrBatches.Batch batch = test.batch(0, b);
            Tensor[] t = test.tensors(be, net.config().dtype(), batch);
            DecoderOutput d = decodeEval(net, t, dspn ? Arrays.stream(steps).max().orElse(0) : 0);
            DecoderOutput base = baseline == null ? null : decodeEval(baseline, t, baseline.config().iters());
            double[] gt = t[1].toDoubles();
            double[] gm = t[2].toDoubles();
            int n = gm.length / batch.size();
            List<double[]> colSets = new ArrayList<>();
            List<double[]> colMasks = new ArrayList<>();
            if (dspn) {
                for (int s : steps) {
                    colSets.add(d.sets().get(s).toDoubles());
                    colMasks.add(d.masks().get(s).toDoubles());
                }
            } else {
                colSets.add(d.lastSet().toDoubles());
                colMasks.add(d.lastMask().toDoubles());
            }
            colSets.add(gt);
            colMasks.add(gm);
            if (base != null) {
                colSets.add(base.lastSet().toDoubles());
                colMasks.add(base.lastMask().toDoubles());
            }
            for (int i = 0; i < batch.size() && filled < k; i++, filled++) {
                scenes[filled] = batch.indices()[i];
                for (int col = 0; col < cols; col++) {
                    sets[filled][col] = Arrays.copyOfRange(colSets.get(col), i * c * n, (i + 1) * c * n);
                    masks[filled][col] = Arrays.copyOfRange(colMasks.get(col), i * n, (i + 1) * n);
                }
            }
        }
        return new Decoded(headers, scenes, sets, masks);
    }

    /** Evaluation-mode decoding; a DSPN decoder runs {@code iters} steps (restored afterwards). */
    static DecoderOutput decodeEval(Net net, Tensor[] t, int iters) {
        Dspn dspn = net.decoder() instanceof Dspn ? (Dspn) net.decoder() : null;
        int trained = dspn == null ? 0 : dspn.iters();
        net.train(false);
        try (Autograd.Scope s = Autograd.noGrad()) {
            if (dspn != null) {
                dspn.setIters(iters);
            }
            return net.forward(t[0], t[1], t[2]).decoded();
        } finally {
            if (dspn != null) {
                dspn.setIters(trained);
            }
            net.train(true);
        }
    }

    /** Figure 4 for a box model: {@code rows} scenes drawn at their original size scaled to 240 pixels wide. */
    public static BoxProgressionFigure boxFigure(Backend be, Net net, Net baseline, ClevrBatches test, int rows)
            throws IOException {
        requireTask(net, ModelConfig.Task.CLEVR_BOX);
        Decoded d = decode(be, net, baseline, test, rows, FIGURE_STEPS);
        BufferedImage[] images = new BufferedImage[d.scenes().length];
        for (int i = 0; i < images.length; i++) {
            images[i] = test.originalImage(d.scenes()[i]);
        }
        return new BoxProgressionFigure(d.headers(), images, d.sets(), d.masks(), 240);
    }

    /** Table 4 for a state model: {@code rows} scenes. */
    public static StateTable stateTable(Backend be, Net net, Net baseline, ClevrBatches test, int rows) throws IOException {
        requireTask(net, ModelConfig.Task.CLEVR_STATE);
        Decoded d = decode(be, net, baseline, test, rows, TABLE_STEPS);
        int truth = d.headers().indexOf("truth");
        List<StateTable.Block> blocks = new ArrayList<>();
        for (int i = 0; i < d.scenes().length; i++) {
            String title = "scene " + d.scenes()[i] + " (" + test.dataset().scenes().get(d.scenes()[i]).imageFilename() + ")";
            blocks.add(StateTable.block(title, d.sets()[i], d.masks()[i], truth));
        }
        return new StateTable(d.headers(), blocks);
    }

    private static void requireTask(Net net, ModelConfig.Task task) {
        if (net.config().task() != task) {
            throw new IllegalArgumentException("this figure is for " + task.cliName() + "; the checkpoint is "
                    + net.config().task().cliName());
        }
    }
}
