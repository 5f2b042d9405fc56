package dev.mosaic.moa.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mosaic.moa.config.MoaConfig;
import dev.mosaic.moa.remote.OpenAiWorker;
import dev.mosaic.moa.worker.ComputeWorker;
import dev.mosaic.scheduler.problem.Expert;
import dev.mosaic.scheduler.problem.PlacementRules.Pair;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.Prompt;
import dev.mosaic.scheduler.problem.Worker;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 8: what an openai worker's {@code serves} and {@code manage} tell the planner. */
class RemotePlacementFactsTest {

    private static OpenAiWorker openai(String id, Map<String, String> serves, boolean manage) {
        // no request is sent: the constructor only builds the client
        return new OpenAiWorker(new MoaConfig.WorkerSpec(id, "openai", 1, 4, 1 << 20,
                new MoaConfig.Remote("http://127.0.0.1:9/v1", null, serves, manage, 1, 5, 0)), null);
    }

    @Test
    void servedExpertsAreLoadedThereAndAFixedServerIsForbiddenTheRest() {
        Problem p = new Problem(
                List.of(new Worker("c0", 8, 1), new Worker("fixed", 8, 1), new Worker("managed", 8, 1)),
                List.of(new Expert("e1", 1, 3, 1e-3, 1e-2, 1e-2), new Expert("e2", 1, 3, 1e-3, 1e-2, 1e-2),
                        new Expert("e3", 1, 3, 1e-3, 1e-2, 1e-2)),
                List.of(new Prompt("p0", 10, Map.of("e1", 1.0, "e2", 1.0, "e3", 1.0))));
        List<ComputeWorker> workers = List.of(openai("fixed", Map.of("e1", "m1", "e2", "m2"), false),
                openai("managed", Map.of("e3", "m3"), true));
        Problem c = MoaRun.constrain(p, workers);

        assertEquals(List.of(new Pair("fixed", "e3")), c.placement().forbidden());
        assertEquals(List.of(new Pair("fixed", "e1"), new Pair("fixed", "e2"), new Pair("managed", "e3")),
                c.placement().loaded());
        assertEquals(List.of(), c.placement().pinned());
        // a served replica costs no load time where it is served, the full time elsewhere
        int fixed = 1, managed = 2, c0 = 0;
        assertEquals(0, c.loadSeconds(fixed, 0));
        assertEquals(0, c.loadSeconds(managed, 2));
        assertEquals(3, c.loadSeconds(c0, 0));
        assertEquals(3, c.loadSeconds(managed, 0));
    }
}
