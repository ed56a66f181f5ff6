package org.dspn4j.experiment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Generated scenes shared by the CLEVR experiment tests: 4 train and 2 val scenes (seed 3), made
 * once per test JVM in a temporary folder that is deleted when the JVM exits.
 */
final class ClevrTestData {
    private static Path root;

    private ClevrTestData() {
    }

    /** The generated data set's cache folder (the data set is under it). */
    static synchronized Path cache() {
        if (root == null) {
            try {
                Path dir = Files.createTempDirectory("dspn4j-clevr-test");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
                ClevrSource.generated(dir, 4, 2, 3).prepare(null, 2);
                root = dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    /** The data at {@code side}×{@code side} pixels. */
    static ClevrSource source(int side) {
        return ClevrSource.generated(cache(), 4, 2, 3).withImageSize(side);
    }

    private static void delete(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }
}
