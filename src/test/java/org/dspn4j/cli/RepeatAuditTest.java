package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code repeat}'s check of the train command as a user on a login node meets it (docs/cluster.md, "CPU threads"):
 * a Slurm grid's {@code --threads} is for the nodes' processors, which the task checks there; a local grid's is
 * for this machine's.
 */
class RepeatAuditTest {
    @TempDir
    Path dir;

    @Test
    void aSlurmGridsThreadsAreNotBoundedByThisMachinesProcessors() {
        String many = Integer.toString(4 * Runtime.getRuntime().availableProcessors() + 4);
        Path out = dir.resolve("g");
        CliRun slurm = CliRun.of("repeat", "--seeds", "1-2", "--slurm", "--dry-run", "--out", out.toString(),
                "--sbatch-arg=--cpus-per-task=" + many, "--", "train", "mnist", "--steps", "2", "--threads", many);
        assertEquals(0, slurm.code(), slurm.out());
        assertTrue(slurm.out().contains("# dry run: nothing written or submitted"), slurm.out());
        assertFalse(Files.exists(out));

        // here, this machine's processors bound it, as train's own check does
        CliRun here = CliRun.of("repeat", "--seeds", "1", "--out", out.toString(), "--", "train", "mnist", "--steps", "2",
                "--threads", many);
        assertEquals(2, here.code(), here.out());
        assertTrue(here.out().startsWith("dspn4j: --threads must be between 1 and "), here.out());
        assertFalse(Files.exists(out));

        // what no node accepts is still refused at once, with the count given
        CliRun zero = CliRun.of("repeat", "--seeds", "1", "--slurm", "--dry-run", "--out", out.toString(), "--", "train", "mnist",
                "--threads", "0");
        assertEquals(2, zero.code(), zero.out());
        assertTrue(zero.out().startsWith("dspn4j: --threads must be between 1 and "), zero.out());
        CliRun reference = CliRun.of("repeat", "--seeds", "1", "--slurm", "--dry-run", "--out", out.toString(), "--", "train",
                "mnist", "--backend", "reference", "--threads", many);
        assertEquals(2, reference.code(), reference.out());
        assertTrue(reference.out().startsWith("dspn4j: --threads " + many + " does not apply to --backend reference"),
                reference.out());
    }
}
