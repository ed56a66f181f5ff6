package org.dspn4j.experiment;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.dspn4j.data.clevr.ClevrDataset;
import org.dspn4j.data.mnist.MnistDataset;
import org.dspn4j.data.mnist.MnistSplit;

/**
 * What a run's data was, as SHA-256 digests that run.json records ({@code data_sha256}, one per split)
 * and a resume checks, so that a run continues on the data it started with. MNIST: the digits as read
 * (size, rows, columns, then each image's pixels and its label), whatever files or compression held
 * them. CLEVR: the scene files ({@code scenes/CLEVR_<split>_scenes.json}); the images are not read
 * for it (CLEVR's are 70,000 files), only checked to be present and well-formed as before.
 */
public final class DataDigest {
    private DataDigest() {
    }

    /** The digest of the digits of a split, as lowercase hex. */
    public static String of(MnistDataset d) {
        MessageDigest md = sha256();
        md.update(ByteBuffer.allocate(12).putInt(d.size()).putInt(d.rows()).putInt(d.cols()).array());
        for (int i = 0; i < d.size(); i++) {
            md.update(d.image(i));
            md.update((byte) d.label(i));
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * The digests train records for MNIST data ({@code null}: the bundled subset), by split: the digits of
     * the train and test files as {@link MnistTask} reads them.
     */
    public static Map<String, String> mnist(Path dataDir) throws IOException {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("train", of(MnistExperiment.load(dataDir, MnistSplit.TRAIN)));
        d.put("test", of(MnistExperiment.testSplit(dataDir)));
        return d;
    }

    /** The digests train records for CLEVR data, by split: the train and val scene files ({@link ClevrTask}). */
    public static Map<String, String> clevr(ClevrSource src) throws IOException {
        Map<String, String> d = new LinkedHashMap<>();
        for (String split : new String[] {"train", "val"}) {
            d.put(split, clevr(src, split));
        }
        return d;
    }

    /** The digest of a CLEVR split: its scene file under the data's root. */
    public static String clevr(ClevrSource src, String split) throws IOException {
        return ofFile(ClevrDataset.scenesFile(src.root(), split));
    }

    /** The digest of a file's bytes, as lowercase hex. */
    public static String ofFile(Path file) throws IOException {
        MessageDigest md = sha256();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = IoErrors.naming(file, () -> Files.newInputStream(file))) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * The splits whose digest differs between the run's record and the data now, each as "split
     * (sha256 recorded abc…, now def…)"; splits the record lacks (a run recorded before digests) are
     * not compared.
     */
    public static List<String> changed(Map<String, Object> recorded, Map<String, String> now) {
        Map<String, String> differ = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : now.entrySet()) {
            Object was = recorded.get(e.getKey());
            if (was != null && !was.equals(e.getValue())) {
                differ.put(e.getKey(), "the " + e.getKey() + " split (" + change(was, e.getValue()) + ")");
            }
        }
        return List.copyOf(differ.values());
    }

    /** A changed digest as messages show it: "sha256 recorded abc…, now def…" (the first 12 hex digits of each). */
    static String change(Object recorded, String now) {
        return "sha256 recorded " + head(String.valueOf(recorded)) + "…, now " + head(now) + "…";
    }

    private static String head(String hex) {
        return hex.substring(0, Math.min(12, hex.length()));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
