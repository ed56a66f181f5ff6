package org.dspn4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.dspn4j.experiment.grid.Grid;
import org.dspn4j.experiment.grid.Summary;
import org.dspn4j.model.ModelConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dspn4j summarise RUN_FOLDER… | --grid grid.json … [--ap]}: finished runs over seeds, mean ± std. */
@Command(name = "summarise", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Print the mean and std over seeds of finished runs' test metrics (--ap: CLEVR's AP tables).",
        description = {"Collect the final test metrics of finished runs and print them over seeds as mean ± sample standard "
                + "deviation, the way the paper reports its tables. Runs that did not finish are listed, not averaged; runs "
                + "whose run.json settings differ in anything but the seed are refused, and so are runs that trained for "
                + "different numbers of steps (a resume's settings count) or on other data (data_sha256); runs of other models are "
                + "other experiments (--grid with several grids prints them side by side). A grid's seed is finished when its "
                + "status.json (written by repeat) says so; a run folder trained by hand (train --out F, no status.json) when "
                + "its metrics.jsonl ends with the final line train logs last. Nothing is written into the runs' folders. "
                + "Exit code 0: every run finished; 1: some did not; 2: refused.",
                "",
                "--ap (clevr-box, clevr-state): also the paper's AP tables (Tables 1 and 2) over the seeds, each finished run's "
                + "checkpoint evaluated as eval --checkpoint <run> evaluates it. That costs one eval per seed: the run's share of "
                + "CLEVR v1.0's val (its first tenth, 1,472 images at batch 32, or all 14,976 with full_eval) decoded at 30 inner "
                + "steps, about 12 s a batch on 2 CPU cores: some 10 minutes a seed for the tenth, 1.5 hours for all of val "
                + "(docs/cluster.md). One line per seed says what it evaluates and, when done, how long it took."})
public final class SummariseCommand implements Callable<Integer> {

    @Parameters(paramLabel = "RUN_FOLDER", arity = "0..*", description = "run folders of one experiment, or the seeds' folders of a grid (e.g. runs/grid/seed-*)")
    List<Path> folders = new ArrayList<>();

    @Option(names = "--grid", paramLabel = "grid.json", description = "a grid of repeat (its grid.json or folder); "
            + "several: one row each in a table")
    List<Path> grids = new ArrayList<>();

    @Option(names = "--ap", description = "clevr-box, clevr-state: evaluate each finished run's checkpoint as eval does (its "
            + "data, batch and full_eval from its run.json; DSPN at 10, 20 and 30 inner steps) and print the AP tables per seed "
            + "and as mean ± std over the seeds; several grids (e.g. the mlp, rnn and dspn grids of a task): one table, the "
            + "paper's layout. Slow: one eval per seed")
    boolean ap;

    @Mixin
    ThreadOptions threads = new ThreadOptions();

    @Mixin
    BackendOptions compute = new BackendOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (folders.isEmpty() == grids.isEmpty()) {
            throw new IllegalArgumentException("give run folders, or --grid grid.json (not both)");
        }
        if (!ap) {
            for (String o : List.of("--threads", "--backend", "--device", "--arena-mb")) {
                if (spec.commandLine().getParseResult().hasMatchedOption(o)) {
                    throw new IllegalArgumentException(o + " goes with --ap (without it summarise only reads the runs' "
                            + "metrics)");
                }
            }
        }
        for (Path g : grids) { // named as the option before anything is read
            Path file = Files.isDirectory(g) ? g.resolve(Grid.FILE) : g;
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("--grid " + file + ": no such grid file");
            }
        }
        int th = ap ? threads.threads(compute) : 0;
        if (ap) {
            compute.choice(); // --backend and --arena-mb checked before the runs are
        }
        List<Summary> groups = new ArrayList<>();
        List<Grid> gridOf = new ArrayList<>();
        List<String> names = new ArrayList<>();
        if (!folders.isEmpty()) {
            groups.add(Summary.of(folders.size() + " run folder" + (folders.size() == 1 ? "" : "s"), folders));
            gridOf.add(null);
            names.add("the " + folders.size() + " run folder" + (folders.size() == 1 ? "" : "s") + " given");
        }
        for (Path g : grids) {
            Grid grid = Grid.read(g);
            groups.add(Summary.of(grid));
            gridOf.add(grid);
            names.add(grid.file().toString());
        }
        List<ModelConfig.Task> tasks = new ArrayList<>();
        List<ModelConfig> firstModels = new ArrayList<>();
        if (ap) { // every experiment checked before minutes of evaluation
            for (int i = 0; i < groups.size(); i++) {
                ModelConfig.Task task = ApSummary.task(groups.get(i), gridOf.get(i));
                firstModels.add(ApSummary.check(groups.get(i), task, names.get(i)));
                tasks.add(task);
            }
        }
        boolean complete = true;
        List<ApSummary> aps = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            Summary s = groups.get(i);
            s.print(System.out);
            complete &= s.complete();
            if (ap && !s.finished().isEmpty()) {
                ApSummary a = ApSummary.evaluate(s, tasks.get(i), firstModels.get(i), compute, th, System.out);
                a.print(System.out);
                aps.add(a);
            }
        }
        if (groups.size() > 1) {
            System.out.println();
            Summary.printTable(System.out, groups);
            if (aps.size() > 1) {
                System.out.println();
                ApSummary.printTable(System.out, aps);
            }
        }
        return complete ? 0 : 1;
    }
}
