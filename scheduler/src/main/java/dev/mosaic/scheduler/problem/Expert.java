package dev.mosaic.scheduler.problem;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * An expert LLM's offline-profiled cost profile (also used for the aggregator).
 *
 * <p>Immutable and thread-safe.
 *
 * @param memoryGiB memory one replica occupies on a worker
 * @param loadSeconds time to load one replica onto a worker of speed 1
 * @param prefillSecondsPerToken prompt processing cost per prompt token
 * @param decodeSecondsPerToken throughput-amortised decode cost per output token under batching
 * @param decodeLatencySecondsPerToken one sequence's decode step latency (the latency floor)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Expert(String id, double memoryGiB, double loadSeconds, double prefillSecondsPerToken,
                     double decodeSecondsPerToken, double decodeLatencySecondsPerToken) {

    /** Work of a job on a worker of speed 1: prefill plus amortised decode. */
    public double jobCost(double promptTokens, double outTokens) {
        return promptTokens * prefillSecondsPerToken + outTokens * decodeSecondsPerToken;
    }

    /** Latency floor of one job on a worker of speed 1: it cannot finish faster than this. */
    public double jobFloor(double promptTokens, double outTokens) {
        return promptTokens * prefillSecondsPerToken + outTokens * decodeLatencySecondsPerToken;
    }
}
