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
import org.dspn4j.text.FileErrors;
import org.dspn4j.text.JsonErrors;

/**
 * What a run leaves in its folder for an auditor: {@code run.json} (the resolved configuration,
 * seed, git commit, JDK, OS, backend and device) and {@code metrics.jsonl} (one JSON object per
 * logged step or evaluation, with the authors' metric names {@code train_loss}, {@code train_last},
 * {@code test_loss}, {@code test_last}).
 */
public final class RunRecord {
    /** The run's settings and environment. */
    public static final String RUN = "run.json";
    /** The metrics of every step and evaluation. */
    public static final String METRICS = "metrics.jsonl";

    /**
     * The first of a run's records ({@link #RUN}, written when a run starts, and {@link #METRICS}) that
     * {@code dir} holds, or null: then it is no run folder. Only {@code train} writes into a run folder.
     */
    public static String recordIn(Path dir) {
        for (String f : new String[] {RUN, METRICS}) {
            if (Files.exists(dir.resolve(f))) {
                return f;
            }
        }
        return null;
    }
    private static final JsonFactory JSON = new JsonFactory();
    private final Path dir;

    /** The record of the run folder {@code dir} (which must exist: {@link TrainingLoop} makes it). */
    public RunRecord(Path dir) {
        this.dir = dir;
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
        run.putAll(environment());
        run.putAll(compute);
        writeRunJson(run);
    }

    /**
     * The code and machine a run (or a resumed part of it) ran with: git commit, JDK, OS, and the folder it ran in
     * ({@code cwd}, absolute), which the relative data folders of its {@code config} are relative to ({@link RunInfo#resolve}).
     */
    static Map<String, Object> environment() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("git_commit", gitCommit());
        m.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put(RunInfo.CWD, Path.of("").toAbsolutePath().toString());
        return m;
    }

    /**
     * Appends one entry to run.json's {@code resumes} list (made on the first resume), leaving every
     * other field as the run wrote it.
     */
    public void appendResume(Map<String, Object> entry) throws IOException {
        Path file = dir.resolve(RUN);
        Map<String, Object> run = readJsonObject(file);
        List<Object> resumes = resumes(run, file);
        resumes.add(entry);
        run.put("resumes", resumes);
        writeRunJson(run);
    }

    /**
     * run.json's {@code resumes} list (a new empty one where there is none), refused in one line naming the file when
     * it is not a JSON array.
     */
    @SuppressWarnings("unchecked")
    static List<Object> resumes(Map<String, Object> run, Path file) {
        Object list = run.get("resumes");
        if (list != null && !(list instanceof List)) {
            throw new IllegalArgumentException(file + ": resumes must be a JSON array, got " + describe(list));
        }
        return list == null ? new ArrayList<>() : (List<Object>) list;
    }

    private void writeRunJson(Map<String, Object> run) throws IOException {
        IoErrors.writeAtomic(dir.resolve(RUN), toJson(run, true) + "\n");
    }

    /** Appends one line to metrics.jsonl. */
    public void log(Map<String, Object> metrics) throws IOException {
        Path file = dir.resolve(METRICS);
        IoErrors.naming(file, () -> {
            try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                w.write(toJson(metrics, false));
                w.write('\n');
            }
        });
    }

    /**
     * How metrics.jsonl is cut back to a checkpoint's step when a run is resumed: it keeps its lines up
     * to and including the last one of that step; what a run that stopped without a later checkpoint
     * wrote after it (whole lines of later steps, and a last line cut off mid-write) is dropped, so the
     * resumed file is what an uninterrupted run writes.
     *
     * @param file    the metrics.jsonl
     * @param keep    bytes kept
     * @param dropped lines dropped (a partial last line counts as one)
     * @param finalEvaluation whether a kept line is the final evaluation at the checkpoint's step (test metrics and
     *                no {@code epoch}, docs/run-folder.md): a run stopped after its last checkpoint and before that
     *                line has every step trained and its final evaluation still to do
     */
    public record MetricsCut(Path file, long keep, int dropped, boolean finalEvaluation) {
        /** Cuts the file (nothing to do when nothing is dropped). */
        public void apply() throws IOException {
            if (dropped == 0) {
                return;
            }
            IoErrors.naming(file, () -> {
                try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
                    ch.truncate(keep);
                    ch.force(true);
                }
            });
        }
    }

    /**
     * The lines of a {@code metrics.jsonl}, each decoded as UTF-8. A whole line (one ended by its newline) that is
     * not UTF-8 text is refused, naming the file, the line and the byte; a last line without its newline (cut off
     * mid-write, perhaps inside a character) is decoded as far as it goes, for the caller to judge as JSON.
     */
    public static List<String> metricsLines(Path file) throws IOException {
        return metricsLines(file, IoErrors.naming(file, () -> Files.readAllBytes(file)));
    }

    /** {@link #metricsLines(Path)} of the bytes already read from {@code file}. */
    private static List<String> metricsLines(Path file, byte[] bytes) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < bytes.length) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            lines.add(end == bytes.length ? new String(bytes, start, end - start, StandardCharsets.UTF_8)
                    : metricsLine(file, lines.size() + 1, bytes, start, end));
            start = end + 1;
        }
        return lines;
    }

    /** Bytes {@code start..end} of a metrics.jsonl, its line {@code lineNo}, as UTF-8 text; refused naming the byte if they are not. */
    static String metricsLine(Path file, int lineNo, byte[] bytes, int start, int end) {
        try {
            return org.dspn4j.text.StrictUtf8.decode(bytes, start, end);
        } catch (org.dspn4j.text.StrictUtf8.Malformed e) {
            throw new IllegalArgumentException(file + ": line " + lineNo + " is not UTF-8 text (byte " + (e.at - start + 1)
                    + String.format(java.util.Locale.ROOT, " of the line, 0x%02x)", bytes[e.at] & 0xFF));
        }
    }

    /**
     * Plans the cut of {@code metrics.jsonl} back to {@code step} (nothing is written). Refused, naming
     * the file and the line, when a line before the cut is not UTF-8 text or not a metrics line or the file has no line of
     * the checkpoint's step (the record does not belong to the checkpoint).
     */
    public static MetricsCut planCut(Path file, long step) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": missing; a run's checkpoint at step " + step
                    + " comes with the metrics of its steps");
        }
        byte[] bytes = IoErrors.naming(file, () -> Files.readAllBytes(file));
        long keep = 0;
        int lineNo = 0;
        boolean sawStep = false;
        int dropped = 0;
        int start = 0;
        boolean cut = false;
        boolean finalEvaluation = false;
        while (start < bytes.length) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            lineNo++;
            if (cut) {
                dropped++;
            } else if (end == bytes.length) {
                dropped++; // a last line without its newline: cut off mid-write
                cut = true;
            } else {
                String line = metricsLine(file, lineNo, bytes, start, end);
                Map<String, Double> n;
                try {
                    n = numbers(line);
                } catch (IOException | RuntimeException e) {
                    n = Map.of();
                }
                Double s = n.get("step");
                if (s == null) {
                    throw new IllegalArgumentException(file + ": line " + lineNo + " is not a metrics line (a JSON object "
                            + "with a step); the record cannot be matched to the checkpoint");
                }
                if (s > step) {
                    dropped++;
                    cut = true;
                } else {
                    sawStep |= s == step;
                    finalEvaluation |= s == step && finalLine(n);
                    keep = end + 1;
                }
            }
            start = end + 1;
        }
        if (!sawStep) {
            throw new IllegalArgumentException(file + ": has no line of step " + step + ", the checkpoint's; the record "
                    + "does not belong to the checkpoint");
        }
        return new MetricsCut(file, keep, dropped, finalEvaluation);
    }

    /**
     * Whether a metrics.jsonl line (its fields) is the final evaluation's, the line {@code train} logs last, after
     * the figures: test metrics and no {@code epoch} (docs/run-folder.md). A run whose record ends with it finished;
     * one stopped before it (killed, a non-finite value, an error) has none at its end.
     */
    public static boolean finalLine(Map<String, ?> fields) {
        return fields.containsKey("test_loss") && !fields.containsKey("epoch");
    }

    /**
     * Whether a run's metrics.jsonl ends with the final line ({@link #finalLine}), written whole (with its newline):
     * the run's training ended. False when the file is missing, empty, or its last line is cut short.
     */
    public static boolean endsWithFinalLine(Path metrics) throws IOException {
        if (!Files.isRegularFile(metrics)) {
            return false;
        }
        byte[] bytes = IoErrors.naming(metrics, () -> Files.readAllBytes(metrics));
        if (bytes.length == 0 || bytes[bytes.length - 1] != '\n') {
            return false;
        }
        List<String> lines = metricsLines(metrics, bytes);
        try {
            return finalLine(numbers(lines.get(lines.size() - 1)));
        } catch (IOException e) { // not JSON: no final line
            return false;
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
                    + e.getLocation().getColumnNr() + ": " + JsonErrors.message(e), e);
        } catch (java.io.CharConversionException e) {
            // bytes that are no Unicode text (the parser guesses UTF-8/16/32 from the first bytes)
            throw new IllegalArgumentException(file + ": not JSON text (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw FileErrors.named(file, e); // a read error: the JDK's message names no file
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) v;
        return m;
    }

    /** The JSON object at the parser's current token (START_OBJECT). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> readObject(JsonParser p) throws IOException {
        return (Map<String, Object>) value(p);
    }

    /**
     * The JSON value at the parser's current token as maps, lists, numbers (long or double), strings,
     * booleans and null (run.json, metrics.jsonl, and the grid's grid.json and status.json).
     */
    public static Object value(JsonParser p) throws IOException {
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

    /**
     * The commit of the dspn4j checkout the running code was built from ("+uncommitted" when its tracked files
     * changed), or "unknown" when the code is not inside one (a copied jar): not the repository of the current
     * directory, which may be another project's.
     */
    static String gitCommit() {
        return gitCommit(checkout(codeLocation()));
    }

    /** The commit of the git work tree whose top level is {@code root}, or "unknown" when root is null or no such tree. */
    static String gitCommit(Path root) {
        if (root == null) {
            return "unknown";
        }
        try {
            String top = git(root, "rev-parse", "--show-toplevel");
            if (top == null || !Files.isSameFile(Path.of(top), root)) {
                return "unknown"; // the checkout's files were copied into (or out of) another work tree
            }
            String out = git(root, "rev-parse", "HEAD");
            if (out != null && out.matches("[0-9a-f]{40}")) {
                String dirty = git(root, "status", "--porcelain", "--untracked-files=no");
                return dirty == null || dirty.isEmpty() ? out : out + "+uncommitted";
            }
        } catch (IOException | RuntimeException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "unknown";
    }

    /** Where the running classes were loaded from (target/dspn4j.jar or target/classes), or null. */
    static Path codeLocation() {
        try {
            java.security.CodeSource cs = RunRecord.class.getProtectionDomain().getCodeSource();
            return cs == null || cs.getLocation() == null ? null : Path.of(cs.getLocation().toURI()).toAbsolutePath();
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The dspn4j checkout holding {@code code} as its build output ({@code <checkout>/target/...}, beside the
     * checkout's pom.xml and src/main/java/org/dspn4j), or null when the code lies elsewhere.
     */
    static Path checkout(Path code) {
        for (Path d = code; d != null; d = d.getParent()) {
            Path root = d.getParent();
            if (d.getFileName() != null && d.getFileName().toString().equals("target") && root != null
                    && Files.isRegularFile(root.resolve("pom.xml")) && Files.isDirectory(root.resolve("src/main/java/org/dspn4j"))) {
                return root;
            }
        }
        return null;
    }

    /**
     * git's trimmed standard output, run in {@code dir}, or null when it failed. Its standard error is discarded, and the
     * launcher's LD_PRELOAD (libjsig, for the OpenCL driver's signal handlers) is not passed on: in a
     * process that is not a JVM, libjsig prints a warning when git installs a signal handler.
     */
    private static String git(Path dir, String... args) throws IOException, InterruptedException {
        String[] cmd = new String[args.length + 3];
        cmd[0] = "git";
        cmd[1] = "-C";
        cmd[2] = dir.toString();
        System.arraycopy(args, 0, cmd, 3, args.length);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().remove("LD_PRELOAD");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
    }
}
