package dev.mosaic.cli;

import dev.mosaic.scheduler.baseline.RoundRobinPlanner;
import dev.mosaic.scheduler.gen.InstanceSpec;
import dev.mosaic.scheduler.pipeline.Study;
import dev.mosaic.scheduler.plan.Planner;
import dev.mosaic.scheduler.Planners;
import dev.mosaic.scheduler.plan.PlanningException;
import dev.mosaic.scheduler.problem.ProblemValidator;
import dev.mosaic.scheduler.report.ProgressBar;
import dev.mosaic.scheduler.workload.Presets;
import dev.mosaic.scheduler.workload.Workload;
import dev.mosaic.scheduler.workload.WorkloadIo;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mosaic demo}: the whole story on the CPU. Generates the two preset workloads, plans them
 * with round-robin and MOSAIC, simulates both stages without and with noise (and with work
 * stealing and overlapped stages), writes the report and prints the comparison table.
 *
 * <p>Not thread-safe: picocli creates and fills one instance per command-line run.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Generate the mmlu-pro-like and gpqa-like workloads (paper-like: 4 x 80 GiB workers, 6 experts, 1000 prompts),",
            "plan them with round-robin and MOSAIC, simulate both MoA stages without and with noise, print the table and write the report."})
public final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--out", defaultValue = "out/demo", paramLabel = "DIR", description = "report directory; default: ${DEFAULT-VALUE}")
    Path out;

    @Option(names = "--prompts", defaultValue = "1000", description = "prompts per workload; default: ${DEFAULT-VALUE}")
    int prompts;

    @Option(names = "--workers", defaultValue = "4", description = "workers (80 GiB GPUs); default: ${DEFAULT-VALUE}")
    int workers;

    @Option(names = "--noise", paramLabel = "S", defaultValue = "0.3", description = "lognormal sigma of actual vs profiled output lengths in the noisy runs; default: ${DEFAULT-VALUE}")
    double noise;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the workloads, noise and calibration; default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--method", paramLabel = "METHOD", description = "our planner; default: ilp when available, else greedy")
    String method;

    @Mixin
    PlannerOptionsMixin solver;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        if (!(noise >= 0) || Double.isInfinite(noise)) {
            throw new BadInputException("--noise must be a finite number >= 0, got " + noise);
        }
        String m = method != null ? method : Planning.defaultMethod();
        Planner ours = Planning.planner(m, solver.options());
        if (!Planners.exists("ilp") && method == null) {
            o.println("note: the ilp planner is not registered in this build; MOSAIC plans with greedy");
        }
        InstanceSpec base;
        try {
            base = InstanceSpec.preset("paper-like").withPrompts(prompts).withWorkers(workers).withSeed(seed);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage(), e);
        }
        Study.Settings settings = Study.Settings.defaults().withNoiseSigma(noise);
        settings = new Study.Settings(settings.noiseSigma(), seed, settings.calibrationFraction(), settings.budget(), settings.confidenceAware());
        ProgressBar bar = SimulationRun.progressBar(Presets.NAMES.size() * (SimulationRun.progressSteps(settings) + 1));
        List<Study.Result> results = new ArrayList<>();
        try {
            for (String preset : Presets.NAMES) {
                bar.accept(preset + ": generating");
                Workload w = Presets.generate(preset, base);
                List<String> errors = ProblemValidator.check(w.problem());
                if (!errors.isEmpty()) {
                    throw new BadInputException(preset + ": generated workload is not plannable: " + String.join("; ", errors));
                }
                writeWorkload(w);
                results.add(Study.run(w, new RoundRobinPlanner(), ours, settings, bar));
            }
        } catch (PlanningException e) {
            throw new BadInputException(e.getMessage(), e);
        } finally {
            bar.done();
        }
        o.println(base.workers() + " workers x " + base.workerMemoryGiB() + " GiB, " + base.experts() + " experts, " + base.prompts()
                + " prompts per workload; baseline round-robin, ours " + m + "; noise sigma " + noise);
        o.print(SimulationRun.table(results));
        SimulationRun.writeReport(out, results, settings, SimulationRun.headline(noise, true, false), o);
        o.println("workloads: " + out.resolve(Presets.NAMES.getFirst() + ".json") + ", " + out.resolve(Presets.NAMES.getLast() + ".json")
                + " (try: mosaic simulate --problem " + out.resolve("gpqa-like.json") + " --noise 0.5 --steal --report out/sim)");
        o.flush();
        return 0;
    }

    private void writeWorkload(Workload w) {
        Path file = out.resolve(w.name() + ".json");
        try {
            WorkloadIo.write(w, file);
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot write: " + e.getMessage(), e);
        }
    }
}
