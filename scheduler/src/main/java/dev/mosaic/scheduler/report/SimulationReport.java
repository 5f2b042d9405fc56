package dev.mosaic.scheduler.report;

import dev.mosaic.scheduler.aggregation.BypassEvaluation;
import dev.mosaic.common.AtomicFiles;
import dev.mosaic.scheduler.io.Json;
import dev.mosaic.scheduler.pipeline.MoaPipeline;
import dev.mosaic.scheduler.pipeline.Study;
import dev.mosaic.scheduler.plan.Plan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report of one or more {@link Study studies}: {@code index.html} (self-contained: the
 * pictures are inline SVG, plus tables), the pictures as separate {@code .svg} files, and
 * {@code summary.json} with every number shown. Every file is written atomically ({@link AtomicFiles}).
 *
 * <p>Stateless (static methods only); thread-safe. Concurrent calls must write to different directories.
 */
public final class SimulationReport {

    /** A row of the headline table (one scenario of one workload). Immutable; thread-safe. */
    public record Row(String workload, String scenario, double expertStageSeconds, double expertSpeedup,
                      double aggregatorStageSeconds, double aggregatorSpeedup, double endToEndSeconds, double endToEndSpeedup,
                      double skipRate, double accuracyChangePp, double planGap, int stolenJobs) {}

    private SimulationReport() {}

    /** One row per scenario of every study; speedups are against the baseline with the same noise. */
    public static List<Row> rows(List<Study.Result> results) {
        List<Row> rows = new ArrayList<>();
        for (Study.Result r : results) {
            for (Map.Entry<String, MoaPipeline.Run> e : r.runs().entrySet()) {
                Study.Scenario s = r.scenarios().get(e.getKey());
                MoaPipeline.Run run = e.getValue();
                MoaPipeline.Run base = r.baselineFor(e.getKey());
                double gap = s.baseline() ? r.baselinePlan().gap() : r.oursPlan().gap();
                rows.add(new Row(r.workload().name(), e.getKey(), run.expertStageSeconds(), ratio(base.expertStageSeconds(), run.expertStageSeconds()),
                        run.aggregatorStageSeconds(), ratio(base.aggregatorStageSeconds(), run.aggregatorStageSeconds()),
                        run.endToEndSeconds(), ratio(base.endToEndSeconds(), run.endToEndSeconds()),
                        s.baseline() ? 0.0 : r.skipRate(), s.baseline() ? 0.0 : r.heldOut().accuracyChangePp(), gap, run.stolenJobs()));
            }
        }
        return rows;
    }

    /**
     * Writes the report into {@code dir} (created if needed), replacing the directory as a whole
     * ({@link AtomicFiles#writeDirectory}): other tools' files in it are kept, subdirectories refused.
     *
     * @param ganttScenario the scenario of ours drawn in the timeline, above the baseline with the
     *                      same noise
     */
    public static void write(Path dir, List<Study.Result> results, Study.Settings settings, String ganttScenario) throws IOException {
        List<Row> rows = rows(results);
        Map<String, String> svgs = new LinkedHashMap<>();
        for (Study.Result r : results) {
            String scenario = r.runs().containsKey(ganttScenario) ? ganttScenario : "mosaic";
            MoaPipeline.Run ours = r.runs().get(scenario);
            MoaPipeline.Run base = r.baselineFor(scenario);
            Map<String, String> colors = new LinkedHashMap<>();
            r.workload().problem().experts().forEach(e -> colors.put(e.id(), Svg.PALETTE.get(colors.size() % Svg.PALETTE.size())));
            svgs.put("timeline-" + r.workload().name() + ".svg", GanttChart.svg(List.of(
                    new GanttChart.Panel(r.workload().name() + " - ours (" + scenario + ")", ours.timeline(), ours.expertStageSeconds()),
                    new GanttChart.Panel(r.workload().name() + " - " + r.baselineMethod() + " baseline", base.timeline(), base.expertStageSeconds())),
                    colors, r.workload().problem().aggregator().id()));
        }
        List<BarChart.Group> stageGroups = new ArrayList<>();
        for (Study.Result r : results) {
            List<BarChart.Bar> bars = new ArrayList<>();
            r.runs().forEach((name, run) -> bars.add(new BarChart.Bar(name, new double[] {run.expertStageSeconds(), run.aggregatorStageSeconds()})));
            stageGroups.add(new BarChart.Group(r.workload().name(), bars));
        }
        svgs.put("stage-times.svg", BarChart.svg("Stage times per workload (Fig. 6)", "s", List.of("expert stage", "aggregator stage"),
                List.of(Svg.EXPERT_STAGE, Svg.AGGREGATOR_STAGE), stageGroups));
        List<BarChart.Group> tokenGroups = new ArrayList<>();
        for (Study.Result r : results) {
            List<BarChart.Bar> bars = new ArrayList<>();
            for (Study.AgreementLevel l : r.agreementLevels()) {
                bars.add(new BarChart.Bar(l.level() + " experts agree (" + l.questions() + " q)", new double[] {l.meanOutTokens()}));
            }
            tokenGroups.add(new BarChart.Group(r.workload().name(), bars));
        }
        svgs.put("output-tokens.svg", BarChart.svg("Mean expert output tokens per question by agreement level (Fig. 7)", "tok",
                List.of("mean output tokens"), List.of(Svg.EXPERT_STAGE), tokenGroups));

        byte[] summary = Json.mapper().writeValueAsBytes(summary(results, settings, rows));
        byte[] page = html(results, settings, rows, svgs).getBytes(StandardCharsets.UTF_8);
        // The directory as a whole: a reader never sees new pictures beside an old summary.json.
        AtomicFiles.writeDirectory(dir, SimulationReport::isReportFile, staging -> {
            for (Map.Entry<String, String> e : svgs.entrySet()) {
                writeAtomically(staging.resolve(e.getKey()), e.getValue().getBytes(StandardCharsets.UTF_8));
            }
            writeAtomically(staging.resolve("summary.json"), summary);
            writeAtomically(staging.resolve("index.html"), page);
        });
    }

    /** Files an earlier report wrote (dropped when the new report lacks them); other files in the directory are kept. */
    static boolean isReportFile(String name) {
        return name.equals("index.html") || name.equals("summary.json") || name.endsWith(".svg");
    }

    /** Every number of the report as plain maps and lists (what summary.json holds). */
    public static Map<String, Object> summary(List<Study.Result> results, Study.Settings settings, List<Row> rows) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("settings", settings);
        root.put("table", rows);
        List<Object> workloads = new ArrayList<>();
        for (Study.Result r : results) {
            Map<String, Object> w = new LinkedHashMap<>();
            w.put("name", r.workload().name());
            w.put("workers", r.workload().problem().workers().size());
            w.put("experts", r.workload().problem().experts().size());
            w.put("prompts", r.workload().problem().prompts().size());
            w.put("jobs", r.workload().problem().jobs().size());
            w.put("options", r.workload().answerModel().options());
            w.put("plans", Map.of("baseline", planSummary(r.baselineMethod(), r.baselinePlan(), r.baselineMakespan()),
                    "ours", planSummary(r.oursMethod(), r.oursPlan(), r.oursMakespan())));
            w.put("calibration", r.calibration());
            w.put("heldOut", r.heldOut());
            w.put("heldOutUnweightedVotes", r.plainHeldOut());
            w.put("skipRate", r.skipRate());
            w.put("agreementLevels", r.agreementLevels());
            w.put("noiseSweep", r.noiseSweep());
            Map<String, Object> runs = new LinkedHashMap<>();
            r.runs().forEach((name, run) -> {
                Map<String, Object> m = new LinkedHashMap<>();
                Study.Scenario s = r.scenarios().get(name);
                m.put("scenario", s);
                m.put("expertStageSeconds", run.expertStageSeconds());
                m.put("aggregatorStageSeconds", run.aggregatorStageSeconds());
                m.put("endToEndSeconds", run.endToEndSeconds());
                m.put("aggregatedPrompts", run.aggregatedPrompts());
                m.put("stolenJobs", run.stolenJobs());
                m.put("aggregatorReplicas", run.aggregatorPlan() == null ? 0
                        : run.aggregatorPlan().placement().values().stream().mapToInt(List::size).sum());
                m.put("workerExpertStageEndSeconds", run.expertStage().workerEndSeconds());
                runs.put(name, m);
            });
            w.put("runs", runs);
            workloads.add(w);
        }
        root.put("workloads", workloads);
        return root;
    }

    private static Map<String, Object> planSummary(String method, Plan plan, double evaluatedMakespan) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", method);
        m.put("makespanSeconds", evaluatedMakespan);
        m.put("lowerBoundSeconds", plan.lowerBoundSeconds());
        m.put("gap", plan.gap());
        m.put("placement", plan.placement());
        m.put("solver", plan.solver());
        return m;
    }

    private static String html(List<Study.Result> results, Study.Settings settings, List<Row> rows, Map<String, String> svgs) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>MOSAIC simulation report</title>\n<style>")
                .append("body{font-family:Helvetica,Arial,sans-serif;margin:24px;max-width:1060px;color:#222}")
                .append("table{border-collapse:collapse;margin:8px 0 18px}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right;font-size:13px}")
                .append("th{background:#eee}td:first-child,td:nth-child(2){text-align:left}figure{margin:10px 0 24px}")
                .append("</style></head><body>\n<h1>MOSAIC simulation report</h1>\n");
        h.append("<p>Discrete-event simulation of both MoA stages. Noise sigma ").append(f(settings.noiseSigma(), 2))
                .append(", calibration split ").append(f(100 * settings.calibrationFraction(), 0)).append("% of prompts, accuracy-loss budget ")
                .append(f(100 * settings.budget(), 2)).append(" pp held with ").append(f(100 * settings.confidence(), 0)).append("% confidence, ").append(settings.confidenceAware() ? "confidence-aware" : "unweighted")
                .append(" agreement. Speedups are against the baseline run with the same noise. The baseline places one replica per expert "
                        + "round-robin, aggregates every prompt, and plans the aggregator stage with the same method (one aggregator replica); "
                        + "ours plans both stages with its planner (the aggregator stage as a derived one-model problem, so it may replicate the "
                        + "aggregator on every worker that fits it) and bypasses the aggregator at the calibrated threshold.</p>\n");
        h.append("<h2>Stage times</h2>\n<table><tr><th>workload</th><th>scenario</th><th>expert s</th><th>&times;</th><th>aggregator s</th><th>&times;</th>")
                .append("<th>end-to-end s</th><th>&times;</th><th>skip %</th><th>accuracy change pp</th><th>plan gap %</th><th>stolen jobs</th></tr>\n");
        for (Row r : rows) {
            h.append("<tr><td>").append(Svg.esc(r.workload())).append("</td><td>").append(Svg.esc(r.scenario())).append("</td><td>")
                    .append(f(r.expertStageSeconds(), 1)).append("</td><td>").append(f(r.expertSpeedup(), 2)).append("</td><td>")
                    .append(f(r.aggregatorStageSeconds(), 1)).append("</td><td>").append(f(r.aggregatorSpeedup(), 2)).append("</td><td>")
                    .append(f(r.endToEndSeconds(), 1)).append("</td><td>").append(f(r.endToEndSpeedup(), 2)).append("</td><td>")
                    .append(f(100 * r.skipRate(), 1)).append("</td><td>").append(String.format(Locale.ROOT, "%+.2f", r.accuracyChangePp()))
                    .append("</td><td>").append(f(100 * r.planGap(), 2)).append("</td><td>").append(r.stolenJobs()).append("</td></tr>\n");
        }
        h.append("</table>\n<figure>").append(svgs.get("stage-times.svg")).append("</figure>\n");
        for (Study.Result r : results) {
            String name = r.workload().name();
            h.append("<h2>").append(Svg.esc(name)).append("</h2>\n<p>")
                    .append(r.workload().problem().workers().size()).append(" workers, ").append(r.workload().problem().experts().size())
                    .append(" experts, ").append(r.workload().problem().prompts().size()).append(" prompts (")
                    .append(r.workload().problem().jobs().size()).append(" expert jobs), ").append(r.workload().answerModel().options())
                    .append(" options. Planned expert-stage makespan: ").append(Svg.esc(r.baselineMethod())).append(" ")
                    .append(f(r.baselineMakespan(), 1)).append(" s, ").append(Svg.esc(r.oursMethod())).append(" ").append(f(r.oursMakespan(), 1))
                    .append(" s (lower bound ").append(f(r.oursPlan().lowerBoundSeconds(), 1)).append(" s, gap ")
                    .append(f(100 * r.oursPlan().gap(), 2)).append("%).</p>\n");
            h.append("<p>Bypass threshold tau = ").append(f(r.calibration().tau(), 3)).append(" calibrated on ").append(r.calibration().prompts())
                    .append(" labelled prompts (accuracy always-aggregate ").append(pct(r.calibration().alwaysAccuracy())).append(", adaptive ")
                    .append(pct(r.calibration().adaptiveAccuracy())).append(", loss ").append(f(100 * r.calibration().loss(), 2))
                    .append(" pp, ").append(f(100 * r.calibration().confidence(), 0)).append("% upper bound ")
                    .append(f(100 * r.calibration().lossUpperBound(), 2)).append(" pp &le; budget ").append(f(100 * r.calibration().budget(), 2))
                    .append(" pp; Learn-then-Test over a threshold grid, exact binomial bound). The earlier empirical rule would choose tau = ")
                    .append(f(r.empiricalCalibration().tau(), 3)).append(" (held-out change ")
                    .append(String.format(Locale.ROOT, "%+.2f", r.empiricalHeldOut().accuracyChangePp())).append(" pp, skip ")
                    .append(pct(r.empiricalHeldOut().skipRate())).append("). Skip rate over all prompts: ")
                    .append(pct(r.skipRate())).append(". With unweighted votes the held-out skip rate would be ")
                    .append(pct(r.plainHeldOut().skipRate())).append(" (accuracy change ")
                    .append(String.format(Locale.ROOT, "%+.2f", r.plainHeldOut().accuracyChangePp())).append(" pp).</p>\n");
            BypassEvaluation ev = r.heldOut();
            h.append("<table><tr><th>held-out category</th><th>prompts</th><th>always-aggregate %</th><th>adaptive %</th><th>change pp</th><th>skip %</th>")
                    .append("<th>loss ").append(f(100 * ev.confidence(), 0)).append("% bound pp</th></tr>\n");
            h.append(evRow("all", ev.prompts(), ev.alwaysAccuracy(), ev.adaptiveAccuracy(), ev.skipRate(), ev.lossUpperBound()));
            ev.perCategory().forEach((c, row) -> h.append(evRow(c, row.prompts(), row.alwaysAccuracy(), row.adaptiveAccuracy(), row.skipRate(),
                    row.lossUpperBound())));
            h.append("</table>\n<p>Majority vote alone: ").append(pct(ev.majorityVoteAccuracy())).append(".</p>\n");
            h.append("<figure>").append(svgs.get("timeline-" + name + ".svg")).append("</figure>\n");
        }
        h.append("<h2>When actual output lengths deviate from the profile</h2>\n<p>Actual lengths are the profiled ones times a lognormal "
                + "factor per model (a systematic profiling error) and one per job, each with mean 1 and the given sigma. The plans stay the "
                + "same (static, made from the profile); work stealing lets an idle worker take queued jobs of experts it also holds. "
                + "Barrier between stages; times are means over " + Study.SWEEP_SEEDS + " noise seeds.</p>\n");
        for (Study.Result r : results) {
            h.append("<table><tr><th>").append(Svg.esc(r.workload().name())).append(" sigma</th><th>baseline expert s</th><th>ours expert s</th>")
                    .append("<th>ours + stealing expert s</th><th>baseline end-to-end s</th><th>ours end-to-end s</th><th>ours + stealing end-to-end s</th>")
                    .append("<th>end-to-end speedup, static</th><th>with stealing</th></tr>\n");
            for (Study.NoisePoint np : r.noiseSweep()) {
                h.append("<tr><td>").append(f(np.sigma(), 2)).append("</td><td>").append(f(np.baselineExpertSeconds(), 1)).append("</td><td>")
                        .append(f(np.oursExpertSeconds(), 1)).append("</td><td>").append(f(np.stealingExpertSeconds(), 1)).append("</td><td>")
                        .append(f(np.baselineEndToEndSeconds(), 1)).append("</td><td>").append(f(np.oursEndToEndSeconds(), 1)).append("</td><td>")
                        .append(f(np.stealingEndToEndSeconds(), 1)).append("</td><td>")
                        .append(f(ratio(np.baselineEndToEndSeconds(), np.oursEndToEndSeconds()), 2)).append("</td><td>")
                        .append(f(ratio(np.baselineEndToEndSeconds(), np.stealingEndToEndSeconds()), 2)).append("</td></tr>\n");
            }
            h.append("</table>\n");
        }
        h.append("<h2>Output length by agreement</h2>\n<figure>").append(svgs.get("output-tokens.svg")).append("</figure>\n");
        h.append("<p>All numbers are in summary.json.</p>\n</body></html>\n");
        return h.toString();
    }

    private static String evRow(String name, int n, double always, double adaptive, double skip, double bound) {
        return "<tr><td>" + Svg.esc(name) + "</td><td>" + n + "</td><td>" + f(100 * always, 2) + "</td><td>" + f(100 * adaptive, 2)
                + "</td><td>" + String.format(Locale.ROOT, "%+.2f", 100 * (adaptive - always)) + "</td><td>" + f(100 * skip, 1) + "</td><td>"
                + f(100 * bound, 2) + "</td></tr>\n";
    }

    private static double ratio(double base, double ours) {
        return ours > 0 ? base / ours : base > 0 ? Double.POSITIVE_INFINITY : 1.0;
    }

    private static String f(double v, int digits) {
        if (Double.isInfinite(v)) {
            return "inf";
        }
        return String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    private static String pct(double v) {
        return f(100 * v, 2) + "%";
    }

    private static void writeAtomically(Path target, byte[] bytes) throws IOException {
        AtomicFiles.write(target, bytes);
    }
}
