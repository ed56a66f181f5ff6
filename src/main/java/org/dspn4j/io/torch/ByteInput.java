package org.dspn4j.io.torch;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Bytes read in order from a source of known length. Every read names what it reads, and a read that
 * asks for more bytes than remain fails before anything is allocated, so a length field in a hostile
 * file can never make the reader allocate more than the file holds.
 */
final class ByteInput {
    private final InputStream in;
    private final long length;
    private final String source;
    private long position;

    /**
     * @param length the number of bytes the stream holds (the file size)
     * @param source the file (and entry) for error messages
     */
    ByteInput(InputStream in, long length, String source) {
        this.in = in;
        this.length = length;
        this.source = source;
    }

    static ByteInput of(byte[] bytes, String source) {
        return new ByteInput(new ByteArrayInputStream(bytes), bytes.length, source);
    }

    String source() {
        return source;
    }

    long position() {
        return position;
    }

    long remaining() {
        return length - position;
    }

    /** Fails unless {@code n} more bytes remain. */
    void require(long n, String what) throws TorchFormatException {
        if (n < 0 || n > remaining()) {
            throw new TorchFormatException(source, "truncated or corrupt: " + what + " needs " + (n < 0 ? "a negative number of"
                    : Long.toString(n)) + " bytes at byte offset " + position + " but only " + remaining() + " remain");
        }
    }

    int u8(String what) throws TorchFormatException {
        require(1, what);
        int b;
        try {
            b = in.read();
        } catch (IOException e) {
            throw failed(e);
        }
        if (b < 0) {
            throw new TorchFormatException(source, "the file ended early at byte offset " + position + " (reading " + what + ")");
        }
        position++;
        return b;
    }

    byte[] bytes(long n, String what) throws TorchFormatException {
        require(n, what);
        if (n > Integer.MAX_VALUE - 8) {
            throw new TorchFormatException(source, what + " of " + n + " bytes at byte offset " + position
                    + " is larger than one Java array can hold");
        }
        byte[] b;
        try {
            b = in.readNBytes((int) n);
        } catch (IOException e) {
            throw failed(e);
        }
        if (b.length != n) {
            throw new TorchFormatException(source, "the file ended early at byte offset " + (position + b.length) + " (reading "
                    + what + ")");
        }
        position += n;
        return b;
    }

    /** Little-endian unsigned (up to 4 bytes) or signed 8-byte integer. */
    long le(int n, String what) throws TorchFormatException {
        byte[] b = bytes(n, what);
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xFF);
        }
        return v;
    }

    /** True when the source has no more bytes. */
    boolean atEnd() {
        return position >= length;
    }

    private TorchFormatException failed(IOException e) {
        return new TorchFormatException(source, "cannot be read at byte offset " + position + " ("
                + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
    }
}
