package org.dspn4j.data.clevr;

/**
 * CLEVR sizes with their scale factor r (large 0.7, small 0.35: the generator's
 * {@code image_generation/data/properties.json}). The declaration order is the one-hot order of the
 * state vector (large, small: the authors' {@code dspn/data.py:CLEVR.object_to_fv} at be3703b).
 */
public enum Size {
    LARGE(0.7), SMALL(0.35);

    private final double scale;

    Size(double scale) {
        this.scale = scale;
    }

    /** @return the scale factor r; an object's {@code 3d_coords} z equals it in CLEVR v1.0 */
    public double scale() {
        return scale;
    }

    /** @return the name used in the scene JSON */
    public String jsonName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** @return the size named {@code s} in the scene JSON, or {@code null} if none is */
    static Size fromJson(String s) {
        for (Size v : values()) {
            if (v.jsonName().equals(s)) {
                return v;
            }
        }
        return null;
    }
}
