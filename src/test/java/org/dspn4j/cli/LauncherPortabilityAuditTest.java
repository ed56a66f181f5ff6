package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher {@code ./dspn4j} on a user's own machine: macOS's userland (its {@code readlink} has no {@code -f}
 * before macOS 12.3) and the BSDs' ({@code find} without {@code -quit} on OpenBSD). Each case runs the launcher,
 * copied beside a {@code target/dspn4j.jar} and a {@code pom.xml}, once with this machine's GNU tools and once with
 * a PATH whose {@code readlink} and {@code find} refuse those options as the BSD ones do; both must give the same
 * result: the JDK found through its symbolic links (its release file's version checked, its {@code libjsig}
 * preloaded) and the jar rebuilt when a source is newer. The expected paths come from {@link Path#toRealPath}.
 */
class LauncherPortabilityAuditTest {
    @TempDir
    Path dir;

    private static void script(Path file, String body) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static String real(String tool) {
        return Files.isExecutable(Path.of("/usr/bin", tool)) ? "/usr/bin/" + tool : "/bin/" + tool;
    }

    /** A folder of tools refusing what BSD's refuse: {@code readlink -f} (macOS before 12.3), {@code find -quit} (OpenBSD). */
    private Path bsdTools() throws IOException {
        Path bsd = dir.resolve("bsd");
        script(bsd.resolve("readlink"), "case \"$1\" in -*) echo \"readlink: illegal option -- ${1#-}\" >&2;"
                + " echo 'usage: readlink [-n] [file ...]' >&2; exit 1 ;; esac\nexec " + real("readlink") + " \"$@\"\n");
        script(bsd.resolve("find"), "for a in \"$@\"; do [ \"$a\" = -quit ] && { echo 'find: -quit: unknown primary or operator' >&2;"
                + " exit 1; }; done\nexec " + real("find") + " \"$@\"\n");
        return bsd;
    }

    /** A fake JDK: {@code bin/java} prints "fake java NAME", LD_PRELOAD and its arguments; with a {@code lib/libjsig.so}. */
    private Path fakeJdk(Path home, String name, String version) throws IOException {
        script(home.resolve("bin").resolve("java"), "echo fake java " + name + " \"LD_PRELOAD=$LD_PRELOAD\" \"$@\"\n");
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"" + version + "\"\n");
        Files.createDirectories(home.resolve("lib"));
        Files.writeString(home.resolve("lib").resolve("libjsig.so"), "");
        return home;
    }

    /** The launcher in {@code dir/app} beside an up-to-date jar, a source and a fake {@code mvn} on {@code tools}. */
    private Path app() throws IOException {
        Path app = dir.resolve("app");
        Files.createDirectories(app.resolve("target"));
        Files.copy(Path.of("dspn4j"), app.resolve("dspn4j"), StandardCopyOption.REPLACE_EXISTING);
        Path src = app.resolve("src/main/java/A.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, "class A {}\n");
        Files.writeString(app.resolve("pom.xml"), "<project/>\n");
        long old = System.currentTimeMillis() - 3_600_000;
        Files.setLastModifiedTime(src, FileTime.fromMillis(old));
        Files.setLastModifiedTime(app.resolve("pom.xml"), FileTime.fromMillis(old));
        Path jar = app.resolve("target").resolve("dspn4j.jar");
        Files.writeString(jar, "");
        script(dir.resolve("tools").resolve("mvn"), "echo fake mvn \"$@\"\n");
        return app;
    }

    /** Runs {@code bash <launcher> --version} in {@code cwd}; PATH starts with BSD's tools when {@code bsd}; {exit code, output}. */
    private Object[] launch(String launcher, Path cwd, boolean bsd, String pathHead, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", launcher, "--version").redirectErrorStream(true).directory(cwd.toFile());
        Map<String, String> e = pb.environment();
        e.remove("JAVA_HOME");
        e.remove("DSPN4J_JAVA_OPTS");
        e.remove("LD_PRELOAD");
        e.remove("CDPATH");
        e.put("PATH", (bsd ? bsdTools() + ":" : "") + dir.resolve("tools") + ":" + (pathHead == null ? "" : pathHead + ":")
                + "/usr/bin:/bin");
        e.putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the launcher did not finish");
        return new Object[] {p.exitValue(), out};
    }

    /**
     * java on the PATH as Debian's alternatives and Homebrew lay it: a link to a link whose target is relative, read
     * from the physical folder of a linked folder. The JDK behind it is Java 11: refused in one line, with either
     * readlink; with the BSD one the JDK was not found (its release not read, "readlink: illegal option" printed)
     * and the old Java ran.
     */
    @Test
    void javaOnThePathIsFollowedToItsJdkWithoutReadlinkF() throws Exception {
        Path app = app();
        Path jdk = fakeJdk(dir.resolve("deep").resolve("jdks").resolve("old"), "old", "11.0.2");
        Path alternatives = Files.createDirectories(dir.resolve("deep").resolve("alternatives"));
        Files.createSymbolicLink(alternatives.resolve("java"), Path.of("../jdks/old/bin/java"));
        Files.createSymbolicLink(dir.resolve("etc"), Path.of("deep/alternatives")); // ../ from here is dir, not deep
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("java"), dir.resolve("etc").resolve("java"));
        assertEquals(jdk.resolve("bin/java").toRealPath(), bin.resolve("java").toRealPath());
        for (boolean bsd : new boolean[] {false, true}) {
            Object[] r = launch(app.resolve("dspn4j").toString(), dir, bsd, bin.toString(), Map.of());
            assertEquals("dspn4j: " + bin.resolve("java") + " is Java 11; dspn4j needs Java 17 or newer (set JAVA_HOME to one)",
                    r[1], "BSD tools: " + bsd);
            assertEquals(2, r[0], (String) r[1]);
        }
    }

    /** JAVA_HOME a linked folder (as /usr/lib/jvm/default-java): the JDK's own libjsig is preloaded, with either readlink. */
    @Test
    void aLinkedJavaHomePreloadsItsJdksLibjsig() throws Exception {
        Path app = app();
        Path jdk = fakeJdk(dir.resolve("jvm").resolve("jdk-17"), "jdk17", "17.0.15");
        Path home = Files.createSymbolicLink(dir.resolve("default-java"), Path.of("jvm/jdk-17"));
        String jsig = jdk.toRealPath().resolve("lib").resolve("libjsig.so").toString();
        for (boolean bsd : new boolean[] {false, true}) {
            Object[] r = launch(app.resolve("dspn4j").toString(), dir, bsd, null, Map.of("JAVA_HOME", home.toString()));
            assertEquals(0, r[0], (String) r[1]);
            String last = ((String) r[1]).lines().filter(l -> l.startsWith("fake java ")).findFirst().orElse("");
            assertTrue(last.startsWith("fake java jdk17 LD_PRELOAD=" + jsig + " "), "BSD tools: " + bsd + "\n" + r[1]);
            assertFalse(((String) r[1]).contains("illegal option"), (String) r[1]);
        }
    }

    /** A source newer than the jar rebuilds it, also where find has no -quit (with it the launcher took the jar as current). */
    @Test
    void aNewerSourceRebuildsTheJarWithoutFindQuit() throws Exception {
        Path app = app();
        Path jdk = fakeJdk(dir.resolve("jdk"), "jdk", "17.0.15");
        for (boolean bsd : new boolean[] {false, true}) {
            Files.setLastModifiedTime(app.resolve("src/main/java/A.java"), FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
            Object[] current = launch(app.resolve("dspn4j").toString(), dir, bsd, null, Map.of("JAVA_HOME", jdk.toString()));
            assertFalse(((String) current[1]).contains("fake mvn"), "BSD tools: " + bsd + "\n" + current[1]);
            Files.setLastModifiedTime(app.resolve("src/main/java/A.java"), FileTime.fromMillis(System.currentTimeMillis() + 60_000));
            Object[] changed = launch(app.resolve("dspn4j").toString(), dir, bsd, null, Map.of("JAVA_HOME", jdk.toString()));
            assertEquals(0, changed[0], (String) changed[1]);
            assertTrue(((String) changed[1]).contains("fake mvn -B -q -DskipTests package"), "BSD tools: " + bsd + "\n" + changed[1]);
        }
    }

    /** CDPATH naming a folder that holds one of the launcher's name: the launcher's own folder is still its own. */
    @Test
    void cdpathDoesNotMoveTheLaunchersFolder() throws Exception {
        Path app = app();
        Path jdk = fakeJdk(dir.resolve("jdk"), "jdk", "17.0.15");
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere").resolve("app"));
        Map<String, String> env = new HashMap<>(Map.of("JAVA_HOME", jdk.toString(), "CDPATH", elsewhere.getParent().toString()));
        Object[] r = launch("app/dspn4j", dir, false, null, env);
        assertEquals(0, r[0], (String) r[1]);
        assertEquals(List.of("fake java jdk LD_PRELOAD=" + jdk.toRealPath().resolve("lib/libjsig.so")),
                ((String) r[1]).lines().filter(l -> l.startsWith("fake ")).map(l -> l.substring(0, l.indexOf(" -XX:"))).toList(),
                (String) r[1]);
        assertTrue(((String) r[1]).endsWith("-jar " + app.toRealPath().resolve("target/dspn4j.jar") + " --version"), (String) r[1]);
    }
    /**
     * The launcher started through a link in another folder (as {@code ~/bin/dspn4j}, the link relative): it runs its
     * own checkout's jar, with either readlink; it took the link's folder for the checkout and looked for
     * {@code ~/bin/target/dspn4j.jar} (so tried to build there).
     */
    @Test
    void aLinkToTheLauncherRunsItsOwnCheckoutsJar() throws Exception {
        Path app = app();
        Path jdk = fakeJdk(dir.resolve("jdk"), "jdk", "17.0.15");
        Path home = Files.createDirectories(dir.resolve("home"));
        Path bin = Files.createDirectories(home.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("dspn4j"), Path.of("../../app/dspn4j"));
        for (boolean bsd : new boolean[] {false, true}) {
            Object[] r = launch(bin.resolve("dspn4j").toString(), home, bsd, null, Map.of("JAVA_HOME", jdk.toString()));
            assertEquals(0, r[0], (String) r[1]);
            assertFalse(((String) r[1]).contains("fake mvn") || ((String) r[1]).contains("illegal option"),
                    "BSD tools: " + bsd + "\n" + r[1]);
            assertTrue(((String) r[1]).endsWith("-jar " + app.toRealPath().resolve("target/dspn4j.jar") + " --version"),
                    "BSD tools: " + bsd + "\n" + r[1]);
        }
    }

    /**
     * README's plain command line for those who start the jar without the launcher (Windows, an IDE) carries the
     * flags the launcher gives {@code train mnist}, in its order.
     */
    @Test
    void readmesPlainJavaLineHasTheLaunchersFlags() throws Exception {
        String tail = " -jar target/dspn4j.jar train mnist";
        List<String> lines = Files.readAllLines(Path.of("README.md")).stream()
                .filter(l -> l.startsWith("java ") && l.endsWith(tail)).toList();
        assertEquals(1, lines.size(), "README's plain java line for train mnist: " + lines);
        List<String> readme = List.of(lines.get(0).substring("java ".length(), lines.get(0).length() - tail.length()).split(" "));
        Path app = app();
        Path jdk = fakeJdk(dir.resolve("jdk"), "jdk", "17.0.15");
        ProcessBuilder pb = new ProcessBuilder("bash", app.resolve("dspn4j").toString(), "train", "mnist").redirectErrorStream(true);
        pb.environment().remove("DSPN4J_JAVA_OPTS");
        pb.environment().put("JAVA_HOME", jdk.toString());
        pb.environment().put("PATH", dir.resolve("tools") + ":/usr/bin:/bin");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the launcher did not finish");
        String run = out.lines().filter(l -> l.startsWith("fake java ")).findFirst().orElseThrow(() -> new AssertionError(out));
        List<String> words = List.of(run.split(" "));
        List<String> launcher = words.subList(4, words.indexOf("-jar")); // after "fake java jdk LD_PRELOAD=…"
        assertEquals(launcher, readme);
    }
}
