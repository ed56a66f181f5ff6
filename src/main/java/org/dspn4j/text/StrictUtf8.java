package org.dspn4j.text;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8 for the readers that name the line and the byte of text that is not UTF-8 (where
 * {@code new String(bytes, UTF_8)} would put a replacement character, and {@code Files.readAllLines}
 * says only "Input length = 1").
 */
public final class StrictUtf8 {
    private StrictUtf8() {
    }

    /** Thrown by {@link #decode}: {@link #at} is the index, in the whole array, of the first byte that is not UTF-8. */
    public static final class Malformed extends RuntimeException {
        public final int at;

        Malformed(int at) {
            super("not UTF-8 at byte " + at, null, false, false);
            this.at = at;
        }
    }

    /** Bytes {@code start} (inclusive) to {@code end} (exclusive) decoded as UTF-8. */
    public static String decode(byte[] bytes, int start, int end) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, start, end - start);
        CharBuffer out = CharBuffer.allocate(end - start);
        CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            throw new Malformed(in.position());
        }
        return out.flip().toString();
    }
}
