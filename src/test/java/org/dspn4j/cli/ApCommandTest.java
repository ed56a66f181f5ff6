package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The {@code ap} command on two tiny export folders in {@code src/test/resources/eval/}, with
 * expected values worked out by hand.
 *
 * <p><b>box-tiny</b>: four images, one ground truth each, G = 4. Detections (confidence, best IoU):
 * <pre>
 *   image 0 : 1.0 exact copy (IoU 1)            0.0 padding box (0,0,0,0), touches nothing
 *   image 1 : 0.9 shifted right by 0.02          0.0 padding
 *             fixed IoU = .008/.012 = 2/3; +1 IoU = 1.188/1.232 = 0.964
 *   image 10: 1.0 exact copy (IoU 1)            0.2 near copy, but its ground truth is taken
 *   image 2 : 1.0 far away (disjoint)           0.0 padding
 * </pre>
 * Ranking, with ties at 1.0 in string order 0, 10, 2: TP, TP, FP, X (image 1), FP, then 3 FPs,
 * where X is a TP iff image 1's IoU passes the threshold.
 * <ul>
 *   <li>X = TP: recall .25, .5, .5, .75, …; precision 1, 1, 2/3, 3/4, 3/5, …. The envelope is 1
 *       up to recall .5 and 3/4 at recall .75: AP = .25 + .25 + .25 × .75 = .6875 → 68.75.</li>
 *   <li>X = FP: recall reaches .5 at precision 1 and no further: AP = .5 → 50.</li>
 * </ul>
 * So paper thresholds 0.5, 0.9, 0.95 → 68.75 and 0.98, 0.99 → 50; fixed 0.5, 0.6 → 68.75 and 0.7,
 * 0.8, 0.9 → 50. (Reading "2" before "10" would give .625 at the lenient thresholds.) The folder
 * also holds {@code 0-step10.txt}, which must be skipped.
 *
 * <p><b>state-tiny</b>: G = 3 (A and B in image 0, C in image 1). Ranked detections:
 * <pre>
 *   0.95 image 0: A's attributes, 0.05 off in x      -> distance 0.15
 *   0.92 image 1: C but cyan instead of blue           -> no candidate, FP
 *   0.90 image 0: B's attributes, off by (0.1, 0.1)    -> distance 3·√0.02 = 0.424
 *   0.80 image 1: C's attributes, off by (0.2, 0.2)    -> distance 3·√0.08 = 0.849
 *   0.10 image 0: all zeros -> A's attributes, A taken -> FP
 *   0.10 image 1: all zeros -> no candidate            -> FP
 * </pre>
 * ∞ and 1: T F T T F F → AP = 1/3 + 1/3 × 3/4 + 1/3 × 3/4 = 5/6 → 83.33.
 * 0.5: T F T F F F → 1/3 + 1/3 × 2/3 = 5/9 → 55.56. 0.25: T then F → 1/3 → 33.33. 0.125: 0.
 */
class ApCommandTest {

    private static Path fixture(String name) {
        try {
            return Path.of(ApCommandTest.class.getResource("/eval/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs the command; returns {exit code, stdout, stderr}. */
    private static Object[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ApCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        // as dspn4j runs it: a refusal thrown by the command is its one line and exit code 2
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> Main.report(e, cmd.getErr(), false));
        cli.setParameterExceptionHandler(Main::badParameter);
        int code = cli.execute(args);
        return new Object[] {code, out.toString(), err.toString()};
    }

    private static String[] folders(String name, String... rest) {
        String[] args = new String[rest.length + 4];
        args[0] = "--detections";
        args[1] = fixture(name).resolve("detections").toString();
        args[2] = "--groundtruths";
        args[3] = fixture(name).resolve("groundtruths").toString();
        System.arraycopy(rest, 0, args, 4, rest.length);
        return args;
    }

    private static Map<String, Double> apJson(String json) throws IOException {
        Map<String, Double> ap = new LinkedHashMap<>();
        try (JsonParser p = new JsonFactory().createParser(json)) {
            assertEquals(JsonToken.START_OBJECT, p.nextToken());
            assertEquals("ap", p.nextFieldName());
            assertEquals(JsonToken.START_OBJECT, p.nextToken());
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                p.nextToken();
                ap.put(key, p.getDoubleValue());
            }
            assertEquals(JsonToken.END_OBJECT, p.nextToken());
        }
        return ap;
    }

    private static void assertAp(Map<String, Double> expected, Map<String, Double> actual) {
        assertEquals(expected.keySet().stream().toList(), actual.keySet().stream().toList(), "thresholds in order");
        expected.forEach((k, v) -> assertEquals(v, actual.get(k), 1e-9, "threshold " + k));
    }

    @Test
    void boxPaperDefaultsAsJson() throws IOException {
        Object[] r = run(folders("box-tiny", "--task", "box", "--json"));
        assertEquals(0, r[0], (String) r[2]);
        Map<String, Double> expected = new LinkedHashMap<>();
        expected.put("0.5", 68.75);
        expected.put("0.9", 68.75);
        expected.put("0.95", 68.75);
        expected.put("0.98", 50.0);
        expected.put("0.99", 50.0);
        assertAp(expected, apJson((String) r[1]));
    }

    @Test
    void boxFixedDefaultsAsJson() throws IOException {
        Object[] r = run(folders("box-tiny", "--task", "box", "--iou", "fixed", "--json"));
        assertEquals(0, r[0], (String) r[2]);
        Map<String, Double> expected = new LinkedHashMap<>();
        expected.put("0.5", 68.75);
        expected.put("0.6", 68.75);
        expected.put("0.7", 50.0);
        expected.put("0.8", 50.0);
        expected.put("0.9", 50.0);
        assertAp(expected, apJson((String) r[1]));
    }

    @Test
    void stateDefaultsAsJson() throws IOException {
        Object[] r = run(folders("state-tiny", "--task", "state", "--json"));
        assertEquals(0, r[0], (String) r[2]);
        Map<String, Double> expected = new LinkedHashMap<>();
        expected.put("inf", 500.0 / 6);
        expected.put("1", 500.0 / 6);
        expected.put("0.5", 500.0 / 9);
        expected.put("0.25", 100.0 / 3);
        expected.put("0.125", 0.0);
        assertAp(expected, apJson((String) r[1]));
    }

    @Test
    void explicitThresholdsAndLimit() throws IOException {
        // --limit 2 keeps files "0" and "1": TP (image 0), X (image 1), FPs; G = 2.
        // At 0.9 with +1 IoU, X is a TP: AP = 100. At 0.98, X is an FP: AP = 50.
        Object[] r = run(folders("box-tiny", "--task", "box", "--thresholds", "0.9,0.98", "--limit", "2", "--json"));
        assertEquals(0, r[0], (String) r[2]);
        Map<String, Double> expected = new LinkedHashMap<>();
        expected.put("0.9", 100.0);
        expected.put("0.98", 50.0);
        assertAp(expected, apJson((String) r[1]));

        r = run(folders("state-tiny", "--task", "state", "--thresholds", "inf,0.25", "--json"));
        assertEquals(0, r[0], (String) r[2]);
        assertEquals(Map.of("inf", 500.0 / 6, "0.25", 100.0 / 3).keySet(), apJson((String) r[1]).keySet());
    }

    @Test
    void plainTable() {
        Object[] r = run(folders("box-tiny", "--task", "box"));
        assertEquals(0, r[0], (String) r[2]);
        String out = ((String) r[1]).replace("\r\n", "\n");
        assertEquals("box AP, IoU paper (+1): 4 images, 4 ground truths, 8 detections\n"
                + "threshold   AP (%)\n"
                + "0.5          68.75\n"
                + "0.9          68.75\n"
                + "0.95         68.75\n"
                + "0.98         50.00\n"
                + "0.99         50.00\n", out);
    }

    @Test
    void errorsAreReported() {
        // Box fixture read as state: the first detection line has too few numbers.
        Object[] r = run(folders("box-tiny", "--task", "state"));
        assertEquals(2, r[0]);
        assertTrue(((String) r[2]).startsWith("dspn4j: "), (String) r[2]);
        assertTrue(((String) r[2]).contains("0.txt line 1: expected at least 19 numbers"), (String) r[2]);

        r = run(folders("box-tiny", "--task", "circle"));
        assertEquals(2, r[0]);
        assertTrue(((String) r[2]).contains("--task must be box or state, got 'circle'"), (String) r[2]);

        r = run(folders("state-tiny", "--task", "state", "--iou", "fixed"));
        assertEquals(2, r[0]);
        assertTrue(((String) r[2]).contains("--iou applies to --task box only"), (String) r[2]);

        r = run(folders("box-tiny", "--task", "box", "--thresholds", "0.5,abc"));
        assertEquals(2, r[0]);
        assertTrue(((String) r[2]).contains("'abc' is not a number nor 'inf'"), (String) r[2]);

        r = run(folders("box-tiny", "--task", "box", "--thresholds", "0.5,0.50"));
        assertEquals(2, r[0]);
        assertTrue(((String) r[2]).contains("--thresholds: 0.5 is given twice"), (String) r[2]);

        r = run(folders("box-tiny", "--task", "box", "--thresholds", "inf"));
        assertEquals(2, r[0]);
        assertTrue(((String) r[2]).contains("--thresholds: --task box takes IoU thresholds, finite numbers > 0, got inf"), (String) r[2]);
    }

    @Test
    void thresholdKeys() {
        assertEquals("inf", ApCommand.format(Double.POSITIVE_INFINITY));
        assertEquals("1", ApCommand.format(1.0));
        assertEquals("0.125", ApCommand.format(0.125));
        assertEquals("0.95", ApCommand.format(0.95));
    }
}
