package org.dspn4j.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.dspn4j.eval.AveragePrecision;
import org.dspn4j.eval.ExportReader;
import org.dspn4j.eval.ImageDetections;
import org.dspn4j.eval.IouVariant;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dspn4j ap}: average precision of an exported prediction folder, as the authors'
 * {@code scripts/eval-box.sh} and {@code scripts/eval-state.sh} compute it.
 * All thresholds are evaluated in one run; see {@link AveragePrecision} for how AP reduces.
 *
 * <p>Exit code 0 on success, 2 for bad input: folders that cannot be read or evaluated (the one-line
 * message names the file and line) and bad options.
 */
@Command(name = "ap", mixinStandardHelpOptions = true,
        header = "Average precision of exported predictions, as the authors' evaluators compute it.",
        description = {
            "Reads detections/<i>.txt ('box <conf> <f1> ... <fF>') and groundtruths/<i>.txt ('box <f1> ... <fF> 1.0').",
            "AP is in percent."})
public final class ApCommand implements Callable<Integer> {

    /** The two CLEVR tasks; lower-case on the command line. */
    enum Task { BOX, STATE }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--task", required = true, paramLabel = "box|state",
            description = "box (4 features, IoU) or state (18 features, 3D distance and attributes).")
    String taskName;

    @Option(names = "--detections", required = true, paramLabel = "DIR",
            description = "Folder of <i>.txt prediction files.")
    Path detections;

    @Option(names = "--groundtruths", required = true, paramLabel = "DIR",
            description = "Folder of <i>.txt ground-truth files.")
    Path groundTruths;

    @Option(names = "--iou", paramLabel = "paper|fixed",
            description = "Box IoU (--task box only): 'paper' (the +1 form the paper's numbers used; default) or 'fixed' "
                    + "(continuous, as corrected in 2020).")
    String iouName;

    @Option(names = "--thresholds", split = ",", converter = ThresholdConverter.class, paramLabel = "T",
            description = "Thresholds to evaluate, each given once: box, IoUs greater than 0; state, distances of 0 or more, "
                    + "or 'inf'. Default box paper: 0.5,0.9,0.95,0.98,0.99; box fixed: 0.5,0.6,0.7,0.8,0.9; "
                    + "state: inf,1,0.5,0.25,0.125.")
    List<Double> thresholds;

    @Option(names = "--limit", paramLabel = "N",
            description = "Evaluate only the first N files in file order, like the authors' --limit.")
    Integer limit;

    @Option(names = "--json", description = "Print {\"ap\": {\"<threshold>\": AP, ...}} instead of a table.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Task task = switch (taskName) {
            case "box" -> Task.BOX;
            case "state" -> Task.STATE;
            default -> throw new IllegalArgumentException("--task must be box or state, got '" + taskName + "'");
        };
        IouVariant iou = iouName == null ? null : switch (iouName) {
            case "paper" -> IouVariant.PAPER_PLUS_ONE;
            case "fixed" -> IouVariant.FIXED;
            default -> throw new IllegalArgumentException("--iou must be paper or fixed, got '" + iouName + "'");
        };
        if (task == Task.STATE && iou != null) {
            throw new IllegalArgumentException("--iou applies to --task box only (state matches by 3D distance and attributes)");
        }
        if (limit != null && limit < 0) {
            throw new IllegalArgumentException("--limit must be at least 0, got " + limit);
        }
        IouVariant variant = iou == null ? IouVariant.PAPER_PLUS_ONE : iou;
        double[] ts = thresholds == null
                ? (task == Task.BOX ? variant.defaultThresholds() : AveragePrecision.stateThresholds())
                : thresholds.stream().mapToDouble(Double::doubleValue).toArray();
        List<String> keys = new ArrayList<>();
        if (thresholds != null && thresholds.isEmpty()) { // "--thresholds ," splits into nothing
            throw new IllegalArgumentException("--thresholds: no threshold given; give one or more, e.g. --thresholds 0.5,0.9");
        }
        for (double t : ts) {
            if (Double.isNaN(t) || t < 0) {
                throw new IllegalArgumentException("--thresholds must be numbers >= 0 or 'inf', got "
                        + (Double.isNaN(t) ? "NaN" : t == Double.NEGATIVE_INFINITY ? "-inf" : format(t)));
            }
            if (task == Task.BOX && (t == 0 || Double.isInfinite(t))) { // an IoU: 'inf' and 0 are the state task's
                throw new IllegalArgumentException("--thresholds: --task box takes IoU thresholds, finite numbers > 0, got "
                        + format(t));
            }
            String key = format(t);
            if (keys.contains(key)) {
                throw new IllegalArgumentException("--thresholds: " + key + " is given twice");
            }
            keys.add(key);
        }

        double[] ap = new double[ts.length];
        int images;
        int groundTruthCount = 0;
        int detectionCount = 0;
        try {
            String hint = "give the detections/ and groundtruths/ folders of an export (eval --export)";
            Checks.inputFolder("--detections", detections, hint);
            Checks.inputFolder("--groundtruths", groundTruths, hint);
            int features = task == Task.BOX ? AveragePrecision.BOX_FEATURES : AveragePrecision.STATE_FEATURES;
            List<ImageDetections> data = ExportReader.read(detections, groundTruths, features,
                    limit == null ? Integer.MAX_VALUE : limit);
            images = data.size();
            for (ImageDetections img : data) {
                groundTruthCount += img.groundTruths().length;
                detectionCount += img.confidences().length;
            }
            if (images == 0) {
                throw new IllegalArgumentException(limit != null && limit == 0 ? "--limit 0: no file to evaluate"
                        : "--detections " + detections + " and --groundtruths " + groundTruths
                        + " hold no <i>.txt files (hidden files and per-step exports, <i>-step<k>.txt, are not read)");
            }
            if (groundTruthCount == 0) {
                throw new IllegalArgumentException("--groundtruths " + groundTruths + ": no ground-truth objects in the "
                        + images + " file" + (images == 1 ? "" : "s") + " read; recall (TP / number of ground truths) is undefined");
            }
            for (int i = 0; i < ts.length; i++) {
                ap[i] = task == Task.BOX ? AveragePrecision.box(data, variant, ts[i]) : AveragePrecision.state(data, ts[i]);
            }
        } catch (IOException | IllegalArgumentException | IllegalStateException | ArithmeticException e) {
            err.println("dspn4j: " + Main.summary(e)); // a file-system error as "file: reason", not the file alone
            err.flush();
            return Main.BAD_INPUT;
        }

        if (json) {
            out.println(toJson(keys, ap));
        } else {
            out.printf(Locale.ROOT, "%s AP%s: %d images, %d ground truths, %d detections%n",
                    task == Task.BOX ? "box" : "state",
                    task == Task.BOX ? (variant == IouVariant.PAPER_PLUS_ONE ? ", IoU paper (+1)" : ", IoU fixed") : "",
                    images, groundTruthCount, detectionCount);
            out.printf(Locale.ROOT, "%-10s %7s%n", "threshold", "AP (%)");
            for (int i = 0; i < ts.length; i++) {
                out.printf(Locale.ROOT, "%-10s %7.2f%n", keys.get(i), ap[i]);
            }
        }
        out.flush();
        return 0;
    }

    private static String toJson(List<String> keys, double[] ap) {
        StringWriter text = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(text)) {
            g.writeStartObject();
            g.writeObjectFieldStart("ap");
            for (int i = 0; i < ap.length; i++) {
                g.writeNumberField(keys.get(i), ap[i]);
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("writing JSON to a string failed", e); // cannot happen
        }
        return text.toString();
    }

    /** Thresholds as written in the authors' scripts: "inf", "1", "0.5", "0.125". */
    static String format(double t) {
        if (Double.isInfinite(t)) {
            return "inf";
        }
        return BigDecimal.valueOf(t).stripTrailingZeros().toPlainString();
    }

    // ============================================================================ converters

    static final class ThresholdConverter implements CommandLine.ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            String v = value.strip().toLowerCase(Locale.ROOT);
            if (v.equals("inf") || v.equals("infinity") || v.equals("∞")) {
                return Double.POSITIVE_INFINITY;
            }
            try {
                return Double.parseDouble(value.strip()); // its range is checked with the others' (a value refused in one line)
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a number nor 'inf'");
            }
        }
    }
}
