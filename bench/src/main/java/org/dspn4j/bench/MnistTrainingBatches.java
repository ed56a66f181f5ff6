package org.dspn4j.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.dspn4j.data.mnist.MnistBatcher;
import org.dspn4j.data.mnist.MnistDataset;
import org.dspn4j.data.mnist.MnistSet;
import org.dspn4j.data.mnist.MnistSplit;
import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;

/**
 * Writes the first {@code steps} training batches that {@code dspn4j train mnist --seed S --batch B}
 * trains on (bundled data), in training order, so that another implementation can be trained on
 * exactly the same batches ({@code golden/authors_dynamics.py}).
 *
 * <p>Output .npz: {@code sets} (steps, B, 2, N) float32 in [0, 1], {@code masks} (steps, B, N)
 * float32, {@code labels} (steps, B) int32, {@code indices} (steps, B) int32 (which training digits).
 *
 * <pre>java -cp … org.dspn4j.bench.MnistTrainingBatches STEPS SEED BATCH OUT.npz</pre>
 */
public final class MnistTrainingBatches {
    private MnistTrainingBatches() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: MnistTrainingBatches STEPS SEED BATCH OUT.npz");
            System.exit(2);
        }
        int steps = Integer.parseInt(args[0]);
        long seed = Long.parseLong(args[1]);
        int batch = Integer.parseInt(args[2]);
        Path out = Path.of(args[3]);
        MnistBatcher train = new MnistBatcher(new MnistSet(MnistDataset.loadBundled(MnistSplit.TRAIN), seed), batch, true);
        int perEpoch = train.batchesPerEpoch();
        int n = -1;
        float[] sets = null;
        float[] masks = null;
        int[] labels = new int[steps * batch];
        int[] indices = new int[steps * batch];
        for (int s = 0; s < steps; s++) {
            MnistBatcher.Batch b = train.batch(s / perEpoch, s % perEpoch);
            if (sets == null) {
                n = b.mask().length / batch;
                sets = new float[steps * batch * 2 * n];
                masks = new float[steps * batch * n];
            }
            for (int i = 0; i < b.features().length; i++) {
                sets[s * batch * 2 * n + i] = (float) b.features()[i];
            }
            for (int i = 0; i < b.mask().length; i++) {
                masks[s * batch * n + i] = (float) b.mask()[i];
            }
            System.arraycopy(b.labels(), 0, labels, s * batch, batch);
            System.arraycopy(b.indices(), 0, indices, s * batch, batch);
        }
        Map<String, NdArray> arrays = new LinkedHashMap<>();
        arrays.put("sets", NdArray.of(sets, steps, batch, 2, n));
        arrays.put("masks", NdArray.of(masks, steps, batch, n));
        arrays.put("labels", NdArray.of(labels, steps, batch));
        arrays.put("indices", NdArray.of(indices, steps, batch));
        Npz.write(out, arrays);
        System.out.println("wrote " + steps + " batches of " + batch + " to " + out);
    }
}
