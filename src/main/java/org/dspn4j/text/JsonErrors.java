package org.dspn4j.text;

import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * The JSON parser's error messages as the commands quote them: without the excerpt of the source and
 * without the parser's advice to turn on one of its own features (which no user of dspn4j can), so
 * that a malformed file is named by what is wrong in it.
 */
public final class JsonErrors {
    private JsonErrors() {
    }

    /**
     * {@link #message(JsonProcessingException)} where {@code e} is the parser's error, else {@code e}'s own
     * message (a read error, which has no source excerpt).
     */
    public static String messageOf(Throwable e) {
        return e instanceof JsonProcessingException j ? message(j) : e.getMessage();
    }

    /** What is wrong, e.g. "Non-standard token 'NaN'" or "Unexpected end-of-input in field name". */
    public static String message(JsonProcessingException e) {
        String m = e.getOriginalMessage();
        if (m == null) {
            return null;
        }
        return m.replaceAll("(?:: enable|\\s*\\(consider enabling) `[^`]*` to allow.*$", "").replaceAll(", from `[^`]*`", "")
                .replaceAll("\\[Source: (?:[^()\\];]|\\([^)]*\\))*; line: (\\d+), column: (\\d+)\\]", "line $1, column $2");
    }
}
