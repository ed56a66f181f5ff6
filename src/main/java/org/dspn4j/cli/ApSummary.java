package org.dspn4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.commons.math3.stat.descriptive.SummaryStatistics;
import org.dspn4j.experiment.ClevrEvaluation;
import org.dspn4j.experiment.ClevrSource;
import org.dspn4j.experiment.Compute;
import org.dspn4j.experiment.IoErrors;
import org.dspn4j.experiment.RunInfo;
import org.dspn4j.experiment.TrainingLoop;
import org.dspn4j.experiment.grid.Grid;
import org.dspn4j.experiment.grid.Summary;
import org.dspn4j.model.ModelConfig;

/**
 * {@code summarise --ap}: the paper's CLEVR AP tables (its Tables 1 and 2: box AP at IoU thresholds, state AP at
 * distance thresholds; DSPN at 10, 20 and 30 inner steps, a baseline's single output) over the finished runs of an
 * experiment, as mean ± sample standard deviation per cell, the way the paper reports them over its 6 runs.
 *
 * <p>Each run is evaluated by {@code eval}'s own code ({@link EvalCommand#clevrInput}, {@link ClevrEvaluation#run}
 * and {@link ClevrEvaluation#tables}) with what eval takes from the run's run.json when given only
 * {@code --checkpoint <run>}: its data (checked against the digest it recorded), batch size and {@code full_eval}. So
 * a seed's row here is the row {@code eval clevr-box|clevr-state --checkpoint <run>} prints. Nothing is written:
 * the runs' folders are only read.
 */
final class ApSummary {
    /** The checkpoint of a run folder, the one eval --checkpoint RUN_FOLDER reads. */
    private static final String CHECKPOINT = TrainingLoop.CHECKPOINT;

    /** One finished run's tables, as eval computes them. */
    record Seed(long seed, Path run, List<ClevrEvaluation.Table> tables) {
    }

    private final Summary summary;
    private final ModelConfig.Task task;
    private final List<Seed> seeds;

    private ApSummary(Summary summary, ModelConfig.Task task, List<Seed> seeds) {
        this.summary = summary;
        this.task = task;
        this.seeds = seeds;
    }

    /**
     * The task of an experiment: its grid's train command, else its runs' run.json ({@code config.model.task}); null
     * when neither says (no run recorded one).
     */
    static ModelConfig.Task task(Summary s, Grid grid) {
        if (grid != null) {
            List<String> c = grid.command();
            int i = c.indexOf("train");
            if (i >= 0 && i + 1 < c.size()) {
                try {
                    return ModelConfig.Task.parse(c.get(i + 1));
                } catch (IllegalArgumentException e) {
                    // not a task name: fall back to the runs' records
                }
            }
        }
        List<Summary.Run> runs = new ArrayList<>(s.finished());
        runs.addAll(s.unfinished());
        for (Summary.Run r : runs) {
            if (r.settings().get("config.model.task") instanceof String t) {
                return ModelConfig.Task.parse(t);
            }
        }
        return null;
    }

    /**
     * Refuses, before anything is evaluated, an experiment --ap has nothing to add to (MNIST) and a finished run
     * without the checkpoint eval would read, or whose checkpoint is not one of the experiment's task. Each checkpoint
     * is read here once, as eval reads it, and once more when it is evaluated ({@link #evaluate}); the model of the
     * first finished run is returned for the backend to be opened with (null: none finished).
     *
     * @param name the experiment as the refusal names it (its grid.json, or the run folders)
     */
    static ModelConfig check(Summary s, ModelConfig.Task task, String name) throws IOException {
        if (task == ModelConfig.Task.MNIST) {
            throw new IllegalArgumentException("--ap: " + name + " is an MNIST experiment, whose metrics (test_loss, test_last) "
                    + "are already in the summary; --ap adds CLEVR's AP tables (clevr-box, clevr-state): leave it out");
        }
        for (Summary.Run r : s.finished()) {
            Path ck = r.run().resolve(CHECKPOINT);
            if (!Files.isRegularFile(ck)) {
                throw new IllegalArgumentException(ck + ": no such file; summarise --ap evaluates each finished run's "
                        + "checkpoint, as eval --checkpoint " + r.run() + " does (seed " + r.seed() + ")");
            }
        }
        ModelConfig first = null;
        for (Summary.Run r : s.finished()) { // each a checkpoint of the task, read as eval reads it
            ModelConfig c = seedContext(r, () -> CheckpointOptions.model("--checkpoint", r.run().resolve(CHECKPOINT), task));
            first = first == null ? c : first;
        }
        return first;
    }

    /**
     * Evaluates each finished run of {@code s} as eval does, one progress line per seed on {@code out} (completed
     * when the seed's evaluation ends, so that a log shows which seed is being evaluated).
     */
    static ApSummary evaluate(Summary s, ModelConfig.Task task, ModelConfig firstModel, BackendOptions compute, int threads,
                              PrintStream out) throws IOException {
        List<Seed> seeds = new ArrayList<>();
        if (s.finished().isEmpty()) {
            return new ApSummary(s, task, seeds);
        }
        boolean dspn = "dspn".equals(s.finished().get(0).settings().get("config.model.decoder"));
        out.printf(Locale.ROOT, "evaluating the %d finished run%s as eval %s --checkpoint <run> does (the run's data, batch and "
                + "full_eval%s):%n", s.finished().size(), s.finished().size() == 1 ? "" : "s", task.cliName(),
                dspn ? "; at 10, 20 and 30 inner steps" : "");
        // one backend for all: the runs' settings, the model's dtype among them, are the same (Summary refuses others)
        try (Compute c = compute.choice().open(firstModel.dtype(), "the checkpoint's dtype", threads, out)) {
            for (Summary.Run r : s.finished()) {
                seeds.add(seedContext(r, () -> evaluate(r, task, c, threads, out)));
            }
        }
        return new ApSummary(s, task, seeds);
    }

    /**
     * Evaluates one run as eval does: its model, data, batch and full_eval as eval takes them from its run.json. The
     * checkpoint ({@link #check}ed to be of the task) is read once, for the model evaluated.
     */
    private static Seed evaluate(Summary.Run r, ModelConfig.Task task, Compute c, int threads, PrintStream out)
            throws IOException {
        CheckpointOptions input = new CheckpointOptions();
        input.checkpoint = r.run().resolve(CHECKPOINT);
        RunInfo run = input.run();
        int b = input.batch(run);
        ClevrSource src = input.clevrData(run);
        EvalCommand.ClevrInput in = EvalCommand.clevrInput(c.backend(), task, input, run, src, b, threads, out);
        if (in.net().config().task() != task) { // replaced since it was checked
            throw new IllegalArgumentException("--checkpoint " + input.checkpoint + " holds a "
                    + in.net().config().task().cliName() + " model, not " + task.cliName());
        }
        out.print("seed " + r.seed() + ": " + in.line());
        out.flush();
        long t0 = System.nanoTime();
        boolean done = false;
        try {
            ClevrEvaluation.Result result = ClevrEvaluation.run(c.backend(), in.net(), in.test(), ClevrEvaluation.PAPER_ITERS);
            List<ClevrEvaluation.Table> tables = ClevrEvaluation.tables(result);
            done = true;
            out.printf(Locale.ROOT, "; %s%n", seconds((System.nanoTime() - t0) / 1e9));
            return new Seed(r.seed(), r.run(), tables);
        } finally {
            if (!done) {
                out.println("; failed");
            }
        }
    }

    /** Runs {@code action} for a seed, its refusals prefixed with the seed and its run folder. */
    private static <T> T seedContext(Summary.Run r, IoErrors.IoAction<T> action) throws IOException {
        try {
            return action.run();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where(r) + Main.summary(e), e);
        } catch (UncheckedIOException e) {
            throw new IOException(where(r) + Main.summary(e.getCause() != null ? e.getCause() : e), e);
        } catch (IOException e) {
            throw new IOException(where(r) + Main.summary(e), e);
        }
    }

    private static String where(Summary.Run r) {
        return "seed " + r.seed() + " (" + r.run() + "): ";
    }

    private static String seconds(double s) {
        return s < 120 ? String.format(Locale.ROOT, "%.1f s", s) : String.format(Locale.ROOT, "%.1f min", s / 60);
    }

    /** The row labels of the tables ("DSPN, 10 steps" …, or "MLP baseline"). */
    private List<String> labels() {
        return seeds.get(0).tables().get(0).rows();
    }

    /** The mean ± sample standard deviation of table {@code t}'s cell (row, column) over the seeds. */
    SummaryStatistics statistics(int t, int row, int column) {
        SummaryStatistics s = new SummaryStatistics();
        for (Seed seed : seeds) {
            s.addValue(seed.tables().get(t).values().get(row)[column]);
        }
        return s;
    }

    /** A cell: "mean ± std", two decimals as eval prints AP; one seed: its value. */
    private String cell(int t, int row, int column) {
        SummaryStatistics s = statistics(t, row, column);
        return seeds.size() == 1 ? String.format(Locale.ROOT, "%.2f", s.getMean())
                : String.format(Locale.ROOT, "%.2f ± %.2f", s.getMean(), s.getStandardDeviation());
    }

    /**
     * Prints each table: every seed's rows as eval prints them (after a seed column), then the mean ± sample standard
     * deviation over the seeds in the paper's layout.
     */
    void print(PrintStream out) {
        if (seeds.isEmpty()) {
            return;
        }
        List<ClevrEvaluation.Table> first = seeds.get(0).tables();
        for (int t = 0; t < first.size(); t++) {
            ClevrEvaluation.Table table = first.get(t);
            out.println(table.title());
            out.println(String.format(Locale.ROOT, "%-6s", "seed") + ClevrEvaluation.header(table));
            for (Seed s : seeds) {
                ClevrEvaluation.Table st = s.tables().get(t);
                for (int i = 0; i < st.rows().size(); i++) {
                    out.println(String.format(Locale.ROOT, "%-6s", s.seed()) + ClevrEvaluation.row(st, i));
                }
            }
            out.println(seeds.size() == 1 ? "one seed (no standard deviation):"
                    : "over " + seeds.size() + " seeds, mean ± sample standard deviation:");
            List<String[]> rows = new ArrayList<>();
            String[] head = new String[table.columns().size() + 1];
            head[0] = "model";
            for (int j = 0; j < table.columns().size(); j++) {
                head[j + 1] = table.columns().get(j);
            }
            rows.add(head);
            for (int i = 0; i < table.rows().size(); i++) {
                String[] row = new String[head.length];
                row[0] = table.rows().get(i);
                for (int j = 0; j < table.columns().size(); j++) {
                    row[j + 1] = cell(t, i, j);
                }
                rows.add(row);
            }
            Summary.printAligned(out, rows);
        }
    }

    /**
     * Several experiments of one task as one table per AP table, the paper's Tables 1 and 2: one row per model
     * (baselines, DSPN at each step count) with its seeds and mean ± std per cell; a row label that two experiments
     * share is followed by the experiment's folder.
     */
    static void printTable(PrintStream out, List<ApSummary> groups) {
        Map<ModelConfig.Task, List<ApSummary>> byTask = new LinkedHashMap<>();
        for (ApSummary g : groups) {
            if (!g.seeds.isEmpty()) {
                byTask.computeIfAbsent(g.task, k -> new ArrayList<>()).add(g);
            }
        }
        for (List<ApSummary> same : byTask.values()) {
            List<String> all = new ArrayList<>();
            for (ApSummary g : same) {
                all.addAll(g.labels());
            }
            List<ClevrEvaluation.Table> tables = same.get(0).seeds.get(0).tables();
            for (int t = 0; t < tables.size(); t++) {
                ClevrEvaluation.Table table = tables.get(t);
                out.println(table.title() + ", mean ± sample standard deviation over seeds");
                List<String[]> rows = new ArrayList<>();
                String[] head = new String[table.columns().size() + 2];
                head[0] = "model";
                head[1] = "seeds";
                for (int j = 0; j < table.columns().size(); j++) {
                    head[j + 2] = table.columns().get(j);
                }
                rows.add(head);
                for (ApSummary g : same) {
                    List<String> labels = g.labels();
                    for (int i = 0; i < labels.size(); i++) {
                        String label = labels.get(i);
                        String[] row = new String[head.length];
                        row[0] = all.indexOf(label) != all.lastIndexOf(label) ? label + " (" + g.folder() + ")" : label;
                        row[1] = g.seeds.size() + " of " + (g.summary.finished().size() + g.summary.unfinished().size());
                        for (int j = 0; j < table.columns().size(); j++) {
                            row[j + 2] = g.cell(t, i, j);
                        }
                        rows.add(row);
                    }
                }
                Summary.printAligned(out, rows);
            }
        }
    }

    /** The folder of the experiment: the grid's (a seed folder's parent), as summarise's table names it. */
    private Path folder() {
        Path p = summary.finished().get(0).folder().getParent();
        return p == null ? summary.finished().get(0).folder() : p;
    }
}
