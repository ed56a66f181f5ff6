package org.dspn4j.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The JVM keeps its own signal handlers while an OpenCL driver is loaded. PoCL's LLVM replaces the
 * handlers of SIGSEGV, SIGBUS, SIGILL and SIGUSR2 when it compiles a kernel; the JVM relies on
 * SIGSEGV for safepoints and implicit null checks, and a test JVM without signal chaining died with
 * exit 139 (no crash log) in later, pure-Java tests. {@code -Xcheck:jni} reports every replaced
 * handler; with {@code libjsig.so} preloaded, as the launcher and the Surefire configuration do,
 * there must be none.
 */
class SignalHandlersTest {

    private static final Path JSIG = Path.of(System.getProperty("java.home"), "lib", "libjsig.so");

    @Test
    void theTestJvmItselfRunsWithSignalChaining() {
        assumeTrue(Files.exists(JSIG), "this JDK has no " + JSIG);
        assertTrue(ClEngine.signalChaining(), "LD_PRELOAD of the test JVM lacks libjsig.so: " + System.getenv("LD_PRELOAD"));
    }

    @Test
    void withLibjsigNoHandlerIsReplaced() throws Exception {
        assumeTrue(SharedEngine.available(), "no OpenCL platform with a device");
        assumeTrue(Files.exists(JSIG), "this JDK has no " + JSIG);
        String out = runChild(JSIG.toString());
        assertTrue(compiledTheKernel(out), out);
        assertFalse(out.contains("handler modified"), out);
        assertFalse(out.contains("warning: started without libjsig"), out);
    }

    /** The check above can fail: without the library, PoCL's replaced handlers are reported. */
    @Test
    void withoutLibjsigPoclReplacesTheHandlers() throws Exception {
        assumeTrue(SharedEngine.available(), "no OpenCL platform with a device");
        String out = runChild(null);
        assertTrue(compiledTheKernel(out), out);
        assumeTrue(out.contains("Portable Computing Language"), "only PoCL's behaviour is known");
        assertTrue(out.contains("SIGSEGV handler modified"), out);
        assertTrue(out.contains("warning: started without libjsig"), out);
    }

    /**
     * The child got as far as compiling the engine kernel: it computed 2 + 2, or its self-test, which
     * runs after the compile, read stale data back (see {@link SignalHandlersCheck} on {@code -Xcheck:jni}).
     */
    private static boolean compiledTheKernel(String out) {
        return out.contains("result: 4.0") || out.contains("engine failed: self-test on OpenCL device");
    }

    private static String runChild(String preload) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(List.of(java.toString(), "-Xcheck:jni", "-XX:+UseG1GC", "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), SignalHandlersCheck.class.getName()));
        pb.redirectErrorStream(true);
        if (preload == null) {
            pb.environment().remove("LD_PRELOAD");
        } else {
            pb.environment().put("LD_PRELOAD", preload);
        }
        Process p = pb.start();
        byte[] bytes = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
        String out = new String(bytes, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
