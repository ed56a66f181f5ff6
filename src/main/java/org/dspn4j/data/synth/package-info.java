/**
 * A CLEVR-like synthetic data generator in plain Java: scene sampling with CLEVR's vocabulary and
 * placement rules, a small ray-caster for 480×320 images, and output in CLEVR v1.0's own folder
 * layout and scene-JSON schema, so that {@link org.dspn4j.data.clevr.ClevrDataset} reads it
 * unchanged. All facts cited as "facts §n" are from {@code spec/clevr-scene-facts.md}.
 *
 * <p><b>Dimension legend.</b> {@code H = 320, W = 480} image rows and columns; pixel (x, y) has its
 * centre at continuous image coordinates (x + 0.5, y + 0.5), origin top-left, y down. Per-pixel
 * buffers are row-major {@code (H, W)}: index {@code y*W + x}; RGB images are planes
 * {@code (3, H, W)}: index {@code c*H*W + y*W + x}.
 */
package org.dspn4j.data.synth;
