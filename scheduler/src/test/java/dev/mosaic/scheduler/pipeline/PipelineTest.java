package dev.mosaic.scheduler.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.Planner;
import dev.mosaic.scheduler.problem.JobTable;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.sim.TestInstances;
import dev.mosaic.scheduler.execution.Timeline;
import dev.mosaic.scheduler.workload.Presets;
import dev.mosaic.scheduler.workload.Workload;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PipelineTest {

    /** Test-code planners: one replica per expert, and replicate-everywhere LPT. */
    static final Planner SINGLE = named("single", TestInstances::singleReplica);
    static final Planner LPT = named("lpt", TestInstances::replicatedLpt);

    static Planner named(String name, java.util.function.Function<Problem, Plan> f) {
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

    static Workload workload(String preset, long seed, int prompts) {
        return Presets.decorate(preset, TestInstances.withAggregator(TestInstances.random(seed, 4, 6, prompts, 3)), seed);
    }

    @Test
    void aggregationStartsOnlyWhenItsInputsExist() {
        Workload w = workload("mmlu-pro-like", 3, 400);
        Problem p = w.problem();
        boolean[] all = new boolean[p.prompts().size()];
        java.util.Arrays.fill(all, true);
        all[0] = false;
        Plan plan = LPT.plan(p);
        JobTable jobs = p.jobs();
        for (boolean overlap : new boolean[] {false, true}) {
            MoaPipeline.Run r = MoaPipeline.run(p, plan, all, w.aggregatorOutTokens(), LPT, new MoaPipeline.Config(0.4, 9, true, overlap));
            assertEquals(p.prompts().size() - 1, r.aggregatedPrompts());
            double[] last = new double[p.prompts().size()];
            for (int j = 0; j < jobs.size(); j++) {
                last[jobs.prompt()[j]] = Math.max(last[jobs.prompt()[j]], r.expertStage().jobEndSeconds()[j]);
            }
            int aggJobs = 0;
            for (Timeline.Span s : r.timeline().spans()) {
                if (s.stage() == Timeline.Stage.AGGREGATOR && s.kind() == Timeline.Kind.JOB) {
                    int q = Integer.parseInt(s.prompt().substring(1));
                    assertTrue(q != 0, "a bypassed prompt was aggregated");
                    double ready = overlap ? last[q] : r.expertStageSeconds();
                    assertTrue(s.startSeconds() >= ready - 1e-9, "aggregation of " + s.prompt() + " before its inputs");
                    aggJobs++;
                }
            }
            assertEquals(p.prompts().size() - 1, aggJobs);
            assertEquals(r.endToEndSeconds(), r.timeline().endSeconds(), 1e-9);
        }
    }

    @Test
    void studyComparesBaselineAndOursOnBothPresets() {
        List<Study.Result> results = new ArrayList<>();
        for (String preset : Presets.NAMES) {
            // 240 labelled prompts certify a few pp at 95% (see Study.DEFAULT_BUDGET): give the bypass a budget they can certify
            Study.Settings settings = new Study.Settings(0.3, 1, 0.3, 0.05, true);
            Study.Result r = Study.run(workload(preset, 5, 800), SINGLE, LPT, settings, s -> {});
            results.add(r);
            assertEquals(Study.scenarios(Study.Settings.defaults()).size(), r.runs().size());
            MoaPipeline.Run base = r.runs().get("round-robin");
            MoaPipeline.Run ours = r.runs().get("mosaic");
            assertEquals(r.workload().problem().prompts().size(), base.aggregatedPrompts(), "the baseline aggregates everything");
            assertTrue(ours.aggregatedPrompts() < base.aggregatedPrompts(), "calibrated bypass skips something");
            assertTrue(r.calibration().lossUpperBound() <= settings.budget(), "the chosen threshold's bound is within budget");
            assertTrue(ours.expertStageSeconds() < base.expertStageSeconds());
            assertTrue(ours.aggregatorStageSeconds() < base.aggregatorStageSeconds());
            assertNotNull(r.baselineFor("mosaic+noise+steal"));
        }
    }
}
