package dev.mosaic.scheduler.problem;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * An expert LLM's offline-profiled cost profile (also used for the aggregator).
 *
 * <p>Decode has two parts. Reading the weights is shared by the sequences of a batch, so its
 * cost per token falls with the batch ({@code decodeSecondsPerToken} at a saturating batch,
 * {@code decodeLatencySecondsPerToken} alone). Attention reads each sequence's own KV cache, so
 * it is not shared and grows with the context: {@code decodeSecondsPerContextToken} per generated
 * token per token already in the context, the same in both regimes. A job of {@code P} prompt
 * and {@code O} output tokens decodes at a mean context of {@code P + O/2}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param memoryGiB memory one replica occupies on a worker
 * @param loadSeconds time to load one replica onto a worker of speed 1
 * @param prefillSecondsPerToken prompt processing cost per prompt token
 * @param decodeSecondsPerToken throughput-amortised decode cost per output token under batching,
 *     at an empty context
 * @param decodeLatencySecondsPerToken one sequence's decode step latency (the latency floor), at
 *     an empty context
 * @param decodeSecondsPerContextToken decode cost per output token per context token (attention
 *     over the sequence's KV cache); 0 when not profiled
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Expert(String id, double memoryGiB, double loadSeconds, double prefillSecondsPerToken,
                     double decodeSecondsPerToken, double decodeLatencySecondsPerToken,
                     double decodeSecondsPerContextToken) {

    /** An expert whose decode cost does not depend on the context. */
    public Expert(String id, double memoryGiB, double loadSeconds, double prefillSecondsPerToken,
                  double decodeSecondsPerToken, double decodeLatencySecondsPerToken) {
        this(id, memoryGiB, loadSeconds, prefillSecondsPerToken, decodeSecondsPerToken, decodeLatencySecondsPerToken, 0);
    }

    /** Work of a job on a worker of speed 1: prefill plus amortised decode plus its attention. */
    public double jobCost(double promptTokens, double outTokens) {
        return promptTokens * prefillSecondsPerToken + outTokens * decodeSecondsPerToken + contextCost(promptTokens, outTokens);
    }

    /** Latency floor of one job on a worker of speed 1: it cannot finish faster than this. */
    public double jobFloor(double promptTokens, double outTokens) {
        return promptTokens * prefillSecondsPerToken + outTokens * decodeLatencySecondsPerToken
                + contextCost(promptTokens, outTokens);
    }

    private double contextCost(double promptTokens, double outTokens) {
        // Written so that an unprofiled (0) term adds exactly 0, whatever the lengths.
        return decodeSecondsPerContextToken == 0 ? 0 : outTokens * (promptTokens + outTokens / 2) * decodeSecondsPerContextToken;
    }
}
