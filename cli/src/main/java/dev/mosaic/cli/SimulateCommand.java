package dev.mosaic.cli;

import dev.mosaic.scheduler.baseline.RoundRobinPlanner;
import dev.mosaic.scheduler.pipeline.Study;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.PlanEvaluator;
import dev.mosaic.scheduler.plan.PlanFormatException;
import dev.mosaic.scheduler.plan.PlanIo;
import dev.mosaic.scheduler.plan.Planner;
import dev.mosaic.scheduler.plan.PlanningException;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.ProblemValidationException;
import dev.mosaic.scheduler.report.ProgressBar;
import dev.mosaic.scheduler.workload.Workload;
import dev.mosaic.scheduler.workload.WorkloadIo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mosaic simulate}: both MoA stages of a problem in simulation, ours against round-robin, with a report.
 *
 * <p>Not thread-safe: picocli creates and fills one instance per command-line run.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {"Simulate both MoA stages (experts, then the aggregator with calibrated bypass) of a problem, ours against the round-robin baseline, and write an HTML report with summary.json.",
            "The problem may carry an 'answerModel' (written by 'mosaic demo'); without one the mmlu-pro-like answer model is used."})
public final class SimulateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--problem", required = true, paramLabel = "P.json", description = "problem JSON (with an aggregator profile)")
    Path problemFile;

    static final class PlanChoice {
        @Option(names = "--plan", paramLabel = "plan.json", description = "expert-stage plan to simulate (the aggregator stage is planned with --method's default)")
        Path plan;

        @Option(names = "--method", paramLabel = "METHOD", description = "planner for both stages; default: ilp when available, else greedy")
        String method;
    }

    @ArgGroup(exclusive = true)
    PlanChoice choice = new PlanChoice();

    @Option(names = "--noise", paramLabel = "S", defaultValue = "0", description = "lognormal sigma of actual vs profiled output lengths; runs are made without and with it; default: ${DEFAULT-VALUE}")
    double noise;

    @Option(names = "--steal", description = "headline runs use work stealing between replicas (the report always shows both)")
    boolean steal;

    @Option(names = "--overlap", description = "headline runs start aggregation when a prompt's last expert finishes (the report always shows both)")
    boolean overlap;

    @Option(names = "--report", required = true, paramLabel = "DIR", description = "directory for index.html, summary.json and the pictures")
    Path report;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the noise and the calibration split; default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--budget", paramLabel = "PP", defaultValue = "0.1", description = "accuracy loss allowed by the bypass calibration, in percentage points; default: ${DEFAULT-VALUE}")
    double budgetPp;

    @Mixin
    PlannerOptionsMixin solver;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        if (!(noise >= 0) || Double.isInfinite(noise)) {
            throw new BadInputException("--noise must be a finite number >= 0, got " + noise);
        }
        if (!(budgetPp >= 0 && budgetPp <= 100)) {
            throw new BadInputException("--budget must be in [0, 100] percentage points, got " + budgetPp);
        }
        WorkloadIo.Loaded loaded = read();
        Workload workload = loaded.workload();
        if (loaded.note() != null) {
            o.println("note: " + loaded.note());
        }
        Problem problem = workload.problem();
        String method = choice.method != null ? choice.method : Planning.defaultMethod();
        Planner stage2 = Planning.planner(method, solver.options());
        Planner ours = stage2;
        if (choice.plan != null) {
            Plan fixed;
            try {
                fixed = PlanIo.read(choice.plan);
            } catch (PlanFormatException e) {
                throw new BadInputException(e.getMessage(), e);
            }
            PlanEvaluator.Evaluation ev = PlanEvaluator.evaluate(problem, fixed);
            if (!ev.valid()) {
                throw new BadInputException(choice.plan + ": plan does not fit " + problemFile + ": "
                        + String.join("; ", ev.violations().subList(0, Math.min(5, ev.violations().size()))));
            }
            ours = new FixedPlanner("plan file", fixed, problem, stage2);
        }
        Study.Settings settings = new Study.Settings(noise, seed, 0.3, budgetPp / 100, true);
        ProgressBar bar = SimulationRun.progressBar(SimulationRun.progressSteps(settings));
        Study.Result result;
        try {
            result = Study.run(workload, new RoundRobinPlanner(), ours, settings, bar);
        } catch (PlanningException e) {
            throw new BadInputException(problemFile + ": " + e.getMessage(), e);
        } finally {
            bar.done();
        }
        o.print(SimulationRun.table(List.of(result)));
        if (!dev.mosaic.scheduler.Planners.exists("ilp") && choice.method == null && choice.plan == null) {
            o.println("note: the ilp planner is not registered in this build; ours = greedy");
        }
        SimulationRun.writeReport(report, List.of(result), settings, SimulationRun.headline(noise, steal, overlap), o);
        o.flush();
        return 0;
    }

    private WorkloadIo.Loaded read() {
        HeapBudget.checkProblemFile(problemFile);
        try {
            return WorkloadIo.read(problemFile);
        } catch (IllegalArgumentException | ProblemValidationException e) {
            throw new BadInputException(e.getMessage(), e);
        }
    }

    /** Uses a given plan for the problem it was made for, and another planner for anything else (stage 2). */
    private record FixedPlanner(String name, Plan plan, Problem forProblem, Planner others) implements Planner {
        @Override
        public Plan plan(Problem problem) {
            return problem == forProblem ? plan : others.plan(problem);
        }
    }
}
