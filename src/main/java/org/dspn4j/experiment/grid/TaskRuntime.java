package org.dspn4j.experiment.grid;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;

/**
 * How an array task starts dspn4j: which Java, and which classes. By default the jar this process
 * runs from, copied once into the grid's folder as {@code dspn4j.jar}, so that rebuilding
 * {@code target/dspn4j.jar} while tasks wait in the queue cannot change the code of half a grid (and
 * the grid's folder, which the nodes must see anyway for the results, is where they find it). Outside
 * a jar (tests, an IDE) the tasks run this process's class path, which the nodes must see. {@code --jar}
 * names a jar to run as it is.
 *
 * @param java      the java executable the script tries first (it falls back to {@code java} on the node's PATH)
 * @param classpath the class path of the task's JVM
 * @param copyFrom  the jar to copy to {@code classpath} at submission, or null
 */
record TaskRuntime(String java, String classpath, Path copyFrom) {
    /** The jar's name in the grid's folder. */
    static final String JAR = "dspn4j.jar";

    static TaskRuntime choose(SlurmSettings s, Path gridDir) {
        String java = s.java() != null ? s.java() : Path.of(System.getProperty("java.home"), "bin", "java").toString();
        if (s.jar() != null) {
            return new TaskRuntime(java, s.jar().toAbsolutePath().normalize().toString(), null);
        }
        Path own = gridDir.resolve(JAR);
        if (Files.isRegularFile(own)) {
            return new TaskRuntime(java, own.toString(), null); // an earlier submission's copy: the grid keeps its code
        }
        Path self = codeSource();
        if (self != null && Files.isRegularFile(self) && self.toString().endsWith(".jar")) {
            return new TaskRuntime(java, own.toString(), self);
        }
        List<String> entries = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!e.isEmpty()) {
                entries.add(Path.of(e).toAbsolutePath().normalize().toString());
            }
        }
        return new TaskRuntime(java, String.join(File.pathSeparator, entries), null);
    }

    /** Where this class was loaded from (a jar or a classes folder), or null. */
    private static Path codeSource() {
        CodeSource cs = TaskRuntime.class.getProtectionDomain().getCodeSource();
        try {
            return cs == null ? null : Path.of(cs.getLocation().toURI());
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }
}
