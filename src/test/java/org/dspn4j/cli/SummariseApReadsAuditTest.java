package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code summarise --ap} reads each run's checkpoint once to check it before any evaluation and once to evaluate it;
 * what it prints is what it printed when it read each checkpoint three times: the expected output
 * ({@code summarise-ap-two-seeds.txt}) was captured from that code, with the temporary folder and the seconds each seed
 * took replaced by placeholders.
 */
class SummariseApReadsAuditTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void runs() {
        Path data = dir.resolve("clevr");
        ok("synth", "clevr", "--scenes", "4", "--split", "train", "--seed", "1", "--out", data.toString(), "--threads", "1");
        ok("synth", "clevr", "--scenes", "8", "--split", "val", "--seed", "2", "--out", data.toString(), "--threads", "1");
        for (String seed : new String[] {"1", "2"}) {
            ok("train", "clevr-state", "--data-dir", data.toString(), "--full-eval", "--seed", seed, "--image-size", "65",
                    "--batch", "2", "--steps", "2", "--latent", "8", "--hidden", "8", "--iters", "2", "-q", "--threads", "1",
                    "--backend", "cpu", "--out", dir.resolve("runs/s" + seed).toString());
        }
    }

    private static CliRun ok(String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r.out());
        return r;
    }

    /** The output with the temporary folder as {@code <dir>} and each seed's evaluation time as {@code <time>}. */
    static String normalised(String out) {
        List<String> lines = new ArrayList<>();
        for (String l : out.lines().toList()) {
            if (!l.startsWith("WARNING")) {
                lines.add(l.replace(dir.toString(), "<dir>").replaceAll("; [0-9.]+ (s|min)$", "; <time>"));
            }
        }
        return String.join("\n", lines) + "\n";
    }

    @Test
    void theTablesAreThoseOfTheCodeThatReadEachCheckpointThreeTimes() throws IOException {
        CliRun r = ok("summarise", dir.resolve("runs/s1").toString(), dir.resolve("runs/s2").toString(), "--ap", "--threads",
                "1", "--backend", "cpu");
        String expected;
        try (InputStream in = SummariseApReadsAuditTest.class.getResourceAsStream("summarise-ap-two-seeds.txt")) {
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertEquals(expected, normalised(r.out()));
    }
}
