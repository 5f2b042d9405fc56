package dev.mosaic.scheduler.plan;

/**
 * One (prompt, expert) job and the worker that runs it.
 *
 * <p>Immutable and thread-safe.
 */
public record Assignment(String prompt, String expert, String worker) {}
