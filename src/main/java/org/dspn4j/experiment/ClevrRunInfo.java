package org.dspn4j.experiment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * What evaluation needs to know about the run that wrote a checkpoint, read from the
 * {@code run.json} beside it: the batch size (DSPN's inner step is η/(B·D), so a model must be
 * decoded with the B it was trained with to behave as trained) and the data it was trained on
 * (which generated scenes, or which CLEVR folder; the image size).
 *
 * @param batch  B of the training run
 * @param source the run's data
 */
public record ClevrRunInfo(int batch, ClevrSource source) {

    /** The run.json in the checkpoint's folder, or null if there is none. */
    public static ClevrRunInfo besideCheckpoint(Path checkpoint) throws IOException {
        Path parent = checkpoint.toAbsolutePath().getParent();
        Path run = parent == null ? null : parent.resolve("run.json");
        return run != null && Files.isRegularFile(run) ? read(run) : null;
    }

    /** Reads a CLEVR run's run.json. */
    @SuppressWarnings("unchecked")
    public static ClevrRunInfo read(Path runJson) throws IOException {
        Map<String, Object> root;
        try (JsonParser p = new JsonFactory().createParser(runJson.toFile())) {
            p.nextToken();
            root = (Map<String, Object>) value(p);
        }
        Object cfg = root.get("config");
        if (!(cfg instanceof Map)) {
            throw new IOException(runJson + ": no \"config\" object");
        }
        Map<String, Object> c = (Map<String, Object>) cfg;
        Object data = c.get("data");
        Object batch = c.get("batch");
        if (!(data instanceof Map) || !(batch instanceof Number)) {
            throw new IOException(runJson + ": not a CLEVR run (no config.data or config.batch)");
        }
        try {
            return new ClevrRunInfo(((Number) batch).intValue(), ClevrSource.fromMap((Map<String, Object>) data));
        } catch (RuntimeException e) {
            throw new IOException(runJson + ": " + e.getMessage(), e);
        }
    }

    /** A JSON value as maps, lists, numbers (long or double), strings, booleans and null. */
    private static Object value(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT: {
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String k = p.currentName();
                    p.nextToken();
                    m.put(k, value(p));
                }
                return m;
            }
            case START_ARRAY: {
                List<Object> l = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    l.add(value(p));
                }
                return l;
            }
            case VALUE_NUMBER_INT:
                return p.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_TRUE:
            case VALUE_FALSE:
                return p.getBooleanValue();
            case VALUE_NULL:
                return null;
            default:
                return p.getText();
        }
    }
}
