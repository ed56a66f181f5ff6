package org.dspn4j.gpu;

import com.aparapi.Kernel;
import com.aparapi.Range;
import com.aparapi.device.Device;
import com.aparapi.device.OpenCLDevice;
import com.aparapi.exception.CompileFailedException;
import com.aparapi.exception.QueryFailedException;
import com.aparapi.internal.kernel.KernelManager;
import com.aparapi.internal.opencl.OpenCLLoader;
import com.aparapi.internal.opencl.OpenCLPlatform;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.Shape;

/**
 * A device-resident compute engine over OpenCL (through Aparapi): one long-lived kernel, a
 * resident {@code float} arena of one to four arrays addressed by int addresses ({@link ClArena}:
 * {@code (array << 29) | offset}; with one array an address is a plain offset), explicit uploads and
 * downloads through staging arrays, and a strict start-up that refuses to run anywhere but the chosen
 * OpenCL device.
 *
 * <p>Usage: {@code open} a device, {@link #arena() alloc} float ranges, {@link #upload} data, run
 * ops on offsets (results stay on the device), {@link #download} what the host needs, {@link #close}.
 * Every op validates its ranges against the arena before launching and checks after launching that
 * the kernel really ran on the device (Aparapi otherwise falls back, silently, to a Java thread pool
 * that works on stale host copies). A failed check throws {@link IllegalStateException} and leaves
 * the engine unusable.
 *
 * <p>Ops take their inputs first and their output last; an elementwise output may be identical to
 * an input (in place) but must not partly overlap it; a matmul or sum output must not overlap its
 * inputs. Offsets in {@code [0, RESERVED)} belong to the engine (the index-error flag) and are refused.
 * Each launch is synchronous (Aparapi has no asynchronous launch); see docs/gpu.md for its cost.
 *
 * <p>One dispatcher at a time: every method is synchronized. Aparapi keys device preferences by
 * kernel class, so all engines open at once in a JVM must use the same device.
 */
public final class ClEngine implements AutoCloseable {

    /**
     * Smallest arena, and smallest arena array: 64 MB. Arrays this large are G1 humongous objects,
     * which G1 never moves.
     */
    public static final int MIN_ARENA_FLOATS = 16 << 20;
    /** Default arena: 256 MB. */
    public static final int DEFAULT_ARENA_FLOATS = 64 << 20;
    /**
     * Largest arena array: 2044 MB, just under Aparapi's per-array limit (its native side keeps a
     * buffer's size in bytes in a 32-bit signed int, so an array must stay below 2^31 bytes).
     */
    public static final int MAX_ARRAY_FLOATS = (1 << 29) - (1 << 20);
    /** Largest arena: {@link ClArena#MAX_ARRAYS} arrays of {@link #MAX_ARRAY_FLOATS} (8,176 MB). */
    public static final long MAX_ARENA_FLOATS = (long) ClArena.MAX_ARRAYS * MAX_ARRAY_FLOATS;
    /** Default bulk staging array: 4 MB (uploads and downloads above it are chunked). */
    public static final int DEFAULT_STAGING_FLOATS = 1 << 20;
    /** Transfers of at most this many floats use the small staging array (one 4 KB put/get). */
    public static final int SMALL_STAGING_FLOATS = 1024;
    /**
     * Arena floats [0, RESERVED) of array 0 are the engine's own: the index-error flag at
     * {@link #INDEX_ERROR} (the rest unused).
     */
    public static final int RESERVED = 1024;
    /**
     * Address of the index-error flag: GATHER and SCATTER_ADD set it to 1 when an index lies outside
     * its dimension ({@link #takeIndexError}).
     */
    static final int INDEX_ERROR = EngineKernel.INDEX_ERROR;

    // Engines open in this JVM, and their device: Aparapi keeps one device preference per kernel class.
    private static final Object OPEN_LOCK = new Object();
    private static int openEngines;
    private static OpenCLDevice openDevice;

    private final EngineKernel kernel;
    /** Lengths of the arena arrays in use (the kernel's other arena fields hold one unused float). */
    private final int[] arrayFloats;
    private final OpenCLDevice device;
    private final ClDeviceInfo info;
    private final ClArena arena;
    private final int local;
    private long launches;
    private long uploads;
    private long downloads;
    /** Per op code: launches and wall nanoseconds of execute (launch overhead included). */
    private final long[] opLaunches = new long[OP_NAMES.length];
    private final long[] opNanos = new long[OP_NAMES.length];
    /** Names of the op codes, for {@link #profile()}. */
    private static final String[] OP_NAMES = {"", "COPY_IN", "COPY_OUT", "COPY_IN_SMALL", "COPY_OUT_SMALL", "COPY",
        "FILL", "", "", "", "", "MATMUL", "BINARY", "MAP", "STRIDED_COPY", "SUM_DIMS", "ARGMAX",
        "ARGSORT", "GATHER", "SCATTER_ADD", "CHAMFER_ARGMIN", "IM2COL", "COL2IM", "MAXPOOL_INDICES", "FUSED", "ASSIGN",
        "SUM_GROUPS"};
    /** Launches captured since {@link #beginRecording()}, or null when not recording. */
    private List<Launch> recording;
    /**
     * True inside an upload, or inside a host step's transfers: their staging launches are not captured
     * (uploaded host data is a constant of a recording; a host step is captured as one entry of its own).
     */
    private boolean inUpload;
    private String broken;  // non-null once a launch did not run on the device
    private boolean closed;

    private ClEngine(EngineKernel kernel, int[] arrayFloats, OpenCLDevice device, ClDeviceInfo info, int local) {
        this.kernel = kernel;
        this.arrayFloats = arrayFloats.clone();
        this.device = device;
        this.info = info;
        this.local = local;
        this.arena = new ClArena(arrayFloats, RESERVED, ClArena.DEFAULT_ALIGNMENT);
    }

    // =============================================================================================
    // Discovery and strict start-up

    /** True iff an OpenCL loader is present and at least one platform has at least one device. */
    public static boolean available() {
        try {
            return !devices().isEmpty();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** OpenCL devices of all platforms, in listing order (empty when there is no OpenCL at all). */
    public static List<ClDeviceInfo> devices() {
        List<ClDeviceInfo> out = new ArrayList<>();
        for (OpenCLDevice d : listOpenClDevices()) {
            out.add(describe(out.size(), d));
        }
        return out;
    }

    /** Opens an engine with the default arena (256 MB) and staging (4 MB); see the long form. */
    public static ClEngine open(DeviceSelector selector) {
        return open(selector, DEFAULT_ARENA_FLOATS, DEFAULT_STAGING_FLOATS);
    }

    /**
     * Opens an engine whose arena is split into arrays of at most {@link #MAX_ARRAY_FLOATS}; see the
     * long form.
     */
    public static ClEngine open(DeviceSelector selector, long arenaFloats, int stagingFloats) {
        return open(selector, arenaFloats, stagingFloats, MAX_ARRAY_FLOATS);
    }

    /**
     * Opens an engine on the chosen OpenCL device, or throws. Steps: require the G1 collector;
     * list devices and choose; compile the kernel for that device with {@code Kernel.compile}
     * (which throws, where {@code execute} would silently fall back to Java threads); run a
     * self-test launch (which also uploads the arena) and check that it ran on the chosen device
     * and read back what it wrote, in every arena array.
     *
     * <p>The arena is split into k = ⌈arenaFloats / maxArrayFloats⌉ arrays of equal size (within one
     * float); a tensor must fit one array (docs/gpu.md, "Arena").
     *
     * @param arenaFloats resident arena size in all, {@link #MIN_ARENA_FLOATS} .. {@link #MAX_ARENA_FLOATS}
     * @param stagingFloats bulk staging size, {@link #SMALL_STAGING_FLOATS} .. arenaFloats
     * @param maxArrayFloats largest arena array, {@link #MIN_ARENA_FLOATS} .. {@link #MAX_ARRAY_FLOATS}
     *     (smaller values force several arrays, e.g. for tests); at most {@link ClArena#MAX_ARRAYS}
     *     arrays, each at least {@link #MIN_ARENA_FLOATS}
     * @throws IllegalArgumentException for sizes outside those ranges, and for an arena whose arrays exceed the
     *     device's largest buffer or which, mirrored on the heap, exceeds the JVM's heap (the user's --arena-mb)
     * @throws UnsupportedOperationException when the JVM runs another collector than G1
     * @throws IllegalStateException when the device or the kernel is not usable; the message names the device
     */
    public static ClEngine open(DeviceSelector selector, long arenaFloats, int stagingFloats, int maxArrayFloats) {
        if (arenaFloats < MIN_ARENA_FLOATS || arenaFloats > MAX_ARENA_FLOATS) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "arena of %,d floats is outside [%,d (64 MB), %,d (%d arrays of %,d)]: smaller arrays can be moved "
                            + "by the garbage collector, which silently loses device data (docs/gpu.md)",
                    arenaFloats, MIN_ARENA_FLOATS, MAX_ARENA_FLOATS, ClArena.MAX_ARRAYS, MAX_ARRAY_FLOATS));
        }
        int[] arrays = splitArena(arenaFloats, maxArrayFloats);
        if (stagingFloats < SMALL_STAGING_FLOATS || stagingFloats > arenaFloats) {
            throw new IllegalArgumentException("staging of " + stagingFloats + " floats is outside ["
                    + SMALL_STAGING_FLOATS + ", arena size " + arenaFloats + "]");
        }
        requireG1();
        warnWithoutSignalChaining();
        List<OpenCLDevice> devices = listOpenClDevices();
        List<ClDeviceInfo> infos = new ArrayList<>();
        for (OpenCLDevice d : devices) {
            infos.add(describe(infos.size(), d));
        }
        ClDeviceInfo info = selector.choose(infos);
        OpenCLDevice device = devices.get(info.index());
        long arenaBytes = 4L * arenaFloats;
        requireDeviceHolds(info, arrays, stagingFloats);
        long heapNeed = arenaBytes + 4L * stagingFloats;
        if (heapNeed > Runtime.getRuntime().maxMemory()) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "arena + staging need %,d bytes of Java heap (the arena is mirrored there), the JVM allows "
                            + "%,d: a smaller --arena-mb or a larger heap helps, e.g. DSPN4J_JAVA_OPTS=-Xmx%dg",
                    heapNeed, Runtime.getRuntime().maxMemory(), (heapNeed + (1L << 30) - 1) / (1L << 30) + 1));
        }
        synchronized (OPEN_LOCK) {
            if (openEngines > 0 && openDevice.getDeviceId() != device.getDeviceId()) {
                throw new IllegalStateException("another engine is open on " + openDevice.getShortDescription()
                        + "; Aparapi keeps one device per kernel class, so close it before opening "
                        + info.describe());
            }
            if (openEngines > 0) {
                device = openDevice;
            }
            device.setSharedMemory(false);  // a device copy even on CPU devices: PoCL then tests the GPU path
            EngineKernel kernel = new EngineKernel(arrays, stagingFloats, SMALL_STAGING_FLOATS);
            try {
                ClEngine engine = start(kernel, arrays, device, info);
                openEngines++;
                openDevice = device;
                return engine;
            } catch (RuntimeException | Error e) {
                kernel.dispose();
                throw e;
            }
        }
    }

    /**
     * Refuses an arena the device cannot hold, before any buffer is made (a device allocation that
     * fails would otherwise fail inside Aparapi, at the first launch): an array larger than
     * the device's largest buffer ({@code CL_DEVICE_MAX_MEM_ALLOC_SIZE}), or arrays and staging
     * together larger than its global memory ({@code CL_DEVICE_GLOBAL_MEM_SIZE}). A size the device
     * does not report (0) is not checked.
     *
     * @param arrays the arena's arrays in floats ({@link #splitArena}), the largest first
     * @throws IllegalArgumentException naming {@code --arena-mb}
     */
    static void requireDeviceHolds(ClDeviceInfo info, int[] arrays, int stagingFloats) {
        long arrayBytes = 4L * arrays[0];
        if (info.maxAllocBytes() > 0 && arrayBytes > info.maxAllocBytes()) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "arena array of %,d bytes exceeds the largest buffer %s allows (%,d bytes): a smaller --arena-mb helps",
                    arrayBytes, info.describe(), info.maxAllocBytes()));
        }
        long deviceBytes = 4L * ((long) stagingFloats + SMALL_STAGING_FLOATS);
        for (int a : arrays) {
            deviceBytes += 4L * a;
        }
        if (info.globalMemBytes() > 0 && deviceBytes > info.globalMemBytes()) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "arena and staging need %,d bytes of device memory, more than %s has (%,d bytes): a smaller "
                            + "--arena-mb helps (at most %d)", deviceBytes, info.describe(), info.globalMemBytes(),
                    (info.globalMemBytes() - 4L * ((long) stagingFloats + SMALL_STAGING_FLOATS)) >> 20));
        }
    }

    /**
     * Array lengths for an arena of {@code total} floats in arrays of at most {@code maxArray}: the
     * fewest arrays, of equal length within one float (the first ones take the remainder).
     */
    static int[] splitArena(long total, int maxArray) {
        if (maxArray < MIN_ARENA_FLOATS || maxArray > MAX_ARRAY_FLOATS) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "arena arrays of at most %,d floats: the per-array size must lie in [%,d (64 MB), %,d (2044 MB)]",
                    maxArray, MIN_ARENA_FLOATS, MAX_ARRAY_FLOATS));
        }
        long k = (total + maxArray - 1) / maxArray;
        if (k > ClArena.MAX_ARRAYS) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "arena of %,d floats needs %d arrays of at most %,d floats; an engine has at most %d",
                    total, k, maxArray, ClArena.MAX_ARRAYS));
        }
        int[] sizes = new int[(int) k];
        for (int a = 0; a < k; a++) {
            sizes[a] = (int) (total / k + (a < total % k ? 1 : 0));
        }
        if (sizes[sizes.length - 1] < MIN_ARENA_FLOATS) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "arena of %,d floats in %d arrays of at most %,d floats gives arrays of %,d floats, below the "
                            + "64 MB minimum (%,d floats) that keeps them from being moved by the garbage collector",
                    total, k, maxArray, sizes[sizes.length - 1], MIN_ARENA_FLOATS));
        }
        return sizes;
    }

    private static ClEngine start(EngineKernel kernel, int[] arrays, OpenCLDevice device, ClDeviceInfo info) {
        kernel.setExplicit(true);
        LinkedHashSet<Device> only = new LinkedHashSet<>();
        only.add(device);
        KernelManager.instance().setPreferredDevices(kernel, only);
        try {
            kernel.compile(device);
        } catch (CompileFailedException e) {
            throw new IllegalStateException("Aparapi could not compile the engine kernel for OpenCL device "
                    + info.describe() + ": " + e.getMessage(), e);
        }
        int local = Math.min(EngineKernel.MAX_LOCAL, floorPowerOfTwo(Math.max(1, device.getMaxWorkGroupSize())));
        try {
            local = Math.min(local, floorPowerOfTwo(Math.max(1, kernel.getKernelMaxWorkGroupSize(device))));
        } catch (QueryFailedException e) {
            throw new IllegalStateException("cannot query the engine kernel's work-group size on "
                    + info.describe() + ": " + e.getMessage(), e);
        }
        ClEngine engine = new ClEngine(kernel, arrays, device, info, local);
        engine.selfTest();
        return engine;
    }

    /** First launch: uploads the arena and staging (explicit mode does that once), proves the device. */
    @SuppressWarnings("deprecation") // getExecutionMode: the only way to see Aparapi's JTP/SEQ modes
    private void selfTest() {
        int n = Math.min(local, SMALL_STAGING_FLOATS);
        fill(RESERVED, n, 1.5f);
        Kernel.EXECUTION_MODE mode = kernel.getExecutionMode();
        if (mode == Kernel.EXECUTION_MODE.JTP || mode == Kernel.EXECUTION_MODE.SEQ || !kernel.isRunningCL()) {
            throw new IllegalStateException("the engine kernel is not running on OpenCL device " + info.describe()
                    + " (execution mode " + mode + ")");
        }
        float[] back = download(RESERVED, n);
        for (int i = 0; i < n; i++) {
            if (back[i] != 1.5f) {
                throw new IllegalStateException("self-test on OpenCL device " + info.describe() + " wrote 1.5 and read "
                        + back[i] + " at element " + i);
            }
        }
        for (int a = 1; a < arrayFloats.length; a++) {
            int at = ClArena.address(a, 0);
            fill(at, n, 2.5f);
            back = download(at, n);
            for (int i = 0; i < n; i++) {
                if (back[i] != 2.5f) {
                    throw new IllegalStateException("self-test on OpenCL device " + info.describe() + " wrote 2.5 to arena "
                            + "array " + a + " and read " + back[i] + " at element " + i);
                }
            }
            fill(at, n, 0f);  // leave the array as the first upload made it
        }
    }

    private static volatile boolean signalWarningShown;

    /**
     * Whether this JVM was started with the JDK's signal-chaining library ({@code libjsig.so} in
     * {@code LD_PRELOAD}). OpenCL drivers may install their own handlers for signals the JVM needs —
     * PoCL's LLVM replaces SIGSEGV, SIGBUS, SIGILL and SIGUSR2 when it compiles a kernel, PoCL itself
     * SIGFPE — and the JVM uses SIGSEGV for safepoints and implicit null checks: without chaining,
     * the process can later die with SIGSEGV and no crash log. The launcher and the test JVM preload
     * the library (docs/gpu.md, "Signal handlers").
     */
    public static boolean signalChaining() {
        String preload = System.getenv("LD_PRELOAD");
        return preload != null && preload.contains("libjsig");
    }

    private static void warnWithoutSignalChaining() {
        if (!signalWarningShown && !signalChaining()) {
            signalWarningShown = true;
            System.err.println("dspn4j: warning: started without libjsig.so in LD_PRELOAD; the OpenCL driver may replace "
                    + "the JVM's signal handlers and the process can die with SIGSEGV later. Use ./dspn4j, or "
                    + "LD_PRELOAD=$JAVA_HOME/lib/libjsig.so (docs/gpu.md, \"Signal handlers\")");
        }
    }

    private static void requireG1() {
        List<String> names = new ArrayList<>();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            names.add(gc.getName());
        }
        requireG1(names);
    }

    /**
     * Refuses a JVM whose collectors (these MXBean names) are not G1's: how the JVM was started, so
     * the user's to change (an {@link UnsupportedOperationException}: bad input, not a bug).
     */
    static void requireG1(List<String> names) {
        if (names.stream().noneMatch(n -> n.startsWith("G1 "))) {
            throw new UnsupportedOperationException("the OpenCL engine needs the G1 collector (-XX:+UseG1GC); this JVM runs "
                    + names + ". Other collectors move large arrays and Aparapi then silently loses device data "
                    + "(docs/gpu.md)");
        }
    }

    private static List<OpenCLDevice> listOpenClDevices() {
        List<OpenCLDevice> out = new ArrayList<>();
        if (!OpenCLLoader.isOpenCLAvailable()) {
            return out;
        }
        for (OpenCLPlatform p : OpenCLPlatform.getUncachedOpenCLPlatforms()) {
            out.addAll(p.getOpenCLDevices());
        }
        return out;
    }

    private static ClDeviceInfo describe(int index, OpenCLDevice d) {
        OpenCLPlatform p = d.getOpenCLPlatform();
        return new ClDeviceInfo(index, p.getName(), p.getVersion(), p.getVendor(), d.getName(),
                String.valueOf(d.getType()), d.getMaxComputeUnits(), d.getGlobalMemSize(), d.getMaxMemAllocSize(),
                d.getLocalMemSize(), d.getMaxWorkGroupSize());
    }

    // =============================================================================================
    // Facts

    /** The device this engine runs on. */
    public ClDeviceInfo device() {
        return info;
    }

    /** The allocator over this engine's arena (array 0 from {@code RESERVED}, the other arrays whole). */
    public ClArena arena() {
        return arena;
    }

    /** Size of the resident arena in floats, all arrays together (at most {@link #MAX_ARENA_FLOATS}, an int). */
    public int arenaFloats() {
        long total = 0;
        for (int f : arrayFloats) {
            total += f;
        }
        return (int) total;
    }

    /** Number of arena arrays in use (1 .. {@link ClArena#MAX_ARRAYS}). */
    public int arenaArrays() {
        return arrayFloats.length;
    }

    /** Length of arena array {@code array} in floats. */
    public int arrayFloats(int array) {
        return arrayFloats[array];
    }

    /** Size of the bulk staging array in floats. */
    public int stagingFloats() {
        return kernel.io.length;
    }

    /** Work-group size of every launch (a power of two, at most 256); fixes SUM's order. */
    public int localSize() {
        return local;
    }

    /** Kernel launches so far (transfers count one launch per staging chunk). */
    public synchronized long launches() {
        return launches;
    }

    /**
     * Launches and wall time per op code since open or {@link #resetProfile()}, busiest first: one
     * line per op, "name launches ms (µs/launch)". Times are of the synchronous execute call, so
     * they include the launch overhead.
     */
    public synchronized String profile() {
        Integer[] order = new Integer[OP_NAMES.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (x, y) -> Long.compare(opNanos[y], opNanos[x]));
        StringBuilder b = new StringBuilder();
        for (int op : order) {
            if (opLaunches[op] > 0) {
                b.append(String.format(Locale.ROOT, "%-15s %8d launches %10.1f ms %9.1f us/launch%n", OP_NAMES[op],
                        opLaunches[op], opNanos[op] / 1e6, opNanos[op] / 1e3 / opLaunches[op]));
            }
        }
        return b.toString();
    }

    /** Launches of one op code since the engine opened or {@link #resetProfile()} (tests: which kernel ran). */
    synchronized long launchesOf(int op) {
        return opLaunches[op];
    }

    /** Clears the counters of {@link #profile()}. */
    public synchronized void resetProfile() {
        java.util.Arrays.fill(opLaunches, 0);
        java.util.Arrays.fill(opNanos, 0);
    }

    /** Calls of {@link #upload} so far (host to device). */
    public synchronized long uploads() {
        return uploads;
    }

    /** Calls of {@link #download} so far (device to host): what "no host round trips" is checked with. */
    public synchronized long downloads() {
        return downloads;
    }

    // =============================================================================================
    // Transfers

    /** Copies {@code src[srcOff .. srcOff+n)} to arena {@code [dst, dst+n)}. */
    public synchronized void upload(int dst, float[] src, int srcOff, int n) {
        checkHost("upload source", src, srcOff, n);
        checkRange("upload destination", dst, n);
        uploads++;
        inUpload = true;
        try {
            uploadStaged(dst, src, srcOff, n);
        } finally {
            inUpload = false;
        }
    }

    private void uploadStaged(int dst, float[] src, int srcOff, int n) {
        if (n <= SMALL_STAGING_FLOATS) {
            System.arraycopy(src, srcOff, kernel.ioSmall, 0, n);
            kernel.put(kernel.ioSmall);  // re-put before every use: the GC may have moved it
            setCopy(EngineKernel.OP_COPY_IN_SMALL, 0, dst, n);
            launch(n);
            return;
        }
        int chunk = kernel.io.length;
        for (int done = 0; done < n; done += chunk) {
            int m = Math.min(chunk, n - done);
            System.arraycopy(src, srcOff + done, kernel.io, 0, m);
            kernel.put(kernel.io);
            setCopy(EngineKernel.OP_COPY_IN, 0, dst + done, m);
            launch(m);
        }
    }

    /** Copies all of src to arena {@code [dst, dst+src.length)}. */
    public void upload(int dst, float[] src) {
        upload(dst, src, 0, src.length);
    }

    /** Copies arena {@code [src, src+n)} to {@code dst[dstOff .. dstOff+n)} (dst modified). */
    public synchronized void download(int src, float[] dst, int dstOff, int n) {
        checkHost("download destination", dst, dstOff, n);
        checkRange("download source", src, n);
        if (recording != null) {
            throw new IllegalStateException(String.format(Locale.ROOT, "download of %,d floats at %,d while recording a "
                    + "task graph: a host read of device data cannot be recorded (the replay would not repeat it)", n, src));
        }
        downloadStaged(src, dst, dstOff, n);
    }

    private void downloadStaged(int src, float[] dst, int dstOff, int n) {
        downloads++;
        if (n <= SMALL_STAGING_FLOATS) {
            setCopy(EngineKernel.OP_COPY_OUT_SMALL, src, 0, n);
            launch(n);
            kernel.get(kernel.ioSmall);
            System.arraycopy(kernel.ioSmall, 0, dst, dstOff, n);
            return;
        }
        int chunk = kernel.io.length;
        for (int done = 0; done < n; done += chunk) {
            int m = Math.min(chunk, n - done);
            setCopy(EngineKernel.OP_COPY_OUT, src + done, 0, m);
            launch(m);
            kernel.get(kernel.io);
            System.arraycopy(kernel.io, 0, dst, dstOff + done, m);
        }
    }

    /** Returns a copy of arena {@code [src, src+n)}. */
    public float[] download(int src, int n) {
        float[] out = new float[n];
        download(src, out, 0, n);
        return out;
    }

    /** Host code of a host step: the source range's floats in, the destination range's floats out. */
    @FunctionalInterface
    interface HostCall {
        float[] apply(float[] in);
    }

    /**
     * A host step: downloads arena {@code [src, src+n)}, applies {@code f} on the host and uploads its
     * {@code m} floats to {@code [dst, dst+m)}. The only host read a recording allows: while recording,
     * the step runs as usual and is captured as one host-step entry of the launch list (not as its
     * transfer launches), which {@link #replay} performs again at its place: same ranges, {@code f}
     * called on the values the device holds then. Fusion never crosses it.
     */
    synchronized void hostStep(int src, int n, HostCall f, int dst, int m) {
        checkRange("host step source", src, n);
        checkRange("host step destination", dst, m);
        checkDisjoint("host step", src, n, dst, m);
        boolean wasIn = inUpload;
        inUpload = true;
        try {
            float[] in = new float[n];
            if (n > 0) {
                downloadStaged(src, in, 0, n);
            }
            float[] out = f.apply(in);
            if (out == null || out.length != m) {
                throw new IllegalArgumentException("host step: the host code returned " + (out == null ? "null" : out.length
                        + " floats") + " for a destination of " + m);
            }
            if (m > 0) {
                uploads++;
                uploadStaged(dst, out, 0, m);
            }
        } finally {
            inUpload = wasIn;
        }
        if (recording != null) {
            recording.add(Launch.host(new HostStep(src, n, f, dst, m)));
        }
    }

    /** A captured host step: source range, host code, destination range. */
    record HostStep(int src, int n, HostCall f, int dst, int m) {
    }

    // =============================================================================================
    // Ops (results stay in the arena)

    /** COPY: arena {@code [out, out+n) = [src, src+n)}; the ranges are identical or disjoint. */
    public synchronized void copy(int src, int out, int n) {
        checkRange("copy source", src, n);
        checkRange("copy output", out, n);
        checkSameOrDisjoint("copy", src, out, n);
        setCopy(EngineKernel.OP_COPY, src, out, n);
        launch(n);
    }

    /** FILL: arena {@code [out, out+n) = value}. */
    public synchronized void fill(int out, int n, float value) {
        checkRange("fill output", out, n);
        kernel.op = EngineKernel.OP_FILL;
        kernel.dst = out;
        kernel.n = n;
        kernel.value = value;
        launch(n);
    }

    /**
     * Batched MATMUL: for every index p of {@code batch}, {@code out_p (m, n) = A_p (m, k) · B_p (k, n)}
     * with {@code A_p} at {@code a + Σ p_d·aBatchStrides[d]} (0 broadcasts), B likewise, and
     * {@code out_p} contiguous at {@code out + p·m·n} (out is (batch…, m, n) row-major). One launch;
     * each element is the chain {@code acc = fma(A(r, p), B(p, c), acc)}, p = 0 … k−1, from +0: the
     * definition of {@code ReferenceBackend.matmul} (OpenCL's {@code fma} is correctly rounded, like {@code Math.fma}).
     */
    public synchronized void matmul(int a, int[] aBatchStrides, int b, int[] bBatchStrides, int[] batch, int out,
                                    int m, int k, int n) {
        matmulBatched(a, aBatchStrides, b, bBatchStrides, batch, out, m, k, n);
    }

    private void matmulBatched(int a, int[] aBatchStrides, int b, int[] bBatchStrides, int[] batch, int out,
                               int m, int k, int n) {
        if (m < 0 || k < 0 || n < 0) {
            throw new IllegalArgumentException("matmul sizes must be >= 0, got m=" + m + " k=" + k + " n=" + n);
        }
        if (aBatchStrides.length != batch.length || bBatchStrides.length != batch.length) {
            throw new IllegalArgumentException("matmul: batch strides do not fit batch " + Shape.str(batch));
        }
        int nb = Shape.numel(batch);
        int aSize = checkedProduct(m, k);
        int bSize = checkedProduct(k, n);
        int outSize = checkedProduct(nb, checkedProduct(m, n));
        long aExtent = nb == 0 || aSize == 0 ? 0 : Geometry.extent(batch, aBatchStrides) - 1 + aSize;
        long bExtent = nb == 0 || bSize == 0 ? 0 : Geometry.extent(batch, bBatchStrides) - 1 + bSize;
        checkRange("matmul A", a, (int) Math.min(aExtent, Integer.MAX_VALUE));
        checkRange("matmul B", b, (int) Math.min(bExtent, Integer.MAX_VALUE));
        checkRange("matmul output", out, outSize);
        checkDisjoint("matmul (output vs A)", a, (int) aExtent, out, outSize);
        checkDisjoint("matmul (output vs B)", b, (int) bExtent, out, outSize);
        if (outSize == 0) {
            return;
        }
        Geometry g = Geometry.of(batch, aBatchStrides, bBatchStrides);
        kernel.op = EngineKernel.OP_MATMUL;
        kernel.srcA = a;
        kernel.srcB = b;
        kernel.dst = out;
        kernel.rows = m;
        kernel.inner = k;
        kernel.cols = n;
        kernel.strideAr = k;
        kernel.strideAp = 1;
        kernel.strideBp = n;
        kernel.strideBc = 1;
        setSizes(g.sizes);
        setStridesA(g.strides[0]);
        setStridesB(g.strides[1]);
        long tiles = (long) ((m + EngineKernel.TILE - 1) / EngineKernel.TILE) * ((n + EngineKernel.TILE - 1) / EngineKernel.TILE);
        long items = tiles * nb;
        if (items > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("matmul of " + nb + " batches of " + m + "x" + n + " needs too many work-items");
        }
        kernel.n = (int) items;
        launch((int) items);
    }

    // =============================================================================================
    // Strided and parameterised ops (what ClBackend builds the tensor op set from). Shapes are
    // row-major; strides count floats and may be 0 (broadcast). Outputs are contiguous unless the
    // method takes output strides. Each op is one launch.

    /**
     * BINARY with broadcasting: {@code out[i] = A(i) op B(i)} over the index space {@code shape}
     * (out contiguous), A(i) = {@code arena[a + Σ i_d·aStrides[d]]}, B likewise. Computed in double
     * and rounded once: F32 results equal {@code ReferenceBackend.binary}'s bit for bit.
     */
    public synchronized void binary(Backend.Binary op, int a, int[] aStrides, int b, int[] bStrides, int out, int[] shape) {
        int n = Shape.numel(shape);
        checkStrided("binary A", a, shape, aStrides);
        checkStrided("binary B", b, shape, bStrides);
        checkRange("binary output", out, n);
        checkInputOutput("binary (A)", a, shape, aStrides, out, n);
        checkInputOutput("binary (B)", b, shape, bStrides, out, n);
        if (n == 0) {
            return;
        }
        Geometry g = Geometry.of(shape, aStrides, bStrides);
        kernel.op = EngineKernel.OP_BINARY;
        kernel.code = binaryCode(op);
        kernel.srcA = a;
        kernel.srcB = b;
        kernel.dst = out;
        kernel.n = n;
        setSizes(g.sizes);
        setStridesA(g.strides[0]);
        setStridesB(g.strides[1]);
        launch(n);
    }

    /** UNARY: {@code out[i] = f(a[i])}, i &lt; n, computed in double and rounded once (see docs/gpu.md). */
    public synchronized void unary(Backend.Unary op, int a, int out, int n) {
        map(unaryCode(op), "unary " + op, a, out, n, 0.0, 0.0);
    }

    /** AFFINE: {@code out[i] = a[i]·scale + shift} in double, rounded once. */
    public synchronized void affine(int a, int out, int n, double scale, double shift) {
        map(EngineKernel.MAP_AFFINE, "affine", a, out, n, scale, shift);
    }

    /**
     * AFFINE with the scale and shift read from the arena at {@code coef} when the kernel runs: two
     * doubles as three floats each ({@link org.dspn4j.tensor.ExactScalars}), so a recorded task
     * graph can take them as an input. Computes exactly as {@link #affine}.
     */
    public synchronized void affineAt(int a, int coef, int out, int n) {
        checkRange("affine coefficients", coef, 6);
        if (n > 0 && coef < out + n && out < coef + 6) {
            throw new IllegalArgumentException("affine: the output [" + out + ", " + (out + n)
                    + ") overlaps the coefficients at " + coef);
        }
        kernel.srcB = coef;
        map(EngineKernel.MAP_AFFINE_AT, "affine", a, out, n, 0.0, 0.0);
    }

    /** POW: {@code out[i] = a[i]^p} in double ({@code a·a} for p = 2), rounded once. */
    public synchronized void pow(int a, int out, int n, double p) {
        map(EngineKernel.MAP_POW, "pow", a, out, n, p, 0.0);
    }

    /** CLAMP: {@code out[i] = Math.min(Math.max(a[i], lo), hi)} (Java's NaN and signed-zero rules). */
    public synchronized void clamp(int a, int out, int n, double lo, double hi) {
        map(EngineKernel.MAP_CLAMP, "clamp", a, out, n, lo, hi);
    }

    /** IN_RANGE: {@code out[i] = lo ≤ a[i] ≤ hi ? 1 : 0}. */
    public synchronized void inRange(int a, int out, int n, double lo, double hi) {
        map(EngineKernel.MAP_IN_RANGE, "inRange", a, out, n, lo, hi);
    }

    /** TRUNC: {@code out[i] = } a[i] rounded toward zero (NaN gives 0), the float-to-integer cast. */
    public synchronized void trunc(int a, int out, int n) {
        map(EngineKernel.MAP_TRUNC, "trunc", a, out, n, 0.0, 0.0);
    }

    /**
     * STRIDED_COPY: for every index i of {@code shape}, {@code arena[out + Σ i_d·outStrides[d]] =
     * arena[src + Σ i_d·srcStrides[d]]}. Output strides must not make two indices write one float
     * (no 0 output strides); output and input must not overlap. Exact.
     */
    public synchronized void stridedCopy(int src, int[] srcStrides, int out, int[] outStrides, int[] shape) {
        int n = Shape.numel(shape);
        checkStrided("strided copy source", src, shape, srcStrides);
        checkStrided("strided copy output", out, shape, outStrides);
        for (int d = 0; d < shape.length; d++) {
            if (n > 0 && shape[d] > 1 && outStrides[d] == 0) {
                throw new IllegalArgumentException("strided copy: output stride 0 on dimension " + d + " of "
                        + Shape.str(shape) + " writes one float several times");
            }
        }
        checkDisjoint("strided copy", src, (int) Geometry.extent(shape, srcStrides), out,
                (int) Geometry.extent(shape, outStrides));
        if (n == 0) {
            return;
        }
        Geometry g = Geometry.of(shape, srcStrides, outStrides);
        kernel.op = EngineKernel.OP_STRIDED_COPY;
        kernel.srcA = src;
        kernel.dst = out;
        kernel.n = n;
        setSizes(g.sizes);
        setStridesA(g.strides[0]);
        setStridesO(g.strides[1]);
        launch(n);
    }

    /**
     * SUM over some dimensions: {@code out[o]} (contiguous over the kept index space
     * {@code keptShape}) = the double sum, in row-major order of {@code reducedShape}, of
     * {@code arena[a + Σ o_d·keptStrides[d] + Σ r_d·reducedStrides[d]]}, rounded once; with at least
     * {@link #SUM_GROUPS_MIN_TERMS_PER_ITEM} terms per item of a work-group, each output's work-group
     * adds them (SUM_GROUPS: item l the terms r ≡ l modulo the group's size, then item 0 the group's
     * partial sums in order), still in double and in a fixed order. An empty
     * reduction gives +0. The definition ({@code ReferenceBackend.sum}) adds runs of four chains: both
     * are within n·2^-53·Σ|x| of the exact sum, so F32 results agree to a float ulp plus that (and
     * are mostly the same bits: sums of floats in double are often exact).
     */
    public synchronized void sumDims(int a, int[] keptShape, int[] keptStrides, int[] reducedShape, int[] reducedStrides,
                                     int out) {
        int n = Shape.numel(keptShape);
        int r = Shape.numel(reducedShape);
        long extent = r == 0 || n == 0 ? 0
                : Geometry.extent(keptShape, keptStrides) + Geometry.extent(reducedShape, reducedStrides) - 1;
        checkRange("sum input", a, (int) Math.min(extent, Integer.MAX_VALUE));
        checkRange("sum output", out, n);
        checkDisjoint("sum", a, (int) extent, out, n);
        if (n == 0) {
            return;
        }
        Geometry kept = Geometry.of(keptShape, keptStrides);
        Geometry red = Geometry.of(reducedShape, reducedStrides);
        boolean groups = r >= SUM_GROUPS_MIN_TERMS_PER_ITEM * local && (long) n * local <= Integer.MAX_VALUE;
        kernel.op = groups ? EngineKernel.OP_SUM_GROUPS : EngineKernel.OP_SUM_DIMS;
        kernel.srcA = a;
        kernel.dst = out;
        kernel.n = n;
        kernel.inner = r;
        setSizes(kept.sizes);
        setStridesA(kept.strides[0]);
        int[] rs = red.sizes;
        kernel.rz0 = rs[0];
        kernel.rz1 = rs[1];
        kernel.rz2 = rs[2];
        kernel.rz3 = rs[3];
        kernel.rz4 = rs[4];
        kernel.rz5 = rs[5];
        setStridesB(red.strides[0]);
        launch(groups ? n * local : n);
    }

    /**
     * {@link #sumDims} gives each output a work-group of {@link #localSize()} items (SUM_GROUPS) when
     * its terms number at least this many per item; else one item per output (SUM_DIMS).
     */
    static final int SUM_GROUPS_MIN_TERMS_PER_ITEM = 8;

    // =============================================================================================
    // Index ops. Index tensors hold integers as floats (exact below 2^24). Along the op's dimension
    // the data is laid out (outer, len, inner): element (o, j, i) at o*len*inner + j*inner + i.

    /** ARGMAX along the middle of (outer, len, inner): out (outer, inner) = first index of the maximum (NaN wins). */
    public synchronized void argmax(int a, int outer, int len, int inner, int out) {
        int n = checkedProduct(outer, inner);
        checkRange("argmax input", a, checkedProduct(n, len));
        checkRange("argmax output", out, n);
        checkDisjoint("argmax", a, n * len, out, n);
        if (n == 0 || len == 0) {
            return;
        }
        setAlongDim(EngineKernel.OP_ARGMAX, a, out, n, len, inner);
        launch(n);
    }

    /**
     * ARGSORT along the middle of (outer, len, inner), stable (equal values keep index order, in
     * both directions; the order is Double.compare's): out (outer, len, inner) holds the indices.
     */
    public synchronized void argsort(int a, int outer, int len, int inner, boolean descending, int out) {
        int n = checkedProduct(checkedProduct(outer, len), inner);
        checkRange("argsort input", a, n);
        checkRange("argsort output", out, n);
        checkDisjoint("argsort", a, n, out, n);
        if (n == 0) {
            return;
        }
        setAlongDim(EngineKernel.OP_ARGSORT, a, out, n, len, inner);
        kernel.code = descending ? 1 : 0;
        launch(n);
    }

    /**
     * GATHER: for every index i of {@code indexShape} (the index at {@code index} and the output at
     * {@code out}, both contiguous), {@code out[i] = arena[a + Σ i_d·dataStrides[d] + idx·strideK]}
     * with {@code idx = index[i]}; dataStrides is 0 on the gathered dimension, strideK its stride and
     * lenK its size. An index outside [0, lenK) gives NaN and raises the index-error flag
     * ({@link #takeIndexError}).
     */
    public synchronized void gather(int a, int[] dataStrides, int strideK, int lenK, int index, int[] indexShape, int out) {
        int n = Shape.numel(indexShape);
        if (dataStrides.length != indexShape.length) {
            throw new IllegalArgumentException("gather: " + dataStrides.length + " strides for index shape " + Shape.str(indexShape));
        }
        long extent = n == 0 || lenK == 0 ? 0 : Geometry.extent(indexShape, dataStrides) + (long) (lenK - 1) * strideK;
        checkRange("gather data", a, (int) Math.min(extent, Integer.MAX_VALUE));
        checkRange("gather index", index, n);
        checkRange("gather output", out, n);
        checkDisjoint("gather (data)", a, (int) extent, out, n);
        checkDisjoint("gather (index)", index, n, out, n);
        if (n == 0) {
            return;
        }
        Geometry g = Geometry.of(indexShape, dataStrides);
        kernel.op = EngineKernel.OP_GATHER;
        kernel.srcA = a;
        kernel.srcB = index;
        kernel.dst = out;
        kernel.n = n;
        kernel.dimStride = strideK;
        kernel.dimLen = lenK;
        kernel.nanValue = Float.NaN;
        setSizes(g.sizes);
        setStridesA(g.strides[0]);
        launch(n);
    }

    /**
     * SCATTER_ADD without atomics: out (outer, len, inner) = base plus, for each (o, j, i) of the
     * (outer, jLen, inner) index and src, {@code src[o, j, i]} added at {@code (o, index[o, j, i], i)};
     * one work-item per output element adds its contributions in increasing j, in double, and rounds
     * once. NaN indices are padding (never match); any other index outside [0, len) matches nothing
     * and raises the index-error flag ({@link #takeIndexError}).
     */
    public synchronized void scatterAdd(int base, int outer, int len, int inner, int index, int jLen, int src, int out) {
        int n = checkedProduct(checkedProduct(outer, len), inner);
        int m = checkedProduct(checkedProduct(outer, jLen), inner);
        checkRange("scatterAdd base", base, n);
        checkRange("scatterAdd index", index, m);
        checkRange("scatterAdd src", src, m);
        checkRange("scatterAdd output", out, n);
        checkDisjoint("scatterAdd (base)", base, n, out, n);
        checkDisjoint("scatterAdd (index)", index, m, out, n);
        checkDisjoint("scatterAdd (src)", src, m, out, n);
        if (n == 0) {
            return;
        }
        setAlongDim(EngineKernel.OP_SCATTER_ADD, base, out, n, len, inner);
        kernel.srcB = index;
        kernel.srcC = src;
        kernel.jLen = jLen;
        launch(n);
    }

    /**
     * CHAMFER_ARGMIN: pred (lead…, c, n) contiguous at {@code pred}; the target block (c, n) of lead
     * index s at {@code target + Σ s_d·targetLeadStrides[d]} (0 broadcasts); out (lead…, 2, n): row 0
     * holds argmin_i d(i, j) for each j, row 1 argmin_j d(i, j) for each i, with d the mean over
     * channels of Huber (β = 1) in double; the first minimum wins ties.
     */
    public synchronized void chamferArgmin(int pred, int target, int[] lead, int[] targetLeadStrides, int c, int n, int out) {
        int m = Shape.numel(lead);
        int block = checkedProduct(c, n);
        int outSize = checkedProduct(m, 2 * n);
        checkRange("chamferArgmin pred", pred, checkedProduct(m, block));
        long tExtent = m == 0 || block == 0 ? 0 : Geometry.extent(lead, targetLeadStrides) - 1 + block;
        checkRange("chamferArgmin target", target, (int) Math.min(tExtent, Integer.MAX_VALUE));
        checkRange("chamferArgmin output", out, outSize);
        checkDisjoint("chamferArgmin (pred)", pred, m * block, out, outSize);
        checkDisjoint("chamferArgmin (target)", target, (int) tExtent, out, outSize);
        if (outSize == 0) {
            return;
        }
        Geometry g = Geometry.of(lead, targetLeadStrides);
        kernel.op = EngineKernel.OP_CHAMFER_ARGMIN;
        kernel.srcA = pred;
        kernel.srcB = target;
        kernel.dst = out;
        kernel.n = outSize;
        kernel.dimLen = n;
        kernel.chans = c;
        kernel.p0 = Double.POSITIVE_INFINITY;
        kernel.p1 = 1.0 / c;
        setSizes(g.sizes);
        setStridesB(g.strides[0]);
        launch(outSize);
    }

    // =============================================================================================
    // Images: x (b, c, h, w) row-major; a kh x kw kernel at stride and zero padding gives ho x wo
    // positions P; cols (b, c·kh·kw, P) with rows (channel, ky, kx).

    /** IM2COL: cols (b, c·kh·kw, ho·wo) at {@code out} from x (b, c, h, w) at {@code x}; padding reads 0. Exact. */
    public synchronized void im2col(int x, int b, int c, int h, int w, int kh, int kw, int stride, int pad, int ho, int wo,
                                    int out) {
        int xSize = checkedProduct(checkedProduct(b, c), checkedProduct(h, w));
        int colSize = checkedProduct(checkedProduct(b, checkedProduct(c, kh * kw)), checkedProduct(ho, wo));
        checkImage("im2col", stride, pad, h, w, kh, kw, ho, wo);
        checkRange("im2col input", x, xSize);
        checkRange("im2col output", out, colSize);
        checkDisjoint("im2col", x, xSize, out, colSize);
        if (colSize == 0) {
            return;
        }
        setImage(EngineKernel.OP_IM2COL, x, out, colSize, c, h, w, kh, kw, stride, pad, ho, wo);
        launch(colSize);
    }

    /**
     * COL2IM, IM2COL's adjoint: x (b, c, h, w) at {@code out} = for each pixel the sum of the cols
     * entries copied from it, in double and (ky, kx) order, rounded once. Deterministic, no atomics.
     */
    public synchronized void col2im(int cols, int b, int c, int h, int w, int kh, int kw, int stride, int pad, int ho, int wo,
                                    int out) {
        int xSize = checkedProduct(checkedProduct(b, c), checkedProduct(h, w));
        int colSize = checkedProduct(checkedProduct(b, checkedProduct(c, kh * kw)), checkedProduct(ho, wo));
        checkImage("col2im", stride, pad, h, w, kh, kw, ho, wo);
        checkRange("col2im input", cols, colSize);
        checkRange("col2im output", out, xSize);
        checkDisjoint("col2im", cols, colSize, out, xSize);
        if (xSize == 0) {
            return;
        }
        setImage(EngineKernel.OP_COL2IM, cols, out, xSize, c, h, w, kh, kw, stride, pad, ho, wo);
        launch(xSize);
    }

    /**
     * MAXPOOL_INDICES: for {@code planes} planes (h, w) at {@code x}, out (planes, ho, wo) = the
     * in-plane index of each k x k window's maximum (first wins ties, NaN wins, padding never).
     */
    public synchronized void maxPoolIndices(int x, int planes, int h, int w, int k, int stride, int pad, int ho, int wo,
                                            int out) {
        int xSize = checkedProduct(planes, checkedProduct(h, w));
        int outSize = checkedProduct(planes, checkedProduct(ho, wo));
        checkImage("maxPool", stride, pad, h, w, k, k, ho, wo);
        checkRange("maxPool input", x, xSize);
        checkRange("maxPool output", out, outSize);
        checkDisjoint("maxPool", x, xSize, out, outSize);
        if (outSize == 0) {
            return;
        }
        setImage(EngineKernel.OP_MAXPOOL_INDICES, x, out, outSize, 1, h, w, k, k, stride, pad, ho, wo);
        launch(outSize);
    }

    private static void checkImage(String op, int stride, int pad, int h, int w, int kh, int kw, int ho, int wo) {
        if (stride < 1 || pad < 0 || kh < 1 || kw < 1 || ho != (h + 2 * pad - kh) / stride + 1
                || wo != (w + 2 * pad - kw) / stride + 1 || ho < 1 || wo < 1) {
            throw new IllegalArgumentException(op + ": output " + ho + "x" + wo + " does not follow from input " + h + "x"
                    + w + ", kernel " + kh + "x" + kw + ", stride " + stride + ", padding " + pad);
        }
    }

    private void setImage(int op, int src, int out, int n, int c, int h, int w, int kh, int kw, int stride, int pad,
                          int ho, int wo) {
        kernel.op = op;
        kernel.srcA = src;
        kernel.dst = out;
        kernel.n = n;
        kernel.chans = c;
        kernel.imgH = h;
        kernel.imgW = w;
        kernel.kerH = kh;
        kernel.kerW = kw;
        kernel.convStride = stride;
        kernel.convPad = pad;
        kernel.outH = ho;
        kernel.outW = wo;
    }

    // =============================================================================================
    // Closing

    /** Disposes the kernel and its device buffers. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        kernel.dispose();
        synchronized (OPEN_LOCK) {
            openEngines--;
            if (openEngines == 0) {
                openDevice = null;
            }
        }
    }

    @Override
    public String toString() {
        return "ClEngine[" + info.describe() + ", arena " + arenaFloats() + " floats"
                + (arrayFloats.length > 1 ? " in " + arrayFloats.length + " arrays" : "") + ", local " + local + "]";
    }

    // =============================================================================================
    // The index-error flag

    /** Opaque records of the launches that may raise the index-error flag, for whoever traces it ({@code ClBackend}). */
    private final List<Object> indexUses = new ArrayList<>();

    /** Notes a GATHER or SCATTER_ADD just issued (or replayed), in launch order. */
    synchronized void noteIndexUse(Object use) {
        indexUses.add(use);
    }

    /** How many index uses have been noted since the flag was last read. */
    synchronized int pendingIndexUses() {
        return indexUses.size();
    }

    /**
     * Reads and clears the index-error flag: whether a GATHER or SCATTER_ADD met an index outside its
     * dimension since the last call; returns (and forgets) the uses noted since then, in launch order,
     * or null when the flag was not raised. One download of one float (none when nothing was noted);
     * refused while recording, since a replay could not repeat the read.
     */
    synchronized List<Object> takeIndexError() {
        if (indexUses.isEmpty()) {
            return null;
        }
        if (recording != null) {
            throw new IllegalStateException("the index-error flag cannot be read while recording a task graph");
        }
        List<Object> uses = new ArrayList<>(indexUses);
        indexUses.clear();
        float[] flag = new float[1];
        downloadStaged(INDEX_ERROR, flag, 0, 1);
        if (flag[0] == 0f) {
            return null;
        }
        kernel.op = EngineKernel.OP_FILL;
        kernel.dst = INDEX_ERROR;
        kernel.n = 1;
        kernel.value = 0f;
        launch(1);
        return uses;
    }

    // =============================================================================================
    // Launching and checks

    private void map(int code, String name, int a, int out, int n, double p0, double p1) {
        checkRange(name + " input", a, n);
        checkRange(name + " output", out, n);
        checkSameOrDisjoint(name, a, out, n);
        kernel.op = EngineKernel.OP_MAP;
        kernel.code = code;
        kernel.srcA = a;
        kernel.dst = out;
        kernel.n = n;
        kernel.p0 = p0;
        kernel.p1 = p1;
        launch(n);
    }

    private static int binaryCode(Backend.Binary op) {
        switch (op) {
            case ADD: return EngineKernel.BIN_ADD;
            case SUB: return EngineKernel.BIN_SUB;
            case MUL: return EngineKernel.BIN_MUL;
            case DIV: return EngineKernel.BIN_DIV;
            default: throw new IllegalArgumentException("unknown binary op " + op);
        }
    }

    private static int unaryCode(Backend.Unary op) {
        switch (op) {
            case NEG: return EngineKernel.MAP_NEG;
            case EXP: return EngineKernel.MAP_EXP;
            case LOG: return EngineKernel.MAP_LOG;
            case SQRT: return EngineKernel.MAP_SQRT;
            case ABS: return EngineKernel.MAP_ABS;
            case RELU: return EngineKernel.MAP_RELU;
            case SIGMOID: return EngineKernel.MAP_SIGMOID;
            case TANH: return EngineKernel.MAP_TANH;
            case SIGN: return EngineKernel.MAP_SIGN;
            case STEP: return EngineKernel.MAP_STEP;
            case SMOOTH_L1: return EngineKernel.MAP_SMOOTH_L1;
            default: throw new IllegalArgumentException("unknown unary op " + op);
        }
    }

    private void setSizes(int[] s) {
        kernel.sz0 = s[0];
        kernel.sz1 = s[1];
        kernel.sz2 = s[2];
        kernel.sz3 = s[3];
        kernel.sz4 = s[4];
        kernel.sz5 = s[5];
    }

    private void setStridesA(int[] t) {
        kernel.sa0 = t[0];
        kernel.sa1 = t[1];
        kernel.sa2 = t[2];
        kernel.sa3 = t[3];
        kernel.sa4 = t[4];
        kernel.sa5 = t[5];
    }

    private void setStridesB(int[] t) {
        kernel.sb0 = t[0];
        kernel.sb1 = t[1];
        kernel.sb2 = t[2];
        kernel.sb3 = t[3];
        kernel.sb4 = t[4];
        kernel.sb5 = t[5];
    }

    private void setStridesO(int[] t) {
        kernel.so0 = t[0];
        kernel.so1 = t[1];
        kernel.so2 = t[2];
        kernel.so3 = t[3];
        kernel.so4 = t[4];
        kernel.so5 = t[5];
    }

    /** A strided operand over {@code shape} must stay inside the usable arena. */
    private void checkStrided(String what, int offset, int[] shape, int[] strides) {
        if (strides.length != shape.length) {
            throw new IllegalArgumentException(what + ": " + strides.length + " strides for shape " + Shape.str(shape));
        }
        long extent = Geometry.extent(shape, strides);
        if (extent > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + ": spans " + extent + " floats, more than any arena");
        }
        checkRange(what, offset, (int) extent);
    }

    /** An input may be the output itself (same offset, read contiguously) or lie apart from it. */
    private static void checkInputOutput(String op, int in, int[] shape, int[] strides, int out, int n) {
        if (in == out && java.util.Arrays.equals(strides, Shape.strides(shape))) {
            return;
        }
        checkDisjoint(op, in, (int) Geometry.extent(shape, strides), out, n);
    }

    private void setAlongDim(int op, int src, int out, int n, int len, int inner) {
        kernel.op = op;
        kernel.srcA = src;
        kernel.dst = out;
        kernel.n = n;
        kernel.dimLen = len;
        kernel.dimStride = inner;
    }

    private void setCopy(int op, int src, int dst, int n) {
        kernel.op = op;
        kernel.srcA = src;
        kernel.dst = dst;
        kernel.n = n;
    }

    /** Runs the kernel over {@code items} work-items (rounded up to whole groups) and proves where it ran. */
    private void launch(int items) {
        if (closed) {
            throw new IllegalStateException("engine on " + info.describe() + " is closed");
        }
        if (broken != null) {
            throw new IllegalStateException(broken);
        }
        if (items <= 0) {
            return;
        }
        int global = (int) ((items + (long) local - 1) / local * local);
        kernel.groupSize = local;
        long t0 = System.nanoTime();
        kernel.execute(Range.create(global, local));
        int op = kernel.op;
        if (op > 0 && op < OP_NAMES.length) {
            opNanos[op] += System.nanoTime() - t0;
            opLaunches[op]++;
        }
        launches++;
        Device target = kernel.getTargetDevice();
        if (!(target instanceof OpenCLDevice) || ((OpenCLDevice) target).getDeviceId() != device.getDeviceId()) {
            broken = "engine kernel (op " + kernel.op + ") did not run on OpenCL device " + info.describe()
                    + " but on " + (target == null ? "Aparapi's Java fallback" : target.getShortDescription())
                    + "; device data is no longer trustworthy, close the engine (see the Aparapi warning above)";
            throw new IllegalStateException(broken);
        }
        if (recording != null && !inUpload) {
            recording.add(Launch.capture(kernel, items));
        }
    }

    /** Largest problem size {@link #assign} takes: one work-item solves an n×n problem serially, in O(n³). */
    public static final int MAX_ASSIGN_SIZE = 1024;

    /** Refuses a problem size the device solver does not take. */
    static void checkAssignSize(int size) {
        if (size < 1 || size > MAX_ASSIGN_SIZE) {
            throw new IllegalArgumentException("assign: problems of size " + size + "; the OpenCL solver takes 1 to "
                    + MAX_ASSIGN_SIZE + " (one work-item solves each problem serially, in O(n^3)); use --backend cpu");
        }
    }

    /** Scratch floats {@link #assign} needs for {@code problems} problems of size {@code size}. */
    static int assignScratch(int problems, int size) {
        return checkedProduct(checkedProduct(EngineKernel.AS_SLOTS, size + 1), problems);
    }

    /**
     * ASSIGN: exact minimum-cost assignment of {@code problems} row-major {@code size}×{@code size}
     * cost matrices at {@code costs}, one work-item per problem, by {@code match.Hungarian}'s procedure
     * in double (the same assignment bit for bit). Writes out (problems, size) column indices and
     * status (problems, 2): (0, 0) when solved; (e + 1, value) when the row-major entry e is NaN or of
     * magnitude above {@code maxCost} (then the problem's indices are NaN); (−1, 0) if the solver found
     * no column (excluded by the magnitude bound). Reads nothing back: the caller reads the status.
     * {@code scratch} holds {@link #assignScratch} floats.
     */
    public synchronized void assign(int costs, int problems, int size, double maxCost, int scratch, int status, int out) {
        checkAssignSize(size);
        int in = checkedProduct(problems, checkedProduct(size, size));
        int outN = checkedProduct(problems, size);
        int scr = assignScratch(problems, size);
        checkRange("assign costs", costs, in);
        checkRange("assign scratch", scratch, scr);
        checkRange("assign status", status, 2 * problems);
        checkRange("assign output", out, outN);
        checkDisjoint("assign (costs, output)", costs, in, out, outN);
        checkDisjoint("assign (costs, scratch)", costs, in, scratch, scr);
        checkDisjoint("assign (costs, status)", costs, in, status, 2 * problems);
        checkDisjoint("assign (scratch, output)", scratch, scr, out, outN);
        checkDisjoint("assign (status, output)", status, 2 * problems, out, outN);
        checkDisjoint("assign (scratch, status)", scratch, scr, status, 2 * problems);
        if (problems == 0) {
            return;
        }
        kernel.op = EngineKernel.OP_ASSIGN;
        kernel.srcA = costs;
        kernel.srcB = scratch;
        kernel.srcC = status;
        kernel.dst = out;
        kernel.n = problems;
        kernel.dimLen = size;
        kernel.p0 = Double.POSITIVE_INFINITY;
        kernel.p1 = maxCost;
        kernel.nanValue = Float.NaN;
        launch(problems);
    }

    // =============================================================================================
    // Recording and replay (what ClTaskGraph is built on)

    /**
     * Starts capturing every launch (op code, all launch arguments, work-items) until
     * {@link #endRecording()}. The ops still run as usual. Uploads are not captured (their host data
     * becomes a constant of the recording); downloads throw; a {@link #hostStep} is captured as one entry.
     */
    synchronized void beginRecording() {
        if (recording != null) {
            throw new IllegalStateException("this engine is already recording a task graph (recordings do not nest)");
        }
        recording = new ArrayList<>();
    }

    /** Stops capturing and returns the launches captured, in order. */
    synchronized List<Launch> endRecording() {
        List<Launch> r = recording;
        recording = null;
        return r == null ? new ArrayList<>() : r;
    }

    synchronized boolean isRecording() {
        return recording != null;
    }

    /**
     * Re-issues captured launches in order: sets every launch argument of the kernel from the
     * capture and launches, with the usual check that the kernel ran on the device. No validation:
     * the ranges were checked when the launches were captured, and the caller (a task graph) keeps
     * every range they touch allocated.
     */
    synchronized void replay(List<Launch> program) {
        for (Launch l : program) {
            if (l.host != null) {
                HostStep h = l.host;
                hostStep(h.src(), h.n(), h.f(), h.dst(), h.m());
                continue;
            }
            l.apply(kernel);
            launch(l.items);
        }
    }

    /**
     * One captured launch: the value of every launch-argument field of {@link EngineKernel} (every
     * non-static, non-final int/float/double field, found by reflection, so that a field added to the
     * kernel is captured too) and the number of work-items.
     */
    static final class Launch {
        private static final java.lang.reflect.Field[] INT_FIELDS;
        private static final java.lang.reflect.Field[] FLOAT_FIELDS;
        private static final java.lang.reflect.Field[] DOUBLE_FIELDS;
        private static final java.util.Map<String, Integer> INT_INDEX = new java.util.HashMap<>();
        private static final java.util.Map<String, Integer> DOUBLE_INDEX = new java.util.HashMap<>();
        private static final java.util.Map<String, Integer> FLOAT_INDEX = new java.util.HashMap<>();

        static {
            List<java.lang.reflect.Field> ints = new ArrayList<>();
            List<java.lang.reflect.Field> floats = new ArrayList<>();
            List<java.lang.reflect.Field> doubles = new ArrayList<>();
            for (java.lang.reflect.Field f : EngineKernel.class.getDeclaredFields()) {
                int mod = f.getModifiers();
                if (java.lang.reflect.Modifier.isStatic(mod) || java.lang.reflect.Modifier.isFinal(mod)) {
                    continue;
                }
                f.setAccessible(true);
                if (f.getType() == int.class) {
                    INT_INDEX.put(f.getName(), ints.size());
                    ints.add(f);
                } else if (f.getType() == float.class) {
                    FLOAT_INDEX.put(f.getName(), floats.size());
                    floats.add(f);
                } else if (f.getType() == double.class) {
                    DOUBLE_INDEX.put(f.getName(), doubles.size());
                    doubles.add(f);
                } else {
                    throw new ExceptionInInitializerError("EngineKernel field " + f.getName() + " of type " + f.getType()
                            + " cannot be captured by a task graph");
                }
            }
            INT_FIELDS = ints.toArray(new java.lang.reflect.Field[0]);
            FLOAT_FIELDS = floats.toArray(new java.lang.reflect.Field[0]);
            DOUBLE_FIELDS = doubles.toArray(new java.lang.reflect.Field[0]);
        }

        final int[] ints;
        final float[] floats;
        final double[] doubles;
        final int items;
        /** Non-null for a host step (not a kernel launch; every argument 0). */
        final HostStep host;

        private Launch(int[] ints, float[] floats, double[] doubles, int items) {
            this(ints, floats, doubles, items, null);
        }

        private Launch(int[] ints, float[] floats, double[] doubles, int items, HostStep host) {
            this.ints = ints;
            this.floats = floats;
            this.doubles = doubles;
            this.items = items;
            this.host = host;
        }

        /** A host-step entry of a launch list ({@link ClEngine#hostStep}). */
        static Launch host(HostStep step) {
            return new Launch(new int[INT_FIELDS.length], new float[FLOAT_FIELDS.length], new double[DOUBLE_FIELDS.length], 0,
                    step);
        }

        boolean isHostStep() {
            return host != null;
        }

        static Launch capture(EngineKernel k, int items) {
            try {
                int[] i = new int[INT_FIELDS.length];
                for (int f = 0; f < i.length; f++) {
                    i[f] = INT_FIELDS[f].getInt(k);
                }
                float[] fl = new float[FLOAT_FIELDS.length];
                for (int f = 0; f < fl.length; f++) {
                    fl[f] = FLOAT_FIELDS[f].getFloat(k);
                }
                double[] d = new double[DOUBLE_FIELDS.length];
                for (int f = 0; f < d.length; f++) {
                    d[f] = DOUBLE_FIELDS[f].getDouble(k);
                }
                return new Launch(i, fl, d, items);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }

        void apply(EngineKernel k) {
            try {
                for (int f = 0; f < ints.length; f++) {
                    INT_FIELDS[f].setInt(k, ints[f]);
                }
                for (int f = 0; f < floats.length; f++) {
                    FLOAT_FIELDS[f].setFloat(k, floats[f]);
                }
                for (int f = 0; f < doubles.length; f++) {
                    DOUBLE_FIELDS[f].setDouble(k, doubles[f]);
                }
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }

        /** The captured value of an int launch argument, by field name (e.g. "op", "srcA"). */
        int get(String field) {
            return ints[INT_INDEX.get(field)];
        }

        double getDouble(String field) {
            return doubles[DOUBLE_INDEX.get(field)];
        }

        float getFloat(String field) {
            return floats[FLOAT_INDEX.get(field)];
        }

        /** A launch with every argument 0 (set some with {@link #with}). */
        static Launch zero() {
            return new Launch(new int[INT_FIELDS.length], new float[FLOAT_FIELDS.length], new double[DOUBLE_FIELDS.length], 0);
        }

        /** A copy with some int arguments replaced: {@code with(items, "op", 24, "n", 100)}. */
        Launch with(int newItems, Object... nameValue) {
            int[] i = ints.clone();
            for (int p = 0; p < nameValue.length; p += 2) {
                i[INT_INDEX.get((String) nameValue[p])] = (Integer) nameValue[p + 1];
            }
            return new Launch(i, floats, doubles, newItems);
        }

        /** A copy with one double launch argument replaced. */
        Launch withDouble(String field, double value) {
            double[] d = doubles.clone();
            d[DOUBLE_INDEX.get(field)] = value;
            return new Launch(ints, floats, d, items);
        }

        int op() {
            return get("op");
        }
    }

    /** A range must lie inside one arena array (array 0 from RESERVED on). */
    private void checkRange(String what, int address, int n) {
        if (n < 0) {
            throw new IllegalArgumentException(what + ": negative length " + n);
        }
        int a = ClArena.arrayOf(address);
        int offset = ClArena.offsetOf(address);
        if (arrayFloats.length == 1) {
            if (address < RESERVED || (long) address + n > arrayFloats[0]) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "%s [%,d, %,d) is outside the usable arena [%,d, %,d)", what, address, (long) address + n,
                        RESERVED, arrayFloats[0]));
            }
            return;
        }
        if (a >= arrayFloats.length || offset < (a == 0 ? RESERVED : 0) || (long) offset + n > arrayFloats[a]) {
            StringBuilder arrays = new StringBuilder();
            for (int k = 0; k < arrayFloats.length; k++) {
                arrays.append(String.format(Locale.ROOT, "%sarray %d [%,d, %,d)", k == 0 ? "" : ", ", k,
                        k == 0 ? RESERVED : 0, arrayFloats[k]));
            }
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s: %,d floats at address %d (array %d, offset %,d) are outside the usable arena: %s; a range lies "
                            + "in one array", what, n, address, a, offset, arrays));
        }
    }

    private static void checkHost(String what, float[] array, int offset, int n) {
        if (n < 0 || offset < 0 || (long) offset + n > array.length) {
            throw new IllegalArgumentException(what + ": range [" + offset + ", " + ((long) offset + n)
                    + ") is outside an array of length " + array.length);
        }
    }

    private static void checkSameOrDisjoint(String op, int in, int out, int n) {
        if (in != out && in < out + n && out < in + n) {
            throw new IllegalArgumentException(op + ": output [" + out + ", " + (out + n) + ") partly overlaps input ["
                    + in + ", " + (in + n) + "); use the same offset (in place) or disjoint ranges");
        }
    }

    private static void checkDisjoint(String op, int in, int inN, int out, int outN) {
        if (inN > 0 && outN > 0 && in < out + outN && out < in + inN) {
            throw new IllegalArgumentException(op + ": output [" + out + ", " + (out + outN) + ") overlaps input ["
                    + in + ", " + (in + inN) + ")");
        }
    }

    private static int checkedProduct(int x, int y) {
        long p = (long) x * y;
        if (p > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("matrix of " + x + " x " + y + " floats exceeds any arena");
        }
        return (int) p;
    }

    private static int floorPowerOfTwo(int x) {
        return Integer.highestOneBit(x);
    }
}
