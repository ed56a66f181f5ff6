package org.dspn4j.cli;

import org.dspn4j.model.ModelConfig;
import picocli.CommandLine.Option;

/**
 * The model's options of {@code train} (a picocli mixin): decoder, inner loop, sizes, loss options and
 * dtype. Defaults are the paper's; those that depend on the task are stated in the help.
 */
public final class ModelOptions {
    @Option(names = "--decoder", defaultValue = "dspn", description = "dspn, mlp or rnn (default: ${DEFAULT-VALUE})")
    String decoder = "dspn";

    @Option(names = "--iters", defaultValue = "10", description = "inner steps T of DSPN (default: ${DEFAULT-VALUE})")
    int iters = 10;

    @Option(names = "--inner-lr", defaultValue = "800", description = "inner step size eta, greater than 0; the step is eta/(B*D) "
            + "(default: ${DEFAULT-VALUE})")
    double innerLr = 800;

    @Option(names = "--latent", description = "latent size D (default: 64 for mnist, 512 for clevr-box and clevr-state)")
    Integer latent;

    @Option(names = "--hidden", description = "hidden width H (default: 256 for mnist, 512 for clevr-box and clevr-state)")
    Integer hidden;

    @Option(names = "--hungarian", defaultValue = "final", description = "clevr-box and clevr-state: final: the Hungarian "
            + "loss of Y(T) only, as the paper's results; all: the mean over the T+1 steps (default: ${DEFAULT-VALUE})")
    String hungarian = "final";

    @Option(names = "--mask-plus1", description = "baselines output mask + 1 (the authors' MNIST testing branch)")
    boolean maskPlusOne;

    @Option(names = "--float32-ratios", description = "FSPool ratios rounded in float32, as the authors' code")
    boolean float32Ratios;

    @Option(names = "--dtype", defaultValue = "f32", description = "f32 or f64 (default: ${DEFAULT-VALUE})")
    String dtype = "f32";

    /** The model these options describe for a task, every value checked. */
    ModelConfig model(ModelConfig.Task task) {
        ModelConfig m = ModelConfig.paper(task, Checks.decoder("--decoder", decoder));
        boolean all;
        switch (hungarian) {
            case "final" -> all = false;
            case "all" -> all = true;
            default -> throw new IllegalArgumentException("--hungarian must be final or all, got '" + hungarian + "'");
        }
        if (all && !task.supervised()) {
            throw new IllegalArgumentException("--hungarian applies to clevr-box and clevr-state (mnist uses the Chamfer loss)");
        }
        Checks.atLeast("--iters", iters, 0);
        Checks.positive("--inner-lr", innerLr); // eta of Algorithm 1: 0 leaves Y(0) as it is, below 0 climbs the loss
        if (latent != null) {
            Checks.atLeast("--latent", latent, 1);
        }
        if (hidden != null) {
            Checks.atLeast("--hidden", hidden, 1);
        }
        return m.withDtype(TrainCommand.parseDtype(dtype)).withInner(iters, innerLr)
                .withSizes(latent == null ? m.latent() : latent, hidden == null ? m.hidden() : hidden)
                .withOptions(all, maskPlusOne, float32Ratios);
    }
}
