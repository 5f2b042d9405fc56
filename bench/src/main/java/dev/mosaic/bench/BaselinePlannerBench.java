package dev.mosaic.bench;

import dev.mosaic.scheduler.gen.InstanceGenerator;
import dev.mosaic.scheduler.gen.InstanceSpec;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.Planner;
import dev.mosaic.scheduler.plan.PlanningOptions;
import dev.mosaic.scheduler.Planners;
import dev.mosaic.scheduler.problem.Problem;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Solve time of the baseline planners (round-robin, greedy) on the generator's presets:
 * paper-like 4x6x1000, medium 8x16x10000 and large 16x32x50000 (workers x experts x prompts).
 * Each call plans from the {@link Problem} (building the job table, bounds and the plan object
 * included), as {@code mosaic plan} does after reading the file.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar BaselinePlannerBench}
 *
 * <p>Not thread-safe: JMH benchmark state, driven by the one benchmark thread JMH runs by default (no Threads
 * annotation).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1)
public class BaselinePlannerBench {

    @Param({"paper-like", "medium", "large"})
    public String preset;

    @Param({"round-robin", "greedy"})
    public String method;

    private Problem problem;
    private Planner planner;

    @Setup(Level.Trial)
    public void setUp() {
        problem = InstanceGenerator.generate(InstanceSpec.preset(preset));
        planner = Planners.create(method, PlanningOptions.defaults());
    }

    @Benchmark
    public Plan plan() {
        return planner.plan(problem);
    }
}
