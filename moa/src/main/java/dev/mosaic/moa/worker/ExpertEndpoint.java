package dev.mosaic.moa.worker;

import java.util.concurrent.CompletableFuture;

/**
 * One replica of one model on one worker, ready to run jobs: a local engine, a GPU replica, or a
 * model served by a remote OpenAI-compatible server. {@link #submit} may be called from any
 * thread and returns at once; the endpoint batches what it has been given. Closing it cancels
 * unfinished jobs and frees the replica (but not the jobs' finished outputs).
 *
 * <p>Implementations must be thread-safe: {@link #submit} and {@link #close} may be called from any thread.
 */
public interface ExpertEndpoint extends AutoCloseable {

    /** The expert (or aggregator) id this replica serves. */
    String modelId();

    /** Most jobs this replica runs at once (more may be submitted; they queue in the endpoint). */
    int maxConcurrentJobs();

    /** Number of prompt tokens {@code request} becomes for this model (its chat template included). */
    int promptTokens(JobRequest request);

    /** Starts {@code request}; the future completes with its output, or exceptionally. */
    CompletableFuture<JobOutput> submit(JobRequest request);

    @Override
    void close();
}
