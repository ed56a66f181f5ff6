#!/usr/bin/env python3
"""Instruments a scratch copy of the sources for bench/op_profile.sh: every public op of
CpuBackend adds its CPU time (of the calling thread: run with --threads 1), its call count and the
bytes it allocated to a table printed at exit, and the matrix products and convolutions their
floating-point operations (2 per multiply-add) and rate; with OP_PROFILE_WALL=1 the wall time instead,
with the threads busy (the calling thread's and the backend's workers' CPU time over the wall time) and
the collectors' pauses inside the op (an op called inside another counts in both); the benchmark entry
points reset the table after their warm-up step. Never applied to the repository itself.

    python3 bench/op_profile.py SCRATCH_COPY_ROOT
"""
import re
import sys

root = sys.argv[1]
path = root + "/src/main/java/org/dspn4j/tensor/cpu/CpuBackend.java"
s = open(path).read()

header = '''public final class CpuBackend implements Backend, AutoCloseable {
    static final com.sun.management.ThreadMXBean MX =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    static final java.util.Map<String, long[]> PROF = new java.util.concurrent.ConcurrentHashMap<>();
    static final boolean SHAPES = "1".equals(System.getenv("OP_PROFILE_SHAPES"));
    static final boolean WALL = "1".equals(System.getenv("OP_PROFILE_WALL"));

    /** CPU time of the calling thread, or with OP_PROFILE_WALL=1 wall time (for runs on several threads). */
    static long now() {
        return WALL ? System.nanoTime() : MX.getCurrentThreadCpuTime();
    }

    /** Forgets what was recorded so far (called after a warm-up step). */
    public static void resetProfile() {
        PROF.clear();
    }

    static void record(String op, long cpu0, long bytes0, long pc0, long gc0) {
        record(op, cpu0, bytes0, 0, pc0, gc0);
    }

    static void record(String op, long cpu0, long bytes0, long flop, long pc0, long gc0) {
        long[] v = PROF.computeIfAbsent(op, k -> new long[6]);
        v[0] += now() - cpu0;
        v[1]++;
        v[2] += MX.getCurrentThreadAllocatedBytes() - bytes0;
        v[3] += flop;
        if (WALL) {
            v[4] += computeCpu() - pc0;
            v[5] += gcMillis() - gc0;
        }
    }

    static volatile long[] workerIds = new long[0];
    static int sinceRefresh;

    /** With OP_PROFILE_WALL=1, the CPU time of the calling thread and the pools' workers together, else 0. */
    static long processCpu() {
        return WALL ? computeCpu() : 0;
    }

    /** With OP_PROFILE_WALL=1, the collectors' pause time so far (ms), else 0. */
    static long gcMillis() {
        if (!WALL) {
            return 0;
        }
        long ms = 0;
        for (java.lang.management.GarbageCollectorMXBean b : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            ms += Math.max(0, b.getCollectionTime());
        }
        return ms;
    }

    /** CPU time of the calling thread plus every ForkJoinPool worker (refreshed every 500 calls). */
    static long computeCpu() {
        if (++sinceRefresh >= 500 || workerIds.length == 0) {
            sinceRefresh = 0;
            workerIds = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("ForkJoinPool-"))
                    .mapToLong(Thread::getId).toArray();
        }
        long sum = MX.getCurrentThreadCpuTime();
        for (long id : workerIds) {
            long c = MX.getThreadCpuTime(id);
            if (c > 0) {
                sum += c;
            }
        }
        return sum;
    }

    static long numel(int[] s) {
        long n = 1;
        for (int d : s) {
            n *= d;
        }
        return n;
    }

    /** 2·M·N·K per problem, the problems of the broadcast batch (the larger operand's leading dimensions). */
    static long matmulFlop(int[] as, boolean ta, int[] bs, boolean tb) {
        int ra = as.length, rb = bs.length;
        long m = ta ? as[ra - 1] : as[ra - 2];
        long k = ta ? as[ra - 2] : as[ra - 1];
        long n = tb ? bs[rb - 2] : bs[rb - 1];
        long batch = Math.max(numel(as) / ((long) as[ra - 1] * as[ra - 2]), numel(bs) / ((long) bs[rb - 1] * bs[rb - 2]));
        return 2 * batch * m * n * k;
    }

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            long total = PROF.values().stream().mapToLong(v -> v[0]).sum();
            System.err.printf((WALL ? "op                     wall s" : "op                      CPU s") + "   share  calls  allocated MB    GFLOP  GFLOP/s"
                    + (WALL ? "  threads busy  GC pause s" : "") + "   (total %.2f s)%n", total / 1e9);
            PROF.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]))
                    .forEach(e -> System.err.printf("%-20s %8.3f  %5.1f%% %6d %12.0f%s%s%n", e.getKey(), e.getValue()[0] / 1e9,
                            100.0 * e.getValue()[0] / total, e.getValue()[1], e.getValue()[2] / 1e6,
                            e.getValue()[3] == 0 ? (WALL ? "                  " : "") : String.format(" %8.1f %8.0f", e.getValue()[3] / 1e9,
                                    e.getValue()[3] / (double) e.getValue()[0]),
                            WALL ? String.format("  %5.2f  %6.3f", e.getValue()[4] / (double) Math.max(1, e.getValue()[0]), e.getValue()[5] / 1e3) : ""));
            if (WALL) {
                long cpu = PROF.values().stream().mapToLong(v -> v[4]).sum();
                int threads = Integer.parseInt(System.getenv().getOrDefault("OP_PROFILE_THREADS", "1"));
                System.err.printf("threads busy in the ops (their CPU time over the wall time): %.2f of %d; idle thread time %.2f s%n",
                        cpu / (double) total, threads, ((double) threads * total - cpu) / 1e9);
            }
            long flopTotal = PROF.values().stream().mapToLong(v -> v[3]).sum();
            long flopCpu = PROF.values().stream().filter(v -> v[3] > 0).mapToLong(v -> v[0]).sum();
            System.err.printf("matrix products and convolutions: %.1f GFLOP in %.2f s (%.0f GFLOP/s); everything else %.2f s%n",
                    flopTotal / 1e9, flopCpu / 1e9, flopTotal / (double) flopCpu, (total - flopCpu) / 1e9);
        }));
    }
'''
s = s.replace("public final class CpuBackend implements Backend, AutoCloseable {", header, 1)

# floating-point operations of the ops that multiply and add (2 per multiply-add)
FLOP = {
    "matmul": "matmulFlop(a.shape(), transposeA, b.shape(), transposeB)",
    "linear": "matmulFlop(w.shape(), false, x.shape(), false)",
    "matmulStep": "matmulFlop(a.shape(), transposeA, b.shape(), transposeB)",
    "matmulBatchSum": "matmulFlop(a.shape(), transposeA, b.shape(), transposeB)",
    "affine": "0",
    "binary": "0",
    "sum": "0",
    "conv2d": "2 * numel(x.shape()) / x.shape()[1] / x.shape()[2] / x.shape()[3] * w.shape()[0]"
              " * ((x.shape()[2] + 2 * pad - w.shape()[2]) / stride + 1) * ((x.shape()[3] + 2 * pad - w.shape()[3]) / stride + 1)"
              " * numel(w.shape()) / w.shape()[0]",
    "conv2dBackwardInput": "2 * numel(gy.shape()) * (numel(w.shape()) / w.shape()[0])",
    "conv2dBackwardWeight": "2 * numel(gy.shape()) * (numel(wShape) / wShape[0])",
}

SHAPED = {
    "matmul": '"matmul " + org.dspn4j.tensor.Shape.str(a.shape()) + (transposeA ? "T" : "") + " " + '
              'org.dspn4j.tensor.Shape.str(b.shape()) + (transposeB ? "T" : "")',
    "linear": '"linear " + org.dspn4j.tensor.Shape.str(w.shape()) + " " + org.dspn4j.tensor.Shape.str(x.shape()) + (relu ? " relu" : "")',
    "matmulStep": '"matmulStep " + org.dspn4j.tensor.Shape.str(a.shape()) + (transposeA ? "T" : "") + " " + '
                  'org.dspn4j.tensor.Shape.str(b.shape()) + (transposeB ? "T" : "")',
    "matmulBatchSum": '"matmulBatchSum " + org.dspn4j.tensor.Shape.str(a.shape()) + (transposeA ? "T" : "") + " " + '
                      'org.dspn4j.tensor.Shape.str(b.shape()) + (transposeB ? "T" : "")',
    "affine": '"affine " + org.dspn4j.tensor.Shape.str(a.shape())',
    "binary": '"binary " + op + " " + org.dspn4j.tensor.Shape.str(a.shape()) + " " + org.dspn4j.tensor.Shape.str(b.shape())',
    "sum": '"sum " + org.dspn4j.tensor.Shape.str(a.shape()) + " " + java.util.Arrays.toString(dims)',
    "conv2d": '"conv2d " + org.dspn4j.tensor.Shape.str(x.shape()) + " " + org.dspn4j.tensor.Shape.str(w.shape()) + " s" + stride',
    "conv2dBackwardInput": '"conv2dBackwardInput " + org.dspn4j.tensor.Shape.str(gy.shape()) + " " '
                           '+ org.dspn4j.tensor.Shape.str(w.shape()) + " s" + stride',
    "conv2dBackwardWeight": '"conv2dBackwardWeight " + org.dspn4j.tensor.Shape.str(x.shape()) + " " '
                            '+ org.dspn4j.tensor.Shape.str(gy.shape()) + " s" + stride',
}

# wrap the body of every public op (the two-argument matmul delegates, so it is left alone)
pat = re.compile(r'\n    @Override\n    public Tensor(?:\[\])? (\w+)\(([^)]*)\) \{')
out, pos = "", 0
for m in pat.finditer(s):
    name, args = m.group(1), m.group(2)
    start = m.end()
    depth, j = 1, start
    while depth:
        depth += {"{": 1, "}": -1}.get(s[j], 0)
        j += 1
    body = s[start:j - 1]
    out += s[pos:start]
    if name == "matmul" and args.count(",") == 1:
        out += body + "}"
    elif name in SHAPED:
        # with OP_PROFILE_SHAPES=1 in the environment, matrix products and convolutions by operand shapes
        key = SHAPED[name]
        out += ("\n        long pc0$ = processCpu(), gc0$ = gcMillis(), cpu0$ = now(), bytes0$ = MX.getCurrentThreadAllocatedBytes();"
                "\n        try {" + body + "        } finally {\n            record(SHAPES ? " + key + " : \"" + name
                + "\", cpu0$, bytes0$, " + FLOP[name] + ", pc0$, gc0$);\n        }\n    }")
    else:
        out += ("\n        long pc0$ = processCpu(), gc0$ = gcMillis(), cpu0$ = now(), bytes0$ = MX.getCurrentThreadAllocatedBytes();"
                "\n        try {" + body + "        } finally {\n            record(\"" + name + "\", cpu0$, bytes0$, pc0$, gc0$);\n        }\n    }")
    pos = j
s = out + s[pos:]
open(path, "w").write(s)

# the fused batch norm's two passes (not backend ops: nn.BatchNorm2d calls them on the CPU in F32)
fbn = root + "/src/main/java/org/dspn4j/tensor/cpu/FusedBatchNorm.java"
try:
    f = open(fbn).read()
    for sig, name in (("    public static FusedBatchNorm forward(Tensor x, Tensor weight, Tensor bias, double eps) {", "batchNorm"),
                      ("    public Tensor[] backward(Tensor g, boolean needX) {", "batchNormBackward")):
        i = f.index(sig) + len(sig)
        depth, j = 1, i
        while depth:
            depth += {"{": 1, "}": -1}.get(f[j], 0)
            j += 1
        f = (f[:i] + "\n        long pc0$ = CpuBackend.processCpu(), gc0$ = CpuBackend.gcMillis(), cpu0$ = CpuBackend.now(), bytes0$ = CpuBackend.MX.getCurrentThreadAllocatedBytes();"
             "\n        try {" + f[i:j - 1] + "        } finally {\n            CpuBackend.record(\"" + name
             + "\", cpu0$, bytes0$, pc0$, gc0$);\n        }\n    }" + f[j:])
    open(fbn, "w").write(f)
except (OSError, ValueError):
    pass

# reset after the warm-up steps of the two benchmarks
bench = root + "/src/main/java/org/dspn4j/cli/BenchCommand.java"
b = open(bench).read()
hook = "                if (i >= warmup) {\n                    times[i - warmup]"
if hook not in b:
    sys.exit("op_profile.py: BenchCommand's timing loop changed; update the hook")
b = b.replace(hook, "                if (i == warmup - 1) {\n                    org.dspn4j.tensor.cpu.CpuBackend.resetProfile();\n"
              "                }\n" + hook, 1)
open(bench, "w").write(b)
rn = root + "/bench/src/main/java/org/dspn4j/bench/ResNetBench.java"
r = open(rn).read()
r = r.replace("            step(enc, images, params); // warm-up (JIT)\n",
              "            step(enc, images, params); // warm-up (JIT)\n            CpuBackend.resetProfile();\n", 1)
open(rn, "w").write(r)
