package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.dspn4j.eval.ExportReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The MNIST command line end to end on a small model: train, eval (+ export), show, repeat. */
class MnistCommandsTest {
    private static final String[] TINY = {"--latent", "4", "--hidden", "8", "--iters", "2", "--batch", "4", "-q",
            "--threads", "2"};

    private static String run(String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        int rc;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            rc = Main.run(args);
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, "exit code of " + String.join(" ", args) + "\n" + out);
        return out;
    }

    private static String[] with(String[] base, String... more) {
        String[] out = new String[base.length + more.length];
        System.arraycopy(more, 0, out, 0, more.length);
        System.arraycopy(base, 0, out, more.length, base.length);
        return out;
    }

    @Test
    void trainEvalExportShowAndRepeat(@TempDir Path dir) throws Exception {
        Path runDir = dir.resolve("run");
        String train = run(with(TINY, "train", "mnist", "--steps", "2", "--out", runDir.toString()));
        assertTrue(train.contains("initial test_loss") && train.contains("final   test_loss"), train);
        Path ckpt = runDir.resolve("checkpoint.npz");

        Path export = dir.resolve("export");
        String eval = run("eval", "mnist", "--checkpoint", ckpt.toString(), "--export", export.toString());
        // the run's batch (4), seed and data, from its run.json: the 100 digits of the test tenth, and the final
        // evaluation of the run, to the printed digits
        assertTrue(eval.contains("images 100"), eval);
        java.util.Map<String, Double> fin = org.dspn4j.experiment.RunRecord.numbers(
                Files.readAllLines(runDir.resolve("metrics.jsonl")).get(3));
        assertEquals(2.0, fin.get("step"));
        assertTrue(eval.contains(String.format(java.util.Locale.ROOT, "test_loss %.6f%ntest_last %.6f%n",
                fin.get("test_loss"), fin.get("test_last"))), eval + "\nvs the run's final evaluation " + fin);
        // the run folder stands for its checkpoint.npz
        String byFolder = run("eval", "mnist", "--checkpoint", runDir.toString());
        assertTrue(byFolder.contains(String.format(java.util.Locale.ROOT, "test_loss %.6f%ntest_last %.6f%nimages 100",
                fin.get("test_loss"), fin.get("test_last"))), byFolder);
        // the authors' layout: all 342 slots per detection file, one step file per inner step, real points as truth
        List<String> det = Files.readAllLines(export.resolve("detections").resolve("0.txt"));
        assertEquals(342, det.size());
        assertTrue(det.get(0).startsWith("box "));
        assertTrue(Files.exists(export.resolve("detections").resolve("0-step2.txt")));
        List<String> gt = Files.readAllLines(export.resolve("groundtruths").resolve("0.txt"));
        assertTrue(gt.size() > 10 && gt.get(0).endsWith(" 1.0"), gt.get(0));
        assertEquals(100, ExportReader.read(export.resolve("detections"), export.resolve("groundtruths"), 2).size());

        Path fig = dir.resolve("fig.png");
        run("show", "mnist", "--checkpoint", ckpt.toString(), "--out", fig.toString(), "--rows", "3");
        assertTrue(Files.size(fig) > 1000);

        String rep = run(with(TINY, "repeat", "--seeds", "1,2", "--out", dir.resolve("rep").toString(), "--", "train",
                "mnist", "--steps", "1"));
        assertTrue(rep.contains("over 2 seeds: test_loss") && rep.contains("±"), rep);
    }
}
