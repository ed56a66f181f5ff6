package org.dspn4j.data.synth;

import org.dspn4j.data.clevr.Scene;

/**
 * A generated scene with what is needed to render it: the JSON-level {@link Scene} plus the
 * jittered camera and lamps (the JSON's {@code directions} come from the un-jittered camera, as in
 * real CLEVR v1.0 scenes; see {@link org.dspn4j.data.synth}).
 */
record SynthScene(Scene scene, Camera camera, Lights lights) {

    Renderer renderer() {
        return new Renderer(scene.objects(), camera, lights);
    }
}
