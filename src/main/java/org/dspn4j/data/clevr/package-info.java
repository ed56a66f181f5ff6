/**
 * CLEVR v1.0 data layer for the set-prediction experiments (spec {@code dspn-reference.md} §5.2,
 * {@code clevr-scene-facts.md} §1).
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
