package dev.mosaic.scheduler.problem;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * A worker (one GPU): memory available for expert replicas and a relative speed (1.0 = the
 * device the costs were profiled on).
 *
 * <p>Immutable and thread-safe.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Worker(String id, double memoryGiB, double speed) {}
