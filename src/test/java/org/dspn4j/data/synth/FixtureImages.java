package org.dspn4j.data.synth;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.dspn4j.data.clevr.RgbImage;
import org.dspn4j.data.clevr.Scene;
import org.dspn4j.data.clevr.SceneReader;

/**
 * Regenerates the images of the committed fixture {@code src/test/resources/clevr/mini} (run by hand,
 * not a test; see that folder's README). Scene 0 is the real {@code CLEVR_val_000000} rendered with
 * the camera jitter fitted to its pixel coordinates and saved as RGBA (as CLEVR's PNGs are); scene 1
 * uses the nominal camera and lamps; the scene with image_index 15 is scene 15 of seed 2024, whose
 * JSON this tool prints.
 *
 * <pre>java -cp "target/classes:target/test-classes:$(cat cp.txt)" org.dspn4j.data.synth.FixtureImages</pre>
 */
public final class FixtureImages {

    static final Path MINI = Path.of("src/test/resources/clevr/mini");
    /** Camera jitter fitted to the pixel_coords of CLEVR_val_000000 (see CameraTest). */
    static final double[] VAL0_JITTER = {0.373, 0.297, -0.392};
    static final long GENERATED_SEED = 2024;
    static final int GENERATED_INDEX = 15;

    private FixtureImages() {
    }

    public static void main(String[] args) throws Exception {
        Path images = MINI.resolve("images/val");
        Files.createDirectories(images);
        List<Scene> scenes = SceneReader.readAll(MINI.resolve("scenes/CLEVR_val_scenes.json"));
        Scene s0 = scenes.get(0);
        Camera fitted = new Camera(Camera.NOMINAL_LOCATION[0] + VAL0_JITTER[0],
                Camera.NOMINAL_LOCATION[1] + VAL0_JITTER[1], Camera.NOMINAL_LOCATION[2] + VAL0_JITTER[2]);
        byte[] img0 = new Renderer(s0.objects(), fitted, Lights.nominal()).render();
        writeRgba(new RgbImage(Renderer.W, Renderer.H, img0), images.resolve(s0.imageFilename()));

        Scene s1 = scenes.get(1);
        byte[] img1 = new Renderer(s1.objects(), Camera.nominal(), Lights.nominal()).render();
        ImageIO.write(new RgbImage(Renderer.W, Renderer.H, img1).toBufferedImage(), "png",
                images.resolve(s1.imageFilename()).toFile());

        SynthScene g = ClevrSynth.sample("val", GENERATED_INDEX, GENERATED_SEED);
        ImageIO.write(new RgbImage(Renderer.W, Renderer.H, g.renderer().render()).toBufferedImage(), "png",
                images.resolve(g.scene().imageFilename()).toFile());
        Path json = Files.createTempFile("scene", ".json");
        try (SceneJsonWriter w = new SceneJsonWriter(json, "val")) {
            w.write(g);
        }
        System.out.println(Files.readString(json));
    }

    private static void writeRgba(RgbImage img, Path file) throws Exception {
        BufferedImage out = new BufferedImage(img.width(), img.height(), BufferedImage.TYPE_4BYTE_ABGR);
        BufferedImage rgb = img.toBufferedImage();
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                out.setRGB(x, y, 0xFF000000 | rgb.getRGB(x, y));
            }
        }
        ImageIO.write(out, "png", file.toFile());
    }
}
