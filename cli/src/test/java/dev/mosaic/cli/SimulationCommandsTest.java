package dev.mosaic.cli;

import static dev.mosaic.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mosaic.scheduler.gen.InstanceSpec;
import dev.mosaic.scheduler.plan.PlanIo;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.ProblemIo;
import dev.mosaic.scheduler.workload.Presets;
import dev.mosaic.scheduler.workload.Workload;
import dev.mosaic.scheduler.workload.WorkloadIo;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** simulate and demo through {@link Mosaic#commandLine()}, as a user would run them. */
class SimulationCommandsTest {

    @TempDir
    Path dir;

    @Test
    void demoWritesWorkloadsReportAndPrintsTheTable() throws Exception {
        Path out = dir.resolve("demo");
        CliRun r = run("demo", "--out", out.toString(), "--prompts", "150", "--method", "greedy");
        assertEquals(0, r.exit(), r.err());
        for (String s : new String[] {"mmlu-pro-like", "gpqa-like", "round-robin+noise", "mosaic+noise+steal+overlap", "expert stage",
            "aggregator stage", "end to end", "skipped", "accuracy", "plan gap"}) {
            assertTrue(r.out().contains(s), s + " missing in\n" + r.out());
        }
        for (String f : new String[] {"index.html", "summary.json", "stage-times.svg", "output-tokens.svg", "timeline-gpqa-like.svg",
            "mmlu-pro-like.json", "gpqa-like.json"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertEquals(2, summary.get("workloads").size());
        assertEquals(150, summary.get("workloads").get(0).get("prompts").asInt());
    }

    @Test
    void simulateAWrittenWorkloadWithAPlanFile() throws Exception {
        Workload w = Presets.generate("gpqa-like", InstanceSpec.preset("paper-like").withPrompts(120).withSeed(2));
        Path problem = dir.resolve("gpqa.json");
        WorkloadIo.write(w, problem);
        Path plan = dir.resolve("plan.json");
        CliRun p = run("plan", "--problem", problem.toString(), "--out", plan.toString(), "--method", "greedy");
        assertEquals(0, p.exit(), p.err());
        PlanIo.read(plan);

        Path report = dir.resolve("sim");
        CliRun r = run("simulate", "--problem", problem.toString(), "--plan", plan.toString(), "--method", "greedy", "--noise", "0.5",
                "--steal", "--overlap", "--report", report.toString());
        // --plan and --method are exclusive
        assertEquals(2, r.exit(), r.err());
        r = run("simulate", "--problem", problem.toString(), "--plan", plan.toString(), "--noise", "0.5", "--steal", "--overlap",
                "--report", report.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("mosaic+noise+steal+overlap"), r.out());
        String html = Files.readString(report.resolve("index.html"));
        assertTrue(html.contains("gpqa-like - ours (mosaic+noise+steal+overlap)"), "the headline scenario is drawn");
        assertTrue(html.contains("<svg "));
    }

    @Test
    void simulateAPlainProblemUsesTheDefaultAnswerModel() throws Exception {
        Path problem = dir.resolve("p.json");
        assertEquals(0, run("gen", "--preset", "paper-like", "--prompts", "80", "--out", problem.toString()).exit());
        CliRun r = run("simulate", "--problem", problem.toString(), "--method", "round-robin", "--report", dir.resolve("r").toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("has no answerModel"), r.out());
    }

    @Test
    void badInputExitsWithTwoAndNamesTheProblem() throws Exception {
        Problem p = ProblemIo.read(write("gen", "small.json", "--preset", "tiny"));
        Path noAggregator = dir.resolve("noagg.json");
        ProblemIo.write(new Problem(p.workers(), p.experts(), p.prompts(), null), noAggregator);
        CliRun r = run("simulate", "--problem", noAggregator.toString(), "--report", dir.resolve("x").toString());
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.err().contains("noagg.json: aggregator"), r.err());

        r = run("simulate", "--problem", dir.resolve("missing.json").toString(), "--report", dir.resolve("x").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("missing.json"), r.err());

        r = run("demo", "--out", dir.resolve("d").toString(), "--noise", "-1");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--noise"), r.err());
    }

    private Path write(String cmd, String name, String... args) {
        Path f = dir.resolve(name);
        String[] all = new String[args.length + 3];
        all[0] = cmd;
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--out";
        all[args.length + 2] = f.toString();
        CliRun r = run(all);
        assertEquals(0, r.exit(), r.err());
        return f;
    }
}
