package org.dspn4j.io;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes one array in numpy's {@code .npy} format (NEP 1, "A simple file format for
 * NumPy arrays"):
 * <pre>
 *   bytes 0-5   magic "\x93NUMPY"
 *   byte  6, 7  format version major, minor
 *   then        header length: uint16 LE (1.0) or uint32 LE (2.0, 3.0)
 *   then        header: a Python dict literal {'descr': '&lt;f8', 'fortran_order': False, 'shape': (2, 3), }
 *               padded with spaces and a final '\n' so that the data starts at a multiple of 64
 *   then        the elements, C order, little-endian
 * </pre>
 * Read: versions 1.0, 2.0 and 3.0 (3.0 only differs by a UTF-8 header); dtypes {@code <f4 <f8
 * <i4 <i8 |u1 |b1} ({@code <u1} and {@code <b1} too). Write: version 1.0, or 2.0 when the header
 * exceeds 65,535 bytes. Everything else — big-endian or complex dtypes, structured dtypes,
 * {@code fortran_order: True}, a short file, bytes after the data, a header over
 * {@link #MAX_HEADER_BYTES} or data over {@link #MAX_DATA_BYTES} — is an
 * {@link NpyFormatException} naming the source. Reading allocates the array the header declares
 * (after checking it against the limit and, for a file, against the file's size) plus a 64 KiB
 * buffer; see docs/input-limits.md.
 *
 * <p>Note: a header longer than 65,535 bytes needs thousands of dimensions; numpy itself allows
 * at most 32 (numpy 1.x) or 64 (2.x) and by default refuses headers over 10,000 bytes, so every
 * array numpy can load is written as version 1.0.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** numpy aligns the start of the data to this many bytes. */
    private static final int ALIGN = 64;

    private Npy() {
    }

    // ================================================================ read

    /**
     * The most data bytes (shape × item size) one array may declare: 256 MiB. The largest array
     * this project writes is a ResNet34 convolution weight, 512 × 512 × 3 × 3 elements (18.9 MB in
     * {@code <f8}); a batch of 128 CLEVR images at 3 × 128 × 128 in {@code <f8} is 50 MB. A header
     * that declares more is refused before anything is allocated.
     */
    public static final long MAX_DATA_BYTES = 256L << 20;

    /**
     * The longest header read: 1 MiB. numpy writes a few hundred bytes at most (and by default
     * refuses to read headers over 10,000 bytes).
     */
    public static final long MAX_HEADER_BYTES = 1L << 20;

    /** The data is streamed through a buffer of this many bytes. */
    private static final int CHUNK_BYTES = 1 << 16;

    /**
     * Reads a {@code .npy} file. The header's shape and dtype must account for exactly the bytes
     * after it, and declare at most {@link #MAX_DATA_BYTES}; both are checked against the file's
     * size before the array is allocated.
     */
    public static NdArray read(Path file) throws IOException {
        long length = Files.size(file);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            return read(in, file.toString(), length);
        }
    }

    /**
     * Reads one array from a stream of unknown length and checks that the stream ends right after
     * it. The array is allocated from the header's shape (at most {@link #MAX_DATA_BYTES}) and
     * filled as the stream is read.
     *
     * @param source what to call the stream in error messages (a file name)
     */
    public static NdArray read(InputStream in, String source) throws IOException {
        return read(in, source, -1);
    }

    /**
     * Reads one array from a stream and checks that the stream ends right after it.
     *
     * @param source what to call the stream in error messages (a file name)
     * @param length the stream's length in bytes when known (a file's size, an archive entry's
     *               declared size), or -1: a header whose shape does not account for exactly this
     *               many bytes is refused before the array is allocated
     */
    static NdArray read(InputStream in, String source, long length) throws IOException {
        long offset = 0;
        byte[] magic = readExactly(in, 8, source, offset, "magic and version");
        for (int i = 0; i < MAGIC.length; i++) {
            if (magic[i] != MAGIC[i]) {
                throw new NpyFormatException(source, "not a .npy file (wrong magic at byte offset " + i
                        + "; expected \\x93NUMPY)");
            }
        }
        int major = magic[6] & 0xFF;
        int minor = magic[7] & 0xFF;
        offset = 8;
        long headerLength;
        if (major == 1 && minor == 0) {
            byte[] b = readExactly(in, 2, source, offset, "header length");
            headerLength = (b[0] & 0xFF) | (b[1] & 0xFF) << 8;
            offset += 2;
        } else if ((major == 2 || major == 3) && minor == 0) {
            byte[] b = readExactly(in, 4, source, offset, "header length");
            headerLength = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
            offset += 4;
        } else {
            throw new NpyFormatException(source, "unsupported .npy format version " + major + "." + minor
                    + " (supported: 1.0, 2.0, 3.0)");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new NpyFormatException(source, "header length " + headerLength + " at byte offset " + (offset - 4)
                    + " is more than the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        if (length >= 0 && offset + headerLength > length) {
            throw truncated(source, "header", headerLength, offset, length);
        }
        byte[] headerBytes = readExactly(in, (int) headerLength, source, offset, "header");
        offset += headerLength;
        String header = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Header h = Header.parse(header, source);

        long elements = 1;
        for (int d : h.shape) {
            elements *= d; // each d < 2^31, and the product is checked before it can overflow
            if (elements * h.dtype.itemSize() > MAX_DATA_BYTES) {
                throw new NpyFormatException(source, "shape " + shapeRepr(h.shape) + " of " + h.dtype.descr()
                        + " declares more than the limit of " + MAX_DATA_BYTES + " data bytes (Npy.MAX_DATA_BYTES)");
            }
        }
        int size = (int) elements;
        long dataBytes = elements * h.dtype.itemSize();
        String what = "data (" + size + " elements of " + h.dtype.descr() + ", shape " + shapeRepr(h.shape) + ")";
        if (length >= 0 && offset + dataBytes > length) {
            throw truncated(source, what, dataBytes, offset, length);
        }
        if (length >= 0 && offset + dataBytes < length) {
            throw new NpyFormatException(source, "unexpected bytes after the data at byte offset " + (offset + dataBytes)
                    + " (the " + what + " ends there but the file has " + length + " bytes)");
        }
        NdArray out = readData(in, h.dtype, h.shape, size, source, offset, what);
        offset += dataBytes;
        if (in.read() != -1) {
            throw new NpyFormatException(source, "unexpected bytes after the data at byte offset " + offset);
        }
        return out;
    }

    /** Parses a whole {@code .npy} held in memory (one archive entry). */
    static NdArray read(byte[] bytes, String source) throws IOException {
        return read(new ByteArrayInputStream(bytes), source, bytes.length);
    }

    private static NpyFormatException truncated(String source, String what, long n, long offset, long end) {
        return new NpyFormatException(source, "truncated: the " + what + " needs " + n
                + " bytes from byte offset " + offset + " but the file ends at byte offset " + end);
    }

    private static byte[] readExactly(InputStream in, int n, String source, long offset, String what)
            throws IOException {
        byte[] b = in.readNBytes(n); // grows as it reads: a lying length cannot force a large allocation
        if (b.length < n) {
            throw truncated(source, what, n, offset, offset + b.length);
        }
        return b;
    }

    /**
     * Allocates the array and fills it from the stream through a {@link #CHUNK_BYTES} buffer,
     * little-endian, in C order.
     */
    private static NdArray readData(InputStream in, NdArray.DType dtype, int[] shape, int size, String source,
                                    long offset, String what) throws IOException {
        int item = dtype.itemSize();
        Object data;
        switch (dtype) {
            case F4: data = new float[size]; break;
            case F8: data = new double[size]; break;
            case I4: data = new int[size]; break;
            case I8: data = new long[size]; break;
            case U1: data = new byte[size]; break;
            case B1: data = new boolean[size]; break;
            default: throw new AssertionError(dtype);
        }
        byte[] chunk = new byte[(int) Math.min(CHUNK_BYTES, Math.max(item, (long) size * item))];
        ByteBuffer buf = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
        int perChunk = chunk.length / item;
        for (int start = 0; start < size; start += perChunk) {
            int n = Math.min(perChunk, size - start);
            int got = in.readNBytes(chunk, 0, n * item);
            if (got < n * item) {
                throw truncated(source, what, (long) size * item, offset, offset + (long) start * item + got);
            }
            buf.clear();
            switch (dtype) {
                case F4: buf.asFloatBuffer().get((float[]) data, start, n); break;
                case F8: buf.asDoubleBuffer().get((double[]) data, start, n); break;
                case I4: buf.asIntBuffer().get((int[]) data, start, n); break;
                case I8: buf.asLongBuffer().get((long[]) data, start, n); break;
                case U1: System.arraycopy(chunk, 0, data, start, n); break;
                case B1: {
                    boolean[] a = (boolean[]) data;
                    for (int i = 0; i < n; i++) {
                        a[start + i] = chunk[i] != 0;
                    }
                    break;
                }
                default: throw new AssertionError(dtype);
            }
        }
        switch (dtype) {
            case F4: return NdArray.of((float[]) data, shape);
            case F8: return NdArray.of((double[]) data, shape);
            case I4: return NdArray.of((int[]) data, shape);
            case I8: return NdArray.of((long[]) data, shape);
            case U1: return NdArray.ofUnsignedBytes((byte[]) data, shape);
            case B1: return NdArray.of((boolean[]) data, shape);
            default: throw new AssertionError(dtype);
        }
    }

    // ================================================================ write

    /** Writes one array as a {@code .npy} file (not atomically; see {@link Npz#writeAtomic}). */
    public static void write(Path file, NdArray array) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            write(out, array);
        }
    }

    /** Writes one array in {@code .npy} format to a stream (the stream is not closed). */
    public static void write(OutputStream out, NdArray array) throws IOException {
        out.write(header(array));
        writeData(out, array);
    }

    /** The complete {@code .npy} bytes of an array. */
    public static byte[] toBytes(NdArray array) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128 + array.size() * array.dtype().itemSize());
        try {
            write(out, array);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen for a ByteArrayOutputStream
        }
        return out.toByteArray();
    }

    /** Magic, version, header length and the padded header dict; the data follows it directly. */
    private static byte[] header(NdArray array) {
        // Keys in sorted order, as numpy writes them.
        String dict = "{'descr': '" + array.dtype().descr() + "', 'fortran_order': False, 'shape': "
                + shapeRepr(array.shape()) + ", }";
        int version = 1;
        int prefix = MAGIC.length + 2 + 2;
        int total = padded(prefix + dict.length() + 1);
        if (total - prefix > 0xFFFF) {
            version = 2;
            prefix = MAGIC.length + 2 + 4;
            total = padded(prefix + dict.length() + 1);
        }
        int headerLength = total - prefix;
        StringBuilder sb = new StringBuilder(headerLength).append(dict);
        while (sb.length() < headerLength - 1) {
            sb.append(' ');
        }
        sb.append('\n');
        ByteBuffer buf = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).put((byte) version).put((byte) 0);
        if (version == 1) {
            buf.putShort((short) headerLength);
        } else {
            buf.putInt(headerLength);
        }
        buf.put(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        return buf.array();
    }

    private static int padded(int length) {
        return (length + ALIGN - 1) / ALIGN * ALIGN;
    }

    private static void writeData(OutputStream out, NdArray array) throws IOException {
        int n = array.size();
        NdArray.DType dtype = array.dtype();
        if (dtype == NdArray.DType.U1) {
            out.write(array.unsignedBytes());
            return;
        }
        // Encode in chunks so that a large checkpoint does not need a second full-size buffer.
        final int chunk = 8192;
        ByteBuffer buf = ByteBuffer.allocate(chunk * dtype.itemSize()).order(ByteOrder.LITTLE_ENDIAN);
        Object data = array.data();
        for (int start = 0; start < n; start += chunk) {
            int end = Math.min(n, start + chunk);
            buf.clear();
            for (int i = start; i < end; i++) {
                switch (dtype) {
                    case F4: buf.putFloat(((float[]) data)[i]); break;
                    case F8: buf.putDouble(((double[]) data)[i]); break;
                    case I4: buf.putInt(((int[]) data)[i]); break;
                    case I8: buf.putLong(((long[]) data)[i]); break;
                    case B1: buf.put((byte) (((boolean[]) data)[i] ? 1 : 0)); break;
                    default: throw new AssertionError(dtype);
                }
            }
            out.write(buf.array(), 0, buf.position());
        }
    }

    /** Python's repr of a shape tuple: {@code ()}, {@code (5,)}, {@code (2, 3)}. */
    static String shapeRepr(int[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return sb.append(')').toString();
    }

    // ================================================================ header parsing

    /** The three header fields. The dict must have exactly these keys, as numpy requires. */
    private static final class Header {
        final NdArray.DType dtype;
        final int[] shape;

        private Header(NdArray.DType dtype, int[] shape) {
            this.dtype = dtype;
            this.shape = shape;
        }

        static Header parse(String text, String source) throws NpyFormatException {
            Map<String, Object> dict = new DictParser(text, source).parseDict();
            if (!dict.keySet().equals(java.util.Set.of("descr", "fortran_order", "shape"))) {
                throw new NpyFormatException(source, "header keys " + dict.keySet()
                        + " are not exactly descr, fortran_order, shape");
            }
            Object descr = dict.get("descr");
            if (!(descr instanceof String)) {
                throw new NpyFormatException(source, "unsupported dtype " + descr
                        + " (structured dtypes are not supported)");
            }
            Object fortran = dict.get("fortran_order");
            if (!(fortran instanceof Boolean)) {
                throw new NpyFormatException(source, "fortran_order is " + fortran + ", not True or False");
            }
            if ((Boolean) fortran) {
                throw new NpyFormatException(source, "Fortran-ordered arrays are not supported"
                        + " (save with numpy.ascontiguousarray)");
            }
            Object shape = dict.get("shape");
            if (!(shape instanceof int[])) {
                throw new NpyFormatException(source, "shape is " + shape + ", not a tuple of integers");
            }
            return new Header(dtypeOf((String) descr, source), (int[]) shape);
        }

        private static NdArray.DType dtypeOf(String descr, String source) throws NpyFormatException {
            switch (descr) {
                case "<f4": return NdArray.DType.F4;
                case "<f8": return NdArray.DType.F8;
                case "<i4": return NdArray.DType.I4;
                case "<i8": return NdArray.DType.I8;
                case "|u1": case "<u1": return NdArray.DType.U1;
                case "|b1": case "<b1": return NdArray.DType.B1;
                default:
                    String why = descr.startsWith(">") ? " (big-endian data is not supported)" : "";
                    throw new NpyFormatException(source, "unsupported dtype '" + descr + "'" + why
                            + "; supported: <f4 <f8 <i4 <i8 |u1 |b1");
            }
        }
    }

    /**
     * A strict parser for the small subset of Python literals that numpy writes into a header:
     * a dict of string keys to strings, {@code True}/{@code False}, tuples of non-negative
     * integers, and lists (structured dtypes, parsed only to be rejected).
     */
    private static final class DictParser {
        private final String s;
        private final String source;
        private int pos;

        DictParser(String s, String source) {
            this.s = s;
            this.source = source;
        }

        Map<String, Object> parseDict() throws NpyFormatException {
            skipSpace();
            expect('{');
            Map<String, Object> out = new LinkedHashMap<>();
            skipSpace();
            while (peek() != '}') {
                String key = parseString();
                skipSpace();
                expect(':');
                Object value = parseValue();
                if (out.put(key, value) != null) {
                    throw fail("duplicate key '" + key + "'");
                }
                skipSpace();
                if (peek() == ',') {
                    pos++;
                    skipSpace();
                } else if (peek() != '}') {
                    throw fail("expected ',' or '}'");
                }
            }
            pos++;
            skipSpace();
            if (pos != s.length()) {
                throw fail("unexpected text after the header dict");
            }
            return out;
        }

        private Object parseValue() throws NpyFormatException {
            skipSpace();
            char c = peek();
            if (c == '\'' || c == '"') {
                return parseString();
            }
            if (s.startsWith("True", pos)) {
                pos += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("False", pos)) {
                pos += 5;
                return Boolean.FALSE;
            }
            if (c == '(') {
                return parseShape();
            }
            if (c == '[') {
                skipBracketed();
                return "a list (structured dtype)";
            }
            throw fail("unexpected value");
        }

        private int[] parseShape() throws NpyFormatException {
            expect('(');
            List<Integer> dims = new ArrayList<>();
            skipSpace();
            while (peek() != ')') {
                int start = pos;
                while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
                    pos++;
                }
                if (start == pos) {
                    throw fail("expected a non-negative integer in the shape");
                }
                try {
                    dims.add(Integer.parseInt(s.substring(start, pos)));
                } catch (NumberFormatException e) {
                    throw fail("dimension " + s.substring(start, pos) + " is too large");
                }
                if (peek() == 'L') {
                    pos++; // Python 2 long suffix
                }
                skipSpace();
                if (peek() == ',') {
                    pos++;
                    skipSpace();
                } else if (peek() != ')') {
                    throw fail("expected ',' or ')' in the shape");
                }
            }
            pos++;
            return dims.stream().mapToInt(Integer::intValue).toArray();
        }

        private String parseString() throws NpyFormatException {
            char quote = peek();
            if (quote != '\'' && quote != '"') {
                throw fail("expected a quoted string");
            }
            int end = s.indexOf(quote, pos + 1);
            if (end < 0) {
                throw fail("unterminated string");
            }
            String out = s.substring(pos + 1, end);
            pos = end + 1;
            return out;
        }

        private void skipBracketed() throws NpyFormatException {
            int depth = 0;
            do {
                char c = peek();
                if (c == '[' || c == '(') {
                    depth++;
                } else if (c == ']' || c == ')') {
                    depth--;
                }
                pos++;
            } while (depth > 0);
        }

        private void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        private char peek() throws NpyFormatException {
            if (pos >= s.length()) {
                throw fail("header ends too early");
            }
            return s.charAt(pos);
        }

        private void expect(char c) throws NpyFormatException {
            if (peek() != c) {
                throw fail("expected '" + c + "'");
            }
            pos++;
        }

        private NpyFormatException fail(String problem) {
            String text = s.strip();
            return new NpyFormatException(source, "malformed header (" + problem + " at character " + pos
                    + "): " + (text.length() <= 200 ? text : text.substring(0, 197) + "..."));
        }
    }
}
