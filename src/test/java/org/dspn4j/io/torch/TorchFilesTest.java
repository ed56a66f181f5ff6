package org.dspn4j.io.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Files written by torch.save (golden/generate_torch_files.py, PyTorch 1.13): every tensor must equal,
 * bit for bit, what torch.load returned for it (stored beside each file as .expected.npz by numpy).
 */
class TorchFilesTest {
    static final Path DIR = Path.of("src", "test", "resources", "torch");

    @ParameterizedTest
    @ValueSource(strings = {"authors_mnist_dspn_2019", "authors_mnist_dspn_zip", "state_dict_legacy.pt", "state_dict_zip.pt",
            "views_legacy.pt", "views_zip.pt", "mnist_mlp_state_dict.pt", "state_dict_protocol4_legacy.pt", "state_dict_protocol5_zip.pt"})
    void everyTensorEqualsWhatPyTorchLoadsBitForBit(String name) throws Exception {
        TorchCheckpoint ckpt = TorchCheckpoint.read(DIR.resolve(name));
        Map<String, NdArray> expected = new LinkedHashMap<>(Npz.read(DIR.resolve(name + ".expected.npz")));
        expected.keySet().removeIf(k -> k.startsWith("tracker_mean/"));
        Map<String, TorchTensor> found = new LinkedHashMap<>();
        flatten(ckpt.root(), "", found);
        assertEquals(expected.keySet(), found.keySet(), name + ": the tensors of the file");
        for (Map.Entry<String, NdArray> e : expected.entrySet()) {
            assertBitsEqual(e.getValue(), found.get(e.getKey()).array(), name + " " + e.getKey());
        }
    }

    private static void flatten(Object o, String prefix, Map<String, TorchTensor> out) {
        if (o instanceof TorchTensor) {
            out.put(prefix, (TorchTensor) o);
        } else if (o instanceof Map) {
            for (Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet()) {
                flatten(e.getValue(), prefix.isEmpty() ? e.getKey().toString() : prefix + "/" + e.getKey(), out);
            }
        }
    }

    /** Same dtype, shape and raw bits (NaN payloads and signed zeros included). */
    static void assertBitsEqual(NdArray want, NdArray got, String what) {
        assertEquals(want.dtype(), got.dtype(), what + " dtype");
        assertArrayEquals(want.shape(), got.shape(), what + " shape");
        for (int i = 0; i < want.size(); i++) {
            switch (want.dtype()) {
                case F4:
                    assertEquals(Float.floatToRawIntBits(want.floats()[i]), Float.floatToRawIntBits(got.floats()[i]), what + " [" + i + "]");
                    break;
                case F8:
                    assertEquals(Double.doubleToRawLongBits(want.doubles()[i]), Double.doubleToRawLongBits(got.doubles()[i]),
                            what + " [" + i + "]");
                    break;
                default:
                    assertEquals(want.getDouble(i), got.getDouble(i), what + " [" + i + "]");
            }
        }
        if (want.dtype() == NdArray.DType.I8) {
            assertArrayEquals(want.longs(), got.longs(), what); // beyond 2^53, compare exactly
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"authors_mnist_dspn_2019", "authors_mnist_dspn_zip"})
    void theAuthorsLogReadsWithNameHashArgsTrackerAndCudaStorages(String name) throws Exception {
        Path file = DIR.resolve(name);
        assertTrue(TorchCheckpoint.isTorchFile(file));
        TorchCheckpoint ckpt = TorchCheckpoint.read(file);
        assertEquals(name.endsWith("zip") ? TorchCheckpoint.Format.ZIP : TorchCheckpoint.Format.LEGACY, ckpt.format());
        assertTrue(ckpt.isAuthorsLog());
        assertEquals("dspn-mnist", ckpt.name().orElseThrow());
        byte[] sha = MessageDigest.getInstance("SHA-1").digest("dspn4j synthetic authors-style checkpoint".getBytes(StandardCharsets.US_ASCII));
        assertEquals(HexFormat.of().formatHex(sha), ckpt.hash().orElseThrow());

        Map<String, Object> args = ckpt.args().orElseThrow();
        assertEquals("mnist", args.get("dataset"));
        assertEquals("FSEncoder", args.get("encoder"));
        assertEquals("DSPN", args.get("decoder"));
        assertEquals(16L, args.get("dim"));
        assertEquals(8L, args.get("latent"));
        assertEquals(10L, args.get("iters"));
        assertEquals(800.0, args.get("inner_lr"));
        assertEquals(0.01, args.get("lr"));
        assertEquals(1_000_000_000L, args.get("export_n"));
        assertEquals(Boolean.TRUE, args.get("mask_feature"));
        assertTrue(args.containsKey("resume"));
        assertNull(args.get("resume"));
        assertEquals("chamfer", args.get("loss"));

        // weights: an OrderedDict with _metadata; DSPN's two names of the encoder share one storage on cuda:0
        Object weights = ((Map<?, ?>) ckpt.root()).get("weights");
        assertInstanceOf(Py.OrderedDict.class, weights);
        Map<?, ?> meta = (Map<?, ?>) ((Py.OrderedDict) weights).attributes().get("_metadata");
        assertEquals(Map.of("version", 1L), meta.get("set_encoder.conv.0"));
        Map<String, TorchTensor> t = ckpt.tensors();
        assertEquals(16, t.size());
        assertEquals("set_encoder.conv.0.weight", t.keySet().iterator().next());
        assertSame(t.get("set_encoder.pool.weight").storage(), t.get("set_decoder.encoder.pool.weight").storage());
        for (TorchTensor x : t.values()) {
            assertEquals("cuda:0", x.location());
            assertEquals("float32", x.dtype());
            assertEquals(name.endsWith("zip") ? "torch.FloatStorage" : "torch.cuda.FloatStorage", x.storage().typeName());
        }
        assertArrayEquals(new int[] {1, 2, 342}, t.get("set_decoder.starting_set").shape());

        // the tracker: 3 epochs; means against the script's sum(v) / len(v)
        TorchTracker tr = ckpt.tracker().orElseThrow();
        assertEquals(List.of("train_mae", "train_last", "train_loss", "test_mae", "test_last", "test_loss"), tr.keys());
        assertEquals(3, tr.epochs());
        Map<String, NdArray> exp = Npz.read(DIR.resolve(name + ".expected.npz"));
        for (String k : tr.keys()) {
            double[] want = exp.get("tracker_mean/" + k).doubles();
            double[] got = tr.epochMeans(k);
            assertEquals(want.length, got.length, k);
            for (int i = 0; i < want.length; i++) {
                assertEquals(Double.doubleToLongBits(want[i]), Double.doubleToLongBits(got[i]), k + " epoch " + i);
            }
        }
        assertEquals(Set.of("train_last", "train_loss", "test_last", "test_loss"), tr.curves().keySet());
        assertEquals(exp.get("tracker_mean/test_loss").doubles()[2], tr.lastEpochMean("test_loss").orElseThrow());
        assertEquals(4, tr.lastEpochCount("train_loss"));
        assertEquals(2, tr.lastEpochCount("test_last"));
        assertFalse(tr.lastEpochMean("train_mae").isPresent());
        assertEquals(4, tr.values("train_loss").get(0).length);
    }

    @ParameterizedTest
    @ValueSource(strings = {"state_dict_legacy.pt", "state_dict_zip.pt", "state_dict_protocol4_legacy.pt", "state_dict_protocol5_zip.pt"})
    void aBareStateDictOfEveryDtype(String name) throws Exception {
        TorchCheckpoint ckpt = TorchCheckpoint.read(DIR.resolve(name));
        assertFalse(ckpt.isAuthorsLog());
        assertTrue(ckpt.args().isEmpty() && ckpt.tracker().isEmpty() && ckpt.name().isEmpty() && ckpt.hash().isEmpty());
        Map<String, TorchTensor> t = ckpt.tensors();
        assertEquals(List.of("f32", "f64", "f16", "bf16", "i64", "i32", "i16", "i8", "u8", "b", "scalar", "num_batches_tracked", "empty"),
                new ArrayList<>(t.keySet()));
        String[] dtypes = {"float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool", "float32",
                "int64", "float32"};
        int i = 0;
        for (TorchTensor x : t.values()) {
            assertEquals(dtypes[i++], x.dtype());
            assertEquals("cpu", x.location());
        }
        // values stated here by hand, from the script
        assertEquals(0x7FC12345, Float.floatToRawIntBits(t.get("f32").array().floats()[7]));
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(t.get("f32").array().floats()[1]));
        assertArrayEquals(new int[] {}, t.get("scalar").shape());
        assertEquals(2.75f, t.get("scalar").array().floats()[0]);
        assertEquals(41L, t.get("num_batches_tracked").array().longs()[0]);
        assertArrayEquals(new int[] {0, 3}, t.get("empty").array().shape());
        assertArrayEquals(new int[] {-32768, 32767, -1}, t.get("i16").array().ints());
        assertArrayEquals(new int[] {-128, 127, 0, -5}, t.get("i8").array().ints());
        assertArrayEquals(new boolean[] {true, false, true}, t.get("b").array().booleans());
        assertEquals(65504.0f, t.get("f16").array().floats()[2]);
        assertEquals(Long.MIN_VALUE, t.get("i64").array().longs()[0]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"views_legacy.pt", "views_zip.pt"})
    void viewsKeepTheirOffsetsAndStridesAndPlainValuesReadAsPython(String name) throws Exception {
        TorchCheckpoint ckpt = TorchCheckpoint.read(DIR.resolve(name));
        Map<?, ?> root = (Map<?, ?>) ckpt.root();
        TorchTensor col = (TorchTensor) root.get("col");
        assertEquals(3, col.storageOffset());
        assertArrayEquals(new long[] {5}, col.stride());
        assertArrayEquals(new float[] {3 / 8f, 8 / 8f, 13 / 8f, 18 / 8f}, col.array().floats());
        TorchTensor strided = (TorchTensor) root.get("strided");
        assertArrayEquals(new long[] {10, 2}, strided.stride());
        assertArrayEquals(new float[] {1 / 8f, 3 / 8f, 11 / 8f, 13 / 8f}, strided.array().floats());
        TorchTensor expanded = (TorchTensor) root.get("expanded");
        assertArrayEquals(new long[] {0, 1}, expanded.stride());
        assertArrayEquals(new double[] {0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2}, expanded.array().doubles());
        TorchTensor windows = (TorchTensor) root.get("windows");
        assertArrayEquals(new float[] {2 / 8f, 3 / 8f, 4 / 8f, 5 / 8f, 5 / 8f, 6 / 8f, 7 / 8f, 8 / 8f, 8 / 8f, 9 / 8f, 10 / 8f, 11 / 8f},
                windows.array().floats());
        assertSame(((TorchTensor) root.get("base")).storage(), col.storage());
        TorchTensor param = (TorchTensor) root.get("param");
        assertTrue(param.parameter() && param.requiresGrad());
        assertFalse(col.parameter() || col.requiresGrad());

        List<?> nested = (List<?>) root.get("nested");
        assertEquals(15, nested.size());
        assertEquals(1L, nested.get(0));
        assertEquals(-(1L << 40), nested.get(1));
        assertEquals(BigInteger.ONE.shiftLeft(70), nested.get(2));
        assertEquals(2.5, nested.get(3));
        assertEquals("x", nested.get(4));
        assertEquals("bytes", ((Py.Bytes) nested.get(5)).asciiOrNull());
        assertEquals(0, ((Py.Bytes) nested.get(6)).length());
        assertNull(nested.get(7));
        assertEquals(Boolean.TRUE, nested.get(8));
        assertEquals(Boolean.FALSE, nested.get(9));
        assertEquals("(1, (2, 'y'))", Py.repr(nested.get(10)));
        assertInstanceOf(Py.Tuple.class, nested.get(10));
        assertEquals(Set.of(3L, 4L), nested.get(11));
        assertInstanceOf(Py.FrozenSet.class, nested.get(12));
        assertEquals(Set.of(5L), Set.copyOf((Set<?>) nested.get(12)));
        assertEquals(Map.of("k", List.of(1.0)), nested.get(13));
        assertEquals("ab", ((Py.Bytes) nested.get(14)).asciiOrNull());
        assertEquals("[1, -1099511627776, 1180591620717411303424, 2.5, 'x', b'bytes', b'', None, True, False, (1, (2, 'y')), {3, 4}, "
                + "frozenset({5}), {'k': [1.0]}, b'ab']", Py.repr(nested));
    }

    @Test
    void detectionIsByContentNotByName() throws Exception {
        assertEquals(TorchCheckpoint.Kind.TORCH_LEGACY, TorchCheckpoint.kind(DIR.resolve("authors_mnist_dspn_2019")));
        assertEquals(TorchCheckpoint.Kind.TORCH_ZIP, TorchCheckpoint.kind(DIR.resolve("views_zip.pt")));
        assertEquals(TorchCheckpoint.Kind.NPZ, TorchCheckpoint.kind(DIR.resolve("views_zip.pt.expected.npz")));
        assertEquals(TorchCheckpoint.Kind.UNKNOWN, TorchCheckpoint.kind(DIR));
        assertFalse(TorchCheckpoint.isTorchFile(DIR.resolve("views_zip.pt.expected.npz")));
        // readWeights takes either
        assertEquals(TorchCheckpoint.read(DIR.resolve("state_dict_zip.pt")).weights().keySet(),
                TorchCheckpoint.readWeights(DIR.resolve("state_dict_zip.pt")).keySet());
        assertEquals(Npz.read(DIR.resolve("views_zip.pt.expected.npz")).keySet(),
                TorchCheckpoint.readWeights(DIR.resolve("views_zip.pt.expected.npz")).keySet());
        TorchFormatException e = assertThrows(TorchFormatException.class,
                () -> TorchCheckpoint.read(DIR.resolve("views_zip.pt.expected.npz")));
        assertTrue(e.getMessage().contains("a numpy .npz archive, not a torch.save file"), e.getMessage());
    }

    @Test
    void viewsFileHasNoWeightsOfItsOwnAndSaysSo() throws Exception {
        TorchCheckpoint ckpt = TorchCheckpoint.read(DIR.resolve("views_zip.pt"));
        TorchFormatException e = assertThrows(TorchFormatException.class, ckpt::weights);
        assertTrue(e.getMessage().startsWith(DIR.resolve("views_zip.pt") + ": no state_dict"), e.getMessage());
        assertNotNull(ckpt.formatDetail());
    }
}
