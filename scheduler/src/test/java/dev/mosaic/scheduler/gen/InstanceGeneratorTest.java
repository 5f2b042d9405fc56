package dev.mosaic.scheduler.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.scheduler.problem.Expert;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.ProblemIo;
import dev.mosaic.scheduler.problem.ProblemValidator;
import dev.mosaic.scheduler.problem.Prompt;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InstanceGeneratorTest {

    @Test
    void sameSeedSameInstanceOtherSeedOther() {
        InstanceSpec spec = InstanceSpec.preset("paper-like");
        assertEquals(ProblemIo.toJson(InstanceGenerator.generate(spec)), ProblemIo.toJson(InstanceGenerator.generate(spec)));
        assertNotEquals(InstanceGenerator.generate(spec).prompts(), InstanceGenerator.generate(spec.withSeed(2)).prompts());
    }

    @Test
    void paperLikeHasThePapersShape() {
        Problem p = ProblemValidator.validate(InstanceGenerator.generate(InstanceSpec.preset("paper-like")));
        assertEquals(4, p.workers().size());
        assertTrue(p.workers().stream().allMatch(w -> w.memoryGiB() == 80.0 && w.speed() == 1.0));
        assertEquals(6, p.experts().size());
        assertEquals(1000, p.prompts().size());
        assertTrue(p.prompts().stream().allMatch(q -> q.route().size() == 3));
        assertNotNull(p.aggregator());

        // two long-reasoning experts: thousands of tokens; the instruct ones: hundreds
        Map<String, double[]> out = new HashMap<>();
        for (Prompt q : p.prompts()) {
            q.route().forEach((e, t) -> {
                double[] s = out.computeIfAbsent(e, k -> new double[2]);
                s[0] += t;
                s[1]++;
            });
        }
        int reasoning = 0;
        for (Expert e : p.experts()) {
            double mean = out.get(e.id())[0] / out.get(e.id())[1];
            if (mean > 1500) {
                reasoning++;
                assertTrue(mean < 10_000, e.id() + " " + mean);
            } else {
                assertTrue(mean > 100 && mean < 1000, e.id() + " " + mean);
            }
        }
        assertEquals(2, reasoning);

        // skewed routing: the two reasoning experts get well over their uniform share (2/6) of the jobs
        double reasoningJobs = out.get("r1-distill-qwen-7b")[1] + out.get("r1-distill-llama-8b")[1];
        assertTrue(reasoningJobs / 3000 > 0.45, "reasoning share " + reasoningJobs / 3000);
    }

    @Test
    void sizeKnobsWork() {
        Problem p = InstanceGenerator.generate(InstanceSpec.preset("paper-like").withWorkers(8).withExperts(16).withPrompts(2000));
        ProblemValidator.validate(p);
        assertEquals(8, p.workers().size());
        assertEquals(16, p.experts().size());
        assertEquals(2000, p.prompts().size());
        assertEquals(16, Arrays.stream(p.experts().stream().map(Expert::id).toArray()).distinct().count());
        Problem large = InstanceGenerator.generate(InstanceSpec.preset("large").withPrompts(100));
        ProblemValidator.validate(large);
        assertEquals(32, large.experts().size());
    }

    @Test
    void aggregatorOnlyWhenItFits() {
        assertEquals(null, InstanceGenerator.generate(InstanceSpec.preset("tiny")).aggregator());
        ProblemValidator.validate(InstanceGenerator.generate(InstanceSpec.preset("tiny")));
    }

    @Test
    void badSpecsAreRejected() {
        assertEquals("expertsPerPrompt: must be between 1 and experts (2), got 3",
                assertThrows(IllegalArgumentException.class, () -> InstanceSpec.preset("paper-like").withExperts(2)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> InstanceSpec.preset("nope")).getMessage().contains("paper-like"));
    }
}
