package org.dspn4j.experiment.grid;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import org.dspn4j.experiment.IoErrors;
import org.dspn4j.experiment.RunRecord;
import org.dspn4j.text.FileErrors;
import org.dspn4j.text.JsonErrors;

/**
 * The grid's JSON files (grid.json, status.json, and reading run.json): values as maps, lists,
 * numbers (long or double), strings, booleans and null. Writing goes through a temporary file and a
 * rename, so a reader never sees half a file.
 */
final class Json {
    private static final JsonFactory JSON = new JsonFactory();

    private Json() {
    }

    /** The JSON object in a file; an IOException naming the file when it is not one. */
    static Map<String, Object> readObject(Path file) throws IOException {
        Object v;
        try (JsonParser p = JSON.createParser(file.toFile())) {
            if (p.nextToken() == null) {
                throw new IOException(file + ": empty file, not JSON");
            }
            v = value(p);
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": not valid JSON (" + JsonErrors.message(e) + ")");
        } catch (IOException e) {
            throw FileErrors.named(file, e); // a read error: the JDK's message names no file
        }
        if (!(v instanceof Map)) {
            throw new IOException(file + ": not a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) v;
        return m;
    }

    /** One JSON line (metrics.jsonl) as an object; an IOException when it is not one. */
    static Map<String, Object> parseObject(String line) throws IOException {
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) value(p);
            return m;
        } catch (JsonProcessingException e) {
            throw new IOException("not valid JSON (" + JsonErrors.message(e) + ")");
        }
    }

    /** Writes a value pretty-printed, atomically (temporary file, then rename). */
    static void writeAtomic(Path file, Object value) throws IOException {
        IoErrors.writeAtomic(file, RunRecord.toJson(value, true) + "\n");
    }

    private static Object value(JsonParser p) throws IOException {
        return RunRecord.value(p);
    }

    // ------------------------------------------------------------------ typed access with file-naming errors

    static String string(Map<String, Object> m, String key, Path file) throws IOException {
        Object v = m.get(key);
        if (!(v instanceof String)) {
            throw new IOException(file + ": field \"" + key + "\" is missing or not a string");
        }
        return (String) v;
    }

    static long integer(Map<String, Object> m, String key, Path file) throws IOException {
        Object v = m.get(key);
        if (!(v instanceof Long)) {
            throw new IOException(file + ": field \"" + key + "\" is missing or not an integer");
        }
        return (Long) v;
    }

    static List<Object> list(Map<String, Object> m, String key, Path file) throws IOException {
        Object v = m.get(key);
        if (!(v instanceof List)) {
            throw new IOException(file + ": field \"" + key + "\" is missing or not a list");
        }
        @SuppressWarnings("unchecked")
        List<Object> l = (List<Object>) v;
        return l;
    }

    static List<String> strings(Map<String, Object> m, String key, Path file) throws IOException {
        List<String> out = new ArrayList<>();
        for (Object o : list(m, key, file)) {
            if (!(o instanceof String)) {
                throw new IOException(file + ": field \"" + key + "\" holds a non-string");
            }
            out.add((String) o);
        }
        return out;
    }

    static List<Long> longs(Map<String, Object> m, String key, Path file) throws IOException {
        List<Long> out = new ArrayList<>();
        for (Object o : list(m, key, file)) {
            if (!(o instanceof Long)) {
                throw new IOException(file + ": field \"" + key + "\" holds a non-integer");
            }
            out.add((Long) o);
        }
        return out;
    }
}
