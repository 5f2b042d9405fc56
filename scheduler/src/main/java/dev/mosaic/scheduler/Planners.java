package dev.mosaic.scheduler;

import dev.mosaic.scheduler.baseline.GreedyPlanner;
import dev.mosaic.scheduler.baseline.RoundRobinPlanner;
import dev.mosaic.scheduler.ilp.PlacementIlp;
import dev.mosaic.scheduler.plan.Planner;
import dev.mosaic.scheduler.plan.PlanningOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The planners by command-line name ({@code round-robin}, {@code greedy}, {@code ilp}). It lives
 * above {@code plan}, {@code baseline} and {@code ilp} so that {@code plan} (the model every
 * planner builds on) depends on none of them. Stateless and thread-safe.
 */
public final class Planners {

    private static final Map<String, Function<PlanningOptions, Planner>> FACTORIES = new LinkedHashMap<>();

    static {
        FACTORIES.put(RoundRobinPlanner.NAME, opts -> new RoundRobinPlanner());
        FACTORIES.put(GreedyPlanner.NAME, opts -> new GreedyPlanner(opts.timeLimitSeconds()));
        FACTORIES.put(PlacementIlp.NAME, PlacementIlp::new);
    }

    private Planners() {}

    /** The registered method names, baselines first. */
    public static List<String> methods() {
        return List.copyOf(FACTORIES.keySet());
    }

    /** Whether {@code method} names a registered planner. */
    public static boolean exists(String method) {
        return FACTORIES.containsKey(method);
    }

    /** A new planner for {@code method}; unknown names throw with the list of known ones. */
    public static Planner create(String method, PlanningOptions options) {
        Function<PlanningOptions, Planner> f = FACTORIES.get(method);
        if (f == null) {
            throw new IllegalArgumentException("unknown planning method '" + method + "'; known: " + String.join(", ", methods()));
        }
        return f.apply(options);
    }
}
