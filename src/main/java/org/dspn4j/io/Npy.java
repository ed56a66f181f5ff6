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
 * {@code fortran_order: True}, a short file, bytes after the data — is an
 * {@link NpyFormatException} naming the source.
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

    /** Reads a {@code .npy} file. */
    public static NdArray read(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            return read(in, file.toString());
        }
    }

    /**
     * Reads one array from a stream and checks that the stream ends right after it.
     *
     * @param source what to call the stream in error messages (a file name)
     */
    public static NdArray read(InputStream in, String source) throws IOException {
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
        if (headerLength > Integer.MAX_VALUE - 8) {
            throw new NpyFormatException(source, "header length " + headerLength + " is not plausible");
        }
        byte[] headerBytes = readExactly(in, (int) headerLength, source, offset, "header");
        offset += headerLength;
        String header = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Header h = Header.parse(header, source);

        int size;
        try {
            size = NdArray.checkedSize(h.shape);
        } catch (IllegalArgumentException e) {
            throw new NpyFormatException(source, e.getMessage(), e);
        }
        long dataBytes = (long) size * h.dtype.itemSize();
        if (dataBytes > Integer.MAX_VALUE - 8) {
            throw new NpyFormatException(source, "data of " + dataBytes + " bytes is too large for one Java array");
        }
        byte[] raw = readExactly(in, (int) dataBytes, source, offset,
                "data (" + size + " elements of " + h.dtype.descr() + ", shape " + shapeRepr(h.shape) + ")");
        offset += dataBytes;
        if (in.read() != -1) {
            throw new NpyFormatException(source, "unexpected bytes after the data at byte offset " + offset);
        }
        return decode(raw, h.dtype, h.shape);
    }

    /** Parses a whole {@code .npy} held in memory (one archive entry). */
    static NdArray read(byte[] bytes, String source) throws IOException {
        return read(new ByteArrayInputStream(bytes), source);
    }

    private static byte[] readExactly(InputStream in, int n, String source, long offset, String what)
            throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) {
            throw new NpyFormatException(source, "truncated: the " + what + " needs " + n
                    + " bytes from byte offset " + offset + " but the file ends at byte offset " + (offset + b.length));
        }
        return b;
    }

    private static NdArray decode(byte[] raw, NdArray.DType dtype, int[] shape) {
        ByteBuffer buf = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int n = raw.length / dtype.itemSize();
        switch (dtype) {
            case F4: {
                float[] a = new float[n];
                buf.asFloatBuffer().get(a);
                return NdArray.of(a, shape);
            }
            case F8: {
                double[] a = new double[n];
                buf.asDoubleBuffer().get(a);
                return NdArray.of(a, shape);
            }
            case I4: {
                int[] a = new int[n];
                buf.asIntBuffer().get(a);
                return NdArray.of(a, shape);
            }
            case I8: {
                long[] a = new long[n];
                buf.asLongBuffer().get(a);
                return NdArray.of(a, shape);
            }
            case U1:
                return NdArray.ofUnsignedBytes(raw, shape);
            case B1: {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = raw[i] != 0;
                }
                return NdArray.of(a, shape);
            }
            default:
                throw new AssertionError(dtype);
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
                while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
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
            return new NpyFormatException(source, "malformed header (" + problem + " at character " + pos
                    + "): " + s.strip());
        }
    }
}
