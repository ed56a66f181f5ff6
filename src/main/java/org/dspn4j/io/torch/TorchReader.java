package org.dspn4j.io.torch;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The two layouts of {@code torch.save}.
 *
 * <p><b>Legacy</b> (PyTorch before 1.6, and {@code _use_new_zipfile_serialization=False}): five
 * pickles back to back -- the magic number {@code 0x1950a86a20f9469cfc6c}, the protocol version
 * 1001, the system info ({@code little_endian}, type sizes), the object (storages as persistent ids
 * {@code ('storage', class, root_key, location, numel, view)}), the sorted list of storage keys --
 * then, for each key in that order, an int64 element count and the raw little-endian elements.
 *
 * <p><b>Zip</b> (PyTorch 1.6 and later): a zip archive with one top folder holding {@code data.pkl}
 * (the object, persistent ids {@code ('storage', class, key, location, numel)}), {@code data/<key>}
 * (each storage's raw bytes), {@code version} and, in recent versions, {@code byteorder}.
 */
final class TorchReader {
    /** torch.serialization.MAGIC_NUMBER. */
    static final BigInteger MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    /** torch.serialization.PROTOCOL_VERSION. */
    static final long PROTOCOL_VERSION = 1001;
    /** Storage keys: decimal in practice; anything else short and plain is accepted. */
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_]{1,64}");
    private static final Pattern LOCATION = Pattern.compile("[A-Za-z_]{1,32}(:[0-9]{1,6})?");
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;
    /** How many times their storages' elements all tensors together may hold (views repeating elements). */
    static final long COPY_FACTOR = 16;
    /** Elements any file may copy out beyond that. */
    static final long COPY_SLACK = 1 << 24;
    /** Deflate cannot expand data by more than about 1032:1. */
    private static final long MAX_DEFLATE_RATIO = 1032;

    /** What was read. */
    record Result(Object root, TorchCheckpoint.Format format, String detail) {
    }

    private TorchReader() {
    }

    // ================================================================ legacy

    static Result readLegacy(Path file) throws IOException {
        String src = file.toString();
        long length = Files.size(file);
        List<TorchTensor> tensors = new ArrayList<>();
        Map<String, TorchStorage> roots = new LinkedHashMap<>();
        Map<String, TorchStorage> views = new LinkedHashMap<>();
        try (InputStream is = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            ByteInput in = new ByteInput(is, length, src);
            Object magic = new Unpickler(in, null, tensors).load();
            if (!MAGIC.equals(magic)) {
                throw new TorchFormatException(src, "not a torch.save file: the first pickle is " + Py.repr(magic, 60)
                        + ", not the magic number 0x1950a86a20f9469cfc6c");
            }
            Object version = new Unpickler(in, null, tensors).load();
            if (!Long.valueOf(PROTOCOL_VERSION).equals(version)) {
                throw new TorchFormatException(src, "legacy format version " + Py.repr(version, 60) + " (only " + PROTOCOL_VERSION
                        + " is known)");
            }
            Object sysInfo = new Unpickler(in, null, tensors).load();
            if (!(sysInfo instanceof Map) || !Boolean.TRUE.equals(((Map<?, ?>) sysInfo).get("little_endian"))) {
                throw new TorchFormatException(src, "written on a big-endian machine or without system info ("
                        + Py.repr(sysInfo, 100) + "); only little-endian files are read");
            }
            Unpickler main = new Unpickler(in, (pid, at) -> legacyStorage(pid, in, roots, views), tensors);
            Object root = main.load();
            Object keys = new Unpickler(in, null, tensors).load();
            if (!(keys instanceof List)) {
                throw new TorchFormatException(src, "the storage key list is a " + Py.typeName(keys));
            }
            Set<String> seen = new HashSet<>();
            for (Object k : (List<?>) keys) {
                if (!(k instanceof String) || !roots.containsKey(k)) {
                    throw new TorchFormatException(src, "storage key " + Py.repr(k, 60) + " at byte offset " + in.position()
                            + " is not a storage of the pickled object");
                }
                if (!seen.add((String) k)) {
                    throw new TorchFormatException(src, "storage key '" + k + "' is listed twice");
                }
            }
            for (TorchStorage s : roots.values()) {
                if (!seen.contains(s.key())) {
                    throw new TorchFormatException(src, "storage '" + s.key() + "' has no data (missing from the key list)");
                }
            }
            for (Object k : (List<?>) keys) {
                TorchStorage s = roots.get(k);
                long at = in.position();
                long count = in.le(8, "the element count of storage '" + k + "'");
                if (count != s.size()) {
                    throw new TorchFormatException(src, "storage '" + k + "' at byte offset " + at + " holds " + count
                            + " elements but the pickle says " + s.size());
                }
                s.setBytes(in.bytes(count * s.type().itemSize(), "storage '" + k + "' (" + count + " " + s.type().dtype()
                        + " elements)"));
            }
            if (!in.atEnd()) {
                throw new TorchFormatException(src, in.remaining() + " unexpected bytes after the last storage, from byte offset "
                        + in.position());
            }
            finish(root, tensors, src);
            return new Result(root, TorchCheckpoint.Format.LEGACY, "legacy torch.save format (PyTorch before 1.6), pickle protocol "
                    + main.protocol());
        }
    }

    private static Object legacyStorage(Py.Tuple pid, ByteInput in, Map<String, TorchStorage> roots,
                                        Map<String, TorchStorage> views) throws TorchFormatException {
        String src = in.source();
        requireStorageId(pid, 6, src);
        TorchStorage root = rootStorage(pid, roots, src, in.remaining());
        Object view = pid.get(5);
        if (view == null) {
            return root;
        }
        if (!(view instanceof Py.Tuple) || ((Py.Tuple) view).size() != 3) {
            throw new TorchFormatException(src, "storage view metadata " + Py.repr(view, 80) + " is not (key, offset, size)");
        }
        Py.Tuple v = (Py.Tuple) view;
        String viewKey = key(v.get(0), src);
        long offset = count(v.get(1), "storage view offset", src);
        long size = count(v.get(2), "storage view size", src);
        if (offset + size > root.size()) {
            throw new TorchFormatException(src, "storage view '" + viewKey + "' of elements " + offset + ".." + (offset + size)
                    + " exceeds storage '" + root.key() + "' of " + root.size());
        }
        TorchStorage known = views.get(viewKey);
        if (known == null) {
            known = root.view(viewKey, offset, size);
            views.put(viewKey, known);
        } else if (known.root() != root || known.rootOffset() != offset || known.size() != size) {
            throw new TorchFormatException(src, "storage view '" + viewKey + "' is described twice, differently");
        }
        return known;
    }

    // ================================================================ zip

    static Result readZip(Path file) throws IOException {
        String src = file.toString();
        long length = Files.size(file);
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new TorchFormatException(src, "not a readable zip archive (" + e.getMessage() + "); the file may be truncated");
        }
        try (zip) {
            Map<String, ZipEntry> entries = new LinkedHashMap<>();
            try {
                Enumeration<? extends ZipEntry> en = zip.entries();
                while (en.hasMoreElements()) {
                    ZipEntry e = en.nextElement();
                    checkName(e.getName(), src);
                    if (entries.put(e.getName(), e) != null) {
                        throw new TorchFormatException(src, "entry " + Py.quoteShort(e.getName(), 100) + " appears twice");
                    }
                }
            } catch (RuntimeException e) {
                throw new TorchFormatException(src, "not a readable zip archive (" + e.getMessage() + ")");
            }
            String folder = archiveFolder(entries, src);
            for (String name : entries.keySet()) {
                if (!name.startsWith(folder + "/")) {
                    throw new TorchFormatException(src, "entry " + Py.quoteShort(name, 100) + " lies outside the archive folder '"
                            + folder + "/'");
                }
            }
            ZipEntry byteOrder = entries.get(folder + "/byteorder");
            if (byteOrder != null) {
                String order = new String(readEntry(zip, byteOrder, 16, length, src), java.nio.charset.StandardCharsets.US_ASCII).strip();
                if (!order.equals("little")) {
                    throw new TorchFormatException(src, "byte order " + Py.quoteShort(order, 20) + "; only little-endian archives are read");
                }
            }
            String version = "?";
            ZipEntry ve = entries.get(folder + "/version");
            if (ve != null) {
                version = new String(readEntry(zip, ve, 16, length, src), java.nio.charset.StandardCharsets.US_ASCII).strip();
                if (!version.matches("[0-9]{1,4}")) {
                    throw new TorchFormatException(src, "entry '" + folder + "/version' holds " + Py.quoteShort(version, 20)
                            + ", not a version number");
                }
            }
            ZipEntry pkl = entries.get(folder + "/data.pkl");
            byte[] pickle = readEntry(zip, pkl, -1, length, src);
            List<TorchTensor> tensors = new ArrayList<>();
            Map<String, TorchStorage> roots = new LinkedHashMap<>();
            String pklSource = src + ", entry '" + pkl.getName() + "'";
            Unpickler u = new Unpickler(ByteInput.of(pickle, pklSource), (pid, at) -> {
                requireStorageId(pid, 5, pklSource);
                return rootStorage(pid, roots, pklSource, length);
            }, tensors);
            Object root = u.load();
            for (TorchStorage s : roots.values()) {
                String name = folder + "/data/" + s.key();
                ZipEntry e = entries.get(name);
                if (e == null) {
                    throw new TorchFormatException(src, "storage '" + s.key() + "' has no entry '" + name + "'");
                }
                long bytes = s.size() * s.type().itemSize();
                if (e.getSize() != bytes) {
                    throw new TorchFormatException(src, "entry '" + name + "' holds " + e.getSize() + " bytes but storage '" + s.key()
                            + "' needs " + bytes + " (" + s.size() + " " + s.type().dtype() + " elements)");
                }
                s.setBytes(readEntry(zip, e, bytes, length, src));
            }
            finish(root, tensors, pklSource);
            return new Result(root, TorchCheckpoint.Format.ZIP, "zip torch.save format (PyTorch 1.6 and later), archive folder '"
                    + folder + "/', format version " + version + ", pickle protocol " + u.protocol());
        }
    }

    /** Refuses names that are absolute, climb out with '..', or use backslashes or control characters. */
    private static void checkName(String name, String src) throws TorchFormatException {
        boolean bad = name.isEmpty() || name.startsWith("/") || name.contains("\\") || name.length() > 1024;
        for (String part : name.split("/", -1)) {
            bad |= part.equals("..") || part.equals(".");
        }
        for (int i = 0; i < name.length() && !bad; i++) {
            bad = name.charAt(i) < 0x20 || name.charAt(i) == 0x7f;
        }
        if (bad) {
            throw new TorchFormatException(src, "entry " + Py.quoteShort(name, 100) + " lies outside the archive folder or has an "
                    + "unsafe name");
        }
    }

    /** The one top folder that holds data.pkl. */
    private static String archiveFolder(Map<String, ZipEntry> entries, String src) throws TorchFormatException {
        List<String> pickles = new ArrayList<>();
        boolean npy = false;
        boolean script = false;
        for (String name : entries.keySet()) {
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) {
                pickles.add(name.substring(0, slash));
            }
            npy |= name.endsWith(".npy");
            script |= name.endsWith("/constants.pkl");
        }
        if (script) {
            throw new TorchFormatException(src, "a TorchScript archive (torch.jit.save), not a torch.save file");
        }
        if (pickles.isEmpty()) {
            throw new TorchFormatException(src, npy ? "a numpy .npz archive, not a torch.save file"
                    : "a zip archive without <folder>/data.pkl: not a torch.save file");
        }
        if (pickles.size() > 1) {
            throw new TorchFormatException(src, "a zip archive with " + pickles.size() + " data.pkl entries");
        }
        return pickles.get(0);
    }

    /**
     * An entry's bytes, after checking its declared size against the file and the deflate ratio.
     *
     * @param expected the size it must have, or -1 for any size that fits one array
     */
    private static byte[] readEntry(ZipFile zip, ZipEntry e, long expected, long fileLength, String src)
            throws TorchFormatException {
        String what = "entry " + Py.quoteShort(e.getName(), 100);
        long size = e.getSize();
        long packed = e.getCompressedSize();
        if (size < 0 || packed < 0 || packed > fileLength) {
            throw new TorchFormatException(src, what + " declares " + size + " bytes (" + packed + " packed) in a file of "
                    + fileLength);
        }
        if (expected >= 0 && size > expected) {
            throw new TorchFormatException(src, what + " holds " + size + " bytes, more than the " + expected + " expected");
        }
        if (size > MAX_ARRAY) {
            throw new TorchFormatException(src, what + " of " + size + " bytes is larger than one Java array can hold");
        }
        if (e.getMethod() == ZipEntry.STORED ? size != packed : size > MAX_DEFLATE_RATIO * packed + 1024) {
            throw new TorchFormatException(src, what + " declares " + size + " bytes from " + packed + " packed bytes");
        }
        byte[] b;
        try (InputStream in = zip.getInputStream(e)) {
            b = in.readNBytes((int) size);
            if (b.length != size || in.read() != -1) {
                throw new TorchFormatException(src, what + " holds " + (b.length != size ? b.length + " bytes" : "more bytes")
                        + " where its header says " + size + "; the file may be truncated or corrupt");
            }
        } catch (IOException | RuntimeException x) {
            throw new TorchFormatException(src, what + " cannot be read (" + x.getMessage() + "); the file may be truncated");
        }
        CRC32 crc = new CRC32();
        crc.update(b);
        if (e.getCrc() != -1 && crc.getValue() != e.getCrc()) {
            throw new TorchFormatException(src, what + " fails its CRC check: the file is corrupt");
        }
        return b;
    }

    // ================================================================ shared

    /** Checks the common shape of a persistent id: ('storage', class, key, location, numel, ...). */
    private static void requireStorageId(Py.Tuple pid, int size, String src) throws TorchFormatException {
        Object kind = pid.isEmpty() ? null : text(pid.get(0));
        if ("module".equals(kind)) {
            throw new TorchFormatException(src, "a pickled nn.Module class (torch.save(model)): not read; save model.state_dict()");
        }
        if (!"storage".equals(kind) || pid.size() != size) {
            throw new TorchFormatException(src, "persistent id " + Py.repr(pid, 120) + " is not a storage reference of " + size
                    + " fields");
        }
        if (!(pid.get(1) instanceof Unpickler.StorageClass)) {
            throw new TorchFormatException(src, "storage reference whose type is a " + Py.typeName(pid.get(1)) + ", not a storage class");
        }
    }

    /** The root storage a persistent id names (made on first sight, checked on later ones). */
    private static TorchStorage rootStorage(Py.Tuple pid, Map<String, TorchStorage> roots, String src, long bytesLeft)
            throws TorchFormatException {
        Unpickler.StorageClass cls = (Unpickler.StorageClass) pid.get(1);
        String key = key(pid.get(2), src);
        Object loc = text(pid.get(3));
        if (!(loc instanceof String) || !LOCATION.matcher((String) loc).matches()) {
            throw new TorchFormatException(src, "storage '" + key + "' has location " + Py.repr(pid.get(3), 60)
                    + ", not a device such as 'cpu' or 'cuda:0'");
        }
        long numel = count(pid.get(4), "storage size", src);
        TorchStorage.Type type = cls.type();
        if (numel > MAX_ARRAY / type.itemSize() || numel * type.itemSize() > bytesLeft) {
            throw new TorchFormatException(src, "storage '" + key + "' claims " + numel + " " + type.dtype() + " elements ("
                    + BigInteger.valueOf(numel).multiply(BigInteger.valueOf(type.itemSize())) + " bytes) but "
                    + (numel > MAX_ARRAY / type.itemSize() ? "one Java array holds at most " + MAX_ARRAY + " bytes"
                    : "only " + bytesLeft + " bytes of the file remain"));
        }
        TorchStorage s = roots.get(key);
        if (s == null) {
            s = new TorchStorage(key, cls.module(), type, (String) loc, numel);
            roots.put(key, s);
        } else if (s.type() != type || s.size() != numel || !s.location().equals(loc)) {
            throw new TorchFormatException(src, "storage '" + key + "' is described twice, differently (" + s.typeName() + " of "
                    + s.size() + " and " + cls.module() + "." + type.className() + " of " + numel + ")");
        }
        return s;
    }

    private static Object text(Object o) {
        if (o instanceof Py.Bytes) {
            String s = ((Py.Bytes) o).asciiOrNull();
            return s == null ? o : s;
        }
        return o;
    }

    private static String key(Object o, String src) throws TorchFormatException {
        Object k = text(o);
        if (!(k instanceof String) || !KEY.matcher((String) k).matches()) {
            throw new TorchFormatException(src, "storage key " + Py.repr(o, 80) + " is not a short plain name");
        }
        return (String) k;
    }

    private static long count(Object o, String what, String src) throws TorchFormatException {
        if (!(o instanceof Long) || (Long) o < 0) {
            throw new TorchFormatException(src, what + " " + Py.repr(o, 60) + " is not a non-negative 64-bit int");
        }
        return (Long) o;
    }

    /**
     * Fills every tensor from its (now read) storage and checks the structure. Tensors are copied out
     * in C order, so views that repeat elements (stride 0, overlapping windows) take more room than
     * their storages: all tensors together may hold at most {@value #COPY_FACTOR} times the elements
     * of the storages, plus {@value #COPY_SLACK}, which bounds the memory a file can ask for by its size.
     */
    private static void finish(Object root, List<TorchTensor> tensors, String src) throws TorchFormatException {
        long stored = 0;
        Set<TorchStorage> counted = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        long copied = 0;
        for (TorchTensor t : tensors) {
            if (counted.add(t.storage().root())) {
                stored += t.storage().root().size();
            }
            copied += t.numel();
        }
        if (copied > COPY_FACTOR * stored + COPY_SLACK) {
            throw new TorchFormatException(src, "its tensors view " + copied + " elements of storages holding " + stored
                    + " (more than " + COPY_FACTOR + " times as many): refused rather than copied out");
        }
        for (TorchTensor t : tensors) {
            if (!t.storage().loaded()) {
                throw new TorchFormatException(src, "a tensor's storage '" + t.storage().key() + "' was never read");
            }
            t.materialize();
        }
        Unpickler.checkStructure(root, src);
    }
}
