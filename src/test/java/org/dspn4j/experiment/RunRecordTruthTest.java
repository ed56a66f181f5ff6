package org.dspn4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** run.json's git_commit is the commit of the checkout the running code was built from, not the current directory's repository. */
class RunRecordTruthTest {

    @Test
    void theRunningCodesCheckoutIsThisProject() throws IOException {
        Path checkout = RunRecord.checkout(RunRecord.codeLocation());
        Assumptions.assumeTrue(checkout != null, "the classes are not under a checkout's target/");
        assertEquals(Path.of(System.getProperty("user.dir")).toRealPath(), checkout.toRealPath());
    }

    @Test
    void theCommitIsTheCheckoutsNotTheCurrentDirectorysOrAnEnclosingRepositorys(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("dspn4j");
        Files.createDirectories(root.resolve("src/main/java/org/dspn4j"));
        Files.createDirectories(root.resolve("target/classes/org/dspn4j"));
        Files.writeString(root.resolve("pom.xml"), "<project/>\n");
        Files.writeString(root.resolve("src/main/java/org/dspn4j/A.java"), "class A {}\n");
        Assumptions.assumeTrue(git(root, "init", "-q") != null, "no git");
        git(root, "add", "pom.xml", "src");
        git(root, "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "-m", "x");
        String head = git(root, "rev-parse", "HEAD");

        assertEquals(root, RunRecord.checkout(root.resolve("target/classes")));
        assertEquals(root, RunRecord.checkout(root.resolve("target/dspn4j.jar")));
        assertEquals(head, RunRecord.gitCommit(root));
        Files.writeString(root.resolve("pom.xml"), "<project></project>\n");
        assertEquals(head + "+uncommitted", RunRecord.gitCommit(root));

        // a jar copied out of the checkout, even into another repository, names no commit
        Path other = tmp.resolve("other");
        Files.createDirectories(other);
        git(other, "init", "-q");
        git(other, "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "--allow-empty", "-m", "y");
        assertNull(RunRecord.checkout(other.resolve("dspn4j.jar")));
        assertEquals("unknown", RunRecord.gitCommit(null));
        // a checkout's files inside another repository's work tree (no .git of their own): not that repository's commit
        Path copy = other.resolve("copy");
        Files.createDirectories(copy.resolve("src/main/java/org/dspn4j"));
        Files.writeString(copy.resolve("pom.xml"), "<project/>\n");
        assertEquals(copy, RunRecord.checkout(copy.resolve("target/dspn4j.jar")));
        assertEquals("unknown", RunRecord.gitCommit(copy));
    }

    private static String git(Path dir, String... args) throws IOException, InterruptedException {
        return RunRecordGitTest.git(dir, args);
    }
}
