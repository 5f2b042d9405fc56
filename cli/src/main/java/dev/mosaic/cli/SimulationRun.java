package dev.mosaic.cli;

import dev.mosaic.scheduler.pipeline.Study;
import dev.mosaic.scheduler.report.ProgressBar;
import dev.mosaic.scheduler.report.SimulationReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Shared steps of simulate and demo: the headline table and writing the report. */
final class SimulationRun {

    private SimulationRun() {}

    /** The scenario name for the options (e.g. {@code mosaic+noise+steal}). */
    static String headline(double noise, boolean steal, boolean overlap) {
        return "mosaic" + (noise > 0 ? "+noise" : "") + (steal ? "+steal" : "") + (overlap ? "+overlap" : "");
    }

    /** Steps one {@link Study#run} reports to its progress callback. */
    static int progressSteps(Study.Settings settings) {
        return 4 + Study.scenarios(settings).size();
    }

    static ProgressBar progressBar(int steps) {
        return ProgressBar.onTerminal(steps);
    }

    /** Expert-stage, aggregator-stage and end-to-end times and speedups, skip rate, accuracy change, plan gap. */
    static String table(List<Study.Result> results) {
        TextTable t = new TextTable("workload", "scenario", "expert stage", "x", "aggregator stage", "x", "end to end", "x",
                "skipped", "accuracy", "plan gap", "stolen jobs");
        for (SimulationReport.Row r : SimulationReport.rows(results)) {
            t.row(r.workload(), r.scenario(), TextTable.seconds(r.expertStageSeconds()), times(r.expertSpeedup(), "n/a"),
                    TextTable.seconds(r.aggregatorStageSeconds()), times(r.aggregatorSpeedup(), "all skipped"), TextTable.seconds(r.endToEndSeconds()),
                    times(r.endToEndSpeedup(), "n/a"), String.format(Locale.ROOT, "%.1f%%", 100 * r.skipRate()),
                    String.format(Locale.ROOT, "%+.2f pp", r.accuracyChangePp()), TextTable.percent(r.planGap()), r.stolenJobs());
        }
        return t.render();
    }

    /** A speedup, or {@code whenInfinite} when ours took no time at all. */
    private static String times(double ratio, String whenInfinite) {
        return Double.isInfinite(ratio) || Double.isNaN(ratio) ? whenInfinite : TextTable.times(ratio);
    }

    static void writeReport(Path dir, List<Study.Result> results, Study.Settings settings, String headline, PrintWriter out) {
        try {
            SimulationReport.write(dir, results, settings, headline);
        } catch (IOException e) {
            throw new BadInputException(dir + ": cannot write the report: " + e.getMessage(), e);
        }
        out.println("report: " + dir.resolve("index.html") + " (pictures inline; numbers in " + dir.resolve("summary.json") + ")");
    }
}
