package org.dspn4j.data.clevr;

/**
 * CLEVR colours with their 0–255 RGB values from the generator's
 * {@code image_generation/data/properties.json}. The declaration order is the one-hot order of the
 * state vector (cyan, blue, yellow, purple, red, green, gray, brown: {@code CLASSES} in the authors'
 * {@code dspn/data.py}, used by {@code CLEVR.object_to_fv} at be3703b).
 */
public enum Color {
    CYAN(41, 208, 208), BLUE(42, 75, 215), YELLOW(255, 238, 51), PURPLE(129, 38, 192),
    RED(173, 35, 35), GREEN(29, 105, 20), GRAY(87, 87, 87), BROWN(129, 74, 25);

    private final int r;
    private final int g;
    private final int b;

    Color(int r, int g, int b) {
        this.r = r;
        this.g = g;
        this.b = b;
    }

    /**
     * @return the generator's colour divided by 255, which the generator
     *     ({@code render_images.py:add_random_objects}) hands unchanged to the material's colour input,
     *     i.e. as a <em>linear</em> albedo; a new array {r, g, b}
     */
    public double[] linearAlbedo() {
        return new double[] {r / 255.0, g / 255.0, b / 255.0};
    }

    /** @return the name used in the scene JSON */
    public String jsonName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** @return the colour named {@code s} in the scene JSON, or {@code null} if none is */
    static Color fromJson(String s) {
        for (Color v : values()) {
            if (v.jsonName().equals(s)) {
                return v;
            }
        }
        return null;
    }
}
