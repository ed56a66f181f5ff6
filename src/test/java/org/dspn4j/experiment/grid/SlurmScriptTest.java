package org.dspn4j.experiment.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job-array script and the checks of the Slurm options (no cluster needed; SlurmGridTest submits for real). */
class SlurmScriptTest {
    private static final List<String> TRAIN = List.of("train", "mnist", "--latent", "8");

    @TempDir
    Path dir;

    private static SlurmSettings settings(String partition, String gres, String time, String mem, List<String> extra) {
        return new SlurmSettings(partition, gres, time, mem, extra, List.of(), null, null, false);
    }

    private Grid grid(String name) throws Exception {
        return Grid.open(dir.resolve(name), TRAIN, List.of(1L, 2L, 3L, 7L), dir);
    }

    @Test
    void oneArrayTaskPerSeedWithItsLogInItsRunFolder() throws Exception {
        Grid g = grid("g");
        SlurmSettings s = new SlurmSettings("gpu", "gpu:1", "12:00:00", "32G", List.of("--constraint=a100", "--cpus-per-task=4"),
                List.of("module load java/17"), "/opt/jdk/bin/java", null, false);
        String script = SlurmScript.render(g, List.of(7L, 1L, 2L, 3L), s, new TaskRuntime("/opt/jdk/bin/java", "/x/dspn4j.jar", null));
        List<String> lines = Arrays.asList(script.split("\n"));
        assertEquals("#!/bin/bash", lines.get(0));
        for (String want : List.of("#SBATCH --array=1-3,7", "#SBATCH --output=" + g.dir() + "/seed-%a/slurm-%A_%a.out",
                "#SBATCH --chdir=" + dir, "#SBATCH --partition=gpu", "#SBATCH --gres=gpu:1", "#SBATCH --time=12:00:00",
                "#SBATCH --mem=32G", "#SBATCH --constraint=a100", "#SBATCH --cpus-per-task=4", "#SBATCH --job-name=dspn4j-g",
                "eval 'module load java/17'")) {
            assertTrue(lines.contains(want), want + " in\n" + script);
        }
        // sbatch reads #SBATCH lines only before the first command
        int firstCommand = lines.indexOf("set -euo pipefail");
        for (int i = firstCommand; i < lines.size(); i++) {
            assertTrue(!lines.get(i).startsWith("#SBATCH"), lines.get(i));
        }
        assertTrue(lines.indexOf("eval 'module load java/17'") >= 0 && lines.indexOf("eval 'module load java/17'") < lines.indexOf("if [ ! -x \"$java\" ]; then java=\"$(command -v java || true)\"; fi"));
        assertTrue(script.contains("-cp '/x/dspn4j.jar' org.dspn4j.cli.SlurmTask"), script);
        assertTrue(script.contains("'" + g.file() + "' \"$SLURM_ARRAY_TASK_ID\""), script);
        Process p = new ProcessBuilder("bash", "-n").redirectErrorStream(true).start();
        p.getOutputStream().write(script.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    /** Runs the script with a stand-in java that lists its arguments (and LD_PRELOAD) in a file; returns them. */
    private List<String> argsOfJava(boolean hasVector) throws Exception {
        Grid g = grid("g");
        Path fake = dir.resolve("fake java");
        Path args = dir.resolve("args.txt");
        Files.writeString(fake, "#!/bin/bash\n"
                + "if [ \"$1\" = --list-modules ]; then echo java.base@17; " + (hasVector ? "echo jdk.incubator.vector@17; " : "")
                + "echo java.desktop@17; exit 0; fi\n"
                + "printf '%s\\n' \"$@\" > '" + args + "'\necho \"$LD_PRELOAD\" >> '" + args + "'\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        String cp = "/a b/x.jar" + File.pathSeparator + "/it's/y";
        String script = SlurmScript.render(g, List.of(1L, 2L), settings(null, null, null, null, List.of()),
                new TaskRuntime(fake.toString(), cp, null));
        Path file = dir.resolve("array.sh");
        Files.writeString(file, script);
        ProcessBuilder pb = new ProcessBuilder("bash", file.toString()).redirectErrorStream(true);
        pb.environment().put("SLURM_ARRAY_TASK_ID", "2");
        pb.environment().put("DSPN4J_JAVA_OPTS", "-Xmx1g");
        pb.environment().remove("DSPN4J_JAVA");
        pb.environment().remove("LD_PRELOAD");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        List<String> got = Files.readAllLines(args);
        List<String> tail = List.of("-Xmx1g", "-cp", cp, "org.dspn4j.cli.SlurmTask", g.file().toString(), "2", "");
        assertEquals(tail, got.subList(got.size() - tail.size(), got.size()),
                "the options, class path, main class, grid and seed, then LD_PRELOAD (empty: the fake java has no libjsig)");
        return got.subList(0, got.size() - tail.size());
    }

    @Test
    void theTaskRunsTheLaunchersJvmFlagsOnTheGivenClassPathWithTheSeedOfItsArrayIndex() throws Exception {
        List<String> flags = new ArrayList<>(SlurmScript.JVM_FLAGS);
        flags.addAll(SlurmScript.MNIST_HEAP);
        List<String> withoutVector = new ArrayList<>(flags);
        flags.add(SlurmScript.VECTOR);
        assertEquals(flags, argsOfJava(true));
        assertEquals(withoutVector, argsOfJava(false), "a Java without the Vector API module runs without it");
    }

    @Test
    void theTaskRefusesToRunOutsideAnArray() throws Exception {
        String script = SlurmScript.render(grid("g"), List.of(1L), settings(null, null, null, null, List.of()),
                new TaskRuntime("/bin/true", "x.jar", null));
        Path file = dir.resolve("array.sh");
        Files.writeString(file, script);
        ProcessBuilder pb = new ProcessBuilder("bash", file.toString()).redirectErrorStream(true);
        pb.environment().remove("SLURM_ARRAY_TASK_ID");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertTrue(p.exitValue() != 0 && out.contains("SLURM_ARRAY_TASK_ID"), out);
    }

    /**
     * The script must start the JVM as ./dspn4j does; this reads the launcher's exec line, the heap flags
     * it starts from, and the line that gives the CLEVR commands theirs.
     */
    @Test
    void theJvmFlagsAreTheLaunchers() throws Exception {
        String launcher = Files.readString(Path.of("dspn4j")).replace("\\\n", " ");
        String exec = launcher.lines().filter(l -> l.startsWith("exec \"$java_bin\" ")).findFirst().orElseThrow();
        List<String> flags = new ArrayList<>();
        for (String t : exec.substring("exec \"$java_bin\" ".length()).trim().split("\\s+")) {
            if (t.startsWith("${DSPN4J_JAVA_OPTS")) {
                break;
            }
            if (!t.equals("\"${heap[@]}\"")) {
                flags.add(t);
            }
        }
        List<String> ours = new ArrayList<>(SlurmScript.JVM_FLAGS);
        ours.add(SlurmScript.VECTOR);
        assertEquals(ours, flags);
        String heap = "\nheap=(" + String.join(" ", SlurmScript.HEAP) + ")\n";
        assertTrue(launcher.contains(heap), "the launcher has no line " + heap.trim());
        String clevr = "case \"$a\" in " + String.join("|", SlurmScript.CLEVR_WORDS) + ") heap=("
                + String.join(" ", SlurmScript.CLEVR_HEAP) + ")";
        assertTrue(launcher.contains(clevr), "the launcher has no line " + clevr);
        String mnist = "case \"$a\" in " + String.join("|", SlurmScript.MNIST_WORDS) + ") heap=("
                + String.join(" ", SlurmScript.MNIST_HEAP) + ") ;; esac";
        assertTrue(launcher.contains(mnist), "the launcher has no line " + mnist);
        assertTrue(launcher.indexOf(clevr) < launcher.indexOf(mnist), "a CLEVR word must win over an MNIST one, as jvmFlags lets it");
    }

    @Test
    void aClevrGridTakesTheLaunchersClevrHeapAndAnMnistGridTheOther() throws Exception {
        List<String> mnist = new ArrayList<>(SlurmScript.JVM_FLAGS);
        mnist.addAll(SlurmScript.MNIST_HEAP);
        assertEquals(mnist, SlurmScript.jvmFlags(TRAIN));
        List<String> other = new ArrayList<>(SlurmScript.JVM_FLAGS);
        other.addAll(SlurmScript.HEAP);
        assertEquals(other, SlurmScript.jvmFlags(List.of("summarise", "--grid", "g")));
        List<String> clevr = new ArrayList<>(SlurmScript.JVM_FLAGS);
        clevr.addAll(SlurmScript.CLEVR_HEAP);
        assertEquals(clevr, SlurmScript.jvmFlags(List.of("train", "clevr-state", "--steps", "3")));
        String script = SlurmScript.render(Grid.open(dir.resolve("c"), List.of("train", "clevr-box"), List.of(1L), dir),
                List.of(1L), settings(null, null, null, null, List.of()), new TaskRuntime("/bin/true", "x.jar", null));
        assertTrue(script.contains(String.join(" ", clevr) + " $vector"), script);
    }

    @Test
    void theTaskMainClassExists() throws Exception {
        Method main = Class.forName(SlurmScript.TASK_MAIN).getMethod("main", String[].class);
        assertTrue(Modifier.isStatic(main.getModifiers()));
    }

    @Test
    void badSlurmOptionsAreOneLineNamingTheOption() {
        Object[][] bad = {
            {settings("a b", null, null, null, List.of()), "--partition: 'a b'"},
            {settings(null, "gpu 1", null, null, List.of()), "--gres: 'gpu 1'"},
            {settings(null, null, "1h", null, List.of()), "--time: '1h' is not HH:MM:SS"},
            {settings(null, null, "12:00:00:00", null, List.of()), "--time: '12:00:00:00'"},
            {settings(null, null, null, "16 GB", List.of()), "--mem: '16 GB'"},
            {settings(null, null, null, null, List.of("constraint=a100")), "--sbatch-arg: 'constraint=a100' is not one sbatch option"},
            {settings(null, null, null, null, List.of("--array=1-3")), "--sbatch-arg: repeat sets --array itself"},
            {settings(null, null, null, null, List.of("--chdir=/x")), "--sbatch-arg: repeat sets --chdir itself"},
            {settings(null, null, null, null, List.of("-a", "5")), "--sbatch-arg: repeat sets -a itself"},
            {settings(null, null, null, null, List.of("--x\n--y")), "--sbatch-arg:"},
            {new SlurmSettings(null, null, null, null, List.of(), List.of(), null, dir.resolve("none.jar"), false), "--jar: "},
        };
        for (Object[] b : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ((SlurmSettings) b[0])::validate, (String) b[1]);
            assertTrue(e.getMessage().startsWith((String) b[1]) && !e.getMessage().contains("\n"), e.getMessage());
        }
        for (String t : List.of("30", "30:00", "12:00:00", "2-00", "2-12:00", "2-12:00:00", "UNLIMITED")) {
            settings(null, null, t, null, List.of()).validate();
        }
        for (String m : List.of("500", "500M", "16G", "1T", "16g")) {
            settings(null, null, null, m, List.of()).validate();
        }
        settings("gpu,gpu-long", "gpu:a100:2", null, null, List.of("--constraint=a100", "--account=proj_1")).validate();
    }

    @Test
    void seedsMustBeArrayIndexesAndPathsMustFitSbatchLines() throws Exception {
        Grid big = Grid.open(dir.resolve("g"), TRAIN, List.of(1L, 1001L), dir);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SlurmScript.checkCarriable(big, big.seeds()));
        assertTrue(e.getMessage().startsWith("--seeds: with --slurm each seed is its array task's index, 0..1000"), e.getMessage());
        SlurmScript.checkCarriable(Grid.open(dir.resolve("g"), TRAIN, List.of(0L, 1000L), dir), List.of(0L, 1000L));
        Grid spaced = Grid.open(dir.resolve("my runs"), TRAIN, List.of(1L), dir);
        e = assertThrows(IllegalArgumentException.class, () -> SlurmScript.checkCarriable(spaced, spaced.seeds()));
        assertTrue(e.getMessage().startsWith("--out: '" + spaced.dir() + "' has white space or %"), e.getMessage());
    }

    @Test
    void theTaskRunsTheGridsOwnJarWhenItHasOneElseTheGivenJarElseThisClassPath() throws Exception {
        Path gridDir = dir.resolve("g");
        SlurmSettings plain = settings(null, null, null, null, List.of());
        // tests run from target/classes, not a jar: the tasks get this JVM's class path, nothing to copy
        TaskRuntime here = TaskRuntime.choose(plain, gridDir);
        assertNull(here.copyFrom());
        assertTrue(here.classpath().contains(Path.of("target", "classes").toAbsolutePath().toString()), here.classpath());
        assertEquals(Path.of(System.getProperty("java.home"), "bin", "java").toString(), here.java());
        Path jar = dir.resolve("given.jar");
        Files.writeString(jar, "jar");
        SlurmSettings given = new SlurmSettings(null, null, null, null, List.of(), List.of(), "/opt/java", jar, false);
        assertEquals(new TaskRuntime("/opt/java", jar.toString(), null), TaskRuntime.choose(given, gridDir));
        Files.createDirectories(gridDir);
        Files.writeString(gridDir.resolve(TaskRuntime.JAR), "an earlier submission's copy");
        assertEquals(gridDir.resolve(TaskRuntime.JAR).toString(), TaskRuntime.choose(plain, gridDir).classpath());
    }
}
