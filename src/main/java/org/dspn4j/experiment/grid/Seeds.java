package org.dspn4j.experiment.grid;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The seeds of a grid, written as ranges and lists: {@code 1-6}, {@code 1,3,5}, {@code 1-3,7}.
 * Seeds are non-negative; a seed given twice is refused (it would be averaged twice).
 */
public final class Seeds {
    /** More seeds than this in one grid is a typing mistake, not an experiment. */
    static final int MAX_SEEDS = 10_000;

    private Seeds() {
    }

    /**
     * The seeds in the order given.
     *
     * @param option the option's name, for messages (e.g. {@code --seeds})
     * @throws IllegalArgumentException one line naming the option and the problem
     */
    public static List<Long> parse(String option, String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(option + ": give seeds, e.g. 1-6, 1,3,5 or 1-3,7");
        }
        if (text.contains("\n") || text.contains("\r")) {
            throw new IllegalArgumentException(option + ": seeds are one line, e.g. 1-6, 1,3,5 or 1-3,7");
        }
        Set<Long> seen = new LinkedHashSet<>();
        for (String raw : text.split(",", -1)) {
            String part = raw.trim();
            if (part.isEmpty()) {
                throw new IllegalArgumentException(option + ": '" + text + "' has an empty item (seeds are separated by one comma)");
            }
            int dash = part.indexOf('-', 1);
            long from = number(option, part, dash < 0 ? part : part.substring(0, dash));
            long to = dash < 0 ? from : number(option, part, part.substring(dash + 1));
            if (to < from) {
                throw new IllegalArgumentException(option + ": range '" + part + "' runs backwards (write " + to + "-" + from + ")");
            }
            if (to - from >= MAX_SEEDS || seen.size() + (to - from + 1) > MAX_SEEDS) {
                throw new IllegalArgumentException(option + ": more than " + MAX_SEEDS + " seeds");
            }
            for (long s = from; s <= to; s++) {
                if (!seen.add(s)) {
                    throw new IllegalArgumentException(option + ": seed " + s + " twice in '" + text + "'; the runs of one seed "
                            + "are the same run, so each seed must be given once");
                }
            }
        }
        return new ArrayList<>(seen);
    }

    private static long number(String option, String part, String s) {
        String t = s.trim();
        if (!t.matches("[0-9]{1,18}")) {
            throw new IllegalArgumentException(option + ": '" + part + "' is not a seed or a range of seeds "
                    + "(non-negative integers: 4, 1-6)");
        }
        return Long.parseLong(t);
    }

    /** The seeds as sorted ranges, e.g. [7, 1, 2, 3] as {@code 1-3,7}; also Slurm's {@code --array} syntax. */
    public static String ranges(List<Long> seeds) {
        StringBuilder sb = new StringBuilder();
        TreeSet<Long> sorted = new TreeSet<>(seeds);
        Long start = null;
        Long prev = null;
        for (long s : sorted) {
            if (start == null) {
                start = s;
            } else if (s != prev + 1) {
                append(sb, start, prev);
                start = s;
            }
            prev = s;
        }
        if (start != null) {
            append(sb, start, prev);
        }
        return sb.toString();
    }

    private static void append(StringBuilder sb, long from, long to) {
        if (sb.length() > 0) {
            sb.append(',');
        }
        sb.append(from);
        if (to > from) {
            sb.append('-').append(to);
        }
    }
}
