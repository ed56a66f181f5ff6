package org.dspn4j.text;

/**
 * Messages that stay on one line. Every format exception of the readers quotes pieces of the file it
 * refuses (a header, a field, a line), and those may hold line breaks or other control characters.
 */
public final class OneLine {
    private OneLine() {
    }

    /** Control characters (a quoted header's line break, say) escaped as {@code \\uXXXX}, so that the message is one line. */
    public static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (isControl(c)) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Whether s holds a character that {@link #escape} escapes. */
    public static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (isControl(s.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isControl(char c) {
        return c < 0x20 || c == 0x7f || c == 0x85 || c == 0x2028 || c == 0x2029;
    }
}
