package dev.mosaic.scheduler.problem;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Placement constraints of a problem ({@code "placement"} in the JSON format), each a list of
 * (worker, expert) pairs:
 * <ul>
 *   <li>{@code forbidden}: no replica of the expert on that worker (e.g. a remote server that
 *       serves a fixed set of models and cannot load others);</li>
 *   <li>{@code pinned}: the plan must place a replica of the expert on that worker (e.g. a
 *       server's fixed {@code serves} list); it costs memory and, unless also loaded, load time,
 *       even when it runs no job;</li>
 *   <li>{@code loaded}: a replica is already resident there, so if the plan keeps it there it
 *       costs no load time (it still uses memory); the plan may drop it, freeing its memory.</li>
 * </ul>
 * Every planner, {@code PlanEvaluator} and the simulator honour them.
 *
 * <p>Immutable and thread-safe.
 *
 * @param forbidden (worker, expert) pairs: no replica of the expert on that worker
 * @param pinned (worker, expert) pairs: a replica of the expert must be on that worker
 * @param loaded (worker, expert) pairs: a replica of the expert is already loaded on that worker
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record PlacementRules(List<Pair> forbidden, List<Pair> pinned, List<Pair> loaded) {

    public PlacementRules {
        forbidden = copy(forbidden);
        pinned = copy(pinned);
        loaded = copy(loaded);
    }

    /** Forbidden pairs only. */
    public PlacementRules(List<Pair> forbidden) {
        this(forbidden, List.of(), List.of());
    }

    /** Whether there is no pair at all. */
    @JsonIgnore
    public boolean isEmpty() {
        return forbidden.isEmpty() && pinned.isEmpty() && loaded.isEmpty();
    }

    // Lists may hold null entries (a malformed JSON element) for the validator to report.
    private static List<Pair> copy(List<Pair> pairs) {
        return pairs == null ? List.of() : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(pairs));
    }

    /** A worker id and an expert id. Immutable; thread-safe. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Pair(String worker, String expert) {}
}
