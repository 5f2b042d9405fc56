package dev.mosaic.bench;

import dev.mosaic.scheduler.execution.StageResult;
import dev.mosaic.scheduler.baseline.GreedyPlanner;
import dev.mosaic.scheduler.gen.InstanceGenerator;
import dev.mosaic.scheduler.gen.InstanceSpec;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.sim.OutputNoise;
import dev.mosaic.scheduler.sim.Simulator;
import dev.mosaic.scheduler.execution.Timeline;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * Throughput of the discrete-event {@link Simulator}: one expert stage of a greedy plan on the
 * generator's {@code large} preset (16 workers x 32 experts x 50,000 prompts, 150,000 jobs) and
 * on {@code paper-like} (4 x 6 x 1000), with lognormal noise (sigma 0.3), with and without work
 * stealing. The score is runs per second; the {@code events} counter gives simulator events
 * (admissions, completions, wake-ups) per second, {@code jobs} jobs per second.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar SimulatorBench}
 *
 * <p>Not thread-safe: JMH benchmark state, driven by the one benchmark thread JMH runs by default (no Threads
 * annotation).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class SimulatorBench {

    @Param({"large", "paper-like"})
    public String preset;

    @Param({"false", "true"})
    public boolean stealing;

    private Simulator simulator;
    private Simulator.Conditions conditions;

    /** Events and jobs simulated, reported by JMH as rates. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters {
        public long events;
        public long jobs;

        @Setup(Level.Iteration)
        public void reset() {
            events = 0;
            jobs = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        Problem problem = InstanceGenerator.generate(InstanceSpec.preset(preset));
        Plan plan = new GreedyPlanner().plan(problem);
        simulator = Simulator.of(problem, plan);
        double[] out = OutputNoise.apply(simulator.jobs().outTokens(), OutputNoise.multipliers(simulator.jobs().size(), 0.3, 1));
        conditions = Simulator.Conditions.asProfiled(Timeline.Stage.EXPERT).withActualOutTokens(out).withWorkStealing(stealing);
    }

    @Benchmark
    public StageResult expertStage(Counters counters) {
        StageResult r = simulator.run(conditions);
        counters.events += r.events();
        counters.jobs += r.jobWorker().length;
        return r;
    }
}
