package dev.mosaic.cli;

import dev.mosaic.scheduler.gen.InstanceGenerator;
import dev.mosaic.scheduler.gen.InstanceSpec;
import dev.mosaic.scheduler.Planners;
import dev.mosaic.scheduler.plan.PlanningOptions;
import dev.mosaic.scheduler.plan.PlanningException;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.ProblemValidator;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mosaic compare}: plans one instance with every registered method and compares them.
 *
 * <p>Not thread-safe: picocli creates and fills one instance per command-line run.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Plan one instance (a file, or a generated preset) with round-robin, greedy and the ILP (when available) and compare makespans.")
public final class CompareCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--problem", paramLabel = "P.json", description = "problem JSON; default: generate --preset")
    Path problemFile;

    @Mixin
    InstanceOptions instance;

    @Mixin
    PlannerOptionsMixin solver;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        Problem problem;
        if (problemFile != null) {
            problem = Planning.read(problemFile);
            o.println("problem " + problemFile + ": " + describe(problem));
        } else {
            InstanceSpec s = instance.spec();
            problem = InstanceGenerator.generate(s);
            List<String> errors = ProblemValidator.check(problem);
            if (!errors.isEmpty()) {
                throw new BadInputException("generated instance is not plannable: " + String.join("; ", errors));
            }
            o.println("generated " + instance.preset + " (seed " + s.seed() + "): " + describe(problem));
        }
        o.flush();
        PlanningOptions options = solver.options();
        List<String> failures = new ArrayList<>();
        List<Planning.Result> results = new ArrayList<>();
        for (String m : Planners.methods()) {
            try {
                results.add(Planning.run(m, Planning.planner(m, options), problem));
            } catch (PlanningException e) {
                failures.add(m + ": " + e.getMessage());
            }
        }
        double rr = results.stream().filter(r -> r.method().equals("round-robin")).mapToDouble(Planning.Result::makespan).findFirst().orElse(Double.NaN);
        TextTable t = new TextTable("method", "makespan", "lower bound", "gap", "vs round-robin", "replicas", "solve time");
        for (Planning.Result r : results) {
            int replicas = r.plan().placement().values().stream().mapToInt(List::size).sum();
            t.row(r.method(), TextTable.seconds(r.makespan()), TextTable.seconds(r.plan().lowerBoundSeconds()), TextTable.percent(r.plan().gap()),
                    Planning.speedup(rr, r.makespan()), replicas, String.format(Locale.ROOT, "%.3f s", r.wallSeconds()));
        }
        o.print(t.render());
        for (Planning.Result r : results) {
            Object note = r.plan().solver().get("note");
            if (note != null) {
                o.println("note (" + r.method() + "): " + note);
            }
        }
        failures.forEach(f -> o.println("failed " + f));
        o.flush();
        return results.isEmpty() ? Mosaic.EXIT_BAD_INPUT : 0;
    }

    private static String describe(Problem p) {
        return String.format(Locale.ROOT, "%d workers, %d experts, %d prompts, %d jobs", p.workers().size(), p.experts().size(),
                p.prompts().size(), p.jobs().size());
    }
}
