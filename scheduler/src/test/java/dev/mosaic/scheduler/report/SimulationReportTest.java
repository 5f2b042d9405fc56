package dev.mosaic.scheduler.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mosaic.scheduler.pipeline.MoaPipeline;
import dev.mosaic.scheduler.pipeline.Study;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.Planner;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.sim.TestInstances;
import dev.mosaic.scheduler.workload.Presets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulationReportTest {

    @TempDir
    Path dir;

    static Planner planner(String name, Function<Problem, Plan> f) {
        return new Planner() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Plan plan(Problem problem) {
                return f.apply(problem);
            }
        };
    }

    @Test
    void writesAValidHtmlPageSvgsAndSummary() throws Exception {
        List<Study.Result> results = new ArrayList<>();
        Study.Settings settings = Study.Settings.defaults().withNoiseSigma(0.5);
        for (String preset : Presets.NAMES) {
            results.add(Study.run(Presets.decorate(preset, TestInstances.withAggregator(TestInstances.random(7, 3, 5, 300, 3)), 7),
                    planner("single", TestInstances::singleReplica), planner("lpt", TestInstances::replicatedLpt), settings, s -> {}));
        }
        Path out = dir.resolve("report");
        SimulationReport.write(out, results, settings, "mosaic+noise+steal");

        String html = Files.readString(out.resolve("index.html"));
        assertEquals(Presets.NAMES.size() + 2, count(html, "<svg "), "one timeline per workload, stage bars, output tokens");
        assertTrue(html.contains("mmlu-pro-like - ours (mosaic+noise+steal)"));
        try (var files = Files.list(out)) {
            List<Path> all = files.toList();
            assertTrue(all.stream().noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary files left: " + all);
            assertEquals(Presets.NAMES.size() + 4, all.size(), all.toString());
            for (Path p : all) {
                if (p.toString().endsWith(".svg")) {
                    DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(p.toFile()); // well-formed XML
                }
            }
        }
        Matcher m = Pattern.compile("<svg .*?</svg>", Pattern.DOTALL).matcher(html);
        while (m.find()) {
            DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new java.io.ByteArrayInputStream(m.group().getBytes(StandardCharsets.UTF_8)));
        }

        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertEquals(Presets.NAMES.size(), summary.get("workloads").size());
        for (int i = 0; i < results.size(); i++) {
            JsonNode w = summary.get("workloads").get(i);
            Study.Result r = results.get(i);
            assertEquals(r.workload().name(), w.get("name").asText());
            assertEquals(r.runs().size(), w.get("runs").size());
            for (var e : r.runs().entrySet()) {
                MoaPipeline.Run run = e.getValue();
                JsonNode jr = w.get("runs").get(e.getKey());
                assertEquals(run.endToEndSeconds(), jr.get("endToEndSeconds").asDouble(), 1e-9);
                assertEquals(run.expertStageSeconds(), jr.get("expertStageSeconds").asDouble(), 1e-9);
                assertEquals(run.aggregatedPrompts(), jr.get("aggregatedPrompts").asInt());
            }
            assertEquals(r.heldOut().adaptiveAccuracy(), w.get("heldOut").get("adaptiveAccuracy").asDouble(), 1e-12);
            assertEquals(r.calibration().tau(), w.get("calibration").get("tau").asDouble(), 1e-12);
            assertTrue(w.get("agreementLevels").size() >= 2);
            assertEquals(Study.SWEEP.size(), w.get("noiseSweep").size());
            assertEquals(r.runs().get("mosaic").endToEndSeconds(), w.get("noiseSweep").get(0).get("oursEndToEndSeconds").asDouble(), 1e-9,
                    "the sweep's noiseless point is the plain run");
        }
        assertEquals(results.size() * Study.scenarios(settings).size(), summary.get("table").size());
    }

    @Test
    void ganttMergesOverlappingJobsIntoBusyIntervals() {
        List<double[]> merged = GanttChart.merge(List.of(new double[] {5, 7}, new double[] {0, 2}, new double[] {1, 3}, new double[] {7, 8}));
        assertEquals(2, merged.size());
        assertEquals(0, merged.get(0)[0]);
        assertEquals(3, merged.get(0)[1]);
        assertEquals(5, merged.get(1)[0]);
        assertEquals(8, merged.get(1)[1]);
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
