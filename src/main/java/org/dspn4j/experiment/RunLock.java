package org.dspn4j.experiment;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * The exclusive lock on a run folder: the file {@code .lock} in it, locked by the operating system
 * ({@link FileChannel#tryLock()}) for as long as a process trains there, and holding its owner as one
 * line, {@code <pid>@<host> since <time>}. A second process on the same folder is refused naming the
 * owner. The operating system releases the lock when its process dies, however it dies; the line it
 * leaves behind then names a process that no longer holds it, and the next run says so (for a process
 * on this host: whether it is still running) and takes the folder over. On a clean end the line is
 * emptied and the lock released; the empty file stays (removing it would let two later processes lock
 * two different files of the same name).
 */
public final class RunLock implements AutoCloseable {
    /** The lock file's name in a run folder. */
    public static final String FILE = ".lock";

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final boolean created;

    private RunLock(Path file, FileChannel channel, FileLock lock, boolean created) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.created = created;
    }

    /** This process as a lock owner: {@code <pid>@<host>}. */
    static String self() {
        return ProcessHandle.current().pid() + "@" + host();
    }

    static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException | RuntimeException e) {
            String h = System.getenv("HOSTNAME");
            return h == null || h.isBlank() ? "unknown-host" : h;
        }
    }

    /**
     * Locks {@code dir} (which must exist) or refuses naming the process that holds it.
     *
     * @param log where a note about a stale lock goes
     */
    public static RunLock acquire(Path dir, PrintStream log) throws IOException {
        Path f = dir.resolve(FILE);
        boolean created = !java.nio.file.Files.exists(f);
        FileChannel ch = IoErrors.naming(f, () -> FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE));
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null; // held by this very process (another run in the same JVM)
        } catch (IOException e) {
            ch.close();
            throw new IOException(f + ": cannot lock the run folder (" + e.getMessage() + ")", e);
        }
        String owner = read(ch);
        if (l == null) {
            ch.close();
            throw new IllegalArgumentException(dir + " is in use by another run (" + (owner.isEmpty() ? "its lock " + f
                    : "process " + owner) + "); wait for it to end or give another --out");
        }
        if (!owner.isEmpty() && log != null) {
            log.println("note: " + f + " names process " + owner + ", which " + staleness(owner)
                    + " (a run that ended without cleaning up); taking the folder over");
        }
        String line = self() + " since " + Instant.now() + "\n";
        try {
            IoErrors.naming(f, () -> {
                ch.truncate(0);
                ByteBuffer b = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
                while (b.hasRemaining()) {
                    ch.write(b, b.position());
                }
                ch.force(true);
            });
        } catch (IOException e) { // a full disk: the lock is not taken, and a lock file this run made goes again
            try {
                if (created) {
                    java.nio.file.Files.deleteIfExists(f);
                } else {
                    ch.truncate(0); // no part of an owner line is left to be read as one
                }
            } catch (IOException ignored) {
                // the error that stopped the run stays the one reported
            } finally {
                ch.close();
            }
            throw e;
        }
        return new RunLock(f, ch, l, created);
    }

    /** What can be said of a lock line's process that no longer holds the lock. */
    static String staleness(String owner) {
        String[] idHost = owner.split(" ", 2)[0].split("@", 2);
        if (idHost.length == 2 && idHost[1].equals(host())) {
            try {
                long pid = Long.parseLong(idHost[0]);
                return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                        ? "is running on this host but does not hold the lock (its pid was reused)"
                        : "is no longer running on this host";
            } catch (NumberFormatException e) {
                return "no longer holds the lock";
            }
        }
        return "no longer holds the lock";
    }

    private static String read(FileChannel ch) throws IOException {
        long size = Math.min(ch.size(), 4096);
        ByteBuffer b = ByteBuffer.allocate((int) size);
        ch.read(b, 0);
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip();
    }

    public Path file() {
        return file;
    }

    /**
     * Releases the lock of a run that was refused before it wrote anything, or whose writes were taken
     * back: a lock file this lock created is removed (the folder is left as it was), else its owner
     * line is emptied. The lock is released even when the file cannot be removed.
     */
    public void closeUnused() throws IOException {
        try {
            if (created) {
                java.nio.file.Files.deleteIfExists(file); // while still holding it: a later run locks a new file
            }
        } finally {
            close();
        }
    }

    /** Empties the owner line and releases the lock. */
    @Override
    public void close() throws IOException {
        try {
            if (channel.isOpen()) {
                channel.truncate(0);
            }
        } finally {
            try {
                lock.release();
            } finally {
                channel.close();
            }
        }
    }
}
