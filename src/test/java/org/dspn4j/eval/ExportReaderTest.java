package org.dspn4j.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportReaderTest {

    @TempDir
    Path root;
    private Path det;
    private Path gt;

    @BeforeEach
    void folders() throws IOException {
        det = Files.createDirectory(root.resolve("detections"));
        gt = Files.createDirectory(root.resolve("groundtruths"));
    }

    private static void write(Path file, String... lines) throws IOException {
        Files.write(file, List.of(lines));
    }

    @Test
    void readsBothFilesInStringOrderAndIgnoresTheTrailingMask() throws IOException {
        for (String name : new String[] {"2", "10", "1"}) {
            write(det.resolve(name + ".txt"), "box 0.75 0.1 0.2 0.3 0.4", "box 0 0 0 0 0");
            write(gt.resolve(name + ".txt"), "box 0.1 0.2 0.3 0.4 1.0");
        }
        List<ImageDetections> images = ExportReader.read(det, gt, 4);
        assertEquals(List.of("1", "10", "2"), images.stream().map(ImageDetections::name).toList());
        ImageDetections first = images.get(0);
        assertArrayEquals(new double[] {0.75, 0}, first.confidences());
        assertArrayEquals(new double[] {0.1, 0.2, 0.3, 0.4}, first.features()[0]);
        assertArrayEquals(new double[] {0, 0, 0, 0}, first.features()[1]);
        assertEquals(1, first.groundTruths().length);
        assertArrayEquals(new double[] {0.1, 0.2, 0.3, 0.4}, first.groundTruths()[0]);
    }

    @Test
    void skipsPerStepExportsHiddenFilesOtherExtensionsAndBlankLines() throws IOException {
        write(det.resolve("0.txt"), "", "box 1 0 0 1 1", "   ", "box 0.5\t0 0  1 1\r");
        write(det.resolve("0-step3.txt"), "garbage");
        write(det.resolve(".0.txt"), "garbage");
        write(det.resolve("notes.md"), "garbage");
        write(gt.resolve("0.txt"), "box 0 0 1 1 1.0", "");
        List<ImageDetections> images = ExportReader.read(det, gt, 4);
        assertEquals(1, images.size());
        assertArrayEquals(new double[] {1, 0.5}, images.get(0).confidences());
    }

    @Test
    void emptyGroundTruthFileMeansNoObjects() throws IOException {
        write(det.resolve("0.txt"), "box 1 0 0 1 1");
        write(gt.resolve("0.txt"));
        assertEquals(0, ExportReader.read(det, gt, 4).get(0).groundTruths().length);
    }

    @Test
    void limitTakesTheFirstFilesInStringOrder() throws IOException {
        for (String name : new String[] {"0", "1", "10", "2"}) {
            write(det.resolve(name + ".txt"), "box 1 0 0 1 1");
            write(gt.resolve(name + ".txt"), "box 0 0 1 1 1.0");
        }
        assertEquals(List.of("0", "1", "10"), ExportReader.read(det, gt, 4, 3).stream().map(ImageDetections::name).toList());
    }

    @Test
    void readsStateLines() throws IOException {
        StringBuilder line = new StringBuilder("box 0.9");
        for (int i = 0; i < 18; i++) {
            line.append(' ').append(i);
        }
        write(det.resolve("0.txt"), line.toString());
        write(gt.resolve("0.txt"), line.substring("box 0.9 ".length() - 1).replaceFirst("^", "box") + " 1.0");
        ImageDetections img = ExportReader.read(det, gt, 18).get(0);
        assertEquals(0.9, img.confidences()[0]);
        assertEquals(18, img.features()[0].length);
        assertEquals(17.0, img.features()[0][17]);
        assertEquals(18, img.groundTruths()[0].length);
        assertEquals(17.0, img.groundTruths()[0][17]);
    }

    // ---------------------------------------------------------------------------- rejection

    @Test
    void missingMatchingFileIsNamed() throws IOException {
        write(det.resolve("0.txt"), "box 1 0 0 1 1");
        write(gt.resolve("0.txt"), "box 0 0 1 1 1.0");
        write(det.resolve("7.txt"), "box 1 0 0 1 1");
        IOException e = assertThrows(IOException.class, () -> ExportReader.read(det, gt, 4));
        assertEquals(det.resolve("7.txt") + " has no matching ground-truth file " + gt.resolve("7.txt"), e.getMessage());

        Files.delete(det.resolve("7.txt"));
        write(gt.resolve("8.txt"), "box 0 0 1 1 1.0");
        e = assertThrows(IOException.class, () -> ExportReader.read(det, gt, 4));
        assertEquals(gt.resolve("8.txt") + " has no matching detections file " + det.resolve("8.txt"), e.getMessage());
    }

    @Test
    void theDetectionsFolderGivenAsTheGroundTruthsIsRefused() throws IOException {
        write(det.resolve("0.txt"), "box 0.75 0.1 0.2 0.3 0.4");
        IOException e = assertThrows(IOException.class, () -> ExportReader.read(det, det, 4));
        assertEquals("the ground-truths folder " + det + " is the detections folder; give the groundtruths/ beside "
                + "detections/", e.getMessage());
        Path same = root.resolve("detections/../detections");
        assertThrows(IOException.class, () -> ExportReader.read(det, same, 4));
    }

    @Test
    void missingFolderIsNamed() {
        IOException e = assertThrows(IOException.class, () -> ExportReader.read(root.resolve("nope"), gt, 4));
        assertEquals("detections folder does not exist or is not a folder: " + root.resolve("nope"), e.getMessage());
    }

    @Test
    void malformedLinesNameFileAndLine() throws IOException {
        write(gt.resolve("0.txt"), "box 0 0 1 1 1.0");
        Path f = det.resolve("0.txt");

        write(f, "box 1 0 0 1 1", "box 1 0 0 1");
        assertError(f + " line 2: expected at least 5 numbers after 'box' (a confidence, then the features), found 4");

        write(f, "", "", "box 1 0 zero 1 1");
        assertError(f + " line 3: 'zero' is not a number");

        write(f, "car 1 0 0 1 1");
        assertError(f + " line 1: expected the class label 'box' first, found 'car'");

        write(f, "box nan 0 0 1 1");
        assertError(f + " line 1: confidence is NaN");

        write(f, "box 1 0 0 inf 1");
        assertError(f + " line 1: feature 2 is Infinity; features must be finite");

        write(f, "box inf 0 0 1 1"); // an unbounded baseline mask may be huge; Python's float accepts 'inf'
        assertEquals(Double.POSITIVE_INFINITY, ExportReader.read(det, gt, 4).get(0).confidences()[0]);

        write(f, "box 1 0 0 1 1");
        write(gt.resolve("0.txt"), "box 0 0 1");
        IOException e = assertThrows(IOException.class, () -> ExportReader.read(det, gt, 4));
        assertEquals(gt.resolve("0.txt") + " line 1: expected at least 4 numbers after 'box', found 3", e.getMessage());
    }

    private void assertError(String expected) {
        IOException e = assertThrows(IOException.class, () -> ExportReader.read(det, gt, 4));
        assertEquals(expected, e.getMessage());
        assertTrue(e.getMessage().contains(" line "));
    }
}
