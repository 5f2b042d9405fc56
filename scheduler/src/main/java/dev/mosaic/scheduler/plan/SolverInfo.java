package dev.mosaic.scheduler.plan;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What the planner did, typed: method, outcome, the solver's own bound and gap, threads requested
 * and used, wall time, and whether a heuristic plan was returned in place of the solver's
 * ({@code fallback}). Planner-specific facts (HiGHS status, model size, which step produced the
 * plan, ...) are in {@link #details()}. Immutable and thread-safe.
 *
 * <p>In plan JSON this is the flat {@code solver} object: the typed fields under the names below
 * ({@code status} in lower case with dashes), then the details. Absent numbers are omitted.
 *
 * @param method planner name ({@code ilp}, {@code greedy}, {@code round-robin}, ...)
 * @param status how the planner ended
 * @param boundSeconds the solver's own lower bound on the makespan (HiGHS's MIP dual bound), NaN
 *                     if no solver ran; the plan's {@code lowerBoundSeconds} is the best of this
 *                     and the instance bounds
 * @param solverGap the solver's relative gap at its end (HiGHS's {@code mip_gap}), NaN if none
 * @param threadsRequested threads asked for (1 for the single-threaded heuristics)
 * @param threadsUsed threads actually used; differs from the request when HiGHS's process-wide
 *                    pool was already fixed by an earlier solve
 * @param solveSeconds wall time of the whole planner
 * @param fallback the heuristic whose plan was returned because the solver produced none, or null
 * @param fallbackReason why, or null
 * @param details further facts by name; values are strings, numbers or booleans
 */
public record SolverInfo(String method, Status status, double boundSeconds, double solverGap, int threadsRequested,
                         int threadsUsed, double solveSeconds, String fallback, String fallbackReason,
                         Map<String, Object> details) {

    /** How a planner ended. Immutable; thread-safe. */
    public enum Status {
        /** A heuristic plan; no solver ran. */
        HEURISTIC,
        /** The solver proved its plan optimal within the requested relative gap. */
        OPTIMAL,
        /** The solver stopped at a limit (time, nodes, ...) with a feasible plan; see the gap. */
        LIMIT_REACHED,
        /** The solver failed or found nothing; the best heuristic plan was returned. */
        FALLBACK,
        /** Not recorded (a plan written by an older version or by hand). */
        UNKNOWN;

        /** The JSON spelling: lower case with dashes, e.g. {@code limit-reached}. */
        public String jsonName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** Parses {@link #jsonName()} (or the enum name); anything else is {@link #UNKNOWN}. */
        public static Status parse(String s) {
            if (s == null) {
                return UNKNOWN;
            }
            try {
                return valueOf(s.toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                return UNKNOWN;
            }
        }
    }

    private static final java.util.List<String> TYPED = java.util.List.of("method", "status", "boundSeconds", "solverGap",
            "threadsRequested", "threadsUsed", "solveSeconds", "fallback", "fallbackReason");

    public SolverInfo {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(status, "status");
        if (threadsRequested < 0 || threadsUsed < 0) {
            throw new IllegalArgumentException("threads: must be >= 0, got requested " + threadsRequested + ", used " + threadsUsed);
        }
        Map<String, Object> d = new LinkedHashMap<>();
        details.forEach((k, v) -> {
            if (!TYPED.contains(k) && v != null) {
                d.put(k, v);
            }
        });
        details = Collections.unmodifiableMap(d);
    }

    /** A single-threaded heuristic's result. */
    public static SolverInfo heuristic(String method, double solveSeconds, Map<String, Object> details) {
        return new SolverInfo(method, Status.HEURISTIC, Double.NaN, Double.NaN, 1, 1, solveSeconds, null, null, details);
    }

    /** Whether the solver's plan was replaced by a heuristic one. */
    public boolean isFallback() {
        return fallback != null;
    }

    /** A copy with {@code details} replaced. */
    public SolverInfo withDetails(Map<String, Object> details) {
        return new SolverInfo(method, status, boundSeconds, solverGap, threadsRequested, threadsUsed, solveSeconds,
                fallback, fallbackReason, details);
    }

    /** A fact by its JSON name, typed fields included; null if absent. */
    public Object get(String key) {
        return asMap().get(key);
    }

    /** Whether {@link #get} finds {@code key}. */
    public boolean containsKey(String key) {
        return asMap().containsKey(key);
    }

    /** The flat JSON form: typed fields first (absent ones omitted), then the details. */
    @JsonValue
    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", method);
        m.put("status", status.jsonName());
        if (Double.isFinite(boundSeconds)) {
            m.put("boundSeconds", boundSeconds);
        }
        if (Double.isFinite(solverGap)) {
            m.put("solverGap", solverGap);
        }
        m.put("threadsRequested", threadsRequested);
        m.put("threadsUsed", threadsUsed);
        m.put("solveSeconds", solveSeconds);
        if (fallback != null) {
            m.put("fallback", fallback);
        }
        if (fallbackReason != null) {
            m.put("fallbackReason", fallbackReason);
        }
        m.putAll(details);
        return Collections.unmodifiableMap(m);
    }

    /** Reads the flat JSON form; missing typed fields get neutral values (status {@code unknown}). */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static SolverInfo fromMap(Map<String, Object> m) {
        return new SolverInfo(
                m.get("method") instanceof String s ? s : "unknown",
                Status.parse(m.get("status") instanceof String s ? s : null),
                number(m.get("boundSeconds")),
                number(m.get("solverGap")),
                (int) orZero(number(m.get("threadsRequested"))),
                (int) orZero(number(m.get("threadsUsed"))),
                orZero(number(m.get("solveSeconds"))),
                m.get("fallback") instanceof String s ? s : null,
                m.get("fallbackReason") instanceof String s ? s : null,
                m);
    }

    private static double number(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static double orZero(double v) {
        return Double.isNaN(v) ? 0 : v;
    }
}
