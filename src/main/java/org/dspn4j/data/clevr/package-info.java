/**
 * CLEVR v1.0 data layer for the set-prediction experiments, read as the authors'
 * {@code dspn/data.py:CLEVR} at be3703b reads it (docs/reference-behaviour.md §6).
 *
 * <p><b>Scene files.</b> CLEVR's scene JSON is written by its generator,
 * github.com/facebookresearch/clevr-dataset-gen (paths below are in that repository).
 * {@code image_generation/render_images.py:render_scene} writes per scene {@code split},
 * {@code image_index}, {@code image_filename}, {@code objects}, {@code relationships} and
 * {@code directions}; {@code add_random_objects} writes per object {@code shape}, {@code color},
 * {@code material}, {@code size}, {@code rotation}, {@code 3d_coords} and {@code pixel_coords}.
 * Sizes and colours come from {@code image_generation/data/properties.json}. An object's
 * {@code 3d_coords} z is its size scale r, since {@code image_generation/utils.py:add_object} lifts
 * it by r; its {@code rotation}, drawn in [0, 360), is applied by Blender as radians.
 * {@code directions} are the camera's axes flattened onto the ground (the same in every v1.0
 * scene), and {@code relationships[d][i]} lists the objects j with
 * (coords_j − coords_i)·directions[d] > 0.2 ({@code compute_all_relationships}).
 *
 * <p>Reads the scene JSON with a streaming parser ({@link org.dspn4j.data.clevr.SceneReader}),
 * turns each scene into a padded set of object descriptors — the 18-dimensional state vector
 * ({@link org.dspn4j.data.clevr.StateVector}) or the 4-dimensional heuristic bounding box
 * ({@link org.dspn4j.data.clevr.BoxHeuristic}) — and loads the image resized to 128×128 exactly as
 * Pillow's bilinear resize does ({@link org.dspn4j.data.clevr.RgbImage}).
 * {@link org.dspn4j.data.clevr.ClevrDataset} ties the three together. No tensors: plain arrays,
 * which the model layer converts.
 *
 * <p><b>Dimension legend.</b> {@code C} channels per element (18 for states, 4 for boxes),
 * {@code N} maximum set size (10, {@link org.dspn4j.data.clevr.Slots#MAX_OBJECTS}),
 * {@code H, W} image height and width. Sets are channels-first, {@code (C, N)}, as in the authors'
 * code: {@code double[c][n]} is channel {@code c} of slot {@code n}. Images are {@code (3, H, W)}
 * flattened row-major: element {@code (c, y, x)} is at {@code c*H*W + y*W + x}.
 */
package org.dspn4j.data.clevr;
