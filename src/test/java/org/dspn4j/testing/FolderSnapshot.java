package org.dspn4j.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Every file and folder under a folder, by relative path: a file's SHA-256, a folder as "/". Two snapshots are
 * equal when nothing was written, removed or added there: how tests show that a refusal (or a read-only command)
 * left saved state as it was.
 */
public final class FolderSnapshot {
    private FolderSnapshot() {
    }

    public static Map<String, String> of(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                m.put(root.relativize(p).toString(), Files.isRegularFile(p) ? sha256(p) : "/");
            }
        }
        return m;
    }

    /**
     * A file's SHA-256, read a MiB at a time: a CLEVR run's checkpoint is near 300 MB (ResNet34's weights and Adam's
     * moments), which read whole into one array cost seconds of allocation and collection per file.
     */
    private static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
