package org.dspn4j.gpu;

import com.aparapi.Kernel;

/**
 * The one Aparapi kernel of the OpenCL engine: {@link #run()} dispatches on {@link #op} to one
 * method per op, and every op reads and writes the resident arena arrays at int addresses.
 *
 * <p>Why one kernel: two Aparapi kernels never share device buffers, so every tensor must live in
 * one array of one kernel (docs/gpu.md). Rules for the code in this class that runs on the device
 * (Aparapi translates it to OpenCL C, and anything it cannot translate silently runs on a Java
 * thread pool instead): no {@code break}, {@code switch}, recursion, lambdas, objects or
 * {@code new}; never write a scalar field; each op body in its own method (inline loops in a long
 * if/else chain crash Aparapi's decompiler); {@code static final int} constants only.
 *
 * <p>Next to the transfer and FILL methods sits a plain-Java reference ({@code static ...Reference}
 * over {@code float[]}), normative for those engine-internal ops: {@code EngineKernelTest} ties each
 * to it. The tensor ops (MATMUL, BINARY … MAXPOOL_INDICES) have {@code ReferenceBackend}'s op of the
 * same name as their definition: they compute what it computes (elementwise ops, sums and index ops in
 * double, rounded once to float; the matrix product as its fma chain), and {@code ClBackendOpsTest}
 * and {@code ClBackendReferenceProperties} tie each to it, bit for bit except where their Javadoc
 * states a bound.
 *
 * <p>Addresses: {@code (array << ClArena.ARRAY_SHIFT) | offset} into the arena arrays; comments write
 * {@code arena[x]} for the float at address x. A block never straddles arrays, so an op may add
 * offsets to a base address inside one tensor; its operands may lie in different arrays.
 *
 * <p>Index tensors are floats holding exact integers (below 2^24); index ops read them with
 * {@code (int)} after checking, and write them as floats.
 *
 * <p>Launch geometry (set by {@link ClEngine}): 1-D, global size a multiple of the local size
 * {@link #groupSize}; items past the end of the op's range do nothing.
 */
final class EngineKernel extends Kernel {

    // ---------------------------------------------------------------------------------------------
    // Op codes (the value of #op). Stable: docs/gpu.md lists them.

    static final int OP_COPY_IN = 1;
    static final int OP_COPY_OUT = 2;
    static final int OP_COPY_IN_SMALL = 3;
    static final int OP_COPY_OUT_SMALL = 4;
    static final int OP_COPY = 5;
    static final int OP_FILL = 6;
    // 7 - 10 (ADD, MUL, RELU, SUM) are retired: BINARY, MAP and SUM_DIMS compute them.
    static final int OP_MATMUL = 11;
    static final int OP_BINARY = 12;
    static final int OP_MAP = 13;
    static final int OP_STRIDED_COPY = 14;
    static final int OP_SUM_DIMS = 15;
    static final int OP_ARGMAX = 16;
    static final int OP_ARGSORT = 17;
    static final int OP_GATHER = 18;
    static final int OP_SCATTER_ADD = 19;
    static final int OP_CHAMFER_ARGMIN = 20;
    static final int OP_IM2COL = 21;
    static final int OP_COL2IM = 22;
    static final int OP_MAXPOOL_INDICES = 23;
    /**
     * FUSED: a chain of elementwise ops in one launch. Each work-item i &lt; n runs, in order, the
     * {@link #progCount} instructions stored in the arena at {@link #progOff} (one block of
     * {@link #PROG_STRIDE} floats each; layout in {@code Fusion}), exactly as the unfused ops would
     * compute element i. Built by a recorded task graph ({@code ClTaskGraph}), never by the tensor ops.
     */
    static final int OP_FUSED = 24;
    /**
     * ASSIGN: exact linear assignment of a batch of square cost matrices, one work-item per problem,
     * the procedure of {@code match.Hungarian} in double over arena scratch ({@link #assign()}).
     */
    static final int OP_ASSIGN = 25;
    /**
     * SUM_GROUPS: SUM_DIMS with one work-group per output, for reductions with few outputs and many
     * terms ({@link #sumGroups()}).
     */
    static final int OP_SUM_GROUPS = 26;

    /** Floats per instruction of a fused program (see {@code Fusion} for the layout). */
    static final int PROG_STRIDE = 64;
    /** Instruction kinds of a fused program (the unfused op codes they replace). */
    static final int FK_COPY = 5;
    static final int FK_FILL = 6;
    static final int FK_BINARY = 12;
    static final int FK_MAP = 13;
    static final int FK_STRIDED_COPY = 14;
    /** BINARY whose operands are both read at the work-item's own index (same shape, contiguous). */
    static final int FK_BINARY_SAME = 15;

    // Sub-codes of OP_BINARY (the value of #code): Backend.Binary's order.
    static final int BIN_ADD = 0;
    static final int BIN_SUB = 1;
    static final int BIN_MUL = 2;
    static final int BIN_DIV = 3;

    // Sub-codes of OP_MAP: 0..10 are Backend.Unary's order, then the parameterised maps.
    static final int MAP_NEG = 0;
    static final int MAP_EXP = 1;
    static final int MAP_LOG = 2;
    static final int MAP_SQRT = 3;
    static final int MAP_ABS = 4;
    static final int MAP_RELU = 5;
    static final int MAP_SIGMOID = 6;
    static final int MAP_TANH = 7;
    static final int MAP_SIGN = 8;
    static final int MAP_STEP = 9;
    static final int MAP_SMOOTH_L1 = 10;
    /** x * p0 + p1. */
    static final int MAP_AFFINE = 11;
    /** x^p0 (x * x when p0 = 2). */
    static final int MAP_POW = 12;
    /** Java's Math.min(Math.max(x, p0), p1). */
    static final int MAP_CLAMP = 13;
    /** 1 where p0 <= x <= p1, else 0. */
    static final int MAP_IN_RANGE = 14;
    /** Truncation toward zero (cast to an integer dtype); NaN gives 0. */
    static final int MAP_TRUNC = 15;
    /**
     * AFFINE whose scale and shift are read from the arena at srcB: two doubles, each as three floats
     * whose sum (hi + mid) + lo is exactly the double (the encoding of FUSED's double parameters), so
     * step-dependent scalars can be inputs of a recorded task graph. Computes exactly as MAP_AFFINE.
     */
    static final int MAP_AFFINE_AT = 16;

    /** Address (array 0) of the index-error flag GATHER and SCATTER_ADD set: ClEngine.INDEX_ERROR. */
    static final int INDEX_ERROR = 0;

    /** Largest local (work-group) size used. */
    static final int MAX_LOCAL = 256;

    /** Side of the square tile of C that one matmul work-item computes. */
    static final int TILE = 4;

    /** Address layout (see {@link ClArena}): array index in the bits from ARRAY_SHIFT up, offset below. */
    static final int ARRAY_SHIFT = ClArena.ARRAY_SHIFT;
    static final int OFFSET_MASK = ClArena.OFFSET_MASK;
    /**
     * Length of an arena array the engine does not use. Aparapi needs a non-null array for every
     * field the kernel references; one float costs nothing, and since no launch reads or writes it,
     * the garbage collector moving it (Aparapi then recreates its buffer from the host copy) is harmless.
     */
    static final int UNUSED_FLOATS = 1;

    // ---------------------------------------------------------------------------------------------
    // Buffers. Written by the host only through ClEngine (put/get); the kernel never replaces them.

    /**
     * Resident device memory, array 0: every tensor lives in one of the arena arrays {@link #arena},
     * {@link #arena1}, {@link #arena2}, {@link #arena3}, at an int address
     * {@code (array << ARRAY_SHIFT) | offset} ({@link ClArena}). Put once, at open. All device code
     * reads and writes them through {@link #ld} and {@link #st} only. (Separate fields, not a
     * {@code float[][]}: Aparapi re-uploads a {@code float[][]} at every launch.)
     */
    final float[] arena;
    /** SUM_GROUPS: the partial sums of one work-group (local memory; a launch uses groupSize of them). */
    @Local
    final double[] sumPartials = new double[MAX_LOCAL];
    /** Arena arrays 1..3: as large as array 0 when the engine uses them, else {@link #UNUSED_FLOATS} floats never read or written. */
    final float[] arena1;
    final float[] arena2;
    final float[] arena3;
    /**
     * Bulk staging for uploads/downloads; re-put before every upload (the collector may have moved it).
     * A download needs no put: the kernel writes the range that {@code get} reads back, into whatever
     * buffer Aparapi holds at that moment.
     */
    final float[] io;
    /** Small staging (transfers of at most its length), so that a scalar does not move megabytes. */
    final float[] ioSmall;

    // ---------------------------------------------------------------------------------------------
    // Launch arguments: set by the host before each execute, only read here.

    int op;
    /** Number of elements of the op's range (elementwise ops, copies, sum). */
    int n;
    /** Arena offset of the first input (or io offset for COPY_OUT's source: see each op). */
    int srcA;
    /** Arena offset of the second input. */
    int srcB;
    /** Arena offset of the output. */
    int dst;
    /** FILL's value. */
    float value;
    /** Matmul: C (rows, cols) = A (rows, inner) . B (inner, cols). */
    int rows;
    int inner;
    int cols;
    /** Matmul element strides: A(r, p) = arena[srcA + r*strideAr + p*strideAp], B(p, c) likewise. */
    int strideAr;
    int strideAp;
    int strideBp;
    int strideBc;
    /**
     * Local size of this launch (what ClEngine passed to Range.create); a power of two.
     * NOTE: field names become OpenCL identifiers: no OpenCL C keywords ({@code local}, {@code global}...).
     */
    int groupSize;
    /** Sub-code of OP_BINARY / OP_MAP. */
    int code;
    /** Double parameters of OP_MAP (scale/shift, exponent, bounds). */
    double p0;
    double p1;
    /**
     * Index space of the strided ops ({@link Geometry}): sizes sz0..sz5 (sz0 outermost), and the
     * strides of operand A (sa), operand B (sb) and the output (so). OP_SUM_DIMS walks its reduced
     * dimensions over rz0..rz5 with strides sb.
     */
    int sz0, sz1, sz2, sz3, sz4, sz5;
    int sa0, sa1, sa2, sa3, sa4, sa5;
    int sb0, sb1, sb2, sb3, sb4, sb5;
    int so0, so1, so2, so3, so4, so5;
    int rz0, rz1, rz2, rz3, rz4, rz5;
    /** Index ops along one dimension of a (outer, dimLen, dimStride) layout. */
    int dimLen;
    int dimStride;
    /** SCATTER_ADD: size of the index along the scattered dimension; third input (src). */
    int jLen;
    int srcC;
    /** CHAMFER_ARGMIN: channels C. */
    int chans;
    /** Image ops: input (chans, imgH, imgW) planes, kernel kerH x kerW, stride, padding, output outH x outW. */
    int imgH;
    int imgW;
    int kerH;
    int kerW;
    int convStride;
    int convPad;
    int outH;
    int outW;
    /** GATHER's value for an index out of range (NaN; a field because Aparapi cannot emit a NaN literal). */
    float nanValue;
    /** FUSED: arena offset and instruction count of the per-element program. */
    int progOff;
    int progCount;

    EngineKernel(int arenaFloats, int ioFloats, int ioSmallFloats) {
        this(new int[] {arenaFloats}, ioFloats, ioSmallFloats);
    }

    /** Arena arrays of the given lengths (1 to {@link ClArena#MAX_ARRAYS}); the others get {@link #UNUSED_FLOATS}. */
    EngineKernel(int[] arrayFloats, int ioFloats, int ioSmallFloats) {
        if (arrayFloats.length < 1 || arrayFloats.length > ClArena.MAX_ARRAYS) {
            throw new IllegalArgumentException("1 to " + ClArena.MAX_ARRAYS + " arena arrays, not " + arrayFloats.length);
        }
        this.arena = new float[arrayFloats[0]];
        this.arena1 = new float[arrayFloats.length > 1 ? arrayFloats[1] : UNUSED_FLOATS];
        this.arena2 = new float[arrayFloats.length > 2 ? arrayFloats[2] : UNUSED_FLOATS];
        this.arena3 = new float[arrayFloats.length > 3 ? arrayFloats[3] : UNUSED_FLOATS];
        this.io = new float[ioFloats];
        this.ioSmall = new float[ioSmallFloats];
    }

    @Override
    public void run() {
        if (op == OP_COPY_IN) {
            copyIn();
        } else if (op == OP_COPY_OUT) {
            copyOut();
        } else if (op == OP_COPY_IN_SMALL) {
            copyInSmall();
        } else if (op == OP_COPY_OUT_SMALL) {
            copyOutSmall();
        } else if (op == OP_COPY) {
            copy();
        } else if (op == OP_FILL) {
            fill();
        } else if (op == OP_MATMUL) {
            matmul();
        } else if (op == OP_BINARY) {
            binary();
        } else if (op == OP_MAP) {
            map();
        } else if (op == OP_STRIDED_COPY) {
            stridedCopy();
        } else if (op == OP_SUM_DIMS) {
            sumDims();
        } else if (op == OP_ARGMAX) {
            argmax();
        } else if (op == OP_ARGSORT) {
            argsort();
        } else if (op == OP_GATHER) {
            gather();
        } else if (op == OP_SCATTER_ADD) {
            scatterAdd();
        } else if (op == OP_CHAMFER_ARGMIN) {
            chamferArgmin();
        } else if (op == OP_IM2COL) {
            im2col();
        } else if (op == OP_COL2IM) {
            col2im();
        } else if (op == OP_MAXPOOL_INDICES) {
            maxPoolIndices();
        } else if (op == OP_FUSED) {
            fused();
        } else if (op == OP_ASSIGN) {
            assign();
        } else if (op == OP_SUM_GROUPS) {
            sumGroups();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Arena access. Every read and write of the arena arrays goes through these two: the array is
    // chosen by the address's high bits with an if-chain (no switch in kernels), uniform within most
    // launches. A block never straddles arrays, so base + i arithmetic inside a tensor stays valid.

    /** The arena float at an address. */
    private float ld(int addr) {
        return ldIn(addr >> ARRAY_SHIFT, addr);
    }

    /**
     * The arena float at an address known to lie in array {@code a}. Ops pass {@code a} computed
     * from a launch argument (e.g. {@code srcA >> ARRAY_SHIFT}), so the branch is visibly uniform
     * across work-items and the device compiler can hoist it out of its work-item loops.
     */
    private float ldIn(int a, int addr) {
        int o = addr & OFFSET_MASK;
        float v = 0f;
        if (a == 0) {
            v = arena[o];
        } else if (a == 1) {
            v = arena1[o];
        } else if (a == 2) {
            v = arena2[o];
        } else {
            v = arena3[o];
        }
        return v;
    }

    // Loads and stores of an op's operands: every address an op derives from srcA (srcB, srcC, dst)
    // lies in that operand's block, hence in its array, which these select from the launch argument:
    // the same for every work-item, visibly so to the device compiler.

    private float ldA(int addr) {
        return ldIn(srcA >> ARRAY_SHIFT, addr);
    }

    private float ldB(int addr) {
        return ldIn(srcB >> ARRAY_SHIFT, addr);
    }

    private float ldC(int addr) {
        return ldIn(srcC >> ARRAY_SHIFT, addr);
    }

    private void stD(int addr, float v) {
        stIn(dst >> ARRAY_SHIFT, addr, v);
    }

    private void stB(int addr, float v) {
        stIn(srcB >> ARRAY_SHIFT, addr, v);
    }

    private void stC(int addr, float v) {
        stIn(srcC >> ARRAY_SHIFT, addr, v);
    }

    /** Stores v at an arena address. */
    private void st(int addr, float v) {
        stIn(addr >> ARRAY_SHIFT, addr, v);
    }

    /** Stores v at an address known to lie in array {@code a} (see {@link #ldIn}). */
    private void stIn(int a, int addr, float v) {
        int o = addr & OFFSET_MASK;
        if (a == 0) {
            arena[o] = v;
        } else if (a == 1) {
            arena1[o] = v;
        } else if (a == 2) {
            arena2[o] = v;
        } else {
            arena3[o] = v;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Transfers. COPY_IN: arena[dst + i] = io[i]; COPY_OUT: io[i] = arena[srcA + i], i < n.
    // The plain-Java reference of all four and of COPY is copyReference.

    private void copyIn() {
        int i = getGlobalId();
        if (i < n) {
            stD(dst + i, io[i]);
        }
    }

    private void copyOut() {
        int i = getGlobalId();
        if (i < n) {
            io[i] = ldA(srcA + i);
        }
    }

    private void copyInSmall() {
        int i = getGlobalId();
        if (i < n) {
            stD(dst + i, ioSmall[i]);
        }
    }

    private void copyOutSmall() {
        int i = getGlobalId();
        if (i < n) {
            ioSmall[i] = ldA(srcA + i);
        }
    }

    /** COPY: arena[dst + i] = arena[srcA + i], i < n (ranges identical or disjoint). */
    private void copy() {
        int i = getGlobalId();
        if (i < n) {
            stD(dst + i, ldA(srcA + i));
        }
    }

    /** Reference of every copy op: {@code y[yo + i] = x[xo + i]} for i < n. y modified. */
    static void copyReference(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) {
            y[yo + i] = x[xo + i];
        }
    }

    // ---------------------------------------------------------------------------------------------
    // FILL: arena[dst + i] = value, i < n.

    private void fill() {
        int i = getGlobalId();
        if (i < n) {
            stD(dst + i, value);
        }
    }

    /** Reference of FILL. y modified. */
    static void fillReference(float[] y, int yo, int n, float value) {
        for (int i = 0; i < n; i++) {
            y[yo + i] = value;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // MATMUL, batched: for each batch index b over sizes sz (broadcast batch strides sa for A, sb for
    // B), C_b (rows, cols) = A_b (rows, inner) . B_b (inner, cols), C_b row-major contiguous at
    // dst + b*rows*cols, A and B addressed through strides (so A or B may be read transposed). n =
    // batches * tiles work-items; each owns a 4x4 tile of one C_b in 16 registers: tile t -> tile
    // row t / tilesC, tile column t % tilesC.
    // Each C element is the fma chain acc = fma(A(r,p), B(p,c), acc), p = 0..inner-1, from 0f:
    // bit-identical to ReferenceBackend.matmul in F32 (OpenCL's fma is correctly rounded, like Math.fma).
    // Rows/columns past the edge are clamped on load and skipped on store.

    private void matmul() {
        int tilesC = (cols + TILE - 1) / TILE;
        int tiles = tilesC * ((rows + TILE - 1) / TILE);
        int g = getGlobalId();
        if (g < n) {
            int batch = g / tiles;
            int t = g % tiles;
            int aBase = srcA + offsetOf(batch, sa0, sa1, sa2, sa3, sa4, sa5);
            int bBase = srcB + offsetOf(batch, sb0, sb1, sb2, sb3, sb4, sb5);
            int cBase = dst + batch * rows * cols;
            int r0 = (t / tilesC) * TILE;
            int c0 = (t % tilesC) * TILE;
            int lastR = rows - 1;
            int lastC = cols - 1;
            int ra0 = aBase + min(r0, lastR) * strideAr;
            int ra1 = aBase + min(r0 + 1, lastR) * strideAr;
            int ra2 = aBase + min(r0 + 2, lastR) * strideAr;
            int ra3 = aBase + min(r0 + 3, lastR) * strideAr;
            int cb0 = bBase + min(c0, lastC) * strideBc;
            int cb1 = bBase + min(c0 + 1, lastC) * strideBc;
            int cb2 = bBase + min(c0 + 2, lastC) * strideBc;
            int cb3 = bBase + min(c0 + 3, lastC) * strideBc;
            float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f;
            float c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f;
            float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f;
            float c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f;
            for (int p = 0; p < inner; p++) {
                int pa = p * strideAp;
                int pb = p * strideBp;
                float a0 = ldA(ra0 + pa);
                float a1 = ldA(ra1 + pa);
                float a2 = ldA(ra2 + pa);
                float a3 = ldA(ra3 + pa);
                float b0 = ldB(cb0 + pb);
                float b1 = ldB(cb1 + pb);
                float b2 = ldB(cb2 + pb);
                float b3 = ldB(cb3 + pb);
                c00 = fma(a0, b0, c00);
                c01 = fma(a0, b1, c01);
                c02 = fma(a0, b2, c02);
                c03 = fma(a0, b3, c03);
                c10 = fma(a1, b0, c10);
                c11 = fma(a1, b1, c11);
                c12 = fma(a1, b2, c12);
                c13 = fma(a1, b3, c13);
                c20 = fma(a2, b0, c20);
                c21 = fma(a2, b1, c21);
                c22 = fma(a2, b2, c22);
                c23 = fma(a2, b3, c23);
                c30 = fma(a3, b0, c30);
                c31 = fma(a3, b1, c31);
                c32 = fma(a3, b2, c32);
                c33 = fma(a3, b3, c33);
            }
            storeRow(cBase, r0, c0, c00, c01, c02, c03);
            storeRow(cBase, r0 + 1, c0, c10, c11, c12, c13);
            storeRow(cBase, r0 + 2, c0, c20, c21, c22, c23);
            storeRow(cBase, r0 + 3, c0, c30, c31, c32, c33);
        }
    }

    /** Stores the in-range part of one tile row of C. */
    private void storeRow(int cBase, int r, int c0, float v0, float v1, float v2, float v3) {
        if (r < rows) {
            int o = cBase + r * cols + c0;
            if (c0 < cols) {
                stD(o, v0);
            }
            if (c0 + 1 < cols) {
                stD(o + 1, v1);
            }
            if (c0 + 2 < cols) {
                stD(o + 2, v2);
            }
            if (c0 + 3 < cols) {
                stD(o + 3, v3);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Index decomposition shared by the strided ops: flat index i over sizes sz0..sz5 (row-major,
    // sz5 innermost) -> sum of i_d * t_d. Plain-Java twin: Geometry.offsetOf.

    private int offsetOf(int i, int t0, int t1, int t2, int t3, int t4, int t5) {
        int r = i;
        int off = (r % sz5) * t5;
        r = r / sz5;
        off = off + (r % sz4) * t4;
        r = r / sz4;
        off = off + (r % sz3) * t3;
        r = r / sz3;
        off = off + (r % sz2) * t2;
        r = r / sz2;
        off = off + (r % sz1) * t1;
        r = r / sz1;
        return off + r * t0;
    }

    /** The same over the reduced sizes rz0..rz5 of OP_SUM_DIMS. */
    private int offsetOfReduced(int i, int t0, int t1, int t2, int t3, int t4, int t5) {
        int r = i;
        int off = (r % rz5) * t5;
        r = r / rz5;
        off = off + (r % rz4) * t4;
        r = r / rz4;
        off = off + (r % rz3) * t3;
        r = r / rz3;
        off = off + (r % rz2) * t2;
        r = r / rz2;
        off = off + (r % rz1) * t1;
        r = r / rz1;
        return off + r * t0;
    }

    // ---------------------------------------------------------------------------------------------
    // BINARY with numpy broadcasting: out[dst + i] = A[srcA + off_a(i)] (op) B[srcB + off_b(i)], i < n,
    // out contiguous. Computed in double and rounded once to float: for + - * / of floats this is
    // the correctly rounded float result (double has more than 2·24 + 2 bits), exactly what
    // ReferenceBackend stores for F32. Definition: ReferenceBackend.binary.

    private void binary() {
        int i = getGlobalId();
        if (i < n) {
            double x = ldA(srcA + offsetOf(i, sa0, sa1, sa2, sa3, sa4, sa5));
            double y = ldB(srcB + offsetOf(i, sb0, sb1, sb2, sb3, sb4, sb5));
            stD(dst + i, (float) binaryOf(x, y, code));
        }
    }

    /** x (op c) y in double: c is BIN_ADD, BIN_SUB, BIN_MUL or BIN_DIV. Shared by BINARY and FUSED. */
    private double binaryOf(double x, double y, int c) {
        double r = 0.0;
        if (c == BIN_ADD) {
            r = x + y;
        } else if (c == BIN_SUB) {
            r = x - y;
        } else if (c == BIN_MUL) {
            r = x * y;
        } else {
            r = x / y;
        }
        return r;
    }

    // ---------------------------------------------------------------------------------------------
    // MAP: out[dst + i] = f(arena[srcA + i]), i < n, contiguous; f chosen by #code, computed in
    // double (Aparapi's double exp/log/tanh/pow are OpenCL's double builtins) and rounded once to
    // float. Definition: ReferenceBackend.unary / affine / pow / clamp / inRange / cast.

    private void map() {
        int i = getGlobalId();
        if (i < n) {
            stD(dst + i, (float) mapAt(ldA(srcA + i), code, p0, p1, srcB));
        }
    }

    /** mapValue, with MAP_AFFINE_AT's scale and shift decoded from the arena at {@code coef}. */
    private double mapAt(double v, int c, double q0, double q1, int coef) {
        double r = 0.0;
        if (c == MAP_AFFINE_AT) {
            r = mapValue(v, MAP_AFFINE, tripleAt(coef), tripleAt(coef + 3));
        } else {
            r = mapValue(v, c, q0, q1);
        }
        return r;
    }

    /** f(v) for the MAP sub-code c with parameters q0, q1 (p0, p1 of MAP). Shared by MAP and FUSED. */
    private double mapValue(double v, int c, double q0, double q1) {
        double r = 0.0;
        if (c == MAP_NEG) {
            r = -v;
        } else if (c == MAP_EXP) {
            r = exp(v);
        } else if (c == MAP_LOG) {
            r = log(v);
        } else if (c == MAP_SQRT) {
            r = sqrt(v);
        } else if (c == MAP_ABS) {
            r = abs(v);
        } else if (c == MAP_RELU) {
            r = v > 0.0 ? v : 0.0;
        } else if (c == MAP_SIGMOID) {
            r = sigmoid(v);
        } else if (c == MAP_TANH) {
            r = tanh(v);
        } else if (c == MAP_SIGN) {
            r = sign(v);
        } else if (c == MAP_STEP) {
            r = v > 0.0 ? 1.0 : 0.0;
        } else if (c == MAP_SMOOTH_L1) {
            r = smoothL1(v);
        } else if (c == MAP_AFFINE) {
            r = v * q0 + q1;
        } else if (c == MAP_POW) {
            r = q0 == 2.0 ? v * v : pow(v, q0);
        } else if (c == MAP_CLAMP) {
            r = javaMin(javaMax(v, q0), q1);
        } else if (c == MAP_IN_RANGE) {
            r = v >= q0 && v <= q1 ? 1.0 : 0.0;
        } else if (c == MAP_TRUNC) {
            r = trunc(v);
        }
        return r;
    }

    /** Logistic function, split at 0 so that exp never overflows (as ReferenceBackend). */
    private double sigmoid(double v) {
        double r = 0.0;
        if (v >= 0.0) {
            r = 1.0 / (1.0 + exp(-v));
        } else {
            double e = exp(v);
            r = e / (1.0 + e);
        }
        return r;
    }

    /** Math.signum: -1, +1, and ±0 and NaN unchanged. */
    private double sign(double v) {
        double r = v;
        if (v > 0.0) {
            r = 1.0;
        } else if (v < 0.0) {
            r = -1.0;
        }
        return r;
    }

    /** Huber with beta = 1: r²/2 for |r| < 1, else |r| - 1/2. */
    private double smoothL1(double v) {
        double a = abs(v);
        double r = a - 0.5;
        if (a < 1.0) {
            r = 0.5 * v * v;
        }
        return r;
    }

    /** Toward zero, NaN -> 0, as Java's (long) cast (values beyond 2^24 are not exact in float anyway). */
    private double trunc(double v) {
        double r = 0.0;
        if (v > 0.0) {
            r = floor(v);
        } else if (v < 0.0) {
            r = 0.0 - floor(-v);  // not ceil(v): that gives -0.0 for -1 < v < 0, Java's cast gives 0
        }
        return r;
    }

    /** java.lang.Math.max, NaN and signed zeros included (OpenCL's fmax differs on both). */
    private double javaMax(double a, double b) {
        double r = b;
        if (a != a) {
            r = a;
        } else if (a == 0.0 && b == 0.0 && 1.0 / a < 0.0) {
            r = b;
        } else if (a >= b) {
            r = a;
        }
        return r;
    }

    /** java.lang.Math.min, NaN and signed zeros included. */
    private double javaMin(double a, double b) {
        double r = b;
        if (a != a) {
            r = a;
        } else if (a == 0.0 && b == 0.0 && 1.0 / b < 0.0) {
            r = b;
        } else if (a <= b) {
            r = a;
        }
        return r;
    }

    // ---------------------------------------------------------------------------------------------
    // FUSED: work-item i < n runs progCount instructions in order. Instruction k occupies
    // arena[progOff + k·PROG_STRIDE ...]: ints are stored as two floats (v >> 12, v & 4095), both
    // exact for every non-negative int (the high part is below 2^19), so addresses in any arena array
    // round-trip; doubles as three floats whose sum (hi + mid) + lo is exactly the double (checked by
    // the encoder). Each instruction computes element i of the op it replaces with the same
    // arithmetic (binaryOf, mapValue, offsetIn), so results equal the unfused ops bit for bit.
    // Layout (float index: field): 0 kind, 2 code, 4 srcA, 6 srcB, 8 dst, 10..20 sizes z0..z5,
    // 22..32 A strides, 34..44 B strides, 46 p0 (3 floats), 49 p1 (3 floats), 52 FILL value,
    // 54 the instruction's element count n_k (items i >= n_k skip it; the launch covers the largest).

    private void fused() {
        int i = getGlobalId();
        if (i < n) {
            for (int k = 0; k < progCount; k++) {
                fusedStep(i, progOff + k * PROG_STRIDE);
            }
        }
    }

    // The program lies in one arena array (a block never spans two), the one progOff names: it is read
    // through ldIn with that array index, the same for every work-item.

    private int progInt(int at) {
        int a = progOff >> ARRAY_SHIFT;
        return (int) ldIn(a, at) * 4096 + (int) ldIn(a, at + 1);
    }

    private double progDouble(int at) {
        return tripleIn(progOff >> ARRAY_SHIFT, at);
    }

    /** A double stored as three floats (hi, mid, lo) at any arena address (MAP_AFFINE_AT's coefficients). */
    private double tripleAt(int at) {
        return tripleIn(at >> ARRAY_SHIFT, at);
    }

    /** The double stored as three floats hi, mid, lo at {@code at} in arena array {@code a}: (hi + mid) + lo. */
    private double tripleIn(int a, int at) {
        double hi = ldIn(a, at);
        double mid = ldIn(a, at + 1);
        double lo = ldIn(a, at + 2);
        return (hi + mid) + lo;
    }

    private void fusedStep(int i, int at) {
        int kind = progInt(at);
        int out = progInt(at + 8);
        if (i >= progInt(at + 54)) {
            kind = 0; // this instruction covers fewer elements than the launch
        }
        if (kind == FK_MAP) {
            st(out + i, (float) mapAt(ld(progInt(at + 4) + i), progInt(at + 2), progDouble(at + 46),
                    progDouble(at + 49), progInt(at + 6)));
        } else if (kind == FK_BINARY_SAME) {
            st(out + i, (float) binaryOf(ld(progInt(at + 4) + i), ld(progInt(at + 6) + i), progInt(at + 2)));
        } else if (kind == FK_BINARY) {
            fusedBinary(i, at, out);
        } else if (kind == FK_STRIDED_COPY) {
            fusedStridedCopy(i, at, out);
        } else if (kind == FK_COPY) {
            st(out + i, ld(progInt(at + 4) + i));
        } else if (kind == FK_FILL) {
            st(out + i, ld(at + 52));
        }
    }

    private void fusedBinary(int i, int at, int out) {
        int z0 = progInt(at + 10);
        int z1 = progInt(at + 12);
        int z2 = progInt(at + 14);
        int z3 = progInt(at + 16);
        int z4 = progInt(at + 18);
        int z5 = progInt(at + 20);
        int oa = offsetIn(i, z0, z1, z2, z3, z4, z5, progInt(at + 22), progInt(at + 24), progInt(at + 26),
                progInt(at + 28), progInt(at + 30), progInt(at + 32));
        int ob = offsetIn(i, z0, z1, z2, z3, z4, z5, progInt(at + 34), progInt(at + 36), progInt(at + 38),
                progInt(at + 40), progInt(at + 42), progInt(at + 44));
        double x = ld(progInt(at + 4) + oa);
        double y = ld(progInt(at + 6) + ob);
        st(out + i, (float) binaryOf(x, y, progInt(at + 2)));
    }

    private void fusedStridedCopy(int i, int at, int out) {
        int oa = offsetIn(i, progInt(at + 10), progInt(at + 12), progInt(at + 14), progInt(at + 16),
                progInt(at + 18), progInt(at + 20), progInt(at + 22), progInt(at + 24), progInt(at + 26),
                progInt(at + 28), progInt(at + 30), progInt(at + 32));
        st(out + i, ld(progInt(at + 4) + oa));
    }

    /** offsetOf with explicit sizes (z0 outermost): the same arithmetic, for FUSED instructions. */
    private int offsetIn(int i, int z0, int z1, int z2, int z3, int z4, int z5, int t0, int t1, int t2, int t3,
                         int t4, int t5) {
        int r = i;
        int off = (r % z5) * t5;
        r = r / z5;
        off = off + (r % z4) * t4;
        r = r / z4;
        off = off + (r % z3) * t3;
        r = r / z3;
        off = off + (r % z2) * t2;
        r = r / z2;
        off = off + (r % z1) * t1;
        r = r / z1;
        return off + r * t0;
    }

    // ---------------------------------------------------------------------------------------------
    // STRIDED_COPY: arena[dst + off_o(i)] = arena[srcA + off_a(i)], i < n. Covers permute, expand,
    // slice, and (with output strides of the larger tensor) concat and padSlice. Exact.

    private void stridedCopy() {
        int i = getGlobalId();
        if (i < n) {
            stD(dst + offsetOf(i, so0, so1, so2, so3, so4, so5), ldA(srcA + offsetOf(i, sa0, sa1, sa2, sa3, sa4, sa5)));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // SUM_DIMS: one work-item per output o < n (outputs contiguous, kept dimensions sz/sa): the
    // double sum, from 0 and in row-major order of the reduced dimensions (rz/sb), of
    // arena[srcA + off_a(o) + off_r(r)], r < inner, rounded once to float. ReferenceBackend.sum adds
    // in runs of four chains instead; in double both are within n·2^-53·Σ|x| of the exact sum, so
    // F32 results agree to a float ulp plus that (and are mostly the same bits).

    private void sumDims() {
        int o = getGlobalId();
        if (o < n) {
            int base = srcA + offsetOf(o, sa0, sa1, sa2, sa3, sa4, sa5);
            double acc = 0.0;
            for (int r = 0; r < inner; r++) {
                acc = acc + ldA(base + offsetOfReduced(r, sb0, sb1, sb2, sb3, sb4, sb5));
            }
            stD(dst + o, (float) acc);
        }
    }

    // SUM_GROUPS: the sum of SUM_DIMS, one work-group of groupSize items per output o = the group's
    // id (the launch has n·groupSize items): item l adds, in double from 0, the terms of the reduced
    // indices r = l, l + groupSize, l + 2·groupSize, … < inner (neighbouring items read neighbouring
    // terms); then item 0 adds the groupSize partial sums in order of l and rounds once to float. A
    // fixed order: the same bits on every run; like SUM_DIMS's, within inner·2^-53·Σ|x| of the exact
    // sum before the rounding. SUM_DIMS gives one item all of an output's terms, which leaves a GPU
    // idle when the outputs are few (a bias gradient: hundreds of outputs of 10^4 terms).

    private void sumGroups() {
        int o = getGroupId();
        int l = getLocalId();
        int base = srcA + offsetOf(o, sa0, sa1, sa2, sa3, sa4, sa5);
        double acc = 0.0;
        for (int r = l; r < inner; r += groupSize) {
            acc = acc + ldA(base + offsetOfReduced(r, sb0, sb1, sb2, sb3, sb4, sb5));
        }
        sumPartials[l] = acc;
        localBarrier();
        if (l == 0) {
            double total = 0.0;
            for (int i = 0; i < groupSize; i++) {
                total = total + sumPartials[i];
            }
            stD(dst + o, (float) total);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Index ops. Index tensors are floats holding exact integers (< 2^24); see ClBackend. Layout
    // along the op's dimension: element (o, j, in) at o*dimLen*dimStride + j*dimStride + in.

    /**
     * ARGMAX: one item per (o, in), t < n: the first j maximising arena[srcA + (o, j, in)], where a
     * NaN beats every number (as ReferenceBackend.argmax). Writes the index as a float at dst + t.
     */
    private void argmax() {
        int t = getGlobalId();
        if (t < n) {
            int o = t / dimStride;
            int in = t % dimStride;
            int base = srcA + o * dimLen * dimStride + in;
            int best = 0;
            float bv = ldA(base);
            for (int j = 1; j < dimLen; j++) {
                float v = ldA(base + j * dimStride);
                if (v > bv || (v != v && bv == bv)) {
                    bv = v;
                    best = j;
                }
            }
            stD(dst + t, best);
        }
    }

    /**
     * ARGSORT, stable, by rank counting: one item per element (o, j, in), t < n. Its sorted position
     * is the number of elements of its row that come before it, i.e. compare earlier (descending
     * when code = 1: later), or compare equal and sit at a smaller index; the item writes j there.
     * O(len²) per row, fine for set sizes (N ≤ 342). The order is Double.compare's (−0 before +0,
     * NaN after everything), so the permutation equals ReferenceBackend's stable sort exactly.
     */
    private void argsort() {
        int t = getGlobalId();
        if (t < n) {
            int in = t % dimStride;
            int j = (t / dimStride) % dimLen;
            int rowBase = (t / (dimStride * dimLen)) * dimLen * dimStride + in;
            float xj = ldA(srcA + rowBase + j * dimStride);
            int rank = 0;
            for (int i = 0; i < dimLen; i++) {
                int c = compareJava(ldA(srcA + rowBase + i * dimStride), xj);
                if (code == 1) {
                    c = -c;
                }
                if (c < 0 || (c == 0 && i < j)) {
                    rank++;
                }
            }
            stD(dst + rowBase + rank * dimStride, j);
        }
    }

    /** Double.compare on floats: -1, 0 or 1, with −0 &lt; +0 and NaN greater than everything, NaN = NaN. */
    private int compareJava(float a, float b) {
        int r = 0;
        if (a < b) {
            r = -1;
        } else if (a > b) {
            r = 1;
        } else if (a != a) {
            r = b != b ? 0 : 1;
        } else if (b != b) {
            r = -1;
        } else if (a == 0f) {
            // equal zeros: only the signs can differ (1/−0 = −inf)
            float sa = 1f / a;
            float sb = 1f / b;
            if (sa < sb) {
                r = -1;
            } else if (sa > sb) {
                r = 1;
            }
        }
        return r;
    }

    /**
     * GATHER: out[dst + i] = A[srcA + off_a(i) + idx*dimStride] with idx = arena[srcB + i], i &lt; n
     * over the index's shape (sz; sa = the data's strides with the gathered dimension zeroed,
     * dimStride its stride, dimLen its size). An index that is not an integer in [0, dimLen) gives
     * NaN and sets the index-error flag arena[INDEX_ERROR] (array 0) to 1: a kernel cannot throw,
     * the host reads the flag later (ClEngine.takeIndexError).
     */
    private void gather() {
        int i = getGlobalId();
        if (i < n) {
            float fv = ldB(srcB + i);
            float r = nanValue;
            if (fv >= 0f && fv < dimLen && fv == floor(fv)) {
                r = ldA(srcA + offsetOf(i, sa0, sa1, sa2, sa3, sa4, sa5) + ((int) fv) * dimStride);
            } else {
                arena[INDEX_ERROR] = 1f;
            }
            stD(dst + i, r);
        }
    }

    /**
     * SCATTER_ADD, deterministic without atomics: one item per output element (o, m, in), t &lt; n,
     * of the (outer, dimLen, dimStride) base at srcA. It starts from the base value (in double) and
     * adds, in increasing j &lt; jLen, src[(o, j, in)] wherever index[(o, j, in)] == m (index at srcB
     * and src at srcC, both (outer, jLen, dimStride) contiguous), then rounds once: the same order
     * and precision as ReferenceBackend.scatterAdd. NaN indices (ClBackend's padding) never match;
     * any other index outside [0, dimLen) never matches and sets the index-error flag, as GATHER.
     */
    private void scatterAdd() {
        int t = getGlobalId();
        if (t < n) {
            int in = t % dimStride;
            int m = (t / dimStride) % dimLen;
            int row = (t / (dimStride * dimLen)) * jLen * dimStride + in;
            double acc = ldA(srcA + t);
            for (int j = 0; j < jLen; j++) {
                int p = row + j * dimStride;
                float fv = ldB(srcB + p);
                if (fv == m) {
                    acc = acc + ldC(srcC + p);
                } else if (fv == fv && !(fv >= 0f && fv < dimLen && fv == floor(fv))) {
                    arena[INDEX_ERROR] = 1f;
                }
            }
            stD(dst + t, (float) acc);
        }
    }

    /**
     * CHAMFER_ARGMIN: pred (lead, C, N) at srcA, target at srcB + off_b(lead index) (broadcast lead
     * strides sb over sizes sz), out (lead, 2, N) at dst. One item per output, t &lt; n = lead*2*N:
     * row 0, column q: argmin over i of d(i, q); row 1: argmin over j of d(q, j), with
     * d(i, j) = (Σ_c Huber(pred[c, i] − target[c, j])) · p1 (p1 = 1/C) in double, strict
     * "&lt;" from p0 = +inf so the first minimum wins and NaN never does: ReferenceBackend's rule.
     */
    private void chamferArgmin() {
        int t = getGlobalId();
        if (t < n) {
            int q = t % dimLen;
            int row = (t / dimLen) % 2;
            int s = t / (2 * dimLen);
            int po = srcA + s * chans * dimLen;
            int yo = srcB + offsetOf(s, sb0, sb1, sb2, sb3, sb4, sb5);
            int bestIdx = 0;
            double best = p0;
            for (int p = 0; p < dimLen; p++) {
                int i = p;
                int j = q;
                if (row == 1) {
                    i = q;
                    j = p;
                }
                double sum = 0.0;
                for (int c = 0; c < chans; c++) {
                    double v = (double) ldA(po + c * dimLen + i) - (double) ldB(yo + c * dimLen + j);
                    sum = sum + smoothL1(v);
                }
                double d = sum * p1;
                if (d < best) {
                    best = d;
                    bestIdx = p;
                }
            }
            stD(dst + t, bestIdx);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Images: x (B, C, H, W) at srcA; kk = C·kerH·kerW rows (c, ky, kx); P = outH·outW positions.

    /**
     * IM2COL: one item per element t &lt; n of cols (B, kk, P) at dst: the input pixel under kernel
     * tap (c, ky, kx) at output position (oy, ox), iy = oy·stride + ky − pad (likewise ix), or 0
     * outside the image (zero padding). Exact; conv2d is then a batched matmul with the weight.
     */
    private void im2col() {
        int t = getGlobalId();
        if (t < n) {
            int positions = outH * outW;
            int rowsPerImage = chans * kerH * kerW;
            int p = t % positions;
            int row = (t / positions) % rowsPerImage;
            int b = t / (positions * rowsPerImage);
            int kx = row % kerW;
            int ky = (row / kerW) % kerH;
            int c = row / (kerW * kerH);
            int iy = (p / outW) * convStride + ky - convPad;
            int ix = (p % outW) * convStride + kx - convPad;
            float v = 0f;
            if (iy >= 0 && iy < imgH && ix >= 0 && ix < imgW) {
                v = ldA(srcA + ((b * chans + c) * imgH + iy) * imgW + ix);
            }
            stD(dst + t, v);
        }
    }

    /**
     * COL2IM, the adjoint of IM2COL without atomics: one item per input pixel t &lt; n of
     * (B, C, H, W) at dst sums, in double and in (ky, kx) order, the entries of cols (B, kk, P) at
     * srcA that IM2COL copied from it; rounds once. The CPU's col2im adds in the same order.
     */
    private void col2im() {
        int t = getGlobalId();
        if (t < n) {
            int ix = t % imgW;
            int iy = (t / imgW) % imgH;
            int c = (t / (imgW * imgH)) % chans;
            int b = t / (imgW * imgH * chans);
            int positions = outH * outW;
            int rowsPerImage = chans * kerH * kerW;
            double acc = 0.0;
            for (int ky = 0; ky < kerH; ky++) {
                for (int kx = 0; kx < kerW; kx++) {
                    int ny = iy + convPad - ky;
                    int nx = ix + convPad - kx;
                    if (ny >= 0 && nx >= 0 && ny % convStride == 0 && nx % convStride == 0
                            && ny / convStride < outH && nx / convStride < outW) {
                        int row = (c * kerH + ky) * kerW + kx;
                        acc = acc + ldA(srcA + (b * rowsPerImage + row) * positions + (ny / convStride) * outW
                                + nx / convStride);
                    }
                }
            }
            stD(dst + t, (float) acc);
        }
    }

    /**
     * MAXPOOL_INDICES: one item per output t &lt; n of (planes, outH, outW): the index iy·W + ix in
     * its (H, W) plane of the window maximum (window kerH x kerH at oy·stride − pad; padding never
     * wins; the first maximum in row-major window order wins ties, a NaN wins and a later NaN wins
     * over it), as ReferenceBackend.maxPool2dIndices. -1 for a window entirely in the padding.
     */
    private void maxPoolIndices() {
        int t = getGlobalId();
        if (t < n) {
            int ox = t % outW;
            int oy = (t / outW) % outH;
            int plane = t / (outW * outH);
            int base = srcA + plane * imgH * imgW;
            int best = -1;
            float bv = 0f;
            for (int ky = 0; ky < kerH; ky++) {
                int iy = oy * convStride + ky - convPad;
                for (int kx = 0; kx < kerH; kx++) {
                    int ix = ox * convStride + kx - convPad;
                    if (iy >= 0 && iy < imgH && ix >= 0 && ix < imgW) {
                        float v = ldA(base + iy * imgW + ix);
                        if (best < 0 || v > bv || v != v) {
                            bv = v;
                            best = iy * imgW + ix;
                        }
                    }
                }
            }
            stD(dst + t, best);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // ASSIGN: exact linear assignment (docs/gpu.md §"ASSIGN"). Launch arguments: n problems of
    // dimLen x dimLen costs at srcA (contiguous, row-major), out (n, dimLen) column indices at dst,
    // status (n, 2) at srcC, scratch of 12 (dimLen + 1) slots of n floats at srcB, p0 = +inf,
    // p1 = the largest cost magnitude accepted (2^100), nanValue = NaN.
    //
    // Scratch slot k of problem b is the float at srcB + k*n + b (problems side by side, so the
    // work-items of a warp touch neighbouring floats). With w = dimLen + 1: u[r] (row potentials),
    // v[j] (column potentials) and minSlack[j] as doubles, each in three slots (3r .. 3r+2 from
    // their base, see stTriple); rowOf[j], prev[j] and visited[j] as exact integer floats.

    /** Slot bases, in units of w = dimLen + 1 slots. */
    static final int AS_U = 0;
    static final int AS_V = 3;
    static final int AS_SLACK = 6;
    static final int AS_ROW_OF = 9;
    static final int AS_PREV = 10;
    static final int AS_VISITED = 11;
    /** Scratch slots per unit of w: ASSIGN needs 12 (dimLen + 1) slots of n floats. */
    static final int AS_SLOTS = 12;

    /**
     * ASSIGN: work-item b &lt; n solves problem b. It first scans the costs in row-major order: at the
     * first entry that is NaN or of magnitude above p1 it writes status (index + 1, value) and NaN to
     * every output index of the problem (a gather with them gives NaN), and solves nothing. Otherwise
     * it runs {@code Hungarian.solveValid}'s procedure operation for operation — the same double
     * arithmetic in the same order, so the same assignment bit for bit — with the potentials and
     * slacks kept as exact float triples in the scratch, and writes status (0, 0). A status of −1
     * means the procedure found no column (only possible if potentials overflowed, which the
     * magnitude bound excludes).
     */
    private void assign() {
        int b = getGlobalId();
        if (b < n) {
            assignOne(b);
        }
    }

    /** Problem b of an ASSIGN launch (package access: {@code AssignKernelTest} runs it as plain Java). */
    void assignOne(int b) {
        int m = dimLen;
        int costs = srcA + b * m * m;
        int bad = -1;
        float badValue = 0f;
        for (int e = 0; e < m * m; e++) {
            float c = ldA(costs + e);
            double cd = c;
            if (bad < 0) {
                if (cd != cd || cd > p1 || cd < -p1) {
                    bad = e;
                    badValue = c;
                }
            }
        }
        int status = 0;
        if (bad >= 0) {
            status = bad + 1;
        } else {
            status = assignSolve(b, m, costs);
        }
        stC(srcC + 2 * b, status);
        stC(srcC + 2 * b + 1, badValue);
        if (status != 0) {
            for (int i = 0; i < m; i++) {
                stD(dst + b * m + i, nanValue);
            }
        }
    }

    /** The shortest-augmenting-path procedure (see match.Hungarian); 0, or −1 when no column was found. */
    private int assignSolve(int b, int m, int costs) {
        int w = m + 1;
        int failed = 0;
        for (int j = 0; j < w; j++) {
            stTriple(AS_U * w + 3 * j, b, 0.0);
            stTriple(AS_V * w + 3 * j, b, 0.0);
            stSlot(AS_ROW_OF * w + j, b, 0f);
        }
        for (int i = 1; i <= m; i++) {
            int j0 = 0;
            if (failed == 0) {
                stSlot(AS_ROW_OF * w, b, i);
                for (int j = 0; j < w; j++) {
                    stTriple(AS_SLACK * w + 3 * j, b, p0);
                    stSlot(AS_VISITED * w + j, b, 0f);
                }
                int searching = 1;
                while (searching == 1) {
                    stSlot(AS_VISITED * w + j0, b, 1f);
                    int i0 = ldSlot(AS_ROW_OF * w + j0, b);
                    double delta = p0;
                    int j1 = -1;
                    double ui0 = ldTriple(AS_U * w + 3 * i0, b);
                    int row = costs + (i0 - 1) * m;
                    for (int j = 1; j < w; j++) {
                        if (ldSlot(AS_VISITED * w + j, b) == 0) {
                            double reduced = (double) ldA(row + j - 1) - ui0 - ldTriple(AS_V * w + 3 * j, b);
                            double slack = ldTriple(AS_SLACK * w + 3 * j, b);
                            if (reduced < slack) {
                                slack = reduced;
                                stTriple(AS_SLACK * w + 3 * j, b, reduced);
                                stSlot(AS_PREV * w + j, b, j0);
                            }
                            if (slack < delta) {
                                delta = slack;
                                j1 = j;
                            }
                        }
                    }
                    if (j1 < 0) {
                        failed = 1;
                        searching = 0;
                    } else {
                        // move along the tree: visited pairs stay tight, the other slacks drop by delta
                        for (int j = 0; j < w; j++) {
                            if (ldSlot(AS_VISITED * w + j, b) == 1) {
                                int r = ldSlot(AS_ROW_OF * w + j, b);
                                stTriple(AS_U * w + 3 * r, b, ldTriple(AS_U * w + 3 * r, b) + delta);
                                stTriple(AS_V * w + 3 * j, b, ldTriple(AS_V * w + 3 * j, b) - delta);
                            } else {
                                stTriple(AS_SLACK * w + 3 * j, b, ldTriple(AS_SLACK * w + 3 * j, b) - delta);
                            }
                        }
                        j0 = j1;
                        if (ldSlot(AS_ROW_OF * w + j0, b) == 0) {
                            searching = 0;
                        }
                    }
                }
                // flip the augmenting path back to the virtual column 0
                int flipping = 1 - failed;
                while (flipping == 1) {
                    int jp = ldSlot(AS_PREV * w + j0, b);
                    stSlot(AS_ROW_OF * w + j0, b, ldSlot(AS_ROW_OF * w + jp, b));
                    j0 = jp;
                    if (j0 == 0) {
                        flipping = 0;
                    }
                }
            }
        }
        if (failed == 0) {
            for (int j = 1; j < w; j++) {
                stD(dst + b * m + ldSlot(AS_ROW_OF * w + j, b) - 1, j - 1);
            }
        }
        return -failed;
    }

    /** The integer in scratch slot k of problem b. */
    private int ldSlot(int k, int b) {
        return (int) ldB(srcB + k * n + b);
    }

    private void stSlot(int k, int b, float v) {
        stB(srcB + k * n + b, v);
    }

    /** The double in scratch slots k, k+1, k+2 of problem b: exactly (hi + mid) + lo. */
    double ldTriple(int k, int b) {
        return ((double) ldB(srcB + k * n + b) + (double) ldB(srcB + (k + 1) * n + b)) + (double) ldB(srcB + (k + 2) * n + b);
    }

    /**
     * Stores d as hi = (float) d, mid = (float) (d − hi), lo = (float) (d − hi − mid). Exact for every
     * double the solver stores: they are sums and differences of float costs, hence multiples of 2^-149
     * (as floats' subnormals), and the magnitude bound keeps them below 2^128; ±inf is stored as
     * (±inf, 0, 0). The sign of a zero may be lost, which changes no comparison and no nonzero result.
     */
    void stTriple(int k, int b, double d) {
        float hi = (float) d;
        double r = d - hi;
        if (r != r) {
            r = 0.0;
        }
        float mid = (float) r;
        float lo = (float) (r - mid);
        stB(srcB + k * n + b, hi);
        stB(srcB + (k + 1) * n + b, mid);
        stB(srcB + (k + 2) * n + b, lo);
    }
}
