package org.dspn4j.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.experiment.Checkpoint;
import org.dspn4j.experiment.IoErrors;
import org.dspn4j.experiment.ModelConfigJson;
import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.model.Weights;
import org.dspn4j.tensor.cpu.CpuBackend;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dspn4j export-weights}: model weights alone, under the authors' state_dict names. */
@Command(name = "export-weights", mixinStandardHelpOptions = true,
        header = "Write model weights under the authors' PyTorch state_dict names.",
        description = {"Write model weights under the authors' PyTorch state_dict names (.npz), from a checkpoint or "
                + "a seeded initialisation, with meta/format_version and meta/config_json beside them (not weights).",
                "Load them in PyTorch without the meta/ entries (docs/audit.md):",
                "  net.load_state_dict({k: torch.from_numpy(v) for k, v in np.load(f).items()",
                "                       if not k.startswith(\"meta/\")})"})
public final class ExportWeightsCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--checkpoint", converter = CheckpointOptions.RunFolder.class, description = "a training checkpoint "
            + "(or the run folder holding it; its model configuration is used), or the authors' torch.save log "
            + "(recognised by content; its args give the model)")
    Path checkpoint;

    @Option(names = "--model", defaultValue = "mnist", description = "without --checkpoint: mnist (default), clevr-box or clevr-state")
    String model;

    @Option(names = "--decoder", defaultValue = "dspn", description = "without --checkpoint: dspn, mlp or rnn (default: ${DEFAULT-VALUE})")
    String decoder;

    @Option(names = "--seed", defaultValue = "1", description = "without --checkpoint: initialisation seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--latent", description = "without --checkpoint: latent size D (default: the task's)")
    Integer latent;

    @Option(names = "--hidden", description = "without --checkpoint: hidden width H (default: the task's)")
    Integer hidden;

    @Option(names = "--set-size", description = "without --checkpoint: N (default: the task's)")
    Integer setSize;

    @Option(names = "--dtype", defaultValue = "f32", description = "without --checkpoint: f32 or f64 (default: ${DEFAULT-VALUE})")
    String dtype;

    @Option(names = "--allow-nonfinite", description = "export a checkpoint's NaN or infinite weights instead of refusing them")
    boolean allowNonFinite;

    @Option(names = "--out", required = true, description = "the .npz to write, named *.npz (not the checkpoint)")
    Path out;

    @Option(names = "--force", description = "write over --out if it exists")
    boolean force;

    @Override
    public Integer call() throws Exception {
        Checks.outputFile("--out", out, checkpoint);
        Checks.npzName("--out", out);
        Checks.requireNewOrForced("--out", out, force); // it may be a checkpoint or a model kept outside a run folder (models/)
        ModelConfig cfg;
        if (checkpoint != null) {
            Checks.inputFile("--checkpoint", checkpoint);
            for (String o : new String[] {"--model", "--decoder", "--seed", "--latent", "--hidden", "--set-size", "--dtype"}) {
                if (spec.commandLine().getParseResult().hasMatchedOption(o)) {
                    throw new IllegalArgumentException(o + " applies without --checkpoint (the checkpoint holds its model)");
                }
            }
            cfg = null;
        } else {
            cfg = ModelConfig.paper(Checks.task("--model", model), Checks.decoder("--decoder", decoder))
                    .withDtype(TrainCommand.parseDtype(dtype));
            if (latent != null) {
                Checks.atLeast("--latent", latent, 1);
            }
            if (hidden != null) {
                Checks.atLeast("--hidden", hidden, 1);
            }
            if (setSize != null) {
                Checks.atLeast("--set-size", setSize, 1);
            }
            cfg = cfg.withSizes(latent == null ? cfg.latent() : latent, hidden == null ? cfg.hidden() : hidden)
                    .withSetSize(setSize == null ? cfg.setSize() : setSize);
        }
        try (CpuBackend be = new CpuBackend(1)) {
            Net net;
            try {
                net = checkpoint != null ? Checkpoint.loadModel(be, checkpoint, Net::create, allowNonFinite)
                        : Net.create(be, cfg, new MersenneTwister(seed));
            } catch (IllegalArgumentException e) {
                throw checkpoint != null ? e : Checks.sized(e, "--latent " + cfg.latent() + ", --hidden " + cfg.hidden()
                        + ", --set-size " + cfg.setSize());
            }
            // the model's settings beside its weights (as import-torch writes them): eval and show
            // build the model from meta/config_json, so the exported file evaluates like the checkpoint
            Map<String, NdArray> a = new LinkedHashMap<>(Weights.toArrays(net));
            a.put("meta/config_json", TorchReport.text(ModelConfigJson.toJson(
                    checkpoint != null ? Checkpoint.config(checkpoint) : cfg)));
            IoErrors.naming(out, () -> Npz.writeAtomic(out, a));
        }
        System.out.println("wrote " + out);
        return 0;
    }
}
