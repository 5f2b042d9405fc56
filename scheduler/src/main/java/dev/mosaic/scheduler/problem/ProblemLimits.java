package dev.mosaic.scheduler.problem;

/**
 * The largest (and smallest) values {@link ProblemValidator} accepts. They are far beyond any real
 * deployment and keep every derived quantity (a job's time on the slowest worker, a worker's load,
 * the sum of all work the solver sees) finite and well inside what double precision, the
 * simulator's clock and HiGHS (which reads 1e20 as infinity) represent with room to spare.
 *
 * <p>Constants only; thread-safe.
 */
public final class ProblemLimits {

    /** Largest memory of a worker or an expert replica, GiB (1 EiB). */
    public static final double MAX_MEMORY_GIB = 1e6;
    /** Smallest worker speed (relative to the profiling machine). */
    public static final double MIN_SPEED = 1e-3;
    /** Largest worker speed. */
    public static final double MAX_SPEED = 1e3;
    /** Largest load time of one replica at speed 1, seconds (about 116 days). */
    public static final double MAX_LOAD_SECONDS = 1e7;
    /** Largest per-token cost (prefill, decode, decode latency), seconds. */
    public static final double MAX_SECONDS_PER_TOKEN = 1e3;
    /** Largest prompt length and largest routed output length, tokens. */
    public static final double MAX_TOKENS = 1e9;
    /**
     * Largest total profiled time of all jobs at speed 1 (the sum of their latency floors and work),
     * plus all load times, seconds (about 31,700 years): on the slowest worker this stays below
     * 1e15 s.
     */
    public static final double MAX_TOTAL_SECONDS = 1e12;

    private ProblemLimits() {}
}
