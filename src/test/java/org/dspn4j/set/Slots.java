package org.dspn4j.set;

import java.util.Random;

import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/** Test helpers: random sets with distinct elements, and permutations of the slot (last) axis. */
final class Slots {
    private Slots() {
    }

    /** out[…, i] = t[…, perm[i]] (a permutation of the last axis). */
    static Tensor permute(Tensor t, int[] perm) {
        double[] d = t.toDoubles();
        int n = perm.length;
        double[] out = new double[d.length];
        for (int base = 0; base < d.length; base += n) {
            for (int i = 0; i < n; i++) {
                out[base + i] = d[base + perm[i]];
            }
        }
        return t.backend().fromHost(out, t.dtype(), t.shape());
    }

    static int[] randomPermutation(Random r, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
        return p;
    }

    /** Uniform [0, 1) features: continuous, so elements are distinct with probability 1. */
    static Tensor randomSet(Backend be, Random r, int b, int c, int n) {
        double[] d = new double[b * c * n];
        for (int i = 0; i < d.length; i++) {
            d[i] = r.nextDouble();
        }
        return be.fromHost(d, DType.F64, b, c, n);
    }

    /** A mask with a random number (≥ 1) of leading ones per sample, like padded targets. */
    static Tensor paddedMask(Backend be, Random r, int b, int n) {
        double[] d = new double[b * n];
        for (int s = 0; s < b; s++) {
            int size = 1 + r.nextInt(n);
            for (int i = 0; i < size; i++) {
                d[s * n + i] = 1.0;
            }
        }
        return be.fromHost(d, DType.F64, b, n);
    }

    /** A soft mask in (0, 1), as DSPN's predicted masks. */
    static Tensor softMask(Backend be, Random r, int b, int n) {
        double[] d = new double[b * n];
        for (int i = 0; i < d.length; i++) {
            d[i] = 0.05 + 0.9 * r.nextDouble();
        }
        return be.fromHost(d, DType.F64, b, n);
    }

    /** Zeroes the features of slots whose mask is 0 (padding as the data loaders produce it). */
    static Tensor zeroPadding(Tensor set, Tensor mask) {
        double[] s = set.toDoubles();
        double[] m = mask.toDoubles();
        int b = set.size(0);
        int c = set.size(1);
        int n = set.size(2);
        for (int x = 0; x < b; x++) {
            for (int k = 0; k < c; k++) {
                for (int i = 0; i < n; i++) {
                    s[(x * c + k) * n + i] *= m[x * n + i];
                }
            }
        }
        return set.backend().fromHost(s, set.dtype(), set.shape());
    }

    static void assertClose(String what, Tensor a, Tensor b, double tol) {
        org.dspn4j.testing.Golden.assertClose(what, a.toDoubles(), b.toDoubles(), tol, tol);
    }
}
