package dev.mosaic.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A plain-text table for terminal output: a header row, a rule, then rows; columns padded to
 * their widest cell, numbers (cells that parse as numbers, with an optional unit suffix)
 * right-aligned, everything else left-aligned.
 *
 * <p>Not thread-safe: build and print a table from one thread.
 */
public final class TextTable {

    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    public TextTable(String... header) {
        this.header = List.of(header);
    }

    /** Adds a row; it must have as many cells as the header. */
    public TextTable row(Object... cells) {
        if (cells.length != header.size()) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + header.size() + " columns");
        }
        rows.add(Arrays.stream(cells).map(c -> c == null ? "" : c.toString()).toList());
        return this;
    }

    /** The table as lines joined by newlines, with a trailing newline. */
    public String render() {
        int n = header.size();
        int[] width = new int[n];
        boolean[] numeric = new boolean[n];
        Arrays.fill(numeric, true);
        for (int c = 0; c < n; c++) {
            width[c] = header.get(c).length();
        }
        for (List<String> r : rows) {
            for (int c = 0; c < n; c++) {
                width[c] = Math.max(width[c], r.get(c).length());
                numeric[c] &= r.get(c).isEmpty() || looksNumeric(r.get(c));
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, header, width, numeric);
        for (int c = 0; c < n; c++) {
            sb.append(c == 0 ? "" : "  ").append("-".repeat(width[c]));
        }
        sb.append('\n');
        for (List<String> r : rows) {
            line(sb, r, width, numeric);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return render();
    }

    private static void line(StringBuilder sb, List<String> cells, int[] width, boolean[] numeric) {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < cells.size(); c++) {
            String cell = cells.get(c);
            String pad = " ".repeat(width[c] - cell.length());
            line.append(c == 0 ? "" : "  ").append(numeric[c] ? pad + cell : cell + pad);
        }
        sb.append(line.toString().stripTrailing()).append('\n');
    }

    private static boolean looksNumeric(String s) {
        return s.matches("[-+]?[0-9][0-9,]*(\\.[0-9]+)?\\s*(s|ms|x|%|GiB)?");
    }

    /** Seconds with one decimal, e.g. {@code 748.8 s}. */
    public static String seconds(double s) {
        return String.format(Locale.ROOT, "%.1f s", s);
    }

    /** A fraction as a percentage with two decimals, e.g. {@code 1.83%}. */
    public static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * fraction);
    }

    /** A ratio such as a speedup, e.g. {@code 1.83x}. */
    public static String times(double ratio) {
        return String.format(Locale.ROOT, "%.2fx", ratio);
    }
}
