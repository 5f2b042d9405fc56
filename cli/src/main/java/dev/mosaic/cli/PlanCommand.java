package dev.mosaic.cli;

import dev.mosaic.scheduler.plan.PlanIo;
import dev.mosaic.scheduler.plan.PlanningException;
import dev.mosaic.scheduler.problem.Problem;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mosaic plan}: plans a problem file and writes the plan JSON atomically.
 *
 * <p>Not thread-safe: picocli creates and fills one instance per command-line run.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Plan a problem: place expert replicas on workers and assign every (prompt, expert) job; print per-worker loads and the gap.")
public final class PlanCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--problem", required = true, paramLabel = "P.json", description = "problem JSON")
    Path problemFile;

    @Option(names = "--out", required = true, paramLabel = "plan.json", description = "where to write the plan (atomically)")
    Path out;

    @Option(names = "--method", paramLabel = "METHOD", description = "ilp, greedy or round-robin; default: ilp when available, else greedy")
    String method;

    @Mixin
    PlannerOptionsMixin solver;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        Problem problem = Planning.read(problemFile);
        String m = method != null ? method : Planning.defaultMethod();
        Planning.Result r;
        try {
            r = Planning.run(m, Planning.planner(m, solver.options()), problem);
        } catch (PlanningException e) {
            throw new BadInputException(problemFile + ": " + e.getMessage(), e);
        }
        try {
            PlanIo.write(r.plan(), out);
        } catch (IOException e) {
            throw new BadInputException(out + ": cannot write plan: " + e.getMessage(), e);
        }
        double rr = Planning.roundRobinMakespan(problem);

        int nw = problem.workers().size();
        int[] jobs = new int[nw];
        for (int w : r.evaluation().jobWorker()) {
            jobs[w]++;
        }
        TextTable workers = new TextTable("worker", "jobs", "load", "busy", "replicas");
        for (int w = 0; w < nw; w++) {
            String id = problem.workers().get(w).id();
            double load = r.evaluation().workerLoadSeconds()[w];
            List<String> replicas = r.plan().placement().getOrDefault(id, List.of());
            workers.row(id, jobs[w], TextTable.seconds(load), TextTable.percent(r.makespan() > 0 ? load / r.makespan() : 0),
                    String.join(", ", replicas));
        }
        o.print(workers.render());
        o.println();
        TextTable summary = new TextTable("method", "makespan", "lower bound", "gap", "vs round-robin", "solve time");
        summary.row(m, TextTable.seconds(r.makespan()), TextTable.seconds(r.plan().lowerBoundSeconds()), TextTable.percent(r.plan().gap()),
                Planning.speedup(rr, r.makespan()), String.format(java.util.Locale.ROOT, "%.3f s", r.wallSeconds()));
        o.print(summary.render());
        Object note = r.plan().solver().get("note");
        if (note != null) {
            o.println("note: " + note);
        }
        o.println("wrote " + out + " (" + r.plan().assignment().size() + " assignments)");
        o.flush();
        return 0;
    }

}
