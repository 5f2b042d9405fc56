package dev.mosaic.scheduler.plan;

/** One (prompt, expert) job and the worker that runs it. */
public record Assignment(String prompt, String expert, String worker) {}
