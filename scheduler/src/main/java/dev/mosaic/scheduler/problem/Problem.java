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
        if (placement != null && placement.isEmpty()) {
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
    @JsonIgnore
    public boolean[][] allowed() {
        boolean[][] a = pairMatrix(placement == null ? List.of() : placement.forbidden());
        for (boolean[] row : a) {
            for (int e = 0; e < row.length; e++) {
                row[e] = !row[e];
            }
        }
        return a;
    }

    /** {@code [worker][expert]}: whether the plan must place a replica of the expert on the worker ({@code placement.pinned}). */
    @JsonIgnore
    public boolean[][] pinned() {
        return pairMatrix(placement == null ? List.of() : placement.pinned());
    }

    /** {@code [worker][expert]}: whether a replica of the expert is already resident on the worker ({@code placement.loaded}). */
    @JsonIgnore
    public boolean[][] loaded() {
        return pairMatrix(placement == null ? List.of() : placement.loaded());
    }

    /**
     * Load time (speed 1) of a replica of expert {@code e} on worker {@code w}: the expert's
     * {@code loadSeconds}, or 0 where {@code placement.loaded} says it is already resident. The one
     * place load time per (worker, expert) comes from; divide by the worker's speed for seconds.
     */
    public double loadSeconds(int w, int e) {
        if (placement != null && !placement.loaded().isEmpty()) {
            String wid = workers.get(w).id();
            String eid = experts.get(e).id();
            for (PlacementRules.Pair p : placement.loaded()) {
                if (p != null && wid.equals(p.worker()) && eid.equals(p.expert())) {
                    return 0;
                }
            }
        }
        return experts.get(e).loadSeconds();
    }

    /** {@link #loadSeconds(int, int)} for every pair, {@code [worker][expert]}. */
    @JsonIgnore
    public double[][] loadSecondsTable() {
        boolean[][] loaded = loaded();
        double[][] t = new double[workers.size()][experts.size()];
        for (int w = 0; w < t.length; w++) {
            for (int e = 0; e < t[w].length; e++) {
                t[w][e] = loaded[w][e] ? 0 : experts.get(e).loadSeconds();
            }
        }
        return t;
    }

    private boolean[][] pairMatrix(List<PlacementRules.Pair> pairs) {
        boolean[][] a = new boolean[workers.size()][experts.size()];
        if (!pairs.isEmpty()) {
            Map<String, Integer> wi = workerIndex();
            Map<String, Integer> ei = expertIndex();
            for (PlacementRules.Pair p : pairs) {
                Integer w = p == null ? null : wi.get(p.worker());
                Integer e = p == null ? null : ei.get(p.expert());
                if (w != null && e != null) {
                    a[w][e] = true;
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
