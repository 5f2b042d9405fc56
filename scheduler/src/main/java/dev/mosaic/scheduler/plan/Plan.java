package dev.mosaic.scheduler.plan;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A schedule: which experts have a replica on which worker, which worker runs each job, the
 * planner's makespan, a proven lower bound on the optimum and the relative gap
 * {@code (makespan - lowerBound) / makespan}. {@code solver} says how it was found
 * ({@link SolverInfo}). This is the public JSON output format. Immutable and thread-safe.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Plan(Map<String, List<String>> placement, List<Assignment> assignment, double makespanSeconds,
                   double lowerBoundSeconds, double gap, SolverInfo solver) {

    @JsonCreator
    public Plan {
        Map<String, List<String>> p = new LinkedHashMap<>();
        placement.forEach((w, es) -> p.put(w, List.copyOf(es)));
        placement = java.util.Collections.unmodifiableMap(p);
        assignment = List.copyOf(assignment);
        Objects.requireNonNull(solver, "solver");
    }

    /**
     * A plan whose solver facts are given in their flat JSON form ({@link SolverInfo#fromMap});
     * for hand-built plans and tests.
     */
    public Plan(Map<String, List<String>> placement, List<Assignment> assignment, double makespanSeconds,
                double lowerBoundSeconds, double gap, Map<String, Object> solver) {
        this(placement, assignment, makespanSeconds, lowerBoundSeconds, gap, SolverInfo.fromMap(solver));
    }

    /** Relative gap between a makespan and a lower bound, 0 when both are 0. */
    public static double gap(double makespan, double lowerBound) {
        if (makespan <= 0) {
            return 0.0;
        }
        return Math.max(0.0, (makespan - lowerBound) / makespan);
    }
}
