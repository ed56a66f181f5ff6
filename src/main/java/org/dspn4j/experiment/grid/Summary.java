package org.dspn4j.experiment.grid;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import org.apache.commons.math3.stat.descriptive.SummaryStatistics;
import org.dspn4j.experiment.IoErrors;
import org.dspn4j.experiment.RunLock;
import org.dspn4j.experiment.RunRecord;

/**
 * The final test metrics of finished runs over seeds, as the paper reports its tables: mean ± sample
 * standard deviation. A grid's seed counts when its status.json says finished ({@link RunStatus}); a run
 * folder trained by hand (no status.json) when its metrics.jsonl ends with the final line train logs last
 * ({@link RunRecord#finalLine}). Its metrics are the last line of its metrics.jsonl that holds {@code test_*}
 * values (the evaluation after the last step). Runs that did not finish are listed with what their status.json
 * or their folder says, not averaged. Runs whose run.json settings differ in anything but the seed are refused
 * (those that did not finish too, the steps they trained aside; the model's task and decoder are compared first,
 * since runs of other models are other experiments): their average would mean nothing. The
 * settings are those a run trained with: its last resume's (run.json's {@code resumes}) over {@code config},
 * and the step of its final test metrics; its data digests ({@code data_sha256}) are compared where both
 * runs record them.
 * The thread count is not a setting here (results are the same bits on any thread count), nor are the
 * host's facts (git commit, JDK, OS, device), which are printed when they differ.
 */
public final class Summary {
    /** run.json config fields that may differ between runs that are averaged. */
    private static final List<String> FREE = List.of("config.seed", "config.threads");
    /** run.json facts of the machine and build, reported when runs differ in them. */
    private static final List<String> FACTS = List.of("git_commit", "jdk", "os", "device", "graph");
    /** {@link Run#seed} of a run folder that records none (no status.json, no run.json). */
    static final long NO_SEED = Long.MIN_VALUE;
    /** The settings that make runs other experiments, compared first. */
    private static final List<String> EXPERIMENT = List.of("config.model.task", "config.model.decoder");
    /** run.json's digests of the data, one per split: compared when both runs record them. */
    private static final String DATA = "data_sha256";
    /** Prefix of the settings a resume changed (their value: config's), not compared. */
    private static final String RESUMED = "resumed.";
    /** The setting that says how many steps a run trained: the step of its final test metrics. */
    static final String STEPS = "steps trained, the step of metrics.jsonl's final test metrics";

    /**
     * One run as read: {@code folder} is the seed's folder of a grid (status.json, and the run folder
     * {@code run} in it) or a run folder given by itself ({@code run} is then the same folder).
     */
    public record Run(Path folder, Path run, long seed, boolean finished, String note, Map<String, Double> metrics,
                      Map<String, Object> settings, Map<String, Object> facts) {
    }

    private final String label;
    private final List<Run> finished;
    private final List<Run> other;
    private final List<String> metricNames;

    private Summary(String label, List<Run> finished, List<Run> other, List<String> metricNames) {
        this.label = label;
        this.finished = finished;
        this.other = other;
        this.metricNames = metricNames;
    }

    /** The runs of the grid's seeds. */
    public static Summary of(Grid grid) throws IOException {
        List<Run> runs = new ArrayList<>();
        for (long seed : grid.seeds()) {
            Path f = grid.folder(seed);
            Path run = GridTask.runFolder(f);
            // a seed's folder the grid made but no run recorded anything in (a seed refused because another process held
            // its run folder, before that process wrote there) has not started, as one not made yet
            boolean recorded = Files.isRegularFile(f.resolve(RunStatus.FILE)) || Files.isRegularFile(run.resolve("run.json"))
                    || Files.isRegularFile(run.resolve("metrics.jsonl"));
            Run r = Files.isDirectory(f) && recorded ? read(f)
                    : new Run(f, run, seed, false, Files.isDirectory(f) ? "not started (nothing recorded in its folder yet)"
                    : "not started (no run folder yet)", Map.of(), Map.of(), Map.of());
            if (r.seed() != seed && Files.isRegularFile(f.resolve(RunStatus.FILE))) {
                throw new IOException(f.resolve(RunStatus.FILE) + ": field \"seed\" is " + r.seed() + ", but " + grid.file()
                        + " gives this folder to seed " + seed);
            }
            runs.add(r);
        }
        return ofRuns(grid.dir() + " (" + String.join(" ", grid.command()) + ", seeds " + Seeds.ranges(grid.seeds()) + ")", runs);
    }

    /**
     * Reads runs: seeds' folders of a grid, or run folders ({@link #read}).
     *
     * @throws IllegalArgumentException when finished runs differ in a setting other than the seed, or share a seed
     */
    public static Summary of(String label, List<Path> folders) throws IOException {
        List<Run> runs = new ArrayList<>();
        for (Path f : folders) {
            runs.add(read(f));
        }
        return ofRuns(label, runs);
    }

    private static Summary ofRuns(String label, List<Run> runs) {
        List<Run> done = new ArrayList<>();
        List<Run> other = new ArrayList<>();
        for (Run r : runs) {
            (r.finished() ? done : other).add(r);
        }
        // the settings first: runs of other experiments given together share seeds, and are refused as such
        Run reference = !done.isEmpty() ? done.get(0) : other.stream().filter(r -> !r.settings().isEmpty()).findFirst().orElse(null);
        List<Run> compared = new ArrayList<>(done);
        compared.addAll(other);
        for (Run r : compared) {
            if (r == reference || r.settings().isEmpty()) {
                continue; // a run without run.json: listed, with why
            }
            // a run that did not finish has not trained its steps yet: its other settings still say what it is
            boolean both = r.finished() && reference.finished();
            String diff = firstDifference(both ? reference.settings() : withoutSteps(reference.settings()),
                    both ? r.settings() : withoutSteps(r.settings()));
            if (diff != null) {
                throw new IllegalArgumentException(r.run().resolve("run.json") + " differs from "
                        + reference.run().resolve("run.json") + " in " + diff + "; only the seed may differ between runs that are "
                        + "averaged" + (diff.startsWith("config.model.") ? "; runs of other models are other experiments: "
                        + "summarise each one's runs by itself, or their grids side by side (summarise --grid A/grid.json "
                        + "--grid B/grid.json prints one row each)" : ""));
            }
        }
        Map<Long, Run> bySeed = new LinkedHashMap<>();
        for (Run r : done) {
            Run twin = bySeed.put(r.seed(), r);
            if (twin != null) {
                throw new IllegalArgumentException(twin.folder() + " and " + r.folder() + " both ran seed "
                        + r.seed() + "; each seed may be averaged once");
            }
        }
        List<String> names = new ArrayList<>();
        if (!done.isEmpty()) {
            Run first = done.get(0);
            names.addAll(first.metrics().keySet());
            for (Run r : done.subList(1, done.size())) {
                if (!r.metrics().keySet().equals(first.metrics().keySet())) {
                    throw new IllegalArgumentException("the final test metrics of " + r.run().resolve("metrics.jsonl")
                            + " are " + r.metrics().keySet() + ", those of " + first.run().resolve("metrics.jsonl") + " "
                            + names + "; runs that are averaged log the same metrics");
                }
            }
        }
        return new Summary(label, done, other, names);
    }

    /** Whether every run finished. */
    public boolean complete() {
        return other.isEmpty();
    }

    public List<Run> finished() {
        return finished;
    }

    public List<Run> unfinished() {
        return other;
    }

    /** Mean and sample standard deviation of a metric over the finished runs. */
    public SummaryStatistics statistics(String metric) {
        SummaryStatistics s = new SummaryStatistics();
        for (Run r : finished) {
            s.addValue(r.metrics().get(metric));
        }
        return s;
    }

    /** Prints the runs, the mean ± std line, the facts that differ and the runs that did not finish. */
    public void print(PrintStream out) {
        out.printf(Locale.ROOT, "%s: %d of %d runs finished%n", label, finished.size(), finished.size() + other.size());
        for (Run r : finished) {
            StringBuilder sb = new StringBuilder("seed " + r.seed() + ":");
            for (String m : metricNames) {
                sb.append(String.format(Locale.ROOT, " %s %.6f ", m, r.metrics().get(m)));
            }
            out.println(sb.toString().stripTrailing());
        }
        if (!finished.isEmpty()) {
            out.println(meanLine());
            for (String fact : FACTS) {
                List<Object> values = new ArrayList<>();
                for (Run r : finished) {
                    Object v = r.facts().get(fact);
                    if (!values.contains(v)) {
                        values.add(v);
                    }
                }
                if (values.size() > 1) {
                    out.println("note: the runs differ in " + fact + ": " + values);
                }
            }
        }
        if (!other.isEmpty()) {
            out.println("not finished, not averaged:");
            for (Run r : other) {
                out.println("  seed " + (r.seed() == NO_SEED ? "unknown" : r.seed()) + " (" + r.folder() + "): " + r.note());
            }
        }
    }

    /** {@code over N seeds: m1 mean ± std  m2 mean ± std} (one seed: no ±). */
    public String meanLine() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "over %d seed%s:", finished.size(),
                finished.size() == 1 ? "" : "s"));
        for (String m : metricNames) {
            SummaryStatistics s = statistics(m);
            sb.append(finished.size() == 1 ? String.format(Locale.ROOT, " %s %.6f ", m, s.getMean())
                    : String.format(Locale.ROOT, " %s %.6f ± %.6f ", m, s.getMean(), s.getStandardDeviation()));
        }
        return sb.toString().stripTrailing();
    }

    /** Several experiments side by side, one row each, the paper's layout (rows: models; columns: metrics). */
    public static void printTable(PrintStream out, List<Summary> groups) {
        List<String> metrics = new ArrayList<>();
        for (Summary g : groups) {
            for (String m : g.metricNames) {
                if (!metrics.contains(m)) {
                    metrics.add(m);
                }
            }
        }
        List<String[]> rows = new ArrayList<>();
        String[] head = new String[metrics.size() + 2];
        head[0] = "experiment";
        head[1] = "seeds";
        for (int i = 0; i < metrics.size(); i++) {
            head[i + 2] = metrics.get(i);
        }
        rows.add(head);
        for (Summary g : groups) {
            String[] row = new String[metrics.size() + 2];
            row[0] = g.model();
            row[1] = g.finished.size() + " of " + (g.finished.size() + g.other.size());
            for (int i = 0; i < metrics.size(); i++) {
                String m = metrics.get(i);
                if (g.finished.isEmpty() || !g.metricNames.contains(m)) {
                    row[i + 2] = "-";
                } else {
                    SummaryStatistics s = g.statistics(m);
                    row[i + 2] = g.finished.size() == 1 ? String.format(Locale.ROOT, "%.6f", s.getMean())
                            : String.format(Locale.ROOT, "%.6f ± %.6f", s.getMean(), s.getStandardDeviation());
                }
            }
            rows.add(row);
        }
        printAligned(out, rows);
    }

    /** A table's rows: the first column left-aligned, the others right-aligned, two spaces between. */
    public static void printAligned(PrintStream out, List<String[]> rows) {
        int[] w = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                sb.append(i == 0 ? String.format("%-" + w[i] + "s", r[i]) : "  " + String.format("%" + w[i] + "s", r[i]));
            }
            out.println(sb.toString().stripTrailing());
        }
    }

    /** task, decoder and the grid's folder: the row name in {@link #printTable}. */
    private String model() {
        Run r = !finished.isEmpty() ? finished.get(0) : null;
        if (r == null) {
            return label;
        }
        Object task = r.settings().get("config.model.task");
        Object dec = r.settings().get("config.model.decoder");
        Path parent = r.folder().getParent();
        return task + " " + dec + (parent == null ? "" : " (" + parent + ")");
    }

    // ------------------------------------------------------------------ reading one run folder

    /**
     * Reads a seed's folder of a grid ({@code seed-<s>}, or its {@code run} folder) or a run folder that
     * no grid made.
     */
    static Run read(Path given) throws IOException {
        if (!Files.isDirectory(given)) {
            throw new IllegalArgumentException(given + (Files.exists(given) ? ": a file, not a run folder (give the folder "
                    + "that holds it)" : ": no such run folder"));
        }
        Path folder = given;
        Path parent = given.toAbsolutePath().getParent();
        if (!Files.isRegularFile(given.resolve(RunStatus.FILE)) && given.getFileName() != null
                && given.getFileName().toString().equals(GridTask.RUN) && parent != null
                && Files.isRegularFile(parent.resolve(RunStatus.FILE))) {
            folder = given.toAbsolutePath().getParent(); // the run folder of a grid's seed: its status.json is one up
        }
        Path run = Files.isRegularFile(folder.resolve(RunStatus.FILE)) || Files.isDirectory(GridTask.runFolder(folder))
                ? GridTask.runFolder(folder) : folder;
        RunStatus status = RunStatus.read(folder);
        Map<String, Object> settings = Map.of();
        Map<String, Object> facts = Map.of();
        Long configSeed = null;
        Path runJson = run.resolve("run.json");
        if (Files.isRegularFile(runJson)) {
            Map<String, Object> record = Json.readObject(runJson);
            if (!(record.get("config") instanceof Map<?, ?> config) || !(config.get("seed") instanceof Long)) {
                throw new IOException(runJson + ": field \"config.seed\" is missing or not an integer");
            }
            Map<String, Object> flat = new TreeMap<>();
            flatten("", record, flat);
            if (flat.get("config.seed") instanceof Long) {
                configSeed = (Long) flat.get("config.seed");
            }
            facts = new LinkedHashMap<>();
            for (String f : FACTS) {
                facts.put(f, flat.remove(f));
            }
            // a resumed run trained its last part with the last resume's settings (--steps, --epochs, …), which
            // run.json records in its resumes list, leaving config as the first part ran
            if (record.get("resumes") instanceof List<?> l && !l.isEmpty() && l.get(l.size() - 1) instanceof Map<?, ?> last
                    && last.get("settings") instanceof Map<?, ?> resumed) {
                for (Map.Entry<?, ?> e : resumed.entrySet()) {
                    if ("data".equals(e.getKey())) {
                        continue; // the folder a resume read its generated scenes from: the same scenes, by their digests
                    }
                    Object was = flat.put("config." + e.getKey(), e.getValue());
                    if (!Objects.equals(was, e.getValue())) {
                        flat.put(RESUMED + e.getKey(), was); // kept to explain a refusal, never compared
                    }
                }
            }
            flat.keySet().removeAll(FREE);
            flat.keySet().removeIf(k -> !k.startsWith("config.") && !k.equals("backend") && !k.startsWith(DATA + ".")
                    && !k.startsWith(RESUMED));
            settings = flat;
        }
        Path metrics = run.resolve("metrics.jsonl");
        if (status == null && !Files.isRegularFile(runJson) && !Files.isRegularFile(metrics)) {
            throw new IllegalArgumentException(given + ": not a run folder (no " + RunStatus.FILE
                    + ", run.json or metrics.jsonl)" + (Files.isRegularFile(given.resolve(Grid.FILE))
                    ? "; it holds a grid: give --grid " + given : holdsRuns(given)
                    ? "; it holds run folders: give them, e.g. " + given.resolve("*") : ""));
        }
        long seed = status != null ? status.seed() : configSeed != null ? configSeed : NO_SEED;
        Map<String, Double> last = new LinkedHashMap<>();
        long lastStep = -1;
        long lastTestStep = -1;
        boolean cutShort = false;
        boolean endsFinal = false;
        if (Files.isRegularFile(metrics)) {
            List<String> lines = RunRecord.metricsLines(metrics);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).isBlank()) {
                    continue;
                }
                Map<String, Object> m;
                try {
                    m = Json.parseObject(lines.get(i));
                } catch (IOException e) {
                    if (i == lines.size() - 1 && (status == null || !status.finished())) {
                        cutShort = true;
                        break; // a line cut short by a killed process
                    }
                    throw new IOException(metrics + " line " + (i + 1) + ": " + e.getMessage()
                            + (i == lines.size() - 1 ? " (the run is recorded finished, so its last line was written whole)" : ""));
                }
                if (m.get("step") instanceof Long) {
                    lastStep = (Long) m.get("step");
                }
                endsFinal = RunRecord.finalLine(m);
                Map<String, Double> tests = new LinkedHashMap<>();
                for (Map.Entry<String, Object> e : m.entrySet()) {
                    if (e.getKey().startsWith("test_")) {
                        if (!(e.getValue() instanceof Number n) || !Double.isFinite(n.doubleValue())) {
                            throw new IOException(metrics + " line " + (i + 1) + ": field \"" + e.getKey()
                                    + "\" is not a finite number (" + e.getValue() + ")");
                        }
                        tests.put(e.getKey(), n.doubleValue());
                    }
                }
                if (!tests.isEmpty()) {
                    last = tests;
                    lastTestStep = m.get("step") instanceof Long ? (Long) m.get("step") : -1;
                }
            }
        }
        if (!settings.isEmpty() && !last.isEmpty()) {
            settings.put(STEPS, lastTestStep < 0 ? null : lastTestStep);
        }
        String steps = lastStep < 0 ? "nothing logged" : "last logged step " + lastStep;
        if (status == null) {
            return byRecord(folder, run, seed, settings, facts, last, lastStep, cutShort, endsFinal);
        }
        Map<String, Object> a = status.lastAttempt();
        switch (status.state()) {
            case RunStatus.QUEUED:
                return new Run(folder, run, seed, false, "queued (submission " + status.field("queued_by_submission") + " at "
                        + status.field("queued_at") + "), not started: waiting in Slurm's queue, or its task ended before train "
                        + "began (its log, slurm-*.out in the seed's folder, says why)" + (a == null ? "" : "; " + steps),
                        last, settings, facts);
            case RunStatus.RUNNING:
                return new Run(folder, run, seed, false, "started " + a.get("started") + " on " + a.get("host") + " (job " + a.get("job")
                        + "), no end recorded: " + (endsFinal && !cutShort ? "its metrics.jsonl ends with train's final line "
                        + "(step " + lastStep + "), so train finished and its task was stopped before it recorded the end; giving the "
                        + "repeat command again records it finished"
                        : "still running, or killed (scancel, time limit, lost node); " + steps
                        + (Files.isRegularFile(run.resolve(GridTask.CHECKPOINT)) ? "; its checkpoint lets a resubmission resume" : "")),
                        last, settings, facts);
            case RunStatus.FAILED:
                return new Run(folder, run, seed, false, "failed with exit code " + a.get("exit_code") + " at " + a.get("ended")
                        + " (job " + a.get("job") + ")" + (a.get("error") != null ? ": " + a.get("error") : "") + "; " + steps,
                        last, settings, facts);
            default:
                break;
        }
        String problem = null;
        if (settings.isEmpty()) {
            problem = "finished, but has no run.json";
        } else if (configSeed == null || configSeed != seed) {
            problem = "finished, but run.json records seed " + configSeed + " and status.json seed " + seed;
        } else if (last.isEmpty()) {
            problem = "finished, but metrics.jsonl holds no test metrics";
        } else if (lastTestStep < lastStep) {
            // the final evaluation is logged after the last step: test metrics before it are an earlier evaluation's
            problem = "finished, but metrics.jsonl's last test metrics are at step " + lastTestStep + ", before its last step "
                    + lastStep + " (the final evaluation is missing)";
        }
        if (problem != null) {
            return new Run(folder, run, seed, false, problem, last, settings, facts);
        }
        return new Run(folder, run, seed, true, "finished", last, settings, facts);
    }

    /** Whether a folder holds a run folder (one with a run.json), as a folder of hand-trained runs does. */
    private static boolean holdsRuns(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> s = IoErrors.naming(dir, () -> Files.list(dir))) {
            return s.anyMatch(p -> Files.isRegularFile(p.resolve(RunRecord.RUN)));
        }
    }

    /**
     * A run folder without a grid's status.json (a run trained by hand, {@code train … --out F}), judged by its own
     * record: finished when it has its run.json and its metrics.jsonl ends with the final line, which train logs last,
     * after the figures ({@link RunRecord#finalLine}); a run stopped before that line (killed, still training, a
     * non-finite value, an error) has none at its end, and its note says what its folder shows.
     */
    private static Run byRecord(Path folder, Path run, long seed, Map<String, Object> settings, Map<String, Object> facts,
                                Map<String, Double> last, long lastStep, boolean cutShort, boolean endsFinal) throws IOException {
        boolean hasRun = Files.isRegularFile(run.resolve(RunRecord.RUN));
        boolean hasMetrics = Files.isRegularFile(run.resolve(RunRecord.METRICS));
        if (hasRun && hasMetrics && endsFinal && !cutShort) {
            return new Run(folder, run, seed, true, "finished", last, settings, facts);
        }
        String steps = lastStep < 0 ? "no step logged" : "last logged step " + lastStep;
        if (!hasRun) {
            return new Run(folder, run, seed, false, "no run.json (train writes it when a run starts, with the run's "
                    + "settings and seed): not averaged, its settings cannot be compared (" + (endsFinal && !cutShort
                    ? "metrics.jsonl ends with its final line at step " + lastStep : steps) + ")", last, settings, facts);
        }
        String where;
        if (!hasMetrics) {
            where = "no metrics.jsonl: nothing logged, not even the evaluation before the first step";
        } else if (cutShort) {
            where = "the last line of metrics.jsonl is cut short (its process was killed while writing it); " + steps;
        } else if (settings.get("config.max_steps") instanceof Long max && max > 0 && lastStep == max) {
            where = "no final line in metrics.jsonl: every step trained (" + max + "), the final evaluation not logged "
                    + "(stopped during it or while the figures were written)";
        } else {
            where = "no final line in metrics.jsonl (train logs it last, after the figures); " + steps;
        }
        Path lock = run.resolve(RunLock.FILE);
        String owner = Files.isRegularFile(lock) ? IoErrors.naming(lock, () -> Files.readString(lock)).strip() : null;
        String who;
        if (cutShort && (owner == null || owner.isEmpty())) {
            who = null; // the cut line already says how it ended
        } else if (owner == null) {
            who = "no " + RunLock.FILE + ", so whether a process is still training in it cannot be told";
        } else if (!owner.isEmpty()) {
            who = "its " + RunLock.FILE + " names process " + owner + ": still training, or killed (a killed process leaves "
                    + "its line there)";
        } else {
            who = "train ended without it (its " + RunLock.FILE + " emptied, as on any end but a kill): a non-finite value "
                    + "stopped the run (exit code 3; the step that went non-finite is not logged), or an error did (train's "
                    + "output says which)";
        }
        boolean resumable = Files.isRegularFile(run.resolve(GridTask.CHECKPOINT)) && (owner == null || !owner.isEmpty());
        return new Run(folder, run, seed, false, where + (who == null ? "" : "; " + who) + (resumable ? "; its checkpoint lets train --resume "
                + "continue it" : ""), last, settings, facts);
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Map<String, Object> m, Map<String, Object> out) {
        for (Map.Entry<String, Object> e : m.entrySet()) {
            String k = prefix + e.getKey();
            if (e.getValue() instanceof Map) {
                flatten(k + ".", (Map<String, Object>) e.getValue(), out);
            } else {
                out.put(k, e.getValue());
            }
        }
    }

    /** A run's settings but the steps it trained (a run that did not finish has not trained them all). */
    private static Map<String, Object> withoutSteps(Map<String, Object> settings) {
        Map<String, Object> m = new TreeMap<>(settings);
        m.remove(STEPS);
        return m;
    }

    /**
     * The first setting whose value differs, described, or null: the model's task and decoder first (what makes
     * runs other experiments), then the rest sorted by name.
     */
    private static String firstDifference(Map<String, Object> a, Map<String, Object> b) {
        TreeMap<String, Object> sorted = new TreeMap<>(a);
        sorted.putAll(b);
        List<String> keys = new ArrayList<>(EXPERIMENT);
        for (String k : sorted.keySet()) {
            if (!keys.contains(k)) {
                keys.add(k);
            }
        }
        for (String k : keys) {
            if (k.startsWith(RESUMED)) {
                continue;
            }
            if (k.startsWith(DATA + ".") && (a.get(k) == null || b.get(k) == null)) {
                continue; // a run recorded without digests: its data cannot be compared
            }
            if (!Objects.equals(a.get(k), b.get(k))) {
                String r = k.startsWith("config.") ? RESUMED + k.substring("config.".length()) : null;
                String note = r != null && (a.containsKey(r) || b.containsKey(r))
                        ? ", as trained: a resume changed it (run.json's last resumes entry)" : "";
                return k + " (" + show(b.get(k)) + ", not " + show(a.get(k)) + ")" + note;
            }
        }
        return null;
    }

    private static String show(Object v) {
        return v == null ? "absent" : v.toString();
    }
}
