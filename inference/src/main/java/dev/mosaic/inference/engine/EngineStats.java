package dev.mosaic.inference.engine;

/**
 * A snapshot of an engine's state and counters.
 *
 * <p>Immutable; thread-safe.
 *
 * @param waiting requests not yet admitted
 * @param running sequences holding KV blocks
 * @param kvBlocksTotal blocks in the KV cache
 * @param kvBlocksFree blocks not held by any sequence
 * @param kvBlockSize token positions per block
 * @param steps forward passes run
 * @param promptTokens prompt tokens processed
 * @param generatedTokens tokens sampled
 * @param completed requests finished (any reason, failures included)
 * @param preemptions times a running sequence gave its KV blocks back to let an older one grow
 *     (it recomputes them when readmitted)
 */
public record EngineStats(int waiting, int running, int kvBlocksTotal, int kvBlocksFree, int kvBlockSize, long steps,
                          long promptTokens, long generatedTokens, long completed, long preemptions) {

    /** Blocks held by sequences. */
    public int kvBlocksUsed() {
        return kvBlocksTotal - kvBlocksFree;
    }
}
