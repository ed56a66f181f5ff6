package org.dspn4j.experiment;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.dspn4j.data.clevr.BoxFormula;
import org.dspn4j.data.clevr.ClevrDataset;
import org.dspn4j.data.mnist.SplitMix64;
import org.dspn4j.data.synth.ClevrSynth;

/**
 * Where the CLEVR scenes of a run come from, and how they are read.
 *
 * <ul>
 *   <li><b>Real CLEVR v1.0</b> ({@code dataDir} set): the train split for training, the val split
 *       for evaluation — its first tenth by default, as the authors during training, all of it with
 *       full evaluation. Both then use {@code drop_last} batching.</li>
 *   <li><b>Generated scenes</b> ({@code dataDir} null): a small train and val split drawn by
 *       {@link ClevrSynth}, written once in CLEVR's own layout under
 *       {@code synthCache/seed<S>-train<N>-val<M>/} and read back by the same {@link ClevrDataset}
 *       loader. The generated val split is already small, so it is evaluated whole.</li>
 * </ul>
 * NOTE: {@link ClevrSynth} draws scene i from (seed, i) alone, whatever the split name, so the two
 * splits get different seeds ({@link #splitSeed}); one seed for both would make val a copy of train.
 *
 * @param dataDir    CLEVR v1.0 root, or null for generated scenes
 * @param synthCache the folder that holds generated data sets (ignored for real CLEVR)
 * @param synthTrain generated training scenes
 * @param synthVal   generated validation scenes
 * @param synthSeed  seed of the generated scenes
 * @param imageSize  side of the square network input (128 as the authors; tests use less, see
 *                   {@link ClevrBatches})
 * @param boxFormula the box heuristic (the authors' by default)
 */
public record ClevrSource(Path dataDir, Path synthCache, int synthTrain, int synthVal, long synthSeed, int imageSize,
                          BoxFormula boxFormula) {

    /** Default folder of generated data sets, beside the run folders. */
    public static final Path DEFAULT_CACHE = Path.of("runs", "clevr-synth");
    /** Default generated training scenes: a few epochs of the small default budget. */
    public static final int DEFAULT_TRAIN = 256;
    /** Default generated validation scenes: two batches of 32. */
    public static final int DEFAULT_VAL = 64;
    /** Seed domain of the generated splits (see {@link SplitMix64#streamSeed}). */
    static final long DOMAIN_SYNTH = 5;
    /** The file that marks a finished generated data set. */
    static final String MARKER = "synth.json";

    public ClevrSource {
        if (dataDir == null && (synthTrain < 1 || synthVal < 1)) {
            throw new IllegalArgumentException("generated CLEVR needs at least one train and one val scene; got "
                    + synthTrain + " and " + synthVal);
        }
        if (imageSize < 1) {
            throw new IllegalArgumentException("image size must be positive, got " + imageSize);
        }
        if (boxFormula == null) {
            boxFormula = BoxFormula.AUTHORS;
        }
    }

    /** Real CLEVR v1.0 at {@code dir}, 128×128 images, the authors' boxes. */
    public static ClevrSource clevr(Path dir) {
        return new ClevrSource(dir, null, 0, 0, 0, 128, BoxFormula.AUTHORS);
    }

    /** Generated scenes, 128×128 images, the authors' boxes. */
    public static ClevrSource generated(Path cache, int train, int val, long seed) {
        return new ClevrSource(null, cache, train, val, seed, 128, BoxFormula.AUTHORS);
    }

    public ClevrSource withImageSize(int side) {
        return new ClevrSource(dataDir, synthCache, synthTrain, synthVal, synthSeed, side, boxFormula);
    }

    /** The same scenes, their ground-truth boxes given by {@code formula}. */
    public ClevrSource withBoxFormula(BoxFormula formula) {
        return new ClevrSource(dataDir, synthCache, synthTrain, synthVal, synthSeed, imageSize, formula);
    }

    /** The same data with their folder ({@code dataDir} or {@code synthCache}) mapped by {@code resolve}. */
    public ClevrSource resolvedWith(java.util.function.UnaryOperator<Path> resolve) {
        return isGenerated() ? new ClevrSource(null, resolve.apply(synthCache), synthTrain, synthVal, synthSeed, imageSize, boxFormula)
                : new ClevrSource(resolve.apply(dataDir), null, synthTrain, synthVal, synthSeed, imageSize, boxFormula);
    }

    public boolean isGenerated() {
        return dataDir == null;
    }

    /** The folder in CLEVR's layout that the loader reads. */
    public Path root() {
        return isGenerated() ? synthCache.resolve("seed" + synthSeed + "-train" + synthTrain + "-val" + synthVal) : dataDir;
    }

    /** The seed {@link ClevrSynth} gets for a split: {@code streamSeed(seed, 5, 0 train / 1 val, 0)}. */
    public static long splitSeed(long seed, String split) {
        return SplitMix64.streamSeed(seed, DOMAIN_SYNTH, "train".equals(split) ? 0 : 1, 0);
    }

    /**
     * Makes sure the data exist: generates the scenes on first use (then reuses them); for real
     * CLEVR only checks the folder.
     */
    public void prepare(PrintStream log, int threads) throws IOException {
        if (!isGenerated()) {
            if (!Files.isDirectory(dataDir)) {
                throw new IllegalArgumentException("--data-dir " + dataDir + " is not a folder (expected CLEVR v1.0: "
                        + "scenes/CLEVR_{train,val}_scenes.json, images/{train,val}/)");
            }
            return;
        }
        Path root = root();
        Path marker = root.resolve(MARKER);
        String expected = RunRecord.toJson(markerContent(), true) + "\n";
        if (Files.isRegularFile(marker) && Files.readString(marker, StandardCharsets.UTF_8).equals(expected)) {
            return;
        }
        long t0 = System.nanoTime();
        for (String split : new String[] {"train", "val"}) {
            int count = "train".equals(split) ? synthTrain : synthVal;
            if (log != null) {
                log.printf("generating %d %s scenes (seed %d) in %s ...%n", count, split, synthSeed, root);
            }
            int step = Math.max(1, count / 8);
            ClevrSynth.generate(root, split, count, splitSeed(synthSeed, split), Math.max(1, threads), done -> {
                if (log != null && done % step == 0 && done < count) {
                    log.printf("  %d/%d%n", done, count);
                }
            });
        }
        IoErrors.writeAtomic(marker, expected);
        if (log != null) {
            log.printf("generated %d scenes in %.1f s%n", synthTrain + synthVal, (System.nanoTime() - t0) / 1e9);
        }
    }

    private Map<String, Object> markerContent() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("generator", "org.dspn4j.data.synth.ClevrSynth");
        m.put("seed", synthSeed);
        m.put("train", synthTrain);
        m.put("val", synthVal);
        m.put("train_seed", splitSeed(synthSeed, "train"));
        m.put("val_seed", splitSeed(synthSeed, "val"));
        return m;
    }

    /** Opens a split (call {@link #prepare} first). */
    public ClevrDataset open(String split, ClevrDataset.Target target) throws IOException {
        Path scenes = ClevrDataset.scenesFile(root(), split);
        try {
            return IoErrors.naming(scenes, () -> ClevrDataset.open(root(), split, target, boxFormula));
        } catch (IllegalArgumentException | IllegalStateException e) { // ClevrFormatException is an IllegalArgumentException
            String m = e.getMessage();
            if (m != null && (m.contains(scenes.toString()) || m.contains(root().toString()))) {
                throw e;
            }
            throw new IllegalArgumentException(scenes + ": " + m, e);
        }
    }

    /**
     * How many val scenes an evaluation uses, before {@code drop_last}: all generated ones; of real
     * CLEVR the first tenth (the authors' default) or, with {@code full}, all.
     */
    public int evalCount(int valSize, boolean full) {
        return isGenerated() || full ? valSize : valSize / 10;
    }

    /** What run.json records about the data. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", isGenerated() ? "generated" : "clevr");
        m.put("root", root().toString());
        if (isGenerated()) {
            m.put("synth_cache", synthCache.toString());
            m.put("synth_train", synthTrain);
            m.put("synth_val", synthVal);
            m.put("synth_seed", synthSeed);
        }
        m.put("image_size", imageSize);
        m.put("box_formula", boxFormula.name());
        return m;
    }

    /** Reads back what {@link #toMap} wrote; a missing or mistyped field is refused naming it. */
    static ClevrSource fromMap(Map<String, Object> m) {
        Object kind = m.get("kind");
        int side = m.containsKey("image_size") ? (int) intField(m, "image_size", 1, Integer.MAX_VALUE) : 128;
        BoxFormula f = BoxFormula.AUTHORS;
        Object formula = m.get("box_formula");
        if (formula != null) {
            try {
                f = BoxFormula.valueOf(String.valueOf(formula));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown box_formula " + RunRecord.describe(formula) + " ("
                        + java.util.Arrays.toString(BoxFormula.values()) + ")");
            }
        }
        if ("clevr".equals(kind)) {
            return new ClevrSource(Path.of(stringField(m, "root")), null, 0, 0, 0, side, f);
        }
        if (!"generated".equals(kind)) {
            throw new IllegalArgumentException("kind must be \"generated\" or \"clevr\", got " + RunRecord.describe(kind));
        }
        return new ClevrSource(null, Path.of(stringField(m, "synth_cache")), (int) intField(m, "synth_train", 1, Integer.MAX_VALUE),
                (int) intField(m, "synth_val", 1, Integer.MAX_VALUE), intField(m, "synth_seed", Long.MIN_VALUE, Long.MAX_VALUE),
                side, f);
    }

    private static long intField(Map<String, Object> m, String key, long min, long max) {
        Object v = m.get(key);
        if (!(v instanceof Long l) || l < min || l > max) {
            throw new IllegalArgumentException(key + " must be an integer" + (min > 0 ? " >= " + min : "") + ", got "
                    + RunRecord.describe(v));
        }
        return l;
    }

    private static String stringField(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof String s) || s.isEmpty()) {
            throw new IllegalArgumentException(key + " must be a non-empty string, got " + RunRecord.describe(v));
        }
        return s;
    }
}
