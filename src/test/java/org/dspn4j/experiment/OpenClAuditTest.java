package org.dspn4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.dspn4j.cli.Main;
import org.dspn4j.gpu.ClDeviceInfo;
import org.dspn4j.gpu.DeviceSelector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenCL backend's options as a user meets them ({@code --backend}, {@code --device}): each
 * refusal is one line that names the option, and a refused command writes nothing. These checks
 * need no OpenCL platform (device listings are built here, or the refusal comes before any listing).
 */
class OpenClAuditTest {

    /** PoCL on an Intel Xeon and an Intel GPU: "intel" is in both names. */
    private static final List<ClDeviceInfo> TWO_INTEL = List.of(
            new ClDeviceInfo(0, "Portable Computing Language", "3.0", "The pocl project",
                    "pthread-skylake-avx512-Intel(R) Xeon(R) Gold 6140", "CPU", 16, 64L << 30, 16L << 30, 1 << 19, 4096),
            new ClDeviceInfo(1, "Intel(R) OpenCL Graphics", "3.0", "Intel(R) Corporation",
                    "Intel(R) UHD Graphics 630", "GPU", 24, 8L << 30, 4L << 30, 64 << 10, 256));

    @Test
    void aNameFragmentThatTwoDevicesContainIsRefusedNotResolvedByListingOrder() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DeviceSelector.parse("intel").choose(TWO_INTEL));
        assertTrue(e.getMessage().contains("[0] pthread-skylake") && e.getMessage().contains("[1] Intel(R) UHD"),
                "lists both matches: " + e.getMessage());
        assertTrue(e.getMessage().contains("index"), "says how to name one: " + e.getMessage());
        assertEquals(1, DeviceSelector.parse("uhd").choose(TWO_INTEL).index(), "a fragment only one name holds");
        assertEquals(0, DeviceSelector.parse("xeon").choose(TWO_INTEL).index());
    }

    @Test
    void anAmbiguousDeviceNameOnTheCommandLineNamesTheOption() {
        BackendChoice c = new BackendChoice(BackendChoice.Kind.OPENCL, "intel", BackendChoice.DEFAULT_ARENA_MB);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.resolve(TWO_INTEL));
        assertTrue(e.getMessage().startsWith("--device intel: 2 OpenCL devices"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void devicesSaysThatAutoTakesTheCpuBackendWhenNoDeviceIsAGpu() {
        assertTrue(BackendChoice.autoChoice(TWO_INTEL.subList(0, 1)).startsWith("the CPU backend"),
                "PoCL alone: auto computes on the CPU backend, not on PoCL");
        assertEquals(TWO_INTEL.get(1).describe(), BackendChoice.autoChoice(TWO_INTEL), "the first GPU");
        BackendChoice auto = new BackendChoice(BackendChoice.Kind.AUTO, null, BackendChoice.DEFAULT_ARENA_MB);
        assertEquals(TWO_INTEL.get(1), auto.resolve(TWO_INTEL), "the device auto opens is the one devices names");
        assertFalse(auto.usesOpenCl(org.dspn4j.tensor.DType.F32, () -> TWO_INTEL.subList(0, 1)),
                "and with no GPU auto does not open OpenCL");
    }

    @Test
    void autoSaysWhyItTookTheCpuBackend() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        BackendChoice auto = new BackendChoice(BackendChoice.Kind.AUTO, null, BackendChoice.DEFAULT_ARENA_MB);
        try (Compute c = auto.open(org.dspn4j.tensor.DType.F64, 1, new PrintStream(buf, true, StandardCharsets.UTF_8))) {
            assertEquals("cpu", c.kind());
        }
        assertTrue(buf.toString(StandardCharsets.UTF_8).strip()
                .endsWith("(--backend auto: F64 runs on the CPU backend)"), buf.toString(StandardCharsets.UTF_8));
        buf.reset();
        BackendChoice cpu = new BackendChoice(BackendChoice.Kind.CPU, null, BackendChoice.DEFAULT_ARENA_MB);
        try (Compute c = cpu.open(org.dspn4j.tensor.DType.F64, 1, new PrintStream(buf, true, StandardCharsets.UTF_8))) {
            assertFalse(buf.toString(StandardCharsets.UTF_8).contains("auto"), "asked for: no note");
        }
    }

    @Test
    void aMissingDeviceIndexNamesTheOption() {
        BackendChoice c = new BackendChoice(BackendChoice.Kind.OPENCL, "5", BackendChoice.DEFAULT_ARENA_MB);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.resolve(TWO_INTEL));
        assertTrue(e.getMessage().startsWith("--device 5: no OpenCL device with index 5"), e.getMessage());
    }

    @Test
    void noDeviceAtAllNamesTheOptionsThatAskedForOpenCl() {
        BackendChoice byDevice = new BackendChoice(BackendChoice.Kind.AUTO, "0", BackendChoice.DEFAULT_ARENA_MB);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> byDevice.resolve(List.of()));
        assertTrue(e.getMessage().startsWith("--device 0: no OpenCL device found"),
                "--backend was left at auto; --device asked for OpenCL: " + e.getMessage());
        BackendChoice byBackend = new BackendChoice(BackendChoice.Kind.OPENCL, null, BackendChoice.DEFAULT_ARENA_MB);
        e = assertThrows(IllegalArgumentException.class, () -> byBackend.resolve(List.of()));
        assertTrue(e.getMessage().startsWith("--backend opencl: no OpenCL device found"), e.getMessage());
    }

    @Test
    void anIndexPastIntIsRefusedAsAnIndexNotAsANumberFormat() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeviceSelector.parse("99999999999"));
        assertTrue(e.getMessage().contains("device index 99999999999") && !e.getMessage().contains("For input string"),
                e.getMessage());
    }

    @Test
    void aNegativeIndexIsRefusedAsAnIndex() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceSelector.parse("-1"));
        assertTrue(e.getMessage().contains(">= 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new BackendChoice(BackendChoice.Kind.OPENCL, "-1", BackendChoice.DEFAULT_ARENA_MB));
        assertTrue(e.getMessage().startsWith("--device -1: "), e.getMessage());
    }

    @Test
    void trainWithAnUnusableDeviceIndexIsOneLineAndWritesNoRunFolder(@TempDir Path tmp) {
        Path out = tmp.resolve("run");
        String err = runErr("train", "mnist", "--backend", "opencl", "--device", "99999999999", "--steps", "1",
                "--batch", "2", "--out", out.toString());
        assertEquals("dspn4j: --device 99999999999: device index 99999999999 is past any listing (dspn4j devices "
                + "lists the indexes)", err.strip());
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void evalAndShowOfAnF64CheckpointOnOpenClDoNotAdviseADtypeOptionTheyLack(@TempDir Path tmp) {
        Path run = tmp.resolve("f64");
        PrintStream old = System.out;
        int rc;
        try {
            System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            rc = Main.run("train", "mnist", "--backend", "cpu", "--dtype", "f64", "--latent", "4", "--hidden", "8",
                    "--iters", "2", "--batch", "4", "--steps", "1", "-q", "--threads", "1", "--out", run.toString());
        } finally {
            System.setOut(old);
        }
        assertEquals(0, rc);
        String eval = runErr("eval", "mnist", "--checkpoint", run.toString(), "--backend", "opencl").strip();
        assertEquals("dspn4j: --backend opencl runs F32 only (the OpenCL backend holds float tensors), not F64 (the "
                + "checkpoint's dtype): use --backend cpu", eval);
        Path fig = tmp.resolve("fig.png");
        String show = runErr("show", "mnist", "--checkpoint", run.toString(), "--device", "0", "--rows", "1", "--out",
                fig.toString()).strip();
        assertTrue(show.startsWith("dspn4j: --device 0 runs F32 only") && !show.contains("--dtype"), show);
        assertFalse(Files.exists(fig), "nothing drawn");
    }

    /** Runs the command line, expects exit code 2, and returns what it printed on standard error. */
    private static String runErr(String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.err;
        int rc;
        try {
            System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
            rc = Main.run(args);
        } finally {
            System.setErr(old);
        }
        String err = buf.toString(StandardCharsets.UTF_8);
        assertEquals(2, rc, err);
        return err;
    }
}
