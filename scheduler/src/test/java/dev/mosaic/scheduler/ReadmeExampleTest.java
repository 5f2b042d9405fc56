package dev.mosaic.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.scheduler.ilp.PlacementIlp;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.PlanEvaluator;
import dev.mosaic.scheduler.plan.PlanIo;
import dev.mosaic.scheduler.plan.Planner;
import dev.mosaic.scheduler.plan.PlanningOptions;
import dev.mosaic.scheduler.plan.SolverInfo;
import dev.mosaic.scheduler.problem.Expert;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.Prompt;
import dev.mosaic.scheduler.problem.Worker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's "Use as a library" scheduler example, verbatim between the markers, so it keeps compiling and working. */
class ReadmeExampleTest {

    @TempDir
    Path dir;

    @Test
    void schedulerExample() throws Exception {
        Path out = dir.resolve("plan.json");
        // README example start
        List<Worker> workers = List.of(new Worker("gpu0", 80, 1.0), new Worker("gpu1", 80, 1.0));
        List<Expert> experts = List.of(
                new Expert("r1-distill-7b", 15.2, 20, 0.00008, 0.004, 0.02),
                new Expert("qwen2.5-7b", 15.2, 20, 0.00008, 0.002, 0.01));
        List<Prompt> prompts = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            prompts.add(new Prompt("q" + i, 300, Map.of("r1-distill-7b", 3000.0, "qwen2.5-7b", 400.0)));
        }
        Problem problem = new Problem(workers, experts, prompts);   // or ProblemIo.read(path)

        Planner planner = new PlacementIlp(PlanningOptions.defaults().withTimeLimitSeconds(5).withThreads(2));
        Plan plan = planner.plan(problem);          // validates first: ProblemValidationException lists every problem
        SolverInfo solver = plan.solver();
        System.out.printf("makespan %.1f s, proven >= %.1f s (gap %.2f%%), %s, HiGHS threads %d of %d%n",
                plan.makespanSeconds(), plan.lowerBoundSeconds(), 100 * plan.gap(), solver.status(),
                solver.threadsUsed(), solver.threadsRequested());
        PlanEvaluator.evaluate(problem, plan).requireValid();   // the independent checker
        PlanIo.write(plan, out);                                 // atomic: temporary file, then move
        // README example end
        assertEquals(plan.placement(), PlanIo.read(out).placement());
        assertTrue(plan.gap() <= 0.01 || solver.status() == SolverInfo.Status.LIMIT_REACHED, solver.toString());
        // Skewed work (the reasoning expert does ~90% of it): the ILP beats one replica per expert.
        double roundRobin = Planners.create("round-robin", PlanningOptions.defaults()).plan(problem).makespanSeconds();
        assertTrue(plan.makespanSeconds() < 0.8 * roundRobin, plan.makespanSeconds() + " vs round-robin " + roundRobin);
    }
}
