package org.dspn4j.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import org.dspn4j.text.FileErrors;
import org.dspn4j.text.OneLine;

/**
 * Reads and writes numpy's {@code .npz}: a zip archive with one {@code <key>.npy} entry per
 * array, as written by {@code numpy.savez} (entries stored) and {@code numpy.savez_compressed}
 * (entries deflated). Both are read. Keys are the entry names without {@code .npy}; maps keep the
 * archive's entry order. An entry whose name does not end in {@code .npy} or holds a control
 * character (a line break, say), a duplicate key, a CRC mismatch, a declared size that is impossible
 * or over the limits ({@link #MAX_ARCHIVE_BYTES}, {@link Npy#MAX_DATA_BYTES}) or a bad {@code .npy}
 * inside is an {@link NpyFormatException} naming the file and the entry.
 *
 * <p>Written archives are byte-for-byte reproducible: entries in map order, each with the fixed
 * DOS time 1980-01-01 00:00.
 */
public final class Npz {

    private static final String SUFFIX = ".npy";
    private static final LocalDateTime FIXED_TIME = LocalDateTime.of(1980, 1, 1, 0, 0);

    private Npz() {
    }

    // ================================================================ read

    /**
     * The most bytes all entries of one archive may declare together, uncompressed: 1 GiB. The
     * largest archive this project writes, a CLEVR checkpoint (ResNet34 encoder) with Adam's two
     * moments, holds the model's 25.25 million parameters three times: 0.30 GB in {@code <f4},
     * 0.61 GB in {@code <f8}. Each entry must also fit {@link Npy#MAX_DATA_BYTES} (plus its header).
     */
    public static final long MAX_ARCHIVE_BYTES = 1L << 30;

    /**
     * Deflate's largest expansion: a 258-byte match coded in 2 bits, 1032 bytes out per byte in.
     * An entry that declares more uncompressed bytes than this times its compressed size is lying.
     */
    static final long MAX_DEFLATE_RATIO = 1032;

    /**
     * All arrays of an archive, keyed by entry name without {@code .npy}, in archive order.
     *
     * <p>Before anything is inflated, every entry's name and declared sizes (zip central directory)
     * are checked: the compressed size must fit in the file, a stored entry's two sizes must agree, a
     * deflated entry cannot declare more than {@link #MAX_DEFLATE_RATIO} times its compressed size,
     * and all entries together at most {@link #MAX_ARCHIVE_BYTES}. Each entry is then streamed: its
     * {@code .npy} header must account for exactly the declared size, the array is allocated from
     * the header, and inflating stops one byte past the declared size (an entry that inflates to
     * more is refused, whatever its local header or data descriptor says). Every violation is an
     * {@link NpyFormatException} naming the file and the entry.
     */
    public static Map<String, NdArray> read(Path file) throws IOException {
        long fileSize = Files.size(file);
        Map<String, NdArray> out = new LinkedHashMap<>();
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (IOException | IllegalArgumentException e) {
            if (!Files.isReadable(file)) { // ZipFile says "FileNotFoundException: file (Permission denied)"
                throw new AccessDeniedException(file.toString());
            }
            if (startsWithNpyMagic(file)) {
                throw new NpyFormatException(file.toString(), "not a readable zip archive: a .npy file (one array), not an .npz "
                        + "(numpy.savez's zip archive of named arrays)", e);
            }
            // ZipException for most damage, EOFException when the end record is cut
            throw new NpyFormatException(file.toString(), "not a readable zip archive (" + (e.getMessage() != null
                    ? e.getMessage() : "it ends early") + "); the file may be truncated", e);
        }
        try (zip) {
            // First every entry's name and declared sizes, so that nothing is inflated from an
            // archive that is refused.
            List<ZipEntry> entries = new ArrayList<>();
            java.util.Set<String> keys = new java.util.HashSet<>();
            long total = 0;
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                String source = file + ", entry '" + entry.getName() + "'";
                if (entry.isDirectory() || !entry.getName().endsWith(SUFFIX)) {
                    throw new NpyFormatException(source, "not a .npy entry");
                }
                if (OneLine.hasControl(entry.getName())) {
                    throw new NpyFormatException(source, "the entry's name holds a control character (escaped here as \\uXXXX)");
                }
                String key = entry.getName().substring(0, entry.getName().length() - SUFFIX.length());
                if (!keys.add(key)) {
                    throw new NpyFormatException(source, "duplicate key '" + key + "'");
                }
                total += checkDeclaredSizes(entry, source, fileSize);
                if (total > MAX_ARCHIVE_BYTES) {
                    throw new NpyFormatException(source, "the entries declare more than the limit of "
                            + MAX_ARCHIVE_BYTES + " bytes in all (Npz.MAX_ARCHIVE_BYTES)");
                }
                entries.add(entry);
            }
            for (ZipEntry entry : entries) {
                String source = file + ", entry '" + entry.getName() + "'";
                NdArray array;
                CRC32 crc = new CRC32();
                try (InputStream in = new CheckedInputStream(zip.getInputStream(entry), crc)) {
                    array = Npy.read(in, source, entry.getSize());
                } catch (ZipException | java.io.EOFException e) {
                    throw new NpyFormatException(source, "cannot be decompressed (" + e.getMessage() + ")", e);
                }
                if (entry.getCrc() >= 0 && crc.getValue() != entry.getCrc()) {
                    throw new NpyFormatException(source, "CRC mismatch: the entry is corrupt");
                }
                out.put(entry.getName().substring(0, entry.getName().length() - SUFFIX.length()), array);
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            // java.util.zip's reaction to some malformed central-directory records
            throw new NpyFormatException(file.toString(), "not a readable zip archive (" + e.getMessage() + ")", e);
        }
        return out;
    }

    /** Whether the file begins as a {@code .npy} file does ({@code \x93NUMPY}). */
    private static boolean startsWithNpyMagic(Path file) {
        byte[] magic = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
        try (java.io.InputStream in = Files.newInputStream(file)) {
            return java.util.Arrays.equals(in.readNBytes(magic.length), magic);
        } catch (IOException e) {
            return false;
        }
    }

    /** @return the entry's declared uncompressed size, after checking it is possible */
    private static long checkDeclaredSizes(ZipEntry entry, String source, long fileSize) throws NpyFormatException {
        long size = entry.getSize();
        long csize = entry.getCompressedSize();
        if (size < 0 || csize < 0) {
            throw new NpyFormatException(source, "the zip central directory does not declare the entry's sizes");
        }
        if (size > Npy.MAX_DATA_BYTES + Npy.MAX_HEADER_BYTES) {
            throw new NpyFormatException(source, "declares " + size + " uncompressed bytes, more than the limit of "
                    + (Npy.MAX_DATA_BYTES + Npy.MAX_HEADER_BYTES) + " for one array (Npy.MAX_DATA_BYTES plus its header)");
        }
        if (csize > fileSize) {
            throw new NpyFormatException(source, "declares " + csize + " compressed bytes but the archive has only "
                    + fileSize + " bytes");
        }
        if (entry.getMethod() == ZipEntry.STORED && size != csize) {
            throw new NpyFormatException(source, "stored entry declares " + size + " bytes but occupies " + csize);
        }
        if (entry.getMethod() == ZipEntry.DEFLATED && size > MAX_DEFLATE_RATIO * csize + 1024) {
            throw new NpyFormatException(source, "declares " + size + " uncompressed bytes, more than " + csize
                    + " deflated bytes can hold");
        }
        return size;
    }

    // ================================================================ write

    /** Writes an archive with stored (uncompressed) entries, like {@code numpy.savez}. Not atomic. */
    public static void write(Path file, Map<String, NdArray> arrays) throws IOException {
        write(file, arrays, false);
    }

    /**
     * Writes an archive, not atomically.
     *
     * @param compressed deflate the entries, like {@code numpy.savez_compressed}
     */
    public static void write(Path file, Map<String, NdArray> arrays, boolean compressed) throws IOException {
        checkKeys(arrays);
        writeZip(new BufferedOutputStream(Files.newOutputStream(file)), arrays, compressed, null);
    }

    /**
     * Writes an archive atomically: to a temporary file in the same folder, forced to disk, then
     * renamed over {@code file} with {@link StandardCopyOption#ATOMIC_MOVE}. A reader sees either
     * the old file or the complete new one, never a partial one (what a checkpoint needs). If the
     * file system cannot rename atomically, an {@link java.nio.file.AtomicMoveNotSupportedException}
     * is thrown and the target is left untouched. Entries are stored, like {@code numpy.savez}. A failed
     * write (a full disk) removes the temporary file and names {@code file}.
     */
    public static void writeAtomic(Path file, Map<String, NdArray> arrays) throws IOException {
        writeAtomic(file, arrays, false);
    }

    /** As {@link #writeAtomic(Path, Map)}, with a choice of deflated entries. */
    public static void writeAtomic(Path file, Map<String, NdArray> arrays, boolean compressed) throws IOException {
        checkKeys(arrays);
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        // Not Files.createTempFile: that makes the file owner-only (0600), which the rename would
        // carry over to the checkpoint. CREATE_NEW gives the usual umask permissions.
        Path tmp = dir.resolve("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
            writeZip(new BufferedOutputStream(Channels.newOutputStream(ch)), arrays, compressed, ch);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (FileSystemException e) {
            throw FileErrors.namedAs(e, tmp, file);
        } catch (IOException e) { // a write on the open file ("No space left on device") names no file
            throw FileErrors.named(file, e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Writes the archive to {@code out} and closes it.
     *
     * @param sync if not null, forced to disk after the last byte and before closing
     */
    private static void writeZip(OutputStream out, Map<String, NdArray> arrays, boolean compressed, FileChannel sync)
            throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, NdArray> e : arrays.entrySet()) {
                byte[] bytes = Npy.toBytes(e.getValue());
                ZipEntry entry = new ZipEntry(e.getKey() + SUFFIX);
                entry.setTimeLocal(FIXED_TIME);
                if (compressed) {
                    entry.setMethod(ZipEntry.DEFLATED);
                } else {
                    // A stored entry must announce its size and CRC up front.
                    CRC32 crc = new CRC32();
                    crc.update(bytes);
                    entry.setMethod(ZipEntry.STORED);
                    entry.setSize(bytes.length);
                    entry.setCompressedSize(bytes.length);
                    entry.setCrc(crc.getValue());
                }
                zip.putNextEntry(entry);
                zip.write(bytes);
                zip.closeEntry();
            }
            zip.finish();
            zip.flush();
            if (sync != null) {
                sync.force(true);
            }
        }
    }

    /** Rejects bad keys and null arrays before anything is written. */
    private static void checkKeys(Map<String, NdArray> arrays) {
        for (Map.Entry<String, NdArray> e : arrays.entrySet()) {
            String key = e.getKey();
            if (key == null || key.isEmpty()) {
                throw new IllegalArgumentException("array keys must be non-empty, got " + (key == null ? "null" : "\"\""));
            }
            Objects.requireNonNull(e.getValue(), () -> "array for key '" + key + "' is null");
        }
    }
}
