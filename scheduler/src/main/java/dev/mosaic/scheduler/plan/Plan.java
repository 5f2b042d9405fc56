package dev.mosaic.scheduler.plan;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A schedule: which experts have a replica on which worker, which worker runs each job, the
 * planner's makespan, a proven lower bound on the optimum and the relative gap
 * {@code (makespan - lowerBound) / makespan}. {@code solver} holds planner-specific facts
 * (method, status, solve time, notes). This is the public JSON output format.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Plan(Map<String, List<String>> placement, List<Assignment> assignment, double makespanSeconds,
                   double lowerBoundSeconds, double gap, Map<String, Object> solver) {

    public Plan {
        Map<String, List<String>> p = new LinkedHashMap<>();
        placement.forEach((w, es) -> p.put(w, List.copyOf(es)));
        placement = java.util.Collections.unmodifiableMap(p);
        assignment = List.copyOf(assignment);
        solver = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(solver));
    }

    /** Relative gap between a makespan and a lower bound, 0 when both are 0. */
    public static double gap(double makespan, double lowerBound) {
        if (makespan <= 0) {
            return 0.0;
        }
        return Math.max(0.0, (makespan - lowerBound) / makespan);
    }
}
