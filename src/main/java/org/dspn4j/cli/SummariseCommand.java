package org.dspn4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.dspn4j.experiment.grid.Grid;
import org.dspn4j.experiment.grid.Summary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dspn4j summarise RUN_FOLDER… | --grid grid.json …}: finished runs over seeds, mean ± std. */
@Command(name = "summarise", mixinStandardHelpOptions = true,
        header = "Print the mean and std over seeds of finished runs' test metrics.",
        description = {"Collect the final test metrics of finished runs and print them over seeds as mean ± sample standard",
                "deviation, the way the paper reports its tables. Runs that did not finish are listed, not averaged; runs",
                "whose run.json settings differ in anything but the seed are refused, and so are runs that trained for",
                "different numbers of steps (a resume's settings count) or on other data (data_sha256). A run is finished",
                "when its status.json (written by repeat) says so. Exit code 0: every run finished; 1: some did not; 2: refused."})
public final class SummariseCommand implements Callable<Integer> {

    @Parameters(paramLabel = "RUN_FOLDER", arity = "0..*", description = "run folders of one experiment, or the seeds' folders of a grid (e.g. runs/grid/seed-*)")
    List<Path> folders = new ArrayList<>();

    @Option(names = "--grid", paramLabel = "grid.json", description = "a grid of repeat (its grid.json or folder); "
            + "several: one row each in a table")
    List<Path> grids = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (folders.isEmpty() == grids.isEmpty()) {
            throw new IllegalArgumentException("give run folders, or --grid grid.json (not both)");
        }
        List<Summary> groups = new ArrayList<>();
        if (!folders.isEmpty()) {
            groups.add(Summary.of(folders.size() + " run folders", folders));
        }
        for (Path g : grids) {
            groups.add(Summary.of(Grid.read(g)));
        }
        boolean complete = true;
        for (Summary s : groups) {
            s.print(System.out);
            complete &= s.complete();
        }
        if (groups.size() > 1) {
            System.out.println();
            Summary.printTable(System.out, groups);
        }
        return complete ? 0 : 1;
    }
}
