package org.dspn4j.tensor.cpu;

import java.util.HashMap;
import java.util.Map;

/**
 * Matrix-product kernels for {@link CpuBackend}: for each problem p of a batch,
 * {@code C[p] (m, n) = A[p] (m, k) · B[p] (k, n)}, with A and B read through strides so that a
 * transposed operand needs no copy.
 *
 * <p>The result is defined element by element: every C element is one fused multiply-add chain over
 * k in increasing order, {@code c = fma(A(i, t), B(t, j), c)} for t = 0 … k−1, starting from +0 (or
 * from C's previous value when accumulating) — the same chain as the OpenCL engine's matmul. How the
 * product is tiled, padded or split between threads, the vector length, and whether the vector
 * kernels run at all change nothing in the bits: the vector kernel ({@link GemmVector}), the scalar
 * micro-kernel and the plain loop ({@link #reference}) all compute that chain.
 *
 * <p>Layout (as in BLIS/GotoBLAS): A is packed into panels of {@code mr} rows (zero-padded),
 * {@code panel[t * mr + ii] = A(i0 + ii, t)}; B into panels of {@code nr} columns,
 * {@code panel[t * nr + jj] = B(t, j0 + jj)}; the micro-kernel keeps an mr × nr tile of C in
 * registers over the whole k loop. Padding rows and columns only produce tile elements that are
 * never stored. An operand stored across the panel's order (A's rows contiguous, or B's columns, as
 * both are in a weight gradient's A·Bᵀ) is packed by 4 × 4 blocks ({@link #transpose(float[], int,
 * int, int, int, float[], int, int)}). The tile is the {@link Kernel}'s: 8 × 32 floats with 512-bit
 * vectors (16 of the 32 vector registers hold C), 5 × 16 with 256-bit vectors (10 of the 16; see
 * {@link GemmVector} for why not 6 × 16).
 *
 * <p>When B's rows are contiguous, the kernels read each full column panel of B where it lies (row t
 * of the tile's columns at {@code B(t, j0)}, a row stride apart) instead of from a packed copy: the
 * copy is one more pass over B, read from memory, for every panel (the MNIST encoder's products
 * about 10 % faster in {@code OpTimes}: docs/measurements.md). The exception is a row stride that is a multiple of {@link #ALIASING_STRIDE_BYTES} when C
 * has more than {@link #DIRECT_ROW_PANELS} row panels to sweep over the panel: its rows share a few
 * L1 sets (the convolutions' input gradients, rows of 8 × 8 or 32 × 32 pixels, ran 10–50 % slower in
 * place), so it is packed.
 *
 * <p>When every problem of a batch shares one A (a weight applied to each sample) and n is not a
 * multiple of the tile's width, the columns of all problems are cut into panels together, so that a
 * panel may end one problem and start the next: the relation encoder's products over 100 pairs would
 * otherwise compute a 32-column panel for the last 4 columns of every problem (`ProductRate` on two
 * threads, AMD EPYC with AVX-512: 5.9 against 5.1 ms for (512, 512) · (32, 512, 100);
 * docs/measurements.md).
 *
 * <p>Products with at most {@link #FEW} rows, and those with few columns computed as Cᵀ when that has
 * at most FEW rows, leave B unpacked ({@link #fewRows}): for them packing is most of the work (B is
 * the large operand, and is read through a stride when read transposed), and an 8-row tile would be
 * mostly padding.
 *
 * <p>F32 products of depth k ≤ {@link #SHORT_K} whose B rows are contiguous (the MNIST encoder's first
 * layer) are computed row by row of C, with no tile and no packing ({@link #shortDepth}).
 */
final class Gemm {
    private Gemm() {
    }

    /** Rows of the scalar kernel's micro-tile. */
    static final int MR = 8;

    /** A micro-kernel and its tile: rows (mr) and columns (nr) of C it keeps in registers. */
    enum Kernel {
        /** Math.fma loops, 8 × 32 (F32) or 8 × 16 (F64): without the Vector API. */
        SCALAR,
        /** 5 rows × 2 vectors of 256 bits or less ({@link GemmVector#f32x5}): machines with 16 vector registers. */
        NARROW,
        /** 8 rows × 2 vectors of 512 bits ({@link GemmVector#f32x8}): AVX-512, 32 vector registers. */
        WIDE;

        int mr() {
            return this == NARROW ? 5 : 8;
        }

        int nr(boolean f32) {
            switch (this) {
                case NARROW: return f32 ? GemmVector.NR_NARROW_F32 : GemmVector.NR_NARROW_F64;
                case WIDE: return f32 ? GemmVector.NR_WIDE_F32 : GemmVector.NR_WIDE_F64;
                default: return f32 ? 32 : 16;
            }
        }

        /** Columns of the blocks of C that {@link #fewRows} computes: four 512-bit vectors, two narrow ones, or as the scalar tile. */
        int fewColumns(boolean f32) {
            switch (this) {
                case NARROW: return f32 ? GemmVector.FEW_NARROW_F32 : GemmVector.FEW_NARROW_F64;
                case WIDE: return f32 ? GemmVector.FEW_WIDE_F32 : GemmVector.FEW_WIDE_F64;
                default: return f32 ? 32 : 16;
            }
        }
    }

    /** Row panels per task when a product has few column panels: a task packs one B panel and sweeps these A panels. */
    private static final int ROW_PANELS_PER_TASK = 16;

    /**
     * Row panels of C up to which full column panels of a B whose rows are contiguous are read where
     * they lie whatever their stride: packing a panel costs about as much as a few of its tiles.
     */
    static final int DIRECT_ROW_PANELS = 8;

    /**
     * Bytes that a row stride of B may not be a multiple of for B to be read where it lies past
     * {@link #DIRECT_ROW_PANELS}: rows a multiple of 256 bytes apart fall into a few of the L1 cache's
     * sets (64 sets of 64-byte lines), so a panel read down such rows evicts itself, and packing it wins.
     */
    static final int ALIASING_STRIDE_BYTES = 256;

    /** Rows of C up to which a product runs as {@link #fewRows}: the height of its blocks. */
    static final int FEW = 4;

    /** Rows of B per panel when {@link #fewRows} packs B (the last, narrower block): a panel stays in L1. */
    private static final int FEW_KC = 64;

    /** Depth (k) up to which an F32 product whose B rows are contiguous runs row by row ({@link #shortDepth}). */
    static final int SHORT_K = 4;

    /** Elements of C per task of {@link #shortDepth}, in whole rows (at least one): 16 KB, so the epilogue finds them in L1. */
    private static final int SHORT_BLOCK = 1 << 12;

    /** Products smaller than this many multiply-adds run as the plain loop (packing would dominate). */
    private static final long SMALL = 1 << 14;

    /** Whether the jdk.incubator.vector module is present (the JVM was started with --add-modules). */
    static final boolean VECTOR = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    /** The kernel products use: the vector kernel that fits the preferred vector length, else the scalar one. */
    static final Kernel PREFERRED = VECTOR ? GemmVector.preferred() : Kernel.SCALAR;

    /**
     * A matrix operand read through strides: element (r, c) of problem p is
     * {@code data[off[p] + r * rowStride + c * colStride]}. For A, r is i and c is t; for B, r is t and
     * c is j. {@code data} is a {@code float[]} or a {@code double[]}, like C's.
     */
    record Operand(Object data, int[] off, int rowStride, int colStride) {
        /** A row-major (rows, cols) matrix at the given offsets, read transposed when {@code transposed}. */
        static Operand of(Object data, int[] off, int storedRows, int storedCols, boolean transposed) {
            return transposed ? new Operand(data, off, 1, storedCols) : new Operand(data, off, storedCols, 1);
        }

        /** The same data read as the transposed matrix. */
        Operand transposed() {
            return new Operand(data, off, colStride, rowStride);
        }
    }

    /**
     * Work on a finished block of C: rows i0 … i0 + rows − 1 and columns j0 … j0 + cols − 1 of problem
     * p, whose chains are complete. It runs while the block is still in cache, on the thread that
     * computed it, once for every element of C: the elementwise tail of a fused op
     * ({@link CpuBackend#linear}).
     */
    interface Epilogue {
        void apply(int p, int i0, int rows, int j0, int cols);
    }

    /**
     * Computes every problem of the batch; C[p] is the row-major (m, n) block at {@code c[cOff[p]]}
     * (modified). With {@code accumulate} the chains start from C's values, else from +0. C must not
     * alias A or B.
     */
    static void multiply(CpuBackend be, int m, int n, int k, Operand a, Operand b, Object c, int[] cOff,
                         boolean accumulate) {
        multiply(be, m, n, k, a, b, c, cOff, accumulate, (Epilogue) null);
    }

    /** As above, then {@code epilogue} (when not null) over every block of C once it is complete. */
    static void multiply(CpuBackend be, int m, int n, int k, Operand a, Operand b, Object c, int[] cOff,
                         boolean accumulate, Epilogue epilogue) {
        if ((long) m * n * Math.max(k, 1) * cOff.length < SMALL) {
            for (int p = 0; p < cOff.length; p++) {
                reference(m, n, k, a, b, p, c, cOff[p], accumulate);
                if (epilogue != null) {
                    epilogue.apply(p, 0, m, 0, n);
                }
            }
            return;
        }
        multiply(be, m, n, k, a, b, c, cOff, accumulate, VECTOR ? PREFERRED : Kernel.SCALAR, epilogue);
    }

    /** As above, always packed, with the preferred vector kernel or the scalar one. */
    static void multiply(CpuBackend be, int m, int n, int k, Operand a, Operand b, Object c, int[] cOff,
                         boolean accumulate, boolean vector) {
        multiply(be, m, n, k, a, b, c, cOff, accumulate, vector ? PREFERRED : Kernel.SCALAR);
    }

    /** As above, always packed, choosing the kernel (tests compare each with the definition). */
    static void multiply(CpuBackend be, int m, int n, int k, Operand a, Operand b, Object c, int[] cOff,
                         boolean accumulate, Kernel kern) {
        multiply(be, m, n, k, a, b, c, cOff, accumulate, kern, null);
    }

    /** As above, with an epilogue (or null). */
    static void multiply(CpuBackend be, int m, int n, int k, Operand a, Operand b, Object c, int[] cOff,
                         boolean accumulate, Kernel kern, Epilogue epilogue) {
        int batch = cOff.length;
        if (m == 0 || n == 0 || batch == 0) {
            return;
        }
        boolean f32 = c instanceof float[];
        if (m <= FEW) {
            fewRows(be, m, n, k, a, b, c, cOff, accumulate, kern, epilogue);
            return;
        }
        int nr = kern.nr(f32);
        int mr = kern.mr();
        if (n < nr / 2 && m > n) {
            // few columns would leave most of every tile empty: compute Cᵀ = op(B)ᵀ·op(A)ᵀ instead
            // (with n ≤ FEW, by fewRows). Each element is the same chain (fma is symmetric in its two factors).
            int[] tOff = new int[batch];
            Object ct = f32 ? new float[batch * n * m] : new double[batch * n * m];
            for (int p = 0; p < batch; p++) {
                tOff[p] = p * n * m;
                if (accumulate) {
                    transpose(c, cOff[p], m, n, ct, tOff[p]);
                }
            }
            multiply(be, n, m, k, b.transposed(), a.transposed(), ct, tOff, accumulate, kern, null);
            for (int p = 0; p < batch; p++) {
                transpose(ct, tOff[p], n, m, c, cOff[p]);
                if (epilogue != null) {
                    epilogue.apply(p, 0, m, 0, n);
                }
            }
            return;
        }
        if (f32 && kern != Kernel.SCALAR && k >= 1 && k <= SHORT_K && b.colStride() == 1) {
            shortDepth(be, m, n, k, a, b, (float[]) c, cOff, accumulate, kern, epilogue);
            return;
        }
        int pm = (m + mr - 1) / mr;
        int pn = (n + nr - 1) / nr;
        int panelA = mr * k;
        // B read where it lies (no packed panel) for full column panels when its rows are contiguous, unless
        // they alias in L1 and C has enough row panels to share each packed panel's cost
        boolean direct = b.colStride() == 1
                && (pm <= DIRECT_ROW_PANELS || (long) b.rowStride() * (f32 ? 4 : 8) % ALIASING_STRIDE_BYTES != 0);
        Tiles tiles = new Tiles(m, n, k, mr, nr, c, cOff, accumulate, f32, kern, epilogue);

        // distinct A operands (a broadcast batch shares one)
        Map<Integer, Integer> slot = new HashMap<>();
        int[] aSlot = new int[batch];
        int[] aOffDistinct = new int[batch];
        for (int p = 0; p < batch; p++) {
            Integer s = slot.get(a.off()[p]);
            if (s == null) {
                s = slot.size();
                slot.put(a.off()[p], s);
                aOffDistinct[s] = a.off()[p];
            }
            aSlot[p] = s;
        }
        int na = slot.size();
        if (na == batch && batch >= 2 * be.threads()) {
            // one A per problem, and enough problems for every thread: each task packs its own As
            be.parallelFor(batch, Math.max(1, batch / (be.threads() * 4)), (from, to) -> {
                Object packedA = Scratch.of(Scratch.A_PANELS, f32, pm * panelA);
                Object panelB = Scratch.of(Scratch.B_PANEL, f32, k * nr);
                Object tile = tiles.edgeTile();
                for (int p = from; p < to; p++) {
                    for (int rp = 0; rp < pm; rp++) {
                        int i0 = rp * mr;
                        packA(a, a.off()[p] + i0 * a.rowStride(), Math.min(mr, m - i0), mr, k, packedA, rp * panelA, f32);
                    }
                    for (int cp = 0; cp < pn; cp++) {
                        tiles.column(b, direct, p, cp, 0, pm, packedA, 0, panelB, tile);
                    }
                }
            });
            return;
        }

        // otherwise pack each distinct A once, up front
        Object packedA = Scratch.of(Scratch.A_PANELS, f32, na * pm * panelA);
        be.parallelFor(na * pm, Math.max(1, na * pm / (be.threads() * 4)), (from, to) -> {
            for (int q = from; q < to; q++) {
                int s = q / pm;
                int i0 = (q % pm) * mr;
                packA(a, aOffDistinct[s] + i0 * a.rowStride(), Math.min(mr, m - i0), mr, k, packedA, q * panelA, f32);
            }
        });
        if (na == 1 && batch > 1 && b.colStride() == 1 && n % nr != 0) {
            acrossProblems(be, tiles, b, direct, batch, pm, packedA);
            return;
        }
        // tasks: (problem, column panel, group of row panels); each packs its B panel and sweeps the group.
        // Row groups only where the columns alone give too few tasks (each group re-packs its B panel).
        int groups = batch * pn >= 8 * be.threads() ? 1 : (pm + ROW_PANELS_PER_TASK - 1) / ROW_PANELS_PER_TASK;
        int panelsPerGroup = (pm + groups - 1) / groups;
        int units = batch * pn * groups;
        be.parallelFor(units, Math.max(1, units / (be.threads() * 8)), (from, to) -> {
            Object panelB = Scratch.of(Scratch.B_PANEL, f32, k * nr);
            Object tile = tiles.edgeTile();
            for (int u = from; u < to; u++) {
                int p = u / (pn * groups);
                int cp = (u / groups) % pn;
                int g = u % groups;
                tiles.column(b, direct, p, cp, g * panelsPerGroup, Math.min(pm, (g + 1) * panelsPerGroup), packedA,
                        aSlot[p] * pm * panelA, panelB, tile);
            }
        });
    }

    /**
     * A product whose problems share one A (a weight applied to every sample) and whose B rows are
     * contiguous, with n not a multiple of the tile's width: the columns of all problems are taken as
     * one row of batch·n columns, cut into panels of nr, so that no panel is a narrow one padded to the
     * tile's width at the end of every problem (at n = 100 and 32-column tiles, a fifth of the
     * multiply-adds of the product went to padding). A panel inside one problem is computed as in
     * {@link #multiply}; one that runs across the end of a problem is packed from the pieces of B's rows
     * it covers, computed aside, and stored piece by piece into C. Every element's chain is the same.
     */
    private static void acrossProblems(CpuBackend be, Tiles tiles, Operand b, boolean direct, int batch, int pm,
                                       Object packedA) {
        int n = tiles.n;
        int nr = tiles.nr;
        long columns = (long) batch * n;
        int pq = (int) ((columns + nr - 1) / nr);
        int groups = pq >= 8 * be.threads() ? 1 : (pm + ROW_PANELS_PER_TASK - 1) / ROW_PANELS_PER_TASK;
        int panelsPerGroup = (pm + groups - 1) / groups;
        int units = pq * groups;
        be.parallelFor(units, Math.max(1, units / (be.threads() * 8)), (from, to) -> {
            Object panelB = Scratch.of(Scratch.B_PANEL, tiles.f32, tiles.k * nr);
            Object tile = tiles.edgeTile();
            for (int u = from; u < to; u++) {
                int q0 = (u / groups) * nr;
                int g = u % groups;
                int rpFrom = g * panelsPerGroup;
                int rpTo = Math.min(pm, (g + 1) * panelsPerGroup);
                int cols = (int) Math.min(nr, columns - q0);
                int p = q0 / n;
                int j0 = q0 - p * n;
                if (j0 + cols <= n) {
                    tiles.columnAt(b, direct, p, j0, cols, rpFrom, rpTo, packedA, 0, panelB, tile);
                } else {
                    tiles.columnAcross(b, q0, cols, rpFrom, rpTo, packedA, panelB, tile);
                }
            }
        });
    }

    /**
     * C of at most {@link #FEW} rows. The packed path would copy all of B into panels (one more write
     * and read of the large operand; a strided copy when B is read transposed) and leave most rows of
     * every tile empty; here B is read once, where it lies. A task takes blocks of {@code w} columns
     * ({@link Kernel#fewColumns}) of a problem; the kernel keeps the block of C (4 × w, of which the
     * first m rows are stored) in registers over the whole k loop and, for each t, loads B's row of the
     * block with vector loads where B's columns are contiguous. Where they are a stride apart (B read
     * transposed, as in Cᵀ of a product with few columns) the block is computed as the last, narrower
     * one is, from packed panels: gathered loads through an index map would save that copy, but C2
     * does not always compile them as gathers, and a kernel compiled with them boxed its vectors
     * (gigabytes allocated per step, the product several times slower). A is packed once
     * per task and distinct A into a panel of 4 rows, zero-padded. The last block, when narrower than
     * w, is computed aside from B packed into zero-padded panels of {@link #FEW_KC} rows; C is stored
     * after each panel and reloaded for the next, and a chain goes on from the value it stored, so the
     * bits are the same.
     */
    private static void fewRows(CpuBackend be, int m, int n, int k, Operand a, Operand b, Object c, int[] cOff,
                                boolean accumulate, Kernel kern, Epilogue epilogue) {
        int batch = cOff.length;
        boolean f32 = c instanceof float[];
        int w = kern.fewColumns(f32);
        int blocks = (n + w - 1) / w;
        int units = batch * blocks;
        int cs = b.colStride();
        be.parallelFor(units, Math.max(1, units / (be.threads() * 4)), (from, to) -> {
            Object panelA = f32 ? new float[FEW * k] : new double[FEW * k];
            Object panelB = null;
            Object tile = null;
            int packed = -1; // the problem whose A is in panelA
            for (int u = from; u < to; u++) {
                int p = u / blocks;
                int j0 = (u % blocks) * w;
                int cols = Math.min(w, n - j0);
                if (packed < 0 || a.off()[p] != a.off()[packed]) {
                    packA(a, a.off()[p], m, FEW, k, panelA, 0, f32); // rows m … FEW-1 stay zero
                    packed = p;
                }
                int bo = b.off()[p] + j0 * cs;
                int co = cOff[p] + j0;
                if (cols == w && cs == 1) {
                    few(kern, panelA, 0, b.data(), bo, b.rowStride(), k, c, co, n, m, accumulate, f32);
                    if (epilogue != null) {
                        epilogue.apply(p, 0, m, j0, cols);
                    }
                    continue;
                }
                if (tile == null) {
                    panelB = f32 ? new float[FEW_KC * w] : new double[FEW_KC * w];
                    tile = f32 ? new float[FEW * w] : new double[FEW * w];
                }
                if (accumulate) {
                    copyTile(c, co, n, tile, 0, w, m, cols);
                }
                int t0 = 0;
                do {
                    int kc = Math.min(FEW_KC, k - t0);
                    packB(b, bo + t0 * b.rowStride(), cols, w, kc, panelB, f32);
                    few(kern, panelA, t0 * FEW, panelB, 0, w, kc, tile, 0, w, m, accumulate || t0 > 0, f32);
                    t0 += kc;
                } while (t0 < k);
                copyTile(tile, 0, w, c, co, n, m, cols);
                if (epilogue != null) {
                    epilogue.apply(p, 0, m, j0, cols);
                }
            }
        });
    }

    /**
     * A product of depth at most {@link #SHORT_K} in F32 on vectors, B's rows contiguous (the MNIST encoder's
     * first layer: three multiply-adds an element, from a point's two coordinates and its mask): C row by
     * row, each vector of a row from k vectors of B's rows and the k values of A's row
     * ({@link GemmVector#rowF32}), then the epilogue on a block of rows while it is in L1. A tile's fixed
     * costs (its 16 accumulators set up and stored, the epilogue called on rows of 32 elements) outweighed
     * its 3 steps of k. Every element is the same chain.
     */
    private static void shortDepth(CpuBackend be, int m, int n, int k, Operand a, Operand b, float[] c, int[] cOff,
                                   boolean accumulate, Kernel kern, Epilogue epilogue) {
        int batch = cOff.length;
        int rowsPerUnit = Math.max(1, Math.min(m, SHORT_BLOCK / n));
        int blocks = (m + rowsPerUnit - 1) / rowsPerUnit;
        int units = batch * blocks;
        float[] af = (float[]) a.data();
        float[] bf = (float[]) b.data();
        boolean wide = kern == Kernel.WIDE;
        be.parallelFor(units, Math.max(1, units / (be.threads() * 4)), (from, to) -> {
            float[] aRow = new float[SHORT_K];
            for (int u = from; u < to; u++) {
                int p = u / blocks;
                int i0 = (u % blocks) * rowsPerUnit;
                int i1 = Math.min(m, i0 + rowsPerUnit);
                for (int i = i0; i < i1; i++) {
                    int ai = a.off()[p] + i * a.rowStride();
                    for (int t = 0; t < k; t++) {
                        aRow[t] = af[ai + t * a.colStride()];
                    }
                    GemmVector.rowF32(wide, aRow, k, bf, b.off()[p], b.rowStride(), n, c, cOff[p] + i * n, accumulate);
                }
                if (epilogue != null) {
                    epilogue.apply(p, i0, i1 - i0, 0, n);
                }
            }
        });
    }

    /** Stores the micro-tiles of one product into C. */
    private static final class Tiles {
        private final int m, n, k, mr, nr;
        private final Object c;
        private final int[] cOff;
        private final boolean accumulate, f32;
        private final Kernel kern;
        private final Epilogue epilogue;

        Tiles(int m, int n, int k, int mr, int nr, Object c, int[] cOff, boolean accumulate, boolean f32, Kernel kern,
              Epilogue epilogue) {
            this.m = m;
            this.n = n;
            this.k = k;
            this.mr = mr;
            this.nr = nr;
            this.c = c;
            this.cOff = cOff;
            this.accumulate = accumulate;
            this.f32 = f32;
            this.kern = kern;
            this.epilogue = epilogue;
        }

        /** Scratch for one edge tile (one per task). */
        Object edgeTile() {
            return f32 ? new float[mr * nr] : new double[mr * nr];
        }

        /**
         * The tiles of row panels rpFrom … rpTo−1 in column panel cp of problem p: B's panel packed into
         * {@code panelB}, or with {@code direct} read where it lies when the panel is full; row panel rp's
         * packed A at {@code packedA[aBase + rp · mr · k]}.
         */
        void column(Operand b, boolean direct, int p, int cp, int rpFrom, int rpTo, Object packedA, int aBase,
                    Object panelB, Object tile) {
            columnAt(b, direct, p, cp * nr, Math.min(nr, n - cp * nr), rpFrom, rpTo, packedA, aBase, panelB, tile);
        }

        /** As {@link #column}, for the panel of {@code cols} ≤ nr columns of problem p from column j0. */
        void columnAt(Operand b, boolean direct, int p, int j0, int cols, int rpFrom, int rpTo, Object packedA, int aBase,
                      Object panelB, Object tile) {
            int bo = b.off()[p] + j0 * b.colStride();
            boolean inPlace = direct && cols == nr;
            if (!inPlace) {
                packB(b, bo, cols, nr, k, panelB, f32);
            }
            for (int rp = rpFrom; rp < rpTo; rp++) {
                compute(p, rp, j0, cols, packedA, aBase + rp * mr * k, inPlace ? b.data() : panelB, inPlace ? bo : 0,
                        inPlace ? b.rowStride() : nr, tile);
            }
        }

        /**
         * The tiles of row panels rpFrom … rpTo−1 in the panel of columns q0 … q0 + cols − 1 of all
         * problems side by side (column q is column q mod n of problem q / n), which runs across the end
         * of a problem: B's pieces packed into {@code panelB} (B's rows contiguous), each tile computed in
         * {@code tile} and stored into C piece by piece. A is shared, at {@code packedA[rp · mr · k]}.
         */
        void columnAcross(Operand b, int q0, int cols, int rpFrom, int rpTo, Object packedA, Object panelB, Object tile) {
            for (int q = q0, jj = 0; jj < cols; ) {
                int p = q / n;
                int j = q - p * n;
                int len = Math.min(n - j, cols - jj);
                int bo = b.off()[p] + j;
                for (int t = 0; t < k; t++) {
                    System.arraycopy(b.data(), bo + t * b.rowStride(), panelB, t * nr + jj, len);
                }
                q += len;
                jj += len;
            }
            if (cols < nr) {
                for (int t = 0; t < k; t++) {
                    CpuBackend.fill(panelB, t * nr + cols, t * nr + nr, f32);
                }
            }
            for (int rp = rpFrom; rp < rpTo; rp++) {
                int i0 = rp * mr;
                int rows = Math.min(mr, m - i0);
                if (accumulate) {
                    pieces(q0, cols, i0, rows, tile, true);
                }
                kernel(kern, packedA, rp * mr * k, panelB, 0, nr, k, nr, tile, 0, nr, accumulate, f32);
                pieces(q0, cols, i0, rows, tile, false);
            }
        }

        /**
         * Copies rows i0 … i0 + rows − 1 of the columns q0 … q0 + cols − 1 of all problems between C and
         * {@code tile} (into the tile with {@code toTile}, else out of it, then the epilogue on each piece).
         */
        private void pieces(int q0, int cols, int i0, int rows, Object tile, boolean toTile) {
            for (int q = q0, jj = 0; jj < cols; ) {
                int p = q / n;
                int j = q - p * n;
                int len = Math.min(n - j, cols - jj);
                int co = cOff[p] + i0 * n + j;
                if (toTile) {
                    copyTile(c, co, n, tile, jj, nr, rows, len);
                } else {
                    copyTile(tile, jj, nr, c, co, n, rows, len);
                    if (epilogue != null) {
                        epilogue.apply(p, i0, rows, j, len);
                    }
                }
                q += len;
                jj += len;
            }
        }

        /**
         * The tile (row panel rp, columns j0 … j0 + cols − 1) of problem p from the packed A panel and B
         * at {@code pb[bo + t * ldb …]} (the packed B panel, or B where it lies when the panel is full).
         */
        void compute(int p, int rp, int j0, int cols, Object packedA, int ao, Object pb, int bo, int ldb, Object tile) {
            int i0 = rp * mr;
            int rows = Math.min(mr, m - i0);
            int co = cOff[p] + i0 * n + j0;
            if (rows == mr && cols == nr) {
                kernel(kern, packedA, ao, pb, bo, ldb, k, nr, c, co, n, accumulate, f32);
            } else {
                // edge tile: compute the padded tile aside and store its valid part
                if (accumulate) {
                    copyTile(c, co, n, tile, 0, nr, rows, cols);
                }
                kernel(kern, packedA, ao, pb, bo, ldb, k, nr, tile, 0, nr, accumulate, f32);
                copyTile(tile, 0, nr, c, co, n, rows, cols);
            }
            if (epilogue != null) {
                epilogue.apply(p, i0, rows, j0, cols);
            }
        }
    }

    /** dst[d0 + j·rows + i] = src[s0 + i·cols + j]: a row-major (rows, cols) block transposed. */
    private static void transpose(Object src, int s0, int rows, int cols, Object dst, int d0) {
        if (src instanceof float[]) {
            transpose((float[]) src, s0, cols, rows, cols, (float[]) dst, d0, rows);
        } else {
            transpose((double[]) src, s0, cols, rows, cols, (double[]) dst, d0, rows);
        }
    }

    // ================================================================ the definition

    /** The plain loop: the fma chain of every element of problem p. */
    static void reference(int m, int n, int k, Operand a, Operand b, int p, Object c, int co, boolean accumulate) {
        int ao = a.off()[p];
        int bo = b.off()[p];
        int ars = a.rowStride(), acs = a.colStride(), brs = b.rowStride(), bcs = b.colStride();
        if (c instanceof float[]) {
            float[] x = (float[]) a.data();
            float[] y = (float[]) b.data();
            float[] z = (float[]) c;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    float s = accumulate ? z[co + i * n + j] : 0f;
                    for (int t = 0; t < k; t++) {
                        s = Math.fma(x[ao + i * ars + t * acs], y[bo + t * brs + j * bcs], s);
                    }
                    z[co + i * n + j] = s;
                }
            }
        } else {
            double[] x = (double[]) a.data();
            double[] y = (double[]) b.data();
            double[] z = (double[]) c;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = accumulate ? z[co + i * n + j] : 0.0;
                    for (int t = 0; t < k; t++) {
                        s = Math.fma(x[ao + i * ars + t * acs], y[bo + t * brs + j * bcs], s);
                    }
                    z[co + i * n + j] = s;
                }
            }
        }
    }

    // ================================================================ packing

    /**
     * All m rows of A (row 0 at {@code base}) packed as {@link #packA} row panels of mr, panel rp at
     * {@code dst[rp · mr · k]}, the panels split between the backend's threads.
     */
    static void packRowPanels(CpuBackend be, Operand a, int base, int m, int mr, int k, Object dst, boolean f32) {
        int pm = (m + mr - 1) / mr;
        be.parallelFor(pm, Math.max(1, pm / (be.threads() * 4)), (from, to) -> {
            for (int rp = from; rp < to; rp++) {
                packA(a, base + rp * mr * a.rowStride(), Math.min(mr, m - rp * mr), mr, k, dst, rp * mr * k, f32);
            }
        });
    }

    /**
     * panel[t * mr + ii] = A(ii, t) for ii &lt; rows (A's row 0 at {@code base}); the padding rows are left as
     * they are (zero in a fresh panel).
     */
    static void packA(Operand a, int base, int rows, int mr, int k, Object dst, int d0, boolean f32) {
        int rs = a.rowStride();
        int cs = a.colStride();
        if (f32) {
            float[] s = (float[]) a.data();
            float[] d = (float[]) dst;
            if (cs == 1) {
                transpose(s, base, rs, rows, k, d, d0, mr);
            } else {
                for (int t = 0; t < k; t++) {
                    int st = base + t * cs;
                    for (int ii = 0; ii < rows; ii++) {
                        d[d0 + t * mr + ii] = s[st + ii * rs];
                    }
                }
            }
        } else {
            double[] s = (double[]) a.data();
            double[] d = (double[]) dst;
            if (cs == 1) {
                transpose(s, base, rs, rows, k, d, d0, mr);
            } else {
                for (int t = 0; t < k; t++) {
                    int st = base + t * cs;
                    for (int ii = 0; ii < rows; ii++) {
                        d[d0 + t * mr + ii] = s[st + ii * rs];
                    }
                }
            }
        }
        // padding rows (rows … mr − 1) are left as they are: they reach only tile rows that are not stored
    }

    /** panel[t * nr + jj] = B(t, jj) for jj &lt; cols (B's column 0 at {@code base}), zero for the padding columns. */
    private static void packB(Operand b, int base, int cols, int nr, int k, Object dst, boolean f32) {
        int rs = b.rowStride();
        int cs = b.colStride();
        if (f32) {
            float[] s = (float[]) b.data();
            float[] d = (float[]) dst;
            if (cs == 1) {
                for (int t = 0; t < k; t++) {
                    System.arraycopy(s, base + t * rs, d, t * nr, cols);
                }
            } else if (rs == 1) {
                transpose(s, base, cs, cols, k, d, 0, nr);
            } else {
                for (int jj = 0; jj < cols; jj++) {
                    int sj = base + jj * cs;
                    for (int t = 0; t < k; t++) {
                        d[t * nr + jj] = s[sj + t * rs];
                    }
                }
            }
            if (cols < nr) {
                for (int t = 0; t < k; t++) {
                    java.util.Arrays.fill(d, t * nr + cols, (t + 1) * nr, 0f);
                }
            }
        } else {
            double[] s = (double[]) b.data();
            double[] d = (double[]) dst;
            if (cs == 1) {
                for (int t = 0; t < k; t++) {
                    System.arraycopy(s, base + t * rs, d, t * nr, cols);
                }
            } else if (rs == 1) {
                transpose(s, base, cs, cols, k, d, 0, nr);
            } else {
                for (int jj = 0; jj < cols; jj++) {
                    int sj = base + jj * cs;
                    for (int t = 0; t < k; t++) {
                        d[t * nr + jj] = s[sj + t * rs];
                    }
                }
            }
            if (cols < nr) {
                for (int t = 0; t < k; t++) {
                    java.util.Arrays.fill(d, t * nr + cols, (t + 1) * nr, 0.0);
                }
            }
        }
    }

    /**
     * dst[d0 + t·ld + j] = src[base + j·ls + t] for j &lt; lines, t &lt; k: {@code lines} contiguous source
     * rows of length k written as the columns of a panel (the packing of an operand stored transposed
     * to how the kernels read it, as a weight gradient's A·Bᵀ has both). Blocks of 4 × 4, each read as
     * four short runs and written as four short runs, instead of one element at a time down a column
     * of the panel, which writes to a new cache line at every element (the weight gradients' products
     * in {@code OpTimes}: docs/measurements.md).
     */
    static void transpose(float[] src, int base, int ls, int lines, int k, float[] dst, int d0, int ld) {
        int j = 0;
        for (; j + 4 <= lines; j += 4) {
            int s0 = base + j * ls;
            int s1 = s0 + ls;
            int s2 = s1 + ls;
            int s3 = s2 + ls;
            int t = 0;
            for (; t + 4 <= k; t += 4) {
                float a0 = src[s0 + t], a1 = src[s0 + t + 1], a2 = src[s0 + t + 2], a3 = src[s0 + t + 3];
                float b0 = src[s1 + t], b1 = src[s1 + t + 1], b2 = src[s1 + t + 2], b3 = src[s1 + t + 3];
                float c0 = src[s2 + t], c1 = src[s2 + t + 1], c2 = src[s2 + t + 2], c3 = src[s2 + t + 3];
                float e0 = src[s3 + t], e1 = src[s3 + t + 1], e2 = src[s3 + t + 2], e3 = src[s3 + t + 3];
                int o = d0 + t * ld + j;
                dst[o] = a0;
                dst[o + 1] = b0;
                dst[o + 2] = c0;
                dst[o + 3] = e0;
                o += ld;
                dst[o] = a1;
                dst[o + 1] = b1;
                dst[o + 2] = c1;
                dst[o + 3] = e1;
                o += ld;
                dst[o] = a2;
                dst[o + 1] = b2;
                dst[o + 2] = c2;
                dst[o + 3] = e2;
                o += ld;
                dst[o] = a3;
                dst[o + 1] = b3;
                dst[o + 2] = c3;
                dst[o + 3] = e3;
            }
            for (; t < k; t++) {
                int o = d0 + t * ld + j;
                dst[o] = src[s0 + t];
                dst[o + 1] = src[s1 + t];
                dst[o + 2] = src[s2 + t];
                dst[o + 3] = src[s3 + t];
            }
        }
        for (; j < lines; j++) {
            int sj = base + j * ls;
            for (int t = 0; t < k; t++) {
                dst[d0 + t * ld + j] = src[sj + t];
            }
        }
    }

    /** As {@link #transpose(float[], int, int, int, int, float[], int, int)}, for doubles. */
    static void transpose(double[] src, int base, int ls, int lines, int k, double[] dst, int d0, int ld) {
        int j = 0;
        for (; j + 4 <= lines; j += 4) {
            int s0 = base + j * ls;
            int s1 = s0 + ls;
            int s2 = s1 + ls;
            int s3 = s2 + ls;
            int t = 0;
            for (; t + 4 <= k; t += 4) {
                double a0 = src[s0 + t], a1 = src[s0 + t + 1], a2 = src[s0 + t + 2], a3 = src[s0 + t + 3];
                double b0 = src[s1 + t], b1 = src[s1 + t + 1], b2 = src[s1 + t + 2], b3 = src[s1 + t + 3];
                double c0 = src[s2 + t], c1 = src[s2 + t + 1], c2 = src[s2 + t + 2], c3 = src[s2 + t + 3];
                double e0 = src[s3 + t], e1 = src[s3 + t + 1], e2 = src[s3 + t + 2], e3 = src[s3 + t + 3];
                int o = d0 + t * ld + j;
                dst[o] = a0;
                dst[o + 1] = b0;
                dst[o + 2] = c0;
                dst[o + 3] = e0;
                o += ld;
                dst[o] = a1;
                dst[o + 1] = b1;
                dst[o + 2] = c1;
                dst[o + 3] = e1;
                o += ld;
                dst[o] = a2;
                dst[o + 1] = b2;
                dst[o + 2] = c2;
                dst[o + 3] = e2;
                o += ld;
                dst[o] = a3;
                dst[o + 1] = b3;
                dst[o + 2] = c3;
                dst[o + 3] = e3;
            }
            for (; t < k; t++) {
                int o = d0 + t * ld + j;
                dst[o] = src[s0 + t];
                dst[o + 1] = src[s1 + t];
                dst[o + 2] = src[s2 + t];
                dst[o + 3] = src[s3 + t];
            }
        }
        for (; j < lines; j++) {
            int sj = base + j * ls;
            for (int t = 0; t < k; t++) {
                dst[d0 + t * ld + j] = src[sj + t];
            }
        }
    }

    private static void copyTile(Object src, int so, int lds, Object dst, int d0, int ldd, int rows, int cols) {
        for (int ii = 0; ii < rows; ii++) {
            System.arraycopy(src, so + ii * lds, dst, d0 + ii * ldd, cols);
        }
    }

    // ================================================================ micro-kernels

    static void kernel(Kernel kern, Object pa, int ao, Object pb, int k, int nr, Object c, int co, int ldc,
                               boolean accumulate, boolean f32) {
        kernel(kern, pa, ao, pb, 0, nr, k, nr, c, co, ldc, accumulate, f32);
    }

    /** As above, B's row t of the tile at {@code pb[bo + t * ldb …]} (a packed panel, or B where it lies). */
    static void kernel(Kernel kern, Object pa, int ao, Object pb, int bo, int ldb, int k, int nr, Object c, int co,
                       int ldc, boolean accumulate, boolean f32) {
        switch (kern) {
            case WIDE:
                if (f32) {
                    GemmVector.f32x8((float[]) pa, ao, (float[]) pb, bo, ldb, k, (float[]) c, co, ldc, accumulate);
                } else {
                    GemmVector.f64x8((double[]) pa, ao, (double[]) pb, bo, ldb, k, (double[]) c, co, ldc, accumulate);
                }
                break;
            case NARROW:
                if (f32) {
                    GemmVector.f32x5((float[]) pa, ao, (float[]) pb, bo, ldb, k, (float[]) c, co, ldc, accumulate);
                } else {
                    GemmVector.f64x5((double[]) pa, ao, (double[]) pb, bo, ldb, k, (double[]) c, co, ldc, accumulate);
                }
                break;
            default:
                if (f32) {
                    scalarF32((float[]) pa, ao, (float[]) pb, bo, ldb, k, nr, (float[]) c, co, ldc, accumulate);
                } else {
                    scalarF64((double[]) pa, ao, (double[]) pb, bo, ldb, k, nr, (double[]) c, co, ldc, accumulate);
                }
        }
    }

    /**
     * The first {@code rows} rows of the {@link #FEW} × {@link Kernel#fewColumns} block at c[co] (row
     * stride ldc) from the A panel at pa[ao] ({@code pa[ao + t * FEW + i] = A(i, t)}) and B as it lies:
     * {@code B(t, jj) = b[bo + t * ldb + jj]}.
     */
    private static void few(Kernel kern, Object pa, int ao, Object b, int bo, int ldb, int k, Object c, int co,
                            int ldc, int rows, boolean accumulate, boolean f32) {
        switch (kern) {
            case WIDE:
                if (f32) {
                    GemmVector.f32x4((float[]) pa, ao, (float[]) b, bo, ldb, k, (float[]) c, co, ldc, rows, accumulate);
                } else {
                    GemmVector.f64x4((double[]) pa, ao, (double[]) b, bo, ldb, k, (double[]) c, co, ldc, rows, accumulate);
                }
                break;
            case NARROW:
                if (f32) {
                    GemmVector.f32x4Narrow((float[]) pa, ao, (float[]) b, bo, ldb, k, (float[]) c, co, ldc, rows,
                            accumulate);
                } else {
                    GemmVector.f64x4Narrow((double[]) pa, ao, (double[]) b, bo, ldb, k, (double[]) c, co, ldc, rows,
                            accumulate);
                }
                break;
            default:
                if (f32) {
                    fewF32((float[]) pa, ao, (float[]) b, bo, ldb, k, kern.fewColumns(true), (float[]) c, co, ldc, rows,
                            accumulate);
                } else {
                    fewF64((double[]) pa, ao, (double[]) b, bo, ldb, k, kern.fewColumns(false), (double[]) c, co, ldc,
                            rows, accumulate);
                }
        }
    }

    /** {@link #few} with Math.fma: the first {@code rows} rows of the block, {@code w} columns. */
    private static void fewF32(float[] pa, int ao, float[] b, int bo, int ldb, int k, int w, float[] c, int co,
                               int ldc, int rows, boolean accumulate) {
        float[] acc = new float[rows * w];
        if (accumulate) {
            copyTile(c, co, ldc, acc, 0, w, rows, w);
        }
        for (int t = 0; t < k; t++) {
            int bt = bo + t * ldb;
            for (int ii = 0; ii < rows; ii++) {
                float x = pa[ao + t * FEW + ii];
                int r = ii * w;
                for (int jj = 0; jj < w; jj++) {
                    acc[r + jj] = Math.fma(x, b[bt + jj], acc[r + jj]);
                }
            }
        }
        copyTile(acc, 0, w, c, co, ldc, rows, w);
    }

    private static void fewF64(double[] pa, int ao, double[] b, int bo, int ldb, int k, int w, double[] c, int co,
                               int ldc, int rows, boolean accumulate) {
        double[] acc = new double[rows * w];
        if (accumulate) {
            copyTile(c, co, ldc, acc, 0, w, rows, w);
        }
        for (int t = 0; t < k; t++) {
            int bt = bo + t * ldb;
            for (int ii = 0; ii < rows; ii++) {
                double x = pa[ao + t * FEW + ii];
                int r = ii * w;
                for (int jj = 0; jj < w; jj++) {
                    acc[r + jj] = Math.fma(x, b[bt + jj], acc[r + jj]);
                }
            }
        }
        copyTile(acc, 0, w, c, co, ldc, rows, w);
    }

    /** The MR × nr tile at c[co] (row stride ldc) from packed panels, with Math.fma. */
    private static void scalarF32(float[] pa, int ao, float[] pb, int bo, int ldb, int k, int nr, float[] c, int co, int ldc,
                                  boolean accumulate) {
        float[] acc = new float[MR * nr];
        if (accumulate) {
            copyTile(c, co, ldc, acc, 0, nr, MR, nr);
        }
        for (int t = 0; t < k; t++) {
            for (int ii = 0; ii < MR; ii++) {
                float x = pa[ao + t * MR + ii];
                int r = ii * nr;
                for (int jj = 0; jj < nr; jj++) {
                    acc[r + jj] = Math.fma(x, pb[bo + t * ldb + jj], acc[r + jj]);
                }
            }
        }
        copyTile(acc, 0, nr, c, co, ldc, MR, nr);
    }

    private static void scalarF64(double[] pa, int ao, double[] pb, int bo, int ldb, int k, int nr, double[] c, int co, int ldc,
                                  boolean accumulate) {
        double[] acc = new double[MR * nr];
        if (accumulate) {
            copyTile(c, co, ldc, acc, 0, nr, MR, nr);
        }
        for (int t = 0; t < k; t++) {
            for (int ii = 0; ii < MR; ii++) {
                double x = pa[ao + t * MR + ii];
                int r = ii * nr;
                for (int jj = 0; jj < nr; jj++) {
                    acc[r + jj] = Math.fma(x, pb[bo + t * ldb + jj], acc[r + jj]);
                }
            }
        }
        copyTile(acc, 0, nr, c, co, ldc, MR, nr);
    }
}
