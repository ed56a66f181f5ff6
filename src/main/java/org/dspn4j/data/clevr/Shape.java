package org.dspn4j.data.clevr;

/**
 * CLEVR shapes. The declaration order is the one-hot order of the state vector
 * (sphere, cube, cylinder: the authors' {@code dspn/data.py:CLEVR.object_to_fv} at be3703b), so {@link #ordinal()} is the one-hot index.
 */
public enum Shape {
    SPHERE, CUBE, CYLINDER;

    /** @return the name used in the scene JSON ({@code "sphere"}, ...) */
    public String jsonName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** @return the shape named {@code s} in the scene JSON, or {@code null} if none is */
    static Shape fromJson(String s) {
        for (Shape v : values()) {
            if (v.jsonName().equals(s)) {
                return v;
            }
        }
        return null;
    }
}
