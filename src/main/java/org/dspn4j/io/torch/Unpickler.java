package org.dspn4j.io.torch;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A restricted unpickler: Python's pickle protocols 2-5 (and the binary opcodes of 0-1) as far as
 * checkpoints need them, building plain Java values ({@link Py}). It never executes or instantiates
 * anything by name: a {@code GLOBAL} resolves only to the few callables below, each implemented here
 * as a pure data transformation, and any other global is refused with its name:
 * <pre>
 *   collections.OrderedDict                  -&gt; {@link Py.OrderedDict} (BUILD may set its attributes, e.g. _metadata)
 *   torch._utils._rebuild_tensor_v2 / _rebuild_tensor / _rebuild_parameter / _rebuild_parameter_with_state
 *                                            -&gt; {@link TorchTensor}
 *   torch.*Storage, torch.cuda.*Storage, torch.storage.UntypedStorage
 *                                            -&gt; storage classes, only as the type field of a persistent id
 *   builtins (__builtin__) set, frozenset, bytes, bytearray; _codecs.encode (str to latin-1 bytes); torch.Size
 * </pre>
 * Refused opcodes: INST, OBJ, NEWOBJ, NEWOBJ_EX (instantiate classes), EXT1/2/4 (extension registry),
 * PERSID (text persistent ids), the out-of-band buffers of protocol 5, and the text opcodes of
 * protocol 0. Limits: a stack of {@value #MAX_STACK} items, {@value #MAX_MARKS} open marks,
 * {@value #MAX_MEMO} memo entries, {@value #MAX_OBJECTS} objects and integers of
 * {@value #MAX_INT_BYTES} bytes; every length is checked against the bytes left before allocating.
 * Nesting deeper than {@value #MAX_DEPTH} and containers that contain themselves are refused by
 * {@link #checkStructure}.
 */
final class Unpickler {
    static final int MAX_DEPTH = 100;
    static final int MAX_STACK = 100_000;
    static final int MAX_MARKS = 1_000;
    static final int MAX_MEMO = 1_000_000;
    static final int MAX_OBJECTS = 20_000_000;
    static final int MAX_INT_BYTES = 256;

    /** Turns a persistent id (a tuple) into an object, e.g. a storage. */
    interface PersistentLoader {
        Object load(Py.Tuple pid, long at) throws TorchFormatException;
    }

    /** The callables a GLOBAL may name. */
    enum Callable {
        ORDERED_DICT, REBUILD_TENSOR_V2, REBUILD_TENSOR, REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE,
        SET, FROZENSET, BYTES, BYTEARRAY, CODECS_ENCODE, TORCH_SIZE
    }

    /** A storage class named by a GLOBAL: usable only inside a persistent id. */
    record StorageClass(String module, TorchStorage.Type type) {
    }

    private final ByteInput in;
    private final PersistentLoader persistent;
    private final List<Object> stack = new ArrayList<>();
    private final int[] marks = new int[MAX_MARKS];
    private int markCount;
    private final Map<Long, Object> memo = new HashMap<>();
    private final List<TorchTensor> tensors;
    private long objects;
    private int protocol = -1;
    private long opAt;
    private String opName = "";

    /**
     * @param persistent null: persistent ids are refused
     * @param tensors    every tensor made is added here (to be filled once the storages are read)
     */
    Unpickler(ByteInput in, PersistentLoader persistent, List<TorchTensor> tensors) {
        this.in = in;
        this.persistent = persistent;
        this.tensors = tensors;
    }

    /** The protocol the PROTO opcode named, or -1 if there was none. */
    int protocol() {
        return protocol;
    }

    /** Reads one pickle, up to and including its STOP opcode. */
    Object load() throws TorchFormatException {
        while (true) {
            opAt = in.position();
            int op = in.u8("a pickle opcode");
            opName = name(op);
            switch (op) {
                case 0x80: { // PROTO
                    int v = in.u8("the protocol number");
                    if (v > 5) {
                        throw fail("pickle protocol " + v + " is newer than 5");
                    }
                    protocol = Math.max(protocol, v);
                    break;
                }
                case 0x95: { // FRAME: a length hint only
                    long n = in.le(8, "a frame length");
                    if (n < 0 || n > in.remaining()) {
                        throw fail("frame of " + n + " bytes but only " + in.remaining() + " remain");
                    }
                    break;
                }
                case '.': { // STOP
                    if (markCount != 0 || stack.size() != 1) {
                        throw fail("the pickle ends with " + stack.size() + " values and " + markCount + " open marks on its stack");
                    }
                    return stack.remove(0);
                }
                case '(': // MARK
                    if (markCount == MAX_MARKS) {
                        throw fail("more than " + MAX_MARKS + " open marks");
                    }
                    marks[markCount++] = stack.size();
                    break;
                case '0': // POP
                    if (markCount > 0 && marks[markCount - 1] == stack.size()) {
                        markCount--; // pops the mark, as Python does
                    } else {
                        pop();
                    }
                    break;
                case '1': // POP_MARK
                    popMark();
                    break;
                case '2': // DUP
                    push(peek());
                    break;
                // ------------------------------------------------------------ scalars
                case 'N':
                    push(null);
                    break;
                case 0x88:
                    push(Boolean.TRUE);
                    break;
                case 0x89:
                    push(Boolean.FALSE);
                    break;
                case 'J': // BININT: signed 4 bytes
                    push((long) (int) in.le(4, "an int"));
                    break;
                case 'K': // BININT1
                    push((long) in.u8("an int"));
                    break;
                case 'M': // BININT2
                    push(in.le(2, "an int"));
                    break;
                case 0x8a: // LONG1
                    push(longOf(in.u8("an int's length")));
                    break;
                case 0x8b: { // LONG4
                    long n = (int) in.le(4, "an int's length");
                    if (n < 0) {
                        throw fail("negative length " + n);
                    }
                    push(longOf(n));
                    break;
                }
                case 'G': // BINFLOAT: big-endian double
                    push(ByteBuffer.wrap(in.bytes(8, "a float")).getDouble());
                    break;
                // ------------------------------------------------------------ strings and bytes
                case 'X': // BINUNICODE
                    push(utf8(in.le(4, "a string length")));
                    break;
                case 0x8c: // SHORT_BINUNICODE
                    push(utf8(in.u8("a string length")));
                    break;
                case 0x8d: // BINUNICODE8
                    push(utf8(in.le(8, "a string length")));
                    break;
                case 'T': { // BINSTRING (Python 2 str): signed 4-byte length
                    long n = (int) in.le(4, "a string length");
                    push(new String(in.bytes(n, "a string"), StandardCharsets.ISO_8859_1));
                    break;
                }
                case 'U': // SHORT_BINSTRING
                    push(new String(in.bytes(in.u8("a string length"), "a string"), StandardCharsets.ISO_8859_1));
                    break;
                case 'B': // BINBYTES
                    push(new Py.Bytes(in.bytes(in.le(4, "a bytes length"), "bytes")));
                    break;
                case 'C': // SHORT_BINBYTES
                    push(new Py.Bytes(in.bytes(in.u8("a bytes length"), "bytes")));
                    break;
                case 0x8e: // BINBYTES8
                case 0x96: // BYTEARRAY8
                    push(new Py.Bytes(in.bytes(in.le(8, "a bytes length"), "bytes")));
                    break;
                // ------------------------------------------------------------ containers
                case ')':
                    push(tuple(List.of()));
                    break;
                case 0x85: {
                    Object a = pop();
                    push(tuple(listOf(a)));
                    break;
                }
                case 0x86: {
                    Object b = pop();
                    Object a = pop();
                    push(tuple(listOf(a, b)));
                    break;
                }
                case 0x87: {
                    Object c = pop();
                    Object b = pop();
                    Object a = pop();
                    push(tuple(listOf(a, b, c)));
                    break;
                }
                case 't': // TUPLE
                    push(tuple(popMark()));
                    break;
                case ']':
                    push(new ArrayList<>());
                    break;
                case 'l': // LIST (from mark)
                    push(new ArrayList<>(popMark()));
                    break;
                case '}':
                    push(new LinkedHashMap<>());
                    break;
                case 'd': { // DICT (from mark)
                    Map<Object, Object> m = new LinkedHashMap<>();
                    putAll(m, popMark());
                    push(m);
                    break;
                }
                case 0x8f: // EMPTY_SET
                    push(new LinkedHashSet<>());
                    break;
                case 0x91: { // FROZENSET (from mark)
                    push(frozenSet(popMark()));
                    break;
                }
                case 'a': { // APPEND
                    Object v = pop();
                    list(peek()).add(v);
                    break;
                }
                case 'e': { // APPENDS
                    List<Object> items = popMark();
                    list(peek()).addAll(items);
                    break;
                }
                case 's': { // SETITEM
                    Object v = pop();
                    Object k = pop();
                    map(peek()).put(key(k), v);
                    break;
                }
                case 'u': { // SETITEMS
                    List<Object> items = popMark();
                    putAll(map(peek()), items);
                    break;
                }
                case 0x90: { // ADDITEMS
                    List<Object> items = popMark();
                    Object target = peek();
                    if (!(target instanceof LinkedHashSet)) {
                        throw fail("ADDITEMS on a " + Py.typeName(target) + ", not a set");
                    }
                    @SuppressWarnings("unchecked")
                    Set<Object> set = (Set<Object>) target;
                    for (Object o : items) {
                        set.add(key(o));
                    }
                    break;
                }
                // ------------------------------------------------------------ memo
                case 'q': // BINPUT
                    put(in.u8("a memo index"));
                    break;
                case 'r': // LONG_BINPUT
                    put(in.le(4, "a memo index"));
                    break;
                case 0x94: // MEMOIZE
                    put(memo.size());
                    break;
                case 'h': // BINGET
                    push(get(in.u8("a memo index")));
                    break;
                case 'j': // LONG_BINGET
                    push(get(in.le(4, "a memo index")));
                    break;
                // ------------------------------------------------------------ globals, calls, persistent ids
                case 'c': { // GLOBAL "module\nname\n"
                    String module = line("a module name");
                    String name = line("a global name");
                    push(global(module, name));
                    break;
                }
                case 0x93: { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String) || !(name instanceof String)) {
                        throw fail("STACK_GLOBAL needs two strings, got " + Py.typeName(module) + " and " + Py.typeName(name));
                    }
                    push(global((String) module, (String) name));
                    break;
                }
                case 'R': { // REDUCE
                    Object args = pop();
                    Object f = pop();
                    push(reduce(f, args));
                    break;
                }
                case 'b': { // BUILD
                    Object state = pop();
                    build(peek(), state);
                    break;
                }
                case 'Q': { // BINPERSID
                    Object pid = pop();
                    if (persistent == null) {
                        throw fail("a persistent id where none is allowed");
                    }
                    if (!(pid instanceof Py.Tuple)) {
                        throw fail("persistent id is a " + Py.typeName(pid) + ", not a tuple");
                    }
                    push(persistent.load((Py.Tuple) pid, opAt));
                    break;
                }
                case 'i':
                case 'o':
                case 0x81:
                case 0x92:
                    throw fail("refused: it creates an instance of a class (nothing in the file is executed or instantiated)");
                default:
                    throw fail(op < 0x80 && op >= 0x20 && op != 0x7f
                            ? "refused or unknown opcode '" + (char) op + "' (0x" + Integer.toHexString(op) + ")"
                            : "refused or unknown opcode 0x" + Integer.toHexString(op));
            }
        }
    }

    // ================================================================ stack

    private void push(Object o) throws TorchFormatException {
        if (stack.size() >= MAX_STACK) {
            throw fail("the pickle stack holds more than " + MAX_STACK + " values");
        }
        if (++objects > MAX_OBJECTS) {
            throw fail("more than " + MAX_OBJECTS + " values");
        }
        stack.add(o);
    }

    private Object pop() throws TorchFormatException {
        int floor = markCount == 0 ? 0 : marks[markCount - 1];
        if (stack.size() <= floor) {
            throw fail("pops an empty stack");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() throws TorchFormatException {
        int floor = markCount == 0 ? 0 : marks[markCount - 1];
        if (stack.size() <= floor) {
            throw fail("reads an empty stack");
        }
        return stack.get(stack.size() - 1);
    }

    /** The values above the last mark, removed with the mark. */
    private List<Object> popMark() throws TorchFormatException {
        if (markCount == 0) {
            throw fail("no mark to pop to");
        }
        int from = marks[--markCount];
        List<Object> top = stack.subList(from, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private void put(long index) throws TorchFormatException {
        if (index < 0) {
            throw fail("negative memo index");
        }
        if (memo.size() >= MAX_MEMO && !memo.containsKey(index)) {
            throw fail("more than " + MAX_MEMO + " memo entries");
        }
        memo.put(index, peek());
    }

    private Object get(long index) throws TorchFormatException {
        if (!memo.containsKey(index)) {
            throw fail("memo entry " + index + " is not defined");
        }
        return memo.get(index);
    }

    // ================================================================ values

    private static List<Object> listOf(Object... items) {
        return java.util.Arrays.asList(items);
    }

    private Py.Tuple tuple(List<Object> items) throws TorchFormatException {
        Py.Tuple t = new Py.Tuple(items);
        if (t.depth() > MAX_DEPTH) {
            throw fail("tuples nested deeper than " + MAX_DEPTH + " levels");
        }
        return t;
    }

    private Py.FrozenSet frozenSet(Collection<Object> items) throws TorchFormatException {
        for (Object o : items) {
            key(o);
        }
        Py.FrozenSet s = new Py.FrozenSet(items);
        if (s.depth() > MAX_DEPTH) {
            throw fail("frozensets nested deeper than " + MAX_DEPTH + " levels");
        }
        return s;
    }

    private Object longOf(long n) throws TorchFormatException {
        if (n > MAX_INT_BYTES) {
            throw fail("an integer of " + n + " bytes (at most " + MAX_INT_BYTES + " are read)");
        }
        byte[] le = in.bytes(n, "an int");
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) {
            be[i] = le[le.length - 1 - i];
        }
        BigInteger v = new BigInteger(be); // two's complement, as pickle's LONG1/LONG4
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private String utf8(long n) throws TorchFormatException {
        return new String(in.bytes(n, "a string"), StandardCharsets.UTF_8);
    }

    /** A text line of a GLOBAL opcode, at most 256 printable ASCII characters. */
    private String line(String what) throws TorchFormatException {
        StringBuilder b = new StringBuilder();
        while (true) {
            int c = in.u8(what);
            if (c == '\n') {
                return b.toString();
            }
            if (c < 0x20 || c > 0x7e || b.length() >= 256) {
                throw fail(what + " that is not a short line of printable ASCII");
            }
            b.append((char) c);
        }
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) throws TorchFormatException {
        if (!(o instanceof ArrayList)) {
            throw fail("appends to a " + Py.typeName(o) + ", not a list");
        }
        return (List<Object>) o;
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> map(Object o) throws TorchFormatException {
        if (!(o instanceof LinkedHashMap)) {
            throw fail("sets an item of a " + Py.typeName(o) + ", not a dict");
        }
        return (Map<Object, Object>) o;
    }

    private Object key(Object k) throws TorchFormatException {
        if (!Py.isHashable(k)) {
            throw fail("unhashable " + Py.typeName(k) + " used as a dict key or set element");
        }
        return k;
    }

    private void putAll(Map<Object, Object> m, List<Object> items) throws TorchFormatException {
        if (items.size() % 2 != 0) {
            throw fail("an odd number of values for key-value pairs");
        }
        for (int i = 0; i < items.size(); i += 2) {
            m.put(key(items.get(i)), items.get(i + 1));
        }
    }

    // ================================================================ globals

    private Object global(String module, String name) throws TorchFormatException {
        String g = module + "." + name;
        switch (g) {
            case "collections.OrderedDict":
                return Callable.ORDERED_DICT;
            case "torch._utils._rebuild_tensor_v2":
                return Callable.REBUILD_TENSOR_V2;
            case "torch._utils._rebuild_tensor":
                return Callable.REBUILD_TENSOR;
            case "torch._utils._rebuild_parameter":
                return Callable.REBUILD_PARAMETER;
            case "torch._utils._rebuild_parameter_with_state":
                return Callable.REBUILD_PARAMETER_WITH_STATE;
            case "builtins.set":
            case "__builtin__.set":
                return Callable.SET;
            case "builtins.frozenset":
            case "__builtin__.frozenset":
                return Callable.FROZENSET;
            case "builtins.bytes":
            case "__builtin__.bytes":
                return Callable.BYTES;
            case "builtins.bytearray":
            case "__builtin__.bytearray":
                return Callable.BYTEARRAY;
            case "_codecs.encode":
                return Callable.CODECS_ENCODE;
            case "torch.Size":
                return Callable.TORCH_SIZE;
            default:
                break;
        }
        if (module.equals("torch") || module.equals("torch.cuda") || module.equals("torch.storage")) {
            TorchStorage.Type t = TorchStorage.Type.byClassName(name);
            if (t != null) {
                return new StorageClass(module, t);
            }
            if (name.endsWith("Storage")) {
                throw fail("unsupported storage type " + Py.quoteShort(g, 80) + " (supported: float, double, half, bfloat16, long, "
                        + "int, short, char, byte, bool)");
            }
        }
        throw fail("refused global " + Py.quoteShort(g, 80) + ": not a tensor, storage or container type this reader allows "
                + "(nothing in the file is executed)");
    }

    private Object reduce(Object f, Object argsObj) throws TorchFormatException {
        if (!(f instanceof Callable)) {
            throw fail("calls a " + (f instanceof StorageClass ? "storage class " + ((StorageClass) f).type().className()
                    : Py.typeName(f)) + ", which is not allowed");
        }
        if (!(argsObj instanceof Py.Tuple)) {
            throw fail("call arguments are a " + Py.typeName(argsObj) + ", not a tuple");
        }
        List<Object> a = (Py.Tuple) argsObj;
        switch ((Callable) f) {
            case ORDERED_DICT: {
                Py.OrderedDict d = new Py.OrderedDict();
                if (a.size() == 1 && a.get(0) instanceof List) {
                    for (Object pair : (List<?>) a.get(0)) {
                        if (!(pair instanceof List) || ((List<?>) pair).size() != 2) {
                            throw fail("OrderedDict items must be pairs");
                        }
                        d.put(key(((List<?>) pair).get(0)), ((List<?>) pair).get(1));
                    }
                } else if (!a.isEmpty()) {
                    throw fail("OrderedDict called with " + a.size() + " arguments");
                }
                return d;
            }
            case REBUILD_TENSOR_V2: {
                if (a.size() < 6 || a.size() > 7) {
                    throw fail("_rebuild_tensor_v2 needs 6 or 7 arguments, got " + a.size());
                }
                requireEmpty(a.get(5), "backward hooks");
                if (a.size() == 7) {
                    requireEmpty(a.get(6), "tensor metadata");
                }
                return tensor(a.get(0), a.get(1), a.get(2), a.get(3), bool(a.get(4), "requires_grad"));
            }
            case REBUILD_TENSOR:
                if (a.size() != 4) {
                    throw fail("_rebuild_tensor needs 4 arguments, got " + a.size());
                }
                return tensor(a.get(0), a.get(1), a.get(2), a.get(3), false);
            case REBUILD_PARAMETER:
            case REBUILD_PARAMETER_WITH_STATE: {
                int want = f == Callable.REBUILD_PARAMETER ? 3 : 4;
                if (a.size() != want) {
                    throw fail(((Callable) f == Callable.REBUILD_PARAMETER ? "_rebuild_parameter" : "_rebuild_parameter_with_state")
                            + " needs " + want + " arguments, got " + a.size());
                }
                if (!(a.get(0) instanceof TorchTensor)) {
                    throw fail("a parameter of a " + Py.typeName(a.get(0)) + ", not a tensor");
                }
                requireEmpty(a.get(2), "backward hooks");
                if (want == 4) {
                    requireEmpty(a.get(3), "parameter state");
                }
                TorchTensor p = ((TorchTensor) a.get(0)).asParameter(bool(a.get(1), "requires_grad"));
                tensors.add(p);
                return p;
            }
            case SET:
            case FROZENSET: {
                List<Object> items = new ArrayList<>();
                if (a.size() == 1 && a.get(0) instanceof Collection) {
                    items.addAll((Collection<?>) a.get(0));
                } else if (!a.isEmpty()) {
                    throw fail(f == Callable.SET ? "set() takes a list" : "frozenset() takes a list");
                }
                if (f == Callable.FROZENSET) {
                    return frozenSet(items);
                }
                Set<Object> s = new LinkedHashSet<>();
                for (Object o : items) {
                    s.add(key(o));
                }
                return s;
            }
            case BYTES:
            case BYTEARRAY:
                if (a.isEmpty()) {
                    return new Py.Bytes(new byte[0]);
                }
                if (a.size() == 1 && a.get(0) instanceof Py.Bytes) {
                    return a.get(0);
                }
                throw fail("bytes()/bytearray() with arguments other than () or (bytes,)");
            case CODECS_ENCODE: {
                if (a.size() != 2 || !(a.get(0) instanceof String) || !(a.get(1) instanceof String)) {
                    throw fail("_codecs.encode needs (str, encoding)");
                }
                String enc = ((String) a.get(1)).toLowerCase().replace('_', '-');
                if (!enc.equals("latin1") && !enc.equals("latin-1") && !enc.equals("iso-8859-1")) {
                    throw fail("_codecs.encode with encoding " + Py.quoteShort((String) a.get(1), 40) + " (only latin1 is read)");
                }
                String s = (String) a.get(0);
                byte[] out = new byte[s.length()];
                for (int i = 0; i < out.length; i++) {
                    char c = s.charAt(i);
                    if (c > 0xFF) {
                        throw fail("_codecs.encode: character U+" + Integer.toHexString(c) + " is not latin1");
                    }
                    out[i] = (byte) c;
                }
                return new Py.Bytes(out);
            }
            case TORCH_SIZE:
                if (a.size() == 1 && a.get(0) instanceof Py.Tuple) {
                    return a.get(0);
                }
                throw fail("torch.Size takes one tuple");
            default:
                throw new AssertionError(f);
        }
    }

    private void build(Object target, Object state) throws TorchFormatException {
        if (state == null) {
            return;
        }
        if (target instanceof Py.OrderedDict && state instanceof Map) {
            for (Map.Entry<?, ?> e : ((Map<?, ?>) state).entrySet()) {
                if (!(e.getKey() instanceof String)) {
                    throw fail("an attribute name that is a " + Py.typeName(e.getKey()));
                }
                ((Py.OrderedDict) target).attributes().put((String) e.getKey(), e.getValue());
            }
            return;
        }
        throw fail("refused: sets the state of a " + Py.typeName(target) + " from a " + Py.typeName(state));
    }

    private TorchTensor tensor(Object storage, Object offset, Object size, Object stride, boolean grad) throws TorchFormatException {
        if (!(storage instanceof TorchStorage)) {
            throw fail("a tensor over a " + Py.typeName(storage) + ", not a storage");
        }
        long off = integer(offset, "storage offset");
        int[] shape = ints(size, "size");
        long[] st = longs(stride, "stride");
        if (st.length != shape.length) {
            throw fail("a tensor with " + shape.length + " sizes but " + st.length + " strides");
        }
        if (off < 0) {
            throw fail("negative storage offset " + off);
        }
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            if (st[i] < 0) {
                throw fail("negative stride " + st[i]);
            }
            n *= shape[i];
            if (n > Integer.MAX_VALUE - 8) {
                throw fail("a tensor of size " + Py.repr(size, 80) + " has more elements than one Java array can hold");
            }
        }
        TorchTensor t = new TorchTensor((TorchStorage) storage, off, shape, st, grad, false);
        String bad = t.checkBounds();
        if (bad != null) {
            throw fail("tensor of size " + Py.repr(size, 80) + ", stride " + Py.repr(stride, 80) + " and offset " + off + " "
                    + bad + " (storage " + ((TorchStorage) storage).key() + ")");
        }
        tensors.add(t);
        return t;
    }

    private int[] ints(Object o, String what) throws TorchFormatException {
        long[] v = longs(o, what);
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] < 0 || v[i] > Integer.MAX_VALUE) {
                throw fail("tensor " + what + " " + v[i] + " out of range");
            }
            out[i] = (int) v[i];
        }
        return out;
    }

    private long[] longs(Object o, String what) throws TorchFormatException {
        if (!(o instanceof Py.Tuple)) {
            throw fail("tensor " + what + " is a " + Py.typeName(o) + ", not a tuple");
        }
        Py.Tuple t = (Py.Tuple) o;
        if (t.size() > 64) {
            throw fail("a tensor with " + t.size() + " dimensions");
        }
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = integer(t.get(i), what);
        }
        return out;
    }

    private long integer(Object o, String what) throws TorchFormatException {
        if (!(o instanceof Long)) {
            throw fail(what + " is a " + Py.typeName(o) + ", not a 64-bit int");
        }
        return (Long) o;
    }

    private boolean bool(Object o, String what) throws TorchFormatException {
        if (!(o instanceof Boolean)) {
            throw fail(what + " is a " + Py.typeName(o) + ", not a bool");
        }
        return (Boolean) o;
    }

    /** Backward hooks, metadata and parameter state must be empty: None, an empty dict, or a tuple of those. */
    private void requireEmpty(Object o, String what) throws TorchFormatException {
        if (o == null || (o instanceof Map && ((Map<?, ?>) o).isEmpty())) {
            return;
        }
        if (o instanceof Py.Tuple) {
            for (Object x : (Py.Tuple) o) {
                requireEmpty(x, what);
            }
            return;
        }
        throw fail(what + " are not empty: " + Py.repr(o, 80));
    }

    // ================================================================ errors

    TorchFormatException fail(String problem) {
        return new TorchFormatException(in.source(), "pickle opcode " + opName + " at byte offset " + opAt + ": " + problem);
    }

    private static String name(int op) {
        switch (op) {
            case 0x80: return "PROTO";
            case 0x95: return "FRAME";
            case '.': return "STOP";
            case '(': return "MARK";
            case '0': return "POP";
            case '1': return "POP_MARK";
            case '2': return "DUP";
            case 'N': return "NONE";
            case 0x88: return "NEWTRUE";
            case 0x89: return "NEWFALSE";
            case 'J': return "BININT";
            case 'K': return "BININT1";
            case 'M': return "BININT2";
            case 0x8a: return "LONG1";
            case 0x8b: return "LONG4";
            case 'G': return "BINFLOAT";
            case 'X': return "BINUNICODE";
            case 0x8c: return "SHORT_BINUNICODE";
            case 0x8d: return "BINUNICODE8";
            case 'T': return "BINSTRING";
            case 'U': return "SHORT_BINSTRING";
            case 'B': return "BINBYTES";
            case 'C': return "SHORT_BINBYTES";
            case 0x8e: return "BINBYTES8";
            case 0x96: return "BYTEARRAY8";
            case ')': return "EMPTY_TUPLE";
            case 0x85: return "TUPLE1";
            case 0x86: return "TUPLE2";
            case 0x87: return "TUPLE3";
            case 't': return "TUPLE";
            case ']': return "EMPTY_LIST";
            case 'l': return "LIST";
            case '}': return "EMPTY_DICT";
            case 'd': return "DICT";
            case 0x8f: return "EMPTY_SET";
            case 0x91: return "FROZENSET";
            case 'a': return "APPEND";
            case 'e': return "APPENDS";
            case 's': return "SETITEM";
            case 'u': return "SETITEMS";
            case 0x90: return "ADDITEMS";
            case 'q': return "BINPUT";
            case 'r': return "LONG_BINPUT";
            case 0x94: return "MEMOIZE";
            case 'h': return "BINGET";
            case 'j': return "LONG_BINGET";
            case 'c': return "GLOBAL";
            case 0x93: return "STACK_GLOBAL";
            case 'R': return "REDUCE";
            case 'b': return "BUILD";
            case 'Q': return "BINPERSID";
            case 'P': return "PERSID";
            case 'i': return "INST";
            case 'o': return "OBJ";
            case 0x81: return "NEWOBJ";
            case 0x92: return "NEWOBJ_EX";
            case 0x82: return "EXT1";
            case 0x83: return "EXT2";
            case 0x84: return "EXT4";
            case 0x97: return "NEXT_BUFFER";
            case 0x98: return "READONLY_BUFFER";
            default: return "0x" + Integer.toHexString(op);
        }
    }

    // ================================================================ structure

    /**
     * Refuses values nested deeper than {@value #MAX_DEPTH} levels and containers that contain
     * themselves, so that code walking the result recursively is safe. Shared sub-values are walked
     * once.
     */
    static void checkStructure(Object root, String source) throws TorchFormatException {
        new Walk(source).visit(root, 0);
    }

    private static final class Walk {
        private final String source;
        private final Set<Object> open = Collections.newSetFromMap(new IdentityHashMap<>());
        private final Set<Object> done = Collections.newSetFromMap(new IdentityHashMap<>());

        Walk(String source) {
            this.source = source;
        }

        void visit(Object o, int depth) throws TorchFormatException {
            if (!(o instanceof Collection || o instanceof Map) || done.contains(o)) {
                return;
            }
            if (depth >= MAX_DEPTH) {
                throw new TorchFormatException(source, "values nested deeper than " + MAX_DEPTH + " levels");
            }
            if (!open.add(o)) {
                throw new TorchFormatException(source, "a " + Py.typeName(o) + " that contains itself");
            }
            if (o instanceof Map) {
                for (Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet()) {
                    visit(e.getKey(), depth + 1);
                    visit(e.getValue(), depth + 1);
                }
                if (o instanceof Py.OrderedDict) {
                    for (Object v : ((Py.OrderedDict) o).attributes().values()) {
                        visit(v, depth + 1);
                    }
                }
            } else {
                for (Object v : (Collection<?>) o) {
                    visit(v, depth + 1);
                }
            }
            open.remove(o);
            done.add(o);
        }
    }
}
