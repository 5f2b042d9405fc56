package dev.mosaic.moa.run;

import dev.mosaic.common.AtomicFiles;
import dev.mosaic.scheduler.execution.StageResult;
import dev.mosaic.scheduler.execution.Timeline;
import dev.mosaic.scheduler.report.BarChart;
import dev.mosaic.scheduler.report.GanttChart;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The HTML report of a real run ({@code index.html}): stage times measured next to the
 * simulator's prediction from the profiles (and its replay with the measured output lengths,
 * which separates cost-model error from length-prediction error), per-worker times, and the
 * measured and predicted timelines drawn with the simulator's charts. Stateless.
 */
final class RunReport {
    private RunReport() {}

    static void write(Path file, Timeline measured, double measuredExpertEnd, Timeline predicted, double predictedExpertEnd,
                      StageResult replay1, StageResult measured1, StageResult predicted1, StageResult predicted2,
                      StageResult measured2, String aggregatorId) throws IOException {
        StringBuilder h = new StringBuilder();
        h.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>MOSAIC run</title>")
                .append("<style>body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}")
                .append("td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}</style></head><body>")
                .append("<h1>MOSAIC run: measured vs predicted</h1>");
        h.append("<h2>Stages</h2><table><tr><th>stage</th><th>measured s</th><th>predicted s (profiled lengths)</th>")
                .append("<th>predicted s (measured lengths)</th><th>jobs stolen</th></tr>");
        h.append(row("expert", measured1.endSeconds(), predicted1.endSeconds(), replay1.endSeconds(), measured1.stolenJobs()));
        if (measured2 != null) {
            h.append(row("aggregator", measured2.endSeconds(), predicted2.endSeconds(), Double.NaN, measured2.stolenJobs()));
        }
        h.append("</table>");
        h.append("<h2>Workers (expert stage)</h2><table><tr><th>worker</th><th>measured s</th><th>predicted s</th>")
                .append("<th>predicted s (measured lengths)</th><th>measured / predicted</th></tr>");
        List<String> ws = measured.workers();
        for (int w = 0; w < ws.size(); w++) {
            double m = measured1.workerEndSeconds()[w];
            double p = predicted1.workerEndSeconds()[w];
            h.append("<tr><td style=\"text-align:left\">").append(esc(ws.get(w))).append("</td><td>").append(f(m))
                    .append("</td><td>").append(f(p)).append("</td><td>").append(f(replay1.workerEndSeconds()[w]))
                    .append("</td><td>").append(p > 0 ? f(m / p) : "-").append("</td></tr>");
        }
        h.append("</table>");
        h.append("<h2>Stage times</h2>");
        h.append(BarChart.svg("seconds per stage", "s", List.of("expert stage", "aggregator stage"), List.of("#4e79a7", "#e15759"),
                List.of(new BarChart.Group("this run", List.of(
                        new BarChart.Bar("measured", new double[] {measured1.endSeconds(), measured2 == null ? 0 : measured2.endSeconds()}),
                        new BarChart.Bar("predicted", new double[] {predicted1.endSeconds(), predicted2 == null ? 0 : predicted2.endSeconds()}))))));
        h.append("<h2>Timelines</h2>");
        h.append(GanttChart.svg(List.of(new GanttChart.Panel("measured", measured, measuredExpertEnd),
                new GanttChart.Panel("predicted (simulator, profiled lengths)", predicted, predictedExpertEnd)), Map.of(), aggregatorId));
        h.append("</body></html>\n");
        AtomicFiles.write(file, h.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String row(String name, double m, double p, double r, int stolen) {
        return "<tr><td style=\"text-align:left\">" + name + "</td><td>" + f(m) + "</td><td>" + f(p) + "</td><td>"
                + (Double.isNaN(r) ? "-" : f(r)) + "</td><td>" + stolen + "</td></tr>";
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
