package org.dspn4j.eval;

import java.util.Locale;

/**
 * Python 3's {@code float(str)}: the number syntax of the authors' evaluation scripts (they call it
 * on every token of an export file, {@code Object-Detection-Metrics/pascalvoc.py:getBoundingBoxes
 * at be3703b}). CPython first maps every non-ASCII whitespace character to a space and every
 * non-ASCII decimal digit (Unicode category Nd) to its ASCII digit (any other non-ASCII character
 * makes the string invalid), strips ASCII whitespace from both ends, and then accepts
 * <pre>
 *   [sign] (digitpart "." [digitpart] | [digitpart] "." digitpart | digitpart) [("e" | "E") [sign] digitpart]
 *   [sign] ("inf" | "infinity" | "nan")            in any letter case
 *   digitpart: digit (["_"] digit)*                  an underscore only between two digits
 * </pre>
 * and rounds the decimal value correctly to a double ({@code 1e999} is infinity). Java's
 * {@link Double#parseDouble} accepts more ({@code 0.5d}, {@code 1f}, {@code 0x1p-1},
 * {@code Infinity} only in that case) and less ({@code 1_000}, {@code inf}); this class parses the
 * Python syntax itself and hands only a plain ASCII decimal to {@code parseDouble}, whose rounding
 * is also correct.
 */
final class PythonFloat {

    private PythonFloat() {
    }

    /**
     * @return the value of {@code text} as Python's {@code float(text)} gives it
     * @throws NumberFormatException where {@code float(text)} raises {@code ValueError}
     */
    static double parse(String text) {
        String s = asciiForm(text);
        if (s == null) {
            throw invalid(text);
        }
        int from = 0;
        int to = s.length();
        while (from < to && isAsciiSpace(s.charAt(from))) {
            from++;
        }
        while (to > from && isAsciiSpace(s.charAt(to - 1))) {
            to--;
        }
        StringBuilder plain = new StringBuilder(to - from);
        int i = from;
        if (i < to && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            plain.append(s.charAt(i));
            i++;
        }
        String word = s.substring(i, to).toLowerCase(Locale.ROOT);
        if (word.equals("inf") || word.equals("infinity")) {
            return plain.length() > 0 && plain.charAt(0) == '-' ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        if (word.equals("nan")) {
            return Double.NaN;
        }
        int intEnd = digitPart(s, i, to, plain);
        boolean intDigits = intEnd > i;
        i = intEnd;
        boolean fracDigits = false;
        if (i < to && s.charAt(i) == '.') {
            plain.append('.');
            int fracEnd = digitPart(s, i + 1, to, plain);
            fracDigits = fracEnd > i + 1;
            i = fracEnd;
        }
        if (!intDigits && !fracDigits) {
            throw invalid(text);
        }
        if (i < to && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            plain.append('e');
            i++;
            if (i < to && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                plain.append(s.charAt(i));
                i++;
            }
            int expEnd = digitPart(s, i, to, plain);
            if (expEnd == i) {
                throw invalid(text);
            }
            i = expEnd;
        }
        if (i != to) {
            throw invalid(text);
        }
        return Double.parseDouble(plain.toString());
    }

    /**
     * Scans {@code digit (["_"] digit)*} from {@code i}, appending the digits to {@code out}.
     *
     * @return the index after the digit part ({@code i} when there is none); an underscore not
     *     followed by a digit ends the part before it, so that the caller then fails on it
     */
    private static int digitPart(String s, int i, int to, StringBuilder out) {
        if (i >= to || !isDigit(s.charAt(i))) {
            return i;
        }
        out.append(s.charAt(i));
        i++;
        while (i < to) {
            char c = s.charAt(i);
            if (isDigit(c)) {
                out.append(c);
                i++;
            } else if (c == '_' && i + 1 < to && isDigit(s.charAt(i + 1))) {
                out.append(s.charAt(i + 1));
                i += 2;
            } else {
                break;
            }
        }
        return i;
    }

    /**
     * CPython's {@code _PyUnicode_TransformDecimalAndSpaceToASCII}: ASCII characters kept,
     * non-ASCII whitespace to a space, non-ASCII decimal digits to ASCII digits.
     *
     * @return the ASCII form, or null when a non-ASCII character is neither
     */
    private static String asciiForm(String text) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int n = Character.charCount(cp);
            if (cp >= 128) {
                if (sb == null) {
                    sb = new StringBuilder(text.length()).append(text, 0, i);
                }
                if (isUnicodeSpace(cp)) {
                    sb.append(' ');
                } else if (Character.getType(cp) == Character.DECIMAL_DIGIT_NUMBER) {
                    sb.append((char) ('0' + Character.digit(cp, 10)));
                } else {
                    return null;
                }
            } else if (sb != null) {
                sb.append((char) cp);
            }
            i += n;
        }
        return sb == null ? text : sb.toString();
    }

    /** The non-ASCII characters for which Python's {@code str.isspace()} is true. */
    private static boolean isUnicodeSpace(int cp) {
        return cp == 0x85 || cp == 0xa0 || cp == 0x1680 || cp >= 0x2000 && cp <= 0x200a || cp == 0x2028
                || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
    }

    /** CPython's {@code Py_ISSPACE}: the ASCII whitespace that {@code float()} strips. */
    private static boolean isAsciiSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0b || c == '\f' || c == '\r';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static NumberFormatException invalid(String text) {
        return new NumberFormatException("could not convert string to float: '" + text + "'");
    }
}
