package org.dspn4j.gpu;

import java.util.ArrayList;
import java.util.List;

import org.dspn4j.gpu.ClEngine.Launch;

/**
 * Fuses runs of consecutive elementwise launches of a recorded program into single FUSED launches
 * ({@link EngineKernel#OP_FUSED}) that run a small per-element program stored in the arena.
 *
 * <p>Fusable launches: MAP (every sub-code), BINARY (with its broadcast strides), COPY, FILL, and
 * STRIDED_COPY whose output is contiguous (permute, expand, slice). Consecutive fusable launches
 * join one group, in program order (nothing is reordered); the fused launch runs max n work-items
 * and instruction k only on items i &lt; n_k; a launch joins the group as long as no work-item could see another work-item's element: inside a group, an operand that
 * overlaps a range written by an earlier instruction of the group must read exactly that range at
 * the work-item's own index (same offset, contiguous), and an output that overlaps a range read or
 * written earlier in the group must be that very range at the same index (in place). Anything else
 * starts a new group. A launch also starts a new group when joining would make the group's padded
 * work (max n times the instruction count: every work-item reads every instruction's header) exceed
 * {@link #PAD_FACTOR} times its real work (the sum of n_k) plus {@link #PAD_SLACK}: a group that mixed
 * a 2.4 M-element tensor with a hundred small ones (Adam over ResNet34's parameters) would otherwise
 * cost more than the launches it replaces. Every instruction computes what the op it replaces computes, with the same
 * arithmetic (shared kernel methods), and still writes its output to the arena; so fused results
 * equal unfused ones bit for bit.
 *
 * <p>Program layout, {@link EngineKernel#PROG_STRIDE} floats per instruction (ints as two floats
 * {@code v >> 12, v & 4095}; doubles as three floats hi, mid, lo with {@code (hi + mid) + lo} exactly
 * the double): 0 kind, 2 code, 4 srcA, 6 srcB, 8 dst, 10..20 sizes, 22..32 A strides, 34..44 B
 * strides, 46 p0, 49 p1, 52 FILL value, 54 n (the instruction's element count). A BINARY whose
 * operands are both read at the work-item's own index becomes {@link EngineKernel#FK_BINARY_SAME},
 * which skips the stride arithmetic (same {@code binaryOf}, so the same bits). A MAP whose parameters are not exactly representable that
 * way (beyond float range, or tails below float's) is left unfused. A host step
 * ({@link ClEngine#hostStep}) is a barrier: it ends the group before it and starts none.
 */
final class Fusion {

    /** Padded work allowed per unit of real work in a group (see the class comment). */
    static final long PAD_FACTOR = 2;
    /** Padded work a group may spend beyond PAD_FACTOR × its real work: small groups always fuse. */
    static final long PAD_SLACK = 1 << 16;

    private Fusion() {
    }

    /** One fused instruction (an elementwise launch) and the arena ranges it reads and writes. */
    static final class Instr {
        final Launch launch;
        final int kind;
        final int n;
        final float[] words = new float[EngineKernel.PROG_STRIDE];
        /** Read ranges: {offset, length, 1 if read at the work-item's own index (contiguous) else 0}. */
        final List<int[]> reads = new ArrayList<>();
        final int dst;

        Instr(Launch launch, int kind, int n, int dst) {
            this.launch = launch;
            this.kind = kind;
            this.n = n;
            this.dst = dst;
            putInt(0, kind);
            putInt(8, dst);
            putInt(54, n);
        }

        void putInt(int at, int v) {
            if (v < 0) {
                throw new IllegalArgumentException("fused program: negative int " + v);
            }
            words[at] = v >> 12;
            words[at + 1] = v & 4095;
        }

        /** False when d is not exactly (hi + mid) + lo of three floats. */
        boolean putDouble(int at, double d) {
            float hi = (float) d;
            float mid = 0f;
            float lo = 0f;
            if (!Double.isInfinite(d) && !Double.isNaN(d)) {
                mid = (float) (d - hi);
                lo = (float) (d - hi - mid);
            }
            words[at] = hi;
            words[at + 1] = mid;
            words[at + 2] = lo;
            return Double.compare(((double) hi + (double) mid) + (double) lo, d) == 0;
        }
    }

    /** A plan: the program's launches, with fused groups still to be placed in the arena. */
    static final class Plan {
        /** Per output launch: the original launch, or null for a fused group. */
        final List<Launch> launches = new ArrayList<>();
        /** Per output launch: the instructions of its group, or null. */
        final List<List<Instr>> groups = new ArrayList<>();
        int instructions;
        int fusedGroups;

        /** The words of all groups' instructions, in order (what goes to the arena). */
        float[] words() {
            float[] w = new float[instructions * EngineKernel.PROG_STRIDE];
            int at = 0;
            for (List<Instr> g : groups) {
                if (g != null) {
                    for (Instr in : g) {
                        System.arraycopy(in.words, 0, w, at, in.words.length);
                        at += in.words.length;
                    }
                }
            }
            return w;
        }

        /** The launches to replay, the groups' programs placed at arena offset {@code programOffset}. */
        List<Launch> program(int programOffset) {
            List<Launch> out = new ArrayList<>();
            int at = programOffset;
            for (int i = 0; i < launches.size(); i++) {
                List<Instr> g = groups.get(i);
                if (g == null) {
                    out.add(launches.get(i));
                } else {
                    int n = 0;
                    for (Instr in : g) {
                        n = Math.max(n, in.n);
                    }
                    out.add(Launch.zero().with(n, "op", EngineKernel.OP_FUSED, "n", n, "progOff", at,
                            "progCount", g.size()));
                    at += g.size() * EngineKernel.PROG_STRIDE;
                }
            }
            return out;
        }
    }

    /**
     * COPY instructions {@code arena[dst[k] + i] = arena[src[k] + i]}, i &lt; n[k], grouped like a
     * recorded program (pairs with src == dst are dropped): the launches that copy a graph's
     * outputs back into its inputs.
     */
    static Plan copies(int[] src, int[] dst, int[] n) {
        Plan plan = new Plan();
        List<Instr> group = new ArrayList<>();
        for (int k = 0; k < src.length; k++) {
            if (src[k] == dst[k] || n[k] == 0) {
                continue;
            }
            Instr in = new Instr(null, EngineKernel.FK_COPY, n[k], dst[k]);
            in.putInt(4, src[k]);
            in.reads.add(new int[] {src[k], n[k], 1});
            if (!group.isEmpty() && (conflicts(group, in) || tooSparse(group, in))) {
                flushAll(plan, group);
            }
            group.add(in);
        }
        flushAll(plan, group);
        return plan;
    }

    /** As flush, but a group of one is fused too (there is no original launch to fall back on). */
    private static void flushAll(Plan plan, List<Instr> group) {
        if (!group.isEmpty()) {
            plan.launches.add(null);
            plan.groups.add(new ArrayList<>(group));
            plan.instructions += group.size();
            plan.fusedGroups++;
        }
        group.clear();
    }

    /** Groups the launches; groups of one stay the original launch. */
    static Plan plan(List<Launch> program) {
        Plan plan = new Plan();
        List<Instr> group = new ArrayList<>();
        for (Launch l : program) {
            Instr in;
            try {
                in = instr(l);
            } catch (IllegalArgumentException negative) {
                in = null; // a negative stride or offset: not expressible in the program, run unfused
            }
            if (in == null || (!group.isEmpty() && (conflicts(group, in) || tooSparse(group, in)))) {
                flush(plan, group);
            }
            if (in == null) {
                plan.launches.add(l);
                plan.groups.add(null);
            } else {
                group.add(in);
            }
        }
        flush(plan, group);
        return plan;
    }

    private static void flush(Plan plan, List<Instr> group) {
        if (group.size() == 1) {
            plan.launches.add(group.get(0).launch);
            plan.groups.add(null);
        } else if (group.size() > 1) {
            plan.launches.add(null);
            plan.groups.add(new ArrayList<>(group));
            plan.instructions += group.size();
            plan.fusedGroups++;
        }
        group.clear();
    }

    /** Would adding {@code in} make the group's padded work (max n × count) exceed PAD_FACTOR × Σn + PAD_SLACK? */
    static boolean tooSparse(List<Instr> group, Instr in) {
        long max = in.n;
        long sum = in.n;
        for (Instr prev : group) {
            max = Math.max(max, prev.n);
            sum += prev.n;
        }
        return max * (group.size() + 1) > PAD_FACTOR * sum + PAD_SLACK;
    }

    /** Could running {@code in} after the group, in the same work-item, let items see each other's elements? */
    static boolean conflicts(List<Instr> group, Instr in) {
        for (Instr prev : group) {
            for (int[] r : in.reads) {
                // reading what an earlier instruction wrote: only at the same index
                if (overlap(r[0], r[1], prev.dst, prev.n) && !(r[2] == 1 && r[0] == prev.dst)) {
                    return true;
                }
            }
            for (int[] r : prev.reads) {
                // overwriting what an earlier instruction read: only at the same index
                if (overlap(r[0], r[1], in.dst, in.n) && !(r[2] == 1 && r[0] == in.dst)) {
                    return true;
                }
            }
            if (overlap(prev.dst, prev.n, in.dst, in.n) && prev.dst != in.dst) {
                return true;
            }
        }
        return false;
    }

    private static boolean overlap(int a, int an, int b, int bn) {
        return an > 0 && bn > 0 && a < b + bn && b < a + an;
    }

    /** The instruction for a fusable launch, or null. */
    static Instr instr(Launch l) {
        if (l.isHostStep()) {
            return null; // a barrier: host code between launches, never part of a group
        }
        int op = l.op();
        int n = l.get("n");
        if (n <= 0 || l.items != n) {
            return null;
        }
        if (op == EngineKernel.OP_MAP) {
            Instr in = new Instr(l, EngineKernel.FK_MAP, n, l.get("dst"));
            in.putInt(2, l.get("code"));
            in.putInt(4, l.get("srcA"));
            if (!in.putDouble(46, l.getDouble("p0")) || !in.putDouble(49, l.getDouble("p1"))) {
                return null;
            }
            in.reads.add(new int[] {l.get("srcA"), n, 1});
            if (l.get("code") == EngineKernel.MAP_AFFINE_AT) {
                in.putInt(6, l.get("srcB"));
                in.reads.add(new int[] {l.get("srcB"), 6, 0}); // every item reads the coefficients
            }
            return in;
        }
        if (op == EngineKernel.OP_COPY) {
            Instr in = new Instr(l, EngineKernel.FK_COPY, n, l.get("dst"));
            in.putInt(4, l.get("srcA"));
            in.reads.add(new int[] {l.get("srcA"), n, 1});
            return in;
        }
        if (op == EngineKernel.OP_FILL) {
            Instr in = new Instr(l, EngineKernel.FK_FILL, n, l.get("dst"));
            in.words[52] = l.getFloat("value");
            return in;
        }
        int[] sizes = strides(l, "sz");
        if (op == EngineKernel.OP_BINARY) {
            boolean same = contiguous(sizes, strides(l, "sa")) && contiguous(sizes, strides(l, "sb"));
            Instr in = new Instr(l, same ? EngineKernel.FK_BINARY_SAME : EngineKernel.FK_BINARY, n, l.get("dst"));
            in.putInt(2, l.get("code"));
            in.putInt(4, l.get("srcA"));
            in.putInt(6, l.get("srcB"));
            putSizesAndStrides(in, sizes, strides(l, "sa"), 22);
            putSizesAndStrides(in, sizes, strides(l, "sb"), 34);
            in.reads.add(read(l.get("srcA"), sizes, strides(l, "sa")));
            in.reads.add(read(l.get("srcB"), sizes, strides(l, "sb")));
            return in;
        }
        if (op == EngineKernel.OP_STRIDED_COPY && contiguous(sizes, strides(l, "so"))) {
            Instr in = new Instr(l, EngineKernel.FK_STRIDED_COPY, n, l.get("dst"));
            in.putInt(4, l.get("srcA"));
            putSizesAndStrides(in, sizes, strides(l, "sa"), 22);
            in.reads.add(read(l.get("srcA"), sizes, strides(l, "sa")));
            return in;
        }
        return null;
    }

    private static void putSizesAndStrides(Instr in, int[] sizes, int[] strides, int stridesAt) {
        for (int d = 0; d < 6; d++) {
            in.putInt(10 + 2 * d, sizes[d]);
            in.putInt(stridesAt + 2 * d, strides[d]);
        }
    }

    private static int[] strides(Launch l, String prefix) {
        int[] s = new int[6];
        for (int d = 0; d < 6; d++) {
            s[d] = l.get(prefix + d);
        }
        return s;
    }

    /** True when the strides walk the index space row-major and densely (size-1 dimensions ignored). */
    static boolean contiguous(int[] sizes, int[] strides) {
        long expected = 1;
        for (int d = sizes.length - 1; d >= 0; d--) {
            if (sizes[d] > 1 && strides[d] != expected) {
                return false;
            }
            expected *= sizes[d];
        }
        return true;
    }

    /** The range an operand reads: {base, extent, same-index flag}. */
    private static int[] read(int base, int[] sizes, int[] strides) {
        long extent = 1;
        for (int d = 0; d < sizes.length; d++) {
            extent += (long) (sizes[d] - 1) * strides[d];
        }
        return new int[] {base, (int) extent, contiguous(sizes, strides) ? 1 : 0};
    }
}
