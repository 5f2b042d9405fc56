package dev.mosaic.moa.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.buffer.TokenBufferPool;
import dev.mosaic.inference.model.SyntheticModel;
import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.moa.config.MoaConfig;
import dev.mosaic.moa.worker.ComputeWorker;
import dev.mosaic.moa.worker.CpuWorker;
import dev.mosaic.moa.worker.JobRequest;
import dev.mosaic.moa.worker.SharedModels;
import dev.mosaic.scheduler.execution.StageExecutor;
import dev.mosaic.scheduler.execution.StageResult;
import dev.mosaic.scheduler.execution.Timeline;
import dev.mosaic.scheduler.plan.Assignment;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.problem.Expert;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.Prompt;
import dev.mosaic.scheduler.problem.Worker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each replica's batch slots are its own: when a worker's first expert has all its jobs running,
 * its next expert starts at once on its own engine instead of waiting for a slot of the first.
 */
@Timeout(120)
class ReplicaSlotsTest {
    @TempDir
    Path dir;

    @Test
    void theNextExpertFillsItsOwnBatchWhileThePreviousOnesLastJobsRun() throws Exception {
        Path m1 = SyntheticModel.writeGguf(SyntheticModel.tiny("llama", false), GgmlType.F32, 1, dir.resolve("long.gguf"));
        Path m2 = SyntheticModel.writeGguf(SyntheticModel.tiny("llama", false), GgmlType.F32, 2, dir.resolve("short.gguf"));
        MoaConfig.WorkerSpec cpu = new MoaConfig.WorkerSpec("c0", "cpu", 1, 1, 4L << 20);
        Map<String, MoaConfig.ModelSpec> models = Map.of("long", new MoaConfig.ModelSpec("long", m1, 200),
                "short", new MoaConfig.ModelSpec("short", m2, 4));
        List<Prompt> prompts = new ArrayList<>();
        List<Assignment> assignment = new ArrayList<>();
        List<JobRequest> requests = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Map<String, Double> route = new LinkedHashMap<>();
            if (i < 2) {
                route.put("long", 200.0);
                assignment.add(new Assignment("q" + i, "long", "c0"));
                requests.add(JobRequest.user("question " + i, 200));
            }
            route.put("short", 4.0);
            assignment.add(new Assignment("q" + i, "short", "c0"));
            requests.add(JobRequest.user("question " + i, 4));
            prompts.add(new Prompt("q" + i, 6, route));
        }
        Expert longOne = new Expert("long", 0.01, 0.1, 1e-3, 1e-3, 2e-3);
        Expert shortOne = new Expert("short", 0.01, 0.1, 1e-3, 1e-3, 2e-3);
        Problem problem = new Problem(List.of(new Worker("c0", 1, 1)), List.of(longOne, shortOne), prompts);
        Plan plan = new Plan(Map.of("c0", List.of("long", "short")), assignment, 1, 0, 0, Map.of("method", "hand"));
        try (SharedModels shared = new SharedModels(); TokenBufferPool outputs = new TokenBufferPool();
             ComputeWorker c0 = new CpuWorker(cpu, shared, outputs, 2)) {
            PlanExecutor ex = new PlanExecutor(problem, plan, Timeline.Stage.EXPERT, List.of(c0), models, requests, false,
                    (job, worker, out) -> out.close());
            StageResult r = ex.execute(StageExecutor.JobListener.NONE);
            List<Timeline.Span> jobs = r.timeline().spans().stream().filter(s -> s.kind() == Timeline.Kind.JOB).toList();
            assertEquals(6, jobs.size());
            double firstLongEnd = jobs.stream().filter(s -> s.model().equals("long")).mapToDouble(Timeline.Span::endSeconds).min()
                    .orElseThrow();
            long shortStartedEarly = jobs.stream().filter(s -> s.model().equals("short") && s.startSeconds() < firstLongEnd).count();
            // Both long jobs fill the long replica's batch of 2; the short replica's 2 slots are its
            // own (counted per worker, no short job could start before a long one ended).
            assertTrue(shortStartedEarly >= 2, "short jobs started before the first long job ended: " + jobs);
            for (String model : List.of("long", "short")) {
                List<Timeline.Span> mine = jobs.stream().filter(s -> s.model().equals(model)).toList();
                for (Timeline.Span a : mine) {
                    long atOnce = mine.stream().filter(b -> b.startSeconds() <= a.startSeconds() && b.endSeconds() > a.startSeconds()).count();
                    assertTrue(atOnce <= 2, model + ": at most its batch of 2 in flight, got " + atOnce + ": " + mine);
                }
            }
            assertEquals(0, outputs.buffersInUse());
        }
    }
}
