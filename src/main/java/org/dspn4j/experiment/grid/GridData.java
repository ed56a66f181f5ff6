package org.dspn4j.experiment.grid;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.dspn4j.experiment.DataDigest;
import org.dspn4j.experiment.RunInfo;
import org.dspn4j.experiment.RunRecord;

/**
 * The data a grid's seeds train on. Every run records its data's digests in run.json ({@code data_sha256},
 * {@link DataDigest}), and runs on other data are not averaged ({@link Summary}); a grid checks the data
 * before a seed trains, so that a seed is not trained for hours on data its grid's finished seeds did not
 * train on (a {@code --data-dir} that now holds other data). The digests are those train computes when it
 * starts: MNIST's digits as read, CLEVR's two scene files (not its images); they are read only when a
 * finished seed of the grid records digests to compare with.
 */
public final class GridData {
    private GridData() {
    }

    /**
     * The data a train command line would train on now.
     *
     * @param name   where the data are, as messages name it: {@code --data-dir <folder>}, the bundled MNIST subset, the
     *               folder of the generated scenes
     * @param sha256 their digests by split, as run.json's {@code data_sha256}
     */
    public record Now(String name, Map<String, String> sha256) {
    }

    /** Reads the data a train command line would train on now; null where they are not there to read. */
    @FunctionalInterface
    public interface Reader {
        Now read(List<String> command) throws IOException;
    }

    /**
     * Refuses, in one line naming a finished seed, the folder and both digests, data that differ from those a
     * finished seed of the grid trained on (splits a run.json does not record are not compared). Nothing is read
     * when no finished seed records digests, or when {@code reader} is null or finds no data.
     *
     * @param prefix what the message starts with ({@code repeat: }, {@code seed 3: })
     * @param suffix what it ends with
     */
    static void requireSame(Grid grid, Reader reader, String prefix, String suffix) throws IOException {
        if (reader == null) {
            return;
        }
        Now now = null;
        for (long seed : grid.seeds()) {
            Path folder = grid.folder(seed);
            Path runJson = GridTask.runFolder(folder).resolve(RunRecord.RUN);
            if (!Files.isRegularFile(runJson)) {
                continue;
            }
            RunStatus st = RunStatus.read(folder);
            if (st == null || !st.finished()) {
                continue;
            }
            Map<String, Object> recorded = RunInfo.read(runJson).dataSha256();
            if (recorded == null) {
                continue;
            }
            if (now == null) {
                now = reader.read(grid.command());
                if (now == null) {
                    return;
                }
            }
            List<String> changed = DataDigest.changed(recorded, now.sha256());
            if (!changed.isEmpty()) {
                throw new IllegalArgumentException(prefix + "the data now in " + now.name() + " differ from those finished seed "
                        + seed + " trained on: " + String.join(", ", changed) + " (" + runJson + ", data_sha256); the seeds of a grid "
                        + "must train on the same data to be averaged: put back the data seed " + seed + " trained on, or give "
                        + "another --out for a grid on the data as they are now" + suffix);
            }
        }
    }
}
