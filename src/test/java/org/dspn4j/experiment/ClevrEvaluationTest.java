package org.dspn4j.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.commons.math3.random.MersenneTwister;
import org.dspn4j.eval.AveragePrecision;
import org.dspn4j.eval.ExportReader;
import org.dspn4j.eval.ImageDetections;
import org.dspn4j.eval.IouVariant;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLEVR evaluation on generated scenes with tiny untrained models: the AP tables have the
 * paper's layout, the exported files score exactly as the in-memory detections, and Ŷ(t) taken from a
 * longer decoding pass is the same as decoding t steps.
 */
class ClevrEvaluationTest {
    private static final CpuBackend BE = new CpuBackend(2);

    @AfterAll
    static void close() {
        BE.close();
    }

    private static Net tiny(ModelConfig.Task task, ModelConfig.DecoderKind decoder) {
        return ClevrStandIn.create(BE, ClevrExperimentTest.tinyModel(task, decoder), new MersenneTwister(5));
    }

    private static ClevrBatches val(ModelConfig.Task task) throws IOException {
        return ClevrExperiment.testBatches(ClevrTestData.source(ClevrStandIn.SIDE), ClevrEvaluation.target(task), false, 2);
    }

    private static String printed(List<ClevrEvaluation.Table> tables) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ClevrEvaluation.print(new PrintStream(b, true, StandardCharsets.UTF_8), tables);
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    void boxTablesHaveThePaperLayoutWithBothIous() throws IOException {
        ClevrEvaluation.Result r = ClevrEvaluation.run(BE, tiny(ModelConfig.Task.CLEVR_BOX, ModelConfig.DecoderKind.DSPN),
                val(ModelConfig.Task.CLEVR_BOX), ClevrEvaluation.PAPER_ITERS);
        assertEquals(2, r.images());
        List<ClevrEvaluation.Table> t = ClevrEvaluation.tables(r);
        assertEquals(2, t.size());
        assertEquals(List.of("AP50", "AP90", "AP95", "AP98", "AP99"), t.get(0).columns());
        assertEquals(List.of("AP50", "AP60", "AP70", "AP80", "AP90"), t.get(1).columns());
        assertEquals(List.of("DSPN, 10 steps", "DSPN, 20 steps", "DSPN, 30 steps"), t.get(0).rows());
        String text = printed(t);
        assertTrue(text.contains("+1") && text.contains("corrected") && text.contains("DSPN, 30 steps"), text);
        assertTrue(text.lines().anyMatch(l -> l.matches("DSPN, 10 steps( +\\d+\\.\\d\\d){5}")), text);
    }

    @Test
    void stateTableHasThePaperLayout() throws IOException {
        ClevrEvaluation.Result r = ClevrEvaluation.run(BE, tiny(ModelConfig.Task.CLEVR_STATE, ModelConfig.DecoderKind.DSPN),
                val(ModelConfig.Task.CLEVR_STATE), ClevrEvaluation.PAPER_ITERS);
        List<ClevrEvaluation.Table> t = ClevrEvaluation.tables(r);
        assertEquals(1, t.size());
        assertEquals(List.of("APinf", "AP1", "AP0.5", "AP0.25", "AP0.125"), t.get(0).columns());
        assertEquals(3, t.get(0).rows().size());
        assertTrue(printed(t).contains("APinf"));
    }

    @Test
    void aBaselineIsEvaluatedOnce() throws IOException {
        ClevrEvaluation.Result r = ClevrEvaluation.run(BE, tiny(ModelConfig.Task.CLEVR_BOX, ModelConfig.DecoderKind.MLP),
                val(ModelConfig.Task.CLEVR_BOX), ClevrEvaluation.PAPER_ITERS);
        assertEquals(List.of("MLP baseline"), ClevrEvaluation.tables(r).get(0).rows());
    }

    @Test
    void aLongerPassGivesTheSameSetsAsAShortOne() throws IOException {
        Net net = tiny(ModelConfig.Task.CLEVR_BOX, ModelConfig.DecoderKind.DSPN);
        ClevrBatches val = val(ModelConfig.Task.CLEVR_BOX);
        ClevrEvaluation.Result shortPass = ClevrEvaluation.run(BE, net, val, new int[] {5});
        ClevrEvaluation.Result longPass = ClevrEvaluation.run(BE, net, val, new int[] {30, 5});
        assertEquals(shortPass.loss(), longPass.loss(), 0.0);
        List<ImageDetections> a = shortPass.detections().get(0);
        List<ImageDetections> b = longPass.detections().get(1);
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).confidences(), b.get(i).confidences(), 0.0);
            for (int s = 0; s < a.get(i).features().length; s++) {
                assertArrayEquals(a.get(i).features()[s], b.get(i).features()[s], 0.0);
            }
        }
        assertEquals(3, net.config().iters(), "the trained T is restored");
    }

    @Test
    void exportedFilesScoreExactlyAsInMemory(@TempDir Path dir) throws IOException {
        for (ModelConfig.Task task : new ModelConfig.Task[] {ModelConfig.Task.CLEVR_BOX, ModelConfig.Task.CLEVR_STATE}) {
            for (ModelConfig.DecoderKind dec : new ModelConfig.DecoderKind[] {ModelConfig.DecoderKind.DSPN,
                    ModelConfig.DecoderKind.RNN}) {
                ClevrEvaluation.Result r = ClevrEvaluation.run(BE, tiny(task, dec), val(task), new int[] {10, 20});
                Path out = dir.resolve(task.cliName() + "-" + dec);
                List<Path> written = ClevrEvaluation.export(r, out);
                assertEquals(r.iters().length, written.size());
                double sum = 0;
                for (int i = 0; i < written.size(); i++) {
                    List<ImageDetections> fromFiles = ExportReader.read(written.get(i).resolve("detections"),
                            written.get(i).resolve("groundtruths"), ClevrEvaluation.features(task));
                    List<ImageDetections> inMemory = r.detections().get(i);
                    assertEquals(inMemory.size(), fromFiles.size());
                    if (task == ModelConfig.Task.CLEVR_BOX) {
                        for (IouVariant v : IouVariant.values()) {
                            for (double th : v.defaultThresholds()) {
                                double ap = AveragePrecision.box(inMemory, v, th);
                                assertEquals(ap, AveragePrecision.box(fromFiles, v, th), 0.0, task + " " + dec + " " + v + " " + th);
                                sum += ap;
                            }
                        }
                    } else {
                        for (double th : AveragePrecision.stateThresholds()) {
                            double ap = AveragePrecision.state(inMemory, th);
                            assertEquals(ap, AveragePrecision.state(fromFiles, th), 0.0, task + " " + dec + " " + th);
                            sum += ap;
                        }
                    }
                }
                if (task == ModelConfig.Task.CLEVR_BOX) {
                    assertTrue(sum > 0, "every AP is 0, the comparison says little");
                }
                // the authors' layout: all N slots per image, real objects only in the ground truth
                Path det = written.get(0).resolve("detections").resolve("0.txt");
                assertEquals(10, Files.readAllLines(det).size());
                assertTrue(Files.readAllLines(det).get(0).startsWith("box "));
                for (String line : Files.readAllLines(written.get(0).resolve("groundtruths").resolve("0.txt"))) {
                    assertTrue(line.startsWith("box ") && line.endsWith(" 1.0"), line);
                }
            }
        }
    }
}
