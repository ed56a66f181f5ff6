package org.dspn4j.data.clevr;

import java.util.Objects;

/**
 * One object of a CLEVR scene, as CLEVR's generator stores it in the scene JSON
 * ({@code image_generation/render_images.py:add_random_objects}; see {@link org.dspn4j.data.clevr}).
 *
 * @param coords       {@code 3d_coords}: world position (x, y, z) in Blender units; z equals the
 *                     size scale (0.7 or 0.35): the generator lifts every object by its scale
 *                     ({@code image_generation/utils.py:add_object})
 * @param pixelCoords  {@code pixel_coords}: x = column px, y = row py (integers in real CLEVR, origin
 *                     top-left of the 480×320 image, y down), z = depth along the camera axis
 * @param rotation     {@code rotation}: the stored number in [0, 360); Blender applied it as
 *                     <em>radians</em> about z ({@code image_generation/utils.py:add_object} sets
 *                     {@code rotation_euler[2]}, which Blender reads in radians, to it)
 * @param shape        {@code shape}
 * @param color        {@code color}
 * @param material     {@code material}
 * @param size         {@code size}
 */
public record ClevrObject(Vec3 coords, Vec3 pixelCoords, double rotation,
                          Shape shape, Color color, Material material, Size size) {

    public ClevrObject {
        Objects.requireNonNull(coords, "coords");
        Objects.requireNonNull(pixelCoords, "pixelCoords");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(color, "color");
        Objects.requireNonNull(material, "material");
        Objects.requireNonNull(size, "size");
    }
}
