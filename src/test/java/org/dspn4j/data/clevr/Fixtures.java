package org.dspn4j.data.clevr;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

/** Paths of the committed CLEVR fixtures (see {@code src/test/resources/clevr/README.md}). */
final class Fixtures {

    private Fixtures() {
    }

    /** @return {@code src/test/resources/clevr} as copied to the test classpath */
    static Path root() {
        try {
            return Path.of(Fixtures.class.getResource("/clevr/mini").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the mini CLEVR folder: scenes/CLEVR_val_scenes.json and images/val/ */
    static Path mini() {
        return root().resolve("mini");
    }

    static Path miniScenes() {
        return mini().resolve("scenes/CLEVR_val_scenes.json");
    }

    static List<Scene> miniSceneList() throws IOException {
        return SceneReader.readAll(miniScenes());
    }
}
