package org.dspn4j.cli;

import java.nio.file.Path;
import java.util.List;

import org.dspn4j.data.clevr.BoxFormula;
import org.dspn4j.data.synth.ClevrSynth;
import org.dspn4j.experiment.ClevrSource;
import picocli.CommandLine.Option;

/**
 * The generated CLEVR scenes of {@code train clevr-box|clevr-state}, the network's image size and the box heuristic
 * (a picocli mixin); refused for mnist, and {@code --box-formula} for clevr-state ({@link #tasks}).
 */
public final class ClevrDataOptions {
    /** The options of this mixin, for refusing them where they do not apply. */
    static final String[] NAMES = {"--synth-train", "--synth-val", "--synth-seed", "--synth-cache", "--image-size",
        "--box-formula"};

    /**
     * The tasks option {@code name} of this mixin applies to: --box-formula clevr-box's only (clevr-state predicts
     * object states, not boxes).
     */
    static List<String> tasks(String name) {
        return "--box-formula".equals(name) ? List.of("clevr-box") : List.of("clevr-box", "clevr-state");
    }

    @Option(names = "--synth-train", defaultValue = "" + ClevrSource.DEFAULT_TRAIN,
            description = "clevr-box, clevr-state: generated training scenes (default: ${DEFAULT-VALUE})")
    int synthTrain = ClevrSource.DEFAULT_TRAIN;

    @Option(names = "--synth-val", defaultValue = "" + ClevrSource.DEFAULT_VAL,
            description = "clevr-box, clevr-state: generated validation scenes, all evaluated (default: ${DEFAULT-VALUE})")
    int synthVal = ClevrSource.DEFAULT_VAL;

    @Option(names = "--synth-seed", defaultValue = "1",
            description = "clevr-box, clevr-state: seed of the generated scenes (default: ${DEFAULT-VALUE})")
    long synthSeed = 1;

    @Option(names = "--synth-cache", description = "clevr-box, clevr-state: folder for generated data sets (default: runs/clevr-synth)")
    Path synthCache;

    @Option(names = "--image-size", defaultValue = "128",
            description = "clevr-box, clevr-state: side of the network input, 65..128 (default: ${DEFAULT-VALUE}, the authors')")
    int imageSize = 128;

    @Option(names = "--box-formula", defaultValue = "authors",
            description = "clevr-box: the heuristic that gives the ground-truth boxes: authors (the authors' code, with its "
                    + "rotation bug; the paper's targets) or corrected (docs/deviations-clevr-boxes.md) (default: ${DEFAULT-VALUE})")
    String boxFormula = "authors";

    /** The box heuristic {@code --box-formula} names. */
    BoxFormula boxFormula() {
        switch (boxFormula) {
            case "authors": return BoxFormula.AUTHORS;
            case "corrected": return BoxFormula.CORRECTED;
            default: throw new IllegalArgumentException("--box-formula must be authors or corrected, got '" + boxFormula + "'");
        }
    }

    private static void atMostMaxScenes(String option, int count) {
        if (count > ClevrSynth.MAX_SCENES) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "%s must be at most %,d (%s), got %d",
                    option, ClevrSynth.MAX_SCENES, ClevrSynth.MAX_SCENES_REASON, count));
        }
    }

    /** The scenes these options describe, or CLEVR v1.0 at {@code dataDir}. */
    ClevrSource source(Path dataDir) {
        if (imageSize < 65 || imageSize > 128) {
            throw new IllegalArgumentException("--image-size must be between 65 and 128 (the image encoder's range), got " + imageSize);
        }
        if (dataDir == null) {
            Checks.atLeast("--synth-train", synthTrain, 1);
            Checks.atLeast("--synth-val", synthVal, 1);
            atMostMaxScenes("--synth-train", synthTrain);
            atMostMaxScenes("--synth-val", synthVal);
            if (synthCache != null) { // neither a file nor below one, nor another run's folder for the generated scenes
                Checks.outputFolder("--synth-cache", synthCache);
                Checks.requireFolderOutsideRuns("--synth-cache", synthCache, "the generated scenes");
            }
        }
        ClevrSource s = dataDir != null ? ClevrSource.clevr(dataDir)
                : ClevrSource.generated(synthCache != null ? synthCache : ClevrSource.DEFAULT_CACHE, synthTrain, synthVal, synthSeed);
        return s.withImageSize(imageSize).withBoxFormula(boxFormula());
    }
}
