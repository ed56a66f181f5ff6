package org.dspn4j.experiment;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * What a run leaves in its folder for an auditor: {@code run.json} (the resolved configuration,
 * seed, git commit, JDK, OS, backend and device) and {@code metrics.jsonl} (one JSON object per
 * logged step or evaluation, with the authors' metric names {@code train_loss}, {@code train_last},
 * {@code test_loss}, {@code test_last}).
 */
public final class RunRecord {
    /** The run's settings and environment. */
    public static final String RUN = "run.json";
    private static final JsonFactory JSON = new JsonFactory();
    private final Path dir;

    public RunRecord(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
    }

    public Path dir() {
        return dir;
    }

    /** Writes run.json (atomically). */
    public void writeRun(Map<String, Object> config, String backend, String device) throws IOException {
        Map<String, Object> compute = new LinkedHashMap<>();
        compute.put("backend", backend);
        compute.put("device", device);
        writeRun(config, compute);
    }

    /**
     * Writes run.json (atomically) with the backend and device actually used ({@link Compute#record()}:
     * backend, device, and for OpenCL the platform) as top-level fields.
     */
    public void writeRun(Map<String, Object> config, Map<String, Object> compute) throws IOException {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("config", config);
        run.put("git_commit", gitCommit());
        run.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        run.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        run.putAll(compute);
        Path tmp = dir.resolve("run.json.tmp");
        Files.writeString(tmp, toJson(run, true) + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve("run.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Appends one line to metrics.jsonl. */
    public void log(Map<String, Object> metrics) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("metrics.jsonl"), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            w.write(toJson(metrics, false));
            w.write('\n');
        }
    }

    /** Serialises maps, lists, numbers, strings and booleans. */
    public static String toJson(Object value, boolean pretty) {
        StringWriter sw = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(sw)) {
            if (pretty) {
                g.useDefaultPrettyPrinter();
            }
            write(g, value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return sw.toString();
    }

    private static void write(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof Map) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                write(g, e.getValue());
            }
            g.writeEndObject();
        } else if (v instanceof Iterable) {
            g.writeStartArray();
            for (Object o : (Iterable<?>) v) {
                write(g, o);
            }
            g.writeEndArray();
        } else if (v instanceof double[]) {
            g.writeStartArray();
            for (double d : (double[]) v) {
                g.writeNumber(d);
            }
            g.writeEndArray();
        } else if (v instanceof Double || v instanceof Float) {
            g.writeNumber(((Number) v).doubleValue());
        } else if (v instanceof Number) {
            g.writeNumber(((Number) v).longValue());
        } else if (v instanceof Boolean) {
            g.writeBoolean((Boolean) v);
        } else {
            g.writeString(v.toString());
        }
    }

    /** The numeric fields of one metrics.jsonl line. */
    public static Map<String, Double> numbers(String line) throws IOException {
        Map<String, Double> out = new LinkedHashMap<>();
        try (com.fasterxml.jackson.core.JsonParser p = JSON.createParser(line)) {
            p.nextToken();
            while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                String k = p.getCurrentName();
                if (p.nextToken().isNumeric()) {
                    out.put(k, p.getDoubleValue());
                }
            }
        }
        return out;
    }

    /**
     * A JSON file whose top level is an object, as maps, lists, numbers (long or double), strings,
     * booleans and null. Malformed JSON is refused naming the file, the line and the column.
     */
    public static Map<String, Object> readJsonObject(Path file) throws IOException {
        Object v;
        try (JsonParser p = JSON.createParser(file.toFile())) {
            JsonToken t = p.nextToken();
            if (t != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException(file + ": expected a JSON object" + (t == null ? ", the file is empty" : ""));
            }
            v = value(p);
            if (p.nextToken() != null) {
                throw new IllegalArgumentException(file + ": text after the JSON object at line " + p.currentLocation().getLineNr());
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": malformed JSON at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage(), e);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) v;
        return m;
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

    /** {@code m.key} as an object, else refused naming the file and the field ({@code prefix} + key). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Map<String, Object> m, String key, Path file, String prefix) {
        Object v = m.get(key);
        if (!(v instanceof Map)) {
            throw new IllegalArgumentException(file + ": " + prefix + key + " must be a JSON object, got " + describe(v));
        }
        return (Map<String, Object>) v;
    }

    static Map<String, Object> object(Map<String, Object> m, String key, Path file) {
        return object(m, key, file, "");
    }

    /** {@code m.key} as an integer, else refused naming the file and the field. */
    static long integer(Map<String, Object> m, String key, Path file, String prefix) {
        Object v = m.get(key);
        if (!(v instanceof Long l)) {
            throw new IllegalArgumentException(file + ": " + prefix + key + " must be an integer, got " + describe(v));
        }
        return l;
    }

    /** A JSON value in a message: "missing" for null, else its text and kind. */
    static String describe(Object v) {
        if (v == null) {
            return "nothing (missing or null)";
        }
        if (v instanceof Map) {
            return "an object";
        }
        if (v instanceof List) {
            return "an array";
        }
        return (v instanceof String ? "\"" + v + "\"" : String.valueOf(v)) + " (" + (v instanceof String ? "a string"
                : v instanceof Boolean ? "a boolean" : v instanceof Long ? "an integer" : "a number") + ")";
    }

    /** The checked-out commit ("+uncommitted" when tracked files changed), or "unknown" outside a git work tree. */
    static String gitCommit() {
        try {
            String out = git("rev-parse", "HEAD");
            if (out != null && out.matches("[0-9a-f]{40}")) {
                String dirty = git("status", "--porcelain", "--untracked-files=no");
                return dirty == null || dirty.isEmpty() ? out : out + "+uncommitted";
            }
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "unknown";
    }

    /**
     * git's trimmed standard output, or null when it failed. Its standard error is discarded, and the
     * launcher's LD_PRELOAD (libjsig, for the OpenCL driver's signal handlers) is not passed on: in a
     * process that is not a JVM, libjsig prints a warning when git installs a signal handler.
     */
    private static String git(String... args) throws IOException, InterruptedException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "git";
        System.arraycopy(args, 0, cmd, 1, args.length);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().remove("LD_PRELOAD");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
    }
}
