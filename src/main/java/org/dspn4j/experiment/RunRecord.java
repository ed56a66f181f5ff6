package org.dspn4j.experiment;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

/**
 * What a run leaves in its folder for an auditor: {@code run.json} (the resolved configuration,
 * seed, git commit, JDK, OS, backend and device) and {@code metrics.jsonl} (one JSON object per
 * logged step or evaluation, with the authors' metric names {@code train_loss}, {@code train_last},
 * {@code test_loss}, {@code test_last}).
 */
public final class RunRecord {
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
