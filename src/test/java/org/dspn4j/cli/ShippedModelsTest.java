package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The trained MNIST models shipped under {@code models/} and the table of docs/reproduction.md
 * cannot disagree: every row of that table names a shipped file, and {@code eval mnist --full} on the
 * file prints the row's test_loss and test_last.
 */
class ShippedModelsTest {

    /** A table row: | model | [models/x.npz](../models/x.npz) | steps | test_loss | test_last | ... */
    private static final Pattern ROW = Pattern.compile(
            "^\\| ([A-Za-z ()]+) \\| \\[(models/[\\w.-]+\\.npz)\\]\\(\\.\\./models/[\\w.-]+\\.npz\\) \\| [\\d,]+ \\| ([0-9.e-]+) \\| ([0-9.e-]+) \\|.*$",
            Pattern.MULTILINE);

    record Row(String model, Path file, String testLoss, String testLast) {
    }

    static List<Row> rows() throws Exception {
        String doc = Files.readString(Path.of("docs", "reproduction.md"));
        List<Row> rows = new ArrayList<>();
        Matcher m = ROW.matcher(doc);
        while (m.find()) {
            rows.add(new Row(m.group(1), Path.of(m.group(2)), m.group(3), m.group(4)));
        }
        return rows;
    }

    @Test
    void everyShippedModelEvaluatesToItsRowOfTheTable() throws Exception {
        List<Row> rows = rows();
        assertEquals(List.of("DSPN", "MLP baseline", "RNN (LSTM) baseline"), rows.stream().map(Row::model).toList(),
                "docs/reproduction.md's table of the shipped models");
        for (Row r : rows) {
            assertTrue(Files.isRegularFile(r.file()), r.file() + " is missing");
            ImportTorchCommandTest.Run e = ImportTorchCommandTest.run("eval", "mnist", "--full", "--backend", "cpu",
                    "--threads", "2", "--checkpoint", r.file().toString());
            assertEquals(0, e.rc(), e.out() + e.err());
            assertTrue(e.out().contains("test_loss " + r.testLoss() + "\n"), r + "\n" + e.out());
            assertTrue(e.out().contains("test_last " + r.testLast() + "\n"), r + "\n" + e.out());
        }
    }
}
