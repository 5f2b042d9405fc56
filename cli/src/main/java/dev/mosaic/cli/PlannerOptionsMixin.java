package dev.mosaic.cli;

import dev.mosaic.scheduler.plan.PlanningOptions;
import picocli.CommandLine.Option;

/**
 * Solver options shared by plan and compare.
 *
 * <p>Not thread-safe: picocli fills its fields on the parsing thread; read it on that thread.
 */
public final class PlannerOptionsMixin {

    @Option(names = "--time-limit", paramLabel = "S", defaultValue = "10", description = "solver time limit in seconds; default: ${DEFAULT-VALUE}")
    double timeLimit;

    @Option(names = "--gap", paramLabel = "G", defaultValue = "0.01", description = "relative optimality gap to stop at; default: ${DEFAULT-VALUE}")
    double gap;

    @Option(names = "--threads", paramLabel = "N", description = "solver threads; default: available processors")
    Integer threads;

    /** The options; bad values are {@link BadInputException}s. */
    public PlanningOptions options() {
        try {
            return new PlanningOptions(timeLimit, gap, threads != null ? threads : PlanningOptions.defaults().threads());
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage(), e);
        }
    }
}
