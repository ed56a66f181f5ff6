package org.dspn4j.data.synth;

/**
 * Rendering-speed measurement (not a test). Samples and renders scenes of the synthetic generator
 * and prints images per second, single-threaded and with all cores.
 *
 * <pre>
 *   mvn -B -q test-compile
 *   java -cp "target/classes:target/test-classes:$(cat cp.txt)" org.dspn4j.data.synth.RenderBench [scenes]
 * </pre>
 * where {@code cp.txt} comes from {@code mvn -q dependency:build-classpath -Dmdep.outputFile=cp.txt}.
 */
public final class RenderBench {

    private RenderBench() {
    }

    public static void main(String[] args) throws Exception {
        int scenes = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int cores = Runtime.getRuntime().availableProcessors();
        // warm-up
        for (int i = 0; i < 3; i++) {
            ClevrSynth.sample("bench", 1000 + i, 7).renderer().render();
        }
        long t0 = System.nanoTime();
        long checksum = 0;
        for (int i = 0; i < scenes; i++) {
            SynthScene s = ClevrSynth.sample("bench", i, 7);
            byte[] img = s.renderer().render();
            checksum += img[img.length / 2];
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("single thread: %d scenes (sample + render, no PNG) in %.2f s = %.2f images/s (checksum %d)%n",
                scenes, secs, scenes / secs, checksum);

        java.nio.file.Path out = java.nio.file.Files.createTempDirectory("render-bench");
        t0 = System.nanoTime();
        ClevrSynth.generate(out, "bench", scenes, 7, cores, null);
        secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("ClevrSynth.generate, %d threads: %d scenes (sample + render + PNG + JSON) in %.2f s = %.2f images/s (%s)%n",
                cores, scenes, secs, scenes / secs, out);
    }
}
