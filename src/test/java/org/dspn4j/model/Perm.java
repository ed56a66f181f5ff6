package org.dspn4j.model;

import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * A permutation of n positions as a jqwik value: applying it to an axis gives
 * {@code out[i] = in[map[i]]}.
 *
 * <p>Generated from Fisher–Yates digits: for k = n−1 … 1 a digit d_k ∈ [0, k] swaps position k with
 * position k − d_k. The digits are a bijection onto the n! permutations (uniform digits give a
 * uniform permutation), and digit 0 is "no swap", so jqwik, which shrinks each integer towards 0,
 * shrinks a failing permutation towards the identity: to the fewest transpositions, each between
 * the nearest positions that still fail. The report shows the permutation in one-line notation.
 */
record Perm(int[] map) {

    static Perm identity(int n) {
        int[] m = new int[n];
        for (int i = 0; i < n; i++) {
            m[i] = i;
        }
        return new Perm(m);
    }

    /** Every permutation of n positions, shrinking towards the identity. */
    static Arbitrary<Perm> of(int n) {
        if (n < 2) {
            return Arbitraries.just(identity(n));
        }
        List<Arbitrary<Integer>> digits = new ArrayList<>();
        for (int k = n - 1; k >= 1; k--) {
            digits.add(Arbitraries.integers().between(0, k));
        }
        return Combinators.combine(digits).as(d -> fromDigits(n, d));
    }

    /** One permutation of n positions for each of b samples (each shrinks independently). */
    static Arbitrary<List<Perm>> perSample(int b, int n) {
        List<Arbitrary<Perm>> each = new ArrayList<>();
        for (int s = 0; s < b; s++) {
            each.add(of(n));
        }
        return Combinators.combine(each).as(List::copyOf);
    }

    static Perm fromDigits(int n, List<Integer> digits) {
        int[] m = identity(n).map;
        for (int k = n - 1, i = 0; k >= 1; k--, i++) {
            int j = k - digits.get(i);
            int t = m[k];
            m[k] = m[j];
            m[j] = t;
        }
        return new Perm(m);
    }

    int size() {
        return map.length;
    }

    int at(int i) {
        return map[i];
    }

    /** Positions that the permutation moves. */
    int moved() {
        int c = 0;
        for (int i = 0; i < map.length; i++) {
            if (map[i] != i) {
                c++;
            }
        }
        return c;
    }

    boolean isIdentity() {
        return moved() == 0;
    }

    /** The inverse: {@code inverse().map[map[i]] = i}. */
    Perm inverse() {
        int[] inv = new int[map.length];
        for (int i = 0; i < map.length; i++) {
            inv[map[i]] = i;
        }
        return new Perm(inv);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < map.length; i++) {
            b.append(i == 0 ? "" : " ").append(map[i]);
        }
        return b.append(isIdentity() ? "] (identity)" : "]").toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Perm p && java.util.Arrays.equals(map, p.map);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(map);
    }
}
