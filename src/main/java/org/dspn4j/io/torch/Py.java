package org.dspn4j.io.torch;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Java form of the Python values a checkpoint holds, and a bounded {@code repr}.
 *
 * <pre>
 *   None  null                 bool   Boolean            int    Long (BigInteger beyond 64 bits)
 *   float Double               str    String             bytes, bytearray  {@link Bytes}
 *   tuple {@link Tuple}        list   ArrayList          dict   LinkedHashMap (insertion order)
 *   collections.OrderedDict    {@link OrderedDict}       set    LinkedHashSet     frozenset {@link FrozenSet}
 *   torch.Tensor, nn.Parameter {@link TorchTensor}       torch.*Storage  {@link TorchStorage}
 * </pre>
 * Dict keys and set elements are always hashable values (None, bool, int, float, str, bytes, and
 * tuples and frozensets of those), as in Python; the reader refuses anything else.
 */
public final class Py {
    private Py() {
    }

    /** A Python tuple: immutable; its nesting depth and hashability are fixed when it is made. */
    public static final class Tuple extends AbstractList<Object> {
        private final Object[] items;
        private final int depth;
        private final boolean hashable;
        private int hash;

        Tuple(List<Object> items) {
            this.items = items.toArray();
            int d = 0;
            boolean h = true;
            for (Object o : this.items) {
                d = Math.max(d, depthOf(o));
                h &= isHashable(o);
            }
            this.depth = d + 1;
            this.hashable = h;
        }

        @Override
        public Object get(int index) {
            return items[index];
        }

        @Override
        public int size() {
            return items.length;
        }

        int depth() {
            return depth;
        }

        @Override
        public int hashCode() {
            if (!hashable) {
                return System.identityHashCode(this);
            }
            if (hash == 0) {
                hash = 31 + Arrays.hashCode(items);
            }
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            return hashable && o instanceof Tuple && ((Tuple) o).hashable && Arrays.equals(items, ((Tuple) o).items);
        }
    }

    /** Python {@code bytes} (and {@code bytearray}): compared by content. */
    public static final class Bytes {
        private final byte[] data;

        Bytes(byte[] data) {
            this.data = data;
        }

        /** A copy of the bytes. */
        public byte[] toArray() {
            return data.clone();
        }

        public int length() {
            return data.length;
        }

        /** The bytes as ASCII text, or null if any byte is outside 0x20-0x7e, tab or a line break. */
        public String asciiOrNull() {
            for (byte b : data) {
                if ((b < 0x20 || b > 0x7e) && b != '\n' && b != '\r' && b != '\t') {
                    return null;
                }
            }
            return new String(data, StandardCharsets.US_ASCII);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bytes && Arrays.equals(data, ((Bytes) o).data);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return repr(this);
        }
    }

    /**
     * {@code collections.OrderedDict}: a dict in insertion order, with the instance attributes a
     * pickle sets on it (a {@code state_dict()} carries {@code _metadata}, the modules' versions).
     */
    public static final class OrderedDict extends LinkedHashMap<Object, Object> {
        private static final long serialVersionUID = 1L;
        private final Map<String, Object> attributes = new LinkedHashMap<>();

        /** Attributes set on the instance, e.g. {@code _metadata}. */
        public Map<String, Object> attributes() {
            return attributes;
        }
    }

    /** Python {@code frozenset}: immutable, iteration in pickle order. */
    public static final class FrozenSet extends AbstractSet<Object> {
        private final Set<Object> items;
        private final int depth;
        private int hash;

        FrozenSet(Collection<Object> items) {
            this.items = Collections.unmodifiableSet(new LinkedHashSet<>(items));
            int d = 0;
            for (Object o : this.items) {
                d = Math.max(d, depthOf(o));
            }
            this.depth = d + 1;
        }

        @Override
        public Iterator<Object> iterator() {
            return items.iterator();
        }

        @Override
        public int size() {
            return items.size();
        }

        int depth() {
            return depth;
        }

        @Override
        public int hashCode() {
            if (hash == 0) {
                hash = 17 + items.hashCode();
            }
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof FrozenSet && items.equals(((FrozenSet) o).items);
        }
    }

    private static int depthOf(Object o) {
        if (o instanceof Tuple) {
            return ((Tuple) o).depth;
        }
        if (o instanceof FrozenSet) {
            return ((FrozenSet) o).depth;
        }
        return (o instanceof Collection || o instanceof Map) ? 1 : 0;
    }

    /** Whether Python could use the value as a dict key or set element. */
    static boolean isHashable(Object o) {
        return o == null || o instanceof String || o instanceof Long || o instanceof BigInteger || o instanceof Double
                || o instanceof Boolean || o instanceof Bytes || o instanceof FrozenSet
                || (o instanceof Tuple && ((Tuple) o).hashable);
    }

    /** Python's name for the type of a value, for messages. */
    public static String typeName(Object o) {
        if (o == null) {
            return "NoneType";
        }
        if (o instanceof Boolean) {
            return "bool";
        }
        if (o instanceof Long || o instanceof BigInteger) {
            return "int";
        }
        if (o instanceof Double) {
            return "float";
        }
        if (o instanceof String) {
            return "str";
        }
        if (o instanceof Bytes) {
            return "bytes";
        }
        if (o instanceof Tuple) {
            return "tuple";
        }
        if (o instanceof List) {
            return "list";
        }
        if (o instanceof OrderedDict) {
            return "OrderedDict";
        }
        if (o instanceof Map) {
            return "dict";
        }
        if (o instanceof FrozenSet) {
            return "frozenset";
        }
        if (o instanceof Set) {
            return "set";
        }
        if (o instanceof TorchTensor) {
            return ((TorchTensor) o).parameter() ? "Parameter" : "Tensor";
        }
        if (o instanceof TorchStorage) {
            return "Storage";
        }
        return o.getClass().getSimpleName();
    }

    // ================================================================ repr

    /** Python's {@code repr}, cut short after about 400 characters. */
    public static String repr(Object o) {
        return repr(o, 400);
    }

    /**
     * Python's {@code repr} of a value, cut short (with {@code ...}) after about {@code maxChars}
     * characters; shared or self-containing containers print as {@code [...]}. Tensors print as
     * {@code tensor(float32 (2, 3) cuda:0)}.
     */
    public static String repr(Object o, int maxChars) {
        StringBuilder b = new StringBuilder();
        try {
            append(b, o, maxChars, 0, Collections.newSetFromMap(new IdentityHashMap<>()));
        } catch (Full e) {
            b.setLength(Math.min(b.length(), maxChars));
            b.append("...");
        }
        return b.toString();
    }

    /** Thrown to stop printing once the budget is spent. */
    private static final class Full extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Full() {
            super(null, null, false, false);
        }
    }

    private static void append(StringBuilder b, Object o, int max, int depth, Set<Object> open) {
        if (b.length() > max) {
            throw new Full();
        }
        if (o == null) {
            b.append("None");
        } else if (o instanceof Boolean) {
            b.append((Boolean) o ? "True" : "False");
        } else if (o instanceof Long || o instanceof BigInteger) {
            b.append(o);
        } else if (o instanceof Double) {
            b.append(pyFloat((Double) o));
        } else if (o instanceof String) {
            b.append(quote((String) o));
        } else if (o instanceof Bytes) {
            b.append('b');
            appendBytes(b, ((Bytes) o).data, max);
        } else if (o instanceof TorchTensor) {
            TorchTensor t = (TorchTensor) o;
            b.append(t.parameter() ? "Parameter(" : "tensor(").append(t.dtype()).append(' ')
                    .append(shape(t.shape())).append(' ').append(t.location()).append(')');
        } else if (o instanceof TorchStorage) {
            TorchStorage s = (TorchStorage) o;
            b.append(s.typeName()).append('(').append(s.size()).append(' ').append(s.location()).append(')');
        } else if (depth >= 8 || !open.add(o)) {
            b.append(o instanceof Map ? "{...}" : "[...]");
        } else {
            try {
                appendContainer(b, o, max, depth, open);
            } finally {
                open.remove(o);
            }
        }
    }

    private static void appendContainer(StringBuilder b, Object o, int max, int depth, Set<Object> open) {
        if (o instanceof Map) {
            Map<?, ?> m = (Map<?, ?>) o;
            b.append(o instanceof OrderedDict ? "OrderedDict({" : "{");
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    b.append(", ");
                }
                first = false;
                append(b, e.getKey(), max, depth + 1, open);
                b.append(": ");
                append(b, e.getValue(), max, depth + 1, open);
            }
            b.append(o instanceof OrderedDict ? "})" : "}");
            return;
        }
        String open1;
        String close;
        if (o instanceof Tuple) {
            open1 = "(";
            close = ((Tuple) o).size() == 1 ? ",)" : ")";
        } else if (o instanceof FrozenSet) {
            open1 = "frozenset({";
            close = "})";
        } else if (o instanceof Set) {
            open1 = "{";
            close = "}";
        } else {
            open1 = "[";
            close = "]";
        }
        Collection<?> c = (Collection<?>) o;
        if (c.isEmpty() && o instanceof Set) {
            b.append(o instanceof FrozenSet ? "frozenset()" : "set()");
            return;
        }
        b.append(open1);
        boolean first = true;
        for (Object item : c) {
            if (!first) {
                b.append(", ");
            }
            first = false;
            append(b, item, max, depth + 1, open);
        }
        b.append(close);
    }

    /** A shape as Python prints a tuple of ints: {@code (2, 3)}, {@code (5,)}, {@code ()}. */
    public static String shape(int[] shape) {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            b.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return b.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /** A Python string literal in single quotes, control characters escaped. */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder("'");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'' || c == '\\') {
                b.append('\\').append(c);
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c == '\t') {
                b.append("\\t");
            } else if (c == '\r') {
                b.append("\\r");
            } else if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('\'').toString();
    }

    /** A string from a file, quoted and cut to {@code max} characters, for one-line messages. */
    static String quoteShort(String s, int max) {
        String q = quote(s.length() > max ? s.substring(0, max) : s);
        return s.length() > max ? q.substring(0, q.length() - 1) + "...'" : q;
    }

    private static void appendBytes(StringBuilder b, byte[] data, int max) {
        b.append('\'');
        for (byte x : data) {
            if (b.length() > max) {
                throw new Full();
            }
            int c = x & 0xFF;
            if (c == '\'' || c == '\\') {
                b.append('\\').append((char) c);
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c >= 0x20 && c < 0x7f) {
                b.append((char) c);
            } else {
                b.append(String.format("\\x%02x", c));
            }
        }
        b.append('\'');
    }

    /** Python's {@code repr} of a float: shortest digits, exponent form below 1e-4 and from 1e16. */
    public static String pyFloat(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal v = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        String digits = v.unscaledValue().abs().toString();
        int exp = digits.length() - 1 - v.scale(); // decimal exponent of the first digit
        String sign = d < 0 ? "-" : "";
        if (exp < -4 || exp >= 16) {
            String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mant + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
        }
        String plain = v.abs().toPlainString();
        return sign + (plain.contains(".") ? plain : plain + ".0");
    }
}
