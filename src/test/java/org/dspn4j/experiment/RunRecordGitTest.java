package org.dspn4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Run records name the commit. Surefire runs the tests with LD_PRELOAD=libjsig.so, as the launcher
 * runs the program; the commit must still be read (libjsig's warning in a non-JVM child once made it
 * "unknown").
 */
class RunRecordGitTest {

    @Test
    void theRecordNamesTheCheckedOutCommitEvenWithTheLaunchersPreload() throws Exception {
        String head = plainGit("rev-parse", "HEAD");
        Assumptions.assumeTrue(head != null && head.matches("[0-9a-f]{40}"), "not in a git work tree");
        String recorded = RunRecord.gitCommit();
        assertTrue(recorded.equals(head) || recorded.equals(head + "+uncommitted"),
                "recorded " + recorded + ", HEAD " + head + ", LD_PRELOAD=" + System.getenv("LD_PRELOAD"));
        String dirty = plainGit("status", "--porcelain", "--untracked-files=no");
        assertEquals(dirty != null && !dirty.isEmpty(), recorded.endsWith("+uncommitted"), recorded);
    }

    /** git without the preload, as a reference: in the current directory. */
    private static String plainGit(String... args) throws IOException, InterruptedException {
        return git(java.nio.file.Path.of("."), args);
    }

    /** git run in {@code dir} without the preload, its trimmed standard output, or null when it failed (a reference). */
    static String git(java.nio.file.Path dir, String... args) throws IOException, InterruptedException {
        String[] cmd = new String[args.length + 3];
        cmd[0] = "git";
        cmd[1] = "-C";
        cmd[2] = dir.toString();
        System.arraycopy(args, 0, cmd, 3, args.length);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().remove("LD_PRELOAD");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return null;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
    }
}
