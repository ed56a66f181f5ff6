/**
 * A CLEVR-like synthetic data generator in plain Java: scene sampling with CLEVR's vocabulary and
 * placement rules, a small ray-caster for 480×320 images, and output in CLEVR v1.0's own folder
 * layout and scene-JSON schema, so that {@link org.dspn4j.data.clevr.ClevrDataset} reads it
 * unchanged.
 *
 * <p><b>CLEVR's facts and where they come from.</b> CLEVR v1.0 was made by the generator at
 * github.com/facebookresearch/clevr-dataset-gen (commit f0ce2c8; paths below are in it):
 * <ul>
 *   <li>{@code image_generation/render_images.py}: the command-line defaults (3 to 10 objects, gap
 *       0.25, margin 0.4, 50 tries, 200 visible pixels per object, jitter ±0.5 for the camera and
 *       ±1.0 for each lamp, per axis); {@code render_scene} (the jitter, then {@code directions});
 *       {@code add_random_objects} (placement, then shape, colour, θ = 360·U[0, 1) and material;
 *       its r/√2 branch for cubes compares the mesh name with "Cube", but the mesh is named
 *       "SmoothCube_v2", so it never runs and cubes keep r); {@code compute_all_relationships};</li>
 *   <li>{@code image_generation/data/properties.json}: shapes, colours (0–255 RGB, divided by 255
 *       and used as the material colour), materials, sizes (large 0.7, small 0.35);</li>
 *   <li>{@code image_generation/utils.py}: {@code add_object} (sets the z rotation to θ, which
 *       Blender reads as radians; scales the unit mesh by r and lifts it to z = r, so every object
 *       rests on the ground) and {@code get_camera_coords} ({@code pixel_coords}: Blender's
 *       {@code world_to_camera_view} frame coordinates times the image size, rounded; the depth
 *       along the view axis);</li>
 *   <li>{@code image_generation/data/base_scene.blend}, a binary file, from which these values were
 *       read: the camera at (7.481132, −6.507640, 5.343665), a 35 mm lens on a 32 mm-wide sensor,
 *       aimed at the origin by a Track-To constraint (world z up); the key, fill and back area
 *       lamps (sizes 0.5, 0.5, 1.0; strengths 100, 30, 50; locations and colours in {@code Lights}),
 *       aimed at the origin; a sun of strength 0.45 whose light comes from (0.41450, −0.19458,
 *       0.88901), not jittered; world strength 0, so no environment light; a ground that is flat
 *       around the objects and curves up only far from them.</li>
 * </ul>
 * The released images are 480×320 (the generator's own default is 320×240). Two facts are measured
 * on real v1.0 scenes: their {@code directions} equal the <em>un-jittered</em> camera's axes to 7
 * digits (checked on {@code CLEVR_val_000000} and {@code CLEVR_train_000002}), while
 * {@code pixel_coords} follow the jittered camera; and with the camera above, fitting only the
 * jitter to the five objects of {@code CLEVR_val_000000} gives (+0.373, +0.297, −0.392) and
 * reproduces all their {@code pixel_coords} within 0.31 px and 0.01 depth ({@code CameraTest}).
 *
 * <p><b>Dimension legend.</b> {@code H = 320, W = 480} image rows and columns; pixel (x, y) has its
 * centre at continuous image coordinates (x + 0.5, y + 0.5), origin top-left, y down. Per-pixel
 * buffers are row-major {@code (H, W)}: index {@code y*W + x}; RGB images are planes
 * {@code (3, H, W)}: index {@code c*H*W + y*W + x}.
 */
package org.dspn4j.data.synth;
