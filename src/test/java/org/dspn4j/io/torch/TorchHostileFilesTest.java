package org.dspn4j.io.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile and damaged files: each must be refused with one line naming the file, without running
 * anything, without a stack trace reaching the user, and without allocating what the file claims.
 */
class TorchHostileFilesTest {
    private static final Path MARKER = Path.of("/tmp/dspn4j-torch-hostile-marker");

    /** Reads and expects a one-line TorchFormatException naming the file and containing {@code part}. */
    private static String refused(Path file, String part) {
        TorchFormatException e = assertThrows(TorchFormatException.class, () -> TorchCheckpoint.read(file));
        String m = e.getMessage();
        assertTrue(m.startsWith(file + ": ") || m.startsWith(file + ", entry '"), m);
        assertFalse(m.contains("\n") || m.contains("\r"), m);
        assertTrue(m.contains(part), "expected '" + part + "' in: " + m);
        return m;
    }

    private static Path write(Path dir, String name, byte[] b) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, b);
        return p;
    }

    // ================================================================ code execution

    @ParameterizedTest
    @ValueSource(strings = {"hostile_os_system_legacy.pt", "hostile_os_system_zip.pt"})
    void aPickleThatReducesToOsSystemIsRefusedAndDoesNotRun(String name) throws Exception {
        // the files were checked to create the marker under torch.load (golden/generate_torch_files.py)
        Files.deleteIfExists(MARKER);
        assumeTrue(!Files.exists(MARKER), "cannot remove " + MARKER);
        String m = refused(TorchFilesTest.DIR.resolve(name), "refused global 'posix.system'");
        assertTrue(m.contains("nothing in the file is executed"), m);
        assertFalse(Files.exists(MARKER), "the payload ran");
        assertTrue(TorchCheckpoint.isTorchFile(TorchFilesTest.DIR.resolve(name)), "still recognised as a torch.save file");
    }

    @ParameterizedTest
    @ValueSource(strings = {"builtins.eval", "__builtin__.eval", "subprocess.check_output", "subprocess.Popen", "os.system",
            "__main__.Evil", "numpy.core.multiarray._reconstruct", "torch.storage._load_from_bytes", "torch.load",
            "builtins.getattr", "torch._utils._rebuild_device_tensor_from_numpy", "collections.defaultdict"})
    void everyOtherGlobalIsRefusedByName(String global, @TempDir Path dir) throws Exception {
        int dot = global.lastIndexOf('.');
        byte[] pkl = new PickleWriter().proto(2).global(global.substring(0, dot), global.substring(dot + 1))
                .mark().str("touch /tmp/x").tuple().reduce().stop().bytes();
        Path f = write(dir, "g", PickleWriter.legacyFile(pkl, List.of(), List.of(), List.of()));
        refused(f, "refused global '" + global + "'");
        // the same through STACK_GLOBAL (protocol 4)
        byte[] p4 = new PickleWriter().proto(4).op(0x8c).op(global.substring(0, dot).length()).raw(global.substring(0, dot).getBytes())
                .op(0x8c).op(global.substring(dot + 1).length()).raw(global.substring(dot + 1).getBytes()).op(0x93)
                .emptyTuple().reduce().stop().bytes();
        refused(write(dir, "g4", PickleWriter.legacyFile(p4, List.of(), List.of(), List.of())), "refused global '" + global + "'");
    }

    @ParameterizedTest
    @ValueSource(ints = {'i', 'o', 0x81, 0x92, 0x82, 0x83, 0x84, 'P', 0x97, 0x98, 'S', 'I', 'F', 'V', 'L', 'g', 'p', 0xff})
    void opcodesThatInstantiateOrAreNotNeededAreRefused(int op, @TempDir Path dir) throws Exception {
        byte[] pkl = new PickleWriter().proto(2).global("collections", "OrderedDict").emptyTuple().op(op)
                .raw("x\ny\n".getBytes()).stop().bytes();
        String m = refused(write(dir, "op", PickleWriter.legacyFile(pkl, List.of(), List.of(), List.of())), "pickle opcode");
        assertTrue(m.contains("refused"), m);
    }

    @Test
    void aStorageClassCannotBeCalledAndStateCannotBeSetOnATensor(@TempDir Path dir) throws Exception {
        byte[] call = new PickleWriter().proto(2).global("torch", "FloatStorage").mark().integer(10).tuple().reduce().stop().bytes();
        refused(write(dir, "call", PickleWriter.legacyFile(call, List.of(), List.of(), List.of())), "calls a storage class FloatStorage");
        byte[] build = new PickleWriter().proto(2).emptyList().emptyDict().build().stop().bytes();
        refused(write(dir, "build", PickleWriter.legacyFile(build, List.of(), List.of(), List.of())), "refused: sets the state of a list");
        byte[] module = new PickleWriter().proto(2).mark().str("module").none().none().none().tuple().binpersid().stop().bytes();
        refused(write(dir, "module", PickleWriter.legacyFile(module, List.of(), List.of(), List.of())), "a pickled nn.Module class");
    }

    // ================================================================ sizes

    @Test
    void aLegacyStorageClaiming2To40ElementsIsRefusedBeforeAllocating(@TempDir Path dir) throws Exception {
        long huge = 1L << 40;
        PickleWriter w = new PickleWriter().proto(2);
        w.tensor(() -> w.legacyStorage("torch", "FloatStorage", "0", "cuda:0", huge, null), 0, new long[] {huge}, new long[] {1}).stop();
        Path f = write(dir, "huge", PickleWriter.legacyFile(w.bytes(), List.of("0"), List.of(new byte[16]), List.of(huge)));
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> refused(f, "claims 1099511627776 float32 elements (4398046511104 bytes)"));
        // a claim that fits a Java array but not the file
        PickleWriter w2 = new PickleWriter().proto(2);
        w2.tensor(() -> w2.legacyStorage("torch", "FloatStorage", "0", "cpu", 100_000_000, null), 0, new long[] {4}, new long[] {1}).stop();
        Path f2 = write(dir, "big", PickleWriter.legacyFile(w2.bytes(), List.of("0"), List.of(new byte[16]), List.of(100_000_000L)));
        refused(f2, "bytes of the file remain");
    }

    @Test
    void aZipStorageClaiming2To40ElementsIsRefusedBeforeAllocating(@TempDir Path dir) throws Exception {
        long huge = 1L << 40;
        PickleWriter w = new PickleWriter().proto(2);
        w.tensor(() -> w.zipStorage("torch", "FloatStorage", "0", "cuda:0", huge), 0, new long[] {huge}, new long[] {1}).stop();
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put("archive/data.pkl", w.bytes());
        e.put("archive/data/0", new byte[16]);
        e.put("archive/version", "3\n".getBytes());
        Path f = dir.resolve("huge.pt");
        PickleWriter.zip(f, e);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> refused(f, "claims 1099511627776 float32 elements"));
    }

    @Test
    void tensorsReachingOutsideTheirStorageAreRefused(@TempDir Path dir) throws Exception {
        for (long[][] c : new long[][][] {{{5}, {1}, {0}}, {{2, 3}, {4, 1}, {0}}, {{2}, {1}, {3}}, {{2}, {1L << 62}, {0}}}) {
            PickleWriter w = new PickleWriter().proto(2);
            w.tensor(() -> w.zipStorage("torch", "FloatStorage", "0", "cpu", 4), c[2][0], c[0], c[1]).stop();
            Map<String, byte[]> e = new LinkedHashMap<>();
            e.put("archive/data.pkl", w.bytes());
            e.put("archive/data/0", new byte[16]);
            Path f = dir.resolve("oob.pt");
            PickleWriter.zip(f, e);
            String m = refused(f, "tensor of size");
            assertTrue(m.contains("of a storage of 4") || m.contains("overflow"), m);
        }
    }

    @Test
    void anExpandedViewOfBillionsOfElementsIsNotCopiedOut(@TempDir Path dir) throws Exception {
        // one float viewed with stride 0 as 2^31 - 9 elements: valid in PyTorch (no copy), 8 GiB if copied out
        PickleWriter w = new PickleWriter().proto(2);
        w.tensor(() -> w.zipStorage("torch", "FloatStorage", "0", "cpu", 1), 0, new long[] {Integer.MAX_VALUE - 8}, new long[] {0})
                .stop();
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put("archive/data.pkl", w.bytes());
        e.put("archive/data/0", new byte[4]);
        Path f = dir.resolve("expand.pt");
        PickleWriter.zip(f, e);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> refused(f, "its tensors view 2147483639 elements of storages holding 1"));
        // a modest expansion is read
        PickleWriter ok = new PickleWriter().proto(2);
        ok.tensor(() -> ok.zipStorage("torch", "FloatStorage", "0", "cpu", 1), 0, new long[] {3, 2}, new long[] {0, 0}).stop();
        e.put("archive/data.pkl", ok.bytes());
        e.put("archive/data/0", PickleWriter.floatsLE(2.5f));
        PickleWriter.zip(f, e);
        assertArrayEquals(new float[] {2.5f, 2.5f, 2.5f, 2.5f, 2.5f, 2.5f}, ((TorchTensor) TorchCheckpoint.read(f).root()).array().floats());
    }

    @Test
    void hugeLengthFieldsAreRefusedBeforeAllocating(@TempDir Path dir) throws Exception {
        byte[] str8 = new PickleWriter().proto(4).op(0x8d).raw(PickleWriter.le(1L << 40, 8)).stop().bytes();
        refused(write(dir, "s8", PickleWriter.legacyFile(str8, List.of(), List.of(), List.of())), "needs 1099511627776 bytes");
        byte[] long4 = new PickleWriter().proto(2).op(0x8b).raw(PickleWriter.le(1 << 30, 4)).stop().bytes();
        refused(write(dir, "l4", PickleWriter.legacyFile(long4, List.of(), List.of(), List.of())), "an integer of 1073741824 bytes");
        byte[] bytes = new PickleWriter().proto(3).op('B').raw(PickleWriter.le(0xFFFFFFF0L, 4)).stop().bytes();
        refused(write(dir, "b", PickleWriter.legacyFile(bytes, List.of(), List.of(), List.of())), "needs 4294967280 bytes");
    }

    // ================================================================ structure

    @Test
    void deeplyNestedListsAreRefused(@TempDir Path dir) throws Exception {
        // 200,000 lists, each appended to the one before, with a stack of at most two
        PickleWriter w = new PickleWriter().proto(2).emptyList().put(0);
        for (int i = 1; i <= 200_000; i++) {
            w.emptyList().put(i).append().op('0').get(i);
        }
        w.op('0').get(0).stop();
        Path f = write(dir, "deep", PickleWriter.legacyFile(w.bytes(), List.of(), List.of(), List.of()));
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> refused(f, "nested deeper than 100 levels"));
    }

    @Test
    void deeplyNestedTuplesAndDictsAreRefused(@TempDir Path dir) throws Exception {
        PickleWriter t = new PickleWriter().proto(2).none();
        for (int i = 0; i < 5000; i++) {
            t.tuple1();
        }
        refused(write(dir, "tuples", PickleWriter.legacyFile(t.stop().bytes(), List.of(), List.of(), List.of())),
                "tuples nested deeper than 100 levels");
        PickleWriter d = new PickleWriter().proto(2);
        for (int i = 0; i < 500; i++) {
            d.emptyDict().str("k");
        }
        d.none();
        for (int i = 0; i < 500; i++) {
            d.setitem();
        }
        refused(write(dir, "dicts", PickleWriter.legacyFile(d.stop().bytes(), List.of(), List.of(), List.of())),
                "nested deeper than 100 levels");
    }

    @Test
    void aListThatContainsItselfIsRefusedAndSharedValuesAreFine(@TempDir Path dir) throws Exception {
        byte[] cyc = new PickleWriter().proto(2).emptyList().put(0).get(0).append().stop().bytes();
        refused(write(dir, "cyc", PickleWriter.legacyFile(cyc, List.of(), List.of(), List.of())), "a list that contains itself");
        // a list holding the previous list twice, 60 levels: 2^60 paths, 61 values
        Path f = write(dir, "dag", PickleWriter.legacyFile(new PickleWriter().proto(2).raw(dag(60)).bytes(), List.of(), List.of(),
                List.of()));
        Object root = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> TorchCheckpoint.read(f).root());
        List<?> top = (List<?>) root;
        assertEquals(2, top.size());
        assertTrue(top.get(0) == top.get(1));
        assertTrue(Py.repr(root).endsWith("..."), "repr is cut short");
    }

    /** A list holding the previous level's list twice, {@code levels} deep (after PROTO). */
    private static byte[] dag(int levels) {
        PickleWriter w = new PickleWriter().emptyList().put(0).op('0');
        for (int i = 1; i <= levels; i++) {
            w.emptyList().put(i).mark().get(i - 1).get(i - 1).appends().op('0');
        }
        return w.get(levels).stop().bytes();
    }

    @Test
    void memoStackAndMarkFloodsAreRefused(@TempDir Path dir) throws Exception {
        PickleWriter memo = new PickleWriter().proto(2).none();
        for (int i = 0; i <= Unpickler.MAX_MEMO; i++) {
            memo.op('r').raw(PickleWriter.le(i, 4));
        }
        refused(write(dir, "memo", PickleWriter.legacyFile(memo.stop().bytes(), List.of(), List.of(), List.of())),
                "more than 1000000 memo entries");
        PickleWriter stack = new PickleWriter().proto(2);
        for (int i = 0; i <= Unpickler.MAX_STACK; i++) {
            stack.none();
        }
        refused(write(dir, "stack", PickleWriter.legacyFile(stack.stop().bytes(), List.of(), List.of(), List.of())),
                "stack holds more than 100000 values");
        PickleWriter marks = new PickleWriter().proto(2);
        for (int i = 0; i <= Unpickler.MAX_MARKS; i++) {
            marks.mark();
        }
        refused(write(dir, "marks", PickleWriter.legacyFile(marks.stop().bytes(), List.of(), List.of(), List.of())),
                "more than 1000 open marks");
    }

    @Test
    void malformedPicklesAreOneLineErrors(@TempDir Path dir) throws Exception {
        Object[][] cases = {
            {new PickleWriter().proto(2).append().stop().bytes(), "pops an empty stack"},
            {new PickleWriter().proto(2).none().none().stop().bytes(), "ends with 2 values"},
            {new PickleWriter().proto(2).get(7).stop().bytes(), "memo entry 7 is not defined"},
            {new PickleWriter().proto(2).emptyDict().emptyList().none().setitem().stop().bytes(), "unhashable list"},
            {new PickleWriter().proto(2).none().emptyList().appends().stop().bytes(), "no mark to pop to"},
            {new PickleWriter().proto(2).none().none().append().stop().bytes(), "appends to a NoneType"},
            {new PickleWriter().proto(6).none().stop().bytes(), "pickle protocol 6"},
            {new PickleWriter().proto(2).op('c').raw("torch\u0001\n".getBytes()).stop().bytes(), "not a short line of printable ASCII"},
        };
        for (Object[] c : cases) {
            refused(write(dir, "bad", PickleWriter.legacyFile((byte[]) c[0], List.of(), List.of(), List.of())), (String) c[1]);
        }
    }

    // ================================================================ truncation and damage

    @ParameterizedTest
    @ValueSource(strings = {"views_legacy.pt", "views_zip.pt"})
    void everyPrefixOfASmallFileIsAOneLineError(String name, @TempDir Path dir) throws Exception {
        byte[] all = Files.readAllBytes(TorchFilesTest.DIR.resolve(name));
        Path f = dir.resolve("cut");
        for (int n = 0; n < all.length; n++) {
            Files.write(f, Arrays.copyOf(all, n));
            refused(f, "");
        }
        Files.write(f, all);
        TorchCheckpoint.read(f); // the whole file reads
    }

    @Test
    void bytesAfterTheLastLegacyStorageAreAnError(@TempDir Path dir) throws Exception {
        byte[] all = Files.readAllBytes(TorchFilesTest.DIR.resolve("views_legacy.pt"));
        refused(write(dir, "long", Arrays.copyOf(all, all.length + 3)), "3 unexpected bytes after the last storage");
    }

    @Test
    void legacyHeaderProblemsAreNamed(@TempDir Path dir) throws Exception {
        byte[] obj = new PickleWriter().proto(2).none().stop().bytes();
        byte[] ok = PickleWriter.legacyFile(obj, List.of(), List.of(), List.of());
        assertEquals(null, TorchCheckpoint.read(write(dir, "ok", ok)).root());
        byte[] notMagic = new PickleWriter().proto(2).integer(7).stop().bytes();
        refused(write(dir, "m", notMagic), "not the magic number");
        byte[] big = new PickleWriter().raw(PickleWriter.legacyHeader(false)).raw(obj).proto(2).emptyList().stop().bytes();
        refused(write(dir, "be", big), "only little-endian files are read");
        refused(write(dir, "txt", "hello".getBytes()), "not a torch.save file (it starts with bytes 68 65 6c 6c 6f)");
        refused(write(dir, "empty", new byte[0]), "not a torch.save file (empty)");
    }

    @Test
    void legacyStorageBookkeepingIsChecked(@TempDir Path dir) throws Exception {
        PickleWriter w = new PickleWriter().proto(2);
        w.tensor(() -> w.legacyStorage("torch", "FloatStorage", "11", "cpu", 4, null), 0, new long[] {4}, new long[] {1}).stop();
        byte[] pkl = w.bytes();
        byte[] data = PickleWriter.floatsLE(1, 2, 3, 4);
        assertArrayEquals(new float[] {1, 2, 3, 4}, ((TorchTensor) TorchCheckpoint.read(write(dir, "ok",
                PickleWriter.legacyFile(pkl, List.of("11"), List.of(data), List.of(4L)))).root()).array().floats());
        refused(write(dir, "count", PickleWriter.legacyFile(pkl, List.of("11"), List.of(data), List.of(3L))),
                "holds 3 elements but the pickle says 4");
        refused(write(dir, "nokey", PickleWriter.legacyFile(pkl, List.of(), List.of(), List.of())), "has no data");
        refused(write(dir, "twice", PickleWriter.legacyFile(pkl, List.of("11", "11"), List.of(data, data), List.of(4L, 4L))),
                "listed twice");
        refused(write(dir, "other", PickleWriter.legacyFile(pkl, List.of("12"), List.of(data), List.of(4L))),
                "is not a storage of the pickled object");
        PickleWriter loc = new PickleWriter().proto(2);
        loc.tensor(() -> loc.legacyStorage("torch", "FloatStorage", "11", "cuda:0; rm -rf /", 4, null), 0, new long[] {4},
                new long[] {1}).stop();
        refused(write(dir, "loc", PickleWriter.legacyFile(loc.bytes(), List.of("11"), List.of(data), List.of(4L))),
                "not a device such as 'cpu' or 'cuda:0'");
        PickleWriter key = new PickleWriter().proto(2);
        key.tensor(() -> key.legacyStorage("torch", "FloatStorage", "../etc", "cpu", 4, null), 0, new long[] {4},
                new long[] {1}).stop();
        refused(write(dir, "key", PickleWriter.legacyFile(key.bytes(), List.of("11"), List.of(data), List.of(4L))),
                "storage key '../etc' is not a short plain name");
        PickleWriter cplx = new PickleWriter().proto(2);
        cplx.tensor(() -> cplx.legacyStorage("torch", "ComplexFloatStorage", "11", "cpu", 4, null), 0, new long[] {4},
                new long[] {1}).stop();
        refused(write(dir, "cplx", PickleWriter.legacyFile(cplx.bytes(), List.of("11"), List.of(data), List.of(4L))),
                "unsupported storage type 'torch.ComplexFloatStorage'");
    }

    @Test
    void legacyStorageViewsAreHonoured(@TempDir Path dir) throws Exception {
        // PyTorch before 1.x could save views of storages: ('storage', cls, root, loc, root_size, (view_key, offset, size))
        PickleWriter w = new PickleWriter().proto(2);
        w.tensor(() -> w.legacyStorage("torch.cuda", "DoubleStorage", "7", "cuda:1", 6, new Object[] {"9", 2L, 3L}), 1,
                new long[] {2}, new long[] {1}).stop();
        byte[] data = java.nio.ByteBuffer.allocate(48).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putDouble(0).putDouble(1).putDouble(2).putDouble(3).putDouble(4).putDouble(5).array();
        TorchTensor t = (TorchTensor) TorchCheckpoint.read(write(dir, "v",
                PickleWriter.legacyFile(w.bytes(), List.of("7"), List.of(data), List.of(6L)))).root();
        // the view starts at element 2 of the root; the tensor at element 1 of the view
        assertArrayEquals(new double[] {3, 4}, t.array().doubles());
        assertEquals("cuda:1", t.location());
        assertEquals("torch.cuda.DoubleStorage", t.storage().typeName());
        PickleWriter bad = new PickleWriter().proto(2);
        bad.tensor(() -> bad.legacyStorage("torch", "DoubleStorage", "7", "cpu", 6, new Object[] {"9", 4L, 3L}), 0,
                new long[] {1}, new long[] {1}).stop();
        refused(write(dir, "vbad", PickleWriter.legacyFile(bad.bytes(), List.of("7"), List.of(data), List.of(6L))),
                "exceeds storage '7' of 6");
    }

    @Test
    void zipEntriesOutsideTheArchiveFolderAreRefused(@TempDir Path dir) throws Exception {
        byte[] pkl = new PickleWriter().proto(2).none().stop().bytes();
        String[][] cases = {
            {"archive/../evil", "lies outside the archive folder"},
            {"../archive/x", "lies outside the archive folder"},
            {"/etc/passwd", "lies outside the archive folder"},
            {"other/data/0", "lies outside the archive folder 'archive/'"},
            {"archive\\..\\x", "unsafe name"},
            {"archive/./x", "unsafe name"},
        };
        for (String[] c : cases) {
            Map<String, byte[]> e = new LinkedHashMap<>();
            e.put("archive/data.pkl", pkl);
            e.put(c[0], new byte[4]);
            Path f = dir.resolve("z.pt");
            PickleWriter.zip(f, e);
            refused(f, c[1]);
        }
        Map<String, byte[]> ok = new LinkedHashMap<>();
        ok.put("archive/data.pkl", pkl);
        Path f = dir.resolve("ok.pt");
        PickleWriter.zip(f, ok);
        assertEquals(null, TorchCheckpoint.read(f).root());
    }

    @Test
    void zipLayoutProblemsAreNamed(@TempDir Path dir) throws Exception {
        PickleWriter w = new PickleWriter().proto(2);
        w.tensor(() -> w.zipStorage("torch", "FloatStorage", "0", "cuda:0", 4), 0, new long[] {4}, new long[] {1}).stop();
        Object[][] cases = {
            {Map.of("archive/data.pkl", w.bytes()), "storage '0' has no entry 'archive/data/0'"},
            {Map.of("archive/data.pkl", w.bytes(), "archive/data/0", new byte[12]), "holds 12 bytes but storage '0' needs 16"},
            {Map.of("a/data.pkl", w.bytes(), "b/data.pkl", w.bytes()), "2 data.pkl entries"},
            {Map.of("archive/x", new byte[1]), "without <folder>/data.pkl"},
            {Map.of("archive/constants.pkl", new byte[1], "archive/data.pkl", w.bytes()), "TorchScript"},
            {Map.of("archive/data.pkl", w.bytes(), "archive/data/0", new byte[16], "archive/byteorder", "big".getBytes()),
                "only little-endian archives"},
            {Map.of("archive/data.pkl", w.bytes(), "archive/data/0", new byte[16], "archive/version", "three".getBytes()),
                "not a version number"},
        };
        for (Object[] c : cases) {
            Path f = dir.resolve("z.pt");
            @SuppressWarnings("unchecked")
            Map<String, byte[]> entries = (Map<String, byte[]>) c[0];
            PickleWriter.zip(f, new java.util.TreeMap<>(entries));
            refused(f, (String) c[1]);
        }
    }

    @Test
    void aCorruptStorageEntryFailsItsCrc(@TempDir Path dir) throws Exception {
        PickleWriter w = new PickleWriter().proto(2);
        w.tensor(() -> w.zipStorage("torch", "FloatStorage", "0", "cpu", 4), 0, new long[] {4}, new long[] {1}).stop();
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put("archive/data.pkl", w.bytes());
        e.put("archive/data/0", PickleWriter.floatsLE(1, 2, 3, 4));
        Path f = dir.resolve("z.pt");
        PickleWriter.zip(f, e);
        byte[] b = Files.readAllBytes(f);
        byte[] needle = PickleWriter.floatsLE(1, 2, 3, 4);
        for (int i = 0; i + needle.length <= b.length; i++) {
            if (Arrays.equals(Arrays.copyOfRange(b, i, i + needle.length), needle)) {
                b[i + 5] ^= 1;
                break;
            }
        }
        Files.write(f, b);
        refused(f, "fails its CRC check");
    }
}
