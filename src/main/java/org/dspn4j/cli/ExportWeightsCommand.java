package org.dspn4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.experiment.Checkpoint;
import org.dspn4j.experiment.ModelConfigJson;
import org.dspn4j.io.Npz;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.model.Weights;
import org.dspn4j.tensor.cpu.CpuBackend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dspn4j export-weights}: model weights alone, under the authors' state_dict names. */
@Command(name = "export-weights", mixinStandardHelpOptions = true,
        description = {"Write model weights under the authors' PyTorch state_dict names (.npz), from a checkpoint or",
                "a seeded initialisation; load them in PyTorch with {k: torch.from_numpy(v) for k, v in np.load(f).items()}."})
public final class ExportWeightsCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", description = "a training checkpoint (its model configuration is used)")
    Path checkpoint;

    @Option(names = "--model", defaultValue = "mnist", description = "without --checkpoint: mnist (default), clevr-box or clevr-state")
    String model;

    @Option(names = "--decoder", defaultValue = "dspn", description = "without --checkpoint: dspn, mlp or rnn")
    String decoder;

    @Option(names = "--seed", defaultValue = "1", description = "without --checkpoint: initialisation seed")
    long seed;

    @Option(names = "--latent", description = "latent size D")
    Integer latent;

    @Option(names = "--hidden", description = "hidden width H")
    Integer hidden;

    @Option(names = "--set-size", description = "N")
    Integer setSize;

    @Option(names = "--dtype", defaultValue = "f32", description = "f32 or f64 (default: ${DEFAULT-VALUE})")
    String dtype;

    @Option(names = "--out", required = true, description = "output .npz")
    Path out;

    @Override
    public Integer call() throws Exception {
        ModelConfig cfg;
        if (checkpoint != null) {
            cfg = ModelConfigJson.parse(Checkpoint.configJson(checkpoint));
        } else {
            cfg = ModelConfig.paper(ModelConfig.Task.parse(model), ModelConfig.DecoderKind.parse(decoder))
                    .withDtype(TrainCommand.parseDtype(dtype));
            cfg = cfg.withSizes(latent == null ? cfg.latent() : latent, hidden == null ? cfg.hidden() : hidden)
                    .withSetSize(setSize == null ? cfg.setSize() : setSize);
        }
        try (CpuBackend be = new CpuBackend(1)) {
            Net net = Net.create(be, cfg, new MersenneTwister(seed));
            if (checkpoint != null) {
                Weights.load(net, checkpoint);
            }
            Npz.writeAtomic(out, Weights.toArrays(net));
        }
        System.out.println("wrote " + out);
        return 0;
    }
}
