package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which JDK the launcher {@code ./dspn4j} runs: {@code $JAVA_HOME/bin/java} when JAVA_HOME is set, else
 * the {@code java} on the PATH, and one line with exit code 2 where there is none or it is older than
 * Java 17. The launcher is copied into a folder beside a {@code target/dspn4j.jar} (so that it builds
 * nothing) and run with fake JDKs whose {@code bin/java} prints its arguments.
 */
class LauncherJdkTest {
    @TempDir
    Path dir;

    /** A fake JDK: {@code bin/java} prints "fake java NAME" and its arguments; {@code release} names the version. */
    private Path fakeJdk(String name, String version) throws IOException {
        Path home = dir.resolve(name);
        Files.createDirectories(home.resolve("bin"));
        Path java = home.resolve("bin").resolve("java");
        Files.writeString(java, "#!/bin/sh\necho fake java " + name + " \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"" + version + "\"\n");
        return home;
    }

    /** Runs the copied launcher with {@code --version} and the given environment; returns {exit code, output}. */
    private Object[] launch(Map<String, String> env) throws Exception {
        Path app = dir.resolve("app");
        Files.createDirectories(app.resolve("target"));
        Files.copy(Path.of("dspn4j"), app.resolve("dspn4j"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(app.resolve("target").resolve("dspn4j.jar"), "");
        ProcessBuilder pb = new ProcessBuilder("bash", app.resolve("dspn4j").toString(), "--version").redirectErrorStream(true);
        pb.environment().remove("JAVA_HOME");
        pb.environment().remove("DSPN4J_JAVA_OPTS");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the launcher did not finish");
        return new Object[] {p.exitValue(), out};
    }

    @Test
    void javaHomeIsTheJdkItRuns() throws Exception {
        Path home = fakeJdk("home", "25.0.3");
        Path onPath = fakeJdk("path", "17.0.15");
        Object[] r = launch(Map.of("JAVA_HOME", home.toString(), "PATH", onPath.resolve("bin") + ":/usr/bin:/bin"));
        assertEquals(0, r[0], (String) r[1]);
        String out = (String) r[1];
        assertTrue(out.startsWith("fake java home "), out);
        assertTrue(out.contains("-jar " + dir.resolve("app").resolve("target").resolve("dspn4j.jar") + " --version"), out);
    }

    @Test
    void withoutJavaHomeTheJavaOnThePathRuns() throws Exception {
        Path onPath = fakeJdk("path", "17.0.15");
        Object[] r = launch(Map.of("PATH", onPath.resolve("bin") + ":/usr/bin:/bin"));
        assertEquals(0, r[0], (String) r[1]);
        assertTrue(((String) r[1]).startsWith("fake java path "), (String) r[1]);
    }

    @Test
    void aJavaHomeWithoutJavaIsOneLine() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Object[] r = launch(Map.of("JAVA_HOME", empty.toString()));
        assertEquals(2, r[0], (String) r[1]);
        assertEquals("dspn4j: JAVA_HOME=" + empty + " has no bin/java: point it at a JDK 17 or newer, or unset it", r[1]);
    }

    @Test
    void noJavaAtAllIsOneLine() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        // no java on the PATH, only the one tool the launcher runs before it looks for java (dirname, for its folder)
        Path real = Files.exists(Path.of("/usr/bin/dirname")) ? Path.of("/usr/bin/dirname") : Path.of("/bin/dirname");
        Files.createSymbolicLink(bin.resolve("dirname"), real);
        Object[] r;
        try {
            r = launch(Map.of("PATH", bin.toString()));
        } finally {
            Files.delete(bin.resolve("dirname")); // the link itself, before the temporary folder is deleted
        }
        assertEquals(2, r[0], (String) r[1]);
        assertEquals("dspn4j: no java on the PATH: install a JDK 17 or newer, or set JAVA_HOME to one", r[1]);
    }

    @Test
    void aJavaOlderThan17IsOneLine() throws Exception {
        for (String[] v : new String[][] {{"11.0.2", "11"}, {"1.8.0_392", "8"}}) {
            Path old = fakeJdk("old" + v[1], v[0]);
            Object[] r = launch(Map.of("JAVA_HOME", old.toString()));
            assertEquals(2, r[0], (String) r[1]);
            assertEquals("dspn4j: " + old.resolve("bin").resolve("java") + " is Java " + v[1]
                    + "; dspn4j needs Java 17 or newer (set JAVA_HOME to one)", r[1]);
        }
    }
}
