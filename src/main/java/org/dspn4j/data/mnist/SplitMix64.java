package org.dspn4j.data.mnist;

/**
 * The SplitMix64 generator (Steele, Lea, Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014), written out so that the stream is fixed by this file and not by a
 * JDK version. {@link #nextLong()} gives the same sequence as {@code new
 * java.util.SplittableRandom(seed).nextLong()} (a test checks it).
 *
 * <p>Definitions (all arithmetic mod 2^64):
 * <pre>
 *   GAMMA        = 0x9e3779b97f4a7c15
 *   mix64(z)     = z ^= z >>> 30; z *= 0xbf58476d1ce4e5b9; z ^= z >>> 27; z *= 0x94d049bb133111eb; z ^ (z >>> 31)
 *   nextLong()   = mix64(state += GAMMA)
 *   nextInt(n)   = r = nextLong() >>> 1, redrawn while r > 2^63 - 1 - (2^63 mod n); then r mod n   (unbiased)
 *   shuffle(a)   = for i = a.length-1 down to 1: swap a[i], a[nextInt(i + 1)]                     (Fisher-Yates)
 *   streamSeed(seed, domain, epoch, index):
 *                  h = mix64(seed + GAMMA) ^ domain
 *                  h = mix64(h + GAMMA) ^ epoch
 *                  h = mix64(h + GAMMA) ^ index
 *                  return mix64(h + GAMMA)
 * </pre>
 * Not thread-safe; make one generator per stream.
 */
public final class SplitMix64 {

    static final long GAMMA = 0x9e3779b97f4a7c15L;

    private long state;

    /** A generator whose first output is {@code mix64(seed + GAMMA)}. */
    public SplitMix64(long seed) {
        this.state = seed;
    }

    /** A generator for the stream {@link #streamSeed}{@code (seed, domain, epoch, index)}. */
    public static SplitMix64 forStream(long seed, long domain, long epoch, long index) {
        return new SplitMix64(streamSeed(seed, domain, epoch, index));
    }

    public long nextLong() {
        state += GAMMA;
        return mix64(state);
    }

    /** Uniform in {@code [0, bound)} without modulo bias. */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        long reject = (Long.MAX_VALUE % bound + 1) % bound; // 2^63 mod bound
        while (true) {
            long r = nextLong() >>> 1;
            if (r <= Long.MAX_VALUE - reject) {
                return (int) (r % bound);
            }
        }
    }

    /** Shuffles {@code a} in place (Fisher-Yates, from the end). Modifies {@code a}. */
    public void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** A permutation of {@code 0..n-1}: the identity, shuffled. */
    public int[] permutation(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        shuffle(p);
        return p;
    }

    /** Stafford's "variant 13" 64-bit finaliser, as in {@code java.util.SplittableRandom}. */
    public static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** The seed of an independent stream, a pure function of its four arguments (see class doc). */
    public static long streamSeed(long seed, long domain, long epoch, long index) {
        long h = mix64(seed + GAMMA) ^ domain;
        h = mix64(h + GAMMA) ^ epoch;
        h = mix64(h + GAMMA) ^ index;
        return mix64(h + GAMMA);
    }
}
