package dev.mosaic.scheduler.problem;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * Placement constraints of a problem ({@code "placement"} in the JSON format): pairs of a worker
 * and an expert that may not go together, e.g. a remote server that serves a fixed set of models
 * and cannot load others. Every planner and {@code PlanEvaluator} honour them.
 *
 * <p>Immutable and thread-safe.
 *
 * @param forbidden (worker, expert) pairs: no replica of the expert on that worker
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PlacementRules(List<Pair> forbidden) {

    public PlacementRules {
        forbidden = forbidden == null ? List.of() : List.copyOf(forbidden);
    }

    /** A worker id and an expert id. Immutable; thread-safe. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Pair(String worker, String expert) {}
}
