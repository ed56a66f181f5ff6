package org.dspn4j.io.torch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes pickle opcodes by hand (the byte values of CPython's Lib/pickle.py), and wraps pickles into
 * the two torch.save layouts, for tests that need files PyTorch would not write: hostile ones, and
 * features 1.13 no longer produces (storage views).
 */
final class PickleWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    PickleWriter op(int code) {
        out.write(code);
        return this;
    }

    PickleWriter raw(byte... b) {
        out.write(b, 0, b.length);
        return this;
    }

    PickleWriter proto(int v) {
        return op(0x80).op(v);
    }

    PickleWriter mark() {
        return op('(');
    }

    PickleWriter stop() {
        return op('.');
    }

    PickleWriter none() {
        return op('N');
    }

    PickleWriter bool(boolean b) {
        return op(b ? 0x88 : 0x89);
    }

    /** BININT1, BININT2, BININT or LONG1, as CPython chooses. */
    PickleWriter integer(long v) {
        if (v >= 0 && v < 256) {
            return op('K').op((int) v);
        }
        if (v >= 0 && v < 65536) {
            return op('M').raw(le(v, 2));
        }
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            return op('J').raw(le(v, 4));
        }
        return op(0x8a).op(8).raw(le(v, 8));
    }

    PickleWriter binfloat(double d) {
        return op('G').raw(ByteBuffer.allocate(8).putDouble(d).array());
    }

    PickleWriter str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return op('X').raw(le(b.length, 4)).raw(b);
    }

    PickleWriter global(String module, String name) {
        return op('c').raw((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    PickleWriter emptyDict() {
        return op('}');
    }

    PickleWriter emptyList() {
        return op(']');
    }

    PickleWriter emptyTuple() {
        return op(')');
    }

    PickleWriter tuple() {
        return op('t');
    }

    PickleWriter tuple1() {
        return op(0x85);
    }

    PickleWriter tuple2() {
        return op(0x86);
    }

    PickleWriter tuple3() {
        return op(0x87);
    }

    PickleWriter setitems() {
        return op('u');
    }

    PickleWriter setitem() {
        return op('s');
    }

    PickleWriter append() {
        return op('a');
    }

    PickleWriter appends() {
        return op('e');
    }

    PickleWriter reduce() {
        return op('R');
    }

    PickleWriter build() {
        return op('b');
    }

    PickleWriter binpersid() {
        return op('Q');
    }

    PickleWriter put(long i) {
        return i < 256 ? op('q').op((int) i) : op('r').raw(le(i, 4));
    }

    PickleWriter get(long i) {
        return i < 256 ? op('h').op((int) i) : op('j').raw(le(i, 4));
    }

    /** A legacy storage persistent id: ('storage', module.cls, key, location, numel, view). */
    PickleWriter legacyStorage(String module, String cls, String key, String location, long numel, Object[] view) {
        mark().str("storage").global(module, cls).str(key).str(location).integer(numel);
        if (view == null) {
            none();
        } else {
            str((String) view[0]).integer((Long) view[1]).integer((Long) view[2]).tuple3();
        }
        return tuple().binpersid();
    }

    /** A zip storage persistent id: ('storage', module.cls, key, location, numel). */
    PickleWriter zipStorage(String module, String cls, String key, String location, long numel) {
        return mark().str("storage").global(module, cls).str(key).str(location).integer(numel).tuple().binpersid();
    }

    /**
     * {@code _rebuild_tensor_v2(<storage pushed by storageId>, offset, size, stride, False, OrderedDict())}.
     */
    PickleWriter tensor(Runnable storageId, long offset, long[] size, long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2").mark();
        storageId.run();
        integer(offset);
        mark();
        for (long s : size) {
            integer(s);
        }
        tuple();
        mark();
        for (long s : stride) {
            integer(s);
        }
        tuple();
        bool(false).global("collections", "OrderedDict").emptyTuple().reduce();
        return tuple().reduce();
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    static byte[] le(long v, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    // ================================================================ files

    /** The three header pickles of the legacy layout: magic number, protocol 1001, little-endian system info. */
    static byte[] legacyHeader(boolean littleEndian) {
        PickleWriter w = new PickleWriter();
        w.proto(2).op(0x8a).op(10).raw(new byte[] {0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19})
                .stop();
        w.proto(2).integer(1001).stop();
        w.proto(2).emptyDict().mark().str("protocol_version").integer(1001).str("little_endian").bool(littleEndian)
                .str("type_sizes").emptyDict().mark().str("short").integer(2).str("int").integer(4).str("long").integer(4).setitems()
                .setitems().stop();
        return w.bytes();
    }

    /** A whole legacy file: header, object pickle, key list, then each storage (count, then raw bytes). */
    static byte[] legacyFile(byte[] objectPickle, List<String> keys, List<byte[]> storages, List<Long> counts) {
        PickleWriter w = new PickleWriter();
        w.raw(legacyHeader(true)).raw(objectPickle);
        w.proto(2).emptyList().mark();
        for (String k : keys) {
            w.str(k);
        }
        w.appends().stop();
        for (int i = 0; i < storages.size(); i++) {
            w.raw(le(counts.get(i), 8)).raw(storages.get(i));
        }
        return w.bytes();
    }

    /** A zip archive with stored entries in the given order. */
    static void zip(Path file, Map<String, byte[]> entries) throws IOException {
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream z = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry ze = new ZipEntry(e.getKey());
                CRC32 crc = new CRC32();
                crc.update(e.getValue());
                ze.setMethod(ZipEntry.STORED);
                ze.setSize(e.getValue().length);
                ze.setCompressedSize(e.getValue().length);
                ze.setCrc(crc.getValue());
                z.putNextEntry(ze);
                z.write(e.getValue());
                z.closeEntry();
            }
        }
    }

    static byte[] floatsLE(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }
}
