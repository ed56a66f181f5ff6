package org.dspn4j.data.clevr;

/**
 * CLEVR materials. The declaration order is the one-hot order of the state vector
 * (rubber, metal: the authors' {@code dspn/data.py:CLEVR.object_to_fv} at be3703b), so {@link #ordinal()} is the one-hot index.
 */
public enum Material {
    RUBBER, METAL;

    /** @return the name used in the scene JSON */
    public String jsonName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** @return the material named {@code s} in the scene JSON, or {@code null} if none is */
    static Material fromJson(String s) {
        for (Material v : values()) {
            if (v.jsonName().equals(s)) {
                return v;
            }
        }
        return null;
    }
}
