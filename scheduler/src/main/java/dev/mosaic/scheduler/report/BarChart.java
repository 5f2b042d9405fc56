package dev.mosaic.scheduler.report;

import java.util.ArrayList;
import java.util.List;

/**
 * Horizontal (stacked) bar chart: the paper's Fig. 6 (stage times per workload, baseline vs
 * ours) and Fig. 7 (mean output tokens by agreement level). Rows are grouped; each row is one
 * bar made of segments, with its total printed at its end.
 *
 * <p>Stateless (static methods only); thread-safe.
 */
public final class BarChart {

    /**
     * A bar: a label and segments (values in the order of the chart's series). Immutable by convention: the array is
     * shared, not copied; do not change it.
     */
    public record Bar(String label, double[] values) {}

    /** Bars under a common heading. */
    public record Group(String title, List<Bar> bars) {}

    private static final int WIDTH = 1000;
    private static final int LEFT = 230;
    private static final int RIGHT = 90;
    private static final int BAR = 18;

    private BarChart() {}

    public static String svg(String title, String unit, List<String> series, List<String> colors, List<Group> groups) {
        double max = 1e-9;
        for (Group g : groups) {
            for (Bar b : g.bars()) {
                double sum = 0;
                for (double v : b.values()) {
                    sum += v;
                }
                max = Math.max(max, sum);
            }
        }
        double scale = (WIDTH - LEFT - RIGHT) / max;
        StringBuilder body = new StringBuilder();
        double y = 10;
        body.append(Svg.text(LEFT, y + 12, title, "start", "font-weight=\"bold\""));
        y += 24;
        for (Group g : groups) {
            body.append(Svg.text(10, y + 12, g.title(), "start", "font-weight=\"bold\""));
            y += 18;
            for (Bar b : g.bars()) {
                body.append(Svg.text(LEFT - 6, y + BAR - 5, b.label(), "end", ""));
                double x = LEFT;
                double sum = 0;
                for (int i = 0; i < b.values().length; i++) {
                    double w = b.values()[i] * scale;
                    if (b.values()[i] > 0) {
                        body.append(Svg.rect(x, y, w, BAR, colors.get(i % colors.size()),
                                b.label() + " - " + series.get(i) + ": " + Svg.num(Math.round(b.values()[i] * 100) / 100.0) + " " + unit));
                    }
                    x += w;
                    sum += b.values()[i];
                }
                body.append(Svg.text(x + 4, y + BAR - 5, String.format(java.util.Locale.ROOT, sum >= 100 ? "%.0f %s" : "%.1f %s", sum, unit), "start", "font-size=\"11\""));
                y += BAR + 4;
            }
            y += 8;
        }
        double step = Svg.tickStep(max, 8);
        body.append("<line x1=\"" + LEFT + "\" y1=\"" + Svg.num(y) + "\" x2=\"" + (WIDTH - RIGHT) + "\" y2=\"" + Svg.num(y) + "\" stroke=\"black\"/>\n");
        for (double t = 0; t <= max * 1.0001; t += step) {
            double xx = LEFT + t * scale;
            body.append("<line x1=\"" + Svg.num(xx) + "\" y1=\"" + Svg.num(y) + "\" x2=\"" + Svg.num(xx) + "\" y2=\"" + Svg.num(y + 4) + "\" stroke=\"black\"/>\n");
            body.append(Svg.text(xx, y + 16, Svg.num(t), "middle", "font-size=\"10\""));
        }
        y += 30;
        if (series.size() > 1) {
            double lx = LEFT;
            List<String> labels = new ArrayList<>(series);
            for (int i = 0; i < labels.size(); i++) {
                body.append(Svg.rect(lx, y, 10, 10, colors.get(i % colors.size()), null));
                body.append(Svg.text(lx + 14, y + 9, labels.get(i), "start", "font-size=\"11\""));
                lx += 30 + 7 * labels.get(i).length();
            }
            y += 20;
        }
        return Svg.header(WIDTH, (int) Math.ceil(y)) + body + "</svg>\n";
    }
}
