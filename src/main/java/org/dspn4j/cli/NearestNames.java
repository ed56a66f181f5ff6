package org.dspn4j.cli;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * The names a mistyped command or option most likely meant, for the one line that refuses it: those one or two
 * edits away (a letter added, left out, changed, or two swapped: {@code trian} → {@code train}, {@code --step} →
 * {@code --steps}; one edit for names of up to four letters, none for one letter: {@code -Q} → {@code -q}), or
 * that the word begins with or that begin with it ({@code --batchsize} → {@code --batch}), case aside. picocli's own suggestions rank by shared letter pairs, which puts {@code trace} and {@code summarise}
 * before {@code train} for {@code trian}.
 */
final class NearestNames {
    /** The most names suggested. */
    static final int MOST = 3;

    private NearestNames() {
    }

    /** The names nearest to {@code word}, nearest first (ties in the order given); empty where none is near. */
    static List<String> of(String word, Collection<String> names) {
        String w = bare(word);
        int best = Integer.MAX_VALUE;
        List<String> nearest = new ArrayList<>();
        for (String name : names) {
            String n = bare(name);
            int d = distance(w, n);
            int shorter = Math.min(w.length(), n.length());
            boolean near = d <= (shorter <= 1 ? 0 : shorter <= 4 ? 1 : 2) // -x is one edit from every one-letter option
                    || shorter >= 4 && (w.startsWith(n) || n.startsWith(w));
            if (!near || nearest.contains(name)) {
                continue;
            }
            if (d < best) {
                nearest.clear();
                best = d;
            }
            if (d == best && nearest.size() < MOST) {
                nearest.add(name);
            }
        }
        return nearest;
    }

    private static String bare(String s) {
        int i = 0;
        while (i < s.length() && s.charAt(i) == '-') {
            i++;
        }
        return s.substring(i).toLowerCase(Locale.ROOT);
    }

    /** Edits from a to b: letters inserted, deleted, replaced, and adjacent letters swapped, each counting one. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
