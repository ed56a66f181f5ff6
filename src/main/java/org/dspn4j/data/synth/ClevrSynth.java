package org.dspn4j.data.synth;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.dspn4j.data.clevr.ClevrDataset;
import org.dspn4j.data.clevr.RgbImage;
import org.dspn4j.text.FileErrors;

/**
 * Generates a synthetic CLEVR-like split in CLEVR v1.0's folder layout:
 * <pre>
 *   out/scenes/CLEVR_&lt;split&gt;_scenes.json
 *   out/images/&lt;split&gt;/CLEVR_&lt;split&gt;_000000.png ...   (480×320, 8-bit RGB)
 * </pre>
 * Scene {@code i} is drawn from its own random stream derived from (seed, i), so the output is the
 * same for a seed whatever the number of threads.
 */
public final class ClevrSynth {

    /**
     * The most scenes one split may hold: CLEVR's image names number a split's scenes with six digits
     * ({@code CLEVR_train_000000.png} to {@code CLEVR_train_999999.png}); CLEVR v1.0 itself has 70,000 training
     * scenes. At about 50 kB a PNG, a split at this limit takes some 50 GB of disk, and its scene file is read
     * into memory whole when it is loaded.
     */
    public static final int MAX_SCENES = 1_000_000;
    /** Why {@link #MAX_SCENES}, as the refusals of a larger count say it. */
    public static final String MAX_SCENES_REASON = "CLEVR's image names number a split's scenes with six digits; CLEVR v1.0 "
            + "has 70,000 training scenes";

    private ClevrSynth() {
    }

    /** Progress callback: called with the number of finished scenes, from the calling thread. */
    public interface Progress {
        void done(int scenes);
    }

    /**
     * Samples, renders and writes {@code count} scenes.
     *
     * @param threads rendering threads (≥ 1)
     * @throws IOException if a file cannot be written
     */
    public static void generate(Path out, String split, int count, long seed, int threads, Progress progress)
            throws IOException {
        if (count < 0 || count > MAX_SCENES || threads < 1) {
            throw new IllegalArgumentException("need 0 <= count <= " + MAX_SCENES + " and threads >= 1, got " + count + ", "
                    + threads);
        }
        if (!split.matches("[A-Za-z0-9]+")) {
            throw new IllegalArgumentException("split must be alphanumeric, got '" + split + "'");
        }
        Path imageDir = out.resolve("images").resolve(split);
        Files.createDirectories(imageDir);
        Files.createDirectories(out.resolve("scenes"));
        // a heap too small can also run out in the pool's own code around a scene, where it ends the worker and may
        // leave that scene's Future never done: kept here, it ends the generation (awaitScene) with one report
        // instead of a stack trace from the default handler (or a failure printing one) and a wait without end
        WorkerFailure workerOutOfMemory = new WorkerFailure();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "clevr-synth");
            t.setDaemon(true);
            t.setUncaughtExceptionHandler((th, e) -> {
                if (e instanceof OutOfMemoryError oom) {
                    workerOutOfMemory.error = oom; // a plain write: an AtomicReference's first use allocates
                } else {
                    th.getThreadGroup().uncaughtException(th, e);
                }
            });
            return t;
        });
        Path scenesFile = ClevrDataset.scenesFile(out, split);
        SceneJsonWriter json;
        try {
            json = new SceneJsonWriter(scenesFile, split);
        } catch (IOException e) {
            pool.shutdownNow();
            throw FileErrors.named(scenesFile, e);
        }
        boolean complete = false;
        try {
            // a bounded window of scenes in flight: memory does not grow with the count, and a failure stops the
            // rendering soon
            int window = 4 * threads;
            ArrayDeque<Future<SynthScene>> inFlight = new ArrayDeque<>();
            int submitted = 0;
            for (int i = 0; i < count; i++) {
                while (submitted < count && submitted < i + window) {
                    int index = submitted++;
                    inFlight.add(pool.submit(() -> renderOne(imageDir, split, index, seed)));
                }
                json.write(awaitScene(inFlight.remove(), workerOutOfMemory));
                if (progress != null) {
                    progress.done(i + 1);
                }
            }
            complete = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            if (e.getCause() instanceof Error err) {
                throw err; // out of memory rendering a scene: as itself, which the command line says in one line
            }
            throw new IOException(e.getCause());
        } catch (IOException e) { // a write of the scene file ("No space left on device") names no file
            throw FileErrors.named(scenesFile, e);
        } finally {
            pool.shutdownNow();
            // on a failure the scenes still rendering hold their memory until they end (rendering does not stop on
            // an interrupt): waiting for them gives the heap back to what follows, the report and the clean-up
            try {
                pool.awaitTermination(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (!complete) {
                // the failure under way is the one to report, the half-written file goes with the caller's folder;
                // a close that fails too (out of memory, the JVM's one preallocated error again) adds nothing
                try {
                    json.close();
                } catch (IOException | RuntimeException | Error ignored) {
                    // reported above
                }
            }
        }
        try {
            json.close();
        } catch (IOException e) { // its last bytes ("No space left on device") name no file either
            throw FileErrors.named(scenesFile, e);
        }
    }

    /** The out-of-memory error that ended a worker of the pool outside a scene's task, if any. */
    private static final class WorkerFailure {
        volatile OutOfMemoryError error;
    }

    /** A scene's result, or the out-of-memory error that ended a worker of the pool while it was awaited. */
    private static SynthScene awaitScene(Future<SynthScene> scene, WorkerFailure workerOutOfMemory)
            throws InterruptedException, ExecutionException {
        while (true) {
            try {
                return scene.get(100, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                OutOfMemoryError oom = workerOutOfMemory.error;
                if (oom != null) {
                    throw oom;
                }
            }
        }
    }

    private static SynthScene renderOne(Path imageDir, String split, int index, long seed) {
        SynthScene s = sample(split, index, seed);
        RgbImage img = new RgbImage(Renderer.W, Renderer.H, s.renderer().render());
        Path file = imageDir.resolve(s.scene().imageFilename());
        // opened here, not by ImageIO: its file output prints the stack trace of a file it cannot create, and its
        // write errors ("I/O error writing PNG file!") name no file
        try (OutputStream os = Files.newOutputStream(file);
             ImageOutputStream ios = new MemoryCacheImageOutputStream(os)) {
            if (!ImageIO.write(img.toBufferedImage(), "png", ios)) {
                throw new IOException(file + ": no PNG writer");
            }
        } catch (FileSystemException e) {
            throw new UncheckedIOException(e);
        } catch (IOException e) {
            IOException why = e.getCause() instanceof IOException c && c.getMessage() != null ? c : e;
            throw new UncheckedIOException(new IOException(file + ": " + why.getMessage(), why));
        }
        return s;
    }

    /** Scene {@code index} for {@code seed}; independent of every other index. */
    static SynthScene sample(String split, int index, long seed) {
        return SceneSampler.sample(new SplittableRandom(streamSeed(seed, index)), split, index);
    }

    /** A well-mixed per-scene seed (SplittableRandom seeds that differ by its gamma give shifted streams). */
    static long streamSeed(long seed, int index) {
        long z = seed * 0x9E3779B97F4A7C15L + index;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
