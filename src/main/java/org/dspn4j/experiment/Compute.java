package org.dspn4j.experiment;

import java.util.LinkedHashMap;
import java.util.Map;

import org.dspn4j.gpu.ClBackend;
import org.dspn4j.gpu.ClDeviceInfo;
import org.dspn4j.gpu.ClEngine;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.ReferenceBackend;
import org.dspn4j.tensor.cpu.CpuBackend;

/**
 * The backend a command computes on, with what run records say about it: the CPU backend (with its
 * thread count) or {@link ClBackend} on one OpenCL device. Every model tensor, batch and optimiser
 * state of a run is created on {@link #backend()}; ops given tensors of two backends throw
 * (each backend refuses storage that is not its own). Made by {@link BackendChoice#open}.
 * Closing it closes the CPU backend's threads or the engine it opened (not a lent engine).
 */
public final class Compute implements AutoCloseable {
    private final Backend backend;
    private final ClEngine engine;     // null on the CPU
    private final boolean ownsEngine;
    private final int threads;

    private Compute(Backend backend, ClEngine engine, boolean ownsEngine, int threads) {
        this.backend = backend;
        this.engine = engine;
        this.ownsEngine = ownsEngine;
        this.threads = threads;
    }

    /** The CPU backend with this many worker threads. */
    public static Compute cpu(int threads) {
        return new Compute(new CpuBackend(threads), null, false, threads);
    }

    /** {@link ReferenceBackend}: the op set's definition, plain loops on the caller's thread. */
    public static Compute reference() {
        return new Compute(new ReferenceBackend(), null, false, 1);
    }

    /**
     * {@link ClBackend} on an open engine.
     *
     * @param owns whether {@link #close()} closes the engine
     */
    public static Compute opencl(ClEngine engine, boolean owns) {
        return new Compute(new ClBackend(engine), engine, owns, 1);
    }

    public Backend backend() {
        return backend;
    }

    /** {@code cpu}, {@code reference} or {@code opencl}. */
    public String kind() {
        return engine == null ? backend.name() : "opencl";
    }

    /** The OpenCL device, or null on the CPU. */
    public ClDeviceInfo device() {
        return engine == null ? null : engine.device();
    }

    /** The device as one line, e.g. {@code CPU backend, 2 threads (amd64)} or the OpenCL device and platform. */
    public String deviceLine() {
        if (engine == null) {
            return threads + (threads == 1 ? " thread, " : " threads, ") + System.getProperty("os.arch");
        }
        ClDeviceInfo d = engine.device();
        return d.name() + " (" + d.type() + ", platform " + d.platform() + ")";
    }

    /**
     * OpenCL: the most device memory the engine's tensors held at once so far, in MB (the arena's
     * high-water mark); -1 on the CPU.
     */
    public double devicePeakMb() {
        return engine == null ? -1 : engine.arena().peakLiveFloats() * 4.0 / (1 << 20);
    }

    /** OpenCL: the arena's size in MB (device memory taken when the engine opened); -1 on the CPU. */
    public double arenaMb() {
        return engine == null ? -1 : engine.arenaFloats() * 4.0 / (1 << 20);
    }

    /** One line for the console: {@code backend: opencl, device: …}. */
    public String describe() {
        return "backend: " + kind() + ", device: " + deviceLine();
    }

    /**
     * What run.json and evaluation outputs record: {@code backend} (cpu/opencl), {@code device}
     * (the device name, or the CPU threads), and for OpenCL {@code device_type}, {@code platform},
     * {@code platform_version}, {@code arena_mb}, {@code arena_arrays}.
     */
    public Map<String, Object> record() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("backend", kind());
        if (engine == null) {
            m.put("device", deviceLine());
            m.put("threads", threads);
        } else {
            ClDeviceInfo d = engine.device();
            m.put("device", d.name());
            m.put("device_type", d.type());
            m.put("platform", d.platform());
            m.put("platform_version", d.platformVersion());
            m.put("arena_mb", (long) arenaMb());
            m.put("arena_arrays", engine.arenaArrays());
        }
        return m;
    }

    @Override
    public void close() {
        if (backend instanceof CpuBackend c) {
            c.close();
        } else if (ownsEngine) {
            engine.close();
        }
    }
}
