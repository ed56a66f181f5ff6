package org.dspn4j.testing;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Small files that expand to huge ones ("decompression bombs"), built without ever holding the
 * expanded bytes, and a meter of the bytes a piece of code allocates.
 */
public final class Bombs {

    private static final int MIB = 1 << 20;

    private Bombs() {
    }

    /** Code under measurement. */
    @FunctionalInterface
    public interface Action {
        void run() throws Exception;
    }

    /**
     * Bytes allocated by the current thread while {@code action} runs (HotSpot's per-thread
     * allocation counter); an exception the action throws is swallowed, its allocation counted.
     */
    public static long allocatedBy(Action action) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        try {
            action.run();
        } catch (Exception e) {
            // the caller asserts on the exception separately
        }
        return threads.getCurrentThreadAllocatedBytes() - before;
    }

    /**
     * A raw deflate stream (no zlib or gzip wrapper) that inflates to {@code prefix} followed by
     * {@code zeros} zero bytes. Built from one independently compressed MiB of zeros repeated (each
     * copy ends in a full flush, so none refers back to another): about 1 kB per MiB.
     */
    public static byte[] deflatedZeros(byte[] prefix, long zeros) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long rest = zeros % MIB;
        out.writeBytes(flushed(concat(prefix, new byte[(int) rest])));
        byte[] mib = flushed(new byte[MIB]);
        for (long k = 0; k < zeros / MIB; k++) {
            out.writeBytes(mib);
        }
        Deflater end = new Deflater(Deflater.BEST_COMPRESSION, true);
        end.finish();
        byte[] buf = new byte[64];
        while (!end.finished()) {
            out.write(buf, 0, end.deflate(buf));
        }
        end.end();
        return out.toByteArray();
    }

    /** CRC-32 of {@code prefix} followed by {@code zeros} zero bytes. */
    public static long crcOfZeros(byte[] prefix, long zeros) {
        CRC32 crc = new CRC32();
        crc.update(prefix);
        ByteBuffer mib = ByteBuffer.allocateDirect(MIB);
        for (long left = zeros; left > 0; left -= MIB) {
            mib.clear().limit((int) Math.min(MIB, left));
            crc.update(mib);
        }
        return crc.getValue();
    }

    /**
     * A zip archive with one deflated entry, written by hand so that the declared sizes and CRC
     * can be anything; {@code size} and {@code crc} go into both headers.
     */
    public static byte[] zipWithDeflatedEntry(String name, byte[] deflated, long crc, long size) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(30 + n.length + deflated.length + 46 + n.length + 22).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) 8).putShort((short) 0)
                .putShort((short) 0x21).putInt((int) crc).putInt(deflated.length).putInt((int) size)
                .putShort((short) n.length).putShort((short) 0).put(n).put(deflated);
        int central = b.position();
        b.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0).putShort((short) 8)
                .putShort((short) 0).putShort((short) 0x21).putInt((int) crc).putInt(deflated.length).putInt((int) size)
                .putShort((short) n.length).putShort((short) 0).putShort((short) 0).putShort((short) 0)
                .putShort((short) 0).putInt(0).putInt(0).put(n);
        int centralSize = b.position() - central;
        b.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) 1).putShort((short) 1)
                .putInt(centralSize).putInt(central).putShort((short) 0);
        return b.array();
    }

    /** {@code data} deflated, ending in a full flush (byte-aligned, no reference to what follows). */
    private static byte[] flushed(byte[] data) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
        d.setInput(data);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        do {
            n = d.deflate(buf, 0, buf.length, Deflater.FULL_FLUSH);
            out.write(buf, 0, n);
        } while (n == buf.length || !d.needsInput());
        d.end();
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
