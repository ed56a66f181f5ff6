package org.dspn4j.data.clevr;

/** A 3-vector as stored in the scene JSON (a coordinate triple or a direction). */
public record Vec3(double x, double y, double z) {

    /** @return the dot product with {@code o} */
    public double dot(Vec3 o) {
        return x * o.x + y * o.y + z * o.z;
    }

    /** @return {@code this - o} */
    public Vec3 minus(Vec3 o) {
        return new Vec3(x - o.x, y - o.y, z - o.z);
    }
}
