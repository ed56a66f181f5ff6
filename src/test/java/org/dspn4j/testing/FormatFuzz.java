package org.dspn4j.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Mutation fuzzing of file readers, for jqwik properties: take valid files, damage them (truncate,
 * flip or set bytes, splice, insert, delete or duplicate runs, inflate declared sizes), lay them out
 * on disk and run the reader on them. Each case must end in one of two ways:
 * <ul>
 *   <li>the reader returns (the input was still valid, or damaged where it does not matter), or</li>
 *   <li>it throws one of the target's own format exceptions, whose message is one line naming a
 *       file of the input;</li>
 * </ul>
 * and in either case the reader's thread must have allocated at most the target's byte limit.
 * Any other exception, {@link OutOfMemoryError} and {@link StackOverflowError} included, fails.
 *
 * <p><b>Allocation bound.</b> HotSpot counts the bytes each thread allocates
 * ({@link com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes()}); the reader runs on
 * the calling thread and the count is taken before and after. This counts every allocation,
 * including arrays that are filled only partly before a truncation is found, so a reader that sizes
 * an array from a lying header fails the bound even if it then throws the right exception. An
 * allocation that fails outright throws {@link OutOfMemoryError}, which fails as "another
 * exception".
 *
 * <p><b>Adding a reader</b> is one {@link Target} in a property's list, e.g.
 * <pre>
 *   Target.file("checkpoint", "ckpt.npz", List.of(seedBytes), f -&gt; Checkpoint.load(f, net, adam),
 *           NpyFormatException.class, IllegalArgumentException.class).withFields(FormatFuzz::zipFields)
 * </pre>
 */
public final class FormatFuzz {

    private FormatFuzz() {
    }

    // ================================================================ targets

    /** Reads an input laid out under {@code root}; the result is kept only so that it is computed. */
    @FunctionalInterface
    public interface Reader {
        Object read(Path root) throws Exception;
    }

    /** Lays out the (mutated) bytes of one seed as files under a folder: relative name to content. */
    @FunctionalInterface
    public interface Layout {
        Map<String, byte[]> files(byte[] mutated) throws IOException;
    }

    /**
     * A binary field a mutation may overwrite with a large or off-by-one value.
     *
     * @param offset    byte offset in the seed
     * @param width     2, 4 or 8 bytes
     * @param bigEndian byte order
     */
    public record Field(int offset, int width, boolean bigEndian) {
    }

    /**
     * A reader under test.
     *
     * @param name             shown in failures and the case count
     * @param seeds            valid inputs to mutate
     * @param layout           how mutated bytes become files
     * @param reader           reads the folder the files are written to
     * @param allowed          the reader's own exceptions
     * @param allocationLimit  the most bytes the reader may allocate on one case
     * @param fields           where a seed's declared sizes are, for targeted inflation
     * @param anyPathUnderRoot a message may name any path under the input folder (an image a scene
     *                         names, say), not only one of the laid-out files
     */
    public record Target(String name, List<byte[]> seeds, Layout layout, Reader reader,
                         List<Class<? extends Throwable>> allowed, long allocationLimit,
                         java.util.function.Function<byte[], List<Field>> fields, boolean anyPathUnderRoot) {

        /** Default allocation limit: 64 MiB, for seeds of a few kB. */
        public static final long DEFAULT_LIMIT = 64L << 20;

        /** One file called {@code fileName}; {@code read} gets its path. */
        @SafeVarargs
        public static Target file(String name, String fileName, List<byte[]> seeds, Reader read,
                                  Class<? extends Throwable>... allowed) {
            return new Target(name, seeds, bytes -> Map.of(fileName, bytes), root -> read.read(root.resolve(fileName)),
                    List.of(allowed), DEFAULT_LIMIT, seed -> List.of(), false);
        }

        /** Several files under a folder, from {@code layout}; {@code read} gets the folder. */
        @SafeVarargs
        public static Target folder(String name, List<byte[]> seeds, Layout layout, Reader read,
                                    Class<? extends Throwable>... allowed) {
            return new Target(name, seeds, layout, read, List.of(allowed), DEFAULT_LIMIT, seed -> List.of(), false);
        }

        public Target withFields(java.util.function.Function<byte[], List<Field>> finder) {
            return new Target(name, seeds, layout, reader, allowed, allocationLimit, finder, anyPathUnderRoot);
        }

        public Target withAllocationLimit(long bytes) {
            return new Target(name, seeds, layout, reader, allowed, bytes, fields, anyPathUnderRoot);
        }

        /** Passes each mutated file through {@code fix} (e.g. recompute checksums) before it is written. */
        public Target withFix(java.util.function.UnaryOperator<byte[]> fix) {
            Layout inner = layout;
            return new Target(name, seeds, bytes -> inner.files(fix.apply(bytes)), reader, allowed, allocationLimit,
                    fields, anyPathUnderRoot);
        }

        public Target namingAnyPathUnderRoot() {
            return new Target(name, seeds, layout, reader, allowed, allocationLimit, fields, true);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * One generated case.
     *
     * @param seed index into the target's seeds (taken modulo their number)
     */
    public record Case(Target target, int seed, List<Mutation> mutations) {
        @Override
        public String toString() {
            return target.name() + " seed " + seed % target.seeds().size() + " " + mutations;
        }
    }

    /** Cases for the targets: each target equally likely, one of its seeds, 1 to 3 mutations. */
    public static Arbitrary<Case> cases(List<Target> targets) {
        return Combinators.combine(Arbitraries.of(targets).withoutEdgeCases(), Arbitraries.integers().between(0, 63),
                mutations().list().ofMinSize(1).ofMaxSize(3)).as(Case::new);
    }

    // ================================================================ mutations

    /** A change to a byte string; {@code fields} are the seed's declared-size fields, possibly empty. */
    public interface Mutation {
        byte[] apply(byte[] in, List<Field> fields);
    }

    /** Keeps the first {@code permille}/1000 of the bytes. */
    public record Truncate(int permille) implements Mutation {
        public byte[] apply(byte[] in, List<Field> fields) {
            return Arrays.copyOf(in, (int) ((long) in.length * permille / 1000));
        }
    }

    /** XORs one byte with {@code mask}. */
    public record FlipBits(int at, int mask) implements Mutation {
        public byte[] apply(byte[] in, List<Field> fields) {
            byte[] out = in.clone();
            if (out.length > 0) {
                out[Math.floorMod(at, out.length)] ^= (byte) mask;
            }
            return out;
        }
    }

    /** Sets one byte. */
    public record SetByte(int at, int value) implements Mutation {
        public byte[] apply(byte[] in, List<Field> fields) {
            byte[] out = in.clone();
            if (out.length > 0) {
                out[Math.floorMod(at, out.length)] = (byte) value;
            }
            return out;
        }
    }

    /** Copies {@code length} bytes from {@code from} over the bytes at {@code to} (growing the file if needed). */
    public record Splice(int from, int to, int length) implements Mutation {
        public byte[] apply(byte[] in, List<Field> fields) {
            if (in.length == 0) {
                return in;
            }
            int f = Math.floorMod(from, in.length);
            int t = Math.floorMod(to, in.length);
            int n = Math.min(length, in.length - f);
            byte[] out = Arrays.copyOf(in, Math.max(in.length, t + n));
            System.arraycopy(in, f, out, t, n);
            return out;
        }
    }

    /** Inserts bytes. */
    public record Insert(int at, byte[] bytes) implements Mutation {
        public byte[] apply(byte[] in, List<Field> fields) {
            int a = in.length == 0 ? 0 : Math.floorMod(at, in.length + 1);
            ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + bytes.length);
            out.write(in, 0, a);
            out.write(bytes, 0, bytes.length);
            out.write(in, a, in.length - a);
            return out.toByteArray();
        }

        @Override
        public String toString() {
            return "Insert[at=" + at + ", bytes=" + HexFormat.of().formatHex(bytes) + "]";
        }
    }

    /** Deletes a run of bytes. */
    public record Delete(int at, int length) implements Mutation {
        public byte[] apply(byte[] in, List<Field> fields) {
            if (in.length == 0) {
                return in;
            }
            int a = Math.floorMod(at, in.length);
            int n = Math.min(length, in.length - a);
            byte[] out = new byte[in.length - n];
            System.arraycopy(in, 0, out, 0, a);
            System.arraycopy(in, a + n, out, a, in.length - a - n);
            return out;
        }
    }

    /** Repeats a run of bytes right after itself. */
    public record Duplicate(int at, int length) implements Mutation {
        public byte[] apply(byte[] in, List<Field> fields) {
            if (in.length == 0) {
                return in;
            }
            int a = Math.floorMod(at, in.length);
            int n = Math.min(length, in.length - a);
            return new Insert(a + n, Arrays.copyOfRange(in, a, a + n)).apply(in, fields);
        }
    }

    /**
     * Overwrites a declared-size field (one of the seed's {@link Field}s, or 4 bytes big-endian at a
     * position when it has none) with a large or off-by-one value.
     */
    public record InflateField(int which, Value value) implements Mutation {
        public byte[] apply(byte[] in, List<Field> fields) {
            Field f = fields.isEmpty() ? new Field(Math.floorMod(which, Math.max(1, in.length)), 4, true)
                    : fields.get(Math.floorMod(which, fields.size()));
            if (f.offset() + f.width() > in.length) {
                return in;
            }
            ByteBuffer b = ByteBuffer.wrap(in.clone()).order(f.bigEndian() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            long old = switch (f.width()) {
                case 2 -> b.getShort(f.offset()) & 0xFFFFL;
                case 4 -> b.getInt(f.offset()) & 0xFFFFFFFFL;
                default -> b.getLong(f.offset());
            };
            long v = value.of(old);
            switch (f.width()) {
                case 2 -> b.putShort(f.offset(), (short) v);
                case 4 -> b.putInt(f.offset(), (int) v);
                default -> b.putLong(f.offset(), v);
            }
            return b.array();
        }
    }

    /** Replaces the first run of ASCII digits at or after a position (wrapping) with other digits. */
    public record InflateDigits(int at, String digits) implements Mutation {
        public byte[] apply(byte[] in, List<Field> fields) {
            if (in.length == 0) {
                return in;
            }
            int start = Math.floorMod(at, in.length);
            for (int k = 0; k < in.length; k++) {
                int i = (start + k) % in.length;
                if (in[i] >= '0' && in[i] <= '9') {
                    int end = i;
                    while (end < in.length && in[end] >= '0' && in[end] <= '9') {
                        end++;
                    }
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    out.write(in, 0, i);
                    out.writeBytes(digits.getBytes(StandardCharsets.US_ASCII));
                    out.write(in, end, in.length - end);
                    return out.toByteArray();
                }
            }
            return in;
        }
    }

    /** A new value for a size field, from its old one. */
    public enum Value {
        ZERO, PLUS_ONE, MINUS_ONE, DOUBLE, TIMES_1000, MAX_INT, UINT_MAX, TWO_POW_24, TWO_POW_30, LONG_MAX;

        long of(long old) {
            return switch (this) {
                case ZERO -> 0;
                case PLUS_ONE -> old + 1;
                case MINUS_ONE -> old - 1;
                case DOUBLE -> old * 2 + 1;
                case TIMES_1000 -> old * 1000 + 7;
                case MAX_INT -> Integer.MAX_VALUE;
                case UINT_MAX -> 0xFFFFFFFFL;
                case TWO_POW_24 -> 1L << 24;
                case TWO_POW_30 -> 1L << 30;
                case LONG_MAX -> Long.MAX_VALUE;
            };
        }
    }

    /** Every kind of mutation, with positions and lengths that wrap around any seed. */
    public static Arbitrary<Mutation> mutations() {
        Arbitrary<Integer> at = Arbitraries.integers().between(0, 1 << 20);
        Arbitrary<Integer> run = Arbitraries.integers().between(1, 256);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, 999).map(Truncate::new)),
                net.jqwik.api.Tuple.of(3, Combinators.combine(at, Arbitraries.integers().between(1, 255)).as(FlipBits::new)),
                net.jqwik.api.Tuple.of(1, Combinators.combine(at, Arbitraries.of(0, 0xFF, 0x7F, 0x80, (int) '{', (int) '"', (int) '\n'))
                        .as(SetByte::new)),
                net.jqwik.api.Tuple.of(1, Combinators.combine(at, at, run).as(Splice::new)),
                net.jqwik.api.Tuple.of(1, Combinators.combine(at, Arbitraries.bytes().array(byte[].class).ofMinSize(1)
                        .ofMaxSize(16)).as(Insert::new)),
                net.jqwik.api.Tuple.of(1, Combinators.combine(at, run).as(Delete::new)),
                net.jqwik.api.Tuple.of(1, Combinators.combine(at, run).as(Duplicate::new)),
                net.jqwik.api.Tuple.of(3, Combinators.combine(at, Arbitraries.of(Value.class)).as(InflateField::new)),
                net.jqwik.api.Tuple.of(2, Combinators.combine(at, Arbitraries.of("0", "2147483647", "4294967296",
                        "99999999999999999999", "1000000", "65537", "16777216", "1" + "0".repeat(400)))
                        .as(InflateDigits::new)));
    }

    // ================================================================ running a case

    /** What a case ended in. */
    public enum Outcome { READ, REFUSED }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final Map<String, long[]> COUNTS = new ConcurrentHashMap<>();
    private static final AtomicLong MAX_ALLOCATED = new AtomicLong();
    private static Path scratch;

    /**
     * Runs one case: mutates the seed, writes the files to a fresh folder, runs the reader, checks
     * the outcome and the allocation, deletes the folder.
     *
     * @throws AssertionError describing the violation
     */
    public static Outcome check(Case c) {
        long start = System.nanoTime();
        long cpu = THREADS.getCurrentThreadCpuTime();
        try {
            return checkTimed(c);
        } finally {
            CHECK_NANOS.addAndGet(System.nanoTime() - start);
            CHECK_CPU_NANOS.addAndGet(THREADS.getCurrentThreadCpuTime() - cpu);
        }
    }

    private static final AtomicLong CHECK_NANOS = new AtomicLong();
    private static final AtomicLong CHECK_CPU_NANOS = new AtomicLong();

    private static Outcome checkTimed(Case c) {
        Target t = c.target();
        byte[] seed = t.seeds().get(c.seed() % t.seeds().size());
        List<Field> fields = t.fields().apply(seed);
        byte[] bytes = seed;
        for (Mutation m : c.mutations()) {
            bytes = m.apply(bytes, fields);
        }
        // One folder per target, its files overwritten by each case: a layout always has the same names.
        Path root;
        Map<String, byte[]> files;
        try {
            root = scratch().resolve(t.name());
            files = t.layout().files(bytes);
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                Path p = root.resolve(f.getKey());
                Files.createDirectories(p.getParent());
                Files.write(p, f.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long t0 = System.nanoTime();
        Outcome o = run(t, root, files.keySet(), c);
        long[] n = COUNTS.computeIfAbsent(t.name(), k -> new long[3]);
        n[o.ordinal()]++;
        n[2] += System.nanoTime() - t0;
        return o;
    }

    /** Runs the unmutated seeds: each must read without an exception (the seeds are valid). */
    public static void checkSeeds(Target t) throws Exception {
        for (byte[] seed : t.seeds()) {
            Path root = Files.createTempDirectory(scratch(), "seed");
            try {
                for (Map.Entry<String, byte[]> f : t.layout().files(seed).entrySet()) {
                    Path p = root.resolve(f.getKey());
                    Files.createDirectories(p.getParent());
                    Files.write(p, f.getValue());
                }
                t.reader().read(root);
            } finally {
                deleteTree(root);
            }
        }
    }

    private static Outcome run(Target t, Path root, java.util.Set<String> names, Case c) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        Throwable thrown = null;
        try {
            t.reader().read(root);
        } catch (Throwable e) {
            thrown = e;
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        MAX_ALLOCATED.accumulateAndGet(allocated, Math::max);
        if (allocated > t.allocationLimit()) {
            throw new AssertionError(c + ": the reader allocated " + allocated + " bytes, more than the limit of "
                    + t.allocationLimit() + (thrown == null ? "" : " (then threw " + thrown + ")"), thrown);
        }
        if (thrown == null) {
            return Outcome.READ;
        }
        Throwable e = thrown;
        if (t.allowed().stream().noneMatch(k -> k.isInstance(e))) {
            throw new AssertionError(c + ": threw " + e.getClass().getName() + ", not one of " + t.allowed()
                    + ":\n" + stackTrace(e), e);
        }
        String m = e.getMessage();
        if (m == null || m.indexOf('\n') >= 0 || m.indexOf('\r') >= 0) {
            throw new AssertionError(c + ": the message is not one line: " + m, e);
        }
        boolean named = t.anyPathUnderRoot() ? m.contains(root.toString())
                : names.stream().anyMatch(n -> m.contains(root.resolve(n).toString()));
        if (!named) {
            throw new AssertionError(c + ": the message names no file of the input " + names + " under " + root + ": " + m, e);
        }
        return Outcome.REFUSED;
    }

    /** Cases run so far per target (read, refused, seconds in the reader) and the largest allocation of one case. */
    public static String summary() {
        StringBuilder sb = new StringBuilder();
        long total = 0;
        for (Map.Entry<String, long[]> e : new java.util.TreeMap<>(COUNTS).entrySet()) {
            long[] n = e.getValue();
            total += n[0] + n[1];
            sb.append(String.format(java.util.Locale.ROOT, "  %-22s %6d cases: %6d read, %6d refused, %6.2f s%n", e.getKey(),
                    n[0] + n[1], n[0], n[1], n[2] / 1e9));
        }
        return String.format(java.util.Locale.ROOT, "format fuzz: %d cases in %.1f s (%.1f s of CPU; files written and"
                + " read), largest allocation of one case %.1f MB%n", total, CHECK_NANOS.get() / 1e9, CHECK_CPU_NANOS.get() / 1e9,
                MAX_ALLOCATED.get() / 1e6) + sb;
    }

    // ================================================================ helpers for seeds and layouts

    /** The size fields of a zip archive: local headers, central directory records, end record. */
    public static List<Field> zipFields(byte[] zip) {
        List<Field> out = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 4 <= zip.length; i++) {
            int sig = b.getInt(i);
            if (sig == 0x04034b50 && i + 30 <= zip.length) {
                out.add(new Field(i + 18, 4, false)); // compressed size
                out.add(new Field(i + 22, 4, false)); // uncompressed size
                out.add(new Field(i + 26, 2, false)); // name length
                out.add(new Field(i + 28, 2, false)); // extra length
                int data = i + 30 + (b.getShort(i + 26) & 0xFFFF) + (b.getShort(i + 28) & 0xFFFF);
                if (data + 10 <= zip.length && zip[data] == (byte) 0x93 && zip[data + 1] == 'N') {
                    out.add(new Field(data + 8, 2, false)); // a stored .npy's header length
                }
            } else if (sig == 0x02014b50 && i + 46 <= zip.length) {
                out.add(new Field(i + 20, 4, false));
                out.add(new Field(i + 24, 4, false));
                out.add(new Field(i + 28, 2, false));
                out.add(new Field(i + 42, 4, false)); // local header offset
            } else if (sig == 0x06054b50 && i + 22 <= zip.length) {
                out.add(new Field(i + 10, 2, false)); // entries
                out.add(new Field(i + 12, 4, false)); // central directory size
                out.add(new Field(i + 16, 4, false)); // central directory offset
            } else if (sig == 0x08074b50 && i + 16 <= zip.length) {
                out.add(new Field(i + 8, 4, false)); // data descriptor sizes
                out.add(new Field(i + 12, 4, false));
            }
        }
        return out;
    }

    /** The chunk lengths of a PNG and its width and height. */
    public static List<Field> pngFields(byte[] png) {
        List<Field> out = new ArrayList<>(List.of(new Field(16, 4, true), new Field(20, 4, true)));
        ByteBuffer b = ByteBuffer.wrap(png);
        for (long pos = 8; pos + 12 <= png.length; ) {
            out.add(new Field((int) pos, 4, true));
            pos += 12 + (b.getInt((int) pos) & 0xFFFFFFFFL);
        }
        return out;
    }

    /** Recomputes the CRC of every chunk that lies inside the file, so that damage reaches the decoder. */
    public static byte[] fixPngCrcs(byte[] png) {
        byte[] out = png.clone();
        ByteBuffer b = ByteBuffer.wrap(out);
        for (long pos = 8; pos + 12 <= out.length; ) {
            long length = b.getInt((int) pos) & 0xFFFFFFFFL;
            if (pos + 12 + length > out.length) {
                break;
            }
            CRC32 crc = new CRC32();
            crc.update(out, (int) pos + 4, 4 + (int) length);
            b.putInt((int) (pos + 8 + length), (int) crc.getValue());
            pos += 12 + length;
        }
        return out;
    }

    /** gzip of {@code data}. */
    public static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A zip holding {@code entry} under {@code name}, deflated or stored, with correct sizes and CRC. */
    public static byte[] zip(String name, byte[] entry, boolean deflated) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(out)) {
            java.util.zip.ZipEntry e = new java.util.zip.ZipEntry(name);
            if (!deflated) {
                CRC32 crc = new CRC32();
                crc.update(entry);
                e.setMethod(java.util.zip.ZipEntry.STORED);
                e.setSize(entry.length);
                e.setCompressedSize(entry.length);
                e.setCrc(crc.getValue());
            }
            z.putNextEntry(e);
            z.write(entry);
            z.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The bytes of a classpath resource. */
    public static byte[] resource(String name) {
        try (var in = FormatFuzz.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("no resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A layout of fixed files plus the mutated one. */
    public static Layout with(String mutatedName, Map<String, byte[]> fixed) {
        return bytes -> {
            Map<String, byte[]> m = new LinkedHashMap<>(fixed);
            m.put(mutatedName, bytes);
            return m;
        };
    }

    private static synchronized Path scratch() throws IOException {
        if (scratch == null) {
            scratch = Files.createTempDirectory("dspn4j-fuzz");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(scratch)));
        }
        return scratch;
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String stackTrace(Throwable e) {
        StringWriter w = new StringWriter();
        e.printStackTrace(new PrintWriter(w));
        return w.toString();
    }
}
