package org.dspn4j.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.experiment.BackendChoice;
import org.dspn4j.experiment.Compute;
import org.dspn4j.experiment.RecordedTrainStep;
import org.dspn4j.experiment.TrainStep;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.optim.Adam;
import org.dspn4j.set.Dspn;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.tensor.cpu.CpuVectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code dspn4j bench mnist-step|clevr-step}: the time and peak memory of one DSPN training step at the
 * paper's size (decode with createGraph over T = 10 inner steps, the outer loss, the outer backward,
 * Adam) on synthetic batches of the dataset's shapes; data loading is not timed.
 *
 * <p>With {@code --authors-code DIR} the same step of the authors' own code (bench/authors_step.py
 * imports their modules from DIR) runs too: ours and theirs in separate processes, alternating, for
 * {@code --rounds} rounds, each round printing both lines and the ratios. {@code --isa avx2} restricts
 * both sides to 256-bit vectors (the JVM with {@code -XX:UseAVX=2}, PyTorch through ATen's, OpenBLAS's
 * and oneDNN's own switches), which on an AVX-512 machine imitates an AVX2 one.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        header = "Time one training step at the paper's size, beside the authors' own step.",
        description = {"Time one DSPN training step at the paper's size (batch 32, T = 10): mnist-step (N = 342) or "
                + "clevr-step (CLEVR state, ResNet34, 128 x 128 images); with --authors-code, next to the authors' own step.",
            "Prints, for ours, 'dspn4j ... median <s> s/step ... peak RSS <MB> MB', then the authors' line and the ratios."})
public final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "WHAT", description = "mnist-step or clevr-step")
    String what;

    @Option(names = "--batch", defaultValue = "32", description = "batch size (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--steps", defaultValue = "3", description = "timed steps after the warm-up (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--warmup", defaultValue = "20", description = "untimed steps before the timed ones, both sides: our JVM "
            + "compiles the step's code during the first few, and its heap grows for about fifteen, so a shorter warm-up "
            + "flatters our peak memory (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--dtype", defaultValue = "f32", description = "our side's floating-point type, f32 or f64 (the authors' "
            + "step runs in float32) (default: ${DEFAULT-VALUE})")
    String dtype;

    @Option(names = "--threads", description = "CPU threads, both sides, 1 to 4 per processor (default: all processors)")
    Integer threads;

    @Mixin
    BackendOptions compute = new BackendOptions();

    @Option(names = "--authors-code", paramLabel = "DIR",
            description = "a checkout of github.com/Cyanogenoid/dspn (be3703b), its root or its dspn/ folder: also time their step "
                    + "(bench/authors_step.py)")
    Path authorsCode;

    @Option(names = "--python", description = "the python with PyTorch for --authors-code (default: /usr/bin/python3 if present)")
    String python;

    @Option(names = "--rounds", defaultValue = "1", description = "ours and theirs this many times, alternating (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--isa", defaultValue = "native", paramLabel = "native|avx2",
            description = "avx2: restrict both sides to AVX2 (-XX:UseAVX=2; ATEN_CPU_CAPABILITY=avx2, OPENBLAS_CORETYPE=Haswell, "
                    + "DNNL_MAX_CPU_ISA=AVX2, ONEDNN_MAX_CPU_ISA=AVX2) (default: ${DEFAULT-VALUE})")
    String isa;

    @Option(names = "--inner-steps", paramLabel = "recompute|keep",
            description = "our side: DSPN's inner steps recomputed in the backward or kept, as train's option "
                    + "(default: train's, recompute for mnist-step, keep for clevr-step)")
    String innerSteps;

    @Option(names = "--pool", defaultValue = "0",
            description = "clevr-step, authors' side: the Hungarian assignment in a process pool of this size, as their train.py "
                    + "(mp.Pool(10)); 0: serially (default: ${DEFAULT-VALUE})")
    int pool;

    @Option(names = "--authors-device", defaultValue = "auto", paramLabel = "auto|cpu|cuda",
            description = "where the authors' step runs: cpu, cuda (their train.py's choice) or auto: cuda when ours "
                    + "runs on an OpenCL GPU, else cpu (default: ${DEFAULT-VALUE})")
    String authorsDevice;

    @Option(names = "--graph", paramLabel = "replay|eager",
            description = "our side on OpenCL: the training step recorded once as a task graph and replayed, or run eagerly, "
                    + "as train's option (default: replay on OpenCL, falling back to eager when the recording does not fit "
                    + "--arena-mb; eager on the CPU)")
    String graph;

    /** Runs our step alone and prints its line: how a comparison runs our side in a process of its own. */
    @Option(names = "--child", hidden = true)
    boolean child;

    /** Prints whether our side would open an OpenCL GPU, and nothing else (--authors-device auto). */
    @Option(names = "--probe-gpu", hidden = true)
    boolean probeGpu;

    /** The environment that keeps PyTorch's kernels to AVX2 (ATen, OpenBLAS, oneDNN 2.x under both names). */
    static final Map<String, String> TORCH_AVX2 = Map.of("ATEN_CPU_CAPABILITY", "avx2", "OPENBLAS_CORETYPE", "Haswell",
            "DNNL_MAX_CPU_ISA", "AVX2", "ONEDNN_MAX_CPU_ISA", "AVX2");

    private static final Pattern OURS = Pattern.compile(
            "^dspn4j .* median ([0-9.]+) s/step .*cpu ([0-9.]+) s/step, peak RSS ([0-9]+) MB(?:, device arena ([0-9]+) MB)?");

    @Override
    public Integer call() throws Exception {
        ModelConfig.Task task = task(what);
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
        }
        if (warmup < 1) {
            throw new IllegalArgumentException("--warmup must be at least 1, got " + warmup);
        }
        if (rounds < 1) {
            throw new IllegalArgumentException("--rounds must be at least 1, got " + rounds);
        }
        Checks.threads(threads); // 1 .. 4 per processor: a larger count would fail inside the thread pool
        if (pool < 0) {
            throw new IllegalArgumentException("--pool must be 0 (serial) or more, got " + pool);
        }
        if (innerSteps == null) {
            innerSteps = Net.recomputesInnerSteps(task) ? "recompute" : "keep";
        }
        if (!innerSteps.equals("recompute") && !innerSteps.equals("keep")) {
            throw new IllegalArgumentException("--inner-steps must be recompute or keep, got '" + innerSteps + "'");
        }
        if (!isa.equals("native") && !isa.equals("avx2")) {
            throw new IllegalArgumentException("--isa must be native or avx2, got '" + isa + "'");
        }
        if (graph != null && !graph.equals("replay") && !graph.equals("eager")) {
            throw new IllegalArgumentException("--graph must be replay or eager, got '" + graph + "'");
        }
        if ("replay".equals(graph) && !mayUseOpenCl()) {
            throw new IllegalArgumentException("--graph replay needs the OpenCL backend (the CPU backend runs eagerly)");
        }
        if (!authorsDevice.equals("auto") && !authorsDevice.equals("cpu") && !authorsDevice.equals("cuda")) {
            throw new IllegalArgumentException("--authors-device must be auto, cpu or cuda, got '" + authorsDevice + "'");
        }
        DType dt = TrainCommand.parseDtype(dtype);
        compute.choice(); // validates the backend options before anything runs
        int th = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (probeGpu) {
            System.out.println("opens an OpenCL GPU: " + compute.choice().opensGpu(dt));
            return 0;
        }
        if (child || (authorsCode == null && isa.equals("native") && rounds == 1)) {
            if (!child) {
                System.out.println("machine: " + machine()); // beside every figure, ours alone too
            }
            Measured m = runOurs(task, dt, th);
            System.out.println(m.line);
            return 0;
        }
        Path script = null;
        String py = python != null ? python : Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        if (authorsCode != null) {
            Checks.inputFolder("--authors-code", authorsCode, "give a checkout of github.com/Cyanogenoid/dspn at be3703b");
            requirePython(python, py);
            authorsCode = authorsModules(authorsCode);
            script = authorsScript();
            if (authorsDevice.equals("auto")) {
                authorsDevice = oursOnGpu(dt, th) ? "cuda" : "cpu";
            }
        }
        System.out.println("machine: " + machine());
        double[] timeRatio = new double[rounds];
        double[] memRatio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            if (rounds > 1) {
                System.out.printf(Locale.ROOT, "round %d of %d%n", r + 1, rounds);
            }
            Measured ours = null;
            Measured theirs = null;
            // alternate who goes first, so that a drift in the machine's load favours neither side
            for (int side = 0; side < 2; side++) {
                boolean oursNow = (side == 0) == (r % 2 == 0) || script == null;
                if (oursNow && ours == null) {
                    ours = runOursInChild(th);
                    System.out.println(ours.line);
                } else if (!oursNow && theirs == null) {
                    theirs = runTheirs(py, script, th);
                    System.out.println(theirs.line);
                }
            }
            if (theirs != null) {
                timeRatio[r] = ours.medianS / theirs.medianS;
                boolean device = !Double.isNaN(ours.deviceMb) && !Double.isNaN(theirs.deviceMb);
                // on a GPU the memory that counts is what each side takes from the card: our arena against
                // the most PyTorch's caching allocator reserved
                memRatio[r] = device ? ours.deviceMb / theirs.deviceMb : ours.peakMb / theirs.peakMb;
                System.out.printf(Locale.ROOT, "ratio dspn4j/authors: time %.2f (cpu %.2f), %s %.2f%s%n", timeRatio[r],
                        ours.cpuS / theirs.cpuS, device ? "device memory" : "memory", memRatio[r],
                        device ? String.format(Locale.ROOT, " (host RSS %.2f)", ours.peakMb / theirs.peakMb) : "");
            }
        }
        if (script != null && rounds > 1) {
            System.out.printf(Locale.ROOT, "over %d rounds: time ratio median %.2f (%.2f .. %.2f), memory ratio median %.2f "
                            + "(%.2f .. %.2f)%n", rounds, median(timeRatio), min(timeRatio), max(timeRatio), median(memRatio),
                    min(memRatio), max(memRatio));
        }
        return 0;
    }

    /**
     * The folder of the authors' modules: {@code dir} itself where it holds {@code model.py} and {@code dspn.py}, else
     * its {@code dspn/} folder, where a clone or an archive of the whole repository keeps them.
     */
    static Path authorsModules(Path dir) {
        for (Path d : List.of(dir, dir.resolve("dspn"))) {
            if (Files.isRegularFile(d.resolve("model.py")) && Files.isRegularFile(d.resolve("dspn.py"))) {
                return d;
            }
        }
        throw new IllegalArgumentException("--authors-code " + dir + ": no model.py and dspn.py there or in its dspn/ folder "
                + "(a checkout of github.com/Cyanogenoid/dspn at be3703b)");
    }

    /**
     * The python that runs the authors' step, checked before anything is timed: a path must be an executable file, a
     * bare name one on the PATH.
     */
    static void requirePython(String given, String py) {
        String option = given != null ? "--python " + py : "python3 (the default; give --python)";
        if (py.indexOf('/') >= 0 || py.indexOf(java.io.File.separatorChar) >= 0) {
            Path p = Path.of(py);
            if (!Files.exists(p)) {
                throw new IllegalArgumentException("" + option + ": no such file");
            }
            if (Files.isDirectory(p) || !Files.isExecutable(p)) {
                throw new IllegalArgumentException("" + option + ": not an executable file");
            }
            return;
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                Path p = Path.of(dir.isEmpty() ? "." : dir).resolve(py);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return;
                }
            }
        }
        throw new IllegalArgumentException("" + option + ": not found on the PATH");
    }

    private static ModelConfig.Task task(String what) {
        switch (what) {
            case "mnist-step": return ModelConfig.Task.MNIST;
            case "clevr-step": return ModelConfig.Task.CLEVR_STATE;
            default: throw new IllegalArgumentException("WHAT must be mnist-step or clevr-step, got '" + what + "'");
        }
    }

    /** One side's result: its printed line and the numbers in it (deviceMb: memory taken from a GPU; NaN off one). */
    private record Measured(String line, double medianS, double cpuS, double peakMb, double deviceMb) {
    }

    /** Our step in this process: {@code warmup} untimed steps, then {@code steps} timed ones. */
    private Measured runOurs(ModelConfig.Task task, DType dt, int th) {
        double[] times = new double[steps];
        double[] cpu = new double[steps];
        String where;
        double arena = Double.NaN;
        double highWater = Double.NaN;
        try (Compute c = compute.choice().open(dt, th, System.out)) {
            Backend be = c.backend();
            where = c.kind().equals("cpu") ? th + (th == 1 ? " thread, " : " threads, ") + CpuVectors.describe() : c.deviceLine();
            // the JDK's compiler decides how fast the vector kernels run (JDK 25's spilled the former 256-bit tile)
            where += ", Java " + System.getProperty("java.version");
            ModelConfig cfg = ModelConfig.paper(task, ModelConfig.DecoderKind.DSPN).withDtype(dt);
            Net net = Net.create(be, cfg, new MersenneTwister(0));
            ((Dspn) net.decoder()).setRecomputeSteps(innerSteps.equals("recompute"));
            where += ", inner steps " + (innerSteps.equals("recompute") ? "recomputed" : "kept") + ", " + warmup + " warm-up step"
                    + (warmup == 1 ? "" : "s");
            Adam adam = new Adam(net.namedParameters(), task == ModelConfig.Task.MNIST ? 0.01 : 3e-4);
            TrainStep step = new TrainStep(net, adam);
            Random r = new Random(0);
            Tensor[] first = syntheticBatch(task, be, dt, batch, r); // the first warm-up step's; its shapes are every batch's
            RecordedTrainStep recorded = RecordedTrainStep.start(graph, be, net, adam, first[0] == null ? null : first[0].shape(),
                    first[1].shape(), first[2].shape(), System.out).step();
            if (c.device() != null) {
                where += ", graph " + (recorded != null ? "replay" : "eager");
            }
            for (int i = 0; i < warmup + steps; i++) {
                Tensor[] x = i == 0 ? first : syntheticBatch(task, be, dt, batch, r);
                long c0 = processCpuNanos();
                long t0 = System.nanoTime();
                if (recorded != null) {
                    recorded.run(x[0], x[1], x[2]);
                } else {
                    step.run(x[0], x[1], x[2]);
                }
                if (i >= warmup) {
                    times[i - warmup] = (System.nanoTime() - t0) / 1e9;
                    cpu[i - warmup] = (processCpuNanos() - c0) / 1e9;
                }
            }
            if (recorded != null) {
                recorded.close();
            }
            if (c.device() != null) {
                arena = c.arenaMb();
                highWater = c.devicePeakMb();
            }
        }
        double median = median(times);
        double cpuMedian = median(cpu);
        double rss = peakRssMb();
        int digits = Double.isNaN(arena) ? 2 : 3; // a GPU step can take a few hundredths of a second
        String line = String.format(Locale.ROOT, "dspn4j  %s %s batch %d, %s: median %." + digits + "f s/step %s, cpu %.2f s/step, "
                + "peak RSS %.0f MB", what, dtype, batch, where, median, rounded(times, digits), cpuMedian, rss);
        if (!Double.isNaN(arena)) {
            // tensors are freed when collected, so the high-water mark reaches the arena's size whenever
            // the collector ran late: the arena is what the step takes from the device
            line += String.format(Locale.ROOT, ", device arena %.0f MB (high-water %.0f MB)", arena, highWater);
        }
        return new Measured(line, median, cpuMedian, rss, arena);
    }

    /**
     * A synthetic batch of the benchmark's shapes: {images or null, target set, target mask}, drawn
     * from {@code r} (the same sequence for the same seed).
     */
    public static Tensor[] syntheticBatch(ModelConfig.Task task, Backend be, DType dt, int batch, Random r) {
        return task == ModelConfig.Task.MNIST ? mnistBatch(be, dt, batch, r) : clevrBatch(be, dt, batch, r);
    }

    /** An MNIST batch: sets of 100 .. 249 points in [0, 1)², padded to N = 342. */
    private static Tensor[] mnistBatch(Backend be, DType dt, int batch, Random r) {
        double[] s = new double[batch * 2 * 342];
        double[] m = new double[batch * 342];
        for (int b = 0; b < batch; b++) {
            int n = 100 + r.nextInt(150);
            for (int j = 0; j < n; j++) {
                s[(b * 2) * 342 + j] = r.nextDouble();
                s[(b * 2 + 1) * 342 + j] = r.nextDouble();
                m[b * 342 + j] = 1;
            }
        }
        return new Tensor[] {null, be.fromHost(s, dt, batch, 2, 342), be.fromHost(m, dt, batch, 342)};
    }

    /**
     * A CLEVR-state batch: Gaussian 128 × 128 images; 3 .. 10 objects of 18 features (3 coordinates in
     * [−1, 1], one-hots of material, colour, shape and size), padded to N = 10.
     */
    private static Tensor[] clevrBatch(Backend be, DType dt, int batch, Random r) {
        double[] img = new double[batch * 3 * 128 * 128];
        for (int i = 0; i < img.length; i++) {
            img[i] = r.nextGaussian();
        }
        double[] s = new double[batch * 18 * 10];
        double[] m = new double[batch * 10];
        int[][] groups = {{3, 2}, {5, 8}, {13, 3}, {16, 2}};
        for (int b = 0; b < batch; b++) {
            int n = 3 + r.nextInt(8);
            for (int j = 0; j < n; j++) {
                for (int c = 0; c < 3; c++) {
                    s[(b * 18 + c) * 10 + j] = 2 * r.nextDouble() - 1;
                }
                for (int[] g : groups) {
                    s[(b * 18 + g[0] + r.nextInt(g[1])) * 10 + j] = 1;
                }
                m[b * 10 + j] = 1;
            }
        }
        return new Tensor[] {be.fromHost(img, dt, batch, 3, 128, 128), be.fromHost(s, dt, batch, 18, 10), be.fromHost(m, dt, batch, 10)};
    }

    /**
     * Whether our side computes on an OpenCL GPU, asked in a JVM of its own: this process never loads
     * OpenCL. (Measured on an H200 with PoCL installed beside NVIDIA's driver: after the parent JVM had
     * listed the OpenCL devices, the child's listing lacked the GPU and the automatic choice fell to
     * PoCL's CPU device.)
     */
    private boolean oursOnGpu(DType dt, int th) throws IOException, InterruptedException {
        if (!mayUseOpenCl() || dt != DType.F32) {
            return false;
        }
        String out = run(new ProcessBuilder(childCommand(th, "--probe-gpu")), "the OpenCL probe (a child JVM)");
        return out.contains("opens an OpenCL GPU: true");
    }

    /** Whether the backend options leave OpenCL possible (not --backend cpu or reference). */
    private boolean mayUseOpenCl() {
        BackendChoice.Kind kind = compute.choice().kind();
        return kind != BackendChoice.Kind.CPU && kind != BackendChoice.Kind.REFERENCE;
    }

    /** Our step in a JVM of its own, started with this JVM's options (and -XX:UseAVX=2 under --isa avx2). */
    private Measured runOursInChild(int th) throws IOException, InterruptedException {
        String out = run(new ProcessBuilder(childCommand(th, "--child")), "our step (a child JVM)");
        for (String line : out.split("\n")) {
            Matcher m = OURS.matcher(line);
            if (m.find()) {
                return new Measured(line, Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)),
                        m.group(4) == null ? Double.NaN : Double.parseDouble(m.group(4)));
            }
        }
        throw new IOException("our step (a child JVM) printed no result line: " + lastLine(out));
    }

    /** This command in a JVM of its own with this JVM's options, our side's settings and {@code mode}. */
    private List<String> childCommand(int th, String mode) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-XX:UseAVX=")) {
                cmd.add(a);
            }
        }
        if (isa.equals("avx2")) {
            cmd.add("-XX:UseAVX=2");
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "bench", what, mode,
                "--batch", Integer.toString(batch), "--warmup", Integer.toString(warmup), "--steps", Integer.toString(steps),
                "--threads", Integer.toString(th), "--dtype", dtype, "--inner-steps", innerSteps, "--backend", compute.backend, "--arena-mb", Integer.toString(compute.arenaMb)));
        if (graph != null) {
            cmd.addAll(List.of("--graph", graph));
        }
        if (compute.device != null) {
            cmd.addAll(List.of("--device", compute.device));
        }
        return cmd;
    }

    /** The authors' step: bench/authors_step.py in its own process. */
    private Measured runTheirs(String py, Path script, int th) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(py, script.toString(), "--authors-code", authorsCode.toAbsolutePath().toString(),
                "--task", what.equals("mnist-step") ? "mnist" : "clevr-state", "--batch", Integer.toString(batch), "--warmup",
                Integer.toString(warmup), "--steps", Integer.toString(steps), "--threads", Integer.toString(th), "--pool", Integer.toString(pool),
                "--device", authorsDevice);
        if (isa.equals("avx2")) {
            pb.environment().putAll(TORCH_AVX2);
        }
        String out = run(pb, "the authors' step (" + script + ")");
        String[] lines = out.split("\n");
        String json = lines[lines.length - 1];
        String human = lines.length > 1 ? lines[lines.length - 2] : json;
        return new Measured(human, field(json, "median_s"), field(json, "cpu_s"), field(json, "peak_rss_mb"),
                authorsDevice.equals("cuda") ? field(json, "gpu_reserved_mb") : Double.NaN);
    }

    /** Runs a process to its end and returns its output (stdout and stderr); a failure is one line. */
    private static String run(ProcessBuilder pb, String what) throws IOException, InterruptedException {
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        int rc = p.waitFor();
        if (rc != 0) {
            throw new IOException("" + what + " failed with exit code " + rc + ": " + lastLine(out));
        }
        return out;
    }

    private static String lastLine(String out) {
        String[] lines = out.split("\n");
        return lines[lines.length - 1];
    }

    /** bench/authors_step.py of this checkout (next to target/ holding this jar), or of the working directory. */
    private static Path authorsScript() throws IOException {
        List<Path> tried = new ArrayList<>();
        try {
            Path code = Path.of(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (code.getParent() != null && code.getParent().getParent() != null) {
                tried.add(code.getParent().getParent().resolve("bench").resolve("authors_step.py"));
            }
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // fall back to the working directory
        }
        tried.add(Path.of("bench", "authors_step.py").toAbsolutePath());
        for (Path p : tried) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new IOException("bench/authors_step.py: not found (looked at " + tried + ")");
    }

    /** CPU model, vector ISA of the CPU and of our kernels here, and the restriction in force. */
    private String machine() {
        String[] cpu = cpu();
        String s = cpuLine();
        if (isa.equals("avx2")) {
            s = (cpu[1].equals("AVX-512") ? "AVX-512 machine restricted to AVX2" : s + " restricted to AVX2") + " (JVM -XX:UseAVX=2; PyTorch "
                    + "ATEN_CPU_CAPABILITY=avx2 OPENBLAS_CORETYPE=Haswell DNNL_MAX_CPU_ISA=AVX2 ONEDNN_MAX_CPU_ISA=AVX2): " + cpu[0]
                    + ", " + Runtime.getRuntime().availableProcessors() + " logical CPUs";
        }
        return s;
    }

    /** "model, N logical CPUs, ISA" of this machine (the benchmarks under bench/ print it too). */
    public static String cpuLine() {
        String[] cpu = cpu();
        return cpu[0] + ", " + Runtime.getRuntime().availableProcessors() + " logical CPUs, " + cpu[1];
    }

    /**
     * The CPU's model name with its family and model numbers, and its widest vector ISA (AVX-512, AVX2,
     * no AVX2), from /proc/cpuinfo. The numbers tell apart CPUs that a virtual machine names alike: an
     * "AMD EPYC" of family 25 runs AVX-512 in two 256-bit halves, one of family 26 at full width, and
     * our product kernel's rate differs twofold between them (docs/measurements.md).
     */
    private static String[] cpu() {
        try {
            return cpu(Files.readAllLines(Path.of("/proc/cpuinfo")));
        } catch (IOException e) {
            return cpu(List.of()); // not Linux: the model stays unknown
        }
    }

    /** {@link #cpu()} from the lines of a /proc/cpuinfo (its first processor's lines are read). */
    static String[] cpu(List<String> cpuinfo) {
        String model = "unknown CPU";
        String family = null;
        String number = null;
        String flags = "";
        for (String line : cpuinfo) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (key.equals("model name") && model.equals("unknown CPU")) {
                model = value;
            } else if (key.equals("cpu family") && family == null) {
                family = value;
            } else if (key.equals("model") && number == null) {
                number = value;
            } else if (key.equals("flags") && flags.isEmpty()) {
                flags = " " + value + " ";
            }
        }
        if (family != null && number != null) {
            model += " (family " + family + ", model " + number + ")";
        }
        String cpuIsa = flags.contains(" avx512f ") ? "AVX-512" : flags.contains(" avx2 ") ? "AVX2" : flags.isEmpty() ? "unknown ISA" : "no AVX2";
        return new String[] {model, cpuIsa};
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElse(Double.NaN);
    }

    private static String rounded(double[] v, int digits) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            b.append(i > 0 ? ", " : "").append(String.format(Locale.ROOT, "%." + digits + "f", v[i]));
        }
        return b.append(']').toString();
    }

    /** CPU time of this process (all threads, the collector's included), in ns; -1 where unknown. */
    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean ? ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() : -1;
    }

    /** Peak resident memory of this process (Linux VmHWM), in MB; NaN elsewhere. */
    static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }

    private static double field(String json, String key) throws IOException {
        int i = json.indexOf("\"" + key + "\"");
        if (i < 0) {
            throw new IOException("the authors' step printed no " + key + ": " + json);
        }
        int c = json.indexOf(':', i);
        int e = c + 1;
        while (e < json.length() && "0123456789.eE+- ".indexOf(json.charAt(e)) >= 0) {
            e++;
        }
        return Double.parseDouble(json.substring(c + 1, e).trim());
    }
}
