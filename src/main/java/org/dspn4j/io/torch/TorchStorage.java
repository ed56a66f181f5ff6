package org.dspn4j.io.torch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.dspn4j.io.NdArray;

/**
 * One storage of a {@code torch.save} file: the flat elements that tensors view. Whatever device the
 * file names ({@code cpu}, {@code cuda:0}, ...), the elements are held on the host; {@link #location()}
 * only reports what the file says.
 *
 * <p>Element types and how they are held ({@link NdArray} has no 16-bit or 8-bit signed types, so
 * those widen, exactly):
 * <pre>
 *   FloatStorage float32 -> F4     DoubleStorage float64 -> F8   HalfStorage float16 -> F4   BFloat16Storage bfloat16 -> F4
 *   LongStorage  int64   -> I8     IntStorage    int32   -> I4   ShortStorage int16  -> I4   CharStorage     int8     -> I4
 *   ByteStorage  uint8   -> U1     BoolStorage   bool    -> B1   UntypedStorage (bytes) -> U1
 * </pre>
 */
public final class TorchStorage {

    /** The storage classes a file may name. */
    public enum Type {
        FLOAT("FloatStorage", "float32", 4, NdArray.DType.F4),
        DOUBLE("DoubleStorage", "float64", 8, NdArray.DType.F8),
        HALF("HalfStorage", "float16", 2, NdArray.DType.F4),
        BFLOAT16("BFloat16Storage", "bfloat16", 2, NdArray.DType.F4),
        LONG("LongStorage", "int64", 8, NdArray.DType.I8),
        INT("IntStorage", "int32", 4, NdArray.DType.I4),
        SHORT("ShortStorage", "int16", 2, NdArray.DType.I4),
        CHAR("CharStorage", "int8", 1, NdArray.DType.I4),
        BYTE("ByteStorage", "uint8", 1, NdArray.DType.U1),
        BOOL("BoolStorage", "bool", 1, NdArray.DType.B1),
        UNTYPED("UntypedStorage", "uint8", 1, NdArray.DType.U1);

        private final String className;
        private final String dtype;
        private final int itemSize;
        private final NdArray.DType held;

        Type(String className, String dtype, int itemSize, NdArray.DType held) {
            this.className = className;
            this.dtype = dtype;
            this.itemSize = itemSize;
            this.held = held;
        }

        /** The class name, e.g. {@code FloatStorage}. */
        public String className() {
            return className;
        }

        /** PyTorch's dtype name, e.g. {@code float32}. */
        public String dtype() {
            return dtype;
        }

        /** Bytes per element in the file. */
        public int itemSize() {
            return itemSize;
        }

        /** The {@link NdArray} dtype the elements are held in. */
        public NdArray.DType held() {
            return held;
        }

        static Type byClassName(String name) {
            for (Type t : values()) {
                if (t.className.equals(name)) {
                    return t;
                }
            }
            return null;
        }
    }

    private final String key;
    private final String module;
    private final Type type;
    private final String location;
    private final long size;
    private final TorchStorage root;
    private final long rootOffset;
    private Object data; // the elements of a root storage, once read: float[], double[], long[], int[], byte[] or boolean[]

    /** A root storage: its own bytes in the file. */
    TorchStorage(String key, String module, Type type, String location, long size) {
        this(key, module, type, location, size, null, 0);
    }

    private TorchStorage(String key, String module, Type type, String location, long size, TorchStorage root, long rootOffset) {
        this.key = key;
        this.module = module;
        this.type = type;
        this.location = location;
        this.size = size;
        this.root = root;
        this.rootOffset = rootOffset;
    }

    /** A view of {@code size} elements of this root storage from element {@code offset} (the legacy format's storage views). */
    TorchStorage view(String viewKey, long offset, long viewSize) {
        return new TorchStorage(viewKey, module, type, location, viewSize, this, offset);
    }

    /** The key the file stores it under. */
    public String key() {
        return key;
    }

    public Type type() {
        return type;
    }

    /** The pickled class, e.g. {@code torch.cuda.FloatStorage}. */
    public String typeName() {
        return module + "." + type.className;
    }

    /** Where the file says the storage lived when saved, e.g. {@code cuda:0}. It is read onto the host. */
    public String location() {
        return location;
    }

    /** Number of elements. */
    public long size() {
        return size;
    }

    TorchStorage root() {
        return root == null ? this : root;
    }

    /** Offset of element 0 in the root storage. */
    long rootOffset() {
        return rootOffset;
    }

    boolean loaded() {
        return root().data != null;
    }

    /** Decodes the root storage's bytes (little-endian) into its held type. */
    void setBytes(byte[] raw) {
        ByteBuffer buf = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) size;
        switch (type) {
            case FLOAT: {
                float[] a = new float[n];
                buf.asFloatBuffer().get(a);
                data = a;
                break;
            }
            case DOUBLE: {
                double[] a = new double[n];
                buf.asDoubleBuffer().get(a);
                data = a;
                break;
            }
            case HALF: {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) {
                    a[i] = halfToFloat(buf.getShort(2 * i));
                }
                data = a;
                break;
            }
            case BFLOAT16: {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) {
                    a[i] = Float.intBitsToFloat((buf.getShort(2 * i) & 0xFFFF) << 16);
                }
                data = a;
                break;
            }
            case LONG: {
                long[] a = new long[n];
                buf.asLongBuffer().get(a);
                data = a;
                break;
            }
            case INT: {
                int[] a = new int[n];
                buf.asIntBuffer().get(a);
                data = a;
                break;
            }
            case SHORT: {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) {
                    a[i] = buf.getShort(2 * i);
                }
                data = a;
                break;
            }
            case CHAR: {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) {
                    a[i] = raw[i];
                }
                data = a;
                break;
            }
            case BOOL: {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = raw[i] != 0;
                }
                data = a;
                break;
            }
            default:
                data = raw;
        }
    }

    /**
     * IEEE binary16 to binary32, exactly (subnormals, infinities and NaN payloads included): the
     * sign moves to bit 31, the exponent is rebiased from 15 to 127, the fraction moves up 13 bits.
     */
    static float halfToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int frac = bits & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (frac << 13));
        }
        if (exp == 0) {
            if (frac == 0) {
                return Float.intBitsToFloat(sign);
            }
            // subnormal: value frac * 2^-24; normalise
            int e = -1;
            do {
                frac <<= 1;
                e++;
            } while ((frac & 0x400) == 0);
            frac &= 0x3FF;
            return Float.intBitsToFloat(sign | ((127 - 15 - e) << 23) | (frac << 13));
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (frac << 13));
    }

    /** The held elements of the root storage. */
    Object rootData() {
        return root().data;
    }

    /** The storage's elements as a 1-d array (a copy). */
    public NdArray array() {
        return TorchTensor.gather(this, 0, new int[] {(int) size}, new long[] {1});
    }

    @Override
    public String toString() {
        return Py.repr(this);
    }
}
