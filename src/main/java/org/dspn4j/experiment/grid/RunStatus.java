package org.dspn4j.experiment.grid;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code status.json}, the record a grid keeps in each seed's folder ({@code seed-<s>/}, beside the run
 * folder {@code run/}) of where that seed's run stands. It is
 * what "finished" means for {@code repeat} and {@code summarise}: a run is finished when its
 * status.json says {@code "state": "finished"}, which is written only after the train command
 * returned exit code 0 (it trained every step and logged its final test metrics). The other states:
 * {@code queued} (submitted to Slurm, not started), {@code running} (started and not ended: still
 * running, or killed, timed out or lost with its node), {@code failed} (train ended with another exit
 * code, e.g. 3 when the loss became NaN). Every start appends an attempt (job, host, start, whether it
 * resumed from the checkpoint, and at the end the exit code), so the folder tells its own history.
 */
public final class RunStatus {
    /** The file name in a seed's folder. */
    public static final String FILE = "status.json";

    public static final String QUEUED = "queued";
    public static final String RUNNING = "running";
    public static final String FINISHED = "finished";
    public static final String FAILED = "failed";

    private final Path file;
    private final Map<String, Object> json;

    private RunStatus(Path file, Map<String, Object> json) {
        this.file = file;
        this.json = json;
    }

    /** A new record for a seed's folder (not written yet). */
    static RunStatus fresh(Path folder, long seed) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seed", seed);
        m.put("state", QUEUED);
        m.put("attempts", new ArrayList<>());
        return new RunStatus(folder.resolve(FILE), m);
    }

    /** The folder's status.json, or null when it has none. */
    public static RunStatus read(Path folder) throws IOException {
        Path f = folder.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        Map<String, Object> m = Json.readObject(f);
        String state = Json.string(m, "state", f);
        if (!List.of(QUEUED, RUNNING, FINISHED, FAILED).contains(state)) {
            throw new IOException(f + ": unknown state '" + state + "'");
        }
        Json.integer(m, "seed", f);
        List<Object> attempts = Json.list(m, "attempts", f);
        for (int i = 0; i < attempts.size(); i++) {
            if (!(attempts.get(i) instanceof Map)) {
                throw new IOException(f + ": field \"attempts\"[" + i + "] is not a JSON object");
            }
        }
        // running, finished and failed are written with an attempt, the last two with its exit code
        if (!state.equals(QUEUED)) {
            if (attempts.isEmpty()) {
                throw new IOException(f + ": field \"attempts\" is empty, but the state is '" + state + "' (written when an attempt starts)");
            }
            Object rc = ((Map<?, ?>) attempts.get(attempts.size() - 1)).get("exit_code");
            if (!state.equals(RUNNING) && (!(rc instanceof Long code) || (code == 0) != state.equals(FINISHED))) {
                throw new IOException(f + ": field \"attempts\"[" + (attempts.size() - 1) + "].exit_code is " + rc
                        + ", which does not go with the state '" + state + "' (finished: 0, failed: another code)");
            }
        }
        return new RunStatus(f, m);
    }

    public String state() {
        return (String) json.get("state");
    }

    public long seed() {
        return (Long) json.get("seed");
    }

    /** A field of the record, or null. */
    Object field(String key) {
        return json.get(key);
    }

    public boolean finished() {
        return FINISHED.equals(state());
    }

    /** The attempts so far, oldest first (each: job, host, started, resumed, and once ended: ended, exit_code). */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> attempts() {
        return (List<Map<String, Object>>) (List<?>) json.get("attempts");
    }

    /** The latest attempt, or null before the first start. */
    public Map<String, Object> lastAttempt() {
        List<Map<String, Object>> a = attempts();
        return a.isEmpty() ? null : a.get(a.size() - 1);
    }

    /** Marks the run queued by submission number {@code submission} of its grid. */
    void queued(int submission) {
        json.put("state", QUEUED);
        json.put("queued_by_submission", (long) submission);
        json.put("queued_at", now());
    }

    /** Starts an attempt. */
    void started(String job, String host, boolean resumed, List<String> command) {
        json.put("state", RUNNING);
        json.remove("queued_by_submission");
        json.remove("queued_at");
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("job", job);
        a.put("host", host);
        a.put("started", now());
        a.put("resumed", resumed);
        a.put("command", command);
        attempts().add(a);
    }

    /** Ends the current attempt with the train command's exit code (0: finished) and, on a crash, its message. */
    void ended(int exitCode, String message) {
        json.put("state", exitCode == 0 ? FINISHED : FAILED);
        Map<String, Object> a = lastAttempt();
        a.put("ended", now());
        a.put("exit_code", (long) exitCode);
        if (message != null) {
            a.put("error", message);
        }
    }

    /**
     * Records an attempt that found the run already ended: its metrics.jsonl ends with train's final line, but the
     * attempt that trained it did not record its end (its task stopped between train's exit and status.json's
     * write). The new attempt ends at once with exit code 0 and says so in its {@code note}.
     */
    void finishedByRecord(String job, String host, String note) {
        started(job, host, false, new ArrayList<>());
        ended(0, null);
        lastAttempt().put("note", note);
    }

    void write() throws IOException {
        Json.writeAtomic(file, json);
    }

    static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
