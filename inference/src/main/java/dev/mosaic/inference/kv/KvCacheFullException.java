package dev.mosaic.inference.kv;

/**
 * A sequence asked for more KV blocks than the cache has free; the message says how many of each.
 *
 * <p>Thread-safe: the fields it adds to {@link RuntimeException} are final.
 */
public final class KvCacheFullException extends RuntimeException {
    private final int blocksNeeded;
    private final int blocksFree;

    public KvCacheFullException(String message, int blocksNeeded, int blocksFree) {
        super(message);
        this.blocksNeeded = blocksNeeded;
        this.blocksFree = blocksFree;
    }

    /** Blocks the failed request needed. */
    public int blocksNeeded() {
        return blocksNeeded;
    }

    /** Blocks that were free at the time. */
    public int blocksFree() {
        return blocksFree;
    }
}
