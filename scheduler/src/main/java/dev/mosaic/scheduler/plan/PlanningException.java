package dev.mosaic.scheduler.plan;

/**
 * A valid problem that a planner could not plan, e.g. its heuristic found no way to fit the replicas in memory.
 *
 * <p>Immutable; safe to share between threads.
 */
public final class PlanningException extends RuntimeException {
    public PlanningException(String message) {
        super(message);
    }
}
