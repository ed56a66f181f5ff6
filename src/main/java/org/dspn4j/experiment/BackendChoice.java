package org.dspn4j.experiment;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

import org.dspn4j.gpu.ClDeviceInfo;
import org.dspn4j.gpu.ClEngine;
import org.dspn4j.gpu.DeviceSelector;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.cpu.CpuVectors;

/**
 * Which backend a command computes on: the one place that turns {@code --backend
 * cpu|opencl|reference|auto}, {@code --device} and {@code --arena-mb} into a {@link Compute}.
 *
 * <ul>
 *   <li>{@code cpu}: the CPU backend.</li>
 *   <li>{@code reference}: {@code ReferenceBackend}, the op set's definition (plain loops, one
 *       thread, F32 and F64): slow, for audits — the CPU backend gives the same bits.</li>
 *   <li>{@code opencl}: {@code ClBackend} on the device {@code --device} names (index or name
 *       fragment as {@code dspn4j devices} lists them; default: the first GPU, else the first
 *       accelerator, else the first device, e.g. PoCL's CPU device). F32 only: F64 is refused.</li>
 *   <li>{@code auto} (the default): the first OpenCL device of type GPU if there is one, else the
 *       CPU backend. An OpenCL CPU device (PoCL) is used only when asked for with
 *       {@code --backend opencl}. A {@code --device} given with {@code auto} means OpenCL on that
 *       device. F64 runs on the CPU backend (with {@code --device}: refused).</li>
 * </ul>
 */
public final class BackendChoice {
    /** {@code --backend} values. */
    public enum Kind { CPU, OPENCL, REFERENCE, AUTO }

    /** Arena size when none is given: {@link ClEngine#DEFAULT_ARENA_FLOATS} (256 MB). */
    public static final int DEFAULT_ARENA_MB = ClEngine.DEFAULT_ARENA_FLOATS / (1 << 18);

    /**
     * The note after the backend line when the CPU backend computes without the Vector API module (a JVM
     * started by hand, without the launcher's {@code --add-modules=jdk.incubator.vector}).
     */
    public static final String SCALAR_NOTE = "note: this JVM runs without the Vector API module, so the CPU backend "
            + "computes on its scalar kernels: the same results, many times slower (a train mnist step about 30 times "
            + "as long, docs/measurements.md); start it through ./dspn4j or give java --add-modules=jdk.incubator.vector";

    /** Whether {@link #SCALAR_NOTE} was printed in this JVM (once: {@code repeat} opens the backend per seed). */
    private static final AtomicBoolean SCALAR_NOTED = new AtomicBoolean();

    private static ClEngine lent;

    private final Kind kind;
    private final String device;   // null: no --device
    private final int arenaMb;

    public BackendChoice(Kind kind, String device, int arenaMb) {
        this.kind = kind;
        this.device = device == null || device.isBlank() || device.trim().equalsIgnoreCase("auto") ? null : device.trim();
        this.arenaMb = arenaMb;
        try {
            DeviceSelector.parse(this.device); // validates (e.g. a negative index) before anything runs
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--device " + this.device + ": " + e.getMessage(), e);
        }
        long floats = (long) arenaMb << 18;
        if (floats < ClEngine.MIN_ARENA_FLOATS || floats > ClEngine.MAX_ARENA_FLOATS) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "--arena-mb must be between %d and %d "
                            + "(up to %d device arrays of at most %d MB; one tensor must fit one array), got %d",
                    ClEngine.MIN_ARENA_FLOATS >> 18, ClEngine.MAX_ARENA_FLOATS >> 18, org.dspn4j.gpu.ClArena.MAX_ARRAYS,
                    ClEngine.MAX_ARRAY_FLOATS >> 18, arenaMb));
        }
    }

    /** The CPU backend. */
    public static BackendChoice cpu() {
        return new BackendChoice(Kind.CPU, null, DEFAULT_ARENA_MB);
    }

    /** Parses {@code --backend}: cpu, opencl, reference or auto (any case). */
    public static Kind parseKind(String s) {
        return switch (s == null ? "auto" : s.trim().toLowerCase(Locale.ROOT)) {
            case "cpu" -> Kind.CPU;
            case "opencl" -> Kind.OPENCL;
            case "reference" -> Kind.REFERENCE;
            case "auto" -> Kind.AUTO;
            // not an alias of opencl: that takes any OpenCL device, a CPU one too (PoCL), where gpu promises a GPU
            case "gpu" -> throw new IllegalArgumentException("--backend must be cpu, opencl, reference or auto, got '" + s
                    + "'; for a GPU: auto (the first OpenCL GPU, else the CPU) or opencl --device with one that dspn4j "
                    + "devices lists");
            default -> throw new IllegalArgumentException("--backend must be cpu, opencl, reference or auto, got '" + s + "'");
        };
    }

    public Kind kind() {
        return kind;
    }

    /** The {@code --device} text, or null. */
    public String device() {
        return device;
    }

    public int arenaMb() {
        return arenaMb;
    }

    /**
     * Lends an open engine to every later {@link #open} in this JVM whose choice resolves to the same
     * device: it is used instead of opening (and compiling) another one, and is never closed by a
     * {@link Compute}. Null ends the loan. For tests and for applications that run several commands
     * in one JVM; the arena size of the lent engine wins over {@code --arena-mb}.
     */
    public static synchronized void lendEngine(ClEngine engine) {
        lent = engine;
    }

    /**
     * Whether this choice computes on OpenCL, given the listing of devices; throws when an explicit
     * request cannot be met. {@code auto} is OpenCL iff {@code --device} is given or some device
     * has type GPU, and the dtype is F32.
     */
    boolean usesOpenCl(DType dtype, java.util.function.Supplier<List<ClDeviceInfo>> devices) {
        return usesOpenCl(dtype, null, devices);
    }

    private boolean usesOpenCl(DType dtype, String dtypeSource, java.util.function.Supplier<List<ClDeviceInfo>> devices) {
        switch (kind) {
            case CPU, REFERENCE -> {
                if (device != null) {
                    throw new IllegalArgumentException("--device " + device + " needs --backend opencl (or auto), not "
                            + kind.name().toLowerCase(Locale.ROOT));
                }
                return false;
            }
            case OPENCL -> {
                requireF32(dtype, dtypeSource, "--backend opencl");
                return true;
            }
            default -> {
                if (device != null) {
                    requireF32(dtype, dtypeSource, "--device " + device);
                    return true;
                }
                return dtype == DType.F32 && devices.get().stream().anyMatch(d -> "GPU".equals(d.type()));
            }
        }
    }

    private static void requireF32(DType dtype, String dtypeSource, String what) {
        if (dtype != DType.F32) {
            throw new IllegalArgumentException(what + " runs F32 only (the OpenCL backend holds float tensors), not "
                    + dtype + (dtypeSource == null ? ": add --dtype f32, or use --backend cpu for " + dtype
                    : " (" + dtypeSource + "): use --backend cpu"));
        }
    }

    /**
     * The device an OpenCL choice resolves to: the {@code --device} one, or for {@code auto} the
     * first GPU (for {@code opencl}: the selector's automatic choice, GPU then accelerator then the first device).
     *
     * @throws IllegalArgumentException naming the options that asked for OpenCL when there is no device,
     *     none that {@code --device} names, or several whose names contain its text
     */
    ClDeviceInfo resolve(List<ClDeviceInfo> devices) {
        if (devices.isEmpty()) {
            throw new IllegalArgumentException(asked() + ": no OpenCL device found (no platform, or platforms "
                    + "without devices); see dspn4j devices, or use --backend cpu");
        }
        if (device == null && kind == Kind.AUTO) {
            return devices.stream().filter(d -> "GPU".equals(d.type())).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no OpenCL GPU"));
        }
        try {
            return DeviceSelector.parse(device).choose(devices);
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException(device == null ? e.getMessage() : "--device " + device + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * What {@code --backend auto} (the default, no {@code --device}) computes on for F32, given the
     * listing, as {@code dspn4j devices} says it: the first GPU's {@link ClDeviceInfo#describe()}, or
     * the CPU backend when no device is a GPU (an OpenCL CPU device such as PoCL's is taken only by
     * {@code --backend opencl}).
     */
    public static String autoChoice(List<ClDeviceInfo> devices) {
        return devices.stream().filter(d -> "GPU".equals(d.type())).findFirst().map(ClDeviceInfo::describe)
                .orElse("the CPU backend (no OpenCL device is a GPU; --backend opencl takes an OpenCL CPU device)");
    }

    /**
     * Opens what this choice names for a run of this dtype.
     *
     * @param threads CPU backend threads (the reference backend runs on one)
     * @param log     where the choice is announced, with {@link #SCALAR_NOTE} after it once per JVM where it applies
     *     (null: silent)
     * @throws IllegalArgumentException for F64 on OpenCL, a device that does not exist, or no OpenCL at all
     *     when {@code opencl} was asked for
     */
    public Compute open(DType dtype, int threads, PrintStream log) {
        return open(dtype, null, threads, log);
    }

    /**
     * As {@link #open(DType, int, PrintStream)}, for a command whose dtype is not an option.
     *
     * @param dtypeSource where the dtype comes from, e.g. "the checkpoint's dtype", for a refusal of F64
     *     on OpenCL; null: the command's {@code --dtype}
     */
    public Compute open(DType dtype, String dtypeSource, int threads, PrintStream log) {
        java.util.function.Supplier<List<ClDeviceInfo>> lister = lister();
        Compute c;
        if (!usesOpenCl(dtype, dtypeSource, lister)) {
            c = kind == Kind.REFERENCE ? Compute.reference() : Compute.cpu(threads);
        } else {
            ClDeviceInfo want = resolve(lister.get());
            ClEngine borrowed;
            synchronized (BackendChoice.class) {
                borrowed = lent != null && lent.device().index() == want.index() ? lent : null;
            }
            if (borrowed != null) {
                c = Compute.opencl(borrowed, false);
            } else {
                ClEngine e = ClEngine.open(DeviceSelector.index(want.index()), (long) arenaMb << 18,
                        ClEngine.DEFAULT_STAGING_FLOATS);
                c = Compute.opencl(e, true);
            }
        }
        if (log != null) {
            log.println(c.describe() + autoNote(c.device() != null, dtype));
            if (c.kind().equals("cpu") && CpuVectors.bits() == 0 && SCALAR_NOTED.compareAndSet(false, true)) {
                log.println(SCALAR_NOTE);
            }
        }
        return c;
    }

    /** The options that asked for OpenCL, as the user gave them: {@code --backend opencl}, {@code --device 1}. */
    private String asked() {
        String backend = "--backend " + kind.name().toLowerCase(Locale.ROOT);
        return device == null ? backend : kind == Kind.AUTO ? "--device " + device : backend + " --device " + device;
    }

    /** For {@code --backend auto}, why it took what it took (appended to the announcement); else empty. */
    private String autoNote(boolean opencl, DType dtype) {
        if (kind != Kind.AUTO || device != null) {
            return "";
        }
        return opencl ? " (--backend auto: the first OpenCL GPU)"
                : dtype != DType.F32 ? " (--backend auto: " + dtype + " runs on the CPU backend)"
                : " (--backend auto: no OpenCL GPU)";
    }

    /**
     * Whether {@link #open} would compute on an OpenCL device of type GPU for this dtype (lists the
     * devices; opens nothing).
     */
    public boolean opensGpu(DType dtype) {
        java.util.function.Supplier<List<ClDeviceInfo>> lister = lister();
        if (!usesOpenCl(dtype, lister) || lister.get().isEmpty()) {
            return false;
        }
        return "GPU".equals(resolve(lister.get()).type());
    }

    /** The devices, listed once on first use (OpenCL is required only when it was asked for). */
    @SuppressWarnings("unchecked")
    private java.util.function.Supplier<List<ClDeviceInfo>> lister() {
        List<ClDeviceInfo>[] listed = new List[1];
        return () -> {
            if (listed[0] == null) {
                listed[0] = listDevices(kind == Kind.OPENCL || device != null);
            }
            return listed[0];
        };
    }

    /** The OpenCL devices; empty when there is no OpenCL (an error only when it was asked for). */
    private static List<ClDeviceInfo> listDevices(boolean required) {
        try {
            return ClEngine.devices();
        } catch (RuntimeException | LinkageError e) {
            if (required) {
                throw new IllegalArgumentException("OpenCL is not usable here (" + e + "); use --backend cpu", e);
            }
            return List.of();
        }
    }

    /** The options that give this choice back, e.g. {@code --backend opencl --device 1}. */
    public List<String> toArgs() {
        List<String> a = new java.util.ArrayList<>(List.of("--backend", kind.name().toLowerCase(Locale.ROOT)));
        if (device != null) {
            a.add("--device");
            a.add(device);
        }
        if (arenaMb != DEFAULT_ARENA_MB) {
            a.add("--arena-mb");
            a.add(Integer.toString(arenaMb));
        }
        return a;
    }
}
