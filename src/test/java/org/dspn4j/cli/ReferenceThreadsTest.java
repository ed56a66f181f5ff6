package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.dspn4j.experiment.RunRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reference backend runs on one thread: run.json says so, and a --threads other than 1 is refused, not recorded. */
class ReferenceThreadsTest {
    private static final String[] TINY = {"train", "mnist", "--latent", "4", "--hidden", "8", "--iters", "2", "--batch", "4",
        "-q", "--backend", "reference"};

    private static String[] args(Path out, String... more) {
        String[] a = new String[TINY.length + 2 + more.length];
        System.arraycopy(TINY, 0, a, 0, TINY.length);
        a[TINY.length] = "--out";
        a[TINY.length + 1] = out.toString();
        System.arraycopy(more, 0, a, TINY.length + 2, more.length);
        return a;
    }

    @Test
    void moreThanOneThreadIsRefusedInOneLineBeforeAnythingIsWritten(@TempDir Path dir) {
        Path out = dir.resolve("fe");
        CliRun r = CliRun.of(args(out, "--steps", "1", "--threads", "2"));
        assertEquals(2, r.code(), r.out());
        assertTrue(r.out().startsWith("dspn4j: --threads 2 does not apply to --backend reference"), r.out());
        assertEquals(1, r.out().strip().lines().count(), r.out());
        assertFalse(Files.exists(out.resolve(RunRecord.RUN)), "run.json written");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theRecordAndItsResumesSayOneThread(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("fe");
        CliRun first = CliRun.of(args(out, "--steps", "1"));
        assertEquals(0, first.code(), first.out());
        Map<String, Object> run = RunRecord.readJsonObject(out.resolve(RunRecord.RUN));
        assertEquals(1L, ((Map<String, Object>) run.get("config")).get("threads"), run.toString());
        assertEquals(1L, run.get("threads"), run.toString());
        CliRun second = CliRun.of(args(out, "--steps", "2", "--resume", "--threads", "1"));
        assertEquals(0, second.code(), second.out());
        run = RunRecord.readJsonObject(out.resolve(RunRecord.RUN));
        Map<String, Object> resume = ((java.util.List<Map<String, Object>>) run.get("resumes")).get(0);
        assertFalse(((Map<String, Object>) resume.get("changed")).containsKey("threads"), resume.toString());
    }

    @Test
    void evalAndShowRefuseMoreThanOneThreadToo(@TempDir Path dir) {
        Path out = dir.resolve("fe");
        assertEquals(0, CliRun.of(args(out, "--steps", "1")).code());
        Path png = dir.resolve("f.png");
        for (String[] a : new String[][] {
            {"eval", "mnist", "--checkpoint", out.toString(), "--backend", "reference", "--threads", "2"},
            {"show", "mnist", "--checkpoint", out.toString(), "--out", png.toString(), "--backend", "reference", "--threads", "2"}}) {
            CliRun r = CliRun.of(a);
            assertEquals(2, r.code(), r.out());
            assertTrue(r.out().startsWith("dspn4j: --threads 2 does not apply to --backend reference"), r.out());
        }
        assertFalse(Files.exists(png), "figure written");
    }
}
