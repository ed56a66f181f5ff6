package org.dspn4j.experiment;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.data.mnist.*;
import org.dspn4j.model.*;
import org.dspn4j.optim.Adam;
import org.dspn4j.tensor.*;

public class StepTiming {
    public static void main(String[] a) throws Exception {
        DType dt = DType.valueOf(a.length > 0 ? a[0] : "F32");
        int b = a.length > 1 ? Integer.parseInt(a[1]) : 32;
        CpuBackend be = new CpuBackend();
        ModelConfig cfg = ModelConfig.paper(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.DSPN).withDtype(dt);
        Net net = new Net(be, cfg, new MersenneTwister(1), null);
        Adam adam = new Adam(net.namedParameters(), 0.01);
        TrainStep step = new TrainStep(net, adam);
        MnistSet set = new MnistSet(MnistDataset.loadBundled(MnistSplit.TRAIN), 1);
        MnistBatcher batcher = new MnistBatcher(set, b, true);
        for (int i = 0; i < 4; i++) {
            MnistBatcher.Batch bt = batcher.batch(0, i);
            Tensor s = be.fromHost(bt.features(), dt, b, 2, 342);
            Tensor m = be.fromHost(bt.mask(), dt, b, 342);
            long t0 = System.nanoTime();
            TrainStep.Result r = step.run(null, s, m);
            System.out.printf("step %d: %.2f s loss %.5f last %.5f%n", i, (System.nanoTime() - t0) / 1e9, r.loss(), r.last());
        }
        be.close();
    }
}
