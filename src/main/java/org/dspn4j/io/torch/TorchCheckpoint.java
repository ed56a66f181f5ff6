package org.dspn4j.io.torch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;

/**
 * A file written by {@code torch.save}, read safely: the authors' per-epoch log
 * ({@code dspn/train.py:main at be3703b} saves {@code {"name", "tracker", "weights", "args", "hash"}}
 * to {@code logs/<name>}) or a bare {@code state_dict}, in the legacy or the zip layout
 * ({@link TorchReader}), through a restricted unpickler ({@link Unpickler}) that runs nothing from the
 * file. Storages saved on a GPU ({@code cuda:N}) are read onto the host.
 *
 * <pre>
 *   if (TorchCheckpoint.isTorchFile(path)) {
 *       TorchCheckpoint ckpt = TorchCheckpoint.read(path);
 *       Map&lt;String, NdArray&gt; w = ckpt.weights();     // the authors' state_dict names, file order
 *       ckpt.args();  ckpt.tracker();  ckpt.name();  ckpt.hash();
 *   }
 *   Map&lt;String, NdArray&gt; w = TorchCheckpoint.readWeights(path); // torch.save file or .npz, by content
 * </pre>
 * Every problem is a {@link TorchFormatException}: one line, naming the file.
 */
public final class TorchCheckpoint {

    /** The two layouts of torch.save. */
    public enum Format { LEGACY, ZIP }

    /** What a file is, judged by its content (never by its name). */
    public enum Kind {
        /** torch.save, PyTorch 1.6 and later: a zip archive with {@code <folder>/data.pkl}. */
        TORCH_ZIP,
        /** torch.save, legacy: pickles starting with torch's magic number. */
        TORCH_LEGACY,
        /** numpy's .npz: a zip archive of {@code .npy} entries (dspn4j's weights and checkpoints). */
        NPZ,
        /** anything else, a directory, or a damaged zip archive. */
        UNKNOWN
    }

    private final Path file;
    private final Format format;
    private final String detail;
    private final Object root;

    private TorchCheckpoint(Path file, Format format, String detail, Object root) {
        this.file = file;
        this.format = format;
        this.detail = detail;
        this.root = root;
    }

    // ================================================================ detection and reading

    /** What the file is, by content. Never throws for a readable file. */
    public static Kind kind(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            return Kind.UNKNOWN;
        }
        byte[] head = head(file);
        if (isZip(head)) {
            try (ZipFile zip = new ZipFile(file.toFile())) {
                boolean any = false;
                boolean allNpy = true;
                Enumeration<? extends ZipEntry> en = zip.entries();
                while (en.hasMoreElements()) {
                    String name = en.nextElement().getName();
                    int slash = name.indexOf('/');
                    if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) {
                        return Kind.TORCH_ZIP;
                    }
                    any = true;
                    allNpy &= name.endsWith(".npy");
                }
                return any && allNpy ? Kind.NPZ : Kind.UNKNOWN;
            } catch (IOException | RuntimeException e) {
                return Kind.UNKNOWN;
            }
        }
        return isLegacyMagic(head) ? Kind.TORCH_LEGACY : Kind.UNKNOWN;
    }

    /** The first 64 bytes, which tell the layouts apart; a read error names the file. */
    private static byte[] head(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(64);
        } catch (FileSystemException e) {
            throw e; // names the file and the reason (permission denied)
        } catch (IOException e) {
            throw new TorchFormatException(file.toString(), "cannot be read (" + e.getMessage() + ")");
        }
    }

    /** Whether the file is a torch.save file (either layout), by content; false for unreadable files. */
    public static boolean isTorchFile(Path file) {
        try {
            Kind k = kind(file);
            return k == Kind.TORCH_ZIP || k == Kind.TORCH_LEGACY;
        } catch (IOException e) {
            return false;
        }
    }

    /** Reads a torch.save file of either layout (chosen by content). */
    public static TorchCheckpoint read(Path file) throws IOException {
        byte[] head = head(file);
        try {
            TorchReader.Result r;
            if (isZip(head)) {
                r = TorchReader.readZip(file);
            } else if (head.length >= 2 && (head[0] & 0xFF) == 0x80) {
                r = TorchReader.readLegacy(file);
            } else {
                throw new TorchFormatException(file.toString(), "not a torch.save file (" + (head.length == 0 ? "empty"
                        : "it starts with bytes " + hex(head, 8)) + ")");
            }
            return new TorchCheckpoint(file, r.format(), r.detail(), r.root());
        } catch (TorchFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // a safety net: nothing but a one-line error may reach the user
            throw new TorchFormatException(file.toString(), "cannot be read (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
    }

    /**
     * Weights under their state_dict names from a torch.save file ({@link #weights()}) or an
     * {@code .npz} ({@link Npz#read}, as {@code trace --weights} and checkpoints store them),
     * whichever the content says.
     */
    public static Map<String, NdArray> readWeights(Path file) throws IOException {
        return isTorchFile(file) ? read(file).weights() : Npz.read(file);
    }

    private static boolean isZip(byte[] head) {
        return head.length >= 4 && head[0] == 'P' && head[1] == 'K' && ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6));
    }

    private static boolean isLegacyMagic(byte[] head) {
        if (head.length < 2 || (head[0] & 0xFF) != 0x80) {
            return false;
        }
        try {
            Object magic = new Unpickler(ByteInput.of(head, "header"), null, new java.util.ArrayList<>()).load();
            return TorchReader.MAGIC.equals(magic);
        } catch (TorchFormatException | RuntimeException e) {
            return false;
        }
    }

    private static String hex(byte[] b, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(n, b.length); i++) {
            s.append(i == 0 ? "" : " ").append(String.format("%02x", b[i] & 0xFF));
        }
        return s.toString();
    }

    // ================================================================ content

    public Path file() {
        return file;
    }

    public Format format() {
        return format;
    }

    /** E.g. {@code legacy torch.save format (PyTorch before 1.6), pickle protocol 2}. */
    public String formatDetail() {
        return detail;
    }

    /** The whole unpickled object ({@link Py} describes the Java types). */
    public Object root() {
        return root;
    }

    /** Whether the file has the layout of the authors' log: a dict with {@code weights} and {@code args}. */
    public boolean isAuthorsLog() {
        return root instanceof Map && ((Map<?, ?>) root).get("weights") instanceof Map && ((Map<?, ?>) root).get("args") instanceof Map;
    }

    /**
     * The state_dict's tensors, in file order: {@code root["weights"]} (the authors' log), else
     * {@code root["state_dict"]}, else the root itself when it is a dict of tensors.
     */
    public Map<String, TorchTensor> tensors() throws TorchFormatException {
        Map<?, ?> sd = stateDict();
        Map<String, TorchTensor> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : sd.entrySet()) {
            if (!(e.getKey() instanceof String)) {
                throw new TorchFormatException(file.toString(), "state_dict key " + Py.repr(e.getKey(), 60) + " is not a str");
            }
            if (!(e.getValue() instanceof TorchTensor)) {
                throw new TorchFormatException(file.toString(), "state_dict entry '" + e.getKey() + "' is a "
                        + Py.typeName(e.getValue()) + ", not a tensor");
            }
            out.put((String) e.getKey(), (TorchTensor) e.getValue());
        }
        return out;
    }

    /** {@link #tensors()} as arrays (dtypes as {@link TorchStorage} describes), in file order. */
    public Map<String, NdArray> weights() throws TorchFormatException {
        Map<String, NdArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, TorchTensor> e : tensors().entrySet()) {
            out.put(e.getKey(), e.getValue().array());
        }
        return out;
    }

    private Map<?, ?> stateDict() throws TorchFormatException {
        if (root instanceof Map) {
            Map<?, ?> m = (Map<?, ?>) root;
            for (String k : new String[] {"weights", "state_dict"}) {
                if (m.get(k) instanceof Map) {
                    return (Map<?, ?>) m.get(k);
                }
            }
            boolean tensors = !m.isEmpty();
            for (Object v : m.values()) {
                tensors &= v instanceof TorchTensor;
            }
            if (tensors) {
                return m;
            }
            throw new TorchFormatException(file.toString(), "no state_dict: expected the authors' {'weights': ...}, "
                    + "{'state_dict': ...} or a dict of tensors; top-level keys: " + Py.repr(new java.util.ArrayList<>(m.keySet()), 200));
        }
        throw new TorchFormatException(file.toString(), "no state_dict: the file holds a " + Py.typeName(root) + ", not a dict");
    }

    /** The authors' {@code args} (train.py's {@code vars(args)}), if present. */
    public Optional<Map<String, Object>> args() throws TorchFormatException {
        Object a = field("args");
        if (a == null) {
            return Optional.empty();
        }
        if (!(a instanceof Map)) {
            throw new TorchFormatException(file.toString(), "'args' is a " + Py.typeName(a) + ", not a dict");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) a).entrySet()) {
            if (!(e.getKey() instanceof String)) {
                throw new TorchFormatException(file.toString(), "'args' key " + Py.repr(e.getKey(), 60) + " is not a str");
            }
            out.put((String) e.getKey(), e.getValue());
        }
        return Optional.of(Collections.unmodifiableMap(out));
    }

    /** The run name ({@code name}), if present. */
    public Optional<String> name() throws TorchFormatException {
        Object n = field("name");
        if (n == null) {
            return Optional.empty();
        }
        if (!(n instanceof String)) {
            throw new TorchFormatException(file.toString(), "'name' is a " + Py.typeName(n) + ", not a str");
        }
        return Optional.of((String) n);
    }

    /** The commit the run was trained at ({@code hash}: the bytes of {@code git rev-parse HEAD}, stripped), if present. */
    public Optional<String> hash() throws TorchFormatException {
        Object h = field("hash");
        if (h == null) {
            return Optional.empty();
        }
        String s = h instanceof Py.Bytes ? ((Py.Bytes) h).asciiOrNull() : h instanceof String ? (String) h : null;
        if (s == null) {
            throw new TorchFormatException(file.toString(), "'hash' is " + Py.repr(h, 60) + ", not ASCII text");
        }
        return Optional.of(s.strip());
    }

    /** The training record ({@code tracker}), if present. */
    public Optional<TorchTracker> tracker() throws TorchFormatException {
        Object t = field("tracker");
        return t == null ? Optional.empty() : Optional.of(TorchTracker.of(t, file.toString()));
    }

    private Object field(String key) {
        return root instanceof Map ? ((Map<?, ?>) root).get(key) : null;
    }
}
