package dev.mosaic.scheduler.report;

import dev.mosaic.scheduler.execution.Timeline;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-worker execution timeline (the paper's Fig. 5), several panels on one time axis (ours
 * above the baseline). Each worker row has one lane per model it ran; a lane shows when at
 * least one job of that model was running (jobs overlap under continuous batching, so single
 * jobs are not drawn), model loads in grey, and a dashed line marks the end of the expert stage.
 *
 * <p>Stateless (static methods only); thread-safe.
 */
public final class GanttChart {

    /** One panel: a title, a timeline and where its expert stage ended. Immutable; thread-safe. */
    public record Panel(String title, Timeline timeline, double expertStageEndSeconds) {}

    private static final int WIDTH = 1000;
    private static final int LEFT = 80;
    private static final int RIGHT = 20;
    private static final int LANE = 9;

    private GanttChart() {}

    /** The SVG document; {@code modelColors} maps model ids to colours (missing ones get the palette's next). */
    public static String svg(List<Panel> panels, Map<String, String> modelColors, String aggregatorId) {
        Map<String, String> colors = new LinkedHashMap<>(modelColors);
        double maxT = 1e-9;
        for (Panel p : panels) {
            maxT = Math.max(maxT, p.timeline().endSeconds());
        }
        double scale = (WIDTH - LEFT - RIGHT) / maxT;
        StringBuilder body = new StringBuilder();
        double y = 10;
        for (Panel p : panels) {
            body.append(Svg.text(LEFT, y + 12, p.title(), "start", "font-weight=\"bold\""));
            y += 20;
            double top = y;
            for (String worker : p.timeline().workers()) {
                Map<String, List<double[]>> lanes = new LinkedHashMap<>();
                List<double[]> loads = new ArrayList<>();
                for (Timeline.Span s : p.timeline().spans()) {
                    if (!s.worker().equals(worker)) {
                        continue;
                    }
                    if (s.kind() == Timeline.Kind.LOAD) {
                        loads.add(new double[] {s.startSeconds(), s.endSeconds()});
                    } else {
                        lanes.computeIfAbsent(s.model(), k -> new ArrayList<>()).add(new double[] {s.startSeconds(), s.endSeconds()});
                    }
                }
                int nLanes = Math.max(1, lanes.size());
                double h = nLanes * LANE + 6;
                body.append(Svg.text(LEFT - 6, y + h / 2 + 4, worker, "end", ""));
                body.append("<rect x=\"" + LEFT + "\" y=\"" + Svg.num(y) + "\" width=\"" + (WIDTH - LEFT - RIGHT) + "\" height=\""
                        + Svg.num(h) + "\" fill=\"#f7f7f7\"/>\n");
                for (double[] l : loads) {
                    body.append(Svg.rect(LEFT + l[0] * scale, y + 1, (l[1] - l[0]) * scale, h - 2, Svg.LOAD, worker + " load " + Svg.num(l[1] - l[0]) + " s"));
                }
                int lane = 0;
                for (Map.Entry<String, List<double[]>> e : lanes.entrySet()) {
                    String model = e.getKey();
                    String color = model.equals(aggregatorId) ? Svg.AGGREGATOR
                            : colors.computeIfAbsent(model, k -> Svg.PALETTE.get(colors.size() % Svg.PALETTE.size()));
                    double ly = y + 3 + lane * LANE;
                    for (double[] iv : merge(e.getValue())) {
                        body.append(Svg.rect(LEFT + iv[0] * scale, ly, (iv[1] - iv[0]) * scale, LANE - 1, color,
                                model + " on " + worker + ": " + Svg.num(iv[0]) + "-" + Svg.num(iv[1]) + " s"));
                    }
                    lane++;
                }
                y += h + 3;
            }
            double xs = LEFT + p.expertStageEndSeconds() * scale;
            body.append("<line x1=\"" + Svg.num(xs) + "\" y1=\"" + Svg.num(top - 2) + "\" x2=\"" + Svg.num(xs) + "\" y2=\"" + Svg.num(y)
                    + "\" stroke=\"black\" stroke-dasharray=\"4 3\"/>\n");
            body.append(Svg.text(xs + 3, y + 9, "expert stage ends " + Svg.num(Math.round(p.expertStageEndSeconds())) + " s", "start", "font-size=\"10\""));
            y += 16;
        }
        // time axis
        double step = Svg.tickStep(maxT, 10);
        body.append("<line x1=\"" + LEFT + "\" y1=\"" + Svg.num(y) + "\" x2=\"" + (WIDTH - RIGHT) + "\" y2=\"" + Svg.num(y) + "\" stroke=\"black\"/>\n");
        for (double t = 0; t <= maxT * 1.0001; t += step) {
            double x = LEFT + t * scale;
            body.append("<line x1=\"" + Svg.num(x) + "\" y1=\"" + Svg.num(y) + "\" x2=\"" + Svg.num(x) + "\" y2=\"" + Svg.num(y + 4) + "\" stroke=\"black\"/>\n");
            body.append(Svg.text(x, y + 16, Svg.num(t), "middle", "font-size=\"10\""));
        }
        body.append(Svg.text(WIDTH - RIGHT, y + 30, "time (s)", "end", ""));
        y += 40;
        // legend
        double lx = LEFT;
        List<String[]> legend = new ArrayList<>();
        colors.forEach((m, c) -> legend.add(new String[] {m, c}));
        if (aggregatorId != null) {
            legend.add(new String[] {aggregatorId + " (aggregator)", Svg.AGGREGATOR});
        }
        legend.add(new String[] {"model load", Svg.LOAD});
        for (String[] l : legend) {
            double w = 16 + 6.5 * l[0].length();
            if (lx + w > WIDTH - RIGHT) {
                lx = LEFT;
                y += 16;
            }
            body.append(Svg.rect(lx, y, 10, 10, l[1], null));
            body.append(Svg.text(lx + 14, y + 9, l[0], "start", "font-size=\"11\""));
            lx += w;
        }
        y += 20;
        return Svg.header(WIDTH, (int) Math.ceil(y)) + body + "</svg>\n";
    }

    /** Union of intervals. */
    static List<double[]> merge(List<double[]> intervals) {
        List<double[]> sorted = new ArrayList<>(intervals);
        sorted.sort(Comparator.comparingDouble(a -> a[0]));
        List<double[]> out = new ArrayList<>();
        for (double[] iv : sorted) {
            if (!out.isEmpty() && iv[0] <= out.getLast()[1]) {
                out.getLast()[1] = Math.max(out.getLast()[1], iv[1]);
            } else {
                out.add(new double[] {iv[0], iv[1]});
            }
        }
        return out;
    }
}
