package dev.mosaic.scheduler.problem;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A MOSAIC scheduling instance: workers, experts, routed prompts and (for stage 2) an optional
 * aggregator profile, and optional placement constraints. This is the public JSON input format;
 * unknown fields are ignored.
 *
 * <p>Immutable and thread-safe.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(List<Worker> workers, List<Expert> experts, List<Prompt> prompts, Expert aggregator,
                      PlacementRules placement) {

    public Problem {
        workers = List.copyOf(workers);
        experts = List.copyOf(experts);
        prompts = List.copyOf(prompts);
        if (placement != null && placement.forbidden().isEmpty()) {
            placement = null;
        }
    }

    public Problem(List<Worker> workers, List<Expert> experts, List<Prompt> prompts, Expert aggregator) {
        this(workers, experts, prompts, aggregator, null);
    }

    public Problem(List<Worker> workers, List<Expert> experts, List<Prompt> prompts) {
        this(workers, experts, prompts, null);
    }

    /** Index of each worker id in {@link #workers()}. */
    @JsonIgnore
    public Map<String, Integer> workerIndex() {
        Map<String, Integer> m = new HashMap<>();
        for (int i = 0; i < workers.size(); i++) {
            m.put(workers.get(i).id(), i);
        }
        return m;
    }

    /** Index of each expert id in {@link #experts()}. */
    @JsonIgnore
    public Map<String, Integer> expertIndex() {
        Map<String, Integer> m = new HashMap<>();
        for (int i = 0; i < experts.size(); i++) {
            m.put(experts.get(i).id(), i);
        }
        return m;
    }

    /** This problem with other placement constraints (null: none). */
    public Problem withPlacement(PlacementRules rules) {
        return new Problem(workers, experts, prompts, aggregator, rules);
    }

    /**
     * {@code [worker][expert]}: whether the placement constraints allow a replica of the expert
     * on the worker (pairs naming unknown ids are ignored here; the validator rejects them).
     */
    public boolean[][] allowed() {
        boolean[][] a = new boolean[workers.size()][experts.size()];
        for (boolean[] row : a) {
            java.util.Arrays.fill(row, true);
        }
        if (placement != null) {
            Map<String, Integer> wi = workerIndex();
            Map<String, Integer> ei = expertIndex();
            for (PlacementRules.Pair p : placement.forbidden()) {
                Integer w = p == null ? null : wi.get(p.worker());
                Integer e = p == null ? null : ei.get(p.expert());
                if (w != null && e != null) {
                    a[w][e] = false;
                }
            }
        }
        return a;
    }

    /** The (prompt, routed expert) jobs as flat arrays, in prompt order then route order. */
    public JobTable jobs() {
        return JobTable.of(this);
    }
}
