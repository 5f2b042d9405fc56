package dev.mosaic.cli;

import dev.mosaic.scheduler.gen.InstanceGenerator;
import dev.mosaic.scheduler.gen.InstanceSpec;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.ProblemIo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mosaic gen}: writes a seeded synthetic problem.
 *
 * <p>Not thread-safe: picocli creates and fills one instance per command-line run.
 */
@Command(name = "gen", mixinStandardHelpOptions = true,
        description = "Generate a seeded synthetic problem (paper-like: 4 GPUs x 80 GiB, 6 experts of which 2 long-reasoning, 1000 prompts).")
public final class GenCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    InstanceOptions instance;

    @Option(names = "--out", defaultValue = "-", paramLabel = "P.json",
            description = "where to write the problem (atomically); - (the default) writes it to standard output")
    String out;

    @Override
    public Integer call() {
        InstanceSpec s = instance.spec();
        Problem p = InstanceGenerator.generate(s);
        boolean toStdout = out.equals("-");
        if (toStdout) {
            spec.commandLine().getOut().println(ProblemIo.toJson(p));
            spec.commandLine().getOut().flush();
        } else {
            try {
                ProblemIo.write(p, Path.of(out));
            } catch (IOException | java.nio.file.InvalidPathException e) {
                throw new BadInputException(out + ": cannot write problem: " + e.getMessage(), e);
            }
        }
        // With the problem on standard output, the summary goes to standard error.
        java.io.PrintWriter summary = toStdout ? spec.commandLine().getErr() : spec.commandLine().getOut();
        summary.printf("wrote %s: %d workers x %.1f GiB, %d experts (%d reasoning), %d prompts, %d jobs, seed %d%n",
                toStdout ? "standard output" : out, s.workers(), s.workerMemoryGiB(), s.experts(), s.reasoningExperts(),
                s.prompts(), p.jobs().size(), s.seed());
        summary.flush();
        return 0;
    }
}
