package org.dspn4j.data.synth;

import java.util.List;
import org.dspn4j.data.clevr.ClevrObject;
import org.dspn4j.data.clevr.Material;

/**
 * A small deterministic ray-caster for CLEVR-like images (CLEVR's meshes, colours and base scene:
 * see {@link org.dspn4j.data.synth}). Not a path tracer: it approximates Blender Cycles' look with
 * direct lighting and one mirror bounce.
 *
 * <ul>
 *   <li>Geometry: an infinite ground plane z = 0 (CLEVR's backdrop is a curved sweep that only rises
 *       far from the objects; here it stays flat); spheres of radius r, cubes of half-side r,
 *       cylinders of radius r and height 2r, each centred at its {@code 3d_coords}, rotated about z
 *       by its {@code rotation} read as radians, as Blender applied it. Edges are sharp, not
 *       bevelled as CLEVR's meshes are.</li>
 *   <li>Lights: the three jittered area lamps, whose irradiance is taken from the lamp centre and
 *       whose visibility is the fraction of a fixed k×k grid of lamp points not blocked (soft
 *       shadows); the sun with a hard shadow; a constant ambient irradiance stands in for indirect
 *       light.</li>
 *   <li>Materials: ground and rubber are Lambertian (albedo 0.8 grey; the colour/255 as a linear
 *       albedo) with a faint Fresnel-weighted Blinn–Phong highlight; metal is a colour-tinted mirror
 *       (one reflection ray, which also sees the lamps) plus a Blinn–Phong lobe.</li>
 *   <li>Output: linear radiance through the sRGB transfer function, clipped, rounded to 8 bits.
 *       Pixels on object edges are averaged over a 3×3 sub-pixel grid, other metal pixels over
 *       2×2; the rest use their centre.</li>
 * </ul>
 * Everything is deterministic (no random sampling). An instance is not thread-safe (it keeps the
 * last hit in fields); use one per thread.
 */
final class Renderer {

    static final int W = Camera.WIDTH;
    static final int H = Camera.HEIGHT;
    /** Object-id buffer value of a ground pixel. */
    static final int GROUND = -1;
    private static final int NOTHING = -2;

    private static final double GROUND_ALBEDO = 0.8;
    /** Irradiance standing in for light bounced off the ground and objects (Cycles' global illumination). */
    private static final double AMBIENT_IRRADIANCE = 0.15;
    private static final double RUBBER_F0 = 0.0083; // ((1.2 − 1)/(1.2 + 1))², the rubber node's IOR 1.2
    private static final double RUBBER_EXPONENT = 130; // Blinn–Phong exponent ≈ 2/α² − 2 for roughness 0.35 (α = 0.1225)
    private static final double METAL_EXPONENT = 1250; // roughness 0.2 (α = 0.04)
    private static final double METAL_ROUGH_WEIGHT = 0.6;
    private static final double EPS = 1e-6;
    private static final int EDGE_SUPERSAMPLE = 3;
    private static final int METAL_SUPERSAMPLE = 2;
    private static final int[] LIGHT_GRID = {4, 3, 3}; // key, fill, back

    private enum Kind { SPHERE, CUBE, CYLINDER }

    private final Camera camera;
    private final Lights.AreaLight[] lights;
    private final double[][][] lightSamples; // [light][sample] = point on the lamp
    private final double[] lightReach; // half-diagonal of each lamp
    private final int n;
    private final double[] cx;
    private final double[] cy;
    private final double[] cz;
    private final double[] cos;
    private final double[] sin;
    private final double[] scale;
    private final double[] bound; // bounding-sphere radius
    private final Kind[] kind;
    private final boolean[] metal;
    private final double[][] albedo;

    // last intersection (see trace)
    private double hitT;
    private int hitObj;
    private final double[] hitN = new double[3];
    private final int[] occluders;

    Renderer(List<ClevrObject> objects, Camera camera, Lights lightSet) {
        this.camera = camera;
        this.lights = lightSet.areaLights();
        n = objects.size();
        cx = new double[n];
        cy = new double[n];
        cz = new double[n];
        cos = new double[n];
        sin = new double[n];
        scale = new double[n];
        bound = new double[n];
        kind = new Kind[n];
        metal = new boolean[n];
        albedo = new double[n][];
        occluders = new int[n];
        for (int j = 0; j < n; j++) {
            ClevrObject o = objects.get(j);
            cx[j] = o.coords().x();
            cy[j] = o.coords().y();
            cz[j] = o.coords().z();
            // NOTE: degrees used as radians, as Blender did (image_generation/utils.py:add_object)
            cos[j] = Math.cos(o.rotation());
            sin[j] = Math.sin(o.rotation());
            scale[j] = o.size().scale();
            kind[j] = switch (o.shape()) {
                case SPHERE -> Kind.SPHERE;
                case CUBE -> Kind.CUBE;
                case CYLINDER -> Kind.CYLINDER;
            };
            bound[j] = scale[j] * switch (kind[j]) {
                case SPHERE -> 1.0;
                case CUBE -> Math.sqrt(3);
                case CYLINDER -> Math.sqrt(2);
            } * (1 + 1e-9);
            metal[j] = o.material() == Material.METAL;
            albedo[j] = o.color().linearAlbedo();
        }
        lightSamples = new double[lights.length][][];
        lightReach = new double[lights.length];
        for (int l = 0; l < lights.length; l++) {
            Lights.AreaLight a = lights[l];
            int k = LIGHT_GRID[l];
            lightSamples[l] = new double[k * k][];
            for (int i = 0; i < k; i++) {
                for (int m = 0; m < k; m++) {
                    double su = ((i + 0.5) / k - 0.5) * 2 * a.halfSize;
                    double sv = ((m + 0.5) / k - 0.5) * 2 * a.halfSize;
                    lightSamples[l][i * k + m] = new double[] {
                        a.center[0] + su * a.u[0] + sv * a.v[0],
                        a.center[1] + su * a.u[1] + sv * a.v[1],
                        a.center[2] + su * a.u[2] + sv * a.v[2]};
                }
            }
            lightReach[l] = a.halfSize * Math.sqrt(2);
        }
    }

    // ------------------------------------------------------------------ public to the package

    /**
     * @return the object-id buffer, (H, W) row-major: the index (JSON order) of the object seen through
     *     each pixel centre, or {@link #GROUND}
     */
    int[] objectIds() {
        int[] ids = new int[W * H];
        double[] d = new double[3];
        double[] o = camera.location;
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                camera.rayDirection(x + 0.5, y + 0.5, d);
                trace(o[0], o[1], o[2], d[0], d[1], d[2], Double.POSITIVE_INFINITY);
                ids[y * W + x] = hitObj >= 0 ? hitObj : GROUND;
            }
        }
        return ids;
    }

    /** @return the rendered image, (3, H, W) planes of 8-bit sRGB */
    byte[] render() {
        int[] ids = objectIds();
        byte[] out = new byte[3 * W * H];
        double[] d = new double[3];
        double[] rgb = new double[3];
        double[] acc = new double[3];
        double[] o = camera.location;
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int id = ids[y * W + x];
                acc[0] = acc[1] = acc[2] = 0;
                int s = isEdge(ids, x, y) ? EDGE_SUPERSAMPLE : id >= 0 && metal[id] ? METAL_SUPERSAMPLE : 1;
                for (int i = 0; i < s; i++) {
                    for (int j = 0; j < s; j++) {
                        camera.rayDirection(x + (j + 0.5) / s, y + (i + 0.5) / s, d);
                        radiance(o[0], o[1], o[2], d[0], d[1], d[2], 0, rgb);
                        acc[0] += rgb[0];
                        acc[1] += rgb[1];
                        acc[2] += rgb[2];
                    }
                }
                for (int c = 0; c < 3; c++) {
                    out[c * W * H + y * W + x] = (byte) toSrgb8(acc[c] / (s * s));
                }
            }
        }
        return out;
    }

    private static boolean isEdge(int[] ids, int x, int y) {
        int id = ids[y * W + x];
        for (int yy = Math.max(0, y - 1); yy <= Math.min(H - 1, y + 1); yy++) {
            for (int xx = Math.max(0, x - 1); xx <= Math.min(W - 1, x + 1); xx++) {
                if (ids[yy * W + xx] != id) {
                    return true;
                }
            }
        }
        return false;
    }

    /** sRGB transfer function (Blender's "Default" view transform), clipped and rounded to 0..255. */
    static int toSrgb8(double linear) {
        double v = linear <= 0.0031308 ? 12.92 * linear : 1.055 * Math.pow(linear, 1 / 2.4) - 0.055;
        return (int) Math.round(Math.max(0, Math.min(1, v)) * 255);
    }

    // ------------------------------------------------------------------ shading

    /** Linear RGB radiance arriving at o from direction −d (d unit), written into {@code out}. */
    private void radiance(double ox, double oy, double oz, double dx, double dy, double dz, int depth, double[] out) {
        if (!trace(ox, oy, oz, dx, dy, dz, Double.POSITIVE_INFINITY)) {
            out[0] = out[1] = out[2] = 0; // world strength 0 (the base scene's)
            if (depth > 0) {
                lampEmission(ox, oy, oz, dx, dy, dz, out); // lamps are seen only in reflections
            }
            return;
        }
        int obj = hitObj;
        double px = ox + hitT * dx;
        double py = oy + hitT * dy;
        double pz = oz + hitT * dz;
        double nx = hitN[0];
        double ny = hitN[1];
        double nz = hitN[2];
        // offset the shading point off the surface to avoid self-shadowing
        px += EPS * nx;
        py += EPS * ny;
        pz += EPS * nz;
        double[] a = obj >= 0 ? albedo[obj] : null;
        boolean isMetal = obj >= 0 && metal[obj] && depth < 2;
        double[] e = new double[3]; // diffuse irradiance
        double[] spec = new double[3]; // Blinn–Phong highlight radiance, before tint
        double exponent = isMetal ? METAL_EXPONENT : RUBBER_EXPONENT;
        double norm = (exponent + 8) / (8 * Math.PI);
        for (int l = 0; l < lights.length; l++) {
            Lights.AreaLight lamp = lights[l];
            // Irradiance from the lamp centre: the lamps are small (0.5–1.0) against their distance (≈ 6–9),
            // so only the visibility needs the sample grid.
            double lx = lamp.center[0] - px;
            double ly = lamp.center[1] - py;
            double lz = lamp.center[2] - pz;
            double d2 = lx * lx + ly * ly + lz * lz;
            double ln = Math.sqrt(d2);
            lx /= ln;
            ly /= ln;
            lz /= ln;
            double cosP = lx * nx + ly * ny + lz * nz;
            double cosL = -(lx * lamp.normal[0] + ly * lamp.normal[1] + lz * lamp.normal[2]);
            if (cosP <= 0 || cosL <= 0) {
                continue;
            }
            double vis = lampVisibility(l, px, py, pz);
            if (vis == 0) {
                continue;
            }
            double sum = vis * lamp.power / Math.PI * cosP * cosL / d2;
            // highlight towards the lamp centre
            double hx = lx - dx;
            double hy = ly - dy;
            double hz = lz - dz;
            double hn = Math.sqrt(hx * hx + hy * hy + hz * hz);
            double nh = Math.max(0, (hx * nx + hy * ny + hz * nz) / hn);
            double lobe = norm * Math.pow(nh, exponent) * sum;
            for (int c = 0; c < 3; c++) {
                e[c] += sum * lamp.color[c];
                spec[c] += lobe * lamp.color[c];
            }
        }
        double cosSun = nx * Lights.SUN_DIRECTION[0] + ny * Lights.SUN_DIRECTION[1] + nz * Lights.SUN_DIRECTION[2];
        if (cosSun > 0 && !occluded(px, py, pz, Lights.SUN_DIRECTION[0], Lights.SUN_DIRECTION[1],
                Lights.SUN_DIRECTION[2], Double.POSITIVE_INFINITY)) {
            for (int c = 0; c < 3; c++) {
                e[c] += Lights.SUN_IRRADIANCE * cosSun;
            }
        }
        if (isMetal) {
            double dn = dx * nx + dy * ny + dz * nz;
            double rx = dx - 2 * dn * nx;
            double ry = dy - 2 * dn * ny;
            double rz = dz - 2 * dn * nz;
            double[] env = new double[3];
            radiance(px, py, pz, rx, ry, rz, depth + 1, env);
            for (int c = 0; c < 3; c++) {
                out[c] = a[c] * (env[c] + METAL_ROUGH_WEIGHT * spec[c] + 0.02 * e[c] / Math.PI);
            }
            return;
        }
        double cosV = Math.max(0, -(dx * nx + dy * ny + dz * nz));
        double m = 1 - cosV;
        double f = RUBBER_F0 + (1 - RUBBER_F0) * (m * m) * (m * m) * m;
        for (int c = 0; c < 3; c++) {
            double alb = a == null ? GROUND_ALBEDO : a[c];
            out[c] = (1 - f) * alb / Math.PI * (e[c] + AMBIENT_IRRADIANCE) + f * spec[c];
        }
    }

    /** @return the fraction of lamp {@code l}'s sample points visible from p */
    private double lampVisibility(int l, double px, double py, double pz) {
        // Objects that can block any sample lie near the segment p → lamp centre (within the lamp's half-diagonal).
        double[] c = lights[l].center;
        double sx = c[0] - px;
        double sy = c[1] - py;
        double sz = c[2] - pz;
        double ss = sx * sx + sy * sy + sz * sz;
        int m = 0;
        for (int j = 0; j < n; j++) {
            double qx = cx[j] - px;
            double qy = cy[j] - py;
            double qz = cz[j] - pz;
            double t = Math.max(0, Math.min(1, (qx * sx + qy * sy + qz * sz) / ss));
            double ex = qx - t * sx;
            double ey = qy - t * sy;
            double ez = qz - t * sz;
            double reach = bound[j] + lightReach[l];
            if (ex * ex + ey * ey + ez * ez <= reach * reach) {
                occluders[m++] = j;
            }
        }
        if (m == 0) {
            return 1;
        }
        double[][] samples = lightSamples[l];
        int visible = 0;
        for (double[] q : samples) {
            boolean blocked = false;
            for (int k = 0; k < m && !blocked; k++) {
                blocked = intersectObject(occluders[k], px, py, pz, q[0] - px, q[1] - py, q[2] - pz, 1.0) < 1.0;
            }
            if (!blocked) {
                visible++;
            }
        }
        return visible / (double) samples.length;
    }

    private void lampEmission(double ox, double oy, double oz, double dx, double dy, double dz, double[] out) {
        double weight = 1 - METAL_ROUGH_WEIGHT; // the sharp lobe of the metal mix
        for (Lights.AreaLight lamp : lights) {
            double dn = dx * lamp.normal[0] + dy * lamp.normal[1] + dz * lamp.normal[2];
            if (dn >= 0) {
                continue; // back face: lamps emit towards the origin only
            }
            double t = ((lamp.center[0] - ox) * lamp.normal[0] + (lamp.center[1] - oy) * lamp.normal[1]
                    + (lamp.center[2] - oz) * lamp.normal[2]) / dn;
            if (t <= 0) {
                continue;
            }
            double qx = ox + t * dx - lamp.center[0];
            double qy = oy + t * dy - lamp.center[1];
            double qz = oz + t * dz - lamp.center[2];
            double u = qx * lamp.u[0] + qy * lamp.u[1] + qz * lamp.u[2];
            double v = qx * lamp.v[0] + qy * lamp.v[1] + qz * lamp.v[2];
            if (Math.abs(u) <= lamp.halfSize && Math.abs(v) <= lamp.halfSize) {
                for (int c = 0; c < 3; c++) {
                    out[c] += weight * lamp.radiance(c);
                }
            }
        }
    }

    // ------------------------------------------------------------------ intersection

    /**
     * Nearest hit of o + t·d, 0 &lt; t &lt; tmax, against the objects and the ground. On a hit sets
     * {@link #hitT}, {@link #hitObj} (object index or {@link #GROUND}) and the unit world normal
     * {@link #hitN}, and returns true.
     */
    private boolean trace(double ox, double oy, double oz, double dx, double dy, double dz, double tmax) {
        double best = tmax;
        int bestObj = NOTHING;
        double bnx = 0;
        double bny = 0;
        double bnz = 0;
        for (int j = 0; j < n; j++) {
            double t = intersectObject(j, ox, oy, oz, dx, dy, dz, best);
            if (t < best) {
                best = t;
                bestObj = j;
                // local normal → world: rotate by +θ about z
                bnx = cos[j] * localN[0] - sin[j] * localN[1];
                bny = sin[j] * localN[0] + cos[j] * localN[1];
                bnz = localN[2];
            }
        }
        if (dz < 0) {
            double t = -oz / dz;
            if (t > 0 && t < best) {
                best = t;
                bestObj = GROUND;
                bnx = 0;
                bny = 0;
                bnz = 1;
            }
        }
        hitObj = bestObj;
        if (bestObj == NOTHING) {
            return false;
        }
        hitT = best;
        double nn = Math.sqrt(bnx * bnx + bny * bny + bnz * bnz);
        hitN[0] = bnx / nn;
        hitN[1] = bny / nn;
        hitN[2] = bnz / nn;
        return true;
    }

    /** @return true if o + t·d hits an object for some 0 &lt; t &lt; tmax (the ground casts no shadow on anything) */
    private boolean occluded(double ox, double oy, double oz, double dx, double dy, double dz, double tmax) {
        for (int j = 0; j < n; j++) {
            if (intersectObject(j, ox, oy, oz, dx, dy, dz, tmax) < tmax) {
                return true;
            }
        }
        return false;
    }

    private final double[] localN = new double[3];

    /**
     * Entry point of o + t·d into object j for 0 &lt; t &lt; tmax, or +∞. Sets {@link #localN} to the
     * object-space normal of the hit. d need not be unit; t is in units of d.
     */
    private double intersectObject(int j, double ox, double oy, double oz, double dx, double dy, double dz, double tmax) {
        // bounding sphere
        double qx = ox - cx[j];
        double qy = oy - cy[j];
        double qz = oz - cz[j];
        double a = dx * dx + dy * dy + dz * dz;
        double b = qx * dx + qy * dy + qz * dz;
        double c = qx * qx + qy * qy + qz * qz - bound[j] * bound[j];
        double disc = b * b - a * c;
        if (disc < 0) {
            return Double.POSITIVE_INFINITY;
        }
        double sq = Math.sqrt(disc);
        if ((-b + sq) / a <= 0 || (-b - sq) / a >= tmax) {
            return Double.POSITIVE_INFINITY;
        }
        // object space: rotate by −θ about z, divide by the scale
        double s = 1 / scale[j];
        double lox = (cos[j] * qx + sin[j] * qy) * s;
        double loy = (-sin[j] * qx + cos[j] * qy) * s;
        double loz = qz * s;
        double ldx = (cos[j] * dx + sin[j] * dy) * s;
        double ldy = (-sin[j] * dx + cos[j] * dy) * s;
        double ldz = dz * s;
        double t = switch (kind[j]) {
            case SPHERE -> unitSphere(lox, loy, loz, ldx, ldy, ldz);
            case CUBE -> unitCube(lox, loy, loz, ldx, ldy, ldz);
            case CYLINDER -> unitCylinder(lox, loy, loz, ldx, ldy, ldz);
        };
        return t < tmax ? t : Double.POSITIVE_INFINITY;
    }

    private double unitSphere(double ox, double oy, double oz, double dx, double dy, double dz) {
        double a = dx * dx + dy * dy + dz * dz;
        double b = ox * dx + oy * dy + oz * dz;
        double c = ox * ox + oy * oy + oz * oz - 1;
        double disc = b * b - a * c;
        if (disc < 0) {
            return Double.POSITIVE_INFINITY;
        }
        double t = (-b - Math.sqrt(disc)) / a;
        if (t <= 0) {
            return Double.POSITIVE_INFINITY; // starting inside or behind: no entry point
        }
        localN[0] = ox + t * dx;
        localN[1] = oy + t * dy;
        localN[2] = oz + t * dz;
        return t;
    }

    private double unitCube(double ox, double oy, double oz, double dx, double dy, double dz) {
        double tn = Double.NEGATIVE_INFINITY;
        double tf = Double.POSITIVE_INFINITY;
        int axis = -1;
        double[] o = {ox, oy, oz};
        double[] d = {dx, dy, dz};
        for (int k = 0; k < 3; k++) {
            if (d[k] == 0) {
                if (Math.abs(o[k]) > 1) {
                    return Double.POSITIVE_INFINITY;
                }
                continue;
            }
            double t1 = (-1 - o[k]) / d[k];
            double t2 = (1 - o[k]) / d[k];
            if (t1 > t2) {
                double tmp = t1;
                t1 = t2;
                t2 = tmp;
            }
            if (t1 > tn) {
                tn = t1;
                axis = k;
            }
            tf = Math.min(tf, t2);
        }
        if (axis < 0 || tn > tf || tn <= 0) {
            return Double.POSITIVE_INFINITY;
        }
        localN[0] = localN[1] = localN[2] = 0;
        localN[axis] = d[axis] > 0 ? -1 : 1;
        return tn;
    }

    private double unitCylinder(double ox, double oy, double oz, double dx, double dy, double dz) {
        double best = Double.POSITIVE_INFINITY;
        double a = dx * dx + dy * dy;
        if (a > 0) {
            double b = ox * dx + oy * dy;
            double c = ox * ox + oy * oy - 1;
            double disc = b * b - a * c;
            if (disc >= 0) {
                double t = (-b - Math.sqrt(disc)) / a;
                double z = oz + t * dz;
                if (t > 0 && Math.abs(z) <= 1) {
                    best = t;
                    localN[0] = ox + t * dx;
                    localN[1] = oy + t * dy;
                    localN[2] = 0;
                }
            }
        }
        if (dz != 0) {
            double cap = dz < 0 ? 1 : -1; // a ray going down can only enter through the top cap
            double t = (cap - oz) / dz;
            if (t > 0 && t < best) {
                double x = ox + t * dx;
                double y = oy + t * dy;
                if (x * x + y * y <= 1) {
                    best = t;
                    localN[0] = 0;
                    localN[1] = 0;
                    localN[2] = cap;
                }
            }
        }
        return best;
    }
}
