/**
 * Baseline planners: {@link dev.mosaic.scheduler.baseline.RoundRobinPlanner} (the paper's
 * baseline, one replica per expert) and {@link dev.mosaic.scheduler.baseline.GreedyPlanner}
 * (replication-aware heuristic, never worse than round-robin), plus
 * {@link dev.mosaic.scheduler.baseline.LptAssigner}, which assigns jobs to replicas for a fixed
 * placement and is reusable by other planners.
 */
package dev.mosaic.scheduler.baseline;
