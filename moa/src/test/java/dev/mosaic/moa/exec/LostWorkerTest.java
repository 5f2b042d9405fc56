package dev.mosaic.moa.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.buffer.TokenBufferPool;
import dev.mosaic.inference.model.SyntheticModel;
import dev.mosaic.inference.tensor.GgmlType;
import dev.mosaic.moa.config.MoaConfig;
import dev.mosaic.moa.remote.OpenAiWorker;
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
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker that is down from the start (an openai worker on a closed 127.0.0.1 port) is marked
 * lost, and its expert, which no survivor holds, gets a new replica on the survivor: every job
 * finishes there, once.
 */
@Timeout(120)
class LostWorkerTest {
    @TempDir
    Path dir;

    @Test
    void aLostWorkersOnlyExpertIsReopenedOnASurvivor() throws Exception {
        Path m1 = SyntheticModel.writeGguf(SyntheticModel.tiny("llama", false), GgmlType.F32, 1, dir.resolve("m1.gguf"));
        Path m2 = SyntheticModel.writeGguf(SyntheticModel.tiny("llama", false), GgmlType.F32, 2, dir.resolve("m2.gguf"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        MoaConfig.WorkerSpec dead = new MoaConfig.WorkerSpec("r0", "openai", 1, 1, 4L << 20, new MoaConfig.Remote(
                "http://127.0.0.1:" + port + "/v1", null, Map.of("e1", "m1"), false, 2, 5, 1));
        MoaConfig.WorkerSpec cpu = new MoaConfig.WorkerSpec("c0", "cpu", 1, 1, 4L << 20);
        Map<String, MoaConfig.ModelSpec> models = Map.of("e1", new MoaConfig.ModelSpec("e1", m1, 4),
                "e2", new MoaConfig.ModelSpec("e2", m2, 4));
        List<Prompt> prompts = new ArrayList<>();
        List<Assignment> assignment = new ArrayList<>();
        List<JobRequest> requests = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Map<String, Double> route = new LinkedHashMap<>();
            route.put("e1", 4.0);
            route.put("e2", 4.0);
            prompts.add(new Prompt("q" + i, 6, route));
            assignment.add(new Assignment("q" + i, "e1", "r0"));
            assignment.add(new Assignment("q" + i, "e2", "c0"));
            requests.add(JobRequest.user("question " + i, 4));
            requests.add(JobRequest.user("question " + i, 4));
        }
        Expert e1 = new Expert("e1", 0.01, 0.1, 1e-3, 1e-3, 2e-3);
        Expert e2 = new Expert("e2", 0.01, 0.1, 1e-3, 1e-3, 2e-3);
        Problem problem = new Problem(List.of(new Worker("r0", 1, 1), new Worker("c0", 1, 1)), List.of(e1, e2), prompts);
        Map<String, List<String>> placement = new LinkedHashMap<>();
        placement.put("r0", List.of("e1"));
        placement.put("c0", List.of("e2"));
        Plan plan = new Plan(placement, assignment, 1, 0, 0, Map.of("method", "hand"));
        Map<Integer, Integer> finished = new ConcurrentHashMap<>();
        try (SharedModels shared = new SharedModels(); TokenBufferPool outputs = new TokenBufferPool();
             ComputeWorker r0 = new OpenAiWorker(dead, shared); ComputeWorker c0 = new CpuWorker(cpu, shared, outputs, 4)) {
            PlanExecutor ex = new PlanExecutor(problem, plan, Timeline.Stage.EXPERT, List.of(r0, c0), models, requests, true,
                    (job, worker, out) -> {
                        try (out) {
                            assertEquals(4, out.tokens());
                            assertTrue(finished.put(job, worker) == null, "job " + job + " finished twice");
                        }
                    });
            StageResult r = ex.execute(StageExecutor.JobListener.NONE);
            assertEquals(10, finished.size());
            for (int j = 0; j < 10; j++) {
                assertEquals(1, r.jobWorker()[j], "job " + j + " ran on the survivor");
            }
            assertEquals(1, ex.lostWorkers().size());
            assertEquals("r0", ex.lostWorkers().get(0).id());
            assertTrue(ex.lostWorkers().get(0).reason().contains("cannot reach"), ex.lostWorkers().get(0).reason());
            assertTrue(r.timeline().spans().stream().anyMatch(s -> s.kind() == Timeline.Kind.LOAD && s.worker().equals("c0")
                    && s.model().equals("e1")), "e1 was opened on c0");
            assertEquals(0, outputs.buffersInUse());
        }
    }
}
