package dev.mosaic.bench;

import dev.mosaic.scheduler.baseline.GreedyPlanner;
import dev.mosaic.scheduler.gen.InstanceGenerator;
import dev.mosaic.scheduler.gen.InstanceSpec;
import dev.mosaic.scheduler.plan.PlanningOptions;
import dev.mosaic.scheduler.ilp.PlacementIlp;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.PlanEvaluator;
import dev.mosaic.scheduler.plan.Planner;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Wall time of one planning run on the generator's presets: {@code paper-like} (4 x 6 x 1000),
 * {@code medium} (8 x 16 x 10000) and {@code large} (16 x 32 x 50000), for the ILP planner and
 * the greedy baseline. Each trial prints the achieved makespan, lower bound and gap (the gap is
 * the quality half of the result: a fast plan far from the bound is not a win).
 *
 * <p>Run: {@code java --enable-native-access=ALL-UNNAMED -jar bench/target/benchmarks.jar PlannerBench}
 *
 * <p>Not thread-safe: JMH benchmark state, driven by the one benchmark thread JMH runs by default (no Threads
 * annotation).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
public class PlannerBench {

    @Param({"paper-like", "medium", "large"})
    public String preset;

    @Param({"ilp", "greedy"})
    public String method;

    /** HiGHS relative gap; the planner stops early once within it. */
    @Param({"0.01"})
    public double gap;

    /** Wall-clock budget of the ILP planner in seconds. */
    @Param({"10"})
    public double timeLimit;

    private Problem problem;
    private Planner planner;
    private Plan last;

    @Setup(Level.Trial)
    public void setUp() {
        problem = InstanceGenerator.generate(InstanceSpec.preset(preset));
        planner = switch (method) {
            case "ilp" -> new PlacementIlp(new PlanningOptions(timeLimit, gap, Runtime.getRuntime().availableProcessors()));
            case "greedy" -> new GreedyPlanner();
            default -> throw new IllegalArgumentException("method: " + method);
        };
    }

    @Benchmark
    public Plan plan() {
        last = planner.plan(problem);
        return last;
    }

    @TearDown(Level.Iteration)
    public void report() {
        double makespan = PlanEvaluator.evaluate(problem, last).requireValid().makespanSeconds();
        System.out.printf("%n[%s %s] makespan %.1f s, lower bound %.1f s, gap %.3f%%, chosen %s%n", preset, method,
                makespan, last.lowerBoundSeconds(), 100 * last.gap(), java.util.Objects.requireNonNullElse(last.solver().get("chosen"), method));
    }
}
