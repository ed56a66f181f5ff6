package org.dspn4j.experiment;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code --resume} may and may not change. A resumed run continues bit for bit only with every
 * setting that affects its numbers as it was recorded, so those must equal run.json's {@code config}
 * (and the checkpoint's model); the others may change, and each change is recorded in run.json's
 * {@code resumes} list. docs/run-folder.md lists both.
 *
 * <ul>
 *   <li><b>Fixed</b> (they change the numbers): the model (task, decoder, set size N, D, H, T, η, λ,
 *       the Hungarian option, mask + 1, the float32 FSPool ratios, dtype), the batch size, Adam's
 *       learning rate, the seed, the data (the MNIST folder; for CLEVR the kind, the generated
 *       scenes' count and seed or the CLEVR folder, the image size, the box formula) and full
 *       evaluation (which test images the test metrics average), and DSPN's {@code --inner-steps}
 *       (recomputed and kept steps give gradients that differ in the last bits); and the data's
 *       content, by run.json's {@code data_sha256} ({@link DataDigest}, checked in {@link TrainingLoop}).</li>
 *   <li><b>Free</b> (they change how long, how often or where, not the numbers): {@code --steps},
 *       {@code --epochs}, {@code --eval-every}, {@code --threads} (the CPU backend gives the same bits
 *       on any thread count), the folder of generated scenes, the progress output, {@code --graph}
 *       (replay and eager give the same bits), and the backend and device — the checkpoint holds host
 *       copies, so it resumes anywhere; F32 steps on another backend round differently in the last
 *       bits, which is why the change and its step are recorded.</li>
 * </ul>
 */
final class ResumeCheck {
    private ResumeCheck() {
    }

    /** Settings that change a run's numbers, as flattened run.json config keys, with the option that sets each. */
    static final Map<String, String> FIXED = new LinkedHashMap<>();

    /** Settings that may change on a resume. */
    static final Map<String, String> FREE = new LinkedHashMap<>();

    static {
        FIXED.put("model.task", "MODEL");
        FIXED.put("model.decoder", "--decoder");
        FIXED.put("model.set_size", "the set size N");
        FIXED.put("model.latent", "--latent");
        FIXED.put("model.hidden", "--hidden");
        FIXED.put("model.iters", "--iters");
        FIXED.put("model.inner_lr", "--inner-lr");
        FIXED.put("model.lambda", "lambda");
        FIXED.put("model.hungarian_all_steps", "--hungarian");
        FIXED.put("model.mask_plus_one", "--mask-plus1");
        FIXED.put("model.float32_ratios", "--float32-ratios");
        FIXED.put("model.dtype", "--dtype");
        FIXED.put("batch", "--batch");
        FIXED.put("lr", "--lr");
        FIXED.put("seed", "--seed");
        FIXED.put("full_eval", "--full-eval");
        FIXED.put("inner_steps", "--inner-steps");
        FIXED.put("data_dir", "--data-dir");
        FIXED.put("data.kind", "--data-dir");
        FIXED.put("data.synth_train", "--synth-train");
        FIXED.put("data.synth_val", "--synth-val");
        FIXED.put("data.synth_seed", "--synth-seed");
        FIXED.put("data.image_size", "--image-size");
        FIXED.put("data.box_formula", "--box-formula");
        FREE.put("max_steps", "--steps");
        FREE.put("epochs", "--epochs");
        FREE.put("eval_every", "--eval-every");
        FREE.put("threads", "--threads");
        FREE.put("data.synth_cache", "--synth-cache");
    }

    /**
     * Refuses, listing every difference, when a setting that changes the numbers differs from the
     * recorded one.
     *
     * @param runJson   the run.json the recorded config comes from (named in the message)
     * @param recorded  run.json's {@code config}
     * @param requested the same object for the requested run ({@link TrainingLoop#runConfig})
     */
    static void requireSame(Path runJson, Map<String, Object> recorded, Map<String, Object> requested) {
        requireSame(runJson, recorded, requested, null);
    }

    /**
     * {@link #requireSame(Path, Map, Map)}, where the recorded data folders ({@code data_dir}, {@code data.root}) are
     * relative to {@code recordedCwd} (run.json's {@code cwd}; null: the current folder, see {@link RunInfo#resolve})
     * and the requested ones to the current folder: a folder is the same when both name the same place, however
     * each was written.
     */
    static void requireSame(Path runJson, Map<String, Object> recorded, Map<String, Object> requested, Path recordedCwd) {
        Map<String, Object> was = flatten(normalised(recorded));
        Map<String, Object> now = flatten(normalised(requested));
        for (String k : new String[] {"data_dir", "data.root"}) {
            sameFolder(k, was, now, recordedCwd);
        }
        if (now.containsKey("inner_steps") && !was.containsKey("inner_steps")) {
            was.put("inner_steps", "keep"); // recorded before --inner-steps existed: every step's graph was kept
        }
        List<String> diffs = new ArrayList<>();
        for (Map.Entry<String, String> e : FIXED.entrySet()) {
            String k = e.getKey();
            if (!was.containsKey(k) && !now.containsKey(k)) {
                continue; // a key of the other task (data_dir for MNIST, data.* for CLEVR)
            }
            Object a = was.get(k);
            Object b = now.get(k);
            if (!same(a, b)) {
                diffs.add(e.getValue() + " " + text(b) + " (the run has " + (was.containsKey(k) ? text(a) : "none") + ")");
            }
        }
        // real CLEVR: the folder itself (generated scenes are made again from their count and seed anywhere)
        if ("clevr".equals(was.get("data.kind")) && "clevr".equals(now.get("data.kind"))
                && !same(was.get("data.root"), now.get("data.root"))) {
            diffs.add("--data-dir " + text(now.get("data.root")) + " (the run has " + text(was.get("data.root")) + ")");
        }
        if (!diffs.isEmpty()) {
            throw new IllegalArgumentException("--resume: " + String.join("; ", diffs) + " — these settings change the "
                    + "results, so they must be those recorded in " + runJson + "; give the recorded values, or start "
                    + "afresh with a new --out or --force");
        }
    }

    /**
     * Compares the data folder {@code key} of both maps by the place each names: the same place makes {@code now}'s
     * value {@code was}'s (no difference); different places with a relative one make both absolute, so that the
     * refusal tells them apart ("mnist" from two folders).
     */
    private static void sameFolder(String key, Map<String, Object> was, Map<String, Object> now, Path recordedCwd) {
        if (!(was.get(key) instanceof String a) || !(now.get(key) instanceof String b) || (a.equals(b) && recordedCwd == null)
                || a.equals("bundled") || b.equals("bundled")) {
            return;
        }
        Path pa;
        Path pb;
        try {
            pa = RunInfo.resolve(recordedCwd, Path.of(a)).toAbsolutePath().normalize();
            pb = Path.of(b).toAbsolutePath().normalize();
        } catch (java.nio.file.InvalidPathException e) {
            return; // compared as written
        }
        if (pa.equals(pb)) {
            now.put(key, a);
        } else if (!Path.of(a).isAbsolute() || !Path.of(b).isAbsolute()) {
            was.put(key, a + " = " + pa);
            now.put(key, b + " = " + pb);
        }
    }

    /**
     * The free settings that differ from {@code before} (the recorded config, or the last resume's settings), as "key:
     * old -> new". The folder of generated scenes ({@code data.synth_cache}) is compared by the place it names: the
     * previous one from {@code beforeCwd} (the cwd of the part of the run that recorded it; null: the current folder),
     * the requested one from the current folder.
     */
    static Map<String, Object> changes(Map<String, Object> before, Map<String, Object> requested, Path beforeCwd) {
        Map<String, Object> was = flatten(normalised(before));
        Map<String, Object> now = flatten(normalised(requested));
        Map<String, Object> out = new LinkedHashMap<>();
        for (String k : FREE.keySet()) {
            if (!was.containsKey(k) && !now.containsKey(k)) {
                continue; // a key of the other task (data.synth_cache for MNIST and real CLEVR)
            }
            if (k.equals("data.synth_cache") && samePlace(was.get(k), now.get(k), beforeCwd)) {
                continue;
            }
            if (!same(was.get(k), now.get(k))) {
                out.put(k, text(was.get(k)) + " -> " + text(now.get(k)));
            }
        }
        return out;
    }

    /** {@link #changes(Map, Map, Path)} with the previous folders read from the current folder. */
    static Map<String, Object> changes(Map<String, Object> before, Map<String, Object> requested) {
        return changes(before, requested, null);
    }

    /** Whether two recorded folders name the same place (the first from {@code cwd}, the second from here). */
    private static boolean samePlace(Object a, Object b, Path cwd) {
        if (!(a instanceof String x) || !(b instanceof String y)) {
            return same(a, b);
        }
        try {
            return RunInfo.resolve(cwd, Path.of(x)).toAbsolutePath().normalize().equals(Path.of(y).toAbsolutePath().normalize());
        } catch (java.nio.file.InvalidPathException e) {
            return x.equals(y);
        }
    }

    /**
     * The free settings of a requested run, as run.json's resumes list records them: the loop's settings by their
     * config keys, and for generated scenes their folder as {@code data.synth_cache}, nested as in {@code config}.
     */
    static Map<String, Object> freeSettings(Map<String, Object> requested) {
        Map<String, Object> flat = flatten(requested);
        Map<String, Object> out = new LinkedHashMap<>();
        for (String k : FREE.keySet()) {
            if (!k.contains(".")) {
                out.put(k, requested.get(k));
            } else if (flat.containsKey(k)) {
                String[] parts = k.split("\\.", 2);
                @SuppressWarnings("unchecked")
                Map<String, Object> sub = (Map<String, Object>) out.computeIfAbsent(parts[0], x -> new LinkedHashMap<>());
                sub.put(parts[1], flat.get(k));
            }
        }
        return out;
    }

    /** A map passed through JSON, so its numbers have the types read back from run.json (long, double). */
    static Map<String, Object> normalised(Map<String, Object> m) {
        try {
            String json = RunRecord.toJson(m, false);
            com.fasterxml.jackson.core.JsonParser p = new com.fasterxml.jackson.core.JsonFactory().createParser(json);
            p.nextToken();
            return RunRecord.readObject(p);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> flatten(Map<String, Object> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (e.getValue() instanceof Map) {
                for (Map.Entry<String, Object> f : flatten((Map<String, Object>) e.getValue()).entrySet()) {
                    out.put(e.getKey() + "." + f.getKey(), f.getValue());
                }
            } else {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    private static boolean same(Object a, Object b) {
        return a == null ? b == null : a.equals(b);
    }

    private static String text(Object v) {
        return v == null ? "none" : v instanceof String s ? s : RunRecord.toJson(v, false);
    }
}
