package org.dspn4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Numbers in export files parse as the authors' evaluation scripts parse them, with Python's
 * {@code float()}; export files are strict UTF-8 and a bad byte names its file, line and offset.
 */
class PythonFloatTest {

    @TempDir
    Path root;

    /**
     * Input, and what CPython 3.11.2's {@code float(input)} gives: {@code float.hex()} of the value,
     * {@code inf}, {@code -inf}, {@code nan}, or {@code ValueError}. Printed by
     * {@code src/test/resources/eval/python_float_cases.py}.
     */
    private static final String[][] PYTHON = {
            {"0.5d", "ValueError"},
            {"0.5D", "ValueError"},
            {"1f", "ValueError"},
            {"0x1p-1", "ValueError"},
            {"0x10", "ValueError"},
            {"inf", "inf"},
            {"-inf", "-inf"},
            {"+inf", "inf"},
            {"nan", "nan"},
            {"-nan", "nan"},
            {"+NaN", "nan"},
            {"NAN", "nan"},
            {"Infinity", "inf"},
            {"-Infinity", "-inf"},
            {"iNfInItY", "inf"},
            {"infinit", "ValueError"},
            {"infE", "ValueError"},
            {"nane", "ValueError"},
            {"nan(1)", "ValueError"},
            {"\u221e", "ValueError"},
            {"1e5", "0x1.86a0000000000p+16"},
            {"1E+05", "0x1.86a0000000000p+16"},
            {"1e-400", "0x0.0p+0"},
            {"1e999", "inf"},
            {"-1e999", "-inf"},
            {"1.7976931348623159e308", "inf"},
            {"4.9e-324", "0x0.0000000000001p-1022"},
            {"2.4703282292062328e-324", "0x0.0000000000001p-1022"},
            {"9007199254740993", "0x1.0000000000000p+53"},
            {"0.1", "0x1.999999999999ap-4"},
            {"-0", "-0x0.0p+0"},
            {"0001", "0x1.0000000000000p+0"},
            {" 1.5 ", "0x1.8000000000000p+0"},
            {"\0112", "0x1.0000000000000p+1"},
            {"1.5\012", "0x1.8000000000000p+0"},
            {"\0131", "0x1.0000000000000p+0"},
            {"\0141\015", "0x1.0000000000000p+0"},
            {"\u00a01.5\u00a0", "0x1.8000000000000p+0"},
            {"\u20071", "0x1.0000000000000p+0"},
            {"1\u3000", "0x1.0000000000000p+0"},
            {"\u00851", "0x1.0000000000000p+0"},
            {"\0341\037", "ValueError"},
            {"\u200b1", "ValueError"},
            {"1\000", "ValueError"},
            {"1_000", "0x1.f400000000000p+9"},
            {"1_000.5", "0x1.f440000000000p+9"},
            {"1__0", "ValueError"},
            {"_1", "ValueError"},
            {"1_", "ValueError"},
            {"1._5", "ValueError"},
            {"1_.5", "ValueError"},
            {"1.5_", "ValueError"},
            {"1e1_0", "0x1.2a05f20000000p+33"},
            {"1_e5", "ValueError"},
            {"1e+_5", "ValueError"},
            {"-_1", "ValueError"},
            {"+_1", "ValueError"},
            {"1_0.0_1", "0x1.4051eb851eb85p+3"},
            {"00_1.0_0e0_1", "0x1.4000000000000p+3"},
            {"1e-1_0", "0x1.b7cdfd9d7bdbbp-34"},
            {"0_0", "0x0.0p+0"},
            {".5", "0x1.0000000000000p-1"},
            {"5.", "0x1.4000000000000p+2"},
            {".", "ValueError"},
            {"e5", "ValueError"},
            {"E5", "ValueError"},
            {"e", "ValueError"},
            {"1e", "ValueError"},
            {"1e+", "ValueError"},
            {"+", "ValueError"},
            {"", "ValueError"},
            {"+.", "ValueError"},
            {"-.5", "-0x1.0000000000000p-1"},
            {"+.5e-3", "0x1.0624dd2f1a9fcp-11"},
            {"1.e5", "0x1.86a0000000000p+16"},
            {".e5", "ValueError"},
            {"1.5.5", "ValueError"},
            {"--1", "ValueError"},
            {"+-1", "ValueError"},
            {"1 2", "ValueError"},
            {"1d", "ValueError"},
            {"\u0661\u0662\u0663", "0x1.ec00000000000p+6"},
            {"\u0661.\u0665e\u0662", "0x1.2c00000000000p+7"},
            {"\uff11.\uff15", "0x1.8000000000000p+0"},
            {"\ud835\udfcf", "0x1.0000000000000p+0"},
            {"\u0661_\u0662", "0x1.8000000000000p+3"},
            {"\u0663", "0x1.8000000000000p+1"},
            {"1\u00b2", "ValueError"},
    };

    @Test
    void parsesExactlyWhatPythonsFloatParses() {
        StringBuilder wrong = new StringBuilder();
        for (String[] c : PYTHON) {
            String got;
            try {
                double v = PythonFloat.parse(c[0]);
                got = Double.isNaN(v) ? "nan" : v == Double.POSITIVE_INFINITY ? "inf" : v == Double.NEGATIVE_INFINITY ? "-inf"
                        : Double.toHexString(v);
            } catch (NumberFormatException e) {
                got = "ValueError";
            }
            String expected = c[1];
            if (!expected.equals("ValueError") && !expected.endsWith("inf") && !expected.equals("nan")) {
                expected = Double.toHexString(Double.parseDouble(expected)); // Python's hex spelling to Java's
            }
            if (!expected.equals(got)) {
                wrong.append(String.format("%n  %s: Python %s, got %s", escape(c[0]), expected, got));
            }
        }
        assertEquals("", wrong.toString(), "inputs parsed unlike Python's float()");
    }

    @Test
    void javasOwnSpellingsAreNotNumbersInAnExportFile() throws IOException {
        Path det = Files.createDirectories(root.resolve("detections"));
        Path gt = Files.createDirectories(root.resolve("groundtruths"));
        Files.write(gt.resolve("0.txt"), List.of("box 0.1 0.1 0.2 0.2 1.0"));
        Files.write(det.resolve("0.txt"), List.of("box 0.5d 0.1 0.1 0.2 0.2"));
        ExportFormatException e = assertThrows(ExportFormatException.class, () -> ExportReader.read(det, gt, 4));
        assertEquals(det.resolve("0.txt") + " line 1: '0.5d' is not a number", e.getMessage());
        Files.write(det.resolve("0.txt"), List.of("box 1_0e-1 0.1 0.1 0x1p-1 0.2"));
        e = assertThrows(ExportFormatException.class, () -> ExportReader.read(det, gt, 4));
        assertEquals(det.resolve("0.txt") + " line 1: '0x1p-1' is not a number", e.getMessage());

        Files.write(det.resolve("0.txt"), List.of("box 1_0e-1 0.1 0.1 ٠.٢ 2e-1", "box -INFINITY 0 0 0 0"));
        ImageDetections img = ExportReader.read(det, gt, 4).get(0);
        assertEquals(1.0, img.confidences()[0]);
        assertEquals(0.2, img.features()[0][2]);
        assertEquals(0.2, img.features()[0][3]);
        assertEquals(Double.NEGATIVE_INFINITY, img.confidences()[1]);
    }

    @Test
    void invalidUtf8NamesTheFileLineAndByte() throws IOException {
        Path det = Files.createDirectories(root.resolve("detections"));
        Path gt = Files.createDirectories(root.resolve("groundtruths"));
        Files.write(gt.resolve("0.txt"), List.of("box 0.1 0.1 0.2 0.2 1.0"));
        byte[] bytes = "box 1 0 0 1 1\r\nbox 0.5 0 0 1 1\nbox 0.25 \u00e9 0 1 1\n".getBytes(StandardCharsets.UTF_8);
        bytes[bytes.length - 8] = (byte) 0xff; // the é on line 3 is c3 a9; c3 ff is not UTF-8
        Files.write(det.resolve("0.txt"), bytes);
        ExportFormatException e = assertThrows(ExportFormatException.class, () -> ExportReader.read(det, gt, 4));
        assertEquals(det.resolve("0.txt") + " line 3: invalid UTF-8 at byte offset " + (bytes.length - 9) + " (byte 0xc3)",
                e.getMessage());
        assertEquals(3, e.line());
        assertTrue(e.getMessage().indexOf('\n') < 0);
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder("\"");
        s.codePoints().forEach(c -> sb.append(c >= 32 && c < 127 ? String.valueOf((char) c) : String.format("\\u%04x", c)));
        return sb.append('"').toString();
    }
}
