package dev.mosaic.inference.engine;

/**
 * What an engine's batch scheduler holds at one moment, for a runtime deciding where to send
 * work: sequences waiting and running, KV blocks used and total, and how many more sequences it
 * would admit. Published by the step loop after every step (and whenever the queue changes), so
 * it may be a step old. Immutable.
 *
 * @param waiting requests not admitted yet (new, or preempted and waiting to recompute)
 * @param running sequences holding KV blocks
 * @param maxSequences most sequences that may run at once
 * @param waitingTokens KV positions the waiting requests need to be admitted (their prompts, plus tokens already
 *     generated for preempted ones): the prefill work queued
 * @param kvBlocksUsed KV blocks held by running sequences
 * @param kvBlocksTotal KV blocks in the cache
 * @param kvBlockSize token positions per block
 */
public record QueueSnapshot(int waiting, int running, int maxSequences, long waitingTokens, int kvBlocksUsed,
                            int kvBlocksTotal, int kvBlockSize) {

    /** KV blocks not held by any sequence. */
    public int kvBlocksFree() {
        return kvBlocksTotal - kvBlocksUsed;
    }

    /** KV positions in free blocks. */
    public long kvTokensFree() {
        return (long) kvBlocksFree() * kvBlockSize;
    }

    /** Sequences that could start before the running ones reach {@code maxSequences}. */
    public int freeSequenceSlots() {
        return Math.max(0, maxSequences - running);
    }

    /**
     * How many new requests with prompts of {@code promptTokens} tokens the engine would admit
     * right now, by its own rule: none while others wait (arrival order), else as long as a
     * sequence slot is free and the blocks for the prompt and its first generated token, plus
     * one block of headroom per running sequence, are free.
     */
    public int admissibleNow(int promptTokens) {
        if (promptTokens < 1) {
            throw new IllegalArgumentException("prompt must have at least one token, got " + promptTokens);
        }
        if (waiting > 0) {
            return 0;
        }
        int need = Math.toIntExact(((long) promptTokens + 1 + kvBlockSize - 1) / kvBlockSize);
        int free = kvBlocksFree();
        int runningNow = running;
        int admitted = 0;
        while (runningNow < maxSequences && need + runningNow <= free) {
            free -= need;
            runningNow++;
            admitted++;
        }
        return admitted;
    }
}
