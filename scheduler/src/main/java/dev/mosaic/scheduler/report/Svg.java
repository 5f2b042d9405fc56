package dev.mosaic.scheduler.report;

import java.util.List;
import java.util.Locale;

/** Helpers to write SVG by hand: escaping, compact numbers, a colour palette. */
final class Svg {

    /** Distinguishable colours (Tableau 10 plus two); the aggregator gets {@link #AGGREGATOR}. */
    static final List<String> PALETTE = List.of("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948",
            "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#86bcb6", "#d4a6c8");
    static final String AGGREGATOR = "#3b3b3b";
    static final String LOAD = "#c8c8c8";
    static final String EXPERT_STAGE = "#4e79a7";
    static final String AGGREGATOR_STAGE = "#f28e2b";

    private Svg() {}

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static String num(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String header(int width, int height) {
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + width + "\" height=\"" + height + "\" viewBox=\"0 0 "
                + width + " " + height + "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
                + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    }

    static String text(double x, double y, String s, String anchor, String extra) {
        return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + anchor + "\"" + (extra.isEmpty() ? "" : " " + extra)
                + ">" + esc(s) + "</text>\n";
    }

    static String rect(double x, double y, double w, double h, String fill, String title) {
        return "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(Math.max(w, 0.5)) + "\" height=\"" + num(h)
                + "\" fill=\"" + fill + "\">" + (title == null ? "" : "<title>" + esc(title) + "</title>") + "</rect>\n";
    }

    /** A "nice" tick step so that about {@code n} ticks cover {@code max}. */
    static double tickStep(double max, int n) {
        if (max <= 0) {
            return 1;
        }
        double raw = max / n;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * mag >= raw) {
                return m * mag;
            }
        }
        return 10 * mag;
    }
}
